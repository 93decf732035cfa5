package graph

import (
	"math"
	"math/rand/v2"
	"testing"

	gg "gonum.org/v1/gonum/graph"
	"gonum.org/v1/gonum/graph/community"
	"gonum.org/v1/gonum/graph/network"
	"gonum.org/v1/gonum/graph/path"
	"gonum.org/v1/gonum/graph/topo"
	"gonum.org/v1/gonum/graph/traverse"

	"github.com/plumetrace/plume/chain"
)

// gonum's algorithm families run on a Flow unchanged (package doc). One
// test per family, each checked against the transactions.

func TestTraverseBreadthFirst(t *testing.T) {
	for _, seed := range []uint64{1, 2, 3} {
		r := randomFlow(seed, 200)
		// Every seed and a handful of other outputs of the region.
		starts := append([]chain.OutPoint(nil), r.seeds...)
		for i := 0; i < len(r.members); i += 37 {
			starts = append(starts, r.members[i].ID.Out(0))
		}
		for _, o := range starts {
			want := downstream(r.members, o)
			got := make(map[int64]bool)
			bf := traverse.BreadthFirst{Visit: func(n gg.Node) { got[n.ID()] = true }}
			bf.Walk(r.flow, r.flow.Node(o.Node()), nil)
			if len(got) != len(want) {
				t.Errorf("seed %d: BreadthFirst from %v reaches %d nodes, want %d", seed, o, len(got), len(want))
			}
			for id := range want {
				if !got[id] {
					t.Errorf("seed %d: BreadthFirst from %v misses %d", seed, o, id)
				}
			}
		}
	}
}

// TestTopoSort proves what plume relies on: ID order is a topological
// order of the flow, so hot loops may walk indexes instead of sorting.
func TestTopoSort(t *testing.T) {
	for _, n := range []int{0, 1, 10, 500} {
		r := randomFlow(uint64(n), n)
		f := r.flow
		sorted, err := topo.Sort(f)
		if err != nil {
			t.Fatalf("%d txs: topo.Sort: %v", n, err)
		}
		if len(sorted) != f.NumNodes() {
			t.Errorf("%d txs: topo.Sort returned %d nodes, want %d", n, len(sorted), f.NumNodes())
		}
		pos := make(map[int64]int, len(sorted))
		for i, v := range sorted {
			pos[v.ID()] = i
		}
		edges := 0
		for u := f.Nodes(); u.Next(); {
			uid := u.Node().ID()
			for v := f.From(uid); v.Next(); {
				vid := v.Node().ID()
				edges++
				if uid >= vid {
					t.Errorf("%d txs: edge %d -> %d goes against ID order", n, uid, vid)
				}
				if pos[uid] >= pos[vid] {
					t.Errorf("%d txs: topo.Sort puts %d after %d", n, uid, vid)
				}
			}
		}
		if edges != f.NumEdges() || edges != len(specOf(r.members).edges) {
			t.Errorf("%d txs: walked %d edges, NumEdges %d", n, edges, f.NumEdges())
		}
	}
}

func TestShortestPath(t *testing.T) {
	h := newHandFlow()
	f := h.flow()
	// From the seed T1:0 to T3: T1:0 -> T2 -> T2:0 -> T3, weighing
	// 3 + 2 + 2 BTC.
	want := []int64{h.seed.Node(), h.T2.ID.Node(), h.T2.ID.Out(0).Node(), h.T3.ID.Node()}
	for _, c := range []struct {
		name string
		sp   func() path.Shortest
	}{
		{"Dijkstra", func() path.Shortest { return path.DijkstraFrom(f.Node(h.seed.Node()), f) }},
		{"BellmanFord", func() path.Shortest {
			sp, ok := path.BellmanFordFrom(f.Node(h.seed.Node()), f)
			if !ok {
				t.Errorf("BellmanFordFrom found a negative cycle")
			}
			return sp
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			sp := c.sp()
			p, w := sp.To(h.T3.ID.Node())
			if len(p) != len(want) {
				t.Fatalf("path %v, want %v", p, want)
			}
			for i := range p {
				if p[i].ID() != want[i] {
					t.Errorf("path[%d] = %d, want %d", i, p[i].ID(), want[i])
				}
			}
			if w != 7*btc {
				t.Errorf("weight %v, want %v", w, 7*btc)
			}
			// Spent outside the flow: no way from T1:1 onwards.
			if p, w := sp.To(h.O.ID.Node()); p != nil || !math.IsInf(w, 1) {
				t.Errorf("path to a transaction outside = %v, %v", p, w)
			}
			if p, w := sp.To(h.T1.ID.Node()); p != nil || !math.IsInf(w, 1) {
				t.Errorf("path against the flow = %v, %v", p, w)
			}
		})
	}
	t.Run("random", func(t *testing.T) {
		r := randomFlow(11, 300)
		o := r.seeds[0]
		reach := downstream(r.members, o)
		sp := path.DijkstraFrom(r.flow.Node(o.Node()), r.flow)
		for _, tx := range r.members {
			p, w := sp.To(tx.ID.Node())
			if reach[tx.ID.Node()] != (p != nil) {
				t.Errorf("path to %v: %v, reachable: %v", tx.ID, p, reach[tx.ID.Node()])
				continue
			}
			if p == nil {
				continue
			}
			var sum float64
			for i := 1; i < len(p); i++ {
				e := r.flow.WeightedEdge(p[i-1].ID(), p[i].ID())
				if e == nil {
					t.Fatalf("path to %v steps off the flow: %d -> %d", tx.ID, p[i-1].ID(), p[i].ID())
				}
				sum += e.Weight()
			}
			if sum != w {
				t.Errorf("path to %v weighs %v, edges sum to %v", tx.ID, w, sum)
			}
		}
	})
}

func TestPageRank(t *testing.T) {
	r := randomFlow(5, 300)
	f := r.flow
	for _, c := range []struct {
		name  string
		ranks func() map[int64]float64
	}{
		{"PageRank", func() map[int64]float64 { return network.PageRank(f, 0.85, 1e-8) }},
		{"PageRankSparse", func() map[int64]float64 { return network.PageRankSparse(f, 0.85, 1e-8) }},
	} {
		t.Run(c.name, func(t *testing.T) {
			ranks := c.ranks()
			if len(ranks) != f.NumNodes() {
				t.Errorf("%d ranks for %d nodes", len(ranks), f.NumNodes())
			}
			var sum float64
			for u := f.Nodes(); u.Next(); {
				v, ok := ranks[u.Node().ID()]
				if !ok || v <= 0 || math.IsNaN(v) {
					t.Errorf("node %d ranks %v, %v", u.Node().ID(), v, ok)
				}
				sum += v
			}
			if math.Abs(sum-1) > 1e-6 {
				t.Errorf("ranks sum to %v, want 1", sum)
			}
		})
	}
	t.Run("HITS", func(t *testing.T) {
		hubs := network.HITS(f, 1e-8)
		if len(hubs) != f.NumNodes() {
			t.Errorf("%d scores for %d nodes", len(hubs), f.NumNodes())
		}
	})
}

// peelChains makes two peel chains with no address in common: at each
// step the chain's current address pays a small amount to a payee and the
// rest to its next address.
func peelChains(steps int) (f *Flow, groups [2][]chain.Address) {
	w := newWorld()
	var members []Member
	var seeds []chain.OutPoint
	height := int32(2000)
	for g := range 2 {
		base := 1000 * (g + 1)
		cur := addr(base)
		groups[g] = append(groups[g], cur)
		fund := w.Tx(height, 1+g, nil, pay(cur, 50*btc))
		members = append(members, at(0, fund)...)
		seeds = append(seeds, fund.ID.Out(0))
		prev, value := fund.ID.Out(0), int64(50*btc)
		for i := range steps {
			next, payee := addr(base+2*i+1), addr(base+2*i+2)
			groups[g] = append(groups[g], next, payee)
			value -= btc + 10_000
			tx := w.Tx(height+int32(1+i), 1+g, ins(prev), pay(next, value), pay(payee, btc))
			members = append(members, at(i+1, tx)...)
			prev = tx.ID.Out(0)
		}
	}
	return New(nil, true, seeds, members), groups
}

func TestModularize(t *testing.T) {
	f, groups := peelChains(5)
	g := f.Addresses()
	group := make(map[int64]int)
	for i, as := range groups {
		for _, a := range as {
			n := g.Lookup(a)
			if n == nil {
				t.Fatalf("address %v has no node", a)
			}
			group[n.ID()] = i
		}
	}
	if g.Nodes().Len() != len(group) {
		t.Fatalf("%d address nodes, want %d", g.Nodes().Len(), len(group))
	}
	reduced := community.Modularize(g, 1, rand.NewPCG(1, 2))
	comms := reduced.Communities()
	if len(comms) < 2 {
		t.Fatalf("%d communities, want the two chains apart", len(comms))
	}
	for _, c := range comms {
		for _, n := range c {
			if group[n.ID()] != group[c[0].ID()] {
				t.Errorf("community %v mixes the two chains", c)
				break
			}
		}
	}
	if q := community.Q(g, comms, 1); q <= 0.4 {
		t.Errorf("modularity %v, want clearly positive for two disconnected chains", q)
	}
}
