package chain_test

import (
	"testing"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"
	"github.com/plumetrace/plume/chain"
)

// resolve builds the chain.Tx of tx i of block b the way a source does,
// looking each spent output up in outs; spends missing from outs are left
// unresolved.
func resolve(b *chain.Block, i int, outs map[wire.OutPoint]chain.Prevout) *chain.Tx {
	tx := &chain.Tx{ID: b.TxID(i), Hash: b.TxHashes[i], Time: b.Header.Timestamp, Msg: b.Txs[i]}
	if chain.IsCoinbase(tx.Msg) {
		return tx
	}
	for _, in := range tx.Msg.TxIn {
		tx.Prevouts = append(tx.Prevouts, outs[in.PreviousOutPoint])
	}
	return tx
}

// earlyOutputs indexes every output of the early blocks.
func earlyOutputs(t testing.TB) map[wire.OutPoint]chain.Prevout {
	blocks, _ := earlyBlocks(t)
	outs := map[wire.OutPoint]chain.Prevout{}
	for _, b := range blocks {
		for i, tx := range b.Txs {
			for v, o := range tx.TxOut {
				outs[wire.OutPoint{Hash: b.TxHashes[i], Index: uint32(v)}] = chain.Prevout{
					Out: b.TxID(i).Out(uint32(v)), Value: o.Value, Script: o.PkScript,
					Addr: chain.AddressOf(o.PkScript), Resolved: true,
				}
			}
		}
	}
	return outs
}

func TestTx(t *testing.T) {
	blocks, _ := earlyBlocks(t)
	outs := earlyOutputs(t)
	b9, b170 := blocks[9], blocks[170]
	hal := resolve(b170, 1, outs)
	coinbase := resolve(b9, 0, outs)

	unresolved := resolve(b170, 1, outs)
	unresolved.Prevouts = []chain.Prevout{{}}

	// Two resolved inputs and one unresolved, from a synthetic tx.
	mixed := &chain.Tx{
		Msg: &wire.MsgTx{
			TxIn:  []*wire.TxIn{{}, {}, {}},
			TxOut: []*wire.TxOut{{Value: 4e8}, {Value: 9e7}},
		},
		Prevouts: []chain.Prevout{{Value: 3e8, Resolved: true}, {Value: 2e8, Resolved: true}, {}},
	}
	paid := &chain.Tx{Msg: mixed.Msg, Prevouts: []chain.Prevout{{Value: 3e8, Resolved: true}, {Value: 2e8, Resolved: true}, {Value: 1, Resolved: true}}}
	short := &chain.Tx{Msg: mixed.Msg, Prevouts: paid.Prevouts[:2]}
	none := &chain.Tx{Msg: mixed.Msg}

	for _, tc := range []struct {
		name         string
		tx           *chain.Tx
		coinbase     bool
		in           int64
		complete     bool
		fee          int64
		feeKnown     bool
		out          int64
		firstOutAddr string
	}{
		{"block 9 coinbase", coinbase, true, 0, true, 0, true, 50e8, "12cbQLTFMXRnSzktFkuoG3eHoMeFtpTu3S"},
		{"block 170, resolved", hal, false, 50e8, true, 0, true, 50e8, "1Q2TWHE3GMdB6BZKafqwxXtWAWgFt5Jvm3"},
		{"block 170, unresolved", unresolved, false, 0, false, 0, false, 50e8, "1Q2TWHE3GMdB6BZKafqwxXtWAWgFt5Jvm3"},
		{"one of three unresolved", mixed, false, 5e8, false, 0, false, 4.9e8, ""},
		{"all resolved, fee paid", paid, false, 5e8 + 1, true, 1e7 + 1, true, 4.9e8, ""},
		{"prevouts shorter than inputs", short, false, 5e8, false, 0, false, 4.9e8, ""},
		{"no prevouts", none, false, 0, false, 0, false, 4.9e8, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.tx.IsCoinbase(); got != tc.coinbase {
				t.Errorf("IsCoinbase() = %v", got)
			}
			in, complete := tc.tx.InValue()
			if in != tc.in || complete != tc.complete {
				t.Errorf("InValue() = %d, %v; want %d, %v", in, complete, tc.in, tc.complete)
			}
			fee, known := tc.tx.Fee()
			if fee != tc.fee || known != tc.feeKnown {
				t.Errorf("Fee() = %d, %v; want %d, %v", fee, known, tc.fee, tc.feeKnown)
			}
			if got := tc.tx.OutValue(); got != tc.out {
				t.Errorf("OutValue() = %d, want %d", got, tc.out)
			}
			if tc.firstOutAddr != "" {
				if got := chain.Mainnet.Format(tc.tx.OutAddr(0)); got != tc.firstOutAddr {
					t.Errorf("OutAddr(0) = %s, want %s", got, tc.firstOutAddr)
				}
			}
		})
	}
	if hal.Height() != 170 || hal.ID.Pos() != 1 {
		t.Errorf("Height, Pos = %d, %d", hal.Height(), hal.ID.Pos())
	}
	if got := hal.Prevouts[0].Out; got != chain.MakeTxID(9, 0).Out(0) {
		t.Errorf("block 170 spends %v, want 9:0:0", got)
	}
	if !hal.Time.Equal(time.Date(2009, 1, 12, 3, 30, 25, 0, time.UTC)) {
		t.Errorf("Time = %v, want block 170's timestamp", hal.Time)
	}
}

// TestFeesEarlyChain resolves every transaction of heights 0..14131, as a
// source that started at genesis would, and checks what fees must satisfy.
func TestFeesEarlyChain(t *testing.T) {
	blocks, _ := earlyBlocks(t)
	outs := earlyOutputs(t)
	var spends int
	for _, b := range blocks {
		var fees int64
		for i := range b.Txs {
			tx := resolve(b, i, outs)
			fee, known := tx.Fee()
			if !known || fee < 0 {
				t.Fatalf("tx %v (%v): Fee() = %d, %v", tx.ID, tx.Hash, fee, known)
			}
			if i > 0 {
				spends += len(tx.Prevouts)
			}
			fees += fee
		}
		// A coinbase may claim at most the subsidy (50 BTC in this era)
		// plus the block's fees.
		if cb := resolve(b, 0, outs); cb.OutValue() > 50e8+fees {
			t.Errorf("block %d: coinbase pays %d, more than subsidy + fees %d", b.Height, cb.OutValue(), fees)
		}
	}
	if spends == 0 {
		t.Fatal("no inputs resolved")
	}
}

func TestIsCoinbase(t *testing.T) {
	null := wire.OutPoint{Index: wire.MaxPrevOutIndex}
	for _, tc := range []struct {
		name string
		ins  []wire.OutPoint
		want bool
	}{
		{"null outpoint", []wire.OutPoint{null}, true},
		{"no inputs", nil, false},
		{"two inputs", []wire.OutPoint{null, null}, false},
		{"index 0", []wire.OutPoint{{}}, false},
		{"non-null hash", []wire.OutPoint{{Hash: chainhash.Hash{1}, Index: wire.MaxPrevOutIndex}}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tx := wire.NewMsgTx(1)
			for _, op := range tc.ins {
				tx.AddTxIn(wire.NewTxIn(&op, nil, nil))
			}
			if got := chain.IsCoinbase(tx); got != tc.want {
				t.Errorf("IsCoinbase = %v, want %v", got, tc.want)
			}
			if got := (&chain.Tx{Msg: tx}).IsCoinbase(); got != tc.want {
				t.Errorf("Tx.IsCoinbase = %v, want %v", got, tc.want)
			}
		})
	}
	if (&chain.Tx{}).IsCoinbase() {
		t.Error("a Tx without Msg is a coinbase")
	}
}

func TestAppearanceHeight(t *testing.T) {
	a := chain.Appearance{Tx: chain.MakeTxID(248, 3), Spend: true}
	if a.Height() != 248 {
		t.Errorf("Height() = %d", a.Height())
	}
}
