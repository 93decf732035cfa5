package store

import (
	"context"
	"testing"

	"github.com/btcsuite/btcd/wire"
	"github.com/plumetrace/plume/chain"
)

// TestWarmUTXO: a reopened store reloads exactly the unspent outputs of
// its last warmBlocks blocks, with their values, positions, scripts and
// address IDs, and ingest after the reopen ends equal to one ingest.
func TestWarmUTXO(t *testing.T) {
	ctx := context.Background()
	blocks := realBlocksFrom(t, 0, 3000)
	dir := t.TempDir()
	db := openIn(t, dir, Options{})
	if _, err := db.Ingest(ctx, sliceSeq(blocks[:2001]), nil); err != nil {
		t.Fatal(err)
	}
	db.Close()

	// What the chain says: outputs of blocks 1857..2000 not spent by 2000.
	want := map[wire.OutPoint]int64{}
	for _, b := range blocks[:2001] {
		for i, tx := range b.Txs {
			if !chain.IsCoinbase(tx) {
				for _, in := range tx.TxIn {
					delete(want, in.PreviousOutPoint)
				}
			}
			if b.Height > 2000-warmBlocks {
				for vout, out := range tx.TxOut {
					want[wire.OutPoint{Hash: b.TxHashes[i], Index: uint32(vout)}] = out.Value
				}
			}
		}
	}
	spends := 0
	for _, b := range blocks[2001:] {
		for _, tx := range b.Txs[1:] {
			for _, in := range tx.TxIn {
				if _, ok := want[in.PreviousOutPoint]; ok {
					spends++
				}
			}
		}
	}
	if len(want) == 0 || spends == 0 {
		t.Fatalf("%d outputs to reload, %d later spends of them: the test proves nothing", len(want), spends)
	}

	db = openIn(t, dir, Options{})
	if err := db.warmUTXO(); err != nil {
		t.Fatal(err)
	}
	if got := db.utxo.len(); got != len(want) {
		t.Fatalf("reloaded %d outputs, want %d", got, len(want))
	}
	snap := db.Snapshot()
	for op, value := range want {
		prev, id, found := db.utxo.take(op)
		if !found || prev.Value != value {
			t.Fatalf("%v: reloaded %v (found %v), want value %d", op, prev, found, value)
		}
		aid, err := snap.AddressID(ctx, prev.Addr)
		if err != nil || aid != id {
			t.Fatalf("%v: address ID %d, store says %d (%v)", op, id, aid, err)
		}
		tx, err := snap.Tx(ctx, prev.Out.Tx)
		if err != nil || tx.Hash != op.Hash {
			t.Fatalf("%v: position %v names %v (%v)", op, prev.Out, tx, err)
		}
		db.utxo.add(op, prev.Out, prev.Value, prev.Script, id)
	}
	snap.Close()

	if _, err := db.Ingest(ctx, sliceSeq(blocks[2001:]), nil); err != nil {
		t.Fatal(err)
	}
	whole := ingestInMemory(t, blocks)
	sameAs(t, db, whole)
}
