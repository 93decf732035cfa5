package graph_test

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"
	gg "gonum.org/v1/gonum/graph"

	"github.com/plumetrace/plume/chain"
	"github.com/plumetrace/plume/graph"
)

// A flow is usually what trace.Follow returns; here it is built by hand
// from two resolved transactions: a theft that moves a victim's coins to
// the thief, then a payment out of the thief's address with change back.
func ExampleNew() {
	victim := chain.Address{Kind: chain.KindP2WPKH, Hash: [32]byte{0x11}}
	thief := chain.Address{Kind: chain.KindP2WPKH, Hash: [32]byte{0x22}}
	mule := chain.Address{Kind: chain.KindP2WPKH, Hash: [32]byte{0x33}}

	// The theft, at position 5 of block 800000, spends the victim's
	// output 3 of a transaction outside the flow, at 799990:7.
	funding := chain.MakeTxID(799990, 7).Out(3)
	theft := &chain.Tx{
		ID:       chain.MakeTxID(800000, 5),
		Time:     time.Date(2023, 7, 24, 12, 0, 0, 0, time.UTC),
		Msg:      wire.NewMsgTx(2),
		Prevouts: []chain.Prevout{{Out: funding, Value: 100_010_000, Script: victim.Script(), Addr: victim, Resolved: true}},
	}
	theft.Msg.AddTxIn(wire.NewTxIn(wire.NewOutPoint(&chainhash.Hash{1}, 3), nil, nil))
	theft.Msg.AddTxOut(wire.NewTxOut(100_000_000, thief.Script()))
	theft.Hash = theft.Msg.TxHash()

	// The thief pays 0.3 BTC to a mule and the rest back to himself.
	payment := &chain.Tx{
		ID:       chain.MakeTxID(800001, 2),
		Time:     time.Date(2023, 7, 24, 12, 10, 0, 0, time.UTC),
		Msg:      wire.NewMsgTx(2),
		Prevouts: []chain.Prevout{{Out: theft.ID.Out(0), Value: 100_000_000, Script: thief.Script(), Addr: thief, Resolved: true}},
	}
	payment.Msg.AddTxIn(wire.NewTxIn(wire.NewOutPoint(&theft.Hash, 0), nil, nil))
	payment.Msg.AddTxOut(wire.NewTxOut(30_000_000, mule.Script()))
	payment.Msg.AddTxOut(wire.NewTxOut(69_990_000, thief.Script()))
	payment.Hash = payment.Msg.TxHash()
	theft.SpentBy = []chain.InPoint{{Tx: payment.ID, Vin: 0}}
	payment.SpentBy = make([]chain.InPoint, 2)

	f := graph.New(chain.Mainnet, true, []chain.OutPoint{theft.ID.Out(0)}, []graph.Member{
		{Tx: theft, Hop: 0},
		{Tx: payment, Hop: 1},
	})
	// 2 transactions, their 3 outputs and the victim's output they spend.
	fmt.Println("nodes:", f.NumNodes(), "edges:", f.NumEdges())

	// Value moved between addresses; what the thief pays himself is kept
	// apart, since the address graph has no loops.
	name := map[chain.Address]string{victim: "victim", thief: "thief", mule: "mule"}
	g := f.Addresses()
	for _, n := range g.AddrNodes() {
		to := gg.NodesOf(g.From(n.ID()))
		slices.SortFunc(to, func(a, b gg.Node) int { return cmp.Compare(a.ID(), b.ID()) })
		for _, m := range to {
			w, _ := g.Weight(n.ID(), m.ID())
			fmt.Printf("%s -> %s: %s BTC\n", name[n.Addr], name[m.(*graph.AddrNode).Addr], graph.BTC(int64(w)))
		}
		if n.SelfValue != 0 {
			fmt.Printf("%s -> itself: %s BTC\n", name[n.Addr], graph.BTC(n.SelfValue))
		}
	}
	// Output:
	// nodes: 6 edges: 5
	// victim -> thief: 1.00000000 BTC
	// thief -> mule: 0.30000000 BTC
	// thief -> itself: 0.69990000 BTC
}
