package trace_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"

	"github.com/plumetrace/plume/chain"
	"github.com/plumetrace/plume/internal/flowtest"
	"github.com/plumetrace/plume/trace"
)

// startWatch watches c on feed, with alerts to the channel it returns,
// until the test ends; it fails the test if Watch returns early or with
// an error.
func startWatch(t *testing.T, feed *fakeFeed, c *trace.Case, opts trace.WatchOptions) <-chan trace.Alert {
	t.Helper()
	return startWatchOn(t, feed, feed.polled, c, opts)
}

// startWatchOn is startWatch on any feed, polled closed when the watch
// first reads its mempool.
func startWatchOn(t *testing.T, feed trace.Feed, polled <-chan struct{}, c *trace.Case, opts trace.WatchOptions) <-chan trace.Alert {
	t.Helper()
	alerts := make(chan trace.Alert, 64)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	if opts.Poll == 0 {
		opts.Poll = 5 * time.Millisecond
	}
	opts.Params = chain.Regtest
	opts.OnAlert = func(a trace.Alert) { alerts <- a }
	go func() { done <- trace.Watch(ctx, feed, c, opts) }()
	t.Cleanup(func() {
		select {
		case err := <-done:
			t.Errorf("Watch returned before the test ended: %v", err)
			return
		default:
		}
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Watch: %v", err)
		}
	})
	<-polled
	return alerts
}

// stolenCase watches n stolen coins of 1 BTC, all taint, taken just now.
func stolenCase(n int) *trace.Case {
	c := &trace.Case{Model: trace.Haircut}
	for i := range n {
		op := wire.OutPoint{Hash: chainhash.Hash{0xaa, byte(i)}}
		c.Outputs = append(c.Outputs, trace.Watched{Out: op, Addr: flowtest.Addr(100 + i), Value: flowtest.BTC, Taint: flowtest.BTC,
			Since: time.Now(), Path: []chainhash.Hash{op.Hash}})
	}
	return c
}

// expectNone checks that no alert comes for a while.
func expectNone(t *testing.T, alerts <-chan trace.Alert) {
	t.Helper()
	select {
	case a := <-alerts:
		t.Errorf("unexpected alert %+v", a)
	case <-time.After(50 * time.Millisecond):
	}
}

func txid(tx *wire.MsgTx) string { return tx.TxHash().String() }

// TestWatchReplaced: a watched coin whose spend is unconfirmed stays
// watched. A fee bump in the mempool raises a Replaced alert naming both
// transactions, and drops the replaced one's child; a double spend mined
// in place of an unconfirmed spend does the same from the block.
func TestWatchReplaced(t *testing.T) {
	c := stolenCase(1)
	stolen := c.Outputs[0].Out
	feed := newFakeFeed(100)
	alerts := startWatch(t, feed, c, trace.WatchOptions{})
	mule, mule2 := flowtest.Addr(1), flowtest.Addr(2)

	first := spendOf([]wire.OutPoint{stolen}, payTo(mule, 99e6))
	feed.send(first)
	expect(t, alerts, trace.SpentUnconfirmed)
	child := spendOf([]wire.OutPoint{{Hash: first.TxHash()}}, payTo(mule2, 98e6))
	feed.send(child)
	if a := expect(t, alerts, trace.SpentUnconfirmed); a.TxID != txid(child) {
		t.Errorf("child %+v", a)
	}
	// The fee bump pays less to the mule; the node evicts the first
	// spend and its child.
	bump := spendOf([]wire.OutPoint{stolen}, payTo(mule, 95e6))
	feed.evict(first, child)
	feed.send(bump)
	a := expect(t, alerts, trace.Replaced)
	if a.TxID != txid(bump) || !slices.Equal(a.Replaces, []string{txid(first)}) || a.Height != 0 || a.Taint != flowtest.BTC || a.Outputs[0].Value != 95e6 {
		t.Errorf("replacement %+v", a)
	}
	if a := expect(t, alerts, trace.Dropped); a.TxID != txid(child) {
		t.Errorf("the replaced spend's child: %+v", a)
	}
	// The first spend's output is no longer watched: spending it again
	// raises nothing, while the bump's output is followed.
	feed.send(spendOf([]wire.OutPoint{{Hash: first.TxHash()}}, payTo(mule2, 97e6)))
	next := spendOf([]wire.OutPoint{{Hash: bump.TxHash()}}, payTo(mule2, 94e6))
	feed.send(next)
	if a := expect(t, alerts, trace.SpentUnconfirmed); a.TxID != txid(next) {
		t.Errorf("spend of the bump's output: %+v", a)
	}
	// A double spend of the bump's output is mined instead of next.
	double := spendOf([]wire.OutPoint{{Hash: bump.TxHash()}}, payTo(mule, 93e6))
	feed.evict(next)
	feed.mine(time.Now(), bump, double)
	if a := expect(t, alerts, trace.Confirmed); a.TxID != txid(bump) || a.Height != 101 || a.Replaces != nil {
		t.Errorf("bump confirmed: %+v", a)
	}
	if a := expect(t, alerts, trace.Replaced); a.TxID != txid(double) || a.Height != 101 || !slices.Equal(a.Replaces, []string{txid(next)}) {
		t.Errorf("double spend mined: %+v", a)
	}
	expectNone(t, alerts)
}

// TestWatchReorg: after a reorganisation Watch reads the new branch, at
// heights it has seen already: a conflicting spend there is a
// replacement, the same spend in another block is confirmed again at its
// new height, and a spend that only the abandoned branch held is
// unconfirmed again, then confirmed when mined anew.
func TestWatchReorg(t *testing.T) {
	c := stolenCase(1)
	stolen := c.Outputs[0].Out
	feed := newFakeFeed(100)
	alerts := startWatch(t, feed, c, trace.WatchOptions{})
	mule, mule2 := flowtest.Addr(1), flowtest.Addr(2)
	now := time.Now()

	first := spendOf([]wire.OutPoint{stolen}, payTo(mule, 99e6))
	feed.mine(now, first)
	expect(t, alerts, trace.SpentConfirmed)
	// A block of the same height replaces block 101: the tip's height
	// stays, only its hash tells.
	double := spendOf([]wire.OutPoint{stolen}, payTo(mule2, 99e6))
	feed.reorg(1, now, []*wire.MsgTx{double})
	a := expect(t, alerts, trace.Replaced)
	if a.TxID != txid(double) || a.Height != 101 || !slices.Equal(a.Replaces, []string{txid(first)}) {
		t.Errorf("conflict on the new branch: %+v", a)
	}
	// A longer branch holds the same spend one block higher.
	feed.reorg(1, now, nil, []*wire.MsgTx{double})
	if a := expect(t, alerts, trace.Confirmed); a.TxID != txid(double) || a.Height != 102 {
		t.Errorf("spend on both branches: %+v", a)
	}
	// A spend mined at 103, whose block leaves the chain for two empty
	// ones: it is back in the mempool, unconfirmed.
	move := spendOf([]wire.OutPoint{{Hash: double.TxHash()}}, payTo(mule, 98e6))
	feed.mine(now, move)
	expect(t, alerts, trace.SpentConfirmed)
	feed.send(move)
	feed.reorg(1, now, nil, nil)
	if a := expect(t, alerts, trace.Reorged); a.TxID != txid(move) || a.Height != 0 || a.Taint != 99e6 {
		t.Errorf("spend only on the abandoned branch: %+v", a)
	}
	feed.mine(now, move)
	if a := expect(t, alerts, trace.Confirmed); a.TxID != txid(move) || a.Height != 105 {
		t.Errorf("spend mined again: %+v", a)
	}
	expectNone(t, alerts)
}

// TestWatchReorgDropped: a spend whose block leaves the chain, and that
// the node does not put back in its mempool, is dropped once DropAfter
// blocks were mined without it, and its coin is watched again.
func TestWatchReorgDropped(t *testing.T) {
	c := stolenCase(1)
	stolen := c.Outputs[0].Out
	feed := newFakeFeed(100)
	alerts := startWatch(t, feed, c, trace.WatchOptions{DropAfter: 2})
	now := time.Now()
	first := spendOf([]wire.OutPoint{stolen}, payTo(flowtest.Addr(1), 99e6))
	feed.mine(now, first)
	expect(t, alerts, trace.SpentConfirmed)
	// The node mines an empty block in place of block 101: one block
	// without the spend, then a second, which is DropAfter.
	feed.reorg(1, now, nil)
	expect(t, alerts, trace.Reorged)
	expectNone(t, alerts)
	feed.mine(now)
	if a := expect(t, alerts, trace.Dropped); a.TxID != txid(first) {
		t.Errorf("dropped %+v", a)
	}
	again := spendOf([]wire.OutPoint{stolen}, payTo(flowtest.Addr(2), 99e6))
	feed.mine(now, again)
	if a := expect(t, alerts, trace.SpentConfirmed); a.TxID != txid(again) || a.Height != 103 || a.Replaces != nil {
		t.Errorf("coin spent again %+v", a)
	}
}

// TestWatchStillInMempool: a spend still in the mempool is not dropped
// however many blocks arrive between two polls.
func TestWatchStillInMempool(t *testing.T) {
	c := stolenCase(1)
	feed := newFakeFeed(100)
	alerts := startWatch(t, feed, c, trace.WatchOptions{DropAfter: 2})
	spend := spendOf([]wire.OutPoint{c.Outputs[0].Out}, payTo(flowtest.Addr(1), 99e6))
	feed.send(spend)
	expect(t, alerts, trace.SpentUnconfirmed)
	feed.mu.Lock()
	for range 5 {
		feed.mineLocked(time.Now())
	}
	feed.mu.Unlock()
	feed.mine(time.Now(), spend)
	if a := expect(t, alerts, trace.Confirmed); a.Height != 106 {
		t.Errorf("confirmed %+v", a)
	}
}

// TestWatchUnresolved: an input the node cannot value is named in the
// alert, and the share is then an upper bound: the inputs are worth at
// least the outputs.
func TestWatchUnresolved(t *testing.T) {
	c := stolenCase(1)
	feed := newFakeFeed(100)
	alerts := startWatch(t, feed, c, trace.WatchOptions{})
	unknown := wire.OutPoint{Hash: chainhash.Hash{0xee}, Index: 3}
	spend := spendOf([]wire.OutPoint{c.Outputs[0].Out, unknown}, payTo(flowtest.Addr(1), 4e8))
	feed.send(spend)
	a := expect(t, alerts, trace.SpentUnconfirmed)
	if !slices.Equal(a.Unresolved, []string{unknown.String()}) || a.InputValue != flowtest.BTC || a.Share != 0.25 {
		t.Errorf("alert %+v, want the unknown input named and share 1/4", a)
	}
}
