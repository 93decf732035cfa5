package store_test

import (
	"context"
	"slices"
	"testing"

	"github.com/plumetrace/plume/chain"
	"github.com/plumetrace/plume/store"
)

// TestDuplicateTxid builds the BIP30 situation on regtest: blocks 1 and 2
// hold byte-identical coinbases, so one txid names two transactions, and
// block 3 spends the txid's output, which since block 2 is the later copy
// (as on mainnet at heights 91842 and 91880). Whether the spent output is
// still in the ingest cache or must be read back from the store, the
// store keeps both copies under their own TxIDs and resolves the spend to
// the later one.
func TestDuplicateTxid(t *testing.T) {
	bld, genesis := newBuilder(t, chain.Regtest)
	dup := coinbase("bip30", pay(1, 50*btc))
	b1 := bld.block(dup)
	b2 := bld.block(dup)
	b3 := bld.block(coinbase("three", pay(3, 50*btc)), spend(ops(outpoint(dup, 0)), pay(2, 50*btc)))
	b4 := bld.block(coinbase("four", pay(4, 50*btc)))
	blocks := []*chain.Block{genesis, b1, b2, b3, b4}
	if b1.TxHashes[0] != b2.TxHashes[0] {
		t.Fatal("the two coinbases differ")
	}

	var want []store.KV
	for _, tc := range []struct {
		name  string
		split int // ingest blocks[:split], reopen, then the rest
		opts  store.Options
	}{
		{"cache", len(blocks), store.Options{}},
		{"store", 3, store.Options{}},
		{"between-copies", 2, store.Options{}},
		{"batch-per-block", len(blocks), store.Options{BatchBytes: 1}},
		{"rotating-cache", len(blocks), store.Options{BatchBytes: 1, UTXOCacheBytes: 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			tc.opts.Params = chain.Regtest
			dir := t.TempDir()
			db := openDB(t, dir, tc.opts)
			ingest(t, db, seq(blocks[:tc.split]))
			if tc.split < len(blocks) {
				db.Close()
				db = openDB(t, dir, tc.opts)
				ingest(t, db, seq(blocks))
			}
			verify(t, db)

			first, second := chain.MakeTxID(1, 0), chain.MakeTxID(2, 0)
			ids, err := db.TxIDs(ctx, dup.TxHash())
			if err != nil || !slices.Equal(ids, []chain.TxID{first, second}) {
				t.Fatalf("TxIDs = %v, %v; want [%v %v]", ids, err, first, second)
			}
			tx, err := db.TxByHash(ctx, dup.TxHash())
			if err != nil || tx.ID != second {
				t.Fatalf("TxByHash = %v, %v; want the later copy %v", tx, err, second)
			}
			spender := chain.InPoint{Tx: chain.MakeTxID(3, 1)}
			pay3, err := db.Tx(ctx, spender.Tx)
			if err != nil {
				t.Fatal(err)
			}
			if p := pay3.Prevouts[0]; !p.Resolved || p.Out != second.Out(0) || p.Value != 50*btc || p.Addr != payee(1) {
				t.Errorf("block 3 spends %+v, want %v", p, second.Out(0))
			}
			for _, c := range []struct {
				out  chain.OutPoint
				want chain.InPoint
			}{{second.Out(0), spender}, {first.Out(0), chain.InPoint{}}} {
				if got, err := db.Spender(ctx, c.out); err != nil || got != c.want {
					t.Errorf("Spender(%v) = %v, %v; want %v", c.out, got, err, c.want)
				}
			}
			// Both copies paid the address; only the later one was spent.
			wantHist := []chain.Appearance{
				{Tx: first, Value: 50 * btc, Time: b1.Header.Timestamp},
				{Tx: second, Value: 50 * btc, Time: b2.Header.Timestamp},
				{Tx: spender.Tx, Spend: true, Value: 50 * btc, Prev: second.Out(0), Time: b3.Header.Timestamp},
			}
			got := history(t, db, payee(1))
			if len(got) != len(wantHist) {
				t.Fatalf("history %+v, want %+v", got, wantHist)
			}
			for i := range got {
				if !sameAppearance(got[i], wantHist[i]) {
					t.Errorf("history[%d] = %+v, want %+v", i, got[i], wantHist[i])
				}
			}
			d := dump(t, db)
			if want == nil {
				want = d
			} else if diff := diffDump(d, want); diff != "" {
				t.Errorf("differs from the store built in one go: %s", diff)
			}
		})
	}
}

// TestDuplicateTxidSpentTwice spends the repeated txid's output twice.
// The second spend is a conflict even when the first copy of the output
// sits in the older generation of the ingest cache and the later copy,
// which the first spend took, in the newer one.
func TestDuplicateTxidSpentTwice(t *testing.T) {
	bld, genesis := newBuilder(t, chain.Regtest)
	dup := coinbase("bip30", pay(1, 50*btc))
	b1 := bld.block(dup)
	b2 := bld.block(dup)
	b3 := bld.block(coinbase("three", pay(3, 50*btc)), spend(ops(outpoint(dup, 0)), pay(2, 50*btc)))
	b4 := bld.block(coinbase("four", pay(4, 50*btc)), spend(ops(outpoint(dup, 0)), pay(5, 50*btc)))
	for _, tc := range []struct {
		name  string
		opts  store.Options
		split int
	}{
		{"one-call", store.Options{}, 0},
		{"first-copy-in-old-generation", store.Options{UTXOCacheBytes: 1}, 2},
		{"reopened", store.Options{}, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.opts.Params = chain.Regtest
			dir := t.TempDir()
			db := openDB(t, dir, tc.opts)
			blocks := []*chain.Block{genesis, b1, b2, b3, b4}
			if tc.split > 0 {
				ingest(t, db, seq(blocks[:tc.split]))
				if tc.name == "reopened" {
					db.Close()
					db = openDB(t, dir, tc.opts)
				}
			}
			_, err := db.Ingest(context.Background(), seq(blocks[tc.split:]), nil)
			checkBlockError(t, err, 4, store.ErrConflict)
			if tip := tipOf(db); tip != 3 {
				t.Fatalf("tip %d, want 3", tip)
			}
			verify(t, db)
		})
	}
}
