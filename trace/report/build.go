package report

import (
	"cmp"
	"slices"
	"time"

	"github.com/plumetrace/plume/chain"
	"github.com/plumetrace/plume/graph"
	"github.com/plumetrace/plume/trace"
)

// outKind is where one output of the flow sent its value.
type outKind uint8

const (
	outFlow    outKind = iota // spent by a transaction of the flow
	outHeld                   // unspent
	outDormant                // unspent and old
	outExit                   // paid to an exit
	outBeyond                 // spent outside the flow
)

var outKindNames = [...]string{outFlow: "flow", outHeld: KindHeld, outDormant: KindDormant, outExit: KindExit, outBeyond: KindBeyond}

// terminal reports whether the output ends the flow's path: the graph
// draws such outputs as nodes of their own.
func (k outKind) terminal() bool { return k != outFlow }

// builder holds what every part of a report reads.
type builder struct {
	res   *trace.Result
	f     *graph.Flow
	taint *trace.Taint
	opts  Options
	p     *chain.Params
	// exitOut holds the outputs the taint counts as exits (with taint),
	// by outpoint; exitAddr the configured exit addresses.
	exitOut  map[chain.OutPoint]string
	exitAddr map[chain.Address]string
	// kinds classifies every output, by flow output index.
	kinds []outKind
	// stolen is the total the report accounts for.
	stolen int64
}

func newBuilder(res *trace.Result, taint *trace.Taint, opts Options) *builder {
	f := res.Flow
	b := &builder{res: res, f: f, taint: taint, opts: opts, p: f.Params(),
		exitOut: map[chain.OutPoint]string{}, exitAddr: opts.TaintOptions.Exits}
	if taint != nil {
		// The taint's own exits, output by output: they include exits the
		// caller did not repeat in Options and CoinJoins a policy stopped
		// at, which no address names.
		for _, e := range taint.Exits() {
			b.exitOut[e.Out] = e.Label
		}
	}
	b.classify()
	if taint != nil {
		tot := taint.Totals()
		b.stolen = tot.Injected + tot.Absorbed
	} else {
		for _, o := range f.Seeds() {
			b.stolen += b.value(o)
		}
	}
	return b
}

// dormantBelow returns the height below which an unspent output is
// dormant, or a height nothing is below.
func (b *builder) dormantBelow() int32 {
	d := b.opts.DormantBlocks
	if d == 0 {
		d = DefaultDormantBlocks
	}
	if d < 0 || b.f.Len() == 0 {
		return -1
	}
	ref := b.opts.Tip.Height
	if b.opts.Tip == (Tip{}) {
		ref = b.f.At(b.f.Len() - 1).Height()
	}
	return ref - d
}

// exitLabel returns the exit label of output v of tx, and whether it is
// an exit. Without a taint nothing is: the trace went on past exits.
func (b *builder) exitLabel(tx *chain.Tx, v int) (string, bool) {
	if b.taint == nil {
		return "", false
	}
	if l, ok := b.exitOut[tx.ID.Out(uint32(v))]; ok {
		return l, true
	}
	l, ok := b.exitAddr[tx.OutAddr(v)]
	return l, ok
}

func (b *builder) classify() {
	f := b.f
	b.kinds = make([]outKind, f.NumOutputs())
	below := b.dormantBelow()
	for i := range f.Len() {
		tx, base, spenders := f.At(i), f.OutBase(i), f.Spenders(i)
		for v := range tx.Msg.TxOut {
			k := outFlow
			_, exit := b.exitLabel(tx, v)
			switch {
			// A taint counts an exit first, even when the flow goes on
			// past it (the spender then sees a clean input).
			case exit:
				k = outExit
			case spenders[v] >= 0:
			case tx.SpentBy[v].IsZero():
				k = outHeld
				if tx.Height() < below {
					k = outDormant
				}
			default:
				k = outBeyond
			}
			b.kinds[base+v] = k
		}
	}
}

// value returns the value of output o of the flow.
func (b *builder) value(o chain.OutPoint) int64 {
	return b.f.At(b.f.Index(o.Tx)).Msg.TxOut[o.Vout].Value
}

// outTaint returns the taint of output v of transaction i, and whether
// there is a taint at all.
func (b *builder) outTaint(i, v int) (int64, bool) {
	if b.taint == nil {
		return 0, false
	}
	return b.taint.Output(b.f.At(i).ID.Out(uint32(v))), true
}

// weight is what ranks outputs for drawing and listing: their taint, or
// their value without a taint.
func (b *builder) weight(i, v int) int64 {
	if t, ok := b.outTaint(i, v); ok {
		return t
	}
	return b.f.At(i).Msg.TxOut[v].Value
}

// share returns amount as a share of the stolen total, nil without a
// taint (a share of what would be meaningless then).
func (b *builder) share(amount int64) *float64 {
	if b.taint == nil || b.stolen == 0 {
		return nil
	}
	s := float64(amount) / float64(b.stolen)
	return &s
}

func ptr[T any](v T) *T { return &v }

func blockOf(tx *chain.Tx) BlockRef { return BlockRef{Height: tx.Height(), Time: tx.Time.UTC()} }

// outpoint writes an output as people look it up: txid:vout.
func outpoint(tx *chain.Tx, v int) string { return tx.Hash.String() + ":" + itoa(v) }

func (b *builder) summary() Summary {
	f, res := b.f, b.res
	s := Summary{
		Network:      b.p.Name,
		Direction:    res.Options.Direction.String(),
		Transactions: f.Len(),
		Outputs:      f.NumOutputs(),
		Hops:         res.Hops,
		Stolen:       b.stolen,
		Seeds:        []SeedOutput{},
		Totals:       []Total{},
	}
	if b.taint != nil {
		s.Model = b.taint.Model().String()
	}
	if f.Len() > 0 {
		s.First, s.Last = blockOf(f.At(0)), blockOf(f.At(f.Len()-1))
	}
	for _, o := range f.Seeds() {
		i := f.Index(o.Tx)
		tx := f.At(i)
		so := SeedOutput{Outpoint: outpoint(tx, int(o.Vout)), Address: b.p.Format(tx.OutAddr(int(o.Vout))),
			Value: tx.Msg.TxOut[o.Vout].Value, Height: tx.Height()}
		if t, ok := b.outTaint(i, int(o.Vout)); ok {
			so.Taint = &t
		}
		s.Seeds = append(s.Seeds, so)
	}
	if !f.Forward() {
		return s // a backward trace has origins, not destinations
	}
	add := func(kind, label string, amount int64) {
		s.Totals = append(s.Totals, Total{Kind: kind, Label: label, Amount: amount, Share: b.share(amount)})
	}
	sums := map[outKind]int64{}
	exits := map[string]int64{}
	for i := range f.Len() {
		tx, base := f.At(i), f.OutBase(i)
		for v := range tx.Msg.TxOut {
			k := b.kinds[base+v]
			if !k.terminal() {
				continue
			}
			w := b.weight(i, v)
			sums[k] += w
			if k == outExit {
				l, _ := b.exitLabel(tx, v)
				exits[l] += w
			}
		}
	}
	if b.taint != nil {
		tot := b.taint.Totals()
		add(KindStolen, "", tot.Injected)
		if tot.Absorbed > 0 {
			add(KindSwept, "", tot.Absorbed)
		}
	}
	add(KindHeld, "", sums[outHeld])
	add(KindDormant, "", sums[outDormant])
	labels := make([]string, 0, len(exits))
	for l := range exits {
		labels = append(labels, l)
	}
	slices.Sort(labels)
	for _, l := range labels {
		add(KindExit, l, exits[l])
	}
	if b.taint != nil {
		add(KindFees, "", b.taint.Totals().Fees)
	}
	add(KindBeyond, "", sums[outBeyond])
	return s
}

// destinations groups the terminal outputs by kind, label and address,
// most stolen value first, and adds the fees. g tells which outputs the
// graph draws.
func (b *builder) destinations(g Graph) []Destination {
	f := b.f
	ds := []Destination{}
	if !f.Forward() {
		return ds
	}
	type key struct {
		kind  outKind
		label string
		addr  chain.Address
	}
	type group struct {
		d    Destination
		best int64 // weight of the output Node stands for
	}
	drawn := make(map[string]bool, len(g.Nodes))
	for _, n := range g.Nodes {
		drawn[n.ID] = true
	}
	groups := map[key]*group{}
	var order []key
	for i := range f.Len() {
		tx, base := f.At(i), f.OutBase(i)
		for v, o := range tx.Msg.TxOut {
			k := b.kinds[base+v]
			w := b.weight(i, v)
			if !k.terminal() || (b.taint != nil && w == 0) {
				continue
			}
			a := tx.OutAddr(v)
			label, _ := b.exitLabel(tx, v)
			gk := key{k, label, a}
			gr := groups[gk]
			if gr == nil {
				gr = &group{d: Destination{Kind: outKindNames[k], Label: label, Address: b.p.Format(a)}, best: -1}
				groups[gk] = gr
				order = append(order, gk)
			}
			gr.d.Outputs++
			gr.d.Value += o.Value
			gr.d.Last = blockOf(tx) // chain order: the newest so far
			if t, ok := b.outTaint(i, v); ok {
				gr.d.Taint = ptr(t + deref(gr.d.Taint))
			}
			if id := outNodeID(tx.ID.Out(uint32(v))); drawn[id] && w > gr.best {
				gr.d.Node, gr.best = id, w
			}
		}
	}
	for _, k := range order {
		d := groups[k].d
		if d.Taint != nil {
			d.Share = b.share(*d.Taint)
		}
		ds = append(ds, d)
	}
	if b.taint != nil {
		if fees := b.taint.Totals().Fees; fees > 0 {
			var value int64
			for i := range f.Len() {
				if b.taint.Tx(i).Fee > 0 {
					fee, _ := f.At(i).Fee()
					value += fee
				}
			}
			ds = append(ds, Destination{Kind: KindFees, Value: value, Taint: &fees, Share: b.share(fees)})
		}
	}
	amount := func(d Destination) int64 {
		if d.Taint != nil {
			return *d.Taint
		}
		return d.Value
	}
	slices.SortStableFunc(ds, func(x, y Destination) int { return cmp.Compare(amount(y), amount(x)) })
	return ds
}

func deref(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}

var bucketNames = map[trace.Bucket]string{trace.ByBlock: "block", trace.ByHour: "hour", trace.ByDay: "day"}

func (b *builder) timeline() Timeline {
	tl := Timeline{Bucket: bucketNames[b.opts.Bucket], Steps: []Step{}}
	if b.taint == nil {
		return tl
	}
	for _, s := range b.taint.Timeline(b.opts.Bucket) {
		tl.Steps = append(tl.Steps, Step{Height: s.Height, Start: s.Start.UTC(), End: s.End.UTC(),
			Holders: s.Holders, UTXOs: s.UTXOs, Held: s.Held, Exited: s.Exited, Beyond: s.Beyond,
			Gini: s.Gini, Entropy: s.Entropy})
	}
	return tl
}

// utc returns t in UTC, keeping the zero time zero (so omitzero drops it).
func utc(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return t.UTC()
}
