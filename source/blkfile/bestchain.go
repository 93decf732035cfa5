package blkfile

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/btcsuite/btcd/chaincfg/chainhash"

	"github.com/plumetrace/plume/chain"
)

// Skip is a block record that is not on the chosen chain.
type Skip struct {
	Hash, Prev chainhash.Hash
	File       string
	Offset     int64 // where the record begins
	// Reason is "stale" (on a branch from the start block with less work
	// than the chosen one), "orphan" (does not descend from the start block:
	// its parent is missing, or it precedes Options.Start) or "duplicate"
	// (a second record of a block already indexed).
	Reason string
}

// selection is the outcome of choosing the best chain.
type selection struct {
	blocks  []entry // the chain in height order
	start   int32   // height of blocks[0]
	tip     chainhash.Hash
	skipped []Skip
}

// root is where the chain starts: one block (genesis, or Options.Start),
// or, when the genesis block is missing, each child of it at height 1.
type root struct {
	blocks []int32
	height int32
}

// findRoot picks the start of the chain. The error says what was looked
// for, since "no chain" alone does not tell the caller what to change.
func (x *index) findRoot(params *chain.Params, opts Options, path string) (root, error) {
	if opts.Start != nil {
		if i, ok := x.hashes[*opts.Start]; ok {
			return root{[]int32{i}, opts.StartHeight}, nil
		}
		return root{}, fmt.Errorf("blkfile: %s: %w: the start block %v is not among its %d blocks", path, ErrNoChain, opts.Start, len(x.entries))
	}
	if i, ok := x.hashes[params.GenesisHash]; ok {
		return root{[]int32{i}, 0}, nil
	}
	var r root
	r.height = 1
	for i := range x.entries {
		if x.entries[i].prev == params.GenesisHash {
			r.blocks = append(r.blocks, int32(i))
		}
	}
	if len(x.entries) == 0 {
		return root{}, fmt.Errorf("blkfile: %s: %w: no block records found", path, ErrNoChain)
	}
	if len(r.blocks) == 0 {
		return root{}, fmt.Errorf("blkfile: %s: %w: none of its %d blocks is the %s genesis block %v or a child of it; for files that begin later, set Options.Start",
			path, ErrNoChain, len(x.entries), params.Name, params.GenesisHash)
	}
	return r, nil
}

// choose finds the branch from the root with the most cumulative work, as
// Bitcoin Core does, and lists every other record as skipped. Of tips with
// equal work the one seen first wins, as in Core, where a block with the
// same work as the tip does not replace it. It runs in time and memory
// linear in the number of blocks, and uses up x: its hash map is dropped.
func (x *index) choose(r root, files []blockFile) selection {
	n := len(x.entries)
	// Child lists threaded through two arrays (8 bytes a block instead of
	// a slice per block), built backwards so that each lists children in
	// the order seen.
	firstChild := make([]int32, n)
	next := make([]int32, n)
	for i := range firstChild {
		firstChild[i], next[i] = -1, -1
	}
	for i := n - 1; i >= 0; i-- {
		if p, ok := x.hashes[x.entries[i].prev]; ok {
			next[i] = firstChild[p]
			firstChild[p] = int32(i)
		}
	}

	// Depth-first from the root, carrying the cumulative work down. Each
	// block has one parent, so each is visited once; the stack holds the
	// pending siblings, not the depth.
	type frame struct {
		i      int32
		height int32
		work   work
	}
	const (
		unreached = iota
		reached
		onChain
	)
	state := make([]uint8, n)
	var stack []frame
	for _, b := range slices.Backward(r.blocks) {
		stack = append(stack, frame{b, r.height, work{}})
	}
	best := frame{i: -1}
	lastBits, lastWork := uint32(0), work{}
	for len(stack) > 0 {
		f := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if state[f.i] != unreached {
			continue // only a hash collision could make a cycle; never loop
		}
		state[f.i] = reached
		if b := x.entries[f.i].bits; b != lastBits || lastWork == (work{}) {
			lastBits, lastWork = b, blockWork(b)
		}
		f.work = f.work.add(lastWork)
		if best.i < 0 || f.work.cmp(best.work) > 0 || f.work.cmp(best.work) == 0 && f.i < best.i {
			best = f
		}
		for c := firstChild[f.i]; c >= 0; c = next[c] {
			stack = append(stack, frame{c, f.height + 1, f.work})
		}
	}

	// The chain, walked back from the tip by parent hash.
	chainIdx := make([]int32, best.height-r.height+1)
	for i, k := best.i, len(chainIdx)-1; k >= 0; k-- {
		chainIdx[k] = i
		state[i] = onChain
		i = x.hashes[x.entries[i].prev]
	}

	s := selection{start: r.height}
	var skipped []located
	for h, i := range x.hashes {
		if state[i] == onChain {
			if i == best.i {
				s.tip = h
			}
			continue
		}
		reason := "orphan"
		if state[i] == reached {
			reason = "stale"
		}
		e := &x.entries[i]
		skipped = append(skipped, located{e.file, Skip{Hash: h, Prev: e.prev, File: files[e.file].name, Offset: e.off, Reason: reason}})
	}
	skipped = append(skipped, x.dups...)
	slices.SortFunc(skipped, func(a, b located) int {
		if c := cmp.Compare(a.file, b.file); c != 0 {
			return c
		}
		return cmp.Compare(a.Offset, b.Offset)
	})
	for _, l := range skipped {
		s.skipped = append(s.skipped, l.Skip)
	}

	// Keep only the chain's entries. The hash map, the largest part of the
	// index, goes first, so that it and the copy are not live at once.
	x.hashes = nil
	s.blocks = make([]entry, len(chainIdx))
	for k, i := range chainIdx {
		s.blocks[k] = x.entries[i]
	}
	return s
}
