package store

import (
	"bytes"

	badger "github.com/dgraph-io/badger/v4"
)

// KV is one stored key and its value.
type KV struct{ Key, Value []byte }

// Dump returns every key and value the store holds, in key order, except
// the load marker 'M' 'l', whose value is empty but whose version changes
// with every flush. Two stores built from the same blocks must dump the
// same, byte for byte, however their ingests were split or interrupted.
func Dump(db *DB) ([]KV, error) {
	var out []KV
	err := db.bdb.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.DefaultIteratorOptions)
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			k := it.Item().KeyCopy(nil)
			if bytes.Equal(k, keyLoad) {
				continue
			}
			v, err := it.Item().ValueCopy(nil)
			if err != nil {
				return err
			}
			out = append(out, KV{k, v})
		}
		return nil
	})
	return out, err
}
