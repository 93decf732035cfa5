package trace

import (
	"cmp"
	"slices"
	"time"

	"github.com/plumetrace/plume/chain"
	"github.com/plumetrace/plume/graph"
	"github.com/plumetrace/plume/trace/heuristic"
)

// DefaultPeelMinLength is the fewest steps PeelChains reports by default.
// Two steps happen by chance in any wallet that pays twice from its change;
// three in a row, each peeling a small payment off the same balance, is
// the shape investigators look for.
const DefaultPeelMinLength = 3

// PeelOptions choose which peel chains PeelChains reports. The zero value
// reports chains of at least DefaultPeelMinLength steps, without taint.
type PeelOptions struct {
	// MinLength is the fewest steps a reported chain has; 0 means
	// DefaultPeelMinLength.
	MinLength int
	// Taint, when set, gives each payment and remainder its stolen value
	// (Taint.Output). It may come from another trace of the same
	// transactions: outputs it does not hold count as clean.
	Taint *Taint
}

// PeelChain is a run of peel steps in a flow: transactions that each spend
// one input into a small payment and a larger remainder (heuristic.Peel),
// the remainder of each spent by the next.
type PeelChain struct {
	// Steps holds the flow indexes of the chain's transactions, in chain
	// order, and Txs the transactions.
	Steps []int
	Txs   []*chain.Tx
	// Payments holds what each step peeled off, one per step, in order.
	Payments []PeelPayment
	// Remainder is the last step's remainder: where the chain's balance
	// went on.
	Remainder PeelRemainder
	// In is the value the chain started with (the first step's input);
	// Peeled the sum of the payments.
	In, Peeled int64
}

// Len returns the number of steps.
func (c *PeelChain) Len() int { return len(c.Steps) }

// PeelPayment is an output a peel step paid away.
type PeelPayment struct {
	Out   chain.OutPoint
	Addr  chain.Address
	Value int64
	Time  time.Time
	// Taint is its stolen value, when PeelOptions.Taint is set.
	Taint int64
}

// RemainderState says what became of a chain's last remainder.
type RemainderState uint8

const (
	// RemainderUnknown: the source did not report spends (a backward trace
	// from a source without SpentBy).
	RemainderUnknown RemainderState = iota
	// RemainderUnspent: the balance is still there, at Addr.
	RemainderUnspent
	// RemainderInFlow: a flow transaction that is not a peel step spent it
	// (a split, a consolidation, a deposit sweep): the chain ends there but
	// the trail goes on in the flow.
	RemainderInFlow
	// RemainderOutside: a transaction the trace did not include spent it
	// (the trace's limits or a Stop cut it off).
	RemainderOutside
)

var remainderStates = [...]string{"unknown", "unspent", "spent in flow", "spent outside flow"}

func (s RemainderState) String() string {
	if int(s) < len(remainderStates) {
		return remainderStates[s]
	}
	return "remainder(?)"
}

// PeelRemainder is the remainder output of a chain's last step.
type PeelRemainder struct {
	Out   chain.OutPoint
	Addr  chain.Address
	Value int64
	Taint int64
	State RemainderState
	// Spender is the transaction that spent it, zero when unspent or
	// unknown.
	Spender chain.TxID
}

// PeelChains finds the peel chains of a flow, longest first (equal lengths
// in chain order of their first step).
//
// A step is a flow transaction heuristic.Peel recognises: one input, two
// outputs to different addresses, the smaller (the payment) at most 40% of
// the two. Step b follows step a when b spends a's remainder (the larger
// output); a step has one input, so at most one step precedes it, and a
// remainder is spent once, so at most one follows: the steps fall apart
// into simple paths, found in one pass over the flow's adjacency. A step
// whose remainder the flow spends with anything but a peel step (a split,
// a consolidation) ends its chain; one that spends the payment rather than
// the remainder starts a new chain, because which output continues is what
// marks a peel chain. A chain whose first step spends an output the trace
// did not include may have begun earlier.
func PeelChains(f *graph.Flow, opts PeelOptions) []PeelChain {
	if opts.MinLength <= 0 {
		opts.MinLength = DefaultPeelMinLength
	}
	n := f.Len()
	// rem holds each step's remainder vout+1 (0: not a step), pay its
	// payment's, next the step spending the remainder (-1: none).
	rem := make([]uint8, n)
	pay := make([]uint8, n)
	for i := range n {
		if p, r, ok := heuristic.Peel(f.At(i)); ok {
			pay[i], rem[i] = uint8(p+1), uint8(r+1)
		}
	}
	next := make([]int32, n)
	hasPrev := make([]bool, n)
	for i := range n {
		next[i] = -1
		if rem[i] == 0 {
			continue
		}
		if j := f.Spenders(i)[rem[i]-1]; j >= 0 && rem[j] != 0 {
			next[i], hasPrev[j] = j, true
		}
	}
	var chains []PeelChain
	var steps []int
	for i := range n {
		if rem[i] == 0 || hasPrev[i] {
			continue
		}
		steps = steps[:0]
		for j := int32(i); j >= 0; j = next[j] {
			steps = append(steps, int(j))
		}
		if len(steps) < opts.MinLength {
			continue
		}
		chains = append(chains, makeChain(f, slices.Clone(steps), pay, rem, opts.Taint))
	}
	slices.SortStableFunc(chains, func(a, b PeelChain) int { return cmp.Compare(b.Len(), a.Len()) })
	return chains
}

// makeChain fills in a chain's payments and remainder.
func makeChain(f *graph.Flow, steps []int, pay, rem []uint8, t *Taint) PeelChain {
	c := PeelChain{Steps: steps, Txs: make([]*chain.Tx, len(steps)), Payments: make([]PeelPayment, len(steps))}
	taint := func(o chain.OutPoint) int64 {
		if t == nil {
			return 0
		}
		return t.Output(o)
	}
	for k, i := range steps {
		tx := f.At(i)
		c.Txs[k] = tx
		v := int(pay[i] - 1)
		o := tx.ID.Out(uint32(v))
		c.Payments[k] = PeelPayment{Out: o, Addr: tx.OutAddr(v), Value: tx.Msg.TxOut[v].Value, Time: tx.Time, Taint: taint(o)}
		c.Peeled += c.Payments[k].Value
	}
	if p := c.Txs[0].Prevouts; len(p) == 1 {
		c.In = p[0].Value
	}
	last := steps[len(steps)-1]
	tx, v := f.At(last), int(rem[last]-1)
	o := tx.ID.Out(uint32(v))
	r := PeelRemainder{Out: o, Addr: tx.OutAddr(v), Value: tx.Msg.TxOut[v].Value, Taint: taint(o)}
	switch j := f.Spenders(last)[v]; {
	case j >= 0:
		r.State, r.Spender = RemainderInFlow, f.At(int(j)).ID
	case len(tx.SpentBy) != len(tx.Msg.TxOut):
		r.State = RemainderUnknown
	case tx.SpentBy[v].IsZero():
		r.State = RemainderUnspent
	default:
		r.State, r.Spender = RemainderOutside, tx.SpentBy[v].Tx
	}
	c.Remainder = r
	return c
}

// peelPayment returns the output Follow leaves unfollowed at tx under
// Options.PreferRemainder: the payment of a peel step, forward; -1
// otherwise. The exact rule, applied by Follow: at every transaction it
// expands forward that heuristic.Peel recognises, the spend of the payment
// output is not followed and counts in Result.Stopped, unless that output
// is a seed (seeds are always followed) or its spender is already in the
// flow (then there is no link to skip). The remainder, and the outputs of
// every other transaction, are followed as usual; backward traces are not
// affected (a peel step has one input, which is its whole past).
func peelPayment(opts Options, tx *chain.Tx) int {
	if !opts.PreferRemainder || opts.Direction != Forward {
		return -1
	}
	if p, _, ok := heuristic.Peel(tx); ok {
		return p
	}
	return -1
}
