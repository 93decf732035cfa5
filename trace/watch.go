package trace

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"

	"github.com/plumetrace/plume/chain"
)

// Feed is what Watch reads from a node: new blocks, the mempool, and the
// outputs a new transaction spends. source/rpc's Client satisfies it.
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
}

// Case is what Watch watches: the tainted outputs not yet spent, the exits
// that matter, and the model that says how much of a new output is
// stolen when watched coins move again.
type Case struct {
	Model     Model
	Outputs   []Watched
	Exits     map[chain.Address]string
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

// AlertKind names what happened to watched coins.
type AlertKind string

const (
	// SpentUnconfirmed: a transaction in the mempool spends watched coins.
	SpentUnconfirmed AlertKind = "spent_unconfirmed"
	// Confirmed: a block holds a spend seen in the mempool before.
	Confirmed AlertKind = "confirmed"
	// SpentConfirmed: a block holds a spend the mempool never showed.
	SpentConfirmed AlertKind = "spent_confirmed"
	// Dropped: a spend left the mempool without being mined; its coins
	// are watched again.
	Dropped AlertKind = "dropped"
	// ReachedExit: a spend pays tainted value to an exit (a tagged
	// entity or an address of the case's exit set).
	ReachedExit AlertKind = "reached_exit"
	// DormantMoved: coins that sat untouched for Case.DormantAfter move.
	DormantMoved AlertKind = "dormant_moved"
)

// Alert reports watched coins moving.
type Alert struct {
	Kind   AlertKind `json:"kind"`
	Time   time.Time `json:"time"`
	TxID   string    `json:"txid"`
	Height int32     `json:"height,omitempty"` // 0 in the mempool
	// Spent lists the watched outputs the transaction spends.
	Spent []AlertOutput `json:"spent"`
	// Taint is the stolen value the transaction moves, and Share the
	// stolen fraction of its inputs.
	Taint int64   `json:"taint"`
	Share float64 `json:"share"`
	// Exit and ExitAddress name the exit a ReachedExit alert reports, and
	// ExitTaint the stolen value paid to it.
	Exit        string `json:"exit,omitempty"`
	ExitAddress string `json:"exit_address,omitempty"`
	ExitTaint   int64  `json:"exit_taint,omitempty"`
	// Path is the transactions from a seed's to this one.
	Path []string `json:"path"`
}

// AlertOutput is a watched output in an alert.
type AlertOutput struct {
	Outpoint string `json:"outpoint"`
	Address  string `json:"address"`
	Value    int64  `json:"value"`
	Taint    int64  `json:"taint"`
}

// WatchOptions say where alerts go and how often to look.
type WatchOptions struct {
	// Poll is how often to ask the node; 0 means 1s.
	Poll time.Duration
	// Out receives each alert as a JSON line.
	Out io.Writer
	// Webhook, if set, receives each alert as a JSON POST, retried
	// Retries times (0 means 3) with doubling waits.
	Webhook string
	Retries int
	// OnAlert, if set, is called with each alert.
	OnAlert func(Alert)
	// OnError, if set, hears about failures Watch survives: a webhook that
	// keeps failing, a node that does not answer for a while.
	OnError func(error)
	// Params formats addresses; nil means chain.Mainnet.
	Params *chain.Params
	// DropAfter: a spend absent from the mempool and from this many new
	// blocks counts as dropped. 0 means 6.
	DropAfter int
	// HTTP is the webhook's client; nil means a client with a 10 s
	// timeout.
	HTTP *http.Client
}

// Watch follows the mempool and new blocks and alerts when watched coins
// move: spent (unconfirmed, then confirmed or dropped), paid to an exit,
// or woken after dormancy. When they move, the outputs that receive
// tainted value under the case's model are watched in turn, so the watch
// follows the coins as far as they go. It returns when ctx ends (nil) or
// the node fails for good.
//
// Watch does not undo alerts when a reorganisation removes a block; a
// spend mined again raises its alert again.
func Watch(ctx context.Context, feed Feed, c *Case, opts WatchOptions) error {
	w, err := newWatcher(ctx, feed, c, opts)
	if err != nil {
		return err
	}
	for {
		if err := w.poll(ctx); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(w.opts.Poll):
		}
	}
}

// watcher is the state of one Watch.
type watcher struct {
	feed    Feed
	c       *Case
	opts    WatchOptions
	watched map[wire.OutPoint]*Watched
	pending map[chainhash.Hash]*pendingSpend // spends seen in the mempool
	seen    map[chainhash.Hash]bool          // mempool txs already looked at
	height  int32                            // the last block processed
	mu      sync.Mutex                       // serializes output
	s       scratch
}

type pendingSpend struct {
	spent   []*Watched
	created []wire.OutPoint // outputs it made watched
	absent  int             // blocks since it was last in the mempool
}

func newWatcher(ctx context.Context, feed Feed, c *Case, opts WatchOptions) (*watcher, error) {
	if opts.Poll <= 0 {
		opts.Poll = time.Second
	}
	if opts.Retries <= 0 {
		opts.Retries = 3
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
		pending: map[chainhash.Hash]*pendingSpend{}, seen: map[chainhash.Hash]bool{}}
	for i := range c.Outputs {
		o := c.Outputs[i]
		w.watched[o.Out] = &o
	}
	h, _, err := feed.Tip(ctx)
	if err != nil {
		return nil, fmt.Errorf("trace: watch: %w", err)
	}
	w.height = h
	return w, nil
}

// poll processes new blocks, then the mempool.
func (w *watcher) poll(ctx context.Context) error {
	tip, _, err := w.feed.Tip(ctx)
	if err != nil {
		return fmt.Errorf("trace: watch: %w", err)
	}
	for w.height < tip {
		b, err := w.feed.Block(ctx, w.height+1)
		if err != nil {
			return fmt.Errorf("trace: watch: block %d: %w", w.height+1, err)
		}
		if err := w.block(ctx, b); err != nil {
			return err
		}
		w.height = b.Height
	}
	pool, err := w.feed.Mempool(ctx)
	if err != nil {
		return fmt.Errorf("trace: watch: %w", err)
	}
	inPool := make(map[chainhash.Hash]bool, len(pool))
	for _, h := range pool {
		inPool[h] = true
		if w.seen[h] {
			continue
		}
		w.seen[h] = true
		tx, err := w.feed.MempoolTx(ctx, h)
		if errors.Is(err, chain.ErrNotFound) {
			continue // mined or evicted meanwhile
		}
		if err != nil {
			return fmt.Errorf("trace: watch: mempool tx %v: %w", h, err)
		}
		if err := w.spend(ctx, tx, h, 0, time.Now()); err != nil {
			return err
		}
	}
	for h := range w.seen {
		if !inPool[h] && w.pending[h] == nil {
			delete(w.seen, h) // keep the set to the mempool's size
		}
	}
	for h, p := range w.pending {
		if inPool[h] {
			p.absent = 0
		}
	}
	return nil
}

// block processes a new block: confirmations, spends the mempool never
// showed, and spends that have been gone too long.
func (w *watcher) block(ctx context.Context, b *chain.Block) error {
	for i, tx := range b.Txs {
		h := b.TxHashes[i]
		if _, ok := w.pending[h]; ok {
			p := w.pending[h]
			delete(w.pending, h)
			w.emit(w.alert(Confirmed, h, b.Height, b.Header.Timestamp, p.spent, tx))
			continue
		}
		if i == 0 {
			continue
		}
		if err := w.spend(ctx, tx, h, b.Height, b.Header.Timestamp); err != nil {
			return err
		}
	}
	for h, p := range w.pending {
		if p.absent++; p.absent > w.opts.DropAfter {
			delete(w.pending, h)
			for _, o := range p.created {
				delete(w.watched, o)
			}
			for _, s := range p.spent {
				w.watched[s.Out] = s
			}
			w.emit(w.alert(Dropped, h, 0, b.Header.Timestamp, p.spent, nil))
		}
	}
	return nil
}

// spend checks whether tx spends watched coins and, if so, alerts and
// watches the outputs it taints. height is 0 for a mempool transaction.
func (w *watcher) spend(ctx context.Context, tx *wire.MsgTx, h chainhash.Hash, height int32, at time.Time) error {
	var spent []*Watched
	for _, in := range tx.TxIn {
		if o := w.watched[in.PreviousOutPoint]; o != nil {
			spent = append(spent, o)
		}
	}
	if len(spent) == 0 {
		return nil
	}
	// The stolen share of each output, under the case's model: values of
	// the other inputs come from the node.
	vals := make([]int64, len(tx.TxIn))
	taints := make([]int64, len(tx.TxIn))
	prevs := make([]chain.Prevout, len(tx.TxIn))
	var inVal int64
	for k, in := range tx.TxIn {
		if o := w.watched[in.PreviousOutPoint]; o != nil {
			vals[k], taints[k] = o.Value, o.Taint
			prevs[k] = chain.Prevout{Value: o.Value, Script: o.Addr.Script(), Addr: o.Addr, Resolved: true}
		} else {
			p, err := w.feed.PrevOut(ctx, in.PreviousOutPoint)
			if err != nil && !errors.Is(err, chain.ErrNotFound) {
				return fmt.Errorf("trace: watch: input %d of %v: %w", k, h, err)
			}
			vals[k], prevs[k] = p.Value, p
		}
		inVal += vals[k]
	}
	outs := make([]int64, 0, len(tx.TxOut)+1)
	var outVal int64
	for _, o := range tx.TxOut {
		outs = append(outs, o.Value)
		outVal += o.Value
	}
	outs = append(outs, max(inVal-outVal, 0))
	if inVal < outVal { // unknown inputs: balance the lines as ComputeTaint does
		vals[0] += outVal - inVal
	}
	dst := make([]int64, len(outs))
	model := w.c.Model
	coinjoin := w.c.CoinJoins != CoinJoinIgnore && isCoinJoin(&chain.Tx{Msg: tx, Prevouts: prevs})
	if coinjoin {
		model = Haircut
	}
	model.split(vals, taints, outs, dst, &w.s)

	p := &pendingSpend{spent: spent}
	for _, s := range spent {
		delete(w.watched, s.Out)
	}
	kind := SpentUnconfirmed
	if height > 0 {
		kind = SpentConfirmed
	}
	a := w.alert(kind, h, height, at, spent, tx)
	w.emit(a)
	for _, s := range spent {
		if at.Sub(s.Since) >= w.c.DormantAfter {
			d := w.alert(DormantMoved, h, height, at, []*Watched{s}, tx)
			w.emit(d)
			break
		}
	}
	if coinjoin && w.c.CoinJoins == CoinJoinStop {
		// The trail ends in the mix: report it as an exit, watch nothing.
		e := a
		e.Kind, e.Exit, e.ExitTaint = ReachedExit, CoinJoinLabel, a.Taint
		w.emit(e)
		if height == 0 {
			w.pending[h] = p
		}
		return nil
	}
	path := append(slices.Clone(spent[0].Path), h)
	for v, o := range tx.TxOut {
		if dst[v] == 0 {
			continue
		}
		addr := chain.AddressOf(o.PkScript)
		if label, ok := w.c.Exits[addr]; ok {
			e := a
			e.Kind, e.Exit, e.ExitAddress, e.ExitTaint = ReachedExit, label, w.opts.Params.Format(addr), dst[v]
			w.emit(e)
			continue
		}
		op := wire.OutPoint{Hash: h, Index: uint32(v)}
		w.watched[op] = &Watched{Out: op, Addr: addr, Value: o.Value, Taint: dst[v], Since: at, Path: path}
		p.created = append(p.created, op)
	}
	if height == 0 {
		w.pending[h] = p
	}
	return nil
}

func (w *watcher) alert(kind AlertKind, h chainhash.Hash, height int32, at time.Time, spent []*Watched, tx *wire.MsgTx) Alert {
	a := Alert{Kind: kind, Time: at.UTC(), TxID: h.String(), Height: height}
	var in, taint int64
	for _, s := range spent {
		a.Spent = append(a.Spent, AlertOutput{Outpoint: s.Out.String(), Address: w.opts.Params.Format(s.Addr), Value: s.Value, Taint: s.Taint})
		in += s.Value
		taint += s.Taint
	}
	a.Taint = taint
	if in > 0 {
		a.Share = float64(taint) / float64(in)
	}
	if len(spent) > 0 {
		for _, p := range spent[0].Path {
			a.Path = append(a.Path, p.String())
		}
	}
	a.Path = append(a.Path, h.String())
	return a
}

// emit hands an alert to every destination. A webhook that fails after its
// retries is reported to OnError; the watch goes on.
func (w *watcher) emit(a Alert) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.opts.OnAlert != nil {
		w.opts.OnAlert(a)
	}
	line, _ := json.Marshal(a)
	if w.opts.Out != nil {
		w.opts.Out.Write(append(line, '\n'))
	}
	if w.opts.Webhook != "" {
		if err := w.post(line); err != nil && w.opts.OnError != nil {
			w.opts.OnError(err)
		}
	}
}

func (w *watcher) post(body []byte) error {
	wait := 500 * time.Millisecond
	var last error
	for try := 0; try <= w.opts.Retries; try++ {
		if try > 0 {
			time.Sleep(wait)
			wait *= 2
		}
		resp, err := w.opts.HTTP.Post(w.opts.Webhook, "application/json", bytes.NewReader(body))
		if err != nil {
			last = err
			continue
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode < 300 {
			return nil
		}
		last = fmt.Errorf("HTTP %s", resp.Status)
		if resp.StatusCode < 500 && resp.StatusCode != http.StatusTooManyRequests {
			break // the hook refuses the alert; retrying will not change that
		}
	}
	return fmt.Errorf("trace: watch: webhook: %w", last)
}
