package trace

import (
	"cmp"
	"slices"
)

// union is a union-find over address indexes, by size with path halving.
type union struct {
	parent, size []int32
}

func newUnion(n int) *union {
	u := &union{parent: make([]int32, n), size: make([]int32, n)}
	for i := range u.parent {
		u.parent[i], u.size[i] = int32(i), 1
	}
	return u
}

func (u *union) find(x int32) int32 {
	for u.parent[x] != x {
		u.parent[x] = u.parent[u.parent[x]]
		x = u.parent[x]
	}
	return x
}

// join merges the sets of x and y and reports whether they were apart.
func (u *union) join(x, y int32) bool {
	x, y = u.find(x), u.find(y)
	if x == y {
		return false
	}
	if u.size[x] < u.size[y] {
		x, y = y, x
	}
	u.parent[y] = x
	u.size[x] += u.size[y]
	return true
}

// reduced is the address graph with each set of the union as one node.
// Nodes are numbered in order of their first address, so the numbering
// depends only on the flow and the merges.
type reduced struct {
	n     int
	node  []int32   // address index -> node
	rep   []int32   // node -> its first address index
	edges []wedge   // between nodes, a < b, sorted by (a, b), no repeats
	self  []float64 // value moved inside each node
}

// reduce builds the reduced graph of the address edges (sorted, so that
// the float sums come out the same every time).
func reduce(n int, addrEdges []wedge, u *union) *reduced {
	r := &reduced{node: make([]int32, n)}
	id := make([]int32, n) // root -> node+1
	for k := range n {
		root := u.find(int32(k))
		if id[root] == 0 {
			r.rep = append(r.rep, int32(k))
			id[root] = int32(len(r.rep))
		}
		r.node[k] = id[root] - 1
	}
	r.n = len(r.rep)
	r.self = make([]float64, r.n)
	es := make([]wedge, 0, len(addrEdges))
	for _, e := range addrEdges {
		x, y := r.node[e.a], r.node[e.b]
		switch {
		case x == y:
			r.self[x] += e.w
		case x < y:
			es = append(es, wedge{x, y, e.w})
		default:
			es = append(es, wedge{y, x, e.w})
		}
	}
	slices.SortStableFunc(es, func(p, q wedge) int { return cmp.Or(cmp.Compare(p.a, q.a), cmp.Compare(p.b, q.b)) })
	out := es[:0]
	for _, e := range es {
		if k := len(out) - 1; k >= 0 && out[k].a == e.a && out[k].b == e.b {
			out[k].w += e.w
			continue
		}
		out = append(out, e)
	}
	r.edges = out
	return r
}

// foldPendants joins each pendant node (one neighbour, nothing moved
// inside it) to its neighbour and returns the merges. Degrees are those
// before any fold, so a path of pendants does not fold up; of two
// pendants linked only to each other, the later folds into the earlier.
func (r *reduced) foldPendants(u *union) int {
	deg := make([]int32, r.n)
	nb := make([]int32, r.n)
	for _, e := range r.edges {
		deg[e.a]++
		deg[e.b]++
		nb[e.a], nb[e.b] = e.b, e.a
	}
	pendant := func(x int32) bool { return deg[x] == 1 && r.self[x] == 0 }
	merged := 0
	for x := range int32(r.n) {
		if !pendant(x) || (pendant(nb[x]) && nb[x] > x) {
			continue
		}
		if u.join(r.rep[x], r.rep[nb[x]]) {
			merged++
		}
	}
	return merged
}

// strength returns the value each node moved: its edges, and twice what
// moved inside it (both ends).
func (r *reduced) strength() []float64 {
	k := make([]float64, r.n)
	for x, s := range r.self {
		k[x] = 2 * s
	}
	for _, e := range r.edges {
		k[e.a] += e.w
		k[e.b] += e.w
	}
	return k
}

// capTo returns which nodes to keep when there are more than max: those
// that moved the most value (ties to the earlier). nil keeps all.
func (r *reduced) capTo(max int) []bool {
	if r.n <= max {
		return nil
	}
	k := r.strength()
	order := make([]int32, r.n)
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortStableFunc(order, func(a, b int32) int { return cmp.Compare(k[b], k[a]) })
	keep := make([]bool, r.n)
	for _, x := range order[:max] {
		keep[x] = true
	}
	return keep
}

// louvainGraph builds the graph Louvain runs on: the kept nodes (all when
// keep is nil), numbered in order, and for each with value moved inside
// it a twin node linked to it alone by that value. back maps its node IDs
// to reduced nodes, -1 for twins.
//
// The twin stands in for a self-loop, which gonum's Modularize ignores at
// its first level: a node and its twin together count the inside value
// once in the community's internal weight and twice in its degree, as the
// edges inside the node did before it was collapsed. A twin is a pendant,
// so Louvain's local moves put it with its node.
func (r *reduced) louvainGraph(keep []bool) (*wgraph, []int32) {
	id := make([]int32, r.n)
	var back []int32
	for x := range r.n {
		id[x] = -1
		if keep == nil || keep[x] {
			id[x] = int32(len(back))
			back = append(back, int32(x))
		}
	}
	var es []wedge
	for _, e := range r.edges {
		if a, b := id[e.a], id[e.b]; a >= 0 && b >= 0 {
			es = append(es, wedge{a, b, e.w})
		}
	}
	// Twins take the IDs after the nodes.
	for x := range r.n {
		if a := id[x]; a >= 0 && r.self[x] > 0 {
			es = append(es, wedge{a, int32(len(back)), r.self[x]})
			back = append(back, -1)
		}
	}
	slices.SortStableFunc(es, func(p, q wedge) int { return cmp.Or(cmp.Compare(p.a, q.a), cmp.Compare(p.b, q.b)) })
	return newWGraph(len(back), es), back
}

// modularity returns Q of the partition of the reduced nodes given by of
// (-1: left out, with its edges), at resolution gamma, over the
// undirected address graph: Q = Σ_c [2·in_c/K - γ·(tot_c/K)²], where in_c
// is the weight inside community c, tot_c the degrees of its nodes and K
// the degrees of all.
func (r *reduced) modularity(of []int32, gamma float64) float64 {
	groups := 0
	for _, g := range of {
		groups = max(groups, int(g)+1)
	}
	in := make([]float64, groups)
	tot := make([]float64, groups)
	var total float64
	for x, s := range r.self {
		if g := of[x]; g >= 0 {
			in[g] += s
			tot[g] += 2 * s
			total += 2 * s
		}
	}
	for _, e := range r.edges {
		ga, gb := of[e.a], of[e.b]
		if ga < 0 || gb < 0 {
			continue
		}
		tot[ga] += e.w
		tot[gb] += e.w
		total += 2 * e.w
		if ga == gb {
			in[ga] += e.w
		}
	}
	if total == 0 {
		return 0
	}
	var q float64
	for g := range groups {
		q += 2*in[g]/total - gamma*(tot[g]/total)*(tot[g]/total)
	}
	return q
}
