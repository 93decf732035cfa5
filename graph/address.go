package graph

import (
	"cmp"
	"slices"

	"gonum.org/v1/gonum/graph/simple"

	"github.com/plumetrace/plume/chain"
)

// AddrGraph is the address-level projection of a Flow: one node per
// address that received or spent coins in the flow, and an edge a→b
// weighing the value that transactions of the flow moved from a to b. It is
// a gonum simple.WeightedDirectedGraph (absent edges weigh 0, as community
// detection expects); value an address pays itself is kept apart in
// AddrNode.SelfValue because simple graphs have no loops.
type AddrGraph struct {
	*simple.WeightedDirectedGraph
	params *chain.Params
	byAddr map[chain.Address]*AddrNode
}

// AddrNode is an address of an AddrGraph. Its ID is the smallest output
// node ID at which the address appears in the flow, so it depends only on
// the flow.
type AddrNode struct {
	id   int64
	Addr chain.Address
	// Received and Sent are the values the address received in the flow's
	// outputs and spent in the flow's inputs; SelfValue is the part of Sent
	// that went back to the address itself.
	Received, Sent, SelfValue int64
	// Seed is true when one of the flow's seed outputs pays this address.
	Seed bool
	// Txs counts the flow transactions the address appears in.
	Txs int

	last   chain.TxID // the last transaction counted in Txs
	params *chain.Params
}

// ID returns the node ID.
func (n *AddrNode) ID() int64 { return n.id }

// Addresses builds the address projection. A transaction with inputs from
// several addresses splits each output among them in proportion to what
// they put in (a haircut split; the fee is left out). Transactions with
// unresolved inputs split only over the resolved ones.
func (f *Flow) Addresses() *AddrGraph {
	g := &AddrGraph{
		WeightedDirectedGraph: simple.NewWeightedDirectedGraph(0, 0),
		params:                f.params,
		byAddr:                make(map[chain.Address]*AddrNode),
	}
	node := func(a chain.Address, o chain.OutPoint) *AddrNode {
		n := g.byAddr[a]
		if n == nil {
			n = &AddrNode{id: o.Node(), Addr: a, last: -1, params: f.params}
			g.byAddr[a] = n
		} else if !o.IsZero() && o.Node() < n.id {
			n.id = o.Node()
		}
		return n
	}
	type share struct {
		n *AddrNode
		v int64
	}
	var ins, outs []share
	weights := make(map[[2]*AddrNode]float64)
	for _, tx := range f.txs {
		ins, outs = ins[:0], outs[:0]
		var total int64
		for _, p := range tx.Prevouts {
			if !p.Resolved {
				continue
			}
			n := node(p.Addr, p.Out)
			n.Sent += p.Value
			ins = append(ins, share{n, p.Value})
			total += p.Value
		}
		for vout, o := range tx.Msg.TxOut {
			op := tx.ID.Out(uint32(vout))
			n := node(chain.AddressOf(o.PkScript), op)
			n.Received += o.Value
			if f.IsSeed(op) {
				n.Seed = true
			}
			outs = append(outs, share{n, o.Value})
		}
		for _, s := range append(slices.Clip(ins), outs...) {
			if s.n.last != tx.ID {
				s.n.last = tx.ID
				s.n.Txs++
			}
		}
		if total == 0 {
			continue
		}
		for _, in := range ins {
			for _, out := range outs {
				w := float64(in.v) / float64(total) * float64(out.v)
				if in.n == out.n {
					in.n.SelfValue += int64(w + 0.5)
					continue
				}
				weights[[2]*AddrNode{in.n, out.n}] += w
			}
		}
	}
	// Node IDs settle only once every appearance is seen, so nodes and
	// edges enter the gonum graph at the end.
	for _, n := range g.byAddr {
		g.AddNode(n)
	}
	for k, w := range weights {
		g.SetWeightedEdge(AddrEdge{F: k[0], T: k[1], W: w})
	}
	return g
}

// Params returns the network used to format addresses.
func (g *AddrGraph) Params() *chain.Params { return g.params }

// Lookup returns the node of address a, or nil.
func (g *AddrGraph) Lookup(a chain.Address) *AddrNode { return g.byAddr[a] }

// AddrNodes returns every address node in ID order.
func (g *AddrGraph) AddrNodes() []*AddrNode {
	ns := make([]*AddrNode, 0, len(g.byAddr))
	for _, n := range g.byAddr {
		ns = append(ns, n)
	}
	slices.SortFunc(ns, func(a, b *AddrNode) int { return cmp.Compare(a.id, b.id) })
	return ns
}
