package store

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/plumetrace/plume/chain"
)

// TestRecoverAnyLoadPrefix checks the premise of crash recovery without
// timing luck. The loader writes without transaction markers, so a process
// killed during a flush leaves any prefix of the batch in Badger, above the
// watermark. For a batch of real blocks and for prefixes ending at every
// table boundary and at regular steps between, it writes just that prefix,
// reopens the store, and requires that Open restored it exactly as of the
// tip (Verify passes and the content equals the store before the batch),
// and that ingest then resumes to the same store as one without the crash.
func TestRecoverAnyLoadPrefix(t *testing.T) {
	all := realBlocksFrom(t, 0, 2600)
	// Blocks 170..2600 hold the first payments, so the batch has spends of
	// outputs below the watermark as well as of its own. A store that
	// starts at 1000 also has unresolved inputs in the batch ('U' keys).
	for _, start := range []int32{0, 1000} {
		if testing.Short() && start == 0 {
			continue // 1000 has every kind of entry
		}
		t.Run(fmt.Sprintf("from-%d", start), func(t *testing.T) { testRecoverPrefix(t, all[start:]) })
	}
}

func testRecoverPrefix(t *testing.T, blocks []*chain.Block) {
	ctx := context.Background()
	const tip = 2000
	first := blocks[0].Height
	base, full := blocks[:tip+1-first], blocks

	ingestInto := func(dir string, bs []*chain.Block) *DB {
		t.Helper()
		db, err := Open(dir, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Ingest(ctx, sliceSeq(bs), nil); err != nil {
			t.Fatal(err)
		}
		return db
	}
	dumpOf := func(db *DB) []KV {
		t.Helper()
		d, err := Dump(db)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	db := ingestInto(t.TempDir(), base)
	wantBase := dumpOf(db)
	db.Close()
	db = ingestInto(t.TempDir(), full)
	wantFull := dumpOf(db)
	db.Close()

	// stage returns the sorted batch ingest would load for blocks tip+1..
	stage := func(db *DB) []kv {
		in := newIngester(ctx, db)
		defer in.view.Close()
		for _, b := range full[tip+1-first:] {
			if err := in.block(b); err != nil {
				t.Fatal(err)
			}
		}
		sortForLoad(in.batch)
		return in.batch
	}
	probe := stage(ingestInto(t.TempDir(), base))
	cuts := []int{0, 1, len(probe) - 1}
	tables := map[string]bool{}
	for i := 1; i < len(probe); i++ {
		if probe[i].k[0] != probe[i-1].k[0] || isRecordKey(probe[i].k) != isRecordKey(probe[i-1].k) {
			cuts = append(cuts, i, i+1)
		}
		tables[fmt.Sprintf("%c%v", probe[i].k[0], isRecordKey(probe[i].k))] = true
	}
	if want := 6; len(tables) < want && first > 0 {
		t.Fatalf("the batch has %d kinds of entries (%v), want %d", len(tables), tables, want)
	}
	for i := 1; i < 8; i++ {
		cuts = append(cuts, len(probe)*i/8)
	}
	slices.Sort(cuts)
	cuts = slices.Compact(cuts)

	for _, n := range cuts {
		t.Run(fmt.Sprintf("prefix-%d-of-%d", n, len(probe)), func(t *testing.T) {
			dir := t.TempDir()
			db := ingestInto(dir, base)
			batch := stage(db)
			if err := db.load(batch[:n]); err != nil {
				t.Fatal(err)
			}
			db.Close() // as a crash would, the watermark stays at tip

			db, err := Open(dir, Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if got, _ := db.Tip(); got.Height != tip {
				t.Fatalf("tip %d after reopening, want %d", got.Height, tip)
			}
			if err := db.Verify(ctx); err != nil {
				t.Fatalf("Verify after a crash that kept %d of %d entries: %v", n, len(batch), err)
			}
			if d := diffKV(dumpOf(db), wantBase); d != "" {
				t.Fatalf("after recovery: %s", d)
			}
			if _, err := db.Ingest(ctx, sliceSeq(full), nil); err != nil {
				t.Fatal(err)
			}
			if d := diffKV(dumpOf(db), wantFull); d != "" {
				t.Fatalf("after resuming: %s", d)
			}
		})
	}
}
