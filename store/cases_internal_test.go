package store

import (
	"bytes"
	"context"
	"errors"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"testing"

	badger "github.com/dgraph-io/badger/v4"
)

func caseKeys(t *testing.T, db *DB) int {
	t.Helper()
	n := 0
	err := db.bdb.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte{tCase}})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			n++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestCases saves, lists, replaces and deletes cases, on disk across a
// reopen, with documents of several chunks.
func TestCases(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "db")
	db, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	big := make([]byte, 3*caseChunk+12345)
	for i := range big {
		big[i] = byte(rng.Uint32())
	}
	docs := map[string][]byte{"zaif": big, "zaif 2018 — BTC": []byte(`{"seeds":["1Fmw"]}`), "empty": {}}
	for name, doc := range docs {
		if err := db.PutCase(ctx, name, doc); err != nil {
			t.Fatal(name, err)
		}
	}
	if n := caseKeys(t, db); n != 3+4+1+1 {
		t.Errorf("%d case keys, want headers and chunks: 9", n)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if db, err = Open(dir, Options{}); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	names, err := db.Cases(ctx)
	if err != nil || !slices.Equal(names, []string{"empty", "zaif", "zaif 2018 — BTC"}) {
		t.Fatalf("Cases = %q, %v", names, err)
	}
	for name, doc := range docs {
		got, err := db.Case(ctx, name)
		if err != nil || !bytes.Equal(got, doc) {
			t.Errorf("%q: %d bytes, %v; want %d bytes", name, len(got), err, len(doc))
		}
	}
	// Replacing with a smaller document leaves no chunk of the old one.
	if err := db.PutCase(ctx, "zaif", []byte("small")); err != nil {
		t.Fatal(err)
	}
	if got, err := db.Case(ctx, "zaif"); err != nil || string(got) != "small" {
		t.Errorf("replaced: %q, %v", got, err)
	}
	if n := caseKeys(t, db); n != 3+3 {
		t.Errorf("%d case keys after replacing, want 6", n)
	}
	if err := db.DeleteCase(ctx, "zaif"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Case(ctx, "zaif"); !errors.Is(err, ErrNotFound) {
		t.Errorf("deleted case: %v, want ErrNotFound", err)
	}
	if n := caseKeys(t, db); n != 4 {
		t.Errorf("%d case keys after deleting, want 4", n)
	}
	if err := db.DeleteCase(ctx, "never saved"); err != nil {
		t.Errorf("deleting a missing case: %v", err)
	}
	for _, bad := range []string{"", "a\x00b", "tab\there", string(make([]byte, 201)), "\xff"} {
		if err := db.PutCase(ctx, bad, nil); !errors.Is(err, ErrCaseName) {
			t.Errorf("name %q: %v, want ErrCaseName", bad, err)
		}
	}
}

// TestCaseCrash: chunks of a new generation written without their header
// (a crash mid-PutCase) leave the old document readable, and the next
// PutCase removes them; a damaged chunk is reported, not returned.
func TestCaseCrash(t *testing.T) {
	ctx := context.Background()
	db, err := Open("", Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.PutCase(ctx, "c", []byte("old")); err != nil {
		t.Fatal(err)
	}
	err = db.bdb.Update(func(txn *badger.Txn) error {
		for i := range uint32(3) {
			if err := txn.Set(caseChunkKey("c", 2, i), []byte("half-written")); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := db.Case(ctx, "c"); err != nil || string(got) != "old" {
		t.Errorf("after a crash mid-write: %q, %v", got, err)
	}
	if err := db.PutCase(ctx, "c", []byte("new")); err != nil {
		t.Fatal(err)
	}
	if n := caseKeys(t, db); n != 2 {
		t.Errorf("%d case keys, want the header and one chunk", n)
	}
	h, _, err := db.caseHead("c")
	if err != nil {
		t.Fatal(err)
	}
	if err := db.bdb.Update(func(txn *badger.Txn) error { return txn.Set(caseChunkKey("c", h.gen, 0), []byte("nEw")) }); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Case(ctx, "c"); !errors.Is(err, ErrCorrupt) {
		t.Errorf("damaged chunk: %v, want ErrCorrupt", err)
	}
}
