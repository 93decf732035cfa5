package store_test

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"
	"github.com/plumetrace/plume/chain"
	"github.com/plumetrace/plume/store"
)

// ref is an independent model of what a store of some blocks must answer,
// computed by replaying them with plain maps: no Badger, no cache, no
// batching. Inputs whose output the replayed blocks do not hold (a replay
// that starts above genesis) are unresolved, as in the store.
type ref struct {
	txs     map[chain.TxID]*refTx
	order   []chain.TxID
	ids     map[chainhash.Hash][]chain.TxID
	blocks  map[int32]*chain.Block
	hist    map[chain.Address][]chain.Appearance
	outputs map[wire.OutPoint]chain.Prevout // every output created, by outpoint
	inputs  int                             // non-coinbase inputs
	nouts   int
}

type refTx struct {
	hash    chainhash.Hash
	time    time.Time
	prevs   []chain.Prevout
	spentBy []chain.InPoint
}

func replay(blocks []*chain.Block) *ref {
	r := &ref{
		txs:     map[chain.TxID]*refTx{},
		ids:     map[chainhash.Hash][]chain.TxID{},
		blocks:  map[int32]*chain.Block{},
		hist:    map[chain.Address][]chain.Appearance{},
		outputs: map[wire.OutPoint]chain.Prevout{},
	}
	utxo := map[wire.OutPoint]chain.Prevout{}
	for _, b := range blocks {
		r.blocks[b.Height] = b
		t := time.Unix(b.Header.Timestamp.Unix(), 0).UTC()
		for i, tx := range b.Txs {
			id := b.TxID(i)
			rt := &refTx{hash: b.TxHashes[i], time: t, spentBy: make([]chain.InPoint, len(tx.TxOut))}
			r.txs[id] = rt
			r.order = append(r.order, id)
			r.ids[rt.hash] = append(r.ids[rt.hash], id)
			if i > 0 {
				for vin, in := range tx.TxIn {
					r.inputs++
					p, ok := utxo[in.PreviousOutPoint]
					rt.prevs = append(rt.prevs, p)
					if !ok {
						continue
					}
					delete(utxo, in.PreviousOutPoint)
					ip := chain.InPoint{Tx: id, Vin: uint32(vin)}
					r.txs[p.Out.Tx].spentBy[p.Out.Vout] = ip
					r.hist[p.Addr] = append(r.hist[p.Addr], chain.Appearance{Tx: id, Index: uint32(vin), Spend: true, Value: p.Value, Prev: p.Out, Time: t})
				}
			}
			for vout, o := range tx.TxOut {
				r.nouts++
				a := chain.AddressOf(o.PkScript)
				p := chain.Prevout{Out: id.Out(uint32(vout)), Value: o.Value, Script: o.PkScript, Addr: a, Resolved: true}
				op := wire.OutPoint{Hash: rt.hash, Index: uint32(vout)}
				utxo[op] = p
				r.outputs[op] = p
				r.hist[a] = append(r.hist[a], chain.Appearance{Tx: id, Index: uint32(vout), Value: o.Value, Time: t})
			}
		}
	}
	return r
}

// balance sums a history: receipts minus spends.
func balance(h []chain.Appearance) int64 {
	var bal int64
	for _, a := range h {
		if a.Spend {
			bal -= a.Value
		} else {
			bal += a.Value
		}
	}
	return bal
}

// filter returns the appearances keep accepts.
func filter(h []chain.Appearance, keep func(chain.Appearance) bool) []chain.Appearance {
	var out []chain.Appearance
	for _, a := range h {
		if keep(a) {
			out = append(out, a)
		}
	}
	return out
}

func samePrevout(a, b chain.Prevout) bool {
	return a.Out == b.Out && a.Value == b.Value && bytes.Equal(a.Script, b.Script) && a.Addr == b.Addr && a.Resolved == b.Resolved
}

// checkTx compares the store's transaction id with want.
func checkTx(ctx context.Context, db *store.DB, id chain.TxID, want *refTx) error {
	tx, err := db.Tx(ctx, id)
	if err != nil {
		return err
	}
	if tx.ID != id || tx.Hash != want.hash || !tx.Time.Equal(want.time) {
		return fmt.Errorf("tx %v: got %v %v %v, want %v %v", id, tx.ID, tx.Hash, tx.Time, want.hash, want.time)
	}
	if len(tx.Prevouts) != len(want.prevs) {
		return fmt.Errorf("tx %v: %d prevouts, want %d", id, len(tx.Prevouts), len(want.prevs))
	}
	for i := range want.prevs {
		if !samePrevout(tx.Prevouts[i], want.prevs[i]) {
			return fmt.Errorf("tx %v input %d: prevout %+v, want %+v", id, i, tx.Prevouts[i], want.prevs[i])
		}
	}
	if !slices.Equal(tx.SpentBy, want.spentBy) {
		return fmt.Errorf("tx %v: spent by %v, want %v", id, tx.SpentBy, want.spentBy)
	}
	return nil
}

// checkAgainst compares every block, transaction, txid, address history
// and balance db holds with r; hist, if not nil, maps r's history of an
// address to the one db must hold.
func checkAgainst(t *testing.T, db *store.DB, r *ref, hist func([]chain.Appearance) []chain.Appearance) {
	t.Helper()
	ctx := context.Background()
	for h, b := range r.blocks {
		info, err := db.Block(ctx, h)
		if err != nil {
			t.Fatalf("Block(%d): %v", h, err)
		}
		if info.Height != h || info.Hash != b.Hash || info.Header != b.Header || info.Txs != len(b.Txs) {
			t.Fatalf("Block(%d) = %v %v %d txs, want %v %d txs", h, info.Height, info.Hash, info.Txs, b.Hash, len(b.Txs))
		}
	}
	for _, id := range r.order {
		want := r.txs[id]
		if err := checkTx(ctx, db, id, want); err != nil {
			t.Fatal(err)
		}
		ids, err := db.TxIDs(ctx, want.hash)
		if err != nil || !slices.Equal(ids, r.ids[want.hash]) {
			t.Fatalf("TxIDs(%v) = %v, %v; want %v", want.hash, ids, err, r.ids[want.hash])
		}
	}
	for a, h := range r.hist {
		if hist != nil {
			h = hist(h)
		}
		got := history(t, db, a)
		if len(got) != len(h) {
			t.Fatalf("History(%v): %d appearances, want %d", a, len(got), len(h))
		}
		for i := range h {
			if !sameAppearance(got[i], h[i]) {
				t.Fatalf("History(%v)[%d] = %+v, want %+v", a, i, got[i], h[i])
			}
		}
		bal, err := db.Balance(ctx, a)
		if err != nil || bal != balance(h) {
			t.Fatalf("Balance(%v) = %d, %v; want %d", a, bal, err, balance(h))
		}
	}
}
