package graph

import (
	"math"
	"testing"

	gg "gonum.org/v1/gonum/graph"
	"gonum.org/v1/gonum/graph/iterator"
	"gonum.org/v1/gonum/graph/testgraph"

	"github.com/plumetrace/plume/chain"
)

// Conformance with gonum's graph/testgraph suites, the way gonum proves
// its own graph types.
//
// A Flow cannot take an arbitrary node and edge set: its nodes and edges
// follow from transactions. So the builders use a test case only to size
// a random region (the same region for the same case) and return that
// region with its nodes and edges worked out from the transactions (spec,
// in helpers_test.go), never through the graph's own methods.

func selfLoop(edges []testgraph.WeightedLine) bool {
	for _, e := range edges {
		if e.From().ID() == e.To().ID() {
			return true
		}
	}
	return false
}

// sized returns the random region for a test case, empty for an empty
// case.
func sized(nodes []gg.Node, edges []testgraph.WeightedLine) *randFlow {
	n := len(nodes) + len(edges)
	if n == 0 {
		return &randFlow{flow: New(nil, true, nil, nil)}
	}
	return randomFlow(uint64(len(nodes))<<16|uint64(len(edges)), n)
}

// flowBuilder builds Flows. Cases with self loops are skipped: a Flow is
// a DAG and has none, so such a case has no Flow counterpart.
func flowBuilder(nodes []gg.Node, edges []testgraph.WeightedLine, _, _ float64) (gg.Graph, []gg.Node, []testgraph.Edge, float64, float64, bool) {
	if selfLoop(edges) {
		return nil, nil, nil, 0, 0, false
	}
	r := sized(nodes, edges)
	f := r.flow
	s := specOf(r.members)
	var ns []gg.Node
	for _, id := range s.nodes {
		ns = append(ns, Node{f, id})
	}
	var es []testgraph.Edge
	for k, w := range s.edges {
		es = append(es, Edge{F: Node{f, k[0]}, T: Node{f, k[1]}, W: w})
	}
	// Flow.Weight: 0 from a node to itself, +Inf with no edge.
	return f, ns, es, 0, math.Inf(1), true
}

// edgeLister adds the Edges and WeightedEdges methods that the testgraph
// edge-listing suites (ReturnAllEdges, ReturnEdgeSlice,
// ReturnAllWeightedEdges, ReturnWeightedEdgeSlice) require. Flow has
// neither: gonum's algorithms do not need them, and against a bare Flow
// those suites report a type error rather than skip. The lists are
// collected through Nodes, From and WeightedEdge alone, so the suites
// still check that those methods agree with the edges worked out from the
// transactions, and that every listed edge is found again by Edge.
type edgeLister struct{ *Flow }

func (g edgeLister) list() []gg.WeightedEdge {
	var es []gg.WeightedEdge
	for u := g.Nodes(); u.Next(); {
		uid := u.Node().ID()
		for v := g.From(uid); v.Next(); {
			es = append(es, g.WeightedEdge(uid, v.Node().ID()))
		}
	}
	return es
}

func (g edgeLister) Edges() gg.Edges {
	ws := g.list()
	if len(ws) == 0 {
		return gg.Empty
	}
	es := make([]gg.Edge, len(ws))
	for i, w := range ws {
		es[i] = w
	}
	return iterator.NewOrderedEdges(es)
}

func (g edgeLister) WeightedEdges() gg.WeightedEdges {
	ws := g.list()
	if len(ws) == 0 {
		return gg.Empty
	}
	return iterator.NewOrderedWeightedEdges(ws)
}

func listingBuilder(nodes []gg.Node, edges []testgraph.WeightedLine, self, absent float64) (gg.Graph, []gg.Node, []testgraph.Edge, float64, float64, bool) {
	g, n, e, s, a, ok := flowBuilder(nodes, edges, self, absent)
	if !ok {
		return nil, nil, nil, 0, 0, false
	}
	return edgeLister{g.(*Flow)}, n, e, s, a, true
}

func TestFlowConformance(t *testing.T) {
	const useEmpty, reversed = true, true
	for _, tc := range []struct {
		name string
		test func(*testing.T)
	}{
		{"ReturnAllNodes", func(t *testing.T) { testgraph.ReturnAllNodes(t, flowBuilder, useEmpty) }},
		{"ReturnNodeSlice", func(t *testing.T) { testgraph.ReturnNodeSlice(t, flowBuilder, useEmpty) }},
		{"NodeExistence", func(t *testing.T) { testgraph.NodeExistence(t, flowBuilder) }},
		{"ReturnAllEdges", func(t *testing.T) { testgraph.ReturnAllEdges(t, listingBuilder, useEmpty) }},
		{"ReturnEdgeSlice", func(t *testing.T) { testgraph.ReturnEdgeSlice(t, listingBuilder, useEmpty) }},
		{"ReturnAllWeightedEdges", func(t *testing.T) { testgraph.ReturnAllWeightedEdges(t, listingBuilder, useEmpty) }},
		{"ReturnWeightedEdgeSlice", func(t *testing.T) { testgraph.ReturnWeightedEdgeSlice(t, listingBuilder, useEmpty) }},
		{"EdgeExistence", func(t *testing.T) { testgraph.EdgeExistence(t, flowBuilder, reversed) }},
		{"ReturnAdjacentNodes", func(t *testing.T) { testgraph.ReturnAdjacentNodes(t, flowBuilder, useEmpty, reversed) }},
		{"Weight", func(t *testing.T) { testgraph.Weight(t, flowBuilder) }},
		// Not run: ReturnAllLines, ReturnAllWeightedLines and LineExistence
		// are for multigraphs, and a Flow has at most one edge between two
		// nodes; AdjacencyMatrix needs a Matrix method and node IDs usable
		// as matrix indexes, and Flow IDs are chain positions
		// (height<<37 | ...); the adder and remover suites are for mutable
		// graphs, and a Flow is immutable.
	} {
		t.Run(tc.name, tc.test)
	}
}

// addrBuilder builds address projections of random regions, with nodes
// and edges worked out from the transactions: the addresses that pay or
// are paid in the region, and the haircut split of every output over the
// transaction's resolved inputs.
func addrBuilder(t *testing.T) testgraph.Builder {
	return func(nodes []gg.Node, edges []testgraph.WeightedLine, _, _ float64) (gg.Graph, []gg.Node, []testgraph.Edge, float64, float64, bool) {
		r := sized(nodes, edges)
		g := r.flow.Addresses()
		lookup := func(a chain.Address) *AddrNode {
			n := g.Lookup(a)
			if n == nil {
				t.Fatalf("address %v of the region has no node", a)
			}
			return n
		}
		seen := make(map[chain.Address]bool)
		var ns []gg.Node
		add := func(a chain.Address) {
			if !seen[a] {
				seen[a] = true
				ns = append(ns, lookup(a))
			}
		}
		type pair struct{ from, to chain.Address }
		weights := make(map[pair]float64)
		var order []pair
		for _, tx := range r.members {
			var total int64
			for _, p := range tx.Prevouts {
				add(p.Addr)
				total += p.Value
			}
			for v := range tx.Msg.TxOut {
				add(tx.OutAddr(v))
			}
			if total == 0 {
				continue
			}
			for _, p := range tx.Prevouts {
				for v, o := range tx.Msg.TxOut {
					to := tx.OutAddr(v)
					if to == p.Addr {
						continue
					}
					k := pair{p.Addr, to}
					if _, ok := weights[k]; !ok {
						order = append(order, k)
					}
					weights[k] += float64(p.Value) / float64(total) * float64(o.Value)
				}
			}
		}
		var es []testgraph.Edge
		for _, k := range order {
			es = append(es, AddrEdge{F: lookup(k.from), T: lookup(k.to), W: weights[k]})
		}
		// simple.WeightedDirectedGraph as Addresses makes it: self 0,
		// absent 0.
		return g, ns, es, 0, 0, true
	}
}

// TestAddrGraphConformance is a smoke run: AddrGraph is gonum's own
// simple.WeightedDirectedGraph underneath, proven by gonum; this checks
// that Addresses fills it with the nodes and edges it should.
func TestAddrGraphConformance(t *testing.T) {
	const useEmpty, reversed = true, true
	t.Run("ReturnAllNodes", func(t *testing.T) { testgraph.ReturnAllNodes(t, addrBuilder(t), useEmpty) })
	t.Run("NodeExistence", func(t *testing.T) { testgraph.NodeExistence(t, addrBuilder(t)) })
	t.Run("ReturnAllWeightedEdges", func(t *testing.T) { testgraph.ReturnAllWeightedEdges(t, addrBuilder(t), useEmpty) })
	t.Run("EdgeExistence", func(t *testing.T) { testgraph.EdgeExistence(t, addrBuilder(t), reversed) })
	t.Run("ReturnAdjacentNodes", func(t *testing.T) { testgraph.ReturnAdjacentNodes(t, addrBuilder(t), useEmpty, reversed) })
	t.Run("Weight", func(t *testing.T) { testgraph.Weight(t, addrBuilder(t)) })
}
