package blkfile_test

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"testing"

	"github.com/btcsuite/btcd/chaincfg/chainhash"

	"github.com/plumetrace/plume/chain"
	"github.com/plumetrace/plume/source/blkfile"
)

// forkBlocks are btcd's fork test blocks: main[0..4] (genesis and four
// blocks) and a branch a3, a4, a5 from main[2].
type forkBlocks struct {
	main       [][]byte
	a3, a4, a5 []byte
}

func loadFork(t *testing.T) forkBlocks {
	f := forkBlocks{main: forkFile(t, "blk_0_to_4.dat.bz2")}
	a3, a4, a5 := forkFile(t, "blk_3A.dat.bz2"), forkFile(t, "blk_4A.dat.bz2"), forkFile(t, "blk_5A.dat.bz2")
	if len(f.main) != 5 || len(a3) != 1 || len(a4) != 1 || len(a5) != 1 {
		t.Fatalf("fork files hold %d, %d, %d, %d records; want 5, 1, 1, 1", len(f.main), len(a3), len(a4), len(a5))
	}
	f.a3, f.a4, f.a5 = a3[0], a4[0], a5[0]
	// What the files hold, checked rather than assumed.
	if recordHash(f.main[0]) != chain.Mainnet.GenesisHash {
		t.Fatal("blk_0_to_4 does not start at mainnet's genesis")
	}
	for i := 1; i < 5; i++ {
		if recordPrev(f.main[i]) != recordHash(f.main[i-1]) {
			t.Fatalf("blk_0_to_4: block %d does not follow block %d", i, i-1)
		}
	}
	if recordPrev(f.a3) != recordHash(f.main[2]) || recordPrev(f.a4) != recordHash(f.a3) || recordPrev(f.a5) != recordHash(f.a4) {
		t.Fatal("3A, 4A, 5A are not a branch from block 2")
	}
	return f
}

func TestForks(t *testing.T) {
	f := loadFork(t)
	m := f.main
	type skip struct {
		rec    []byte
		reason string
	}
	for _, tc := range []struct {
		name  string
		files [][][]byte // blk00000.dat, blk00001.dat, ...
		chain [][]byte
		skip  []skip // in file order
	}{{
		name:  "the branch with more work wins",
		files: [][][]byte{m, {f.a3, f.a4, f.a5}},
		chain: [][]byte{m[0], m[1], m[2], f.a3, f.a4, f.a5},
		skip:  []skip{{m[3], "stale"}, {m[4], "stale"}},
	}, {
		name:  "of equal work the tip seen first wins",
		files: [][][]byte{m, {f.a3, f.a4}},
		chain: m,
		skip:  []skip{{f.a3, "stale"}, {f.a4, "stale"}},
	}, {
		name:  "seen first is file order",
		files: [][][]byte{{f.a4, f.a3}, m},
		chain: [][]byte{m[0], m[1], m[2], f.a3, f.a4},
		skip:  []skip{{m[3], "stale"}, {m[4], "stale"}},
	}, {
		name:  "children before parents",
		files: [][][]byte{{f.a5, m[4], f.a4}, {m[3], m[2], f.a3, m[1]}, {m[0]}},
		chain: [][]byte{m[0], m[1], m[2], f.a3, f.a4, f.a5},
		skip:  []skip{{m[4], "stale"}, {m[3], "stale"}},
	}, {
		name:  "a block whose parent is missing",
		files: [][][]byte{m, {f.a5}},
		chain: m,
		skip:  []skip{{f.a5, "orphan"}},
	}, {
		name:  "a block stored twice",
		files: [][][]byte{m[:3], m[2:]},
		chain: m,
		skip:  []skip{{m[2], "duplicate"}},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			// Where each record is, to check Skip's File and Offset.
			type place struct {
				file string
				off  int64
			}
			where := map[*byte]place{}
			for i, recs := range tc.files {
				name := filepath.Join(dir, fileName(i))
				off := int64(0)
				for _, rec := range recs {
					where[&rec[0]] = place{name, off}
					off += int64(len(rec))
				}
				writeFile(t, dir, fileName(i), recs...)
			}
			r := open(t, dir, blkfile.Options{})
			got := hashesOf(collect(t, r, 0))
			var want []chainhash.Hash
			for _, rec := range tc.chain {
				want = append(want, recordHash(rec))
			}
			if !slices.Equal(got, want) {
				t.Errorf("chain\n%v\nwant\n%v", got, want)
			}
			if h, hash := r.Tip(); h != int32(len(want)-1) || hash != want[len(want)-1] {
				t.Errorf("Tip %d %v, want %d %v", h, hash, len(want)-1, want[len(want)-1])
			}
			skipped := r.Skipped()
			if len(skipped) != len(tc.skip) {
				t.Fatalf("Skipped %+v, want %d", skipped, len(tc.skip))
			}
			for i, s := range tc.skip {
				p := where[&s.rec[0]]
				if s.reason == "duplicate" {
					p = place{filepath.Join(dir, fileName(1)), 0}
				}
				want := blkfile.Skip{Hash: recordHash(s.rec), Prev: recordPrev(s.rec), File: p.file, Offset: p.off, Reason: s.reason}
				if skipped[i] != want {
					t.Errorf("Skipped[%d] = %+v, want %+v", i, skipped[i], want)
				}
			}
		})
	}
}

func fileName(i int) string { return fmt.Sprintf("blk%05d.dat", i) }

// TestShuffledDirectory stores the real chain the way a syncing node can:
// blocks out of order within small windows, spread over several files with
// zero padding, next to a stale branch (btcd's fork blocks, which share
// mainnet's genesis).
func TestShuffledDirectory(t *testing.T) {
	recs := records(t)
	f := loadFork(t)
	rng := rand.New(rand.NewPCG(1, 2))
	shuffled := slices.Clone(recs)
	const window = 16
	for i := 0; i < len(shuffled); i += window {
		w := shuffled[i:min(i+window, len(shuffled))]
		rng.Shuffle(len(w), func(a, b int) { w[a], w[b] = w[b], w[a] })
	}
	// Interleave the fork's blocks (its genesis a second copy) and cut the
	// sequence into five files.
	all := slices.Concat(shuffled[:3000], [][]byte{f.a5, f.main[4], f.main[3]}, shuffled[3000:7000], f.main[:3], shuffled[7000:], [][]byte{f.a3, f.a4})
	dir := t.TempDir()
	per := len(all)/5 + 1
	for i := 0; i < 5; i++ {
		part := all[i*per : min((i+1)*per, len(all))]
		writeFile(t, dir, fileName(i), append(slices.Clone(part), make([]byte, 1000+i))...) // zero padding
	}

	r := open(t, dir, blkfile.Options{})
	got := collect(t, r, 0)
	if len(got) != len(recs) {
		t.Fatalf("%d blocks, want %d", len(got), len(recs))
	}
	for i, b := range got {
		if b.Height != int32(i) || !bytes.Equal(b.Raw, recs[i][8:]) {
			t.Fatalf("block %d: height %d, %v; want %v", i, b.Height, b.Hash, recordHash(recs[i]))
		}
	}
	reasons := map[string]int{}
	for _, s := range r.Skipped() {
		reasons[s.Reason]++
	}
	// Fork blocks 1..4, 3A, 4A, 5A lose to the real chain; the fork's
	// genesis is a second copy of the real one.
	if reasons["stale"] != 7 || reasons["duplicate"] != 1 || len(reasons) != 2 {
		t.Errorf("skipped %v, want 7 stale and 1 duplicate", reasons)
	}
}
