package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"testing"

	badger "github.com/dgraph-io/badger/v4"
)

// TestSchemaRefused: a store written by a plume with another key layout
// is refused with ErrSchema naming both versions, and left as it was.
func TestSchemaRefused(t *testing.T) {
	dir := t.TempDir()
	db, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var meta []byte
	err = db.bdb.Update(func(txn *badger.Txn) error {
		item, err := txn.Get(keyMeta)
		if err != nil {
			return err
		}
		v, err := item.ValueCopy(nil)
		if err != nil {
			return err
		}
		_, n := binary.Uvarint(v)
		meta = append(binary.AppendUvarint(nil, SchemaVersion+1), v[n:]...)
		return txn.Set(keyMeta, meta)
	})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	for range 2 { // refusing changes nothing: the second open is refused alike
		_, err = Open(dir, Options{})
		if !errors.Is(err, ErrSchema) {
			t.Fatalf("Open of a version %d store: %v, want ErrSchema", SchemaVersion+1, err)
		}
		for _, s := range []string{fmt.Sprintf("store has %d", SchemaVersion+1), fmt.Sprintf("reads %d", SchemaVersion)} {
			if !strings.Contains(err.Error(), s) {
				t.Errorf("error %q does not say %q", err, s)
			}
		}
	}
}
