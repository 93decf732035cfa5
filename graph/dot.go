package graph

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strconv"

	gg "gonum.org/v1/gonum/graph"
	"gonum.org/v1/gonum/graph/encoding"
	"gonum.org/v1/gonum/graph/encoding/dot"
	"gonum.org/v1/gonum/graph/iterator"

	"github.com/plumetrace/plume/chain"
)

// DOT writing goes through gonum's encoding/dot, which quotes IDs and
// attributes correctly; the node and edge types below only say what to
// write. Graphviz renders the result (dot -Tsvg).

// DOT returns the flow in Graphviz DOT: transactions as boxes labelled with
// their position and txid, outputs as ellipses labelled with address and
// value, edges labelled with the value they carry.
func (f *Flow) DOT(name string) ([]byte, error) {
	return dot.Marshal(f, name, "", "  ")
}

// DOT returns the address projection in Graphviz DOT.
func (g *AddrGraph) DOT(name string) ([]byte, error) {
	return dot.Marshal(g, name, "", "  ")
}

// WriteDOT writes the flow in DOT as DOT(opt.Name) returns it, with a
// "taint" attribute on each output opt.Taint knows. gonum's encoder
// builds the whole document in memory; for very large flows prefer
// WriteGraphML or WriteGEXF, which stream.
func (f *Flow) WriteDOT(w io.Writer, opt ExportOptions) error {
	var g gg.Graph = f
	if opt.Taint != nil {
		g = taintedFlow{f, opt.Taint}
	}
	return writeDOT(w, g, opt.Name)
}

// WriteDOT writes the address projection in DOT as DOT(opt.Name) returns
// it, with a "taint" attribute on each address that received taint
// opt.Taint knows.
func (g *AddrGraph) WriteDOT(w io.Writer, opt ExportOptions) error {
	var dg gg.Graph = g
	if opt.Taint != nil {
		dg = taintedAddrs{g, g.taintReceived(opt.Taint)}
	}
	return writeDOT(w, dg, opt.Name)
}

func writeDOT(w io.Writer, g gg.Graph, name string) error {
	b, err := dot.Marshal(g, name, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}

// taintedFlow and taintedAddrs hand gonum's DOT encoder nodes that carry
// their taint; the encoder takes node attributes only from Nodes, so
// nothing else needs wrapping.
type taintedFlow struct {
	*Flow
	taint func(chain.OutPoint) (int64, bool)
}

func (t taintedFlow) Nodes() gg.Nodes {
	ns := gg.NodesOf(t.Flow.Nodes())
	for i, n := range ns {
		if o, out := n.(Node).OutPoint(); out {
			if s, ok := t.taint(o); ok {
				ns[i] = taintedNode{n.(Node), s}
			}
		}
	}
	return iterator.NewOrderedNodes(ns)
}

type taintedNode struct {
	Node
	taint int64
}

func (n taintedNode) Attributes() []encoding.Attribute {
	return append(n.Node.Attributes(), encoding.Attribute{Key: "taint", Value: strconv.FormatInt(n.taint, 10)})
}

type taintedAddrs struct {
	*AddrGraph
	taint map[*AddrNode]int64
}

func (t taintedAddrs) Nodes() gg.Nodes {
	ns := gg.NodesOf(t.AddrGraph.Nodes())
	for i, n := range ns {
		if s, ok := t.taint[n.(*AddrNode)]; ok {
			ns[i] = taintedAddr{n.(*AddrNode), s}
		}
	}
	return iterator.NewOrderedNodes(ns)
}

type taintedAddr struct {
	*AddrNode
	taint int64
}

func (n taintedAddr) Attributes() []encoding.Attribute {
	return append(n.AddrNode.Attributes(), encoding.Attribute{Key: "taint", Value: strconv.FormatInt(n.taint, 10)})
}

// BTC formats satoshi as a decimal coin amount with 8 places.
func BTC(sat int64) string {
	sign := ""
	if sat < 0 {
		sign, sat = "-", -sat
	}
	return fmt.Sprintf("%s%d.%08d", sign, sat/1e8, sat%1e8)
}

// DOTID returns the txid for a transaction node and txid:vout for an
// output (see hash for the rare txid two transactions share).
func (n Node) DOTID() string {
	o, out := chain.NodeOf(n.id)
	h := n.hash(o.Tx)
	if !out {
		return h
	}
	return h + ":" + strconv.Itoa(int(o.Vout))
}

// hash returns the txid of a transaction in or spent by the flow, or its
// chain position when the flow does not know it. Txids are not unique
// (BIP30: two early coinbases repeat earlier ones); when the flow holds
// both transactions of such a pair, each gets "@height:pos" appended, or
// DOT would merge them into one node.
func (n Node) hash(id chain.TxID) string {
	if i := n.f.Index(id); i >= 0 {
		h := n.f.txs[i].Hash
		if n.f.hashIndex(); len(n.f.byHash[h]) > 1 {
			return h.String() + "@" + id.String()
		}
		return h.String()
	}
	n.f.index()
	j, ok := slices.BinarySearchFunc(n.f.ext, id, func(e extOut, id chain.TxID) int { return cmp.Compare(e.out.Tx, id) })
	if !ok {
		return id.String()
	}
	e := n.f.ext[j]
	return n.f.txs[n.f.Index(e.by.Tx)].Msg.TxIn[e.by.Vin].PreviousOutPoint.Hash.String()
}

// Attributes gives Graphviz shape and label, and plume's own fields.
func (n Node) Attributes() []encoding.Attribute {
	o, out := chain.NodeOf(n.id)
	if !out {
		tx := n.Tx()
		h := tx.Hash.String()
		i := n.f.Index(o.Tx)
		return []encoding.Attribute{
			{Key: "shape", Value: "box"},
			{Key: "label", Value: fmt.Sprintf("%v\n%s…", tx.ID, h[:12])},
			{Key: "block", Value: strconv.Itoa(int(tx.Height()))},
			{Key: "time", Value: tx.Time.UTC().Format(exportTime)},
			{Key: "hop", Value: strconv.Itoa(n.f.Hop(i))},
		}
	}
	v, a, _ := n.f.output(o)
	addr := n.f.params.Format(a)
	attrs := []encoding.Attribute{
		{Key: "shape", Value: "ellipse"},
		{Key: "label", Value: fmt.Sprintf("%s\n%s", short(addr), BTC(v))},
		{Key: "address", Value: addr},
		{Key: "value", Value: strconv.FormatInt(v, 10)},
	}
	if n.f.IsSeed(o) {
		attrs = append(attrs, encoding.Attribute{Key: "seed", Value: "true"}, encoding.Attribute{Key: "style", Value: "filled"})
	}
	return attrs
}

func short(s string) string {
	if len(s) <= 16 {
		return s
	}
	return s[:8] + "…" + s[len(s)-6:]
}

// Attributes labels the edge with the value it carries.
func (e Edge) Attributes() []encoding.Attribute {
	return []encoding.Attribute{
		{Key: "label", Value: BTC(e.W)},
		{Key: "value", Value: strconv.FormatInt(e.W, 10)},
	}
}

// DOTID returns the address as its network writes it.
func (n *AddrNode) DOTID() string { return n.params.Format(n.Addr) }

// Attributes gives the address's totals in the flow.
func (n *AddrNode) Attributes() []encoding.Attribute {
	attrs := []encoding.Attribute{
		{Key: "received", Value: strconv.FormatInt(n.Received, 10)},
		{Key: "sent", Value: strconv.FormatInt(n.Sent, 10)},
		{Key: "txs", Value: strconv.Itoa(n.Txs)},
	}
	if n.Seed {
		attrs = append(attrs, encoding.Attribute{Key: "seed", Value: "true"}, encoding.Attribute{Key: "style", Value: "filled"})
	}
	return attrs
}

// AddrEdge is an edge of an AddrGraph.
type AddrEdge struct {
	F, T *AddrNode
	W    float64
}

func (e AddrEdge) From() gg.Node         { return e.F }
func (e AddrEdge) To() gg.Node           { return e.T }
func (e AddrEdge) ReversedEdge() gg.Edge { return AddrEdge{F: e.T, T: e.F, W: e.W} }
func (e AddrEdge) Weight() float64       { return e.W }

// Attributes labels the edge with the value it carries, rounded to the
// satoshi.
func (e AddrEdge) Attributes() []encoding.Attribute {
	v := int64(e.W + 0.5)
	return []encoding.Attribute{
		{Key: "label", Value: BTC(v)},
		{Key: "value", Value: strconv.FormatInt(v, 10)},
	}
}
