package trace_test

import (
	"context"
	"testing"
	"time"

	"github.com/plumetrace/plume/chain"
	"github.com/plumetrace/plume/internal/btcdtest"
	"github.com/plumetrace/plume/source/rpc"
	"github.com/plumetrace/plume/store"
	"github.com/plumetrace/plume/trace"
)

// TestWatchNode watches a stolen coin on a real btcd node: the store syncs
// the chain, the trace and taint make the case, and when the coin is spent
// the mempool alert arrives, then, once a block is mined, the
// confirmation.
func TestWatchNode(t *testing.T) {
	ctx := context.Background()
	node := btcdtest.Start(t, btcdtest.Options{ChangeKind: chain.KindP2PKH})
	node.Generate(150)
	theft := node.Spend(wireOut(5e8, node.Key.Script(chain.KindP2PKH)))
	node.Generate(1)

	client, err := rpc.Dial(ctx, rpc.Options{URL: node.URL, User: node.User, Password: node.Pass, Params: chain.Regtest})
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	db, err := store.Open(t.TempDir(), store.Options{Params: chain.Regtest})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Sync(ctx, client, store.SyncOptions{}); err != nil {
		t.Fatal(err)
	}
	res, err := trace.Follow(ctx, db, []trace.Seed{trace.OutSeed(theft.TxHash(), 0)}, trace.Options{Params: chain.Regtest})
	if err != nil {
		t.Fatal(err)
	}
	tn, err := trace.ComputeTaint(res, trace.TaintOptions{Model: trace.Haircut})
	if err != nil {
		t.Fatal(err)
	}
	c := trace.CaseFrom(tn)
	if len(c.Outputs) != 1 || c.Outputs[0].Taint != 5e8 {
		t.Fatalf("case %+v", c.Outputs)
	}

	alerts := make(chan trace.Alert, 16)
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go trace.Watch(wctx, client, c, trace.WatchOptions{Poll: 50 * time.Millisecond, Params: chain.Regtest,
		OnAlert: func(a trace.Alert) { alerts <- a }})
	time.Sleep(200 * time.Millisecond) // let the watch take its first look
	spend := node.SpendCoins(node.Coins(theft)[:1], wireOut(4e8, btcdtest.TestKey(60).Script(chain.KindP2PKH)))
	wait := func(kind trace.AlertKind) trace.Alert {
		t.Helper()
		select {
		case a := <-alerts:
			if a.Kind != kind || a.TxID != spend.TxHash().String() {
				t.Fatalf("alert %+v, want %s of %v", a, kind, spend.TxHash())
			}
			return a
		case <-time.After(10 * time.Second):
			t.Fatalf("no %s alert", kind)
		}
		return trace.Alert{}
	}
	start := time.Now()
	a := wait(trace.SpentUnconfirmed)
	t.Logf("mempool alert after %v", time.Since(start))
	if a.Taint != 5e8 || a.Share <= 0 || len(a.Path) < 2 {
		t.Errorf("mempool alert %+v", a)
	}
	node.Generate(1)
	start = time.Now()
	if a := wait(trace.Confirmed); a.Height == 0 {
		t.Errorf("confirmation %+v", a)
	}
	t.Logf("block alert after %v", time.Since(start))
}

// TestWatchNodeReorg: two btcd nodes mine competing branches, each holding
// a different spend of the stolen coin. The watch follows node A, which
// reorganises to B's longer branch: the spend there, at a height the
// watch had read already, is reported as replacing A's.
func TestWatchNodeReorg(t *testing.T) {
	ctx := context.Background()
	// Both nodes mine to the same key, so both can spend the stolen coin.
	a := btcdtest.Start(t, btcdtest.Options{Listen: true, ChangeKind: chain.KindP2PKH})
	b := btcdtest.Start(t, btcdtest.Options{Listen: true, ChangeKind: chain.KindP2PKH})
	a.Generate(101)
	theft := a.Spend(wireOut(5e8, a.Key.Script(chain.KindP2PKH)))
	a.Generate(1)
	a.Connect(b)
	a.WaitSync(b)
	a.Disconnect(b)

	client, err := rpc.Dial(ctx, rpc.Options{URL: a.URL, User: a.User, Password: a.Pass, Params: chain.Regtest})
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	script := a.Key.Script(chain.KindP2PKH)
	c := &trace.Case{Model: trace.Haircut, Outputs: []trace.Watched{{Out: a.Coins(theft)[0].OutPoint,
		Addr: chain.AddressOf(script), Value: 5e8, Taint: 5e8, Since: time.Now()}}}
	alerts := make(chan trace.Alert, 16)
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go trace.Watch(wctx, client, c, trace.WatchOptions{Poll: 50 * time.Millisecond, Params: chain.Regtest,
		OnAlert: func(al trace.Alert) { alerts <- al }})
	time.Sleep(200 * time.Millisecond) // let the watch take its first look
	wait := func(kind trace.AlertKind, txid string) trace.Alert {
		t.Helper()
		select {
		case al := <-alerts:
			if al.Kind != kind || al.TxID != txid {
				t.Fatalf("alert %+v, want %s of %s", al, kind, txid)
			}
			return al
		case <-time.After(10 * time.Second):
			t.Fatalf("no %s alert", kind)
		}
		return trace.Alert{}
	}

	onA := a.SpendCoins(a.Coins(theft)[:1], wireOut(4e8, btcdtest.TestKey(60).Script(chain.KindP2PKH)))
	wait(trace.SpentUnconfirmed, onA.TxHash().String())
	a.Generate(1)
	forkAt, _ := a.Tip()
	wait(trace.Confirmed, onA.TxHash().String())

	onB := b.SpendCoins(b.Coins(theft)[:1], wireOut(45e7, btcdtest.TestKey(61).Script(chain.KindP2PKH)))
	b.Generate(3)
	a.Connect(b)
	a.WaitSync(b)
	al := wait(trace.Replaced, onB.TxHash().String())
	if al.Height != forkAt || len(al.Replaces) != 1 || al.Replaces[0] != onA.TxHash().String() || al.Taint != 5e8 {
		t.Errorf("replacement on the new branch: %+v", al)
	}
}
