package heuristic

import (
	"iter"
	"math/bits"
	"strings"

	"github.com/plumetrace/plume/chain"
)

// Rule is a change-output heuristic, or a set of them OR'ed together.
//
// Each rule marks the outputs that have its property (for AddressReuse, the
// outputs paying an input address). A rule alone names an output as the
// change when exactly one output is marked. Rules combine two ways:
//
//   - All: the outputs every rule of the set marks; the change when that is
//     exactly one output (BlockSci's ChangeHeuristic & and unique_change);
//   - Any: the outputs the rules of the set name alone; the change when
//     they all name the same one, none when two rules disagree.
//
// A rule set of one rule gives the same answer both ways.
type Rule uint16

// The change rules, each with the exact condition under which it marks an
// output. No rule marks an OP_RETURN output, and none marks anything in a
// transaction that cannot have change (see Candidates). The numeric values
// may be stored: never renumber them.
const (
	// AddressReuse marks output i when its address is one some input
	// spends from (BlockSci address_reuse; GraphSense direct_change).
	AddressReuse Rule = 1 << iota
	// ScriptType marks output i when every input has one script kind K and
	// output i has kind K (BlockSci address_type). Pay-to-pubkey counts as
	// P2PKH, as chain.AddressOf keys it.
	ScriptType
	// OptimalChange marks output i when its value is below the smallest
	// input's: a wallet would not have added an input larger than its
	// change (BlockSci optimal_change). With one input every output is
	// below it, so alone it names change only in multi-input transactions.
	OptimalChange
	// RoundPayment marks output i when its value is not a multiple of
	// 10^k sat, k = Options.RoundDigits (default 6, 0.01 BTC): it names the
	// change when every other output is round (BlockSci
	// power_of_ten_value).
	RoundPayment
	// OneTime (Meiklejohn et al. 2013, heuristic 2) marks output i when its
	// address appears for the first time (Options.History does not know
	// it, or first saw it in this transaction or later), provided no
	// output pays an input address (a wallet that sends change back to an
	// input address makes fresh addresses payees). No History: nothing.
	OneTime
	// OneTimeGraphSense (graphsense-lib _one_time_change_heuristic), for
	// transactions of 2 to 10 outputs whose inputs share one script kind
	// K, marks output i when it has kind K, its value is not a multiple of
	// 1,000 sat and is below the smallest input's, no input spends from
	// its address, no other output pays it, and it appears for the first
	// time (as for OneTime). GraphSense also counts the address's later
	// transactions; that needs hindsight History does not give. No
	// History: nothing.
	OneTimeGraphSense
	// Locktime (BlockSci locktime) marks output i when Options.Spends does
	// not know its spender, or the spender's locktime is non-zero exactly
	// when this transaction's is: Bitcoin Core and Electrum set it to the
	// current height against fee sniping, so a wallet's spends agree. It
	// names change only when every other output's spender is known.
	Locktime
	// FeeRate marks output i when Options.Spends does not know its
	// spender, the spender's fee rate is unknown (an unresolved input), or
	// it is within a factor Options.FeeRateRatio (default 1.25) of this
	// transaction's, in satoshi per virtual byte (two zero rates agree;
	// zero and non-zero do not): a wallet spends its change with its own
	// fee policy. It names change only when every other output's spender
	// is known.
	FeeRate
	// PeelChain marks, in a transaction with one input and two outputs of
	// different values, the larger output when Options.Spends knows its
	// spender and the spender is a peel step (IsPeelStep): the remainder
	// that the chain goes on peeling.
	PeelChain

	numRules = iota
	// AllRules is every rule.
	AllRules Rule = 1<<numRules - 1
)

var ruleNames = [numRules]string{"address-reuse", "script-type", "optimal-change", "round-payment", "one-time", "one-time-graphsense", "locktime", "fee-rate", "peel-chain"}

// String returns the rules' names joined by "|", "none" for the empty set.
func (r Rule) String() string {
	if r == 0 {
		return "none"
	}
	var b strings.Builder
	for one := range r.Each() {
		if b.Len() > 0 {
			b.WriteByte('|')
		}
		b.WriteString(ruleNames[bits.TrailingZeros16(uint16(one))])
	}
	if r&^AllRules != 0 {
		if b.Len() > 0 {
			b.WriteByte('|')
		}
		b.WriteString("unknown")
	}
	return b.String()
}

// Each yields the single rules of the set r, in numeric order; bits that
// are no rule are skipped.
func (r Rule) Each() iter.Seq[Rule] {
	return func(yield func(Rule) bool) {
		for s := r & AllRules; s != 0; s &= s - 1 {
			if !yield(s & -s) {
				return
			}
		}
	}
}

// Has reports whether every rule of x is in r.
func (r Rule) Has(x Rule) bool { return r&x == x }

// Change is an output a rule set names as the sender's change.
type Change struct {
	// Index is the output's index in the transaction.
	Index int
	// Reasons are the rules that point at it: for All, the whole set; for
	// Any, the rules that name it alone.
	Reasons Rule
}

// Candidates returns the indexes of the outputs that every rule of r
// marks, in order. It returns nil when r is empty, when the transaction
// cannot have change (see the package documentation: a coinbase, an
// unresolved input, fewer than two outputs that are not OP_RETURN, a
// transfer to the input addresses only, a CoinJoin), and when no output is
// marked. OP_RETURN outputs are never marked. o may be nil.
func (r Rule) Candidates(tx *chain.Tx, o *Options) []int {
	f, ok := prepare(tx, o)
	if !ok {
		return nil
	}
	var out []int
	for i := range f.marked(r) {
		out = append(out, i)
	}
	return out
}

// All returns the change output when exactly one output is marked by every
// rule of r. o may be nil.
func (r Rule) All(tx *chain.Tx, o *Options) (Change, bool) {
	f, ok := prepare(tx, o)
	if !ok {
		return Change{}, false
	}
	if i, ok := only(f.marked(r)); ok {
		return Change{Index: i, Reasons: r & AllRules}, true
	}
	return Change{}, false
}

// Any returns the change output when at least one rule of r names an
// output alone and no rule of r names another. o may be nil.
func (r Rule) Any(tx *chain.Tx, o *Options) (Change, bool) {
	f, ok := prepare(tx, o)
	if !ok {
		return Change{}, false
	}
	c := Change{Index: -1}
	for one := range r.Each() {
		i, ok := only(f.marked(one))
		switch {
		case !ok:
		case c.Index < 0 || c.Index == i:
			c.Index, c.Reasons = i, c.Reasons|one
		default:
			return Change{}, false
		}
	}
	if c.Index < 0 {
		return Change{}, false
	}
	return c, true
}

// marked yields the outputs every rule of r marks; none when r is empty.
func (f *facts) marked(r Rule) iter.Seq[int] {
	return func(yield func(int) bool) {
		if r&AllRules == 0 {
			return
		}
		for one := range r.Each() {
			if !f.ready(one) {
				return
			}
		}
	outputs:
		for i, a := range f.out.addrs {
			if a.Kind == chain.KindOpReturn {
				continue
			}
			for one := range r.Each() {
				if !f.mark(one, i) {
					continue outputs
				}
			}
			if !yield(i) {
				return
			}
		}
	}
}

// only returns the single index seq yields.
func only(seq iter.Seq[int]) (int, bool) {
	at, n := -1, 0
	for i := range seq {
		if n++; n > 1 {
			return -1, false
		}
		at = i
	}
	return at, n == 1
}

// facts is a transaction ready for the change rules.
type facts struct {
	tx  *chain.Tx
	o   *Options
	in  ins
	out outs
	// Answers of History and Spends, per output, asked for at most once.
	seen  []int8 // 0 not asked, 1 fresh, -1 seen before
	spent []*chain.Tx
	asked []bool
	// What FeeRate and PeelChain work out once.
	rate             float64
	rateOK, rateDone bool
	peel             int
	peelDone         bool
}

// prepare checks that tx can have change at all and reads it once for the
// rules. A transaction has no change output when it
//
//   - is a coinbase (it spends nothing) or has an unresolved input (the
//     rules would judge from part of the inputs);
//   - has fewer than two outputs that are not OP_RETURN (nothing to tell
//     apart);
//   - pays only input addresses (a self-transfer: every output is the
//     sender's, none is a payment);
//   - is a CoinJoin (as CoinJoin decides): its outputs belong to many
//     senders.
func prepare(tx *chain.Tx, o *Options) (*facts, bool) {
	if o == nil {
		o = &Options{}
	}
	f := &facts{tx: tx, o: o, in: inputsOf(tx)}
	if !f.in.complete {
		return nil, false
	}
	f.out = outputsOf(tx)
	if f.out.spendable < 2 {
		return nil, false
	}
	self := true
	for _, a := range f.out.addrs {
		self = self && (a.Kind == chain.KindOpReturn || f.in.has(a))
	}
	if self {
		return nil, false
	}
	if mayJoin(tx) && !isTx0(tx) {
		for _, d := range detectors() {
			if _, ok := d(&f.in, &f.out); ok {
				return nil, false
			}
		}
	}
	return f, true
}
