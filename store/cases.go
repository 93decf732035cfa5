package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"unicode"
	"unicode/utf8"

	badger "github.com/dgraph-io/badger/v4"
)

// A case is an investigation a tool saved under a name (plume's command
// keeps its seeds, options and trace there), so that reports and exports
// reuse it without tracing again. The store keeps the document as bytes
// and knows nothing of its format: store never imports trace.
//
// A traced flow of a large theft runs to megabytes, more than one Badger
// transaction takes, so a document is written in chunks under a new
// generation and becomes visible when its header, which names the
// generation, is set: a crash mid-write leaves the previous document
// whole.
//
//	header 'S' name 0x00                 generation (8), chunks (4), length (8), SHA-256 (32)
//	chunk  'S' name 0x01 generation(8)   the document's bytes from chunk × caseChunk
//	       chunk(4)
//
// Names are printable UTF-8 without control characters, so the byte after
// the name is always the separator.

const (
	caseChunk   = 1 << 20
	caseHeader  = 0x00
	caseChunks  = 0x01
	maxCaseName = 200
)

// ErrCaseName is wrapped by the error for a name a case cannot have.
var ErrCaseName = errors.New("store: invalid case name")

func checkCaseName(name string) error {
	if name == "" || len(name) > maxCaseName || !utf8.ValidString(name) {
		return fmt.Errorf("%w %q: 1 to %d bytes of UTF-8", ErrCaseName, name, maxCaseName)
	}
	for _, r := range name {
		if unicode.IsControl(r) {
			return fmt.Errorf("%w %q: control characters are not allowed", ErrCaseName, name)
		}
	}
	return nil
}

func caseKey(name string, part byte) []byte {
	return append(append([]byte{tCase}, name...), part)
}

func caseChunkKey(name string, gen uint64, i uint32) []byte {
	return appendU32(appendU64(caseKey(name, caseChunks), gen), i)
}

type caseHead struct {
	gen    uint64
	chunks uint32
	length uint64
	sum    [32]byte
}

func (h *caseHead) encode() []byte {
	b := appendU64(nil, h.gen)
	b = appendU32(b, h.chunks)
	b = appendU64(b, h.length)
	return append(b, h.sum[:]...)
}

func decodeCaseHead(name string, v []byte) (caseHead, error) {
	if len(v) != 8+4+8+32 {
		return caseHead{}, fmt.Errorf("%w: case %q: header of %d bytes", ErrCorrupt, name, len(v))
	}
	h := caseHead{gen: binary.BigEndian.Uint64(v), chunks: binary.BigEndian.Uint32(v[8:]), length: binary.BigEndian.Uint64(v[12:])}
	copy(h.sum[:], v[20:])
	return h, nil
}

// PutCase saves doc under name, replacing the case of that name if there
// is one. The replacement is atomic: readers see the old document or the
// new one, also after a crash.
func (db *DB) PutCase(ctx context.Context, name string, doc []byte) error {
	if err := checkCaseName(name); err != nil {
		return err
	}
	if !db.acquire() {
		return ErrClosed
	}
	defer db.release()
	db.caseMu.Lock()
	defer db.caseMu.Unlock()
	old, _, err := db.caseHead(name)
	if err != nil {
		return err
	}
	h := caseHead{gen: old.gen + 1, length: uint64(len(doc)), sum: sha256.Sum256(doc)}
	wb := db.bdb.NewWriteBatch()
	defer wb.Cancel()
	for off := 0; off < len(doc) || (off == 0 && len(doc) == 0); off += caseChunk {
		if err := ctx.Err(); err != nil {
			return err
		}
		part := doc[off:min(off+caseChunk, len(doc))]
		if err := wb.Set(caseChunkKey(name, h.gen, h.chunks), bytes.Clone(part)); err != nil {
			return err
		}
		h.chunks++
		if len(doc) == 0 {
			break
		}
	}
	if err := wb.Flush(); err != nil {
		return err
	}
	if err := db.bdb.Update(func(txn *badger.Txn) error { return txn.Set(caseKey(name, caseHeader), h.encode()) }); err != nil {
		return err
	}
	// The old generation is unreachable now; a crash before this leaves
	// only garbage, which the next PutCase of the name removes.
	return db.dropCaseChunks(name, h.gen, h.chunks)
}

// caseHead reads name's header; found is false if there is none.
func (db *DB) caseHead(name string) (h caseHead, found bool, err error) {
	err = db.bdb.View(func(txn *badger.Txn) error {
		item, err := txn.Get(caseKey(name, caseHeader))
		if errors.Is(err, badger.ErrKeyNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		found = true
		return item.Value(func(v []byte) error {
			h, err = decodeCaseHead(name, v)
			return err
		})
	})
	return h, found, err
}

// dropCaseChunks deletes every chunk of name but the first n of generation
// keep.
func (db *DB) dropCaseChunks(name string, keep uint64, n uint32) error {
	prefix := caseKey(name, caseChunks)
	var stale [][]byte
	err := db.bdb.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			k := it.Item().Key()
			if len(k) != len(prefix)+12 || binary.BigEndian.Uint64(k[len(prefix):]) != keep || binary.BigEndian.Uint32(k[len(prefix)+8:]) >= n {
				stale = append(stale, it.Item().KeyCopy(nil))
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	wb := db.bdb.NewWriteBatch()
	defer wb.Cancel()
	for _, k := range stale {
		if err := wb.Delete(k); err != nil {
			return err
		}
	}
	return wb.Flush()
}

// Case returns the document saved under name, or an error wrapping
// ErrNotFound.
func (db *DB) Case(ctx context.Context, name string) ([]byte, error) {
	if err := checkCaseName(name); err != nil {
		return nil, err
	}
	if !db.acquire() {
		return nil, ErrClosed
	}
	defer db.release()
	var doc []byte
	err := db.bdb.View(func(txn *badger.Txn) error {
		item, err := txn.Get(caseKey(name, caseHeader))
		if errors.Is(err, badger.ErrKeyNotFound) {
			return fmt.Errorf("%w: no case %q", ErrNotFound, name)
		}
		if err != nil {
			return err
		}
		v, err := item.ValueCopy(nil)
		if err != nil {
			return err
		}
		h, err := decodeCaseHead(name, v)
		if err != nil {
			return err
		}
		doc = make([]byte, 0, min(h.length, 1<<30))
		for i := range h.chunks {
			if err := ctx.Err(); err != nil {
				return err
			}
			item, err := txn.Get(caseChunkKey(name, h.gen, i))
			if err != nil {
				return fmt.Errorf("%w: case %q: chunk %d of %d: %v", ErrCorrupt, name, i, h.chunks, err)
			}
			if err := item.Value(func(v []byte) error { doc = append(doc, v...); return nil }); err != nil {
				return err
			}
		}
		if uint64(len(doc)) != h.length || sha256.Sum256(doc) != h.sum {
			return fmt.Errorf("%w: case %q: the document does not match its checksum", ErrCorrupt, name)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return doc, nil
}

// Cases returns the names of the saved cases, sorted.
func (db *DB) Cases(ctx context.Context) ([]string, error) {
	if !db.acquire() {
		return nil, ErrClosed
	}
	defer db.release()
	var names []string
	err := db.bdb.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte{tCase}})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			if err := ctx.Err(); err != nil {
				return err
			}
			// The first control byte ends the name: a header's is its
			// last byte, a chunk's (0x01) is followed by more.
			k := it.Item().Key()[1:]
			if n := bytes.IndexFunc(k, func(r rune) bool { return r < 0x20 }); n > 0 && n == len(k)-1 && k[n] == caseHeader {
				names = append(names, string(k[:n]))
			}
		}
		return nil
	})
	return names, err
}

// DeleteCase removes the case saved under name; removing a case that does
// not exist is not an error.
func (db *DB) DeleteCase(ctx context.Context, name string) error {
	if err := checkCaseName(name); err != nil {
		return err
	}
	if !db.acquire() {
		return ErrClosed
	}
	defer db.release()
	db.caseMu.Lock()
	defer db.caseMu.Unlock()
	if err := db.bdb.Update(func(txn *badger.Txn) error { return txn.Delete(caseKey(name, caseHeader)) }); err != nil {
		return err
	}
	return db.dropCaseChunks(name, 0, 0)
}
