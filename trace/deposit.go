package trace

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"iter"
	"math"
	"slices"
	"time"

	"github.com/plumetrace/plume/chain"
	"github.com/plumetrace/plume/graph"
	"github.com/plumetrace/plume/trace/heuristic"
)

// Defaults of DepositOptions. An exchange sweeps its customers' deposit
// addresses into its wallet in batches; five inputs from five addresses
// into one or two outputs is where a batch stops looking like one wallet
// paying from a few of its own coins. A week bounds how long an exchange
// leaves deposits unswept (the Zaif thief's deposits were swept within
// days), and keeps a dormant address that someone empties months later
// from counting.
const (
	DefaultSweepMinInputs  = 5
	DefaultSweepMinAddrs   = 5
	DefaultSweepMaxOutputs = 2
	DefaultSweepWindow     = 7 * 24 * time.Hour
)

// TxReader reads transactions by chain position. Every Source is one,
// and so is a graph.Flow. When it also has Source's History method,
// DepositAddresses uses it to check that a sweep's inputs come from
// addresses that received once.
type TxReader interface {
	Tx(ctx context.Context, id chain.TxID) (*chain.Tx, error)
}

// histories is the optional History of a TxReader.
type histories interface {
	History(ctx context.Context, addr chain.Address) iter.Seq2[chain.Appearance, error]
}

// DepositOptions say what counts as a sweep. The zero value takes the
// defaults.
type DepositOptions struct {
	// MinInputs and MinAddrs are the fewest inputs, and distinct input
	// addresses, of a sweep; MaxOutputs the most outputs (OP_RETURN
	// aside). 0 means the default.
	MinInputs, MinAddrs, MaxOutputs int
	// Window is the longest a deposit waits for its sweep; 0 means
	// DefaultSweepWindow.
	Window time.Duration
	// MinConfidence drops deposit addresses below it.
	MinConfidence float64
	// Clusters, when set, names the entity behind each sweep by the
	// common-input cluster of its inputs.
	Clusters Clusters
	// Taint, when set, gives each deposit output its stolen value.
	Taint *Taint
}

func (o *DepositOptions) defaults() {
	if o.MinInputs <= 0 {
		o.MinInputs = DefaultSweepMinInputs
	}
	if o.MinAddrs <= 0 {
		o.MinAddrs = DefaultSweepMinAddrs
	}
	if o.MaxOutputs <= 0 {
		o.MaxOutputs = DefaultSweepMaxOutputs
	}
	if o.Window <= 0 {
		o.Window = DefaultSweepWindow
	}
}

// Deposit is an address the flow paid that looks like an exchange's
// deposit address: soon after, a sweep spent what it received together
// with many other such addresses' coins.
type Deposit struct {
	Addr chain.Address
	// Outputs are the swept flow outputs that paid Addr, in chain order;
	// Value and Taint their totals (Taint when DepositOptions.Taint is
	// set).
	Outputs      []DepositOutput
	Value, Taint int64
	// Sweep is the sweep of the most confident output, and Entity who
	// swept it.
	Sweep  *chain.Tx
	Entity SweepEntity
	// Confidence, in [0, 1], is the best of the outputs' (see
	// DepositAddresses); it ranks, it is not a probability. Reasons say in
	// words what it rests on.
	Confidence float64
	Reasons    []string
}

// DepositOutput is one flow output paid to a deposit address, and its
// sweep.
type DepositOutput struct {
	Out        chain.OutPoint
	Value      int64
	Taint      int64
	Time       time.Time
	Sweep      chain.TxID
	Delay      time.Duration // from the deposit's block to the sweep's
	Confidence float64
}

// SweepEntity is who swept a deposit: the address the sweep paid (its
// largest output) and, when DepositOptions.Clusters knows them, the
// common-input cluster of the sweep's inputs, which is the owner of the
// deposit addresses.
type SweepEntity struct {
	Addr        chain.Address
	Cluster     uint64
	ClusterSize int
	Clustered   bool
	// Label names the entity in exits and reports: "cluster N" when
	// clustered, else "sweeps to <address>".
	Label string
}

// key identifies an entity for grouping: its cluster when known, else
// the address it sweeps to.
func (e SweepEntity) key() any {
	if e.Clustered {
		return e.Cluster
	}
	return e.Addr
}

// sweep is the verdict on one spender of a flow output.
type sweep struct {
	tx                      *chain.Tx
	ok                      bool
	inputs, addrs, outs     int
	single, foreign         int // inputs that look like deposits; inputs the flow did not fund
	entity                  SweepEntity
	size, share, foreignFac float64
}

// DepositAddresses finds the addresses the flow paid that look like an
// exchange's deposit addresses: the way stolen coins enter an exchange
// without any tag saying so (the Zaif thief's ~800 deposits of 1.9 to 1.99
// BTC each, under the exchange's 2 BTC no-KYC limit).
//
// For each output of the flow, its spender is read from the flow or, when
// the flow did not include it, from src (nil: only spenders in the flow).
// The spender is a sweep when it has at least MinInputs inputs from at
// least MinAddrs distinct addresses, all resolved, and 1 to MaxOutputs
// outputs besides OP_RETURN; it is not a CoinJoin (heuristic.CoinJoin:
// a Wasabi 2.0 round may have two outputs); and at least one of its inputs
// comes from outside the flow (one whose every input the flow funded is
// the thief consolidating his own coins). The output counts when the sweep
// came within Window of it. Its confidence is
//
//	0.35·size + 0.35·share + 0.15·prompt + 0.15·foreign
//
// where size = min(1, ln(inputs)/ln 64) (a sweep of 64 inputs or more
// scores 1), share is the fraction of the sweep's inputs that look like
// deposits (an address that funds one input, is not paid by the sweep,
// and, when src has History, received once up to the sweep), prompt =
// 1 - delay/(2·Window), and foreign the fraction of inputs from outside the
// flow: an exchange's sweep mostly holds other customers' deposits. An
// address's confidence is its best output's.
//
// Deposits come most confident first (then by value, then chain order).
// Spenders are read one at a time, each once; the context is checked
// every 256 flow transactions.
func DepositAddresses(ctx context.Context, src TxReader, f *graph.Flow, opts DepositOptions) ([]Deposit, error) {
	opts.defaults()
	d := &depositFinder{ctx: ctx, src: src, f: f, opts: opts, sweeps: map[chain.TxID]*sweep{}}
	if h, ok := src.(histories); ok {
		d.hist = h
	}
	byAddr := map[chain.Address]*Deposit{}
	for i := range f.Len() {
		if i%256 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		tx, spenders := f.At(i), f.Spenders(i)
		for v, o := range tx.Msg.TxOut {
			var s *sweep
			var err error
			switch {
			case spenders[v] >= 0:
				s, err = d.judge(f.At(int(spenders[v])))
			case src != nil && v < len(tx.SpentBy) && !tx.SpentBy[v].IsZero():
				s, err = d.read(tx.SpentBy[v].Tx)
			default:
				continue
			}
			if err != nil {
				return nil, err
			}
			if !s.ok {
				continue
			}
			delay := s.tx.Time.Sub(tx.Time)
			if delay < 0 || delay > opts.Window {
				continue
			}
			a := tx.OutAddr(v)
			if a.Kind == chain.KindOpReturn || a.Kind == chain.KindNonstandard {
				continue
			}
			out := DepositOutput{Out: tx.ID.Out(uint32(v)), Value: o.Value, Time: tx.Time, Sweep: s.tx.ID, Delay: delay}
			if opts.Taint != nil {
				out.Taint = opts.Taint.Output(out.Out)
			}
			prompt := 1 - float64(delay)/float64(2*opts.Window)
			out.Confidence = 0.35*s.size + 0.35*s.share + 0.15*prompt + 0.15*s.foreignFac
			dep := byAddr[a]
			if dep == nil {
				dep = &Deposit{Addr: a}
				byAddr[a] = dep
			}
			dep.Outputs = append(dep.Outputs, out)
			dep.Value += out.Value
			dep.Taint += out.Taint
			if out.Confidence > dep.Confidence || dep.Sweep == nil {
				dep.Confidence, dep.Sweep, dep.Entity = out.Confidence, s.tx, s.entity
				dep.Reasons = s.reasons(delay)
			}
		}
	}
	ds := make([]Deposit, 0, len(byAddr))
	for _, dep := range byAddr {
		if dep.Confidence >= opts.MinConfidence {
			ds = append(ds, *dep)
		}
	}
	slices.SortFunc(ds, func(a, b Deposit) int {
		if c := cmp.Compare(b.Confidence, a.Confidence); c != 0 {
			return c
		}
		if c := cmp.Compare(b.Value, a.Value); c != 0 {
			return c
		}
		return cmp.Compare(a.Outputs[0].Out.Node(), b.Outputs[0].Out.Node())
	})
	return ds, nil
}

// depositFinder holds the state of one DepositAddresses call: each
// spender is read and judged once, however many deposits it sweeps.
type depositFinder struct {
	ctx    context.Context
	src    TxReader
	hist   histories
	f      *graph.Flow
	opts   DepositOptions
	sweeps map[chain.TxID]*sweep
}

// read judges the spender id, read from the source.
func (d *depositFinder) read(id chain.TxID) (*sweep, error) {
	if s, ok := d.sweeps[id]; ok {
		return s, nil
	}
	tx, err := d.src.Tx(d.ctx, id)
	if errors.Is(err, chain.ErrNotFound) {
		// The source lacks it: nothing to judge.
		s := &sweep{tx: &chain.Tx{ID: id}}
		d.sweeps[id] = s
		return s, nil
	}
	if err != nil {
		return nil, readError(id, err)
	}
	return d.judge(tx)
}

// judge decides whether tx is a sweep and scores it.
func (d *depositFinder) judge(tx *chain.Tx) (*sweep, error) {
	if s, ok := d.sweeps[tx.ID]; ok {
		return s, nil
	}
	s := &sweep{tx: tx}
	d.sweeps[tx.ID] = s
	o := d.opts
	// The cheap tests first: most spenders are one-input payments.
	if tx.Msg == nil || tx.IsCoinbase() || len(tx.Msg.TxIn) < o.MinInputs || len(tx.Prevouts) != len(tx.Msg.TxIn) {
		return s, nil
	}
	paid := map[chain.Address]bool{}
	var most int64
	for v, out := range tx.Msg.TxOut {
		a := tx.OutAddr(v)
		if a.Kind == chain.KindOpReturn {
			continue
		}
		s.outs++
		paid[a] = true
		if s.outs == 1 || out.Value > most {
			s.entity.Addr, most = a, out.Value
		}
	}
	if s.outs == 0 || s.outs > o.MaxOutputs {
		return s, nil
	}
	funds := map[chain.Address]int{}
	for _, p := range tx.Prevouts {
		if !p.Resolved {
			return s, nil
		}
		funds[p.Addr]++
		if p.Out.IsZero() || !d.f.Contains(p.Out.Tx) {
			s.foreign++
		}
	}
	s.inputs, s.addrs = len(tx.Prevouts), len(funds)
	if s.addrs < o.MinAddrs || s.foreign == 0 {
		return s, nil
	}
	if _, cj := heuristic.CoinJoin(tx); cj {
		return s, nil
	}
	for a, n := range funds {
		if n != 1 || paid[a] {
			continue
		}
		once, err := d.receivedOnce(a, tx.ID)
		if err != nil {
			return nil, err
		}
		if once {
			s.single++
		}
	}
	if o.Clusters != nil {
		id, size, known, err := clusterOf(d.ctx, o.Clusters, tx.Prevouts[0].Addr)
		if err != nil {
			return nil, fmt.Errorf("trace: cluster of sweep %v: %w", tx.ID, err)
		}
		s.entity.Cluster, s.entity.ClusterSize, s.entity.Clustered = id, size, known
	}
	if s.entity.Clustered {
		s.entity.Label = fmt.Sprintf("cluster %d", s.entity.Cluster)
	} else {
		s.entity.Label = "sweeps to " + d.f.Params().Format(s.entity.Addr)
	}
	s.ok = true
	s.size = min(1, math.Log(float64(s.inputs))/math.Log(64))
	s.share = float64(s.single) / float64(s.inputs)
	s.foreignFac = float64(s.foreign) / float64(s.inputs)
	return s, nil
}

// receivedOnce reports whether a received at most one output before the
// sweep, as far as the source's History tells; true when the source has
// no History or knows nothing of a (an in-memory flow knows only its own
// transactions).
func (d *depositFinder) receivedOnce(a chain.Address, sweep chain.TxID) (bool, error) {
	if d.hist == nil {
		return true, nil
	}
	n := 0
	for ap, err := range d.hist.History(d.ctx, a) {
		if err != nil {
			return false, fmt.Errorf("trace: history of %s: %w", d.f.Params().Format(a), err)
		}
		if ap.Tx >= sweep || n > 1 {
			break
		}
		if !ap.Spend {
			n++
		}
	}
	return n <= 1, nil
}

// reasons says in words why a deposit swept by s after delay counts.
func (s *sweep) reasons(delay time.Duration) []string {
	return []string{
		fmt.Sprintf("swept by %v (%s…) with %d inputs from %d addresses into %d output(s)", s.tx.ID, s.tx.Hash.String()[:16], s.inputs, s.addrs, s.outs),
		fmt.Sprintf("%d of %d swept inputs look like deposits (an address that received once)", s.single, s.inputs),
		fmt.Sprintf("swept %v after the deposit", delay.Round(time.Minute)),
		fmt.Sprintf("%d of %d swept inputs came from outside the flow", s.foreign, s.inputs),
	}
}

// DepositGroup is the deposits one entity swept.
type DepositGroup struct {
	Entity   SweepEntity
	Deposits []Deposit
	// Value and Taint total the deposits'; Sweeps counts the distinct
	// sweeps of their outputs.
	Value, Taint int64
	Sweeps       int
}

// GroupDeposits groups deposits by who swept them (the cluster when
// known, else the address swept to), most value first.
func GroupDeposits(ds []Deposit) []DepositGroup {
	idx := map[any]int{}
	var gs []DepositGroup
	sweeps := []map[chain.TxID]bool{}
	for _, d := range ds {
		k := d.Entity.key()
		i, ok := idx[k]
		if !ok {
			i = len(gs)
			idx[k] = i
			gs = append(gs, DepositGroup{Entity: d.Entity})
			sweeps = append(sweeps, map[chain.TxID]bool{})
		}
		g := &gs[i]
		g.Deposits = append(g.Deposits, d)
		g.Value += d.Value
		g.Taint += d.Taint
		for _, o := range d.Outputs {
			sweeps[i][o.Sweep] = true
		}
	}
	for i := range gs {
		gs[i].Sweeps = len(sweeps[i])
	}
	slices.SortStableFunc(gs, func(a, b DepositGroup) int { return cmp.Compare(b.Value, a.Value) })
	return gs
}

// DepositExits turns deposits into TaintOptions.Exits: each deposit
// address is an exit labelled "deposit: " and its entity's label, so
// taint counts as having reached the exchange there.
func DepositExits(ds []Deposit) map[chain.Address]string {
	exits := make(map[chain.Address]string, len(ds))
	for _, d := range ds {
		exits[d.Addr] = "deposit: " + d.Entity.Label
	}
	return exits
}
