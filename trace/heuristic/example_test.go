package heuristic_test

import (
	"fmt"

	"github.com/btcsuite/btcd/wire"

	"github.com/plumetrace/plume/chain"
	"github.com/plumetrace/plume/trace/heuristic"
)

// CoinJoin recognises a Whirlpool mix: five inputs, three of them earlier
// mix outputs of exactly 0.01 BTC and two new entrants carrying their
// share of the miner fee, into five 0.01 BTC outputs.
func ExampleCoinJoin() {
	tx := &chain.Tx{Msg: wire.NewMsgTx(2)}
	for i, v := range []int64{1_000_000, 1_000_000, 1_000_000, 1_001_700, 1_001_700} {
		from := chain.Address{Kind: chain.KindP2WPKH, Hash: [32]byte{1, byte(i)}}
		tx.Msg.AddTxIn(wire.NewTxIn(&wire.OutPoint{Index: uint32(i)}, nil, nil))
		tx.Prevouts = append(tx.Prevouts, chain.Prevout{Value: v, Addr: from, Script: from.Script(), Resolved: true})
		to := chain.Address{Kind: chain.KindP2WPKH, Hash: [32]byte{2, byte(i)}}
		tx.Msg.AddTxOut(wire.NewTxOut(1_000_000, to.Script()))
	}
	if d, ok := heuristic.CoinJoin(tx); ok {
		fmt.Println(d.Kind, d.Confidence)
		fmt.Println(d.Reason)
	}
	// Output:
	// whirlpool 0.6
	// 5x5 in the 0.01 BTC pool: 2 new entrants, 3 remixers
}

// A payment of exactly 0.01 BTC to a legacy address from a segwit wallet:
// the other output has the inputs' script type and an odd value, so two
// rules name it as the change. Optimal change cannot tell alone (with one
// input every output is below it), but it agrees.
func ExampleRule_Any() {
	wallet := chain.Address{Kind: chain.KindP2WPKH, Hash: [32]byte{1}}
	shop := chain.Address{Kind: chain.KindP2PKH, Hash: [32]byte{2}}
	change := chain.Address{Kind: chain.KindP2WPKH, Hash: [32]byte{3}}
	tx := &chain.Tx{Msg: wire.NewMsgTx(2)}
	tx.Msg.AddTxIn(wire.NewTxIn(&wire.OutPoint{}, nil, nil))
	tx.Prevouts = []chain.Prevout{{Value: 5_000_000, Addr: wallet, Script: wallet.Script(), Resolved: true}}
	tx.Msg.AddTxOut(wire.NewTxOut(1_000_000, shop.Script()))
	tx.Msg.AddTxOut(wire.NewTxOut(3_987_654, change.Script()))

	rules := heuristic.ScriptType | heuristic.RoundPayment | heuristic.OptimalChange
	if c, ok := rules.Any(tx, nil); ok {
		fmt.Println("any:", c.Index, c.Reasons)
	}
	if c, ok := rules.All(tx, nil); ok {
		fmt.Println("all:", c.Index, c.Reasons)
	}
	// Output:
	// any: 1 script-type|round-payment
	// all: 1 script-type|optimal-change|round-payment
}
