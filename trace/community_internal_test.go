package trace

import (
	"slices"
	"testing"

	gograph "gonum.org/v1/gonum/graph"
)

func neighbours(g *wgraph, x int64) []int64 {
	var ns []int64
	for it := g.From(x); it.Next(); {
		ns = append(ns, it.Node().ID())
	}
	return ns
}

// TestLouvainGraph checks the graph handed to gonum: undirected edges both
// ways, neighbours in order, no loops, and a twin for every node with
// value moved inside it, linked to it alone by that value.
func TestLouvainGraph(t *testing.T) {
	r := &reduced{n: 4, self: []float64{0, 5, 0, 2}, edges: []wedge{{0, 1, 1}, {0, 3, 4}, {1, 2, 2}}}
	g, back := r.louvainGraph(nil)
	if !slices.Equal(back, []int32{0, 1, 2, 3, -1, -1}) || g.Nodes().Len() != 6 {
		t.Fatalf("back %v, %d nodes", back, g.Nodes().Len())
	}
	for _, c := range []struct {
		x, y int64
		w    float64
		ok   bool
	}{{0, 1, 1, true}, {1, 0, 1, true}, {3, 0, 4, true}, {1, 2, 2, true}, {1, 4, 5, true}, {3, 5, 2, true}, {4, 1, 5, true}, {0, 2, 0, false}, {1, 1, 0, true}, {0, 9, 0, false}} {
		if w, ok := g.Weight(c.x, c.y); w != c.w || ok != c.ok || (g.WeightedEdge(c.x, c.y) != nil) != (ok && c.x != c.y) {
			t.Errorf("Weight(%d, %d) = %v, %v; want %v, %v", c.x, c.y, w, ok, c.w, c.ok)
		}
	}
	for x, want := range [][]int64{{1, 3}, {0, 2, 4}, {1}, {0, 5}, {1}, {3}} {
		if got := neighbours(g, int64(x)); !slices.Equal(got, want) {
			t.Errorf("From(%d) = %v, want %v", x, got, want)
		}
	}
	if it := g.From(1); it.Len() != 3 || !it.Next() || it.Len() != 2 {
		t.Error("Len counts the neighbours left")
	}
	if g.From(7) != gograph.Empty || g.Node(6) != nil || g.Node(5) == nil {
		t.Error("nodes outside the graph")
	}
	// Capped to nodes 1 and 3: their edge to 0 goes, the twins stay.
	g, back = r.louvainGraph([]bool{false, true, false, true})
	if !slices.Equal(back, []int32{1, 3, -1, -1}) || g.HasEdgeBetween(0, 1) || !g.HasEdgeBetween(0, 2) || !g.HasEdgeBetween(1, 3) {
		t.Errorf("capped: back %v", back)
	}
}

// TestFoldPendants folds a star's leaves into its centre, one of two
// pendants joined only to each other into the other, and nothing with
// value inside it or two neighbours.
func TestFoldPendants(t *testing.T) {
	// 0 is a star's centre with leaves 1, 2 and 3 (3 has value inside);
	// 4-5 a lone pair; 6-7-8 a path.
	r := &reduced{n: 9, rep: []int32{0, 1, 2, 3, 4, 5, 6, 7, 8}, self: []float64{0, 0, 0, 1, 0, 0, 0, 0, 0},
		edges: []wedge{{0, 1, 1}, {0, 2, 1}, {0, 3, 1}, {4, 5, 1}, {6, 7, 1}, {7, 8, 1}}}
	u := newUnion(9)
	if n := r.foldPendants(u); n != 5 {
		t.Errorf("%d folds, want 5 (1, 2, 5, 6 and 8)", n)
	}
	for _, c := range [][2]int32{{0, 1}, {0, 2}, {4, 5}, {6, 7}, {7, 8}} {
		if u.find(c[0]) != u.find(c[1]) {
			t.Errorf("%d and %d apart", c[0], c[1])
		}
	}
	if u.find(3) == u.find(0) || u.find(6) == u.find(0) {
		t.Error("folded a node with value inside it")
	}
}
