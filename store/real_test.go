package store_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/plumetrace/plume/chain"
	"github.com/plumetrace/plume/source/blkfile"
	"github.com/plumetrace/plume/store"
)

// Facts about the first bitcoin payment (block 170) and the peel chain
// that follows it, checkable in any block explorer.
const (
	firstPayment = "f4184fc596403b9d638783cf57adfe4c75c605f6356fbc91338530e9831e9e16"
	halFinney    = "1Q2TWHE3GMdB6BZKafqwxXtWAWgFt5Jvm3"
	satoshi9     = "12cbQLTFMXRnSzktFkuoG3eHoMeFtpTu3S" // paid by the block-9 coinbase
	realTipHash  = "00000000b3e750f37fdb42e1018799a9f44b546d393b130b369590a072430a1c"
	btc          = 100_000_000
)

// TestRealChain ingests the real mainnet blocks 0..14131 through blkfile,
// on disk and in memory, and checks hand-checkable facts, then everything
// against an independent replay.
func TestRealChain(t *testing.T) {
	blocks := realBlocks(t)
	want := replay(blocks)
	for _, tc := range []struct {
		name string
		opts store.Options
	}{
		{"disk", store.Options{}},
		{"memory", store.Options{InMemory: true}},
		{"disk/small-batches-and-cache", store.Options{BatchBytes: 32 << 10, UTXOCacheBytes: 64 << 10}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			db := openDB(t, t.TempDir(), tc.opts)
			r := openReal(t, blkfile.Options{})
			st := ingest(t, db, r.Blocks(ctx, 0))
			if st.Blocks != realTip+1 || st.Txs != realTxs || st.Inputs != want.inputs || st.Outputs != want.nouts ||
				st.Unresolved != 0 || st.Skipped != 0 || st.Tip.Height != realTip || st.Tip.Hash.String() != realTipHash {
				t.Fatalf("stats %+v, want %d blocks, %d txs, %d inputs, %d outputs, tip %d %s",
					st, realTip+1, realTxs, want.inputs, want.nouts, realTip, realTipHash)
			}
			if st.Entries == 0 || st.Entries >= 10*st.Txs {
				t.Errorf("%d entries for %d txs", st.Entries, st.Txs)
			}
			tip, ok := db.Tip()
			if !ok || tip != st.Tip {
				t.Fatalf("Tip() = %v %v, want %v", tip, ok, st.Tip)
			}
			t.Run("first-payment", func(t *testing.T) { checkFirstPayment(t, db) })
			t.Run("peel-chain", func(t *testing.T) { checkPeelChain(t, db) })
			t.Run("not-found", func(t *testing.T) { checkNotFound(t, db) })
			t.Run("reference", func(t *testing.T) { checkAgainst(t, db, want, nil) })
			t.Run("verify", func(t *testing.T) { verify(t, db) })
		})
	}
}

func checkFirstPayment(t *testing.T, db *store.DB) {
	ctx := context.Background()
	hash, _ := chainhash.NewHashFromStr(firstPayment)
	id := chain.MakeTxID(170, 1)
	ids, err := db.TxIDs(ctx, *hash)
	if err != nil || !slices.Equal(ids, []chain.TxID{id}) {
		t.Fatalf("TxIDs = %v, %v; want [%v]", ids, err, id)
	}
	tx, err := db.TxByHash(ctx, *hash)
	if err != nil {
		t.Fatal(err)
	}
	if tx.ID != id || tx.Hash != *hash || tx.Height() != 170 || tx.IsCoinbase() {
		t.Fatalf("TxByHash = %v %v", tx.ID, tx.Hash)
	}
	b170, err := db.Block(ctx, 170)
	if err != nil {
		t.Fatal(err)
	}
	if !tx.Time.Equal(b170.Header.Timestamp) || !tx.Time.Equal(time.Date(2009, 1, 12, 3, 30, 25, 0, time.UTC)) {
		t.Errorf("time %v, want block 170's %v", tx.Time, b170.Header.Timestamp)
	}
	hal, from := mustAddr(t, halFinney), mustAddr(t, satoshi9)
	outs := []struct {
		addr  chain.Address
		value int64
	}{{hal, 10 * btc}, {from, 40 * btc}}
	if len(tx.Msg.TxOut) != len(outs) {
		t.Fatalf("%d outputs", len(tx.Msg.TxOut))
	}
	for i, o := range outs {
		if tx.OutAddr(i) != o.addr || tx.Msg.TxOut[i].Value != o.value {
			t.Errorf("output %d pays %d to %v, want %d to %v", i, tx.Msg.TxOut[i].Value, tx.OutAddr(i), o.value, o.addr)
		}
	}
	if len(tx.Prevouts) != 1 {
		t.Fatalf("%d prevouts", len(tx.Prevouts))
	}
	p := tx.Prevouts[0]
	if !p.Resolved || p.Out != chain.MakeTxID(9, 0).Out(0) || p.Value != 50*btc || p.Addr != from {
		t.Errorf("prevout %+v, want block 9's coinbase output 0, 50 BTC to %s", p, satoshi9)
	}
	if fee, ok := tx.Fee(); !ok || fee != 0 {
		t.Errorf("fee %d %v, want 0", fee, ok)
	}
	// Hal's 10 BTC stay unspent in these blocks; the 40 BTC are spent by
	// input 0 of block 181's payment.
	spender := chain.InPoint{Tx: chain.MakeTxID(181, 1), Vin: 0}
	if !slices.Equal(tx.SpentBy, []chain.InPoint{{}, spender}) {
		t.Errorf("SpentBy %v, want [unspent, %v]", tx.SpentBy, spender)
	}
	for _, c := range []struct {
		out  chain.OutPoint
		want chain.InPoint
	}{
		{id.Out(1), spender},
		{id.Out(0), chain.InPoint{}},
		{chain.MakeTxID(9, 0).Out(0), chain.InPoint{Tx: id, Vin: 0}},
	} {
		if got, err := db.Spender(ctx, c.out); err != nil || got != c.want {
			t.Errorf("Spender(%v) = %v, %v; want %v", c.out, got, err, c.want)
		}
	}
	next, err := db.Tx(ctx, spender.Tx)
	if err != nil {
		t.Fatal(err)
	}
	if op := next.Msg.TxIn[0].PreviousOutPoint; op.Hash != *hash || op.Index != 1 || next.Prevouts[0].Out != id.Out(1) {
		t.Errorf("block 181 spends %v (%v), want %s:1", op, next.Prevouts[0].Out, firstPayment)
	}
}

// checkPeelChain checks the history of the address the block-9 coinbase
// paid: it pays Hal, then peels 10, 1, 1 and 10 BTC off in blocks 181,
// 182, 183 and 248, keeping the change.
func checkPeelChain(t *testing.T, db *store.DB) {
	ctx := context.Background()
	type ap struct {
		height, pos int
		spend       bool
		index       uint32
		value       int64
		prev        chain.OutPoint
	}
	o := func(h, p int, v uint32) chain.OutPoint { return chain.MakeTxID(int32(h), p).Out(v) }
	want := []ap{
		{9, 0, false, 0, 50 * btc, chain.OutPoint{}},
		{170, 1, true, 0, 50 * btc, o(9, 0, 0)},
		{170, 1, false, 1, 40 * btc, chain.OutPoint{}},
		{181, 1, true, 0, 40 * btc, o(170, 1, 1)},
		{181, 1, false, 1, 30 * btc, chain.OutPoint{}},
		{182, 1, true, 0, 30 * btc, o(181, 1, 1)},
		{182, 1, false, 1, 29 * btc, chain.OutPoint{}},
		{183, 1, true, 0, 29 * btc, o(182, 1, 1)},
		{183, 1, false, 1, 28 * btc, chain.OutPoint{}},
		{248, 1, true, 0, 28 * btc, o(183, 1, 1)},
		{248, 1, false, 1, 18 * btc, chain.OutPoint{}},
	}
	got := history(t, db, mustAddr(t, satoshi9))
	if len(got) != len(want) {
		t.Fatalf("%d appearances, want %d: %v", len(got), len(want), got)
	}
	for i, w := range want {
		b, err := db.Block(ctx, int32(w.height))
		if err != nil {
			t.Fatal(err)
		}
		wa := chain.Appearance{Tx: chain.MakeTxID(int32(w.height), w.pos), Index: w.index, Spend: w.spend, Value: w.value, Prev: w.prev, Time: b.Header.Timestamp}
		if !sameAppearance(got[i], wa) {
			t.Errorf("appearance %d = %+v, want %+v", i, got[i], wa)
		}
	}
	if bal, err := db.Balance(ctx, mustAddr(t, satoshi9)); err != nil || bal != 18*btc {
		t.Errorf("Balance = %d, %v; want 18 BTC", bal, err)
	}
	if bal, err := db.Balance(ctx, mustAddr(t, halFinney)); err != nil || bal != 10*btc {
		t.Errorf("Hal's balance = %d, %v; want 10 BTC", bal, err)
	}
}

// checkNotFound asks for things a store of 0..14131 does not hold.
func checkNotFound(t *testing.T, db *store.DB) {
	ctx := context.Background()
	errs := map[string]error{}
	_, errs["Tx above the tip"] = db.Tx(ctx, chain.MakeTxID(realTip+1, 0))
	_, errs["Tx past the block's last"] = db.Tx(ctx, chain.MakeTxID(170, 2))
	_, errs["TxIDs unknown"] = db.TxIDs(ctx, chainhash.Hash{1})
	_, errs["TxByHash unknown"] = db.TxByHash(ctx, chainhash.Hash{1})
	_, errs["Spender of a missing output"] = db.Spender(ctx, chain.MakeTxID(170, 1).Out(2))
	_, errs["Block above the tip"] = db.Block(ctx, realTip+1)
	_, errs["Block -1"] = db.Block(ctx, -1)
	for name, err := range errs {
		if !errors.Is(err, store.ErrNotFound) || !errors.Is(err, chain.ErrNotFound) {
			t.Errorf("%s: %v, want ErrNotFound", name, err)
		}
	}
	var unknown chain.Address
	unknown.Kind, unknown.Hash[0] = chain.KindP2PKH, 1
	if h := history(t, db, unknown); len(h) != 0 {
		t.Errorf("history of an unknown address: %v", h)
	}
	if bal, err := db.Balance(ctx, unknown); err != nil || bal != 0 {
		t.Errorf("Balance of an unknown address = %d, %v", bal, err)
	}
}
