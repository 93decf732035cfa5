package trace_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"

	"github.com/plumetrace/plume/chain"
	"github.com/plumetrace/plume/internal/flowtest"
	"github.com/plumetrace/plume/trace"
)

// fakeFeed is a node that a test moves by hand. Its blocks are linked by
// hash, and reorg takes blocks off so that others can be mined instead.
type fakeFeed struct {
	mu     sync.Mutex
	blocks map[int32]*chain.Block // the best chain, from the first tip up
	tip    int32
	nonce  uint32 // makes every block unique
	pool   map[chainhash.Hash]*wire.MsgTx
	outs   map[wire.OutPoint]chain.Prevout
	// down makes every call fail, as a node that does not answer.
	down bool
	// polled is closed when the watch first reads the mempool: it has
	// taken the tip and is polling.
	polled chan struct{}
	once   sync.Once
}

var errDown = errors.New("node down")

func newFakeFeed(tip int32) *fakeFeed {
	f := &fakeFeed{blocks: map[int32]*chain.Block{}, tip: tip, pool: map[chainhash.Hash]*wire.MsgTx{}, outs: map[wire.OutPoint]chain.Prevout{}, polled: make(chan struct{})}
	f.blocks[tip] = f.newBlock(tip, chainhash.Hash{}, time.Time{})
	return f
}

// newBlock makes a block at height on prev holding a coinbase and txs.
func (f *fakeFeed) newBlock(height int32, prev chainhash.Hash, at time.Time, txs ...*wire.MsgTx) *chain.Block {
	f.nonce++
	b := &chain.Block{Height: height}
	b.Header.PrevBlock, b.Header.Timestamp, b.Header.Nonce = prev, at, f.nonce
	b.Hash = b.Header.BlockHash()
	coinbase := wire.NewMsgTx(1)
	coinbase.LockTime = f.nonce
	for _, tx := range append([]*wire.MsgTx{coinbase}, txs...) {
		b.Txs = append(b.Txs, tx)
		b.TxHashes = append(b.TxHashes, tx.TxHash())
	}
	return b
}

func (f *fakeFeed) Tip(context.Context) (int32, chainhash.Hash, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.down {
		return 0, chainhash.Hash{}, errDown
	}
	return f.tip, f.blocks[f.tip].Hash, nil
}

func (f *fakeFeed) Block(_ context.Context, h int32) (*chain.Block, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.down {
		return nil, errDown
	}
	if b := f.blocks[h]; b != nil && h <= f.tip {
		return b, nil
	}
	return nil, fmt.Errorf("no block %d: %w", h, chain.ErrNotFound)
}

func (f *fakeFeed) Mempool(context.Context) ([]chainhash.Hash, error) {
	f.once.Do(func() { close(f.polled) })
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.down {
		return nil, errDown
	}
	var hs []chainhash.Hash
	for h := range f.pool {
		hs = append(hs, h)
	}
	return hs, nil
}

func (f *fakeFeed) MempoolTx(_ context.Context, h chainhash.Hash) (*wire.MsgTx, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if tx := f.pool[h]; tx != nil {
		return tx, nil
	}
	return nil, fmt.Errorf("gone: %w", chain.ErrNotFound)
}

func (f *fakeFeed) PrevOut(_ context.Context, op wire.OutPoint) (chain.Prevout, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if p, ok := f.outs[op]; ok {
		return p, nil
	}
	return chain.Prevout{}, fmt.Errorf("no %v: %w", op, chain.ErrNotFound)
}

// mine puts txs into block tip+1 and takes them out of the mempool.
func (f *fakeFeed) mine(at time.Time, txs ...*wire.MsgTx) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.mineLocked(at, txs...)
}

// mineEmpty mines n blocks holding only their coinbase.
func (f *fakeFeed) mineEmpty(n int, at time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for range n {
		f.mineLocked(at)
	}
}

func (f *fakeFeed) mineLocked(at time.Time, txs ...*wire.MsgTx) {
	b := f.newBlock(f.tip+1, f.blocks[f.tip].Hash, at, txs...)
	f.tip++
	f.blocks[f.tip] = b
	for _, tx := range txs {
		delete(f.pool, tx.TxHash())
	}
}

// reorg takes the last depth blocks off the chain and mines blocks, one
// per entry of branch (each the txs of a block), in their place: the
// watch sees the new chain at once.
func (f *fakeFeed) reorg(depth int, at time.Time, branch ...[]*wire.MsgTx) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for range depth {
		delete(f.blocks, f.tip)
		f.tip--
	}
	for _, txs := range branch {
		f.mineLocked(at, txs...)
	}
}

func (f *fakeFeed) send(txs ...*wire.MsgTx) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, tx := range txs {
		f.pool[tx.TxHash()] = tx
	}
}

// evict takes txs out of the mempool.
func (f *fakeFeed) evict(txs ...*wire.MsgTx) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, tx := range txs {
		delete(f.pool, tx.TxHash())
	}
}

// eventually waits, up to 10 s, until cond holds.
func eventually(cond func() bool) {
	for deadline := time.Now().Add(10 * time.Second); !cond() && time.Now().Before(deadline); {
		time.Sleep(5 * time.Millisecond)
	}
}

// expect returns the next alert, which must be of kind want.
func expect(t *testing.T, alerts <-chan trace.Alert, want trace.AlertKind) trace.Alert {
	t.Helper()
	select {
	case a := <-alerts:
		if a.Kind != want {
			t.Fatalf("alert %+v, want %s", a, want)
		}
		return a
	case <-time.After(5 * time.Second):
		t.Fatalf("no %s alert", want)
	}
	return trace.Alert{}
}

func payTo(a chain.Address, v int64) *wire.TxOut { return wire.NewTxOut(v, a.Script()) }

func spendOf(ops []wire.OutPoint, outs ...*wire.TxOut) *wire.MsgTx {
	tx := wire.NewMsgTx(2)
	for _, op := range ops {
		tx.AddTxIn(wire.NewTxIn(&op, nil, nil))
	}
	for _, o := range outs {
		tx.AddTxOut(o)
	}
	return tx
}

// TestWatch moves watched coins through a fake node and checks every
// alert: a dormant stolen coin spent in the mempool, part of it paid to an
// exchange, the spend confirmed, the rest moved again by a transaction
// that is then dropped, and the webhook delivery with a retry.
func TestWatch(t *testing.T) {
	const btc = flowtest.BTC
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	stolen := wire.OutPoint{Hash: chainhash.Hash{0xaa}, Index: 0}
	thief, exchange, mule, other := flowtest.Addr(1), flowtest.Addr(2), flowtest.Addr(3), flowtest.Addr(4)
	c := &trace.Case{Model: trace.FIFO, DormantAfter: 24 * time.Hour,
		Exits:   map[chain.Address]string{exchange: "exchange"},
		Outputs: []trace.Watched{{Out: stolen, Addr: thief, Value: btc, Taint: btc, Since: now.Add(-40 * 24 * time.Hour), Path: []chainhash.Hash{{0x01}, {0xaa}}}}}
	feed := newFakeFeed(100)
	clean := wire.OutPoint{Hash: chainhash.Hash{0xbb}, Index: 1}
	feed.outs[clean] = chain.Prevout{Value: btc, Script: other.Script(), Addr: other, Resolved: true}

	var hookMu sync.Mutex
	var hooked []trace.Alert
	fails := 1
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hookMu.Lock()
		defer hookMu.Unlock()
		if fails > 0 {
			fails--
			http.Error(w, "busy", http.StatusServiceUnavailable)
			return
		}
		var a trace.Alert
		body, _ := io.ReadAll(r.Body)
		if err := json.Unmarshal(body, &a); err == nil {
			hooked = append(hooked, a)
		}
	}))
	defer hook.Close()

	alerts := make(chan trace.Alert, 32)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		done <- trace.Watch(ctx, feed, c, trace.WatchOptions{Poll: 5 * time.Millisecond, Webhook: hook.URL,
			Params: chain.Regtest, DropAfter: 2, OnAlert: func(a trace.Alert) { alerts <- a }})
	}()
	<-feed.polled
	next := func(want trace.AlertKind) trace.Alert { t.Helper(); return expect(t, alerts, want) }

	// The stolen coin and a clean one fund a payment: 0.6 to the exchange,
	// 1.39 to a mule, 0.01 of fee. FIFO puts the stolen coin (first) on
	// the exchange's 0.6 and 0.4 of the mule's output. Half the inputs'
	// value is stolen.
	pay := spendOf([]wire.OutPoint{stolen, clean}, payTo(exchange, 6e7), payTo(mule, 139e6))
	feed.send(pay)
	a := next(trace.SpentUnconfirmed)
	if a.TxID != pay.TxHash().String() || a.Taint != btc || a.InputValue != 2*btc || a.Share != 0.5 || a.Height != 0 || len(a.Path) != 3 || len(a.Unresolved) != 0 {
		t.Errorf("mempool alert %+v", a)
	}
	wantOuts := []trace.AlertOutput{
		{Outpoint: wire.OutPoint{Hash: pay.TxHash(), Index: 0}.String(), Address: chain.Regtest.Format(exchange), Value: 6e7, Taint: 6e7},
		{Outpoint: wire.OutPoint{Hash: pay.TxHash(), Index: 1}.String(), Address: chain.Regtest.Format(mule), Value: 139e6, Taint: 4e7},
	}
	if !slices.Equal(a.Outputs, wantOuts) {
		t.Errorf("outputs %+v, want %+v", a.Outputs, wantOuts)
	}
	next(trace.DormantMoved)
	e := next(trace.ReachedExit)
	if e.Exit != "exchange" || e.ExitTaint != 6e7 {
		t.Errorf("exit alert %+v", e)
	}
	feed.mine(now, pay)
	if a := next(trace.Confirmed); a.Height != 101 || a.TxID != pay.TxHash().String() || a.Share != 0.5 || len(a.Outputs) != 2 {
		t.Errorf("confirmation %+v", a)
	}
	// The mule moves its 0.4 stolen BTC; the spend never confirms.
	move := spendOf([]wire.OutPoint{{Hash: pay.TxHash(), Index: 1}}, payTo(other, 138e6))
	feed.send(move)
	if a := next(trace.SpentUnconfirmed); a.Taint != 4e7 || a.Spent[0].Outpoint != (wire.OutPoint{Hash: pay.TxHash(), Index: 1}).String() {
		t.Errorf("second spend %+v", a)
	}
	feed.evict(move)
	for range 3 {
		feed.mine(now)
	}
	next(trace.Dropped)
	// Dropped: the mule's coin is watched again, and its next spend is
	// reported from a block.
	again := spendOf([]wire.OutPoint{{Hash: pay.TxHash(), Index: 1}}, payTo(other, 137e6))
	feed.mine(now, again)
	if a := next(trace.SpentConfirmed); a.Taint != 4e7 || a.Height != 105 {
		t.Errorf("spend seen only in a block: %+v", a)
	}
	// The webhook gets every alert, the first after a retry, in order.
	eventually(func() bool {
		hookMu.Lock()
		defer hookMu.Unlock()
		return len(hooked) >= 7
	})
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	hookMu.Lock()
	defer hookMu.Unlock()
	if len(hooked) != 7 || hooked[0].Kind != trace.SpentUnconfirmed || hooked[6].Kind != trace.SpentConfirmed {
		t.Errorf("the webhook received %d alerts (one after a retry), want 7: %+v", len(hooked), hooked)
	}
}

func wireOut(v int64, script []byte) *wire.TxOut { return wire.NewTxOut(v, script) }

// BenchmarkWatchLatency measures the time from a transaction's arrival in
// the mempool, and from a block's, to its alert, on a node that answers
// at once (a fake feed), with the watch polling every millisecond: the
// watch's own delay, to which a real node adds its RPC round trips.
func BenchmarkWatchLatency(b *testing.B) {
	for _, where := range []string{"mempool", "block"} {
		b.Run(where, func(b *testing.B) {
			feed := newFakeFeed(100)
			const n = 100000
			c := &trace.Case{Model: trace.Haircut}
			for i := range n {
				op := wire.OutPoint{Hash: chainhash.Hash{byte(i), byte(i >> 8), byte(i >> 16), 0xcc}}
				c.Outputs = append(c.Outputs, trace.Watched{Out: op, Addr: flowtest.Addr(i), Value: 1e8, Taint: 1e8, Since: time.Now()})
			}
			alerts := make(chan time.Time, 1)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			go trace.Watch(ctx, feed, c, trace.WatchOptions{Poll: time.Millisecond, OnAlert: func(trace.Alert) {
				select {
				case alerts <- time.Now():
				default:
				}
			}})
			<-feed.polled
			var total time.Duration
			i := 0
			for b.Loop() {
				tx := spendOf([]wire.OutPoint{c.Outputs[i%n].Out}, payTo(flowtest.Addr(-1), 9e7))
				i++
				start := time.Now()
				if where == "mempool" {
					feed.send(tx)
				} else {
					feed.mine(time.Now(), tx)
				}
				total += (<-alerts).Sub(start)
			}
			b.ReportMetric(float64(total.Microseconds())/float64(b.N)/1000, "ms/alert")
		})
	}
}

// TestWatchLabel: an address the case's Label names is an exit though no
// trace met it, as a store's tags name an exchange's new deposit address.
func TestWatchLabel(t *testing.T) {
	const btc = flowtest.BTC
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	stolen := wire.OutPoint{Hash: chainhash.Hash{0xaa}, Index: 0}
	thief, deposit, mule := flowtest.Addr(1), flowtest.Addr(2), flowtest.Addr(3)
	c := &trace.Case{Model: trace.Haircut,
		Outputs: []trace.Watched{{Out: stolen, Addr: thief, Value: btc, Taint: btc, Since: now, Path: []chainhash.Hash{{0xaa}}}},
		Label: func(a chain.Address) (string, bool) {
			return "exchange-b", a == deposit
		}}
	feed := newFakeFeed(100)
	alerts := startWatch(t, feed, c, trace.WatchOptions{})
	pay := spendOf([]wire.OutPoint{stolen}, payTo(deposit, 3e7), payTo(mule, 69e6))
	feed.send(pay)
	expect(t, alerts, trace.SpentUnconfirmed)
	if e := expect(t, alerts, trace.ReachedExit); e.Exit != "exchange-b" || e.ExitTaint != 3e7 || e.ExitAddress != chain.Regtest.Format(deposit) {
		t.Errorf("exit alert %+v", e)
	}
}
