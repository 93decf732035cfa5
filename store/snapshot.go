package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"iter"
	"sync"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"
	badger "github.com/dgraph-io/badger/v4"
	"github.com/plumetrace/plume/chain"
)

// Snapshot is a consistent read-only view of the store as of the tip when
// it was taken; ingest that continues meanwhile stays invisible to it. It
// reuses Badger iterators across calls, so a tracer that reads many
// transactions should take one Snapshot rather than call the DB's methods,
// which take a snapshot per call. A Snapshot is safe for concurrent use.
// Close it when done: it pins the data it sees.
type Snapshot struct {
	db     *DB
	txn    *badger.Txn
	tip    int32  // heights above are not visible; -1 in an empty store
	nextID AddrID // address IDs from here on are not visible
	epoch  uint64 // disconnects when taken (see blockTime)

	mu     sync.Mutex
	free   []*badger.Iterator
	all    []*badger.Iterator
	closed bool
}

// Snapshot returns a consistent view of the store's current tip.
//
// The watermark must be one the Badger transaction holds every block of.
// Ingest writes blocks before it moves the watermark, so an older one is
// fine; but Disconnect moves it down before deleting blocks, so a
// watermark read before a Disconnect and a transaction begun after it
// would show a tip whose blocks are gone, or another branch's. Reading the
// watermark again after the transaction begins rules that out: if it has
// not moved, no Disconnect has deleted anything yet.
func (db *DB) Snapshot() *Snapshot {
	s := &Snapshot{db: db, tip: -1}
	db.opMu.Lock()
	defer db.opMu.Unlock()
	for {
		epoch, w := db.disconnects.Load(), db.mark.Load()
		if !db.closed {
			s.txn = db.bdb.NewTransaction(false)
			if db.mark.Load() != w {
				s.txn.Discard()
				continue
			}
		}
		s.epoch = epoch
		if w != nil {
			s.tip, s.nextID = w.tip.Height, w.next
		}
		break
	}
	if db.closed {
		s.closed = true
		return s
	}
	db.snaps[s] = struct{}{}
	return s
}

// Tip returns the height the snapshot sees up to (-1 for an empty store).
func (s *Snapshot) Tip() int32 { return s.tip }

// Close releases the snapshot. It is safe to call more than once.
func (s *Snapshot) Close() error {
	s.db.opMu.Lock()
	defer s.db.opMu.Unlock()
	s.release()
	delete(s.db.snaps, s)
	return nil
}

// release closes the iterators and the transaction. The caller holds
// db.opMu and no operation of s is running.
func (s *Snapshot) release() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	s.closed = true
	for _, it := range s.all {
		it.Close()
	}
	s.all, s.free = nil, nil
	s.txn.Discard()
}

// use runs f with an iterator, holding off DB.Close meanwhile.
func (s *Snapshot) use(f func(it *badger.Iterator) error) error {
	if !s.db.acquire() {
		return ErrClosed
	}
	defer s.db.release()
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return ErrClosed
	}
	var it *badger.Iterator
	if n := len(s.free); n > 0 {
		it, s.free = s.free[n-1], s.free[:n-1]
	} else {
		it = s.txn.NewIterator(badger.IteratorOptions{PrefetchValues: false})
		s.all = append(s.all, it)
	}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.free = append(s.free, it)
		s.mu.Unlock()
	}()
	return f(it)
}

func (s *Snapshot) visible(id chain.TxID) bool { return id.Height() <= s.tip }

func corrupt(key []byte, err error) error {
	return fmt.Errorf("%w: key %x: %v", ErrCorrupt, key, err)
}

// Tx returns the transaction id with its resolved inputs and, for each
// output, its spender as of the snapshot.
func (s *Snapshot) Tx(ctx context.Context, id chain.TxID) (*chain.Tx, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if id < 0 || !s.visible(id) {
		return nil, fmt.Errorf("%w: transaction %v", ErrNotFound, id)
	}
	var tx *chain.Tx
	err := s.use(func(it *badger.Iterator) error {
		var err error
		tx, err = s.readTx(it, id)
		return err
	})
	return tx, err
}

func (s *Snapshot) readTx(it *badger.Iterator, id chain.TxID) (*chain.Tx, error) {
	tx, _, err := s.readTxRecord(it, id)
	return tx, err
}

// readTxRecord reads transaction id and its spenders, and returns the
// decoded record too.
func (s *Snapshot) readTxRecord(it *badger.Iterator, id chain.TxID) (*chain.Tx, *txRecord, error) {
	var kb [9]byte
	key := nodeKey(kb[:0], id.Node())
	it.Seek(key)
	if !it.Valid() || !bytes.Equal(it.Item().Key(), key) {
		return nil, nil, fmt.Errorf("%w: transaction %v", ErrNotFound, id)
	}
	v, err := it.Item().ValueCopy(nil)
	if err != nil {
		return nil, nil, err
	}
	rec, err := decodeTxRecord(v)
	if err != nil {
		return nil, nil, corrupt(key, err)
	}
	spent := make([]chain.InPoint, len(rec.msg.TxOut))
	end := (id + 1).Node()
	for it.Next(); it.ValidForPrefix([]byte{tTx}); it.Next() {
		k := it.Item().Key()
		node, err := decodeNodeKey(k)
		if err != nil {
			return nil, nil, corrupt(k, err)
		}
		if node >= end {
			break
		}
		op, _ := chain.NodeOf(node)
		if int(op.Vout) >= len(spent) {
			return nil, nil, corrupt(k, errors.New("spend of an output the transaction does not have"))
		}
		var ip chain.InPoint
		if err := it.Item().Value(func(v []byte) (err error) { ip, err = decodeSpend(v); return }); err != nil {
			return nil, nil, corrupt(k, err)
		}
		if s.visible(ip.Tx) {
			spent[op.Vout] = ip
		}
	}
	return rec.toTx(id, s.blockTime(id.Height()), spent), rec, nil
}

// TxIDs returns every TxID with this txid, in chain order. Usually one;
// BIP30 let two pairs of early coinbases repeat a txid.
func (s *Snapshot) TxIDs(ctx context.Context, hash chainhash.Hash) ([]chain.TxID, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var ids []chain.TxID
	err := s.use(func(it *badger.Iterator) error {
		prefix := append([]byte{tHash}, hash[:]...)
		for it.Seek(prefix); it.ValidForPrefix(prefix); it.Next() {
			_, id, err := decodeHashKey(it.Item().Key())
			if err != nil {
				return corrupt(it.Item().Key(), err)
			}
			if s.visible(id) {
				ids = append(ids, id)
			}
		}
		return nil
	})
	if err == nil && len(ids) == 0 {
		err = fmt.Errorf("%w: txid %v", ErrNotFound, hash)
	}
	return ids, err
}

// TxByHash returns the transaction with this txid (the later one for a
// BIP30 duplicate).
func (s *Snapshot) TxByHash(ctx context.Context, hash chainhash.Hash) (*chain.Tx, error) {
	ids, err := s.TxIDs(ctx, hash)
	if err != nil {
		return nil, err
	}
	return s.Tx(ctx, ids[len(ids)-1])
}

// Spender returns the input that spends op; the zero InPoint if op is
// unspent. It returns ErrNotFound if the store has no such output.
func (s *Snapshot) Spender(ctx context.Context, op chain.OutPoint) (chain.InPoint, error) {
	tx, err := s.Tx(ctx, op.Tx)
	if err != nil {
		return chain.InPoint{}, err
	}
	if int(op.Vout) >= len(tx.SpentBy) {
		return chain.InPoint{}, fmt.Errorf("%w: output %v (transaction has %d)", ErrNotFound, op, len(tx.SpentBy))
	}
	return tx.SpentBy[op.Vout], nil
}

// History streams every appearance of addr in chain order: each output
// that paid it and each input that spent such an output. A spend sorts
// before a receipt in the same transaction.
func (s *Snapshot) History(ctx context.Context, addr chain.Address) iter.Seq2[chain.Appearance, error] {
	return func(yield func(chain.Appearance, error) bool) {
		err := s.use(func(it *badger.Iterator) error {
			prefix := addrPrefix(nil, addr)
			n := 0
			for it.Seek(prefix); it.ValidForPrefix(prefix); it.Next() {
				if n++; n%1024 == 0 {
					if err := ctx.Err(); err != nil {
						return err
					}
				}
				k := it.Item().Key()
				e, err := decodeAddrKey(k)
				if err != nil {
					return corrupt(k, err)
				}
				if !s.visible(e.tx) {
					continue
				}
				a := chain.Appearance{Tx: e.tx, Index: e.index, Spend: e.dir == dirSpend, Time: s.blockTime(e.tx.Height())}
				if err := it.Item().Value(func(v []byte) (err error) { a.Value, a.Prev, err = decodeAddrValue(v); return }); err != nil {
					return corrupt(k, err)
				}
				if !yield(a, nil) {
					return errStop
				}
			}
			return ctx.Err()
		})
		if err != nil && err != errStop {
			yield(chain.Appearance{}, err)
		}
	}
}

var errStop = errors.New("stop")

// Balance returns what addr holds: everything it received minus
// everything it spent. Spends of outputs the store could not resolve are
// not counted, since their value is unknown.
func (s *Snapshot) Balance(ctx context.Context, addr chain.Address) (int64, error) {
	var bal int64
	for a, err := range s.History(ctx, addr) {
		if err != nil {
			return 0, err
		}
		if a.Spend {
			bal -= a.Value
		} else {
			bal += a.Value
		}
	}
	return bal, nil
}

// BlockInfo describes a stored block.
type BlockInfo struct {
	Height int32
	Hash   chainhash.Hash
	Header wire.BlockHeader
	Txs    int
}

// Block returns the stored block at height.
func (s *Snapshot) Block(ctx context.Context, height int32) (BlockInfo, error) {
	if err := ctx.Err(); err != nil {
		return BlockInfo{}, err
	}
	r, err := s.blockRecord(height)
	if err != nil {
		return BlockInfo{}, err
	}
	return BlockInfo{Height: height, Hash: r.hash, Header: r.header, Txs: int(r.ntx)}, nil
}

// blockRecord reads the stored record of the block at height.
func (s *Snapshot) blockRecord(height int32) (blockRecord, error) {
	if height < 0 || height > s.tip {
		return blockRecord{}, fmt.Errorf("%w: block %d", ErrNotFound, height)
	}
	var r blockRecord
	err := s.use(func(it *badger.Iterator) error {
		key := blockKey(nil, height)
		it.Seek(key)
		if !it.Valid() || !bytes.Equal(it.Item().Key(), key) {
			return fmt.Errorf("%w: block %d", ErrNotFound, height)
		}
		return it.Item().Value(func(v []byte) (err error) {
			if r, err = decodeBlockRecord(v); err != nil {
				err = corrupt(key, err)
			}
			return err
		})
	})
	return r, err
}

// blockTime returns the time of the block at height as the snapshot sees
// it. The DB caches the times of its current chain, which a Disconnect
// begun after the snapshot was taken changes for heights the snapshot
// may still see (to nothing, then to the new branch's): after one, the
// time comes from the snapshot's own block record. Disconnects are rare,
// and one that ran before the snapshot was taken costs nothing.
func (s *Snapshot) blockTime(height int32) time.Time {
	t := s.db.blockTime(height)
	if s.db.disconnects.Load() == s.epoch {
		return t
	}
	r, err := s.blockRecord(height)
	if err != nil {
		return time.Time{}
	}
	return time.Unix(r.header.Timestamp.Unix(), 0).UTC()
}

func (s *Snapshot) blockHash(height int32) (chainhash.Hash, error) {
	b, err := s.Block(context.Background(), height)
	return b.Hash, err
}

// prevout finds, for ingest, the output op in what is flushed, with its
// address's ID, and checks that no other input spent it.
func (s *Snapshot) prevout(op wire.OutPoint, ip chain.InPoint) (chain.Prevout, AddrID, error) {
	ids, err := s.TxIDs(context.Background(), op.Hash)
	if err != nil {
		return chain.Prevout{}, 0, err
	}
	id := ids[len(ids)-1]
	var (
		p   chain.Prevout
		aid AddrID
	)
	err = s.use(func(it *badger.Iterator) error {
		tx, rec, err := s.readTxRecord(it, id)
		if err != nil {
			return err
		}
		if int(op.Index) >= len(tx.Msg.TxOut) {
			return fmt.Errorf("%w: output %v (transaction has %d)", ErrNotFound, op, len(tx.Msg.TxOut))
		}
		if by := tx.SpentBy[op.Index]; !by.IsZero() && by != ip {
			return fmt.Errorf("%w: output %v is already spent by %v", ErrConflict, op, by)
		}
		out := tx.Msg.TxOut[op.Index]
		p = chain.Prevout{Out: id.Out(op.Index), Value: out.Value, Script: out.PkScript, Addr: chain.AddressOf(out.PkScript), Resolved: true}
		aid = rec.outIDs[op.Index]
		return nil
	})
	return p, aid, err
}
