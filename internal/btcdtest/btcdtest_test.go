package btcdtest_test

import (
	"testing"

	"github.com/btcsuite/btcd/wire"

	"github.com/plumetrace/plume/chain"
	"github.com/plumetrace/plume/internal/btcdtest"
)

// TestSpendEveryKind pays the node's key with each script kind and spends
// the three coins together: signatures of every kind that btcd accepts.
func TestSpendEveryKind(t *testing.T) {
	t.Parallel()
	n := btcdtest.Start(t, btcdtest.Options{})
	n.Generate(btcdtest.SegwitHeight)
	var outs []*wire.TxOut
	for _, k := range btcdtest.Kinds {
		outs = append(outs, wire.NewTxOut(1e8, n.Key.Script(k)))
	}
	fund := n.Spend(outs...)
	n.Generate(1)
	coins := n.Coins(fund)
	if len(coins) != len(btcdtest.Kinds)+1 { // and the change
		t.Fatalf("%d coins, want %d", len(coins), len(btcdtest.Kinds)+1)
	}
	other := btcdtest.TestKey(1)
	spend := n.SpendCoins(coins[:3], wire.NewTxOut(2e8, other.Script(chain.KindP2TR)))
	if got := n.Mempool(); len(got) != 1 || got[0] != spend.TxHash().String() {
		t.Fatalf("mempool %v, want [%v]", got, spend.TxHash())
	}
	_, tip := n.Tip()
	n.Generate(1)
	b := n.Block(n.BlockHash(btcdtest.SegwitHeight + 2))
	if b.Header.PrevBlock != tip || len(b.Transactions) != 2 || b.Transactions[1].TxHash() != spend.TxHash() {
		t.Fatalf("block %d does not hold the spend", btcdtest.SegwitHeight+2)
	}
	if !b.Transactions[1].HasWitness() {
		t.Error("the spend of P2WPKH and P2TR coins has no witness")
	}
}

// TestKillRestart stops a node cleanly and starts it again, then kills it
// as a crash would and starts it again: it keeps its chain both times.
func TestKillRestart(t *testing.T) {
	t.Parallel()
	n := btcdtest.Start(t, btcdtest.Options{})
	n.Generate(120)
	n.Spend(wire.NewTxOut(5e8, btcdtest.TestKey(2).Script(chain.KindP2WPKH)))
	n.Generate(1)
	height, hash := n.Tip()
	n.Restart()
	if h2, hash2 := n.Tip(); h2 != height || hash2 != hash {
		t.Fatalf("after restart tip %d %v, want %d %v\n%s", h2, hash2, height, hash, n.Log())
	}
	n.Generate(1)
	n.Kill()
	if err := n.Call(nil, "getblockcount"); err == nil {
		t.Fatal("a killed node answers")
	}
	n.Restart()
	if h, _ := n.Tip(); h != height+1 {
		t.Fatalf("after kill and restart tip %d, want %d", h, height+1)
	}
	n.Spend(wire.NewTxOut(5e8, btcdtest.TestKey(2).Script(chain.KindP2WPKH)))
	n.Generate(1)
}

// TestReorg is the scenario a store's reorg test needs: two connected
// nodes share a chain, are parted, mine 3 and 5 blocks, and are joined
// again; the node with 3 abandons them for the other's 5.
func TestReorg(t *testing.T) {
	t.Parallel()
	k1 := btcdtest.TestKey(1)
	a := btcdtest.Start(t, btcdtest.Options{Listen: true})
	b := btcdtest.Start(t, btcdtest.Options{Listen: true, Key: &k1})
	a.Connect(b)
	a.Generate(110)
	a.WaitSync(b)
	fork, _ := a.Tip()

	a.Disconnect(b)
	a.Spend(wire.NewTxOut(1e8, btcdtest.TestKey(3).Script(chain.KindP2PKH)))
	aBranch := a.Generate(3)
	bBranch := b.Generate(5)
	if h, _ := a.Tip(); h != fork+3 {
		t.Fatalf("A's tip %d after mining 3 alone, want %d", h, fork+3)
	}

	a.Connect(b)
	a.WaitSync(b)
	h, tip := a.Tip()
	if h != fork+5 || tip != bBranch[4] {
		t.Fatalf("A's tip %d %v, want B's %d %v", h, tip, fork+5, bBranch[4])
	}
	for i, hash := range aBranch {
		if got := a.BlockHash(fork + 1 + int32(i)); got == hash {
			t.Errorf("A's block %d is still its own %v", fork+1+int32(i), hash)
		}
	}
}
