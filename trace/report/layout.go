package report

import (
	"cmp"
	"math"
	"slices"
)

// Layout: column and row spacing in graph units (Cytoscape's pixels at
// zoom 1), wide enough for the two-line labels.
const (
	colWidth  = 180.0
	rowHeight = 90.0
)

// layout places the nodes in layers: a transaction one column after the
// last drawn transaction that pays it (so a peel chain, all at one hop,
// still reads as a staircase), an output half a column after its
// transaction; forward left to right, backward right to left. Within a
// column, nodes sit in the mean order of what they hang from, so that
// edges cross little.
func layout(nodes []Node, s *selection, b *builder) {
	f := b.f
	depth := make([]int, f.Len())
	preds := make([][]int32, f.Len()) // drawn transactions that pay i
	order := make([]int, 0, f.Len())
	for i := range f.Len() {
		if s.tx[i] {
			order = append(order, i)
		}
	}
	dir := 1.0
	if !f.Forward() {
		// Backward, value flows towards the seeds: lay out from them.
		dir = -1
		slices.Reverse(order)
	}
	for _, i := range order {
		adj := f.Funders(i)
		if !f.Forward() {
			adj = f.Spenders(i)
		}
		for _, j := range adj {
			if j >= 0 && s.tx[j] && !slices.Contains(preds[i], j) {
				preds[i] = append(preds[i], j)
				depth[i] = max(depth[i], depth[j]+1)
			}
		}
	}
	type slot struct {
		n      *Node
		i      int
		anchor float64
		order  int
	}
	cols := map[int][]slot{}
	var colKeys []int
	for k := range nodes {
		n := &nodes[k]
		i := s.index[n.ID]
		col := 2 * depth[i]
		if n.Kind != "tx" {
			col++
		}
		if _, ok := cols[col]; !ok {
			colKeys = append(colKeys, col)
		}
		cols[col] = append(cols[col], slot{n: n, i: i, order: k})
	}
	slices.Sort(colKeys)
	y := make(map[int]float64, len(order)) // by flow index, transactions only
	for _, c := range colKeys {
		col := cols[c]
		for k := range col {
			sl := &col[k]
			switch {
			case sl.n.Kind != "tx":
				sl.anchor = y[sl.i]
			case len(preds[sl.i]) == 0:
				sl.anchor = math.Inf(-1)
			default:
				var sum float64
				for _, j := range preds[sl.i] {
					sum += y[int(j)]
				}
				sl.anchor = sum / float64(len(preds[sl.i]))
			}
		}
		slices.SortStableFunc(col, func(a, b slot) int {
			if c := cmp.Compare(a.anchor, b.anchor); c != 0 {
				return c
			}
			return cmp.Compare(a.order, b.order)
		})
		for k, sl := range col {
			sl.n.X = dir * float64(c) * colWidth / 2
			sl.n.Y = (float64(k) - float64(len(col)-1)/2) * rowHeight
			if sl.n.Kind == "tx" {
				y[sl.i] = sl.n.Y
			}
		}
	}
}
