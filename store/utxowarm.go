package store

import (
	"fmt"

	"github.com/btcsuite/btcd/wire"
	badger "github.com/dgraph-io/badger/v4"
	"github.com/plumetrace/plume/chain"
)

// warmBlocks is how far back from the tip a reopened store reloads the
// unspent outputs into the cache: about a day of mainnet blocks, which
// most spends reach back no further than, read in a second or two. Older
// outputs are read from the store when spent, as when they age out.
const warmBlocks = 144

// warmUTXO reloads the unspent outputs of the last warmBlocks blocks into
// the empty cache, so that ingest after a restart (or after a disconnect
// emptied the cache) resolves recent spends from memory again instead of
// asking Badger for each. It reads the 'T' table forward: each
// transaction's record, then the spends of its outputs, which sort right
// after it; an output with no spend entry is unspent. It stops early when
// the cache's current generation is full.
func (db *DB) warmUTXO() error {
	tip, ok := db.Tip()
	c := db.utxo
	if !ok || c.len() > 0 {
		return nil
	}
	from := max(0, tip.Height-warmBlocks+1)
	start := chain.MakeTxID(from, 0).Node()
	end := chain.MakeTxID(tip.Height+1, 0).Node()

	var (
		rec   *txRecord
		id    chain.TxID
		spent []bool
	)
	flush := func() {
		if rec == nil {
			return
		}
		for vout, out := range rec.msg.TxOut {
			if spent[vout] || chain.AddressOf(out.PkScript).Kind == chain.KindOpReturn {
				continue
			}
			c.add(wire.OutPoint{Hash: rec.hash, Index: uint32(vout)}, id.Out(uint32(vout)), out.Value, out.PkScript, rec.outIDs[vout])
		}
		rec = nil
	}
	err := db.bdb.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte{tTx}, PrefetchValues: true, PrefetchSize: 64})
		defer it.Close()
		for it.Seek(nodeKey(nil, start)); it.Valid(); it.Next() {
			if c.cur.bytes() > c.limit/2 {
				rec = nil // its spends may not all be read yet
				break
			}
			k := it.Item().Key()
			node, err := decodeNodeKey(k)
			if err != nil {
				return corrupt(it.Item().KeyCopy(nil), err)
			}
			if node >= end {
				break
			}
			o, isOut := chain.NodeOf(node)
			if isOut {
				if rec != nil && o.Tx == id && int(o.Vout) < len(spent) {
					spent[o.Vout] = true
				}
				continue
			}
			flush()
			v, err := it.Item().ValueCopy(nil)
			if err != nil {
				return err
			}
			if rec, err = decodeTxRecord(v); err != nil {
				return corrupt(it.Item().KeyCopy(nil), err)
			}
			id = o.Tx
			spent = append(spent[:0], make([]bool, len(rec.msg.TxOut))...)
		}
		flush()
		return nil
	})
	if err != nil {
		c.reset()
		return fmt.Errorf("store: reload unspent outputs: %w", err)
	}
	return nil
}
