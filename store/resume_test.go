package store_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"testing"

	"github.com/plumetrace/plume/chain"
	"github.com/plumetrace/plume/store"
)

// TestIngestIdempotent ingests the real blocks once, then again: every
// block is skipped after its hash is checked, nothing is written and the
// content stays byte for byte the same, also after reopening.
func TestIngestIdempotent(t *testing.T) {
	blocks := realBlocks(t)
	dir := t.TempDir()
	db := openDB(t, dir, store.Options{})
	ingest(t, db, seq(blocks))
	want := dump(t, db)
	wantTip, _ := db.Tip()

	again := func(t *testing.T, db *store.DB, from int) {
		t.Helper()
		st := ingest(t, db, seq(blocks[from:]))
		if st.Skipped != len(blocks)-from || st.Blocks != 0 || st.Txs != 0 || st.Entries != 0 || st.Tip != wantTip {
			t.Fatalf("second ingest: %+v, want %d skipped and nothing written", st, len(blocks)-from)
		}
		sameDump(t, db, want)
	}
	t.Run("same-process", func(t *testing.T) { again(t, db, 0) })
	t.Run("suffix", func(t *testing.T) { again(t, db, 9000) })
	t.Run("reopened", func(t *testing.T) {
		db.Close()
		db = openDB(t, dir, store.Options{})
		if tip, _ := db.Tip(); tip != wantTip {
			t.Fatalf("tip %v after reopening, want %v", tip, wantTip)
		}
		sameDump(t, db, want)
		again(t, db, 0)
		verify(t, db)
	})
	t.Run("memory-equals-disk", func(t *testing.T) {
		mem := memDB(t)
		ingest(t, mem, seq(blocks))
		sameDump(t, mem, want)
	})
}

// TestIngestResume splits one ingest of the real blocks in different ways
// (overlapping streams, reopening in between, tiny batches, a cache too
// small to hold anything) and requires the same store as one ingest.
func TestIngestResume(t *testing.T) {
	blocks := realBlocks(t)
	ref := memDB(t)
	ingest(t, ref, seq(blocks))
	want := dump(t, ref)

	type step struct {
		from, to int // ingest blocks[from:to+1]
		reopen   bool
	}
	rng := rand.New(rand.NewPCG(1, 2))
	var random []step
	for h := 0; h <= realTip; {
		n := 1 + rng.IntN(2500)
		from := max(0, h-rng.IntN(50)) // overlap a little
		random = append(random, step{from, min(realTip, h+n-1), rng.IntN(3) == 0})
		h += n
	}
	for _, tc := range []struct {
		name  string
		opts  store.Options
		steps []step
	}{
		{"0..7000-then-0..14131", store.Options{}, []step{{0, 7000, false}, {0, realTip, false}}},
		{"0..7000-reopen-0..14131", store.Options{}, []step{{0, 7000, false}, {0, realTip, true}}},
		{"0..7000-then-7001..14131", store.Options{}, []step{{0, 7000, false}, {7001, realTip, true}}},
		{"0..7000-then-5000..14131", store.Options{}, []step{{0, 7000, false}, {5000, realTip, false}}},
		{"small-batches-no-cache", store.Options{BatchBytes: 16 << 10, UTXOCacheBytes: 1},
			[]step{{0, 3000, false}, {0, 8000, true}, {2000, realTip, false}}},
		{"random-steps", store.Options{BatchBytes: 256 << 10}, random},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			dir := t.TempDir()
			db := openDB(t, dir, tc.opts)
			for _, s := range tc.steps {
				if s.reopen {
					db.Close()
					db = openDB(t, dir, tc.opts)
				}
				before := tipOf(db)
				st, err := db.Ingest(ctx, seq(blocks[s.from:s.to+1]), nil)
				if err != nil {
					t.Fatalf("ingest %d..%d: %v", s.from, s.to, err)
				}
				wantSkipped := max(0, int(before)-s.from+1)
				if st.Skipped != wantSkipped || st.Blocks != s.to-s.from+1-wantSkipped || st.Tip.Height != int32(s.to) {
					t.Fatalf("ingest %d..%d onto tip %d: %+v, want %d skipped", s.from, s.to, before, st, wantSkipped)
				}
			}
			sameDump(t, db, want)
			verify(t, db)
		})
	}
}

// TestIngestProgress: progress is called once per block of the stream,
// skipped ones included, with counts that add up and a tip that starts at
// the store's and never goes back.
func TestIngestProgress(t *testing.T) {
	blocks := realBlocks(t)
	for _, opts := range []store.Options{{}, {BatchBytes: 64 << 10}} {
		db := openDB(t, "", store.Options{InMemory: true, BatchBytes: opts.BatchBytes})
		ingest(t, db, seq(blocks[:7001]))
		calls := 0
		last := int32(7000)
		st, err := db.Ingest(context.Background(), seq(blocks[5000:]), func(st store.IngestStats) {
			calls++
			staged := int32(5000 + calls - 1)
			if st.Skipped+st.Blocks != calls || st.Tip.Height < last || st.Tip.Height > max(staged, 7000) {
				t.Fatalf("call %d: %+v; the tip was %d, block %d staged", calls, st, last, staged)
			}
			last = st.Tip.Height
		})
		if err != nil {
			t.Fatal(err)
		}
		if calls != len(blocks)-5000 || st.Skipped != 2001 || st.Tip.Height != realTip {
			t.Fatalf("%d calls, stats %+v", calls, st)
		}
	}
}

// TestIngestRepeatWithinCall feeds one Ingest call a stream that goes back
// over blocks it staged moments earlier, before they are flushed: they are
// recognised and skipped, and a different block at such a height is a
// conflict.
func TestIngestRepeatWithinCall(t *testing.T) {
	blocks := realBlocks(t)
	clean := memDB(t)
	ingest(t, clean, seq(blocks[:301]))
	want := dump(t, clean)

	db := memDB(t)
	again := append(append([]*chain.Block{}, blocks[:201]...), blocks[150:301]...)
	st := ingest(t, db, seq(again))
	if st.Skipped != 51 || tipOf(db) != 300 {
		t.Errorf("skipped %d blocks, tip %d; want 51 and 300", st.Skipped, tipOf(db))
	}
	sameDump(t, db, want)

	other := *blocks[251]
	other.Hash[0] ^= 1
	db2 := memDB(t)
	_, err := db2.Ingest(context.Background(), seq(append(append([]*chain.Block{}, blocks[:260]...), &other)), nil)
	if !errors.Is(err, store.ErrConflict) {
		t.Errorf("a different block 251 within the call: %v, want ErrConflict", err)
	}
}
