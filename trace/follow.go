package trace

import (
	"cmp"
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
	// CoinJoins says what to do at a transaction trace/heuristic detects
	// as a CoinJoin: follow on (the default), or stop there.
	CoinJoins CoinJoinPolicy
	// PreferRemainder, forward, follows only the remainder of a peel step
	// (heuristic.Peel), not its payment, unless the payment is a seed:
	// the trail of a peel chain without its payees (see PeelChains).
	PreferRemainder bool
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
	// Requested holds the seeds as the caller gave them; Seeds (of the
	// flow) gives the outputs they stand for.
	Requested []Seed
	Options   Options
	// Hops is the largest hop reached.
	Hops int
	// Edges counts the edges the trace examined: each output of each
	// transaction read, and each spend (forward) or funding (backward) link
	// it followed or found already in the flow.
	Edges int
	// Truncated is true when MaxTxs ended the trace early.
	Truncated bool
	// Stopped counts links not followed because of MinValue, Stop, the
	// time window, MaxHops or PreferRemainder.
	Stopped int
	// Outside counts links to transactions the source does not hold (a
	// spender outside an in-memory flow, say).
	Outside int
	// CoinJoins counts the CoinJoins the trace stopped at
	// (Options.CoinJoins == CoinJoinStop).
	CoinJoins int
	Elapsed   time.Duration

	// parent holds, per flow index, the index of the transaction it was
	// reached from (-1 at hop 0), and viaSeed whether that link is a seed
	// output, where a path from the seeds begins.
	parent  []int32
	viaSeed []bool
}

// Path returns the transactions from a seed's transaction to the
// transaction at flow index i, along the links by which the trace first
// reached it.
func (r *Result) Path(i int) []*chain.Tx {
	var p []*chain.Tx
	for ; i >= 0; i = int(r.parent[i]) {
		p = append(p, r.At(i))
		if r.viaSeed[i] {
			p = append(p, r.At(int(r.parent[i])))
			break
		}
	}
	slices.Reverse(p)
	return p
}

// Follow traces coins from seeds through src.
//
// Forward, hop 0 holds the transactions that created the seed outputs;
// from those only the seed outputs are followed. Hop n+1 holds the
// transactions that spend outputs of hop n, and from them every output is
// followed. A transaction that created a seed and also spends coins already
// traced (a peel chain paying change back to a seed address) belongs to the
// later hop. Backward, hop 0 holds the same transactions and hop n+1 the
// transactions whose outputs fund hop n. A transaction appears once, at the
// first hop that reaches it. The context is checked between hops and
// between reads.
func Follow(ctx context.Context, src Source, seeds []Seed, opts Options) (*Result, error) {
	start := time.Now()
	if opts.Workers <= 0 {
		opts.Workers = runtime.GOMAXPROCS(0)
	}
	outs, err := resolveSeeds(ctx, src, seeds)
	if err != nil {
		return nil, err
	}
	t := &tracer{
		r:      &Result{Requested: slices.Clone(seeds), Options: opts},
		opts:   opts,
		isSeed: make(map[chain.OutPoint]bool, len(outs)),
		seedTx: make(map[chain.TxID]bool),
		seen:   newVisits(src),
	}
	var level []link
	for _, o := range outs {
		t.isSeed[o] = true
		t.seedTx[o.Tx] = true
		if _, ok := t.seen.get(o.Tx, -1); !ok {
			at := t.seen.at(o.Tx, -1)
			t.seen.set(o.Tx, at, queued)
			level = append(level, link{id: o.Tx, at: at, from: -1})
		}
	}
	txs, err := load(ctx, src, level, opts.Workers)
	if err != nil {
		return nil, err
	}
	txs, level = t.r.admit(txs, level, Options{}) // seeds ignore the window
	var idxs []int32
	for hop := 0; len(txs) > 0; hop++ {
		t.r.Hops = hop
		idxs = idxs[:0]
		for i, tx := range txs {
			idxs = append(idxs, t.add(tx, hop, level[i]))
		}
		next, err := t.expand(txs, level, idxs, hop)
		if err != nil {
			return nil, err
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if opts.Progress != nil {
			opts.Progress(Progress{Hop: hop, Txs: len(t.members), Edges: t.r.Edges, Next: len(next) + len(t.upgraded)})
		}
		loaded, err := load(ctx, src, next, opts.Workers)
		if err != nil {
			return nil, err
		}
		loaded, next = t.r.admit(loaded, next, opts)
		txs, level = loaded, next
		for _, u := range t.upgraded {
			txs = append(txs, t.members[u.idx].Tx)
			level = append(level, u.link)
		}
		t.upgraded = t.upgraded[:0]
	}
	t.finish(outs)
	t.r.Elapsed = time.Since(start)
	return t.r, nil
}

// finish builds the flow and the parent links of each of its
// transactions.
func (t *tracer) finish(outs []chain.OutPoint) {
	r, n := t.r, len(t.members)
	// pos maps a member to its place in chain order, which is its index in
	// the flow. A dense source has already numbered the transactions in
	// chain order; otherwise sort by ID.
	pos := make([]int32, n)
	sorted := make([]graph.Member, 0, n)
	if t.seen.dense != nil {
		for _, s := range t.seen.dense {
			if m := s - 2; m >= 0 {
				pos[m] = int32(len(sorted))
				sorted = append(sorted, t.members[m])
			}
		}
	} else {
		order := make([]int32, n)
		ids := make([]chain.TxID, n)
		for i, m := range t.members {
			order[i], ids[i] = int32(i), m.Tx.ID
		}
		slices.SortFunc(order, func(a, b int32) int { return cmp.Compare(ids[a], ids[b]) })
		for k, m := range order {
			pos[m] = int32(k)
			sorted = append(sorted, t.members[m])
		}
	}
	r.Flow = graph.New(t.opts.Params, t.opts.Direction == Forward, outs, sorted)
	r.parent = make([]int32, n)
	r.viaSeed = make([]bool, n)
	for m, l := range t.parents {
		i := pos[m]
		r.parent[i] = -1
		if l.from >= 0 {
			r.parent[i] = pos[l.from]
		}
		r.viaSeed[i] = l.viaSeed
	}
}

// queued marks in tracer.seen a transaction to be read at the next hop.
const queued = -1

// tracer is the state of one Follow.
type tracer struct {
	r      *Result
	opts   Options
	isSeed map[chain.OutPoint]bool
	seedTx map[chain.TxID]bool // transactions holding seeds
	// seen maps every transaction the trace knows to its index in members,
	// or to queued.
	seen    *visits
	members []graph.Member
	parents []link // how each member was reached
	// hop0 holds, forward, the seed transactions the trace has not reached
	// yet, by member index; upgraded those it reached in this hop.
	hop0     map[chain.TxID]int32
	upgraded []upgrade
}

type upgrade struct {
	idx  int32
	link link
}

// add records tx as reached at hop and returns its member index. A seed
// transaction reached again by the trace keeps its index and takes the
// later hop.
func (t *tracer) add(tx *chain.Tx, hop int, from link) int32 {
	at := t.seen.at(tx.ID, from.at)
	i, ok := t.seen.get(tx.ID, at)
	if ok && i >= 0 {
		t.members[i].Hop = hop
		t.parents[i] = from
		return i
	}
	i = int32(len(t.members))
	// Backward, a seed transaction is expanded whole at hop 0 and reaching
	// it again changes nothing; forward, only its seed outputs were
	// followed, so it waits to be reached.
	if hop == 0 && t.opts.Direction == Forward {
		if t.hop0 == nil {
			t.hop0 = make(map[chain.TxID]int32)
		}
		t.hop0[tx.ID] = i
	}
	t.seen.set(tx.ID, at, i)
	t.members = append(t.members, graph.Member{Tx: tx, Hop: hop})
	t.parents = append(t.parents, from)
	return i
}

// expand follows the links out of the transactions of one hop (level holds
// how each was reached, idxs their member indexes). It returns the
// transactions to read for the next hop; seed transactions the hop
// reached, in memory already, go to t.upgraded.
func (t *tracer) expand(txs []*chain.Tx, level []link, idxs []int32, hop int) (next []link, err error) {
	r, opts := t.r, t.opts
	limited := opts.MaxHops > 0 && hop >= opts.MaxHops
	budget := -1
	if opts.MaxTxs > 0 {
		budget = max(0, opts.MaxTxs-len(t.members))
	}
	skip := -1 // the output PreferRemainder leaves, in the tx being expanded
	follow := func(from int32, tx *chain.Tx, id chain.TxID, at int32, value int64, index int, viaSeed bool) {
		r.Edges++
		seed, isSeedTx := int32(0), false
		if len(t.hop0) > 0 {
			seed, isSeedTx = t.hop0[id]
		}
		if !isSeedTx {
			if _, ok := t.seen.get(id, at); ok {
				return
			}
		}
		if limited || value < opts.MinValue || (index == skip && !viaSeed) || (opts.Stop != nil && opts.Stop(tx, index)) {
			r.Stopped++
			return
		}
		l := link{id: id, at: at, from: from, viaSeed: viaSeed}
		if isSeedTx { // a seed transaction, now reached: it moves to this hop
			t.upgraded = append(t.upgraded, upgrade{seed, l})
			delete(t.hop0, id)
			return
		}
		if budget == 0 {
			r.Truncated = true
			return
		}
		budget--
		t.seen.set(id, at, queued)
		next = append(next, l)
	}
	ix := t.seen.ix
	for k, tx := range txs {
		from := idxs[k]
		// In an indexed source the links come with the neighbours' indexes.
		var adj []int32
		if at := t.seen.at(tx.ID, level[k].at); at >= 0 {
			if opts.Direction == Backward {
				adj = ix.Funders(int(at))
			} else {
				adj = ix.Spenders(int(at))
			}
		}
		neighbour := func(i int) int32 {
			if adj == nil {
				return -1
			}
			return adj[i]
		}
		if opts.CoinJoins == CoinJoinStop && hop > 0 && isCoinJoin(tx) {
			r.CoinJoins++
			r.Edges += len(tx.Msg.TxOut)
			continue
		}
		if opts.Direction == Backward {
			r.Edges += len(tx.Msg.TxOut)
			for vin, p := range tx.Prevouts {
				if p.Resolved && !p.Out.IsZero() {
					follow(from, tx, p.Out.Tx, neighbour(vin), p.Value, vin, hop == 0)
				}
			}
			continue
		}
		if len(tx.SpentBy) != len(tx.Msg.TxOut) {
			return nil, fmt.Errorf("trace: transaction %v: the source does not report spenders, which a forward trace needs", tx.Hash)
		}
		holdsSeeds := t.seedTx[tx.ID]
		skip = peelPayment(opts, tx)
		for vout, o := range tx.Msg.TxOut {
			r.Edges++ // tx -> output
			seed := holdsSeeds && t.isSeed[tx.ID.Out(uint32(vout))]
			if hop == 0 && !seed {
				continue
			}
			if by := tx.SpentBy[vout]; !by.IsZero() {
				follow(from, tx, by.Tx, neighbour(vout), o.Value, vout, seed)
			}
		}
	}
	return next, nil
}

// link is a transaction to reach, the member it is reached from (-1 for a
// seed transaction at hop 0), and whether through a seed output (forward)
// or from a seed transaction (backward).
type link struct {
	id      chain.TxID
	at      int32 // index in an indexed source, or -1
	from    int32
	viaSeed bool
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
	if ix, ok := src.(indexed); ok {
		for i, l := range ids {
			j := int(l.at)
			if j < 0 {
				j = ix.Index(l.id)
			}
			if j >= 0 {
				txs[i] = ix.At(j)
			}
		}
		return txs, nil
	}
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
