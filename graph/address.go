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
	// flow is the flow projected; exports read its outputs to sum each
	// address's taint.
	flow *Flow
}

// AddrNode is an address of an AddrGraph. Its ID is the smallest output
// node ID at which the address appears in the flow, so it depends only on
// the flow. An address that appears only at inputs whose spent output's
// position is unknown (Prevout.Out zero) has no such node; its ID is then
// negative, derived from the first of those inputs (see inputID), so it
// collides with no output node and no other address.
type AddrNode struct {
	id    int64
	known bool // id is an output node ID
	Addr  chain.Address
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
		flow:                  f,
	}
	// node returns the node of a, seen at output o, which the input in
	// spends when it is not zero.
	node := func(a chain.Address, o chain.OutPoint, in chain.InPoint) *AddrNode {
		id, known := o.Node(), !o.IsZero()
		if !known {
			id = inputID(in)
		}
		n := g.byAddr[a]
		switch {
		case n == nil:
			n = &AddrNode{id: id, known: known, Addr: a, last: -1, params: f.params}
			g.byAddr[a] = n
		case known && (!n.known || id < n.id):
			n.id, n.known = id, true
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
		for vin, p := range tx.Prevouts {
			if !p.Resolved {
				continue
			}
			n := node(p.Addr, p.Out, chain.InPoint{Tx: tx.ID, Vin: uint32(vin)})
			n.Sent += p.Value
			ins = append(ins, share{n, p.Value})
			total += p.Value
		}
		for vout, o := range tx.Msg.TxOut {
			op := tx.ID.Out(uint32(vout))
			n := node(chain.AddressOf(o.PkScript), op, chain.InPoint{})
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

// inputID is the ID of an address seen only at inputs of unknown position,
// from the first such input: the negated node ID the input would have if
// inputs were numbered like outputs (TxID<<17 | vin+1). Transactions walk
// in chain order, so the first input is the same in every flow holding
// the same transactions, and no ID of this form is an output node's.
func inputID(in chain.InPoint) int64 { return -(in.Tx.Node() | int64(in.Vin+1)) }

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
