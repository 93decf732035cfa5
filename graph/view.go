package graph

import (
	"slices"
	"strconv"

	"github.com/plumetrace/plume/chain"
)

// The walkers behind every export. They read the flow's own arrays in
// chain order, merging in the outside outputs it spends, instead of going
// through the gonum interface: that costs a search per node and per edge
// and allocates iterators, and ID order comes for free here.

// flowView is the transaction-level view of a Flow.
type flowView struct {
	f      *Flow
	opt    ExportOptions
	fields []field
}

func newFlowView(f *Flow, opt ExportOptions) *flowView {
	f.index()
	f.hashIndex() // outpoints name BIP30 twins apart (see Node.hash)
	fields := flowFields[:fTaint]
	if opt.Taint != nil {
		fields = flowFields
	}
	return &flowView{f: f, opt: opt, fields: fields}
}

func direction(forward bool) string {
	if forward {
		return "forward"
	}
	return "backward"
}

func (v *flowView) info() viewInfo {
	return viewInfo{id: "flow", network: v.f.params.Name, direction: direction(v.f.forward),
		fields: v.fields, nodes: v.f.NumNodes(), edges: v.f.NumEdges()}
}

func (v *flowView) eachNode(fn func(*nodeRec) error) error {
	f := v.f
	rec := &nodeRec{vals: make([]string, len(v.fields))}
	ext := f.ext
	for i, tx := range f.txs {
		for ; len(ext) > 0 && ext[0].out.Node() < tx.ID.Node(); ext = ext[1:] {
			v.output(rec, ext[0].out, Node{f, ext[0].out.Node()}.DOTID(), ext[0].prev.Value, ext[0].prev.Addr)
			if err := fn(rec); err != nil {
				return err
			}
		}
		clear(rec.vals)
		h := tx.Hash.String()
		rec.id, rec.kind, rec.label, rec.seed = tx.ID.Node(), kindTx, h, false
		rec.vals[fTxid] = h
		rec.vals[fHeight] = strconv.Itoa(int(tx.Height()))
		rec.vals[fTime] = tx.Time.UTC().Format(exportTime)
		rec.vals[fHop] = strconv.Itoa(int(f.hops[i]))
		if err := fn(rec); err != nil {
			return err
		}
		prefix := Node{f, tx.ID.Node()}.hash(tx.ID) + ":"
		for vout, o := range tx.Msg.TxOut {
			op := tx.ID.Out(uint32(vout))
			v.output(rec, op, prefix+strconv.Itoa(vout), o.Value, chain.AddressOf(o.PkScript))
			if err := fn(rec); err != nil {
				return err
			}
		}
	}
	// An outside output sorts before the transaction spending it, so only
	// inconsistent data (an input naming a later output) leaves any here.
	for k := range ext {
		v.output(rec, ext[k].out, Node{f, ext[k].out.Node()}.DOTID(), ext[k].prev.Value, ext[k].prev.Addr)
		if err := fn(rec); err != nil {
			return err
		}
	}
	return nil
}

func (v *flowView) output(rec *nodeRec, o chain.OutPoint, outpoint string, value int64, a chain.Address) {
	clear(rec.vals)
	addr := v.f.params.Format(a)
	rec.id, rec.kind, rec.label, rec.seed = o.Node(), kindOutput, addr, v.f.IsSeed(o)
	rec.vals[fOutpoint] = outpoint
	rec.vals[fAddress] = addr
	rec.vals[fValue] = strconv.FormatInt(value, 10)
	rec.vals[fSeed] = strconv.FormatBool(rec.seed)
	if t, ok := v.opt.taint(o); ok {
		rec.vals[fTaint] = strconv.FormatInt(t, 10)
	}
}

// eachEdge walks edges by source node, in the order eachNode walks nodes:
// a transaction's edges to its outputs, then each output's edge to its
// spender.
func (v *flowView) eachEdge(fn func(*edgeRec) error) error {
	f := v.f
	rec := &edgeRec{}
	emit := func(from, to int64, kind edgeKind, value int64) error {
		rec.from, rec.to, rec.kind, rec.value, rec.weight = from, to, kind, value, float64(value)
		return fn(rec)
	}
	ext := f.ext
	for i, tx := range f.txs {
		for ; len(ext) > 0 && ext[0].out.Node() < tx.ID.Node(); ext = ext[1:] {
			if err := emit(ext[0].out.Node(), ext[0].by.Tx.Node(), edgeSpentBy, ext[0].prev.Value); err != nil {
				return err
			}
		}
		for vout, o := range tx.Msg.TxOut {
			if err := emit(tx.ID.Node(), tx.ID.Out(uint32(vout)).Node(), edgePays, o.Value); err != nil {
				return err
			}
		}
		base := int(f.outBase[i])
		for vout, o := range tx.Msg.TxOut {
			if s := f.spender[base+vout]; s >= 0 {
				if err := emit(tx.ID.Out(uint32(vout)).Node(), f.txs[s].ID.Node(), edgeSpentBy, o.Value); err != nil {
					return err
				}
			}
		}
	}
	for k := range ext {
		if err := emit(ext[k].out.Node(), ext[k].by.Tx.Node(), edgeSpentBy, ext[k].prev.Value); err != nil {
			return err
		}
	}
	return nil
}

// addrView is the address view. It holds the nodes in ID order and, with
// a Taint option, each address's taint: both grow with the graph, not
// with the document.
type addrView struct {
	g      *AddrGraph
	nodes  []*AddrNode
	taint  map[*AddrNode]int64
	fields []field
	edges  int
}

func newAddrView(g *AddrGraph, opt ExportOptions) *addrView {
	v := &addrView{g: g, nodes: g.AddrNodes(), fields: addrFields[:aTaint]}
	if opt.Taint != nil {
		v.fields = addrFields
		v.taint = g.taintReceived(opt.Taint)
	}
	for _, n := range v.nodes {
		v.edges += g.From(n.id).Len()
	}
	return v
}

// taintReceived sums, for each address, the taint t reports for the
// flow's outputs paying it; an address none of whose outputs t knows is
// left out.
func (g *AddrGraph) taintReceived(t func(chain.OutPoint) (int64, bool)) map[*AddrNode]int64 {
	sums := make(map[*AddrNode]int64)
	if t == nil || g.flow == nil {
		return sums
	}
	for _, tx := range g.flow.txs {
		for vout, o := range tx.Msg.TxOut {
			s, ok := t(tx.ID.Out(uint32(vout)))
			if !ok {
				continue
			}
			if n := g.byAddr[chain.AddressOf(o.PkScript)]; n != nil {
				sums[n] += s
			}
		}
	}
	return sums
}

func (v *addrView) info() viewInfo {
	dir := ""
	if v.g.flow != nil {
		dir = direction(v.g.flow.forward)
	}
	return viewInfo{id: "addresses", network: v.g.params.Name, direction: dir,
		fields: v.fields, nodes: len(v.nodes), edges: v.edges}
}

func (v *addrView) eachNode(fn func(*nodeRec) error) error {
	rec := &nodeRec{kind: kindAddress, vals: make([]string, len(v.fields))}
	for _, n := range v.nodes {
		clear(rec.vals)
		addr := v.g.params.Format(n.Addr)
		rec.id, rec.label, rec.seed = n.id, addr, n.Seed
		rec.vals[aAddress] = addr
		rec.vals[aReceived] = strconv.FormatInt(n.Received, 10)
		rec.vals[aSent] = strconv.FormatInt(n.Sent, 10)
		rec.vals[aSelf] = strconv.FormatInt(n.SelfValue, 10)
		rec.vals[aTxs] = strconv.Itoa(n.Txs)
		rec.vals[aSeed] = strconv.FormatBool(n.Seed)
		if t, ok := v.taint[n]; ok {
			rec.vals[aTaint] = strconv.FormatInt(t, 10)
		}
		if err := fn(rec); err != nil {
			return err
		}
	}
	return nil
}

// eachEdge walks edges by source, then target, ID: gonum's simple graphs
// iterate maps, so each node's targets are sorted for stable output.
func (v *addrView) eachEdge(fn func(*edgeRec) error) error {
	rec := &edgeRec{kind: edgeSent}
	var to []int64
	for _, n := range v.nodes {
		to = to[:0]
		for it := v.g.From(n.id); it.Next(); {
			to = append(to, it.Node().ID())
		}
		slices.Sort(to)
		for _, t := range to {
			w, _ := v.g.Weight(n.id, t)
			// Rounded as DOT and JSON round it.
			rec.from, rec.to, rec.value, rec.weight = n.id, t, int64(w+0.5), w
			if err := fn(rec); err != nil {
				return err
			}
		}
	}
	return nil
}
