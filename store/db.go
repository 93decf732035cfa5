package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	badger "github.com/dgraph-io/badger/v4"
	"github.com/dgraph-io/badger/v4/options"
	"github.com/plumetrace/plume/chain"
)

// SchemaVersion is the version of the on-disk layout described in doc.go.
// A store written with another version is refused with ErrSchema.
const SchemaVersion = 2

// DB is a plume store: the index of record for blocks, transactions, spends
// and address histories. All methods are safe for concurrent use; one
// Ingest runs at a time and readers see whole blocks only.
type DB struct {
	bdb    *badger.DB
	opts   Options
	params *chain.Params
	unlock func()

	ingestMu sync.Mutex // one writer
	utxo     *utxoCache // owned by the writer
	addrs    *addrCache // owned by the writer
	// filter is owned by the writer, built once newLookups (lookups in
	// Badger of addresses that were new) show it pays (see filterAfter).
	filter     *addrFilter
	newLookups int
	filterAt   int // tests: build the filter after this many instead
	// disconnects counts the Disconnects that removed blocks, so that a
	// snapshot knows when the cached block times may have changed under
	// it (see Snapshot.blockTime).
	disconnects atomic.Uint64
	// writeFault, set by tests, fails a batch write (a full disk, say)
	// after storing the part of the batch it returns.
	writeFault func([]kv) ([]kv, error)
	clusters   clusters

	mark   atomic.Pointer[watermark]
	timesM sync.RWMutex
	times  []int64 // block times by height-timesBase
	tbase  int32

	// opMu guards closed, ops and snaps. Every read holds an op, and Close
	// waits for running ops before it closes Badger, whose iterators panic
	// on a closed database.
	opMu   sync.Mutex
	opDone *sync.Cond
	ops    int
	closed bool
	snaps  map[*Snapshot]struct{}

	// caseMu serialises writers of saved cases (cases.go), which read a
	// header before they replace it.
	caseMu sync.Mutex
}

func (db *DB) acquire() bool {
	db.opMu.Lock()
	defer db.opMu.Unlock()
	if db.closed {
		return false
	}
	db.ops++
	return true
}

func (db *DB) release() {
	db.opMu.Lock()
	if db.ops--; db.ops == 0 {
		db.opDone.Broadcast()
	}
	db.opMu.Unlock()
}

// watermark is the durable state ingest has reached: the tip, and the
// next address ID to assign.
type watermark struct {
	tip  Tip
	next AddrID
}

func appendWatermark(b []byte, w watermark) []byte {
	b = appendU32(b, uint32(w.tip.Height))
	b = append(b, w.tip.Hash[:]...)
	return appendU64(b, uint64(w.next))
}

// Tip is the last block a store holds in full.
type Tip struct {
	Height int32
	Hash   chainhash.Hash
}

// Open opens or creates the store in dir.
func Open(dir string, opts Options) (*DB, error) {
	opts = opts.withDefaults()
	db := &DB{opts: opts, params: opts.Params, unlock: func() {}, snaps: make(map[*Snapshot]struct{})}
	db.opDone = sync.NewCond(&db.opMu)
	// Tuned on the synthetic ingest benchmark (2 cores): compaction, not
	// inserting, dominates once the store outgrows a few memtables, so
	// larger tables, a larger first level and a deeper level 0 cut write
	// amplification (29k → 41k tx/s at 1M transactions, before address
	// IDs added a third more entries). Values are small and random, so
	// compression costs more than it saves.
	bo := badger.DefaultOptions(dir).
		WithLogger(badgerLogger{opts.Logger}).
		WithBlockCacheSize(opts.BlockCacheBytes).
		WithCompression(options.None).
		WithMemTableSize(64 << 20).
		WithBaseTableSize(8 << 20).
		WithBaseLevelSize(256 << 20).
		WithNumLevelZeroTables(16).
		WithNumLevelZeroTablesStall(40).
		WithNumCompactors(2).
		WithDetectConflicts(false).
		WithMetricsEnabled(false)
	if opts.InMemory {
		bo = bo.WithDir("").WithValueDir("").WithInMemory(true)
	} else {
		// Transaction records (a few hundred bytes: the raw transaction)
		// go to the value log and the tree holds pointers to them: written
		// once instead of again at every compaction. Every other value is
		// a few bytes and stays in the tree. Ingest of 1M transactions:
		// 29k → 40k tx/s, 1.3 → 0.8 GB heap; Follow from the store read no
		// slower. In-memory Badger has no value log.
		bo = bo.WithValueThreshold(256)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("store: %w", err)
		}
		unlock, err := lockDir(dir)
		if err != nil {
			return nil, err
		}
		db.unlock = unlock
		if err := removeEmptyLogs(dir); err != nil {
			db.unlock()
			return nil, err
		}
	}
	bdb, err := badger.Open(bo)
	if err != nil {
		db.unlock()
		return nil, fmt.Errorf("store: open %s: %w", dir, err)
	}
	db.bdb = bdb
	if err := db.init(); err != nil {
		bdb.Close()
		db.unlock()
		return nil, err
	}
	db.utxo = newUTXOCache(opts.UTXOCacheBytes)
	db.addrs = newAddrCache(opts.AddrCacheBytes)
	return db, nil
}

// removeEmptyLogs deletes value log and memtable files (*.vlog, *.mem) of
// length zero. Badger (v4.9.6) creates one of each on every open, and a
// memtable file at every rotation, and sizes the file just after creating
// it; a process killed between the two leaves an empty file that Badger
// then refuses to open ("Create a new file"), so the store could not be
// opened again. An empty file holds nothing: removing it leaves what a kill
// a moment earlier would have. The caller holds the directory lock.
func removeEmptyLogs(dir string) error {
	for _, pattern := range []string{"*.vlog", "*.mem"} {
		files, err := filepath.Glob(filepath.Join(dir, pattern))
		if err != nil {
			return fmt.Errorf("store: %w", err)
		}
		for _, f := range files {
			if fi, err := os.Stat(f); err == nil && fi.Size() == 0 {
				if err := os.Remove(f); err != nil {
					return fmt.Errorf("store: %w", err)
				}
			}
		}
	}
	return nil
}

// init checks or writes the meta record, loads the tip and block times, and
// removes whatever an interrupted ingest wrote above the watermark.
func (db *DB) init() error {
	meta := binary.AppendUvarint(nil, SchemaVersion)
	meta = append(meta, db.params.GenesisHash[:]...)
	meta = append(meta, db.params.Name...)
	err := db.bdb.Update(func(txn *badger.Txn) error {
		item, err := txn.Get(keyMeta)
		if errors.Is(err, badger.ErrKeyNotFound) {
			return txn.Set(keyMeta, meta)
		}
		if err != nil {
			return err
		}
		return item.Value(func(v []byte) error {
			ver, n := binary.Uvarint(v)
			if n <= 0 || ver != SchemaVersion {
				return fmt.Errorf("%w: store has %d, this plume reads %d", ErrSchema, ver, SchemaVersion)
			}
			if len(v) < n+32 || string(v[n:n+32]) != string(db.params.GenesisHash[:]) {
				name := "an unknown network"
				if len(v) > n+32 {
					name = string(v[n+32:])
				}
				return fmt.Errorf("%w: store is for %s, opened for %s", ErrWrongNetwork, name, db.params.Name)
			}
			return nil
		})
	})
	if err != nil {
		return err
	}
	if err := db.loadTip(); err != nil {
		return err
	}
	if err := db.recover(); err != nil {
		return err
	}
	return db.loadTimes()
}

func (db *DB) loadTip() error {
	return db.bdb.View(func(txn *badger.Txn) error {
		item, err := txn.Get(keyTip)
		if errors.Is(err, badger.ErrKeyNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		return item.Value(func(v []byte) error {
			if len(v) != 44 {
				return fmt.Errorf("%w: tip record", ErrCorrupt)
			}
			w := &watermark{tip: Tip{Height: int32(binary.BigEndian.Uint32(v))}, next: AddrID(binary.BigEndian.Uint64(v[36:]))}
			copy(w.tip.Hash[:], v[4:36])
			db.mark.Store(w)
			return nil
		})
	})
}

func (db *DB) loadTimes() error {
	return db.bdb.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte{tBlock}})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			h, err := decodeBlockKey(it.Item().Key())
			if err != nil {
				return fmt.Errorf("%w: %v", ErrCorrupt, err)
			}
			var rec blockRecord
			if err := it.Item().Value(func(v []byte) error {
				rec, err = decodeBlockRecord(v)
				return err
			}); err != nil {
				return fmt.Errorf("%w: block %d: %v", ErrCorrupt, h, err)
			}
			db.appendTime(h, rec.header.Timestamp.Unix())
		}
		return nil
	})
}

func (db *DB) appendTime(height int32, t int64) {
	db.timesM.Lock()
	defer db.timesM.Unlock()
	if len(db.times) == 0 {
		db.tbase = height
	}
	if i := int(height - db.tbase); i == len(db.times) {
		db.times = append(db.times, t)
	} else if i >= 0 && i < len(db.times) {
		db.times[i] = t
	}
}

func (db *DB) truncateTimes(height int32) {
	db.timesM.Lock()
	defer db.timesM.Unlock()
	if i := int(height - db.tbase); i >= 0 && i < len(db.times) {
		db.times = db.times[:i]
	}
}

// blockTime returns the timestamp of the block at height.
func (db *DB) blockTime(height int32) time.Time {
	db.timesM.RLock()
	defer db.timesM.RUnlock()
	if i := int(height - db.tbase); i >= 0 && i < len(db.times) {
		return time.Unix(db.times[i], 0).UTC()
	}
	return time.Time{}
}

// Params returns the store's network.
func (db *DB) Params() *chain.Params { return db.params }

// Tip returns the last block the store holds in full; ok is false for an
// empty store.
func (db *DB) Tip() (tip Tip, ok bool) {
	if w := db.mark.Load(); w != nil {
		return w.tip, true
	}
	return Tip{Height: -1}, false
}

// nextID returns the next address ID to assign as of the durable tip.
func (db *DB) nextID() AddrID {
	if w := db.mark.Load(); w != nil {
		return w.next
	}
	return 0
}

// Close closes the store. Reads that start afterwards return ErrClosed; a
// running Ingest stops at its next read with ErrClosed after storing what it
// completed. Close waits for running reads, so it must not be called from
// inside a History loop.
func (db *DB) Close() error {
	db.opMu.Lock()
	if db.closed {
		db.opMu.Unlock()
		return nil
	}
	db.closed = true
	for db.ops > 0 {
		db.opDone.Wait()
	}
	db.opMu.Unlock()
	db.ingestMu.Lock()
	defer db.ingestMu.Unlock()
	db.opMu.Lock()
	for s := range db.snaps {
		s.release()
	}
	clear(db.snaps)
	db.opMu.Unlock()
	if !db.opts.InMemory {
		// Deleted and rewritten cases and cache entries, and disconnected
		// blocks' records, leave dead values in the value log. Badger
		// knows from compaction how much of each file is dead and rewrites
		// only a file at least half dead, so this costs nothing in the
		// usual case.
		for db.bdb.RunValueLogGC(0.5) == nil {
		}
	}
	err := db.bdb.Close()
	db.unlock()
	return err
}

func (db *DB) isClosed() bool {
	db.opMu.Lock()
	defer db.opMu.Unlock()
	return db.closed
}

// badgerLogger passes Badger's warnings and errors to a slog.Logger and
// drops its chatter.
type badgerLogger struct{ l *slog.Logger }

func (b badgerLogger) Errorf(f string, a ...any) {
	if b.l != nil {
		b.l.Error("badger: " + strings.TrimSpace(fmt.Sprintf(f, a...)))
	}
}

func (b badgerLogger) Warningf(f string, a ...any) {
	if b.l != nil {
		b.l.Warn("badger: " + strings.TrimSpace(fmt.Sprintf(f, a...)))
	}
}

func (badgerLogger) Infof(string, ...any)  {}
func (badgerLogger) Debugf(string, ...any) {}

// clustersLoaded rebuilds the clustering from the stored groups if it is
// not in memory.
func (db *DB) clustersLoaded() error {
	c := &db.clusters
	c.mu.RLock()
	ok := c.loaded
	c.mu.RUnlock()
	if ok {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.loaded {
		return nil
	}
	return c.load(db)
}
