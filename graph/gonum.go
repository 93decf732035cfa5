package graph

import (
	"math"

	gg "gonum.org/v1/gonum/graph"

	"github.com/plumetrace/plume/chain"
)

// The gonum view of a Flow: a bipartite DAG where transactions point to
// the outputs they create and outputs point to the transaction that spends
// them, weighted by the output's value in satoshi. Node IDs are chain node
// IDs (chain.TxID.Node, chain.OutPoint.Node), so sorting by ID is a
// topological order.
var (
	_ gg.Directed         = (*Flow)(nil)
	_ gg.WeightedDirected = (*Flow)(nil)
	_ gg.Node             = Node{}
	_ gg.WeightedEdge     = Edge{}
	_ gg.NodeSlicer       = (*nodeIter)(nil)
)

// Node is a transaction or an output of a Flow.
type Node struct {
	f  *Flow
	id int64
}

// ID returns the chain node ID.
func (n Node) ID() int64 { return n.id }

// IsTx reports whether n is a transaction node.
func (n Node) IsTx() bool {
	_, out := chain.NodeOf(n.id)
	return !out
}

// OutPoint returns the output n stands for; ok is false for a transaction.
func (n Node) OutPoint() (o chain.OutPoint, ok bool) { return chain.NodeOf(n.id) }

// Tx returns the transaction of a transaction node, or the transaction
// that created an output node if it is in the flow, else nil.
func (n Node) Tx() *chain.Tx {
	o, _ := chain.NodeOf(n.id)
	if i := n.f.Index(o.Tx); i >= 0 {
		return n.f.txs[i]
	}
	return nil
}

// Value returns an output's value, or the sum of a transaction's outputs.
func (n Node) Value() int64 {
	o, out := chain.NodeOf(n.id)
	if !out {
		return n.Tx().OutValue()
	}
	v, _, _ := n.f.output(o)
	return v
}

// Address returns an output's address (zero for a transaction).
func (n Node) Address() chain.Address {
	o, out := chain.NodeOf(n.id)
	if !out {
		return chain.Address{}
	}
	_, a, _ := n.f.output(o)
	return a
}

// output returns the value and address of o, which is either an output of
// a flow transaction or an external output the flow spends, and the input
// of the flow that spends it (zero if none does).
func (f *Flow) output(o chain.OutPoint) (value int64, addr chain.Address, by chain.InPoint) {
	if i := f.Index(o.Tx); i >= 0 {
		out := f.txs[i].Msg.TxOut[o.Vout]
		return out.Value, chain.AddressOf(out.PkScript), f.inSpender(i, o.Vout)
	}
	if j := f.extIndex(o); j >= 0 {
		e := f.ext[j]
		return e.prev.Value, e.prev.Addr, e.by
	}
	return 0, chain.Address{}, chain.InPoint{}
}

func (f *Flow) has(id int64) bool {
	o, out := chain.NodeOf(id)
	if i := f.Index(o.Tx); i >= 0 {
		return !out || int(o.Vout) < len(f.txs[i].Msg.TxOut)
	}
	if !out {
		return false
	}
	return f.extIndex(o) >= 0
}

// Node returns the node with this ID, or nil.
func (f *Flow) Node(id int64) gg.Node {
	if !f.has(id) {
		return nil
	}
	return Node{f, id}
}

// Nodes returns every node in ID (chain) order.
func (f *Flow) Nodes() gg.Nodes {
	f.index()
	if len(f.nodes) == 0 {
		return gg.Empty
	}
	return &nodeIter{f: f, ids: f.nodes, pos: -1}
}

// From returns the nodes id points to: a transaction's outputs, or the
// transaction in the flow that spends an output.
func (f *Flow) From(id int64) gg.Nodes {
	if !f.has(id) {
		return gg.Empty
	}
	o, out := chain.NodeOf(id)
	if !out {
		tx := f.txs[f.Index(o.Tx)]
		ids := make([]int64, len(tx.Msg.TxOut))
		for v := range ids {
			ids[v] = o.Tx.Out(uint32(v)).Node()
		}
		return f.iter(ids)
	}
	if _, _, by := f.output(o); !by.IsZero() && f.Contains(by.Tx) {
		return f.iter([]int64{by.Tx.Node()})
	}
	return gg.Empty
}

// To returns the nodes pointing to id: the outputs a transaction spends
// (those whose position is known), or the transaction that created an
// output if it is in the flow.
func (f *Flow) To(id int64) gg.Nodes {
	if !f.has(id) {
		return gg.Empty
	}
	o, out := chain.NodeOf(id)
	if !out {
		tx := f.txs[f.Index(o.Tx)]
		var ids []int64
		for vin, p := range tx.Prevouts {
			// Only the inputs that own the edge (see index): data naming
			// an output that does not exist, a later one, or one another
			// input already spends, has none.
			if !p.Out.IsZero() && f.spenderOf(p.Out) == (chain.InPoint{Tx: o.Tx, Vin: uint32(vin)}) {
				ids = append(ids, p.Out.Node())
			}
		}
		return f.iter(ids)
	}
	if f.Contains(o.Tx) {
		return f.iter([]int64{o.Tx.Node()})
	}
	return gg.Empty
}

func (f *Flow) iter(ids []int64) gg.Nodes {
	if len(ids) == 0 {
		return gg.Empty
	}
	return &nodeIter{f: f, ids: ids, pos: -1}
}

// HasEdgeFromTo reports whether there is an edge from u to v.
func (f *Flow) HasEdgeFromTo(uid, vid int64) bool {
	_, ok := f.weight(uid, vid)
	return ok
}

// HasEdgeBetween reports whether there is an edge between x and y in
// either direction.
func (f *Flow) HasEdgeBetween(xid, yid int64) bool {
	return f.HasEdgeFromTo(xid, yid) || f.HasEdgeFromTo(yid, xid)
}

// Edge returns the edge from u to v, or nil.
func (f *Flow) Edge(uid, vid int64) gg.Edge {
	if e := f.WeightedEdge(uid, vid); e != nil {
		return e
	}
	return nil
}

// WeightedEdge returns the edge from u to v, or nil.
func (f *Flow) WeightedEdge(uid, vid int64) gg.WeightedEdge {
	w, ok := f.weight(uid, vid)
	if !ok {
		return nil
	}
	return Edge{F: Node{f, uid}, T: Node{f, vid}, W: w}
}

// Weight returns the value in satoshi carried from x to y: (0, true) when x
// and y are the same node, (+Inf, false) when there is no edge.
func (f *Flow) Weight(xid, yid int64) (w float64, ok bool) {
	if xid == yid && f.has(xid) {
		return 0, true
	}
	v, ok := f.weight(xid, yid)
	if !ok {
		return math.Inf(1), false
	}
	return float64(v), true
}

func (f *Flow) weight(uid, vid int64) (int64, bool) {
	if !f.has(uid) || !f.has(vid) {
		return 0, false
	}
	uo, uout := chain.NodeOf(uid)
	vo, vout := chain.NodeOf(vid)
	switch {
	case !uout && vout && vo.Tx == uo.Tx:
		v, _, _ := f.output(vo)
		return v, true
	case uout && !vout:
		v, _, by := f.output(uo)
		if !by.IsZero() && by.Tx == vo.Tx {
			return v, true
		}
	}
	return 0, false
}

// Edge is an edge of a Flow, weighted by the value it carries.
type Edge struct {
	F, T Node
	W    int64
}

func (e Edge) From() gg.Node         { return e.F }
func (e Edge) To() gg.Node           { return e.T }
func (e Edge) ReversedEdge() gg.Edge { return Edge{F: e.T, T: e.F, W: e.W} }
func (e Edge) Weight() float64       { return float64(e.W) }

type nodeIter struct {
	f   *Flow
	ids []int64
	pos int
}

func (it *nodeIter) Next() bool {
	if it.pos < len(it.ids) {
		it.pos++
	}
	return it.pos < len(it.ids)
}

func (it *nodeIter) Node() gg.Node {
	if it.pos < 0 || it.pos >= len(it.ids) {
		return nil
	}
	return Node{it.f, it.ids[it.pos]}
}

func (it *nodeIter) Len() int {
	if it.pos >= len(it.ids) {
		return 0
	}
	return len(it.ids) - it.pos - 1
}

func (it *nodeIter) Reset() { it.pos = -1 }

// NodeSlice returns the nodes not yet iterated and exhausts the iterator.
// gonum's graph.NodesOf, which most of its algorithms call on Nodes, uses
// it to collect them in one allocation; gonum's testgraph suite requires
// it of node iterators.
func (it *nodeIter) NodeSlice() []gg.Node {
	if it.pos+1 >= len(it.ids) {
		it.pos = len(it.ids)
		return nil
	}
	rest := it.ids[it.pos+1:]
	it.pos = len(it.ids)
	ns := make([]gg.Node, len(rest))
	for i, id := range rest {
		ns[i] = Node{it.f, id}
	}
	return ns
}
