package store

import (
	"slices"
	"testing"

	"pgregory.net/rapid"
)

// TestUnionFindRollback checks the clustering's undo: after any sequence
// of blocks of unions, rolling back to any height leaves arrays identical
// to a clustering built from the blocks below that height alone, and
// every cluster's min is its smallest member and its size its member
// count.
func TestUnionFindRollback(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(2, 60).Draw(t, "addresses")
		blocks := rapid.SliceOfN(rapid.SliceOfN(rapid.SliceOfN(rapid.IntRange(0, n-1), 2, 6), 0, 4), 1, 12).Draw(t, "blocks")
		build := func(upto int) *clusters {
			c := &clusters{}
			c.grow(AddrID(n))
			for h, groups := range blocks[:upto] {
				c.begin(int32(h))
				for _, g := range groups {
					ids := make([]uint32, len(g))
					for i, x := range g {
						ids[i] = uint32(x)
					}
					c.joinGroup(ids)
				}
			}
			return c
		}
		full := build(len(blocks))
		checkInvariants(t, full, n)
		to := rapid.IntRange(0, len(blocks)).Draw(t, "rollback to")
		if !full.rollback(int32(to), AddrID(n)) {
			t.Fatal("rollback within the log failed")
		}
		want := build(to)
		if !slices.Equal(full.parent, want.parent) || !slices.Equal(full.size, want.size) ||
			!slices.Equal(full.next, want.next) || !slices.Equal(full.min, want.min) {
			t.Fatalf("after rollback to %d:\n%v %v %v %v\nwant\n%v %v %v %v", to, full.parent, full.size, full.next, full.min, want.parent, want.size, want.next, want.min)
		}
		checkInvariants(t, full, n)
	})
}

func checkInvariants(t *rapid.T, c *clusters, n int) {
	members := map[uint32][]uint32{}
	for x := range uint32(n) {
		r := c.find(x)
		members[r] = append(members[r], x)
	}
	for r, ms := range members {
		if int(c.size[r]) != len(ms) || c.min[r] != slices.Min(ms) {
			t.Fatalf("root %d: size %d min %d, members %v", r, c.size[r], c.min[r], ms)
		}
		var walk []uint32
		for m := r; ; {
			walk = append(walk, m)
			if m = c.next[m]; m == r || len(walk) > n {
				break
			}
		}
		slices.Sort(walk)
		if !slices.Equal(walk, ms) {
			t.Fatalf("root %d: member list %v, members %v", r, walk, ms)
		}
	}
}
