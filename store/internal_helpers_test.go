package store

import (
	"bytes"
	"context"
	"fmt"
	"iter"
	"reflect"
	"testing"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/plumetrace/plume/chain"
	"github.com/plumetrace/plume/internal/btcdata"
	"github.com/plumetrace/plume/source/blkfile"
)

// realBlocksFrom reads the real mainnet blocks from..to through blkfile.
func realBlocksFrom(tb testing.TB, from, to int32) []*chain.Block {
	tb.Helper()
	ctx := context.Background()
	path, err := btcdata.Path(btcdata.Blocks0To14131)
	if err != nil {
		tb.Fatal(err)
	}
	opts := blkfile.Options{}
	if from > 0 {
		// Find the start block's hash, then open a reader that starts
		// there, as for a pruned node's files.
		r, err := blkfile.Open(ctx, path, blkfile.Options{})
		if err != nil {
			tb.Fatal(err)
		}
		var hash chainhash.Hash
		for b, err := range r.Blocks(ctx, from) {
			if err != nil {
				tb.Fatal(err)
			}
			hash = b.Hash
			break
		}
		r.Close()
		opts = blkfile.Options{Start: &hash, StartHeight: from}
	}
	r, err := blkfile.Open(ctx, path, opts)
	if err != nil {
		tb.Fatal(err)
	}
	defer r.Close()
	var out []*chain.Block
	for b, err := range r.Blocks(ctx, from) {
		if err != nil {
			tb.Fatal(err)
		}
		if b.Height > to {
			break
		}
		out = append(out, b)
	}
	return out
}

func sliceSeq(bs []*chain.Block) iter.Seq2[*chain.Block, error] {
	return func(yield func(*chain.Block, error) bool) {
		for _, b := range bs {
			if !yield(b, nil) {
				return
			}
		}
	}
}

func diffKV(got, want []KV) string {
	for i := range min(len(got), len(want)) {
		if !bytes.Equal(got[i].Key, want[i].Key) || !bytes.Equal(got[i].Value, want[i].Value) {
			return fmt.Sprintf("entry %d: %x=%x, want %x=%x", i, got[i].Key, got[i].Value, want[i].Key, want[i].Value)
		}
	}
	if len(got) != len(want) {
		return fmt.Sprintf("%d entries, want %d", len(got), len(want))
	}
	return ""
}

// ingestInMemory returns an in-memory store holding blocks, closed when
// the test ends.
func ingestInMemory(t testing.TB, blocks []*chain.Block) *DB {
	t.Helper()
	db, err := Open("", Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Ingest(context.Background(), sliceSeq(blocks), nil); err != nil {
		t.Fatal(err)
	}
	return db
}

// sameAs fails the test unless db holds what want holds.
func sameAs(t *testing.T, db, want *DB) {
	t.Helper()
	a, err := Dump(db)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Dump(want)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(a, b) {
		t.Fatalf("the store holds %d entries, a clean ingest %d, and they differ", len(a), len(b))
	}
}

// openIn opens a store in dir (InMemory in opts: in memory), closed when
// the test ends if the test has not closed it.
func openIn(t testing.TB, dir string, opts Options) *DB {
	t.Helper()
	db, err := Open(dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}
