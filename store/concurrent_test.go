package store_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/plumetrace/plume/chain"
	"github.com/plumetrace/plume/store"
)

// TestReadWhileIngesting runs readers against a store while it ingests the
// real blocks in small batches. A reader sees whole blocks up to its
// snapshot's tip and nothing above: every transaction, spender and
// appearance it gets is at or below the tip, the tip block is readable,
// and an address's history and balance are exactly those of the chain cut
// at the tip. A snapshot held through the whole ingest never changes.
func TestReadWhileIngesting(t *testing.T) {
	ctx := context.Background()
	blocks := realBlocks(t)
	want := replay(blocks)
	peel := mustAddr(t, satoshi9)
	db := openDB(t, t.TempDir(), store.Options{BatchBytes: 32 << 10})
	ingest(t, db, seq(blocks[:200]))

	// upTo returns the history of a as of height h.
	upTo := func(a chain.Address, h int32) []chain.Appearance {
		return filter(want.hist[a], func(ap chain.Appearance) bool { return ap.Height() <= h })
	}
	held := db.Snapshot()
	defer held.Close()
	heldHist := history(t, held, peel)

	var (
		done     atomic.Bool
		mu       sync.Mutex
		tips     = map[int32]bool{}
		reads    atomic.Int64
		firstErr error
	)
	fail := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		if firstErr == nil {
			firstErr = fmt.Errorf(format, args...)
		}
	}
	notFound := func(err error) bool { return errors.Is(err, store.ErrNotFound) }

	reader := func(seed uint64) {
		rng := rand.New(rand.NewPCG(seed, 0))
		for !done.Load() {
			s := db.Snapshot()
			tip := s.Tip()
			mu.Lock()
			tips[tip] = true
			mu.Unlock()
			// The tip block is whole.
			if b, err := s.Block(ctx, tip); err != nil || b.Hash != blocks[tip].Hash {
				fail("snapshot at %d: Block(tip) = %v, %v", tip, b.Hash, err)
			}
			if tx, err := s.Tx(ctx, chain.MakeTxID(tip, 0)); err != nil || tx.Hash != blocks[tip].TxHashes[0] {
				fail("snapshot at %d: the tip's coinbase: %v", tip, err)
			}
			if _, err := s.Tx(ctx, chain.MakeTxID(tip+1, 0)); !notFound(err) {
				fail("snapshot at %d: Tx above the tip: %v, want ErrNotFound", tip, err)
			}
			for range 20 {
				id := want.order[rng.IntN(len(want.order))]
				tx, err := s.Tx(ctx, id)
				switch {
				case notFound(err):
					if id.Height() <= tip {
						fail("snapshot at %d: Tx(%v) not found", tip, id)
					}
				case err != nil:
					fail("snapshot at %d: Tx(%v): %v", tip, id, err)
				case tx.Height() > tip:
					fail("snapshot at %d: got Tx %v", tip, id)
				default:
					for i, sp := range tx.SpentBy {
						wantSp := want.txs[id].spentBy[i]
						if wantSp.Tx.Height() > tip {
							wantSp = chain.InPoint{}
						}
						if sp != wantSp {
							fail("snapshot at %d: Tx(%v) output %d spent by %v, want %v", tip, id, i, sp, wantSp)
						}
					}
				}
				ids, err := s.TxIDs(ctx, want.txs[id].hash)
				if (id.Height() <= tip) != (err == nil) || err != nil && !notFound(err) || err == nil && ids[0] != id {
					fail("snapshot at %d: TxIDs of %v = %v, %v", tip, id, ids, err)
				}
				reads.Add(2)
			}
			var got []chain.Appearance
			for ap, err := range s.History(ctx, peel) {
				if err != nil {
					fail("snapshot at %d: History: %v", tip, err)
					break
				}
				got = append(got, ap)
			}
			wantHist := upTo(peel, tip)
			if len(got) != len(wantHist) {
				fail("snapshot at %d: %d appearances, want %d", tip, len(got), len(wantHist))
			}
			for _, ap := range got {
				if ap.Height() > tip {
					fail("snapshot at %d: appearance at %v", tip, ap.Tx)
				}
			}
			if bal, err := s.Balance(ctx, peel); err != nil || bal != balance(wantHist) {
				fail("snapshot at %d: balance %d, %v; want %d", tip, bal, err, balance(wantHist))
			}
			s.Close()

			// The DB's own methods take a snapshot per call: whatever they
			// return is at or below the tip read after the call.
			id := want.order[rng.IntN(len(want.order))]
			tx, err := db.Tx(ctx, id)
			after := tipOf(db)
			if err == nil && tx.Height() > after || err != nil && !notFound(err) || notFound(err) && id.Height() <= tip {
				fail("DB.Tx(%v) = %v with the tip at %d", id, err, after)
			}
			for ap, err := range db.History(ctx, peel) {
				if err != nil || ap.Height() > tipOf(db) {
					fail("DB.History: %v at %v", err, ap.Tx)
				}
			}
			reads.Add(4)
		}
	}
	var wg sync.WaitGroup
	for i := range 3 {
		wg.Go(func() { reader(uint64(i)) })
	}
	st, err := db.Ingest(ctx, seq(blocks), nil)
	done.Store(true)
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	if firstErr != nil {
		t.Fatal(firstErr)
	}
	inside := 0
	for tip := range tips {
		if tip > 199 && tip < realTip {
			inside++
		}
	}
	t.Logf("%d reads at %d distinct tips while ingesting %d blocks in %v", reads.Load(), len(tips), st.Blocks, st.Elapsed)
	if inside < 2 {
		t.Fatalf("readers saw %d tips between the start and the end of the ingest; the test did not overlap them", inside)
	}
	if got := history(t, held, peel); len(got) != len(heldHist) || held.Tip() != 199 {
		t.Errorf("a snapshot taken at 199 now reads %d appearances at tip %d, had %d", len(got), held.Tip(), len(heldHist))
	}
	verify(t, db)
}
