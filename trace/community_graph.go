package trace

import (
	"slices"

	gograph "gonum.org/v1/gonum/graph"
	"gonum.org/v1/gonum/graph/iterator"
	"gonum.org/v1/gonum/graph/simple"
)

// wgraph is the reduced graph Communities hands to gonum's Louvain: an
// undirected weighted graph over nodes 0..n-1 in compressed sparse rows,
// built once, read many times. gonum's simple graphs keep every edge in
// maps, which costs more than Louvain itself on a reduced graph; here
// Weight is a binary search in a node's sorted neighbours.
type wgraph struct {
	start []int32 // node x's neighbours are nbr[start[x]:start[x+1]]
	nbr   []int32
	w     []float64
}

// wedge is one undirected edge a-b (a < b) while the graph is assembled.
type wedge struct {
	a, b int32
	w    float64
}

// newWGraph builds the graph of n nodes from edges sorted by (a, b)
// without repeats.
func newWGraph(n int, edges []wedge) *wgraph {
	g := &wgraph{start: make([]int32, n+1)}
	for _, e := range edges {
		g.start[e.a+1]++
		g.start[e.b+1]++
	}
	for x := range n {
		g.start[x+1] += g.start[x]
	}
	g.nbr = make([]int32, g.start[n])
	g.w = make([]float64, g.start[n])
	fill := slices.Clone(g.start[:n])
	put := func(x, y int32, w float64) {
		g.nbr[fill[x]], g.w[fill[x]] = y, w
		fill[x]++
	}
	// Edges sorted by (a, b) put each node's neighbours in order: first
	// those below it (as b, in order of a), then those above (as a, in
	// order of b).
	for _, e := range edges {
		put(e.b, e.a, e.w)
	}
	for _, e := range edges {
		put(e.a, e.b, e.w)
	}
	return g
}

func (g *wgraph) len() int { return len(g.start) - 1 }

func (g *wgraph) has(id int64) bool { return id >= 0 && id < int64(g.len()) }

// find returns the position of y among x's neighbours, or -1.
func (g *wgraph) find(x, y int64) int {
	if !g.has(x) || !g.has(y) {
		return -1
	}
	s := g.nbr[g.start[x]:g.start[x+1]]
	if k, ok := slices.BinarySearch(s, int32(y)); ok {
		return int(g.start[x]) + k
	}
	return -1
}

func (g *wgraph) Node(id int64) gograph.Node {
	if !g.has(id) {
		return nil
	}
	return simple.Node(id)
}

func (g *wgraph) Nodes() gograph.Nodes {
	return iterator.NewImplicitNodes(0, g.len(), func(id int) gograph.Node { return simple.Node(id) })
}

func (g *wgraph) From(id int64) gograph.Nodes {
	if !g.has(id) {
		return gograph.Empty
	}
	return &nbrIter{nbr: g.nbr[g.start[id]:g.start[id+1]], at: -1}
}

func (g *wgraph) HasEdgeBetween(x, y int64) bool { return g.find(x, y) >= 0 }

func (g *wgraph) Edge(u, v int64) gograph.Edge { return g.WeightedEdge(u, v) }

func (g *wgraph) EdgeBetween(x, y int64) gograph.Edge { return g.WeightedEdge(x, y) }

func (g *wgraph) WeightedEdgeBetween(x, y int64) gograph.WeightedEdge { return g.WeightedEdge(x, y) }

func (g *wgraph) WeightedEdge(u, v int64) gograph.WeightedEdge {
	k := g.find(u, v)
	if k < 0 {
		return nil
	}
	return simple.WeightedEdge{F: simple.Node(u), T: simple.Node(v), W: g.w[k]}
}

// Weight returns the weight of the edge x-y. The graph has no loops:
// gonum's Louvain reads none at its first level (see Communities).
func (g *wgraph) Weight(x, y int64) (float64, bool) {
	if x == y {
		return 0, g.has(x)
	}
	if k := g.find(x, y); k >= 0 {
		return g.w[k], true
	}
	return 0, false
}

// nbrIter iterates over a node's neighbours without allocating them.
type nbrIter struct {
	nbr []int32
	at  int
}

func (it *nbrIter) Next() bool {
	if it.at < len(it.nbr) {
		it.at++
	}
	return it.at < len(it.nbr)
}

func (it *nbrIter) Node() gograph.Node {
	if it.at < 0 || it.at >= len(it.nbr) {
		return nil
	}
	return simple.Node(it.nbr[it.at])
}

func (it *nbrIter) Len() int { return max(0, len(it.nbr)-it.at-1) }

func (it *nbrIter) Reset() { it.at = -1 }

var _ gograph.WeightedUndirected = (*wgraph)(nil)
