package trace_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"

	"github.com/plumetrace/plume/chain"
	"github.com/plumetrace/plume/internal/flowtest"
	"github.com/plumetrace/plume/trace"
)

// faultFeed is a fakeFeed that fails where a test says, or moves the
// chain between two of the watch's reads.
type faultFeed struct {
	*fakeFeed
	mu sync.Mutex
	// failBlock makes the next read of the block at that height fail.
	failBlock int32
	// beforePool runs once, at the start of the next Mempool call.
	beforePool func()
	// unserved are mempool txs the node lists first and will not serve.
	unserved map[chainhash.Hash]bool
}

var errFault = errors.New("injected: connection reset")

func (f *faultFeed) Block(ctx context.Context, height int32) (*chain.Block, error) {
	f.mu.Lock()
	fail := f.failBlock != 0 && f.failBlock == height
	if fail {
		f.failBlock = 0
	}
	f.mu.Unlock()
	if fail {
		return nil, errFault
	}
	return f.fakeFeed.Block(ctx, height)
}

func (f *faultFeed) Mempool(ctx context.Context) ([]chainhash.Hash, error) {
	f.mu.Lock()
	run := f.beforePool
	f.beforePool = nil
	f.mu.Unlock()
	if run != nil {
		run()
	}
	hs, err := f.fakeFeed.Mempool(ctx)
	f.mu.Lock()
	defer f.mu.Unlock()
	var first, rest []chainhash.Hash
	for _, h := range hs {
		if f.unserved[h] {
			first = append(first, h)
		} else {
			rest = append(rest, h)
		}
	}
	return append(first, rest...), err
}

func (f *faultFeed) MempoolTx(ctx context.Context, h chainhash.Hash) (*wire.MsgTx, error) {
	f.mu.Lock()
	bad := f.unserved[h]
	f.mu.Unlock()
	if bad {
		return nil, errFault
	}
	return f.fakeFeed.MempoolTx(ctx, h)
}

// TestWatchMempoolTxFails: a mempool transaction the node will not serve
// holds up neither the others nor the polls: OnError hears of it once,
// the spends after it are alerted at the usual pace, and it is read again
// each poll, so that it is alerted once the node serves it.
func TestWatchMempoolTxFails(t *testing.T) {
	c := stolenCase(2)
	feed := &faultFeed{fakeFeed: newFakeFeed(100), unserved: map[chainhash.Hash]bool{}}
	bad := spendOf([]wire.OutPoint{c.Outputs[1].Out}, payTo(flowtest.Addr(9), 99e6))
	feed.unserved[bad.TxHash()] = true
	feed.send(bad)
	var errs errLog
	alerts := startWatchOn(t, feed, feed.polled, c, trace.WatchOptions{OnError: errs.add})
	// Long enough for a failing poll's wait to have grown past a second.
	time.Sleep(300 * time.Millisecond)
	spend := spendOf([]wire.OutPoint{c.Outputs[0].Out}, payTo(flowtest.Addr(1), 99e6))
	feed.send(spend)
	start := time.Now()
	if a := expect(t, alerts, trace.SpentUnconfirmed); a.TxID != txid(spend) {
		t.Errorf("alert %+v, want the spend after the unserved tx", a)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("alerted after %v: the polls waited as if the node failed", d)
	}
	if n := errs.count(bad.TxHash().String()); n != 1 {
		t.Errorf("OnError heard of the unserved tx %d times, want once: %v", n, errs.errs)
	}
	feed.mu.Lock()
	delete(feed.unserved, bad.TxHash())
	feed.mu.Unlock()
	if a := expect(t, alerts, trace.SpentUnconfirmed); a.TxID != txid(bad) {
		t.Errorf("alert %+v, want the tx the node serves now", a)
	}
}

// TestWatchChildOfMinedParent: a spend mined between the watch's reads of
// the tip and of the mempool, whose child is in the mempool: the child is
// listed before its parent's outputs are watched, and is looked at again
// once they are.
func TestWatchChildOfMinedParent(t *testing.T) {
	c := stolenCase(1)
	feed := &faultFeed{fakeFeed: newFakeFeed(100)}
	alerts := startWatchOn(t, feed, feed.polled, c, trace.WatchOptions{})
	parent := spendOf([]wire.OutPoint{c.Outputs[0].Out}, payTo(flowtest.Addr(1), 99e6))
	child := spendOf([]wire.OutPoint{{Hash: parent.TxHash()}}, payTo(flowtest.Addr(2), 98e6))
	feed.mu.Lock()
	feed.beforePool = func() { feed.mine(time.Now(), parent); feed.send(child) }
	feed.mu.Unlock()
	if a := expect(t, alerts, trace.SpentConfirmed); a.TxID != txid(parent) {
		t.Errorf("alert %+v, want the parent mined", a)
	}
	if a := expect(t, alerts, trace.SpentUnconfirmed); a.TxID != txid(child) || a.Taint != 99e6 {
		t.Errorf("alert %+v, want the child in the mempool", a)
	}
}

// TestWatchReorgReadFails: a read that fails while the watch reads the
// new branch of a reorganisation raises no Reorged alert for a spend
// that the branch holds in a block not read yet: the next poll reads it,
// and the spend is confirmed at its new height.
func TestWatchReorgReadFails(t *testing.T) {
	c := stolenCase(1)
	feed := &faultFeed{fakeFeed: newFakeFeed(100)}
	var errs errLog
	alerts := startWatchOn(t, feed, feed.polled, c, trace.WatchOptions{OnError: errs.add})
	now := time.Now()
	spend := spendOf([]wire.OutPoint{c.Outputs[0].Out}, payTo(flowtest.Addr(1), 99e6))
	feed.mine(now, spend)
	expect(t, alerts, trace.SpentConfirmed)
	feed.mu.Lock()
	feed.failBlock = 103
	feed.mu.Unlock()
	feed.reorg(1, now, nil, nil, []*wire.MsgTx{spend})
	if a := expect(t, alerts, trace.Confirmed); a.TxID != txid(spend) || a.Height != 103 {
		t.Errorf("alert %+v, want the spend confirmed at 103", a)
	}
	expectNone(t, alerts)
	if errs.count(errFault.Error()) != 1 {
		t.Errorf("OnError: %v, want the failed read", errs.errs)
	}
}

// TestWatchStartBlockReplaced: a reorganisation that replaces the block
// the watch started on, whose parent's hash it never knew: the new block
// is read, and the spend in it alerted.
func TestWatchStartBlockReplaced(t *testing.T) {
	c := stolenCase(1)
	feed := newFakeFeed(100)
	feed.mine(time.Now())
	alerts := startWatch(t, feed, c, trace.WatchOptions{})
	spend := spendOf([]wire.OutPoint{c.Outputs[0].Out}, payTo(flowtest.Addr(1), 99e6))
	feed.reorg(1, time.Now(), []*wire.MsgTx{spend}, nil)
	if a := expect(t, alerts, trace.SpentConfirmed); a.TxID != txid(spend) || a.Height != 101 {
		t.Errorf("alert %+v, want the spend in the new block 101", a)
	}
}

// TestWatchReorgWindow: a reorganisation as deep as the window, 100
// blocks, is undone exactly: the spend of the abandoned branch is
// reorged, the one in the new branch's first block alerted, and OnError
// hears nothing of a fork below the blocks remembered.
func TestWatchReorgWindow(t *testing.T) {
	c := stolenCase(2)
	feed := newFakeFeed(100)
	alerts, errs := startWatchErrs(t, feed, c, trace.WatchOptions{})
	now := time.Now()
	feed.mineEmpty(99, now)
	old := spendOf([]wire.OutPoint{c.Outputs[0].Out}, payTo(flowtest.Addr(1), 99e6))
	feed.mine(now, old) // block 200
	expect(t, alerts, trace.SpentConfirmed)
	spend := spendOf([]wire.OutPoint{c.Outputs[1].Out}, payTo(flowtest.Addr(2), 99e6))
	branch := make([][]*wire.MsgTx, 101)
	branch[0] = []*wire.MsgTx{spend}
	feed.reorg(100, now, branch...) // 101'..201'
	if a := expect(t, alerts, trace.SpentConfirmed); a.TxID != txid(spend) || a.Height != 101 {
		t.Errorf("alert %+v, want the spend in block 101'", a)
	}
	if a := expect(t, alerts, trace.Reorged); a.TxID != txid(old) {
		t.Errorf("alert %+v, want the spend of the abandoned branch", a)
	}
	if n := errs.count("forks below"); n != 0 {
		t.Errorf("OnError: %v, want no reorganisation too deep", errs.errs)
	}
}

// TestWatchNodeBehind: a node whose tip falls behind the watch's, on the
// same chain (restarted, reindexing), within the window or below it, is
// waited for: no Reorged alerts, then no Confirmed ones as it catches up;
// OnError hears of it once each time.
func TestWatchNodeBehind(t *testing.T) {
	c := stolenCase(3)
	feed := newFakeFeed(0)
	alerts, errs := startWatchErrs(t, feed, c, trace.WatchOptions{})
	now := time.Now()
	feed.mineEmpty(119, now)
	feed.mine(now, spendOf([]wire.OutPoint{c.Outputs[0].Out}, payTo(flowtest.Addr(1), 99e6))) // block 120
	feed.mineEmpty(29, now)
	feed.mine(now, spendOf([]wire.OutPoint{c.Outputs[2].Out}, payTo(flowtest.Addr(3), 99e6))) // block 150
	expect(t, alerts, trace.SpentConfirmed)
	expect(t, alerts, trace.SpentConfirmed) // the watch read to 150
	for i, back := range []int32{130, 10} { // in the window, and below it
		feed.mu.Lock()
		feed.tip = back
		feed.mu.Unlock()
		eventually(func() bool { return errs.count("behind") > i })
		time.Sleep(50 * time.Millisecond) // several polls behind
		if n := errs.count("behind"); n != i+1 {
			t.Errorf("OnError heard %d times of a node behind, want %d: %v", n, i+1, errs.errs)
		}
		feed.mu.Lock()
		feed.tip = 150
		feed.mu.Unlock()
		expectNone(t, alerts)
	}
	next := spendOf([]wire.OutPoint{c.Outputs[1].Out}, payTo(flowtest.Addr(2), 99e6))
	feed.mine(now, next)
	if a := expect(t, alerts, trace.SpentConfirmed); a.TxID != txid(next) || a.Height != 151 {
		t.Errorf("alert %+v, want the next spend at 151", a)
	}
}

// TestWatchDormantOnce: dormant coins whose spend was dropped, spent
// again, raise no second DormantMoved alert.
func TestWatchDormantOnce(t *testing.T) {
	c := stolenCase(1)
	c.Outputs[0].Since = time.Now().Add(-365 * 24 * time.Hour)
	feed := newFakeFeed(100)
	alerts := startWatch(t, feed, c, trace.WatchOptions{DropAfter: 1})
	first := spendOf([]wire.OutPoint{c.Outputs[0].Out}, payTo(flowtest.Addr(1), 99e6))
	feed.send(first)
	expect(t, alerts, trace.SpentUnconfirmed)
	expect(t, alerts, trace.DormantMoved)
	feed.evict(first)
	feed.mine(time.Now())
	expect(t, alerts, trace.Dropped)
	again := spendOf([]wire.OutPoint{c.Outputs[0].Out}, payTo(flowtest.Addr(2), 99e6))
	feed.send(again)
	if a := expect(t, alerts, trace.SpentUnconfirmed); a.TxID != txid(again) {
		t.Errorf("alert %+v, want the second spend", a)
	}
	expectNone(t, alerts)
}
