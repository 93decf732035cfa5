package trace

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/plumetrace/plume/chain"
	"github.com/plumetrace/plume/graph"
)

// Direction says which way Follow walks.
type Direction uint8

const (
	// Forward follows coins to where they went: from outputs to the
	// transactions that spend them.
	Forward Direction = iota
	// Backward follows coins to where they came from: from transactions to
	// the transactions that created their inputs.
	Backward
)

func (d Direction) String() string {
	if d == Backward {
		return "backward"
	}
	return "forward"
}

// Options limit a trace. The zero value follows everything forward.
type Options struct {
	Direction Direction
	// MaxHops stops the trace after this many hops from the seeds' own
	// transactions (hop 0). 0 means no limit.
	MaxHops int
	// MinValue: outputs (inputs, backward) worth less are not followed;
	// dust cannot carry a meaningful share of a theft.
	MinValue int64
	// From and To, when set, admit only transactions in blocks timed
	// within [From, To].
	From, To time.Time
	// MaxTxs stops the trace once the flow holds this many transactions;
	// Result.Truncated is then set. 0 means no limit.
	MaxTxs int
	// Stop, when set, is asked before an output (forward) or input
	// (backward) of tx is followed; true leaves it as the flow's edge, for
	// instance at an exchange's deposit address.
	Stop func(tx *chain.Tx, index int) bool
	// Progress, when set, is called after each hop.
	Progress func(Progress)
	// Params formats the flow's addresses; nil means chain.Mainnet.
	Params *chain.Params
	// Workers reads a hop's transactions concurrently; 0 means GOMAXPROCS.
	Workers int
}

// Progress reports a running trace.
type Progress struct {
	Hop   int // hops completed
	Txs   int // transactions in the flow so far
	Edges int // edges examined so far
	Next  int // transactions to read at the next hop
}

// Result is a finished trace: the flow, and how the trace ended.
type Result struct {
	*graph.Flow
	Seeds   []Seed
	Options Options
	// Hops is the largest hop reached.
	Hops int
	// Edges counts the edges the trace examined: each output of each
	// transaction read, and each spend (forward) or funding (backward) link
	// it followed or found already in the flow.
	Edges int
	// Truncated is true when MaxTxs ended the trace early.
	Truncated bool
	// Stopped counts links not followed because of MinValue, Stop, the
	// time window or MaxHops.
	Stopped int
	// Outside counts links to transactions the source does not hold (a
	// spender outside an in-memory flow, say).
	Outside int
	Elapsed time.Duration

	parent []int32 // per flow index: index of the transaction it was reached from, -1 at hop 0
}

// Path returns the transactions from a seed's transaction to the
// transaction at flow index i, along the links by which the trace first
// reached it.
func (r *Result) Path(i int) []*chain.Tx {
	var p []*chain.Tx
	for ; i >= 0; i = int(r.parent[i]) {
		p = append(p, r.At(i))
	}
	slices.Reverse(p)
	return p
}

// Follow traces coins from seeds through src.
//
// Forward, hop 0 holds the transactions that created the seed outputs;
// hop n+1 the transactions that spend outputs of hop n (from hop 0 only the
// seed outputs are followed). Backward, hop 0 holds the same transactions
// and hop n+1 the transactions whose outputs fund hop n. A transaction
// appears once, at the first hop that reaches it. The context is checked
// between hops and between reads.
func Follow(ctx context.Context, src Source, seeds []Seed, opts Options) (*Result, error) {
	start := time.Now()
	if opts.Workers <= 0 {
		opts.Workers = runtime.GOMAXPROCS(0)
	}
	outs, err := resolveSeeds(ctx, src, seeds)
	if err != nil {
		return nil, err
	}
	r := &Result{Seeds: slices.Clone(seeds), Options: opts}
	isSeed := make(map[chain.OutPoint]bool, len(outs))
	var level []link
	seen := make(map[chain.TxID]struct{})
	for _, o := range outs {
		isSeed[o] = true
		if _, ok := seen[o.Tx]; !ok {
			seen[o.Tx] = struct{}{}
			level = append(level, link{id: o.Tx, from: -1})
		}
	}
	var members []graph.Member
	var parents []chain.TxID
	txs, err := load(ctx, src, level, opts.Workers)
	if err != nil {
		return nil, err
	}
	txs, level = r.admit(txs, level, Options{}) // seeds ignore the window
	for hop := 0; len(txs) > 0; hop++ {
		for i, tx := range txs {
			members = append(members, graph.Member{Tx: tx, Hop: hop})
			parents = append(parents, level[i].from)
		}
		r.Hops = hop
		level = level[:0]
		limited := opts.MaxHops > 0 && hop >= opts.MaxHops
		for _, tx := range txs {
			next, err := r.expand(tx, hop, limited, isSeed, seen, opts)
			if err != nil {
				return nil, err
			}
			level = append(level, next...)
		}
		if opts.MaxTxs > 0 && len(members)+len(level) > opts.MaxTxs {
			level = level[:max(0, opts.MaxTxs-len(members))]
			r.Truncated = true
		}
		if opts.Progress != nil {
			opts.Progress(Progress{Hop: hop, Txs: len(members), Edges: r.Edges, Next: len(level)})
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		txs, err = load(ctx, src, level, opts.Workers)
		if err != nil {
			return nil, err
		}
		txs, level = r.admit(txs, level, opts)
	}
	r.Flow = graph.New(opts.Params, opts.Direction == Forward, outs, members)
	r.parent = make([]int32, r.Len())
	for k, m := range members {
		i := r.Index(m.Tx.ID)
		r.parent[i] = int32(r.Index(parents[k]))
	}
	r.Elapsed = time.Since(start)
	return r, nil
}

// link is a transaction to read and the one it was reached from.
type link struct {
	id, from chain.TxID
}

// expand returns the transactions tx leads to that the trace has not seen.
func (r *Result) expand(tx *chain.Tx, hop int, limited bool, isSeed map[chain.OutPoint]bool, seen map[chain.TxID]struct{}, opts Options) ([]link, error) {
	var next []link
	follow := func(id chain.TxID, value int64, index int) {
		r.Edges++
		if _, ok := seen[id]; ok {
			return
		}
		if limited || value < opts.MinValue || (opts.Stop != nil && opts.Stop(tx, index)) {
			r.Stopped++
			return
		}
		seen[id] = struct{}{}
		next = append(next, link{id: id, from: tx.ID})
	}
	if opts.Direction == Backward {
		r.Edges += len(tx.Msg.TxOut)
		for vin, p := range tx.Prevouts {
			if p.Resolved && !p.Out.IsZero() {
				follow(p.Out.Tx, p.Value, vin)
			}
		}
		return next, nil
	}
	if len(tx.SpentBy) != len(tx.Msg.TxOut) {
		return nil, fmt.Errorf("trace: transaction %v: the source does not report spenders, which a forward trace needs", tx.Hash)
	}
	for vout, o := range tx.Msg.TxOut {
		r.Edges++ // tx -> output
		op := tx.ID.Out(uint32(vout))
		if hop == 0 && !isSeed[op] {
			continue
		}
		if by := tx.SpentBy[vout]; !by.IsZero() {
			follow(by.Tx, o.Value, vout)
		}
	}
	return next, nil
}

// admit drops transactions the source does not hold and those outside
// the time window.
func (r *Result) admit(txs []*chain.Tx, level []link, opts Options) ([]*chain.Tx, []link) {
	n := 0
	for i, tx := range txs {
		if tx == nil {
			r.Outside++
			continue
		}
		if (!opts.From.IsZero() && tx.Time.Before(opts.From)) || (!opts.To.IsZero() && tx.Time.After(opts.To)) {
			r.Stopped++
			continue
		}
		txs[n], level[n] = tx, level[i]
		n++
	}
	return txs[:n], level[:n]
}

// load reads the transactions of a hop, concurrently when there are many.
// Results keep the order of ids; a transaction the source does not hold is
// nil.
func load(ctx context.Context, src Source, ids []link, workers int) ([]*chain.Tx, error) {
	txs := make([]*chain.Tx, len(ids))
	if len(ids) < 64 || workers == 1 {
		for i, l := range ids {
			tx, err := src.Tx(ctx, l.id)
			if err != nil && !errors.Is(err, chain.ErrNotFound) {
				return nil, readError(l.id, err)
			}
			txs[i] = tx
		}
		return txs, nil
	}
	var (
		next  atomic.Int64
		wg    sync.WaitGroup
		once  sync.Once
		first error
	)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for range min(workers, len(ids)/16+1) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= len(ids) {
					return
				}
				tx, err := src.Tx(ctx, ids[i].id)
				if err != nil && !errors.Is(err, chain.ErrNotFound) {
					once.Do(func() { first = readError(ids[i].id, err); cancel() })
					return
				}
				txs[i] = tx
			}
		}()
	}
	wg.Wait()
	if first != nil {
		return nil, first
	}
	return txs, nil
}

func readError(id chain.TxID, err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return fmt.Errorf("trace: reading transaction %v: %w", id, err)
}
