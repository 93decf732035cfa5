package store

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"

	badger "github.com/dgraph-io/badger/v4"
	"github.com/plumetrace/plume/chain"
)

// Verify reads the whole store and checks that it is consistent: blocks
// link from the first to the tip, nothing lies above the tip, each block
// holds the transactions its record counts, and the entries derived from
// each transaction record (txid, spends, address history, unresolved
// inputs) are exactly the ones present, no more and no fewer. It returns
// nil or an error wrapping ErrCorrupt that names the first problem.
//
// It is a full scan with a point read per derived entry: minutes for a
// large store. Crash tests use it after every reopen.
func (db *DB) Verify(ctx context.Context) error {
	if !db.acquire() {
		return ErrClosed
	}
	defer db.release()
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrCorrupt, fmt.Sprintf(format, args...))
	}
	tip, hasTip := db.Tip()
	return db.bdb.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{PrefetchValues: false})
		defer it.Close()
		has := func(k []byte) (bool, error) {
			_, err := txn.Get(k)
			if errors.Is(err, badger.ErrKeyNotFound) {
				return false, nil
			}
			return err == nil, err
		}

		// Blocks: contiguous, linked, ending at the tip.
		ntx := map[int32]uint32{}
		var prev *blockRecord
		var prevH int32
		for it.Seek([]byte{tBlock}); it.ValidForPrefix([]byte{tBlock}); it.Next() {
			h, err := decodeBlockKey(it.Item().Key())
			if err != nil {
				return bad("%v", err)
			}
			var r blockRecord
			if err := it.Item().Value(func(v []byte) (err error) { r, err = decodeBlockRecord(v); return }); err != nil {
				return bad("block %d: %v", h, err)
			}
			if r.header.BlockHash() != r.hash {
				return bad("block %d: stored hash is not the header's", h)
			}
			if prev != nil && (h != prevH+1 || r.header.PrevBlock != prev.hash) {
				return bad("block %d does not follow block %d", h, prevH)
			}
			if (prev != nil && r.firstID < prev.firstID) || r.firstID > db.nextID() {
				return bad("block %d starts at address ID %d, out of order", h, r.firstID)
			}
			if !hasTip || h > tip.Height {
				return bad("block %d above the tip", h)
			}
			ntx[h] = r.ntx
			rr := r
			prev, prevH = &rr, h
		}
		if hasTip && (prev == nil || prevH != tip.Height || prev.hash != tip.Hash) {
			return bad("the tip %d %v is not the last block", tip.Height, tip.Hash)
		}

		// Transactions and everything derived from them.
		var want struct{ hash, spend, addr, pending, txs int }
		counted := map[int32]uint32{}
		for it.Seek([]byte{tTx}); it.ValidForPrefix([]byte{tTx}); it.Next() {
			if err := ctx.Err(); err != nil {
				return err
			}
			k := it.Item().Key()
			node, err := decodeNodeKey(k)
			if err != nil {
				return bad("%v", err)
			}
			op, isOut := chain.NodeOf(node)
			if isOut {
				continue // spends are checked from their spenders
			}
			id := op.Tx
			if _, ok := ntx[id.Height()]; !ok {
				return bad("transaction %v in no stored block", id)
			}
			counted[id.Height()]++
			want.txs++
			v, err := it.Item().ValueCopy(nil)
			if err != nil {
				return err
			}
			rec, err := decodeTxRecord(v)
			if err != nil {
				return bad("transaction %v: %v", id, err)
			}
			if cb := chain.IsCoinbase(rec.msg); cb != (id.Pos() == 0) {
				return bad("transaction %v: coinbase at position %d", id, id.Pos())
			}
			check := func(what string, key []byte) error {
				ok, err := has(key)
				if err == nil && !ok {
					err = bad("transaction %v: missing %s entry", id, what)
				}
				return err
			}
			if err := check("txid", hashKey(nil, &rec.hash, id)); err != nil {
				return err
			}
			want.hash++
			for vin, p := range rec.prevs {
				if !p.Resolved {
					want.pending++
					if err := check("unresolved input", pendingKey(nil, id, uint32(vin))); err != nil {
						return err
					}
					continue
				}
				want.addr++
				if err := check("address spend", addrKey(nil, p.Addr, id, dirSpend, uint32(vin))); err != nil {
					return err
				}
				if p.Out.IsZero() {
					continue
				}
				want.spend++
				item, err := txn.Get(nodeKey(nil, p.Out.Node()))
				if err != nil {
					return bad("transaction %v input %d: spend of %v: %v", id, vin, p.Out, err)
				}
				if err := item.Value(func(v []byte) error {
					by, err := decodeSpend(v)
					if err == nil && by != (chain.InPoint{Tx: id, Vin: uint32(vin)}) {
						err = fmt.Errorf("names %v", by)
					}
					return err
				}); err != nil {
					return bad("transaction %v input %d: spend of %v: %v", id, vin, p.Out, err)
				}
			}
			for vout, o := range rec.msg.TxOut {
				want.addr++
				a := chain.AddressOf(o.PkScript)
				if err := check("address receipt", addrKey(nil, a, id, dirReceive, uint32(vout))); err != nil {
					return err
				}
				item, err := txn.Get(nameKey(nil, a))
				if err != nil {
					return bad("transaction %v output %d: address %v has no ID: %v", id, vout, a, err)
				}
				if err := item.Value(func(v []byte) error {
					if len(v) != 8 || AddrID(binary.BigEndian.Uint64(v)) != rec.outIDs[vout] {
						return fmt.Errorf("the record says ID %d, the address table %x", rec.outIDs[vout], v)
					}
					return nil
				}); err != nil {
					return bad("transaction %v output %d: %v", id, vout, err)
				}
			}
		}
		for h, n := range ntx {
			if counted[h] != n {
				return bad("block %d holds %d transactions, its record says %d", h, counted[h], n)
			}
		}

		// Address IDs: exactly 0..next-1, each named back by its address.
		next := db.nextID()
		var ids AddrID
		for it.Seek([]byte{tID}); it.ValidForPrefix([]byte{tID}); it.Next() {
			k := it.Item().Key()
			id, err := decodeIDKey(k)
			if err != nil || id != ids {
				return bad("address ID entry %x, want ID %d", k, ids)
			}
			ids++
			var a chain.Address
			if err := it.Item().Value(func(v []byte) (err error) { a, _, err = decodeIDValue(v); return }); err != nil {
				return bad("address ID %d: %v", id, err)
			}
			item, err := txn.Get(nameKey(nil, a))
			if err != nil {
				return bad("address ID %d (%v) has no name entry", id, a)
			}
			if err := item.Value(func(v []byte) error {
				if len(v) != 8 || AddrID(binary.BigEndian.Uint64(v)) != id {
					return fmt.Errorf("names %x", v)
				}
				return nil
			}); err != nil {
				return bad("address %v: ID %d, but the name entry %v", a, id, err)
			}
		}
		if ids != next {
			return bad("%d address IDs, the watermark says %d", ids, next)
		}
		// Clustering groups: at stored heights, of assigned IDs.
		for it.Seek([]byte{tJoin}); it.ValidForPrefix([]byte{tJoin}); it.Next() {
			k := it.Item().Key()
			h, err := decodeJoinKey(k)
			if err != nil {
				return bad("%v", err)
			}
			if _, ok := ntx[h]; !ok {
				return bad("cluster groups for block %d, which the store does not hold", h)
			}
			if err := it.Item().Value(func(v []byte) error {
				var high uint32
				err := decodeGroups(v, nil, func(g []uint32) { high = max(high, g[len(g)-1]) })
				if err == nil && AddrID(high) >= next {
					err = fmt.Errorf("address ID %d not assigned", high)
				}
				return err
			}); err != nil {
				return bad("cluster groups of block %d: %v", h, err)
			}
		}

		// No entry beyond those the records account for.
		count := func(prefix byte) int {
			n := 0
			for it.Seek([]byte{prefix}); it.ValidForPrefix([]byte{prefix}); it.Next() {
				n++
			}
			return n
		}
		for _, c := range []struct {
			name  string
			table byte
			want  int
		}{
			{"txid", tHash, want.hash},
			{"address", tAddr, want.addr},
			{"unresolved", tPending, want.pending},
			{"address name", tName, int(next)},
			{"tx and spend", tTx, want.txs + want.spend},
		} {
			if got := count(c.table); got != c.want {
				return bad("%d %s entries, the transaction records account for %d", got, c.name, c.want)
			}
		}
		return nil
	})
}
