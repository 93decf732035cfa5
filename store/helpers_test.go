package store_test

import (
	"bytes"
	"context"
	"fmt"
	"iter"
	"sync"
	"testing"

	"github.com/plumetrace/plume/chain"
	"github.com/plumetrace/plume/internal/btcdata"
	"github.com/plumetrace/plume/source/blkfile"
	"github.com/plumetrace/plume/store"
)

// realTip is the last height of the real record file btcdata.Blocks0To14131.
const (
	realTip = 14131
	realTxs = 14247
)

// realPath returns the path of the real mainnet record file (heights
// 0..14131) in the btcd module.
func realPath(t testing.TB) string {
	t.Helper()
	p, err := btcdata.Path(btcdata.Blocks0To14131)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// realChain holds the real blocks, read once through blkfile: tests that
// split, repeat or tamper with the stream slice it rather than reread the
// file. Ingest only reads the blocks it is given, so they are shared.
var realChain = sync.OnceValues(func() ([]*chain.Block, error) {
	p, err := btcdata.Path(btcdata.Blocks0To14131)
	if err != nil {
		return nil, err
	}
	ctx := context.Background()
	r, err := blkfile.Open(ctx, p, blkfile.Options{})
	if err != nil {
		return nil, err
	}
	defer r.Close()
	var out []*chain.Block
	for b, err := range r.Blocks(ctx, 0) {
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, nil
})

// realBlocks returns the real blocks 0..14131; index i holds height i.
func realBlocks(t testing.TB) []*chain.Block {
	t.Helper()
	blocks, err := realChain()
	if err != nil {
		t.Fatal(err)
	}
	if len(blocks) != realTip+1 {
		t.Fatalf("read %d real blocks, want %d", len(blocks), realTip+1)
	}
	return blocks
}

// openReal opens a blkfile reader over the real file with opts.
func openReal(t testing.TB, opts blkfile.Options) *blkfile.Reader {
	t.Helper()
	r, err := blkfile.Open(context.Background(), realPath(t), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

// seq streams blocks as a source would.
func seq(blocks []*chain.Block) iter.Seq2[*chain.Block, error] {
	return func(yield func(*chain.Block, error) bool) {
		for _, b := range blocks {
			if !yield(b, nil) {
				return
			}
		}
	}
}

// failAfter streams blocks, then err.
func failAfter(blocks []*chain.Block, err error) iter.Seq2[*chain.Block, error] {
	return func(yield func(*chain.Block, error) bool) {
		for _, b := range blocks {
			if !yield(b, nil) {
				return
			}
		}
		yield(nil, err)
	}
}

// openDB opens a store in dir (ignored for InMemory) and closes it when
// the test ends.
func openDB(t testing.TB, dir string, opts store.Options) *store.DB {
	t.Helper()
	db, err := store.Open(dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// memDB opens an in-memory mainnet store.
func memDB(t testing.TB) *store.DB {
	t.Helper()
	return openDB(t, "", store.Options{InMemory: true})
}

// ingest feeds blocks to db and fails the test on an error.
func ingest(t testing.TB, db *store.DB, blocks iter.Seq2[*chain.Block, error]) store.IngestStats {
	t.Helper()
	st, err := db.Ingest(context.Background(), blocks, nil)
	if err != nil {
		t.Fatalf("ingest: %v", err)
	}
	return st
}

// verify fails the test unless db.Verify passes.
func verify(t testing.TB, db *store.DB) {
	t.Helper()
	if err := db.Verify(context.Background()); err != nil {
		t.Fatalf("Verify: %v", err)
	}
}

// tipOf returns db's tip height, -1 for an empty store.
func tipOf(db *store.DB) int32 {
	tip, _ := db.Tip()
	return tip.Height
}

// dump returns db's logical content (see store.Dump).
func dump(t testing.TB, db *store.DB) []store.KV {
	t.Helper()
	d, err := store.Dump(db)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// diffDump describes the first difference between two dumps, or "".
func diffDump(got, want []store.KV) string {
	for i := range min(len(got), len(want)) {
		g, w := got[i], want[i]
		if !bytes.Equal(g.Key, w.Key) {
			return fmt.Sprintf("entry %d: key %x, want %x", i, g.Key, w.Key)
		}
		if !bytes.Equal(g.Value, w.Value) {
			return fmt.Sprintf("entry %d, key %x: value %x, want %x", i, g.Key, g.Value, w.Value)
		}
	}
	switch {
	case len(got) > len(want):
		return fmt.Sprintf("%d entries, want %d; first extra key %x", len(got), len(want), got[len(want)].Key)
	case len(got) < len(want):
		return fmt.Sprintf("%d entries, want %d; first missing key %x", len(got), len(want), want[len(got)].Key)
	}
	return ""
}

// sameDump fails the test unless db dumps exactly want.
func sameDump(t testing.TB, db *store.DB, want []store.KV) {
	t.Helper()
	if d := diffDump(dump(t, db), want); d != "" {
		t.Fatalf("store content differs: %s", d)
	}
}

// mustAddr parses a mainnet address.
func mustAddr(t testing.TB, s string) chain.Address {
	t.Helper()
	a, err := chain.Mainnet.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// history collects db's history of a.
func history(t testing.TB, db interface {
	History(context.Context, chain.Address) iter.Seq2[chain.Appearance, error]
}, a chain.Address) []chain.Appearance {
	t.Helper()
	var out []chain.Appearance
	for ap, err := range db.History(context.Background(), a) {
		if err != nil {
			t.Fatalf("History(%v): %v", a, err)
		}
		out = append(out, ap)
	}
	return out
}

// sameAppearance reports whether two appearances are equal.
func sameAppearance(a, b chain.Appearance) bool {
	return a.Tx == b.Tx && a.Index == b.Index && a.Spend == b.Spend && a.Value == b.Value &&
		a.Prev == b.Prev && a.Time.Equal(b.Time)
}
