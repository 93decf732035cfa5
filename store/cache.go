package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"iter"
	"sync"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"
	badger "github.com/dgraph-io/badger/v4"

	"github.com/plumetrace/plume/chain"
)

// The cache keeps what a remote source answered in the store's Badger,
// in a table of its own that ingest, Verify and Disconnect never touch,
// so cached answers are never mistaken for the chain the store indexed.
// Keys are chain positions, txids and addresses, so writing an answer
// again overwrites it with the same key.
//
//	table  key bytes                               value
//	ctx    'C' 't' TxID(8)                         version (1) = 1, fetched (8, Unix ns), flags (1: bit0 block time
//	                                               known), [block time (8, Unix s)], txid (32), uvarint length,
//	                                               serialized tx with witness, uvarint prevout count + 1 (0: none),
//	                                               each prevout as in the tx record, uvarint output count + 1
//	                                               (0: spenders unknown), per output spender TxID (8) and input
//	                                               index (4), zero when unspent
//	ctxid  'C' 'h' txid(32)                        fetched (8), then each TxID (8) in chain order
//	chist  'C' 'a' kind(1) hash(20|32)             fetched (8), uvarint appearance count: a history's header
//	chist  'C' 'a' kind(1) hash(20|32) TxID(8)     uvarint value, uvarint block time (Unix s, 0 when unknown),
//	           dir(1) index(4)                     uvarint node of the spent output (0 for a receipt or unknown)
//
// A history is written entries first and header last, after the header
// of the snapshot it replaces was deleted, so a crash leaves either a
// whole snapshot or none (a miss). An entry that does not decode, or
// has another version, is a miss too: the cache is disposable.
const (
	cacheTable   = 'C'
	cacheTxSub   = 't'
	cacheTxIDSub = 'h'
	cacheHistSub = 'a'
	cacheVersion = 1
)

// RemoteSource is a source that costs something to ask, typically a
// network API (source/esplora's client). It has the shape of
// trace.Source, which store does not import.
type RemoteSource interface {
	Tx(ctx context.Context, id chain.TxID) (*chain.Tx, error)
	TxIDs(ctx context.Context, hash chainhash.Hash) ([]chain.TxID, error)
	History(ctx context.Context, addr chain.Address) iter.Seq2[chain.Appearance, error]
}

// CacheOptions configure Cache. The zero value keeps every answer for
// good, so a case traced once is traced again the same, offline.
type CacheOptions struct {
	// MaxAge is how long a cached answer that can change is trusted: a
	// transaction with an output not yet spent (its SpentBy is a snapshot
	// of the remote's knowledge at fetch time) and an address history.
	// Older ones are fetched again. 0 means forever. A transaction whose
	// every output is spent or unspendable, and a txid's positions, are
	// final and kept regardless.
	MaxAge time.Duration
	// Now tells the time; nil means time.Now. For tests.
	Now func() time.Time
}

// CachedSource answers Tx, TxIDs and History from the store's cache
// table, asking the remote source only for what it does not hold (or
// holds for longer than MaxAge), and keeps every answer: a case traced
// twice asks the remote once. It satisfies trace.Source, and is safe for
// concurrent use.
//
// The cache trusts chain positions for good: a transaction cached a few
// blocks below the remote's tip keeps its TxID even if a reorganisation
// moves it. Forget drops everything cached; TxFetched and HistoryFetched
// say how old an answer is, for a report's provenance.
type CachedSource struct {
	db     *DB
	remote RemoteSource
	opts   CacheOptions
	// locks serialise rewrites of one address's history (striped by
	// address), never held while the caller's loop runs.
	locks [64]sync.Mutex
}

// Cache returns a source that caches remote's answers in db. The remote
// must be on db's network. Reads of the cache take no locks the store's
// other readers or Ingest wait for.
func Cache(db *DB, remote RemoteSource, opts CacheOptions) *CachedSource {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &CachedSource{db: db, remote: remote, opts: opts}
}

func cacheTxKey(id chain.TxID) []byte {
	return appendU64([]byte{cacheTable, cacheTxSub}, uint64(id))
}

func cacheTxIDKey(h chainhash.Hash) []byte {
	return append([]byte{cacheTable, cacheTxIDSub}, h[:]...)
}

func cacheHistKey(a chain.Address) []byte {
	return a.AppendKey([]byte{cacheTable, cacheHistSub})
}

// stale reports whether an answer fetched then is too old to use.
func (c *CachedSource) stale(fetched time.Time) bool {
	return c.opts.MaxAge > 0 && c.opts.Now().Sub(fetched) > c.opts.MaxAge
}

// get reads key's value, nil if absent.
func (c *CachedSource) get(key []byte) ([]byte, error) {
	if !c.db.acquire() {
		return nil, ErrClosed
	}
	defer c.db.release()
	var v []byte
	err := c.db.bdb.View(func(txn *badger.Txn) error {
		item, err := txn.Get(key)
		if errors.Is(err, badger.ErrKeyNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		v, err = item.ValueCopy(nil)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("store: cache: %w", err)
	}
	return v, nil
}

func (c *CachedSource) set(key, value []byte) error {
	if !c.db.acquire() {
		return ErrClosed
	}
	defer c.db.release()
	if err := c.db.bdb.Update(func(txn *badger.Txn) error { return txn.Set(key, value) }); err != nil {
		return fmt.Errorf("store: cache: %w", err)
	}
	return nil
}

// Tx returns the transaction id from the cache, or from the remote
// source, whose answer it keeps.
func (c *CachedSource) Tx(ctx context.Context, id chain.TxID) (*chain.Tx, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	v, err := c.get(cacheTxKey(id))
	if err != nil {
		return nil, err
	}
	if v != nil {
		if tx, fetched, err := decodeCacheTx(id, v); err == nil && (!c.stale(fetched) || cacheFinal(tx)) {
			return tx, nil
		}
	}
	tx, err := c.remote.Tx(ctx, id)
	if err != nil {
		return nil, err
	}
	if tx == nil || tx.ID != id || tx.Msg == nil {
		return nil, fmt.Errorf("store: cache: the remote source answered transaction %v with another", id)
	}
	b, err := appendCacheTx(nil, tx, c.opts.Now())
	if err == nil {
		err = c.set(cacheTxKey(id), b)
	}
	if err != nil {
		return nil, err // a cache that cannot keep answers would ask the remote forever
	}
	return tx, nil
}

// cacheFinal reports whether asking again could not tell more of tx's
// spenders: each output is spent or unspendable, or the remote does not
// report spenders at all.
func cacheFinal(tx *chain.Tx) bool {
	if tx.SpentBy == nil {
		return true
	}
	if len(tx.SpentBy) != len(tx.Msg.TxOut) {
		return false
	}
	for i, by := range tx.SpentBy {
		if by.IsZero() && chain.AddressOf(tx.Msg.TxOut[i].PkScript).Kind != chain.KindOpReturn {
			return false
		}
	}
	return true
}

// TxIDs returns the TxIDs of the txid from the cache, or from the remote
// source, whose answer it keeps. Errors (an unconfirmed or unknown txid)
// are not kept.
func (c *CachedSource) TxIDs(ctx context.Context, hash chainhash.Hash) ([]chain.TxID, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	v, err := c.get(cacheTxIDKey(hash))
	if err != nil {
		return nil, err
	}
	if len(v) > 8 && len(v)%8 == 0 {
		ids := make([]chain.TxID, 0, len(v)/8-1)
		for i := 8; i < len(v); i += 8 {
			ids = append(ids, chain.TxID(binary.BigEndian.Uint64(v[i:])))
		}
		return ids, nil
	}
	ids, err := c.remote.TxIDs(ctx, hash)
	if err != nil {
		return nil, err
	}
	if len(ids) == 0 {
		return nil, fmt.Errorf("store: cache: the remote source answered txid %v with no TxID", hash)
	}
	b := appendU64(nil, uint64(c.opts.Now().UnixNano()))
	for _, id := range ids {
		b = appendU64(b, uint64(id))
	}
	if err := c.set(cacheTxIDKey(hash), b); err != nil {
		return nil, err
	}
	return ids, nil
}

// History streams addr's history from the cache, or from the remote
// source, whose whole answer it reads and keeps before yielding the first
// appearance. Either way the history is held in memory while it is
// yielded, so the caller's loop holds nothing of the store.
func (c *CachedSource) History(ctx context.Context, addr chain.Address) iter.Seq2[chain.Appearance, error] {
	return func(yield func(chain.Appearance, error) bool) {
		apps, err := c.history(ctx, addr)
		if err != nil {
			yield(chain.Appearance{}, err)
			return
		}
		for _, a := range apps {
			if !yield(a, nil) {
				return
			}
		}
	}
}

func (c *CachedSource) history(ctx context.Context, addr chain.Address) ([]chain.Appearance, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	apps, fetched, ok, err := c.cachedHistory(addr)
	if err != nil {
		return nil, err
	}
	if ok && !c.stale(fetched) {
		return apps, nil
	}
	apps = apps[:0]
	for a, err := range c.remote.History(ctx, addr) {
		if err != nil {
			return nil, err
		}
		apps = append(apps, a)
	}
	if err := c.putHistory(addr, apps, c.opts.Now()); err != nil {
		return nil, err
	}
	return apps, nil
}

// cachedHistory reads addr's cached snapshot; ok is false if there is
// none (or it does not decode).
func (c *CachedSource) cachedHistory(addr chain.Address) (apps []chain.Appearance, fetched time.Time, ok bool, err error) {
	if !c.db.acquire() {
		return nil, time.Time{}, false, ErrClosed
	}
	defer c.db.release()
	head := cacheHistKey(addr)
	err = c.db.bdb.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: head, PrefetchValues: true, PrefetchSize: 100})
		defer it.Close()
		it.Rewind()
		if !it.Valid() || !bytes.Equal(it.Item().Key(), head) {
			return nil
		}
		v, err := it.Item().ValueCopy(nil)
		if err != nil {
			return err
		}
		if len(v) < 9 {
			return nil
		}
		fetched = time.Unix(0, int64(binary.BigEndian.Uint64(v)))
		n, k := binary.Uvarint(v[8:])
		if k <= 0 || n > 1<<40 {
			return nil
		}
		apps = make([]chain.Appearance, 0, min(n, 1<<16))
		for it.Next(); it.Valid(); it.Next() {
			a, err := decodeCacheAppearance(it.Item().Key()[len(head):], it.Item())
			if err != nil {
				return nil
			}
			apps = append(apps, a)
		}
		ok = uint64(len(apps)) == n
		return nil
	})
	if err != nil {
		return nil, time.Time{}, false, fmt.Errorf("store: cache: %w", err)
	}
	return apps, fetched, ok, nil
}

// putHistory replaces addr's cached snapshot with apps.
func (c *CachedSource) putHistory(addr chain.Address, apps []chain.Appearance, fetched time.Time) error {
	if !c.db.acquire() {
		return ErrClosed
	}
	defer c.db.release()
	head := cacheHistKey(addr)
	h := fnv.New32a()
	h.Write(head)
	mu := &c.locks[h.Sum32()%uint32(len(c.locks))]
	mu.Lock()
	defer mu.Unlock()
	fail := func(err error) error { return fmt.Errorf("store: cache: history of %v: %w", addr, err) }
	// Without a header the old entries are a miss while they are replaced.
	if err := c.db.bdb.Update(func(txn *badger.Txn) error { return txn.Delete(head) }); err != nil {
		return fail(err)
	}
	keep := make(map[string][]byte, len(apps))
	for _, a := range apps {
		dir := byte(dirReceive)
		if a.Spend {
			dir = dirSpend
		}
		k := appendU32(append(appendU64(bytes.Clone(head), uint64(a.Tx)), dir), a.Index)
		var t uint64
		if !a.Time.IsZero() {
			t = uint64(a.Time.Unix())
		}
		var prev uint64
		if !a.Prev.IsZero() {
			prev = uint64(a.Prev.Node())
		}
		keep[string(k)] = binary.AppendUvarint(binary.AppendUvarint(binary.AppendUvarint(nil, uint64(a.Value)), t), prev)
	}
	wb := c.db.bdb.NewWriteBatch()
	defer wb.Cancel()
	err := c.db.bdb.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: head})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			if k := it.Item().Key(); len(k) > len(head) && keep[string(k)] == nil {
				if err := wb.Delete(it.Item().KeyCopy(nil)); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return fail(err)
	}
	for k, v := range keep {
		if err := wb.Set([]byte(k), v); err != nil {
			return fail(err)
		}
	}
	if err := wb.Flush(); err != nil {
		return fail(err)
	}
	v := binary.AppendUvarint(appendU64(nil, uint64(fetched.UnixNano())), uint64(len(keep)))
	if err := c.db.bdb.Update(func(txn *badger.Txn) error { return txn.Set(head, v) }); err != nil {
		return fail(err)
	}
	return nil
}

// decodeCacheAppearance decodes a history entry: rest is its key after
// the header's, item holds its value.
func decodeCacheAppearance(rest []byte, item *badger.Item) (chain.Appearance, error) {
	var a chain.Appearance
	if len(rest) != 13 || rest[0]&0x80 != 0 || rest[8] > dirReceive {
		return a, errRecord
	}
	a.Tx = chain.TxID(binary.BigEndian.Uint64(rest))
	a.Spend = rest[8] == dirSpend
	a.Index = binary.BigEndian.Uint32(rest[9:])
	err := item.Value(func(v []byte) error {
		var vals [3]uint64
		for i := range vals {
			x, k := binary.Uvarint(v)
			if k <= 0 || x > 1<<63-1 {
				return errRecord
			}
			vals[i], v = x, v[k:]
		}
		if len(v) != 0 {
			return errRecord
		}
		a.Value = int64(vals[0])
		if vals[1] != 0 {
			a.Time = time.Unix(int64(vals[1]), 0).UTC()
		}
		if vals[2] != 0 {
			op, isOut := chain.NodeOf(int64(vals[2]))
			if !isOut {
				return errRecord
			}
			a.Prev = op
		}
		return nil
	})
	return a, err
}

// appendCacheTx appends the cache record of tx (see the table above).
func appendCacheTx(b []byte, tx *chain.Tx, fetched time.Time) ([]byte, error) {
	b = append(b, cacheVersion)
	b = appendU64(b, uint64(fetched.UnixNano()))
	if tx.Time.IsZero() {
		b = append(b, 0)
	} else {
		b = appendU64(append(b, 1), uint64(tx.Time.Unix()))
	}
	b = append(b, tx.Hash[:]...)
	var raw bytes.Buffer
	if err := tx.Msg.Serialize(&raw); err != nil {
		return nil, fmt.Errorf("store: cache: transaction %v: %w", tx.ID, err)
	}
	b = binary.AppendUvarint(b, uint64(raw.Len()))
	b = append(b, raw.Bytes()...)
	b = binary.AppendUvarint(b, cacheCount(tx.Prevouts != nil, len(tx.Prevouts)))
	for i := range tx.Prevouts {
		b = appendPrevout(b, &tx.Prevouts[i])
	}
	b = binary.AppendUvarint(b, cacheCount(tx.SpentBy != nil, len(tx.SpentBy)))
	for _, by := range tx.SpentBy {
		b = appendSpend(b, by)
	}
	return b, nil
}

// cacheCount encodes a slice's length so that 0 stands for a nil slice.
func cacheCount(present bool, n int) uint64 {
	if !present {
		return 0
	}
	return uint64(n) + 1
}

// decodeCacheTx decodes a cache record of transaction id and returns it
// with its fetch time.
func decodeCacheTx(id chain.TxID, v []byte) (*chain.Tx, time.Time, error) {
	if len(v) < 10 || v[0] != cacheVersion || v[9] > 1 {
		return nil, time.Time{}, errRecord
	}
	fetched := time.Unix(0, int64(binary.BigEndian.Uint64(v[1:])))
	tx := &chain.Tx{ID: id}
	timed := v[9] == 1
	v = v[10:]
	if timed {
		if len(v) < 8 {
			return nil, fetched, errRecord
		}
		tx.Time = time.Unix(int64(binary.BigEndian.Uint64(v)), 0).UTC()
		v = v[8:]
	}
	if len(v) < chainhash.HashSize {
		return nil, fetched, errRecord
	}
	copy(tx.Hash[:], v)
	v = v[chainhash.HashSize:]
	n, k := binary.Uvarint(v)
	if k <= 0 || n > uint64(len(v)-k) {
		return nil, fetched, errRecord
	}
	tx.Msg = new(wire.MsgTx)
	if err := tx.Msg.Deserialize(bytes.NewReader(v[k : k+int(n)])); err != nil {
		return nil, fetched, errRecord
	}
	v = v[k+int(n):]
	np, k := binary.Uvarint(v)
	if k <= 0 || np > uint64(len(tx.Msg.TxIn))+1 {
		return nil, fetched, errRecord
	}
	v = v[k:]
	if np > 0 {
		tx.Prevouts = make([]chain.Prevout, np-1)
		for i := range tx.Prevouts {
			var err error
			if v, err = decodePrevout(v, &tx.Prevouts[i]); err != nil {
				return nil, fetched, err
			}
		}
	}
	ns, k := binary.Uvarint(v)
	if k <= 0 || ns > uint64(len(tx.Msg.TxOut))+1 {
		return nil, fetched, errRecord
	}
	v = v[k:]
	if want := 12 * int(max(ns, 1)-1); len(v) != want {
		return nil, fetched, errRecord
	}
	if ns > 0 {
		tx.SpentBy = make([]chain.InPoint, ns-1)
		for i := range tx.SpentBy {
			var err error
			if tx.SpentBy[i], err = decodeSpend(v[12*i : 12*i+12]); err != nil {
				return nil, fetched, err
			}
		}
	}
	return tx, fetched, nil
}

// TxFetched returns when the cached transaction id was fetched; ok is
// false if it is not cached. Its SpentBy is as the remote knew then.
func (c *CachedSource) TxFetched(id chain.TxID) (fetched time.Time, ok bool, err error) {
	v, err := c.get(cacheTxKey(id))
	if err != nil || v == nil {
		return time.Time{}, false, err
	}
	_, fetched, err = decodeCacheTx(id, v)
	return fetched, err == nil, nil
}

// HistoryFetched returns when addr's cached history was fetched; ok is
// false if it is not cached.
func (c *CachedSource) HistoryFetched(addr chain.Address) (fetched time.Time, ok bool, err error) {
	_, fetched, ok, err = c.cachedHistory(addr)
	return fetched, ok, err
}

// Forget removes every cached answer from the store (those of every
// CachedSource on it), leaving the indexed chain as it is.
func (c *CachedSource) Forget(ctx context.Context) error {
	if !c.db.acquire() {
		return ErrClosed
	}
	defer c.db.release()
	wb := c.db.bdb.NewWriteBatch()
	defer wb.Cancel()
	err := c.db.bdb.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte{cacheTable}})
		defer it.Close()
		n := 0
		for it.Rewind(); it.Valid(); it.Next() {
			if n++; n%4096 == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			if err := wb.Delete(it.Item().KeyCopy(nil)); err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil {
		err = wb.Flush()
	}
	if err != nil {
		return fmt.Errorf("store: cache: %w", err)
	}
	return nil
}
