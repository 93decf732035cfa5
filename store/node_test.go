package store_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/btcsuite/btcd/wire"

	"github.com/plumetrace/plume/chain"
	"github.com/plumetrace/plume/internal/btcdtest"
	"github.com/plumetrace/plume/source/rpc"
	"github.com/plumetrace/plume/store"
)

// These tests sync stores from real btcd nodes in regtest, built and run
// by internal/btcdtest.

func dialNode(t testing.TB, n *btcdtest.Node) *rpc.Client {
	t.Helper()
	c, err := rpc.Dial(context.Background(), rpc.Options{URL: n.URL, User: n.User, Password: n.Pass, Params: chain.Regtest})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// payMany makes n signed transactions on node: payments to fresh keys
// and, every third one, a spend joining two of the node's coins, so the
// chain has histories and clusters to check.
func payMany(t testing.TB, node *btcdtest.Node, rng *rand.Rand, n int) {
	t.Helper()
	for i := range n {
		k := btcdtest.TestKey(100 + rng.IntN(40))
		tx := node.Spend(wire.NewTxOut(1e6+rng.Int64N(1e8), k.Script(chain.KindP2PKH)), wire.NewTxOut(5e5, k.Script(chain.KindP2PKH)))
		if i%3 == 2 {
			node.Generate(1)
			if coins := node.Coins(tx); len(coins) >= 1 {
				node.SpendCoins(coins, wire.NewTxOut(1e5, btcdtest.TestKey(99).Script(chain.KindP2PKH)))
			}
		}
		if rng.IntN(4) == 0 {
			node.Generate(1)
		}
	}
	node.Generate(1)
}

func syncFresh(t testing.TB, n *btcdtest.Node) []store.KV {
	t.Helper()
	db := openDB(t, t.TempDir(), store.Options{Params: chain.Regtest})
	if _, err := db.Sync(context.Background(), dialNode(t, n), store.SyncOptions{}); err != nil {
		t.Fatal(err)
	}
	verify(t, db)
	return dump(t, db)
}

// TestSyncNodeReorg syncs 200+ blocks of real signed transactions from a
// btcd node, then has two connected nodes mine competing branches (3
// blocks on A, 5 on B) and reconnects them: A reorganises to B's branch,
// and the store following A disconnects its 3 blocks and connects B's 5,
// ending byte for byte equal to a fresh sync of the winning chain.
func TestSyncNodeReorg(t *testing.T) {
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(1, 2))
	keyB := btcdtest.TestKey(7)
	// Segwit activates only at height 432 on btcd's regtest: pay P2PKH.
	a := btcdtest.Start(t, btcdtest.Options{Listen: true, ChangeKind: chain.KindP2PKH})
	b := btcdtest.Start(t, btcdtest.Options{Listen: true, Key: &keyB, ChangeKind: chain.KindP2PKH})
	// Both nodes mine early, so both have mature coinbases to spend on
	// their branches later.
	a.Generate(120)
	a.Connect(b)
	a.WaitSync(b)
	b.Generate(110)
	b.WaitSync(a)
	payMany(t, a, rng, 60)
	a.WaitSync(b)

	db := openDB(t, t.TempDir(), store.Options{Params: chain.Regtest})
	src := dialNode(t, a)
	st, err := db.Sync(ctx, src, store.SyncOptions{})
	if err != nil || st.Tip.Height < 200 {
		t.Fatalf("sync: %+v, %v", st, err)
	}
	verify(t, db)
	miner, err := chain.Regtest.Parse(a.Key.Address(chain.KindP2PKH))
	if err != nil {
		t.Fatal(err)
	}
	if c, err := db.Cluster(ctx, miner); err != nil || c.Size < 1 {
		t.Errorf("cluster of the miner: %+v, %v", c, err)
	}

	a.Disconnect(b)
	payMany(t, a, rng, 3)
	a.Generate(3)
	payMany(t, b, rng, 3)
	b.Generate(6)
	if st, err := db.Sync(ctx, src, store.SyncOptions{}); err != nil || st.Connected == 0 {
		t.Fatalf("sync A's branch: %+v, %v", st, err)
	}
	aTip := mustTip(a)
	a.Connect(b)
	a.WaitSync(b)
	if got := mustTip(a); got <= aTip {
		t.Fatalf("A did not reorganise to B's longer branch: tip %d, was %d", got, aTip)
	}
	st, err = db.Sync(ctx, src, store.SyncOptions{})
	if err != nil || st.Disconnected < 3 {
		t.Fatalf("sync after the reorg: %+v, %v", st, err)
	}
	verify(t, db)
	t.Logf("reorg: disconnected %d, connected %d, tip %d", st.Disconnected, st.Connected, st.Tip.Height)
	sameDump(t, db, syncFresh(t, a))
}

func mustTip(n *btcdtest.Node) int32 {
	h, _ := n.Tip()
	return h
}

// TestSyncNodeKilled kills the process that syncs from a node at random
// moments and starts it again: each time the store reopens consistent and
// resumes, and the end equals a sync that was never interrupted.
func TestSyncNodeKilled(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	node := btcdtest.Start(t, btcdtest.Options{ChangeKind: chain.KindP2PKH})
	node.Generate(150)
	payMany(t, node, rng, 80)
	node.Generate(100)
	want := syncFresh(t, node)

	dir := t.TempDir()
	kills := 0
	for round := 0; round < 12; round++ {
		cmd := exec.Command(os.Args[0], "-test.run=^TestSyncChild$", "-test.v")
		cmd.Env = append(os.Environ(), "PLUME_SYNC_CHILD="+dir, "PLUME_SYNC_URL="+node.URL, "PLUME_SYNC_USER="+node.User, "PLUME_SYNC_PASS="+node.Pass)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("child: %v", err)
			}
		case <-time.After(time.Duration(20+rng.IntN(230)) * time.Millisecond):
			cmd.Process.Kill()
			<-done
			kills++
		}
		db, err := store.Open(dir, store.Options{Params: chain.Regtest})
		if err != nil {
			t.Fatalf("reopen after kill %d: %v", kills, err)
		}
		if err := db.Verify(context.Background()); err != nil {
			t.Fatalf("after kill %d: %v", kills, err)
		}
		tip, _ := db.Tip()
		db.Close()
		t.Logf("round %d: tip %d after %d kills", round, tip.Height, kills)
	}
	if kills == 0 {
		t.Fatal("no child was killed mid-sync; the test proves nothing")
	}
	db := openDB(t, dir, store.Options{Params: chain.Regtest})
	if _, err := db.Sync(context.Background(), dialNode(t, node), store.SyncOptions{}); err != nil {
		t.Fatal(err)
	}
	verify(t, db)
	sameDump(t, db, want)
}

// TestSyncChild is the process TestSyncNodeKilled kills: it syncs with
// tiny batches, so watermarks move often.
func TestSyncChild(t *testing.T) {
	dir := os.Getenv("PLUME_SYNC_CHILD")
	if dir == "" {
		t.Skip("run by TestSyncNodeKilled")
	}
	db, err := store.Open(dir, store.Options{Params: chain.Regtest, BatchBytes: 16 << 10})
	if err != nil {
		fmt.Println(err)
		os.Exit(1)
	}
	c, err := rpc.Dial(context.Background(), rpc.Options{URL: os.Getenv("PLUME_SYNC_URL"), User: os.Getenv("PLUME_SYNC_USER"), Password: os.Getenv("PLUME_SYNC_PASS"), Params: chain.Regtest})
	if err != nil {
		fmt.Println(err)
		os.Exit(1)
	}
	if _, err := db.Sync(context.Background(), c, store.SyncOptions{}); err != nil {
		fmt.Println(err)
		os.Exit(1)
	}
	db.Close()
}

// nodeTip is the node's best block as a store tip.
func nodeTip(n *btcdtest.Node) store.Tip {
	h, hash := n.Tip()
	return store.Tip{Height: h, Hash: hash}
}

// mustHold checks that the store holds tx in the block at height.
func mustHold(t testing.TB, db *store.DB, tx *wire.MsgTx, height int32) {
	t.Helper()
	got, err := db.TxByHash(context.Background(), tx.TxHash())
	if err != nil || got.ID.Height() != height {
		t.Fatalf("the store's %v: %v, %v; want it at height %d", tx.TxHash(), got, err, height)
	}
}

// TestSyncNodeFollow follows a btcd node's tip: blocks mined with a
// signed payment are reported by OnTip and land in the store, the node is
// killed (OnError reports it unreachable, the follow goes on) and
// restarted, and the follow catches up with the blocks mined afterwards.
// Cancelling ctx ends it with a nil error and a store equal to a fresh
// sync.
func TestSyncNodeFollow(t *testing.T) {
	ctx := context.Background()
	node := btcdtest.Start(t, btcdtest.Options{ChangeKind: chain.KindP2PKH})
	node.Generate(btcdtest.CoinbaseMaturity + 5)
	// Few, fast retries in the client: the follow's own backoff is tested.
	src, err := rpc.Dial(ctx, rpc.Options{URL: node.URL, User: node.User, Password: node.Pass, Params: chain.Regtest, Retries: 1, Backoff: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { src.Close() })
	db := openDB(t, t.TempDir(), store.Options{Params: chain.Regtest})
	if _, err := db.Sync(ctx, src, store.SyncOptions{}); err != nil {
		t.Fatal(err)
	}
	const poll = 20 * time.Millisecond
	f := startFollow(t, db, src, store.SyncOptions{Poll: poll})

	payee := btcdtest.TestKey(5)
	tx := node.Spend(wire.NewTxOut(3e8, payee.Script(chain.KindP2PKH)))
	node.Generate(1)
	if st := waitTip(t, f.tips, nodeTip(node)); st.Connected != 1 || st.Disconnected != 0 {
		t.Errorf("OnTip after one block: %+v", st)
	}
	mustHold(t, db, tx, nodeTip(node).Height)
	addr, err := chain.Regtest.Parse(payee.Address(chain.KindP2PKH))
	if err != nil {
		t.Fatal(err)
	}
	if h := history(t, db, addr); len(h) != 1 || h[0].Value != 3e8 {
		t.Errorf("the payee's history: %+v, want the payment of 3 BTC", h)
	}
	node.Generate(2)
	if st := waitTip(t, f.tips, nodeTip(node)); st.Connected != 2 {
		t.Errorf("OnTip after two more blocks: %+v", st)
	}

	node.Kill()
	var waits []time.Duration
	for len(waits) < 3 {
		select {
		case e := <-f.fails:
			if !errors.Is(e.err, rpc.ErrUnreachable) {
				t.Fatalf("OnError with the node down: %v, want ErrUnreachable", e.err)
			}
			waits = append(waits, e.wait)
		case err := <-f.done:
			t.Fatalf("the follow ended when the node went down: %v", err)
		case <-time.After(30 * time.Second):
			t.Fatalf("%d OnErrors within 30 s of the node going down, want 3", len(waits))
		}
	}
	if waits[0] != poll || waits[1] != 2*poll || waits[2] != 4*poll {
		t.Errorf("waits after failures in a row: %v, want Poll doubling", waits)
	}
	node.Restart()
	tx2 := node.Spend(wire.NewTxOut(2e8, payee.Script(chain.KindP2PKH)))
	node.Generate(3)
	if st := waitTip(t, f.tips, nodeTip(node)); st.Connected != 3 {
		t.Errorf("OnTip after the restart: %+v, want the 3 new blocks", st)
	}
	mustHold(t, db, tx2, nodeTip(node).Height-2)
	if err := f.stop(t); err != nil {
		t.Fatalf("cancelled follow returned %v, want nil", err)
	}
	verify(t, db)
	sameDump(t, db, syncFresh(t, node))
}

// TestSyncNodeFollowReorg follows node A while it mines 3 blocks alone
// and B mines 5; when they meet A reorganises to B's branch, and the
// follow disconnects A's 3 blocks and connects B's 5: A's payment leaves
// the store, B's arrives, and the store equals a fresh sync.
func TestSyncNodeFollowReorg(t *testing.T) {
	ctx := context.Background()
	keyB := btcdtest.TestKey(7)
	a := btcdtest.Start(t, btcdtest.Options{Listen: true, ChangeKind: chain.KindP2PKH})
	b := btcdtest.Start(t, btcdtest.Options{Listen: true, Key: &keyB, ChangeKind: chain.KindP2PKH})
	a.Generate(btcdtest.CoinbaseMaturity)
	a.Connect(b)
	a.WaitSync(b)
	b.Generate(btcdtest.CoinbaseMaturity + 1)
	b.WaitSync(a)
	fork := nodeTip(a)

	db := openDB(t, t.TempDir(), store.Options{Params: chain.Regtest})
	f := startFollow(t, db, dialNode(t, a), store.SyncOptions{Poll: 20 * time.Millisecond})
	waitTip(t, f.tips, fork)

	a.Disconnect(b)
	payA := a.Spend(wire.NewTxOut(4e8, btcdtest.TestKey(8).Script(chain.KindP2PKH)))
	a.Generate(3)
	if st := waitTip(t, f.tips, nodeTip(a)); st.Connected != 3 {
		t.Errorf("OnTip on A's branch: %+v", st)
	}
	mustHold(t, db, payA, fork.Height+1)
	payB := b.Spend(wire.NewTxOut(6e8, btcdtest.TestKey(9).Script(chain.KindP2PKH)))
	b.Generate(5)
	a.Connect(b)
	a.WaitSync(b)
	st := waitTip(t, f.tips, nodeTip(a))
	if st.Tip != nodeTip(b) || st.Disconnected != 3 || st.Connected != 5 {
		t.Fatalf("OnTip after A reorganised: %+v, want 3 blocks disconnected and B's 5 connected", st)
	}
	mustHold(t, db, payB, fork.Height+1)
	if _, err := db.TxByHash(ctx, payA.TxHash()); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("A's payment after the reorganisation: %v, want ErrNotFound", err)
	}
	if err := f.stop(t); err != nil {
		t.Fatalf("cancelled follow returned %v, want nil", err)
	}
	verify(t, db)
	sameDump(t, db, syncFresh(t, a))
}
