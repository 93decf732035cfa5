package store

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"fmt"
	"slices"

	badger "github.com/dgraph-io/badger/v4"
	"github.com/dgraph-io/badger/v4/pb"
	"github.com/plumetrace/plume/chain"
)

// load writes entries, which sortForLoad has ordered, and syncs them to
// disk.
//
// Ingest goes through Badger's KVLoader rather than a WriteBatch. A
// WriteBatch collects a transaction's entries in a map and hands them to
// the memtable in random order, and random inserts into a large skiplist
// miss the cache on almost every level: profiles of ingest showed three
// quarters of Badger's time there. The loader keeps the order it is given,
// so sorted entries insert along a path the previous insert left in cache.
//
// The loader writes at an explicit version and without transaction
// markers. The version is that of a transaction committed just before, so
// new readers see the entries and every later transaction (a watermark, a
// recovery delete) supersedes them. Without markers a crash may keep any
// prefix of the entries; the store tolerates that by design (see doc.go),
// and reads filter by the watermark.
func (db *DB) load(entries []kv) error {
	if len(entries) == 0 {
		return nil
	}
	var version uint64
	err := db.bdb.Update(func(txn *badger.Txn) error { return txn.Set(keyLoad, nil) })
	if err == nil {
		txn := db.bdb.NewTransaction(false)
		version = txn.ReadTs()
		txn.Discard()
	}
	if err != nil {
		return fmt.Errorf("store: write: %w", err)
	}
	l := db.bdb.NewKVLoader(16)
	for _, e := range entries {
		if err := l.Set(&pb.KV{Key: e.k, Value: e.v, Version: version}); err != nil {
			return fmt.Errorf("store: write: %w", err)
		}
	}
	if err := l.Finish(); err != nil {
		return fmt.Errorf("store: write: %w", err)
	}
	if err := db.bdb.Sync(); err != nil {
		return fmt.Errorf("store: sync: %w", err)
	}
	return nil
}

// sortForLoad orders a batch for the loader: every transaction record
// first, then the entries derived from them, each run in key order. A crash
// keeps a prefix of what the loader wrote, and recover finds the derived
// entries above the watermark (address, txid, spend and unresolved keys,
// which do not sort by height) only through their records; in plain key
// order the 'A' and 'H' tables come before 'T', so a crash mid-load left
// entries that no record accounts for.
func sortForLoad(entries []kv) {
	n := 0
	for i := range entries {
		if isRecordKey(entries[i].k) {
			entries[n], entries[i] = entries[i], entries[n]
			n++
		}
	}
	byKey := func(a, b kv) int {
		if a.prefix != b.prefix {
			return cmp.Compare(a.prefix, b.prefix)
		}
		return bytes.Compare(a.k, b.k)
	}
	slices.SortFunc(entries[:n], byKey)
	slices.SortFunc(entries[n:], byKey)
}

// isRecordKey reports whether k is the key of a transaction record (a 'T'
// key of a transaction node, not of an output's spend).
func isRecordKey(k []byte) bool {
	if len(k) != 9 || k[0] != tTx {
		return false
	}
	_, isOut := chain.NodeOf(int64(binary.BigEndian.Uint64(k[1:])))
	return !isOut
}
