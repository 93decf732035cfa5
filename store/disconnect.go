package store

import (
	"bytes"
	"fmt"

	badger "github.com/dgraph-io/badger/v4"
	"github.com/plumetrace/plume/chain"
)

// recover removes what an interrupted ingest wrote above the watermark.
// Badger applies whole transactions in order, and ingest writes a
// transaction's record before the entries derived from it, so every stray
// entry is either a record above the tip or derived from one: deleting each
// such record's derived entries, then the record, then any stray key left in
// the range above the tip, restores the store exactly as of the tip.
func (db *DB) recover() error {
	from := int32(0)
	if t, ok := db.Tip(); ok {
		from = t.Height + 1
	}
	start := chain.MakeTxID(from, 0).Node()
	wb := db.bdb.NewWriteBatch()
	defer wb.Cancel()
	n := 0
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
			if err := wb.Delete(k); err != nil {
				return err
			}
			n++
		}
		bk := blockKey(nil, from)
		for it.Seek(bk); it.ValidForPrefix([]byte{tBlock}); it.Next() {
			if err := wb.Delete(it.Item().KeyCopy(nil)); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: recovering above the watermark: %w", err)
	}
	if n == 0 {
		return nil
	}
	if err := wb.Flush(); err != nil {
		return fmt.Errorf("store: recovering above the watermark: %w", err)
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
