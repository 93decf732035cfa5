package store_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"testing"

	"github.com/btcsuite/btcd/wire"
	"github.com/plumetrace/plume/chain"
	"github.com/plumetrace/plume/store"
)

// TestDoubleSpendReal adds to the real chain a block 14132 that spends
// the block-9 coinbase output again (block 170 spent it): refused with
// ErrConflict, nothing of it stored; an honest block 14132 then goes in.
func TestDoubleSpendReal(t *testing.T) {
	ctx := context.Background()
	blocks := realBlocks(t)
	db := memDB(t)
	ingest(t, db, seq(blocks))
	want := dump(t, db)

	tip := blocks[realTip]
	coinbase9 := wire.OutPoint{Hash: blocks[9].TxHashes[0], Index: 0}
	hal := wire.OutPoint{Hash: blocks[170].TxHashes[1], Index: 0} // unspent
	bad := after(t, tip).block(coinbase("bad", pay(1, 50*btc)), spend(ops(coinbase9), pay(2, 50*btc)))
	_, err := db.Ingest(ctx, seq([]*chain.Block{bad}), nil)
	checkBlockError(t, err, realTip+1, store.ErrConflict)
	checkIntact(t, db, realTip)
	sameDump(t, db, want)

	good := after(t, tip).block(coinbase("good", pay(1, 50*btc)), spend(ops(hal), pay(2, 10*btc)))
	ingest(t, db, seq([]*chain.Block{good}))
	verify(t, db)
	tx, err := db.Tx(ctx, chain.MakeTxID(realTip+1, 1))
	if err != nil {
		t.Fatal(err)
	}
	if p := tx.Prevouts[0]; p.Out != chain.MakeTxID(170, 1).Out(0) || p.Addr != mustAddr(t, halFinney) || p.Value != 10*btc {
		t.Errorf("honest block spends %+v, want Hal's 10 BTC at 170:1:0", p)
	}
	if sp, err := db.Spender(ctx, chain.MakeTxID(170, 1).Out(0)); err != nil || sp != (chain.InPoint{Tx: tx.ID}) {
		t.Errorf("Spender of Hal's output = %v, %v", sp, err)
	}
}

// TestDoubleSpend refuses blocks that spend an output twice, whichever
// path resolves the second spend: the same transaction, the same block,
// the batch being staged, the batch being written, the flushed store, or
// the store after a restart (when the ingest cache is empty). The store
// keeps every block before the bad one and none of it, and takes an
// honest block at that height afterwards.
func TestDoubleSpend(t *testing.T) {
	params := chain.Regtest
	bld, genesis := newBuilder(t, params)
	cb1 := coinbase("one", pay(1, 25*btc), pay(1, 25*btc))
	b1 := bld.block(cb1)
	pay1 := spend(ops(outpoint(cb1, 0)), pay(2, 25*btc))
	b2 := bld.block(coinbase("two", pay(1, 50*btc)), pay1)
	b3 := bld.block(coinbase("three", pay(1, 50*btc)))
	good := []*chain.Block{genesis, b1, b2, b3}
	next := func(txs ...*wire.MsgTx) *chain.Block {
		return after(t, b3).block(append([]*wire.MsgTx{coinbase("four", pay(1, 50*btc))}, txs...)...)
	}
	honest := next(spend(ops(outpoint(cb1, 1), outpoint(pay1, 0)), pay(3, 50*btc)))

	cleanDump := func(blocks []*chain.Block) []store.KV {
		db := openDB(t, "", store.Options{InMemory: true, Params: params})
		ingest(t, db, seq(blocks))
		defer db.Close()
		return dump(t, db)
	}
	wantGood := cleanDump(good)
	wantHonest := cleanDump(append(good[:len(good):len(good)], honest))

	bads := []struct {
		name string
		blk  *chain.Block
	}{
		{"twice-in-one-tx", next(spend(ops(outpoint(cb1, 1), outpoint(cb1, 1)), pay(3, 50*btc)))},
		{"twice-in-one-block", next(spend(ops(outpoint(cb1, 1)), pay(3, 25*btc)), spend(ops(outpoint(cb1, 1)), pay(4, 25*btc)))},
		{"spent-two-blocks-before", next(spend(ops(outpoint(cb1, 0)), pay(3, 25*btc)))},
		{"spent-in-own-tx-then-again", next(spend(ops(outpoint(pay1, 0)), pay(3, 25*btc)), spend(ops(outpoint(cb1, 0), outpoint(cb1, 1)), pay(4, 50*btc)))},
	}
	splits := []struct {
		name   string
		opts   store.Options
		first  int // blocks good[:first] in a first Ingest call, the rest with the bad block
		reopen bool
	}{
		{"one-call", store.Options{}, 0, false},
		{"batch-per-block", store.Options{BatchBytes: 1}, 0, false},
		{"second-call", store.Options{}, len(good), false},
		{"second-call-after-spend", store.Options{}, 3, false},
		{"after-restart", store.Options{}, len(good), true},
		{"after-restart-no-cache", store.Options{UTXOCacheBytes: 1, BatchBytes: 1}, 3, true},
	}
	for _, bad := range bads {
		for _, sp := range splits {
			t.Run(bad.name+"/"+sp.name, func(t *testing.T) {
				ctx := context.Background()
				sp.opts.Params = params
				dir := t.TempDir()
				db := openDB(t, dir, sp.opts)
				if sp.first > 0 {
					ingest(t, db, seq(good[:sp.first]))
				}
				if sp.reopen {
					db.Close()
					db = openDB(t, dir, sp.opts)
				}
				stream := append(good[sp.first:len(good):len(good)], bad.blk)
				_, err := db.Ingest(ctx, seq(stream), nil)
				checkBlockError(t, err, 4, store.ErrConflict)
				if got := tipOf(db); got != 3 {
					t.Fatalf("tip %d, want 3", got)
				}
				verify(t, db)
				sameDump(t, db, wantGood)
				ingest(t, db, seq([]*chain.Block{honest}))
				verify(t, db)
				sameDump(t, db, wantHonest)
			})
		}
	}
}

// TestCoinbaseMisplaced refuses blocks whose first transaction is not a
// coinbase, or that hold a second one.
func TestCoinbaseMisplaced(t *testing.T) {
	bld, genesis := newBuilder(t, chain.Regtest)
	cb1 := coinbase("one", pay(1, 50*btc))
	b1 := bld.block(cb1)
	for _, tc := range []struct {
		name string
		txs  []*wire.MsgTx
	}{
		{"no-coinbase", []*wire.MsgTx{spend(ops(outpoint(cb1, 0)), pay(2, 50*btc))}},
		{"coinbase-second", []*wire.MsgTx{spend(ops(outpoint(cb1, 0)), pay(2, 50*btc)), coinbase("two", pay(1, 50*btc))}},
		{"two-coinbases", []*wire.MsgTx{coinbase("two", pay(1, 50*btc)), coinbase("two-b", pay(1, 50*btc))}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := openDB(t, "", store.Options{InMemory: true, Params: chain.Regtest})
			ingest(t, db, seq([]*chain.Block{genesis, b1}))
			want := dump(t, db)
			bad := after(t, b1).block(tc.txs...)
			_, err := db.Ingest(context.Background(), seq([]*chain.Block{bad}), nil)
			checkBlockError(t, err, 2, store.ErrConflict)
			sameDump(t, db, want)
			verify(t, db)
		})
	}
}

// TestConflictingBlock offers a different block at a height the store
// holds (the real block 150 with another nonce, so another hash): refused
// with ErrConflict, not skipped, and the store is unchanged.
func TestConflictingBlock(t *testing.T) {
	blocks := realBlocks(t)
	raw := bytes.Clone(blocks[150].Raw)
	binary.LittleEndian.PutUint32(raw[76:80], binary.LittleEndian.Uint32(raw[76:80])+1)
	other, err := chain.DecodeBlock(raw, 150)
	if err != nil {
		t.Fatal(err)
	}
	if other.Hash == blocks[150].Hash {
		t.Fatal("the altered block has the same hash")
	}
	for _, tc := range []struct {
		name   string
		stored int // blocks stored by an earlier call
		stream []*chain.Block
	}{
		{"alone", 201, []*chain.Block{other}},
		{"after-skipped-blocks", 201, append(blocks[100:150:150], other, blocks[151])},
		{"in-the-same-call", 0, append(blocks[:201:201], other)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := openDB(t, t.TempDir(), store.Options{})
			ingest(t, db, seq(blocks[:tc.stored]))
			_, err := db.Ingest(context.Background(), seq(tc.stream), nil)
			checkBlockError(t, err, 150, store.ErrConflict)
			checkIntact(t, db, 200)
		})
	}
}
