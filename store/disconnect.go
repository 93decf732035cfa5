package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"

	badger "github.com/dgraph-io/badger/v4"
	"github.com/plumetrace/plume/chain"
)

// recover removes what an interrupted ingest wrote above the watermark.
func (db *DB) recover() error {
	from, next := int32(0), AddrID(0)
	if w := db.mark.Load(); w != nil {
		from, next = w.tip.Height+1, w.next
	}
	if err := db.truncate(from, next); err != nil {
		return fmt.Errorf("store: recovering above the watermark: %w", err)
	}
	return nil
}

// truncate deletes every entry of the blocks at heights from and above and
// every address ID from next on: what recovery removes above the
// watermark, and what Disconnect removes of the blocks it undoes.
//
// Ingest writes a batch's transaction records before the entries derived
// from them, and the 'I' entry of a new address before its 'N' entry, and a
// crash keeps a prefix of what it wrote. So every stray entry is found
// either in a key range that sorts by height or ID ('T' records and their
// spends, 'B', 'J', 'I'), or through a record or an 'I' entry there:
// deleting each record's derived entries, then the record, then every key
// of those ranges, restores the store exactly as of the block before from.
// Deletes go out in that order too, so an interrupted truncate is finished
// by the next one.
func (db *DB) truncate(from int32, next AddrID) error {
	start := chain.MakeTxID(from, 0).Node()
	wb := db.bdb.NewWriteBatch()
	defer wb.Cancel()
	n := 0
	del := func(k []byte) error {
		n++
		return wb.Delete(k)
	}
	err := db.bdb.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{PrefetchValues: false})
		defer it.Close()
		for it.Seek(nodeKey(nil, start)); it.ValidForPrefix([]byte{tTx}); it.Next() {
			k := it.Item().KeyCopy(nil)
			node, err := decodeNodeKey(k)
			if err != nil {
				return corrupt(k, err)
			}
			if op, isOut := chain.NodeOf(node); !isOut {
				v, err := it.Item().ValueCopy(nil)
				if err != nil {
					return err
				}
				rec, err := decodeTxRecord(v)
				if err != nil {
					return corrupt(k, err)
				}
				if err := deleteDerived(txn, wb, op.Tx, rec); err != nil {
					return err
				}
			}
			if err := del(k); err != nil {
				return err
			}
		}
		// Addresses first seen above: their name entries, then their ID
		// entries.
		for it.Seek(idKey(nil, next)); it.ValidForPrefix([]byte{tID}); it.Next() {
			k := it.Item().KeyCopy(nil)
			id, err := decodeIDKey(k)
			if err != nil {
				return corrupt(k, err)
			}
			var a chain.Address
			if err := it.Item().Value(func(v []byte) (err error) { a, _, err = decodeIDValue(v); return }); err != nil {
				return corrupt(k, err)
			}
			nk := nameKey(nil, a)
			if item, err := txn.Get(nk); err == nil {
				v, err := item.ValueCopy(nil)
				if err != nil {
					return err
				}
				if len(v) == 8 && AddrID(binary.BigEndian.Uint64(v)) == id {
					if err := del(nk); err != nil {
						return err
					}
				}
			} else if err != badger.ErrKeyNotFound {
				return err
			}
			if err := del(k); err != nil {
				return err
			}
		}
		for _, prefix := range [][]byte{blockKey(nil, from), joinKey(nil, from)} {
			for it.Seek(prefix); it.ValidForPrefix(prefix[:1]); it.Next() {
				if err := del(it.Item().KeyCopy(nil)); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil || n == 0 {
		return err
	}
	if err := wb.Flush(); err != nil {
		return err
	}
	return db.bdb.Sync()
}

// deleteDerived deletes every entry that connecting transaction id wrote,
// except its record and the spends of its own outputs (which belong to the
// spenders). A spend entry is deleted only if it names this transaction.
func deleteDerived(txn *badger.Txn, wb *badger.WriteBatch, id chain.TxID, rec *txRecord) error {
	if err := wb.Delete(hashKey(nil, &rec.hash, id)); err != nil {
		return err
	}
	for vin, p := range rec.prevs {
		ip := chain.InPoint{Tx: id, Vin: uint32(vin)}
		if !p.Resolved {
			if err := wb.Delete(pendingKey(nil, id, ip.Vin)); err != nil {
				return err
			}
			continue
		}
		if !p.Out.IsZero() {
			sk := nodeKey(nil, p.Out.Node())
			item, err := txn.Get(sk)
			if err == nil {
				v, err := item.ValueCopy(nil)
				if err != nil {
					return err
				}
				if bytes.Equal(v, appendSpend(nil, ip)) {
					if err := wb.Delete(sk); err != nil {
						return err
					}
				}
			} else if err != badger.ErrKeyNotFound {
				return err
			}
		}
		if err := wb.Delete(addrKey(nil, p.Addr, id, dirSpend, ip.Vin)); err != nil {
			return err
		}
	}
	for vout, out := range rec.msg.TxOut {
		if err := wb.Delete(addrKey(nil, chain.AddressOf(out.PkScript), id, dirReceive, uint32(vout))); err != nil {
			return err
		}
	}
	return nil
}

// Disconnect removes every block above height, newest to oldest in effect:
// their transactions, spends, address histories, address IDs and cluster
// merges, so the store is exactly as if it had been ingested up to height
// only. A reorganisation disconnects to the fork point, then ingests the
// new branch. The watermark moves first, so a crash part way leaves a
// store that Open finishes truncating.
func (db *DB) Disconnect(ctx context.Context, height int32) error {
	db.ingestMu.Lock()
	defer db.ingestMu.Unlock()
	if !db.acquire() {
		return ErrClosed
	}
	defer db.release()
	if err := ctx.Err(); err != nil {
		return err
	}
	w := db.mark.Load()
	if w == nil || height >= w.tip.Height {
		return nil
	}
	s := db.Snapshot()
	above, err := s.blockRecord(height + 1)
	var at blockRecord
	if err == nil {
		at, err = s.blockRecord(height)
	}
	s.Close()
	if err != nil {
		return fmt.Errorf("store: disconnect to %d: %w", height, err)
	}
	mark := watermark{tip: Tip{Height: height, Hash: at.hash}, next: above.firstID}
	if err := db.setWatermark(mark); err != nil {
		return err
	}
	// After the watermark moves and before the block times do: a snapshot
	// with the old watermark sees the count change (Snapshot.blockTime).
	db.disconnects.Add(1)
	if err := db.truncate(height+1, mark.next); err != nil {
		return fmt.Errorf("store: disconnect to %d: %w", height, err)
	}
	// Outputs the removed blocks created or spent, and IDs they assigned,
	// may sit in the caches: start them afresh.
	db.utxo.reset()
	db.addrs.reset()
	db.truncateTimes(height + 1)
	c := &db.clusters
	c.mu.Lock()
	if c.loaded && !c.rollback(height+1, mark.next) {
		c.clear()
	}
	c.mu.Unlock()
	return nil
}
