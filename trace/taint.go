package trace

import (
	"cmp"
	"fmt"
	"maps"
	"slices"

	"github.com/plumetrace/plume/chain"
	"github.com/plumetrace/plume/graph"
)

// TaintOptions choose a taint model and what counts as an exit.
type TaintOptions struct {
	Model Model
	// Exits labels addresses where stolen coins leave the thief's hands (an
	// exchange's deposit address, a mixer). Taint that an output pays to an
	// exit is counted there, once, and not followed further: the
	// transactions that spend it see a clean input.
	Exits map[chain.Address]string
	// CoinJoins says how taint crosses a detected CoinJoin: by the model
	// (the default), by haircut whatever the model, or not at all, the
	// CoinJoin's outputs counting as exits labelled CoinJoinLabel.
	CoinJoins CoinJoinPolicy
}

// Taint is the stolen share of every output of a traced flow under one
// model, with where the stolen value is now. Compute it with ComputeTaint.
// It is immutable and safe for concurrent use.
type Taint struct {
	res   *Result
	opts  TaintOptions
	out   []int64 // by flow output index (graph.Flow.OutBase)
	txs   []TxTaint
	exits map[int]string // exit outputs by flow output index
	tot   TaintTotals
}

// TxTaint is the taint a transaction of the flow moves. In + Absorbed +
// Injected = Out + Fee, to the satoshi.
type TxTaint struct {
	In       int64 // tainted value of its inputs
	Out      int64 // tainted value of its outputs
	Fee      int64 // tainted value of its fee
	Injected int64 // taint its seed outputs add (seeds are stolen by definition)
	Absorbed int64 // clean input value made tainted (Poison only)
}

// TaintTotals accounts for every tainted satoshi: Injected + Absorbed =
// Held + Beyond + Exited + Fees.
type TaintTotals struct {
	Injected int64 // taint the seeds put in
	Absorbed int64 // clean value swept in by Poison
	Held     int64 // in outputs unspent when traced
	Beyond   int64 // in outputs spent by transactions the trace did not include
	Exited   int64 // paid to exits
	Fees     int64 // paid to miners
}

// ComputeTaint applies a model to a forward trace. The seed outputs are
// stolen in full, or up to their seed's Amount; taint then moves through
// the flow's transactions in chain order, which is a topological order.
// Inputs from outside the flow are clean.
//
// An unresolved input is clean, and worth what its transaction's outputs
// need beyond its resolved inputs (the fee is then taken as zero).
func ComputeTaint(res *Result, opts TaintOptions) (*Taint, error) {
	if opts.Model >= numModels {
		return nil, fmt.Errorf("trace: unknown taint model %d", opts.Model)
	}
	if !res.Forward() {
		return nil, fmt.Errorf("trace: taint needs a forward trace")
	}
	f := res.Flow
	// The taint keeps its own copy of the exits, so that what Options
	// reports, and what CaseFrom watches, are what it was computed with
	// even if the caller reuses the map.
	opts.Exits = maps.Clone(opts.Exits)
	t := &Taint{res: res, opts: opts, out: make([]int64, f.NumOutputs()), txs: make([]TxTaint, f.Len())}
	seed := seedTaint(res)
	// CoinJoins are found once, before the walk (the detectors cost more
	// than a split).
	var coinjoin []bool
	if opts.CoinJoins != CoinJoinIgnore {
		coinjoin = make([]bool, f.Len())
		for i := range f.Len() {
			coinjoin[i] = isCoinJoin(f.At(i))
		}
	}
	if len(opts.Exits) > 0 || opts.CoinJoins == CoinJoinStop {
		t.exits = make(map[int]string)
		for i := range f.Len() {
			for v, o := range f.At(i).Msg.TxOut {
				if label, ok := opts.Exits[chain.AddressOf(o.PkScript)]; ok {
					t.exits[f.OutBase(i)+v] = label
				} else if opts.CoinJoins == CoinJoinStop && coinjoin[i] {
					t.exits[f.OutBase(i)+v] = CoinJoinLabel
				}
			}
		}
	}
	var (
		vals, taints, outs, dst []int64
		s                       scratch
	)
	for i := range f.Len() {
		tx := f.At(i)
		base, fund := f.OutBase(i), f.Funders(i)
		vals, taints = vals[:0], taints[:0]
		var in, inVal int64
		unresolved := -1
		for k, p := range tx.Prevouts {
			var ti int64
			if j := fund[k]; j >= 0 {
				o := f.OutBase(int(j)) + int(p.Out.Vout)
				if _, exit := t.exits[o]; !exit {
					ti = t.out[o]
				}
			}
			if !p.Resolved && unresolved < 0 {
				unresolved = k
			}
			vals, taints = append(vals, p.Value), append(taints, ti)
			in, inVal = in+ti, inVal+p.Value
		}
		outs = outs[:0]
		var outVal int64
		for _, o := range tx.Msg.TxOut {
			outs = append(outs, o.Value)
			outVal += o.Value
		}
		fee := inVal - outVal
		if fee < 0 {
			// Unresolved inputs (or invalid data): the shortfall is put on
			// the first unresolved input (or the first input), as clean
			// value, and the fee is taken as zero.
			if len(vals) > 0 {
				vals[max(unresolved, 0)] -= fee
			}
			fee = 0
		}
		outs = append(outs, fee)
		if cap(dst) < len(outs) {
			dst = make([]int64, len(outs))
		}
		dst = dst[:len(outs)]
		model := opts.Model
		if opts.CoinJoins == CoinJoinHaircut && coinjoin[i] {
			model = Haircut
		}
		model.split(vals, taints, outs, dst, &s)
		tt := TxTaint{In: in, Fee: dst[len(dst)-1]}
		if model == Poison && in > 0 {
			tt.Absorbed = outVal + fee - in
		}
		for v := range tx.Msg.TxOut {
			o := base + v
			ot := dst[v]
			if st := seed[o]; st > ot {
				tt.Injected += st - ot
				ot = st
			}
			t.out[o] = ot
			tt.Out += ot
		}
		t.txs[i] = tt
		t.tot.Injected += tt.Injected
		t.tot.Absorbed += tt.Absorbed
		t.tot.Fees += tt.Fee
	}
	for i := range f.Len() {
		tx, base, spenders := f.At(i), f.OutBase(i), f.Spenders(i)
		for v := range tx.Msg.TxOut {
			o := base + v
			switch _, exit := t.exits[o]; {
			case t.out[o] == 0:
			case exit:
				t.tot.Exited += t.out[o]
			case spenders[v] >= 0:
				// Passed on inside the flow.
			case tx.SpentBy[v].IsZero():
				t.tot.Held += t.out[o]
			default:
				t.tot.Beyond += t.out[o]
			}
		}
	}
	return t, nil
}

// seedTaint returns, by flow output index, the taint the seeds give their
// outputs. An output several seeds cover is counted once, at the largest
// claim.
func seedTaint(res *Result) map[int]int64 {
	f := res.Flow
	st := make(map[int]int64, len(f.Seeds()))
	index := func(o chain.OutPoint) (int, int64) {
		i := f.Index(o.Tx)
		return f.OutBase(i) + int(o.Vout), f.At(i).Msg.TxOut[o.Vout].Value
	}
	claim := func(o int, v int64) {
		st[o] = max(st[o], v)
	}
	if len(res.Requested) == 0 {
		for _, o := range f.Seeds() {
			k, v := index(o)
			claim(k, v)
		}
		return st
	}
	for _, s := range res.Requested {
		left := s.Amount
		for _, o := range f.Seeds() {
			if !s.covers(f, o) {
				continue
			}
			k, v := index(o)
			if s.Amount > 0 {
				v = min(v, left)
				left -= v
			}
			claim(k, v)
		}
	}
	return st
}

// covers reports whether seed output o of flow f comes from s.
func (s Seed) covers(f *graph.Flow, o chain.OutPoint) bool {
	tx := f.At(f.Index(o.Tx))
	switch s.kind {
	case seedAddr:
		return tx.OutAddr(int(o.Vout)) == s.addr &&
			(s.From.IsZero() || !tx.Time.Before(s.From)) && (s.To.IsZero() || !tx.Time.After(s.To))
	case seedTx:
		return tx.Hash == s.hash
	case seedOut:
		return tx.Hash == s.hash && o.Vout == s.vout
	}
	return false
}

// Model returns the model the taint was computed with.
func (t *Taint) Model() Model { return t.opts.Model }

// Options returns the options the taint was computed with, as given:
// TaintOptions has no defaults to fill in, its zero value (Poison, no
// exits, CoinJoinIgnore) being a choice like any other. Exits is a copy,
// made at each call, so the Taint stays immutable; it is nil if the
// options had none.
func (t *Taint) Options() TaintOptions {
	o := t.opts
	o.Exits = maps.Clone(o.Exits)
	return o
}

// Result returns the trace the taint was computed on.
func (t *Taint) Result() *Result { return t.res }

// Totals returns where every tainted satoshi went.
func (t *Taint) Totals() TaintTotals { return t.tot }

// Output returns the taint of output o, 0 if the flow does not hold it.
func (t *Taint) Output(o chain.OutPoint) int64 {
	i := t.res.Index(o.Tx)
	if i < 0 || int(o.Vout) >= len(t.res.At(i).Msg.TxOut) {
		return 0
	}
	return t.out[t.res.OutBase(i)+int(o.Vout)]
}

// Share returns the stolen fraction of output o's value.
func (t *Taint) Share(o chain.OutPoint) float64 {
	i := t.res.Index(o.Tx)
	if i < 0 || int(o.Vout) >= len(t.res.At(i).Msg.TxOut) {
		return 0
	}
	return share(t.out[t.res.OutBase(i)+int(o.Vout)], t.res.At(i).Msg.TxOut[o.Vout].Value)
}

func share(taint, value int64) float64 {
	if value == 0 {
		return 0
	}
	return float64(taint) / float64(value)
}

// Tx returns the taint moved by the transaction at flow index i.
func (t *Taint) Tx(i int) TxTaint { return t.txs[i] }

// TxShare returns the stolen fraction of the outputs of the transaction at
// flow index i.
func (t *Taint) TxShare(i int) float64 {
	return share(t.txs[i].Out, t.res.At(i).OutValue())
}

// Holding is tainted value held in one unspent output.
type Holding struct {
	Out   chain.OutPoint
	Addr  chain.Address
	Value int64
	Taint int64
}

// Unspent returns the unspent tainted outputs (exits excluded), most
// tainted first.
func (t *Taint) Unspent() []Holding {
	var hs []Holding
	f := t.res.Flow
	for i := range f.Len() {
		tx, base := f.At(i), f.OutBase(i)
		for v, o := range tx.Msg.TxOut {
			k := base + v
			if _, exit := t.exits[k]; t.out[k] == 0 || exit || !tx.SpentBy[v].IsZero() {
				continue
			}
			hs = append(hs, Holding{Out: tx.ID.Out(uint32(v)), Addr: chain.AddressOf(o.PkScript), Value: o.Value, Taint: t.out[k]})
		}
	}
	slices.SortStableFunc(hs, func(a, b Holding) int { return cmp.Compare(b.Taint, a.Taint) })
	return hs
}

// Holder is an address holding taint in unspent outputs.
type Holder struct {
	Addr    chain.Address
	Taint   int64
	Value   int64 // value of those outputs
	Outputs int
}

// Holders returns the addresses holding unspent taint, most first (ties in
// address order).
func (t *Taint) Holders() []Holder {
	by := map[chain.Address]*Holder{}
	for _, h := range t.Unspent() {
		x := by[h.Addr]
		if x == nil {
			x = &Holder{Addr: h.Addr}
			by[h.Addr] = x
		}
		x.Taint += h.Taint
		x.Value += h.Value
		x.Outputs++
	}
	hs := make([]Holder, 0, len(by))
	for _, h := range by {
		hs = append(hs, *h)
	}
	slices.SortFunc(hs, func(a, b Holder) int {
		if c := cmp.Compare(b.Taint, a.Taint); c != 0 {
			return c
		}
		return cmp.Compare(a.Addr.String(), b.Addr.String())
	})
	return hs
}

// AddrTaint is what an address received at the flow's outputs, how much
// of it is stolen, and how much of that it still holds.
type AddrTaint struct {
	Value    int64 // value of the flow outputs paying it, exits and spent ones included
	Received int64 // tainted value of those outputs
	Held     int64 // tainted value of those unspent (exits excluded)
}

// Share returns the stolen fraction of the value the address received, 0
// if it received nothing.
func (a AddrTaint) Share() float64 { return share(a.Received, a.Value) }

// Address returns what address a received in the flow, and what of the
// taint it received and holds.
func (t *Taint) Address(a chain.Address) AddrTaint {
	var at AddrTaint
	f := t.res.Flow
	for i := range f.Len() {
		tx, base := f.At(i), f.OutBase(i)
		for v, o := range tx.Msg.TxOut {
			if chain.AddressOf(o.PkScript) != a {
				continue
			}
			k := base + v
			at.Value += o.Value
			at.Received += t.out[k]
			if _, exit := t.exits[k]; !exit && tx.SpentBy[v].IsZero() {
				at.Held += t.out[k]
			}
		}
	}
	return at
}

// Exit is tainted value that reached an exit.
type Exit struct {
	Label string
	Addr  chain.Address
	Out   chain.OutPoint
	Value int64
	Taint int64
	// Hop is the hop of the transaction that paid the exit, and Path the
	// transactions from a seed's to it.
	Hop  int
	Path []*chain.Tx
}

// Exits returns every output that paid tainted value to an exit, in chain
// order.
func (t *Taint) Exits() []Exit {
	var es []Exit
	f := t.res.Flow
	for i := range f.Len() {
		tx, base := f.At(i), f.OutBase(i)
		for v, o := range tx.Msg.TxOut {
			label, exit := t.exits[base+v]
			if !exit || t.out[base+v] == 0 {
				continue
			}
			es = append(es, Exit{Label: label, Addr: chain.AddressOf(o.PkScript), Out: tx.ID.Out(uint32(v)),
				Value: o.Value, Taint: t.out[base+v], Hop: f.Hop(i), Path: t.res.Path(i)})
		}
	}
	return es
}
