package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/btcsuite/btcd/wire"
	badger "github.com/dgraph-io/badger/v4"
	"github.com/plumetrace/plume/chain"
)

// ResolveStats counts what Resolve did.
type ResolveStats struct {
	Pending  int // unresolved inputs found
	Resolved int // of which r resolved
}

// Resolve asks r for the outputs spent by inputs that ingest could not
// resolve (see Options.Resolver) and completes those inputs: their
// transaction records, spends and address histories then read as if
// ingest had resolved them. Inputs r does not know (an error wrapping
// chain.ErrNotFound) stay pending; any other error stops Resolve after
// storing what it completed. Each input is fixed in one Badger transaction,
// so an interruption leaves every input either done or pending.
func (db *DB) Resolve(ctx context.Context, r Resolver) (ResolveStats, error) {
	db.ingestMu.Lock()
	defer db.ingestMu.Unlock()
	var st ResolveStats
	if !db.acquire() {
		return st, ErrClosed
	}
	defer db.release()
	type pending struct {
		id  chain.TxID
		vin uint32
		op  wire.OutPoint
	}
	var todo []pending
	err := db.bdb.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte{tPending}})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			id, vin, err := decodePendingKey(it.Item().Key())
			if err != nil {
				return corrupt(it.Item().Key(), err)
			}
			var op wire.OutPoint
			if err := it.Item().Value(func(v []byte) (err error) { op, err = decodePending(v); return }); err != nil {
				return corrupt(it.Item().Key(), err)
			}
			todo = append(todo, pending{id, vin, op})
		}
		return nil
	})
	st.Pending = len(todo)
	if err != nil {
		return st, err
	}
	for _, p := range todo {
		if err := ctx.Err(); err != nil {
			return st, err
		}
		prev, err := r.PrevOut(ctx, p.op)
		if errors.Is(err, chain.ErrNotFound) || (err == nil && !prev.Resolved) {
			continue
		}
		if err != nil {
			return st, fmt.Errorf("store: resolving %v: %w", p.op, err)
		}
		prev.Addr = chain.AddressOf(prev.Script)
		if err := db.bdb.Update(func(txn *badger.Txn) error { return fill(txn, p.id, p.vin, prev) }); err != nil {
			return st, fmt.Errorf("store: resolving input %d of %v: %w", p.vin, p.id, err)
		}
		st.Resolved++
	}
	return st, nil
}

// fill completes input vin of transaction id with prev.
func fill(txn *badger.Txn, id chain.TxID, vin uint32, prev chain.Prevout) error {
	key := nodeKey(nil, id.Node())
	item, err := txn.Get(key)
	if err != nil {
		return err
	}
	v, err := item.ValueCopy(nil)
	if err != nil {
		return err
	}
	rec, err := decodeTxRecord(v)
	if err != nil || int(vin) >= len(rec.prevs) {
		return corrupt(key, errRecord)
	}
	ip := chain.InPoint{Tx: id, Vin: vin}
	if !prev.Out.IsZero() {
		sk := nodeKey(nil, prev.Out.Node())
		if item, err := txn.Get(sk); err == nil {
			var by chain.InPoint
			if err := item.Value(func(v []byte) (err error) { by, err = decodeSpend(v); return }); err != nil {
				return corrupt(sk, err)
			}
			if by != ip {
				return fmt.Errorf("%w: output %v is already spent by %v", ErrConflict, prev.Out, by)
			}
		} else if !errors.Is(err, badger.ErrKeyNotFound) {
			return err
		}
		if err := txn.Set(sk, appendSpend(nil, ip)); err != nil {
			return err
		}
	}
	rec.prevs[vin] = prev
	if err := txn.Set(key, appendTxRecord(nil, &rec.hash, rec.raw, rec.prevs, rec.outIDs)); err != nil {
		return err
	}
	if err := txn.Set(addrKey(nil, prev.Addr, id, dirSpend, vin), appendAddrValue(nil, prev.Value, prev.Out)); err != nil {
		return err
	}
	return txn.Delete(pendingKey(nil, id, vin))
}
