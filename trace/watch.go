package trace

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"

	"github.com/plumetrace/plume/chain"
)

// Feed is what Watch reads from a node: new blocks, the mempool, and the
// outputs a new transaction spends. source/rpc's Client satisfies it.
//
// Watch notices a reorganisation by hashes: Tip's hash, and each Block's
// Hash and Header.PrevBlock, which must be filled.
type Feed interface {
	Tip(ctx context.Context) (int32, chainhash.Hash, error)
	Block(ctx context.Context, height int32) (*chain.Block, error)
	Mempool(ctx context.Context) ([]chainhash.Hash, error)
	MempoolTx(ctx context.Context, hash chainhash.Hash) (*wire.MsgTx, error)
	PrevOut(ctx context.Context, op wire.OutPoint) (chain.Prevout, error)
}

// Watched is a tainted output Watch keeps an eye on.
type Watched struct {
	Out   wire.OutPoint
	Addr  chain.Address
	Value int64
	Taint int64
	// Since is when the output was created, for dormancy.
	Since time.Time
	// Path is the transactions from a seed's to the one that created it.
	Path []chainhash.Hash
	// woke: a DormantMoved alert reported these coins moving.
	woke bool
}

// Case is what Watch watches: the tainted outputs not yet spent, the exits
// that matter, and the model that says how much of a new output is
// stolen when watched coins move again.
type Case struct {
	Model   Model
	Outputs []Watched
	Exits   map[chain.Address]string
	// Label, if set, names further exits: an address it labels is one
	// too. Exits holds the exits the trace met; new transactions pay
	// addresses no trace has seen, and a store's Labels know every tagged
	// address and the members of a cluster-defining tag's cluster. Watch
	// calls it from its own goroutine.
	Label     func(chain.Address) (string, bool)
	CoinJoins CoinJoinPolicy
	// DormantAfter: a holder whose coins sat this long and move raises a
	// dormant-moved alert as well. 0 means 30 days.
	DormantAfter time.Duration
}

// CaseFrom makes the case of a computed taint: its unspent tainted
// outputs, its exits and its model.
func CaseFrom(t *Taint) *Case {
	res := t.Result()
	// The exits are a copy: a caller may add to the case's, and the Taint
	// must not change.
	c := &Case{Model: t.opts.Model, Exits: t.Options().Exits, CoinJoins: t.opts.CoinJoins}
	for _, h := range t.Unspent() {
		i := res.Index(h.Out.Tx)
		tx := res.At(i)
		var path []chainhash.Hash
		for _, p := range res.Path(i) {
			path = append(path, p.Hash)
		}
		c.Outputs = append(c.Outputs, Watched{Out: wire.OutPoint{Hash: tx.Hash, Index: h.Out.Vout}, Addr: h.Addr,
			Value: h.Value, Taint: h.Taint, Since: tx.Time, Path: path})
	}
	return c
}

// WatchOptions say where alerts go and how often to look.
type WatchOptions struct {
	// Poll is how often to ask the node; 0 means 1s.
	Poll time.Duration
	// Out receives each alert as a JSON line.
	Out io.Writer
	// Webhook, if set, receives each alert as a JSON POST, retried
	// Retries times (0 means 3) with doubling waits. The POSTs are made
	// from a goroutine of their own, so a slow or dead hook never holds up
	// the watch; up to WebhookQueue alerts (0 means 1000) wait for it.
	// When the queue is full the oldest waiting alert is dropped to make
	// room, and OnError hears of it: the hook then misses alerts, which
	// Out and OnAlert still get. Alerts still waiting when ctx ends are
	// not sent; OnError hears how many.
	Webhook      string
	Retries      int
	WebhookQueue int
	// OnAlert, if set, is called with each alert, from Watch's goroutine.
	// An alert's slices may be shared with other alerts of the same
	// transaction: read them, do not change them.
	OnAlert func(Alert)
	// OnError, if set, hears about failures Watch survives: a node that
	// does not answer, an input whose value the node cannot give, a
	// webhook that keeps failing, a reorganisation deeper than Watch
	// remembers. Calls never overlap, but may come from the webhook's
	// goroutine. A caller that would rather give up cancels ctx.
	OnError func(error)
	// Params formats addresses; nil means chain.Mainnet.
	Params *chain.Params
	// DropAfter: an unconfirmed spend absent from the mempool while this
	// many new blocks were mined counts as dropped. The mempool is read
	// before a spend is declared dropped, so one that is still there
	// never is, however many blocks arrive between two polls. 0 means 6.
	DropAfter int
	// HTTP is the webhook's client; nil means a client with a 10 s
	// timeout.
	HTTP *http.Client
}

// reorgWindow is how many of the latest blocks Watch remembers by hash: a
// reorganisation up to that deep is undone exactly. Confirmed spends are
// kept for as long, so that their coins can be put back if their block
// leaves the chain.
const reorgWindow = 100

// maxRetryWait caps the wait between polls while the node fails (unless
// Poll is longer).
const maxRetryWait = time.Minute

// Watch follows the mempool and new blocks and alerts when watched coins
// move: spent (unconfirmed, then confirmed, replaced or dropped), paid to
// an exit, or woken after dormancy. When they move, the outputs that
// receive tainted value under the case's model are watched in turn, so
// the watch follows the coins as far as they go.
//
// A coin whose spend is unconfirmed stays watched: a different
// transaction spending it, in the mempool (a fee bump or a double spend)
// or in a block, raises a Replaced alert naming both, and the outputs of
// the replaced transaction, and of the spends of those, are no longer
// watched (their spends get Dropped alerts).
//
// Watch remembers the hashes of the last 100 blocks it read, and of the
// one below them. When the
// node's chain no longer holds one of them, Watch reads the node's chain
// back to the fork and reads the new branch, so a spend on it is alerted
// like any other. A spend that was confirmed only in a block that left the
// chain becomes unconfirmed again and raises a Reorged alert; from then on
// it is followed as a mempool spend: Confirmed when a block holds it
// again, Replaced if a conflicting transaction is mined or enters the
// mempool, Dropped if it stays out of the mempool for DropAfter blocks. A
// spend that the new branch holds too gets a new Confirmed alert, with
// its new height, and no Reorged one. A reorganisation deeper than 100
// blocks is reported to OnError, and the new branch is read from there.
// A node whose tip falls behind the last block read, on the same chain
// or below the blocks remembered (restarted, reindexing), is waited for
// rather than taken as a reorganisation: OnError hears of it once. A node
// that lost its last blocks shows so when it mines others in their place.
//
// Watch returns an error if its first look at the node fails (a wrong
// address or password shows at once). After that it survives the node:
// a failed poll is reported to OnError and tried again, the waits
// doubling from Poll up to a minute, until the node answers or ctx ends.
// It returns nil when ctx ends.
func Watch(ctx context.Context, feed Feed, c *Case, opts WatchOptions) error {
	w, err := newWatcher(ctx, feed, c, opts)
	if err != nil {
		return err
	}
	if w.hook != nil {
		go w.hook.run(ctx)
		defer w.hook.wait()
	}
	backoff := w.opts.Poll
	for {
		wait := w.opts.Poll
		if err := w.poll(ctx); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			w.report(err)
			wait = backoff
			backoff = min(backoff*2, max(maxRetryWait, w.opts.Poll))
		} else {
			backoff = w.opts.Poll
		}
		if !sleep(ctx, wait) {
			return nil
		}
	}
}

// sleep waits d or until ctx ends, and says whether ctx is still live.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// watcher is the state of one Watch.
type watcher struct {
	feed Feed
	c    *Case
	opts WatchOptions
	// watched holds the coins followed: those unspent, and those whose
	// spend (spender names it) is unconfirmed or in one of the blocks the
	// watch remembers, so that a replacement or a reorganisation is seen.
	watched map[wire.OutPoint]*Watched
	spender map[wire.OutPoint]chainhash.Hash
	spends  map[chainhash.Hash]*spendTx
	// reorged lists the spends whose block left the chain during this
	// poll, for the Reorged alerts of those the new branch does not hold.
	reorged []*spendTx
	lagging bool                    // the node's tip is behind height; OnError heard of it
	seen    map[chainhash.Hash]bool // mempool txs already looked at
	// kids indexes the seen txs by the txids whose outputs they spend,
	// unread the mempool txs the node would not serve last poll.
	kids   map[chainhash.Hash][]chainhash.Hash
	unread map[chainhash.Hash]bool
	height int32 // the last block processed
	low    int32 // the lowest height in hashes
	hashes map[int32]chainhash.Hash
	hook   *hook // nil without a webhook
	errMu  sync.Mutex
	s      scratch
}

// spendTx is a transaction that spends watched coins, kept while it is
// unconfirmed or its block is in the reorg window.
type spendTx struct {
	hash    chainhash.Hash
	spent   []*Watched
	created []wire.OutPoint // outputs it made watched
	height  int32           // the block holding it; 0 while unconfirmed
	pos     int             // its place in that block
	absent  int             // blocks mined since the mempool last held it
	// alert is its spend alert, of which later alerts are copies.
	alert Alert
}

func newWatcher(ctx context.Context, feed Feed, c *Case, opts WatchOptions) (*watcher, error) {
	if opts.Poll <= 0 {
		opts.Poll = time.Second
	}
	if opts.Retries <= 0 {
		opts.Retries = 3
	}
	if opts.WebhookQueue <= 0 {
		opts.WebhookQueue = 1000
	}
	if opts.DropAfter <= 0 {
		opts.DropAfter = 6
	}
	if opts.Params == nil {
		opts.Params = chain.Mainnet
	}
	if opts.HTTP == nil {
		opts.HTTP = &http.Client{Timeout: 10 * time.Second}
	}
	// The defaults go into a copy: the caller's Case stays as given.
	cc := *c
	c = &cc
	if c.DormantAfter <= 0 {
		c.DormantAfter = 30 * 24 * time.Hour
	}
	w := &watcher{feed: feed, c: c, opts: opts, watched: map[wire.OutPoint]*Watched{},
		spender: map[wire.OutPoint]chainhash.Hash{}, spends: map[chainhash.Hash]*spendTx{},
		seen: map[chainhash.Hash]bool{}, kids: map[chainhash.Hash][]chainhash.Hash{}, hashes: map[int32]chainhash.Hash{}}
	if opts.Webhook != "" {
		h, err := newHook(opts, w.report)
		if err != nil {
			return nil, err
		}
		w.hook = h
	}
	for i := range c.Outputs {
		o := c.Outputs[i]
		w.watched[o.Out] = &o
	}
	h, hash, err := feed.Tip(ctx)
	if err != nil {
		return nil, fmt.Errorf("trace: watch: %w", err)
	}
	w.height, w.low, w.hashes[h] = h, h, hash
	return w, nil
}

// poll processes new blocks, then the mempool.
func (w *watcher) poll(ctx context.Context) error {
	if err := w.blocks(ctx); err != nil {
		return err
	}
	return w.mempool(ctx)
}

// emit hands an alert to every destination.
func (w *watcher) emit(a Alert) {
	if w.opts.OnAlert != nil {
		w.opts.OnAlert(a)
	}
	if w.opts.Out == nil && w.hook == nil {
		return
	}
	line, _ := json.Marshal(a)
	if w.opts.Out != nil {
		w.opts.Out.Write(append(line, '\n'))
	}
	if w.hook != nil {
		w.hook.send(line)
	}
}

// report hands a failure Watch survives to OnError.
func (w *watcher) report(err error) {
	if w.opts.OnError == nil {
		return
	}
	w.errMu.Lock()
	defer w.errMu.Unlock()
	w.opts.OnError(err)
}

// exit returns the label of addr if it is an exit of the case.
func (c *Case) exit(addr chain.Address) (string, bool) {
	if label, ok := c.Exits[addr]; ok {
		return label, true
	}
	if c.Label != nil {
		return c.Label(addr)
	}
	return "", false
}
