package store_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"

	"github.com/plumetrace/plume/chain"
	"github.com/plumetrace/plume/store"
)

// fakeNode serves a chain of blocks as a node would; switching chains
// makes a reorganisation. The real-node tests are in node_test.go; this
// one covers Sync's logic against any chain. It is safe for concurrent
// use: lock mu to change it while a Sync follows it.
type fakeNode struct {
	mu     sync.Mutex
	blocks []*chain.Block
	calls  int // Block calls
	// fault, if set, is asked before each call, with the method ("tip",
	// "hash" or "block") and height: an error fails the call, and a block
	// is what Block serves instead of the chain's.
	fault func(method string, h int32) (*chain.Block, error)
}

func (n *fakeNode) Tip(context.Context) (int32, chainhash.Hash, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if _, err := n.faulty("tip", -1); err != nil {
		return 0, chainhash.Hash{}, err
	}
	b := n.blocks[len(n.blocks)-1]
	return b.Height, b.Hash, nil
}

func (n *fakeNode) BlockHash(_ context.Context, h int32) (chainhash.Hash, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if _, err := n.faulty("hash", h); err != nil {
		return chainhash.Hash{}, err
	}
	if int(h) >= len(n.blocks) {
		return chainhash.Hash{}, fmt.Errorf("no block %d", h)
	}
	return n.blocks[h].Hash, nil
}

func (n *fakeNode) Block(_ context.Context, h int32) (*chain.Block, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.calls++
	if b, err := n.faulty("block", h); b != nil || err != nil {
		return b, err
	}
	if int(h) >= len(n.blocks) {
		return nil, fmt.Errorf("no block %d", h)
	}
	return n.blocks[h], nil
}

func (n *fakeNode) faulty(method string, h int32) (*chain.Block, error) {
	if n.fault == nil {
		return nil, nil
	}
	return n.fault(method, h)
}

// set changes the node under its lock.
func (n *fakeNode) set(f func(n *fakeNode)) {
	n.mu.Lock()
	defer n.mu.Unlock()
	f(n)
}

// TestSyncReorg syncs a chain, then a competing branch that forks three
// blocks below the tip and is longer: the store disconnects the three and
// connects the branch, and ends equal to a store synced to the winning
// chain alone.
func TestSyncReorg(t *testing.T) {
	ctx := context.Background()
	b, genesis := newBuilder(t, chain.Regtest)
	main := []*chain.Block{genesis}
	var cbs []*wire.MsgTx
	for i := range 10 {
		cb := coinbase(fmt.Sprintf("main %d", i), pay(byte(i+1), 50e8))
		txs := []*wire.MsgTx{cb}
		if i == 8 { // block 9 joins the payees of blocks 1 and 2
			txs = append(txs, spend([]wire.OutPoint{outpoint(cbs[0], 0), outpoint(cbs[1], 0)}, pay(40, 99e8)))
		}
		cbs = append(cbs, cb)
		main = append(main, b.block(txs...))
	}
	// A longer branch off block 7: it joins the payees of blocks 1 and 3
	// instead, and pays new addresses.
	fork := after(t, main[7])
	branch := append([]*chain.Block{}, main[:8]...)
	for i := range 5 {
		txs := []*wire.MsgTx{coinbase(fmt.Sprintf("branch %d", i), pay(byte(60+i), 50e8))}
		if i == 1 {
			txs = append(txs, spend([]wire.OutPoint{outpoint(cbs[0], 0), outpoint(cbs[2], 0)}, pay(41, 99e8)))
		}
		branch = append(branch, fork.block(txs...))
	}

	db := openDB(t, t.TempDir(), store.Options{Params: chain.Regtest})
	node := &fakeNode{blocks: main}
	st, err := db.Sync(ctx, node, store.SyncOptions{})
	if err != nil || st.Connected != 11 || st.Tip.Height != 10 {
		t.Fatalf("first sync: %+v, %v", st, err)
	}
	node.blocks = branch
	st, err = db.Sync(ctx, node, store.SyncOptions{})
	if err != nil || st.Disconnected != 3 || st.Connected != 5 || st.Tip.Hash != branch[12].Hash {
		t.Fatalf("sync after the reorg: %+v, %v", st, err)
	}
	verify(t, db)
	if c, err := db.Cluster(ctx, payee(1)); err != nil || c.Size != 2 {
		t.Errorf("after the reorg the cluster of block 1's payee is %+v, %v; want it joined with block 3's only", c, err)
	}
	if c, err := db.Cluster(ctx, payee(2)); err != nil || c.Size != 1 {
		t.Errorf("block 2's payee: %+v, %v; want alone again", c, err)
	}
	fresh := openDB(t, t.TempDir(), store.Options{Params: chain.Regtest})
	if _, err := fresh.Sync(ctx, &fakeNode{blocks: branch}, store.SyncOptions{}); err != nil {
		t.Fatal(err)
	}
	sameDump(t, db, dump(t, fresh))

	// Nothing new: no block read.
	node.calls = 0
	if st, err := db.Sync(ctx, node, store.SyncOptions{}); err != nil || st.Connected+st.Disconnected != 0 || node.calls != 0 {
		t.Errorf("idle sync: %+v, %v, %d block reads", st, err, node.calls)
	}

	// A reorganisation deeper than allowed is refused and changes nothing.
	deep := append([]*chain.Block{}, branch[:2]...)
	f2 := after(t, branch[1])
	for i := range 15 {
		deep = append(deep, f2.block(coinbase(fmt.Sprintf("deep %d", i), pay(90, 50e8))))
	}
	before := dump(t, db)
	if _, err := db.Sync(ctx, &fakeNode{blocks: deep}, store.SyncOptions{MaxReorg: 5}); !errors.Is(err, store.ErrReorgTooDeep) {
		t.Errorf("deep reorg: %v, want ErrReorgTooDeep", err)
	}
	sameDump(t, db, before)
}

// TestSyncNodeBehind: a node whose chain is a prefix of the store's
// (reindexing, restarted, still syncing) is not a reorganisation: Sync
// disconnects nothing and says the node is behind, and a fork below a
// lagging node counts its lag against MaxReorg.
func TestSyncNodeBehind(t *testing.T) {
	ctx := context.Background()
	_, blocks := coinbaseChain(t, 20)
	db := openDB(t, t.TempDir(), store.Options{Params: chain.Regtest})
	if _, err := db.Sync(ctx, &fakeNode{blocks: blocks}, store.SyncOptions{}); err != nil {
		t.Fatal(err)
	}
	before := dump(t, db)
	st, err := db.Sync(ctx, &fakeNode{blocks: blocks[:3]}, store.SyncOptions{MaxReorg: 2})
	if !errors.Is(err, store.ErrNodeBehind) || st.Disconnected != 0 {
		t.Fatalf("node at 2, store at 20: %+v, %v; want ErrNodeBehind and nothing disconnected", st, err)
	}
	sameDump(t, db, before)

	// The node forks at 15 and is at 17: undoing it takes 5 blocks.
	forked := append([]*chain.Block{}, blocks[:16]...)
	fb := after(t, blocks[15])
	for i := range 2 {
		forked = append(forked, fb.block(coinbase(fmt.Sprintf("fork %d", i), pay(80, 50e8))))
	}
	if _, err := db.Sync(ctx, &fakeNode{blocks: forked}, store.SyncOptions{MaxReorg: 4}); !errors.Is(err, store.ErrReorgTooDeep) {
		t.Fatalf("a 5-block undo with MaxReorg 4: %v, want ErrReorgTooDeep", err)
	}
	sameDump(t, db, before)
	st, err = db.Sync(ctx, &fakeNode{blocks: forked}, store.SyncOptions{MaxReorg: 5})
	if err != nil || st.Disconnected != 5 || st.Connected != 2 || tipOf(db) != 17 {
		t.Fatalf("the same with MaxReorg 5: %+v, %v", st, err)
	}
	verify(t, db)
}

// coinbaseChain returns genesis and n blocks of one coinbase each, paying
// payee(i+1) in block i+1.
func coinbaseChain(t testing.TB, n int) (*builder, []*chain.Block) {
	b, genesis := newBuilder(t, chain.Regtest)
	blocks := []*chain.Block{genesis}
	for i := range n {
		blocks = append(blocks, b.block(coinbase(fmt.Sprintf("main %d", i), pay(byte(i+1), 50e8))))
	}
	return b, blocks
}

// TestSyncNotLinked: a node that serves a block which does not extend the
// one before it is read again after a growing pause, and after five reads
// in a row Sync gives up with ErrNotLinked, keeping the blocks below; a
// node that settles within the attempts is synced to its tip.
func TestSyncNotLinked(t *testing.T) {
	ctx := context.Background()
	b, blocks := coinbaseChain(t, 10)
	stray := b.at(9, chainhash.Hash{1}, coinbase("stray", pay(50, 50e8)))
	strayReads := 0 // how many times the node serves stray before it settles
	reads := 0
	node := &fakeNode{blocks: blocks, fault: func(method string, h int32) (*chain.Block, error) {
		if method != "block" || h != 9 {
			return nil, nil
		}
		if reads++; reads <= strayReads {
			return stray, nil
		}
		return nil, nil
	}}

	db := openDB(t, t.TempDir(), store.Options{Params: chain.Regtest})
	strayReads = 1 << 30
	const poll = 80 * time.Millisecond
	start := time.Now()
	st, err := db.Sync(ctx, node, store.SyncOptions{Poll: poll})
	elapsed := time.Since(start)
	if !errors.Is(err, store.ErrNotLinked) || !strings.Contains(err.Error(), "5 reads in a row") {
		t.Fatalf("Sync from a node serving a stray block: %v, want ErrNotLinked after 5 reads", err)
	}
	if reads != 5 {
		t.Errorf("block 9 read %d times, want 5", reads)
	}
	// Pauses of poll/8 doubling: 10+20+40+80 ms between the five reads.
	if want := poll / 8 * 15; elapsed < want {
		t.Errorf("five reads took %v, want pauses adding up to at least %v", elapsed, want)
	}
	if st.Connected != 9 || st.Tip.Height != 8 || st.Tip.Hash != blocks[8].Hash {
		t.Errorf("stats %+v: want blocks 0..8 connected and kept", st)
	}
	verify(t, db)

	// A node reorganising under Sync settles: the third read links.
	reads, strayReads = 0, 2
	st, err = db.Sync(ctx, node, store.SyncOptions{Poll: poll})
	if err != nil || st.Connected != 2 || st.Tip.Hash != blocks[10].Hash || reads != 3 {
		t.Fatalf("Sync from a node that settles: %+v, %v, %d reads of block 9", st, err, reads)
	}
	verify(t, db)
}

// TestSyncFollowErrors follows a node that goes down, serves a block that
// does not link, and finally reorganises deeper than allowed: errors of
// the node go to OnError with a doubling wait capped at 32 Polls, reset
// after a success, and the follow catches up once the node is back; the
// too-deep reorganisation, a refusal of the store, ends it.
func TestSyncFollowErrors(t *testing.T) {
	b, blocks := coinbaseChain(t, 14)
	stray := b.at(12, chainhash.Hash{2}, coinbase("stray", pay(60, 50e8)))
	errDown := errors.New("node down")
	var down, straying bool
	node := &fakeNode{blocks: blocks[:6], fault: func(method string, h int32) (*chain.Block, error) {
		switch {
		case down:
			return nil, errDown
		case straying && method == "block" && h == 12:
			return stray, nil
		}
		return nil, nil
	}}
	const poll = 2 * time.Millisecond
	db := openDB(t, t.TempDir(), store.Options{Params: chain.Regtest})
	f := startFollow(t, db, node, store.SyncOptions{Poll: poll, MaxReorg: 3})
	tips, fails := f.tips, f.fails
	waitTip(t, tips, tipAt(blocks[5]))

	node.set(func(*fakeNode) { down = true })
	var waits []time.Duration
	for len(waits) < 9 {
		select {
		case e := <-fails:
			if !errors.Is(e.err, errDown) {
				t.Fatalf("OnError got %v, want the node's error", e.err)
			}
			waits = append(waits, e.wait)
		case <-time.After(10 * time.Second):
			t.Fatalf("OnError called %d times in 10 s while the node is down", len(waits))
		}
	}
	for i, w := range waits {
		if want := min(poll<<i, 32*poll); w != want {
			t.Fatalf("waits after failures in a row: %v, want Poll doubling to 32 Polls", waits)
		}
	}
	node.set(func(n *fakeNode) { down, n.blocks = false, blocks[:11] })
	st := waitTip(t, tips, tipAt(blocks[10]))
	if st.Connected != 5 {
		t.Errorf("after the node came back: %+v, want 5 blocks connected", st)
	}

	// Block 12 does not link for a while: after five reads it is an error
	// of the node, reported with the wait reset to Poll.
	drain(fails)
	node.set(func(n *fakeNode) { straying, n.blocks = true, blocks[:13] })
	select {
	case e := <-fails:
		if !errors.Is(e.err, store.ErrNotLinked) || e.wait != poll {
			t.Fatalf("a block that does not link: OnError(%v, %v), want ErrNotLinked and a wait of Poll", e.err, e.wait)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no OnError for a block that does not link")
	}
	node.set(func(*fakeNode) { straying = false })
	waitTip(t, tips, tipAt(blocks[12]))

	// A reorganisation deeper than MaxReorg ends the follow.
	deep := append([]*chain.Block{}, blocks[:8]...)
	fb := after(t, blocks[7])
	for i := range 8 {
		deep = append(deep, fb.block(coinbase(fmt.Sprintf("deep %d", i), pay(70, 50e8))))
	}
	node.set(func(n *fakeNode) { n.blocks = deep })
	if err := f.wait(t); !errors.Is(err, store.ErrReorgTooDeep) {
		t.Fatalf("follow into a too deep reorganisation returned %v, want ErrReorgTooDeep", err)
	}
	if tip := tipOf(db); tip != 12 {
		t.Errorf("after the refused reorganisation the tip is %d, want 12", tip)
	}
	verify(t, db)
}

// tipAt is the store's tip when b is its last block.
func tipAt(b *chain.Block) store.Tip { return store.Tip{Height: b.Height, Hash: b.Hash} }

// waitTip reads OnTip reports until one names want, and returns the sum
// of the blocks connected and disconnected up to it.
func waitTip(t testing.TB, tips <-chan store.SyncStats, want store.Tip) store.SyncStats {
	t.Helper()
	var sum store.SyncStats
	deadline := time.After(30 * time.Second)
	for {
		select {
		case st := <-tips:
			sum.Connected += st.Connected
			sum.Disconnected += st.Disconnected
			sum.Tip = st.Tip
			if st.Tip == want {
				return sum
			}
		case <-deadline:
			t.Fatalf("OnTip did not report %+v within 30 s; last %+v", want, sum.Tip)
		}
	}
}

func drain[T any](c <-chan T) {
	for {
		select {
		case <-c:
		default:
			return
		}
	}
}

// follower is a Sync with Follow running in a goroutine, reporting its
// tips and errors on channels.
type follower struct {
	tips   chan store.SyncStats
	fails  chan failure
	cancel context.CancelFunc
	done   chan error
}

type failure struct {
	err  error
	wait time.Duration
}

// startFollow starts db.Sync(src) with Follow and opts; it is stopped at
// the end of the test, before the store closes.
func startFollow(t testing.TB, db *store.DB, src store.ChainSource, opts store.SyncOptions) *follower {
	ctx, cancel := context.WithCancel(context.Background())
	f := &follower{tips: make(chan store.SyncStats, 1000), fails: make(chan failure, 1000), cancel: cancel, done: make(chan error, 1)}
	opts.Follow = true
	opts.OnTip = func(st store.SyncStats) { f.tips <- st }
	opts.OnError = func(err error, wait time.Duration) {
		select {
		case f.fails <- failure{err, wait}:
		default: // the test has seen enough
		}
	}
	go func() {
		_, err := db.Sync(ctx, src, opts)
		f.done <- err
	}()
	t.Cleanup(func() {
		cancel()
		<-f.done
	})
	return f
}

// wait returns what Sync returned once it ends by itself.
func (f *follower) wait(t testing.TB) error {
	t.Helper()
	select {
	case err := <-f.done:
		f.done <- err // for the cleanup
		return err
	case <-time.After(30 * time.Second):
		t.Fatal("the follow did not end within 30 s")
		return nil
	}
}

// stop cancels the follow and returns what Sync returned.
func (f *follower) stop(t testing.TB) error {
	t.Helper()
	f.cancel()
	return f.wait(t)
}
