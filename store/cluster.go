package store

import (
	"encoding/binary"
	"fmt"
	"slices"
	"sync"

	badger "github.com/dgraph-io/badger/v4"
	"github.com/plumetrace/plume/chain"
	"github.com/plumetrace/plume/trace/heuristic"
)

// clusters is the common-input-ownership clustering (Meiklejohn et al.'s
// first heuristic): the addresses that fund one transaction belong to one
// owner. It is a union-find over address IDs kept in four flat arrays,
// 16 bytes an address:
//
//	parent: the parent in the union-find forest (a root points to itself)
//	size:   at a root, the number of members
//	next:   the members of each cluster as a circular list, so Members
//	        walks a cluster without scanning every address
//	min:    at a root, the smallest member: the cluster's ID, so the same
//	        chain gives the same cluster IDs however it was ingested
//
// Unions go by size without path compression, which keeps finds within
// log2(n) steps and makes every union undoable: a disconnected block pops
// its unions off the undo log. The arrays are not stored; each block's
// groups of input addresses are (the 'J' table), and the arrays are rebuilt
// from them on first use after Open, which is the clustering benchmark's
// path.
type clusters struct {
	mu     sync.RWMutex
	loaded bool
	parent []uint32
	size   []uint32
	next   []uint32
	min    []uint32
	undo   []unionRec
	marks  []blockMark
}

type unionRec struct{ child, root, oldMin uint32 }

// blockMark is where a block's unions start in the undo log.
type blockMark struct {
	height int32
	undo   int
}

// keepMarks bounds the undo log to the most recent blocks (between
// keepMarks and twice that); disconnecting deeper rebuilds from the stored
// groups. Reorganisations are a few blocks deep; Sync refuses 100.
const keepMarks = 256

// clear empties the clustering, leaving the mutex alone.
func (c *clusters) clear() {
	c.loaded = false
	c.parent, c.size, c.next, c.min = nil, nil, nil, nil
	c.undo, c.marks = nil, nil
}

// grow extends the arrays to cover IDs below n as singletons.
func (c *clusters) grow(n AddrID) {
	if extra := int(n) - cap(c.parent); extra > 0 {
		// Grow all four by a quarter at least: amortized appends without
		// append's doubling, which would waste up to half the memory.
		size := int(n) + max(extra, cap(c.parent)/4)
		c.parent = slices.Grow(c.parent, size-len(c.parent))
		c.size = slices.Grow(c.size, size-len(c.size))
		c.next = slices.Grow(c.next, size-len(c.next))
		c.min = slices.Grow(c.min, size-len(c.min))
	}
	for id := uint32(len(c.parent)); id < uint32(n); id++ {
		c.parent = append(c.parent, id)
		c.size = append(c.size, 1)
		c.next = append(c.next, id)
		c.min = append(c.min, id)
	}
}

func (c *clusters) find(x uint32) uint32 {
	for c.parent[x] != x {
		x = c.parent[x]
	}
	return x
}

// union merges the clusters of a and b. The larger cluster's root stays
// the root (the smaller root ID on a tie), so the forest, like the IDs,
// depends only on the order of unions.
func (c *clusters) union(a, b uint32) {
	ra, rb := c.find(a), c.find(b)
	if ra == rb {
		return
	}
	if c.size[ra] < c.size[rb] || (c.size[ra] == c.size[rb] && rb < ra) {
		ra, rb = rb, ra
	}
	c.undo = append(c.undo, unionRec{child: rb, root: ra, oldMin: c.min[ra]})
	c.parent[rb] = ra
	c.size[ra] += c.size[rb]
	c.min[ra] = min(c.min[ra], c.min[rb])
	c.next[ra], c.next[rb] = c.next[rb], c.next[ra] // splice the member lists
}

// begin marks the start of block height's unions.
func (c *clusters) begin(height int32) {
	c.marks = append(c.marks, blockMark{height, len(c.undo)})
	if len(c.marks) > 2*keepMarks {
		drop := len(c.marks) - keepMarks
		cut := c.marks[drop].undo
		c.undo = slices.Delete(c.undo, 0, cut)
		c.marks = slices.Delete(c.marks, 0, drop)
		for i := range c.marks {
			c.marks[i].undo -= cut
		}
	}
}

// rollback undoes the unions of blocks at or above height and shrinks the
// arrays to IDs below n. It reports false when the log no longer reaches
// that far back, and the caller must rebuild.
func (c *clusters) rollback(height int32, n AddrID) bool {
	i, _ := slices.BinarySearchFunc(c.marks, height, func(m blockMark, h int32) int { return int(m.height - h) })
	if i == len(c.marks) {
		c.grow(n)
		c.shrink(n)
		return true
	}
	if i == 0 && c.marks[0].height > height {
		return false
	}
	for k := len(c.undo) - 1; k >= c.marks[i].undo; k-- {
		u := c.undo[k]
		c.next[u.root], c.next[u.child] = c.next[u.child], c.next[u.root]
		c.min[u.root] = u.oldMin
		c.size[u.root] -= c.size[u.child]
		c.parent[u.child] = u.child
	}
	c.undo = c.undo[:c.marks[i].undo]
	c.marks = c.marks[:i]
	c.shrink(n)
	return true
}

func (c *clusters) shrink(n AddrID) {
	if int(n) < len(c.parent) {
		c.parent, c.size, c.next, c.min = c.parent[:n], c.size[:n], c.next[:n], c.min[:n]
	}
}

// joinKey: 'J' height(4) -> the groups of address IDs the block's
// transactions join (see appendGroups).
func joinKey(b []byte, height int32) []byte { return appendU32(append(b, tJoin), uint32(height)) }

func decodeJoinKey(k []byte) (int32, error) {
	if len(k) != 5 || k[0] != tJoin {
		return 0, &keyError{tJoin, k}
	}
	return int32(binary.BigEndian.Uint32(k[1:])), nil
}

// appendGroups encodes groups of IDs: uvarint count, then per group a
// uvarint length and its IDs ascending as uvarint deltas.
func appendGroups(b []byte, groups [][]AddrID) []byte {
	b = binary.AppendUvarint(b, uint64(len(groups)))
	for _, g := range groups {
		b = binary.AppendUvarint(b, uint64(len(g)))
		prev := AddrID(0)
		for _, id := range g {
			b = binary.AppendUvarint(b, uint64(id-prev))
			prev = id
		}
	}
	return b
}

// decodeGroups calls f for each group of IDs in v, reusing buf.
func decodeGroups(v []byte, buf []uint32, f func(g []uint32)) error {
	n, k := binary.Uvarint(v)
	if k <= 0 {
		return errRecord
	}
	v = v[k:]
	for range n {
		m, k := binary.Uvarint(v)
		if k <= 0 || m < 2 || m > uint64(len(v)) {
			return errRecord
		}
		v = v[k:]
		buf = buf[:0]
		var id uint64
		for range m {
			d, k := binary.Uvarint(v)
			if k <= 0 || (len(buf) > 0 && d == 0) {
				return errRecord
			}
			v = v[k:]
			if id += d; id > maxAddrID {
				return errRecord
			}
			buf = append(buf, uint32(id))
		}
		f(buf)
	}
	if len(v) != 0 {
		return errRecord
	}
	return nil
}

// joinGroup unions one group (IDs below the arrays' length).
func (c *clusters) joinGroup(g []uint32) {
	for _, id := range g[1:] {
		c.union(g[0], id)
	}
}

// load rebuilds the clustering from the stored groups up to the durable
// tip. The caller holds c.mu.
func (c *clusters) load(db *DB) error {
	c.clear()
	w := db.mark.Load()
	if w == nil {
		c.loaded = true
		return nil
	}
	// Exactly the store's addresses: ingest grows from there.
	c.parent = make([]uint32, 0, w.next)
	c.size = make([]uint32, 0, w.next)
	c.next = make([]uint32, 0, w.next)
	c.min = make([]uint32, 0, w.next)
	c.grow(w.next)
	var buf []uint32
	err := db.bdb.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte{tJoin}, PrefetchValues: true})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			k := it.Item().Key()
			h, err := decodeJoinKey(k)
			if err != nil {
				return corrupt(k, err)
			}
			if h > w.tip.Height {
				break
			}
			c.begin(h)
			if err := it.Item().Value(func(v []byte) error {
				var bad bool
				err := decodeGroups(v, buf, func(g []uint32) {
					if g[len(g)-1] >= uint32(len(c.parent)) {
						bad = true
						return
					}
					c.joinGroup(g)
				})
				if err == nil && bad {
					err = fmt.Errorf("a group names an address ID the store has not assigned")
				}
				return err
			}); err != nil {
				return corrupt(k, err)
			}
		}
		return nil
	})
	if err != nil {
		c.clear()
		return fmt.Errorf("store: loading clusters: %w", err)
	}
	c.loaded = true
	return nil
}

// isCoinJoin reports whether tx mixes coins of several owners, by
// trace/heuristic's detectors (which need every input resolved; the caller
// passes only resolved ones).
func isCoinJoin(tx *chain.Tx) bool {
	_, ok := heuristic.CoinJoin(tx)
	return ok
}
