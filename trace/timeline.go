package trace

import (
	"cmp"
	"math"
	"slices"
	"time"

	"github.com/plumetrace/plume/chain"
)

// Bucket is the width of a timeline step.
type Bucket uint8

const (
	ByBlock Bucket = iota // one step per block that holds a flow transaction
	ByHour
	ByDay
)

// maxSteps bounds a time-bucketed timeline; a flow spanning more hours (or
// days) than this gets its last step stretched to the end.
const maxSteps = 1 << 17

// Step is the state of the stolen coins at the end of one timeline step.
type Step struct {
	// Start and End bound the step: [Start, End). For ByBlock, Height is
	// the block and Start = End its time.
	Start, End time.Time
	Height     int32
	// Holders counts the addresses, and UTXOs the unspent outputs, holding
	// taint at the end of the step; Held is the tainted value they hold.
	Holders int
	UTXOs   int
	Held    int64
	// Exited is the tainted value that reached exits up to the end of the
	// step; Beyond what left the traced region (spent by a transaction the
	// trace did not include).
	Exited int64
	Beyond int64
	// Gini (0 all equal, towards 1 one holder has it all) and Entropy
	// (Shannon, in bits) measure how spread the held value is over the
	// holders.
	Gini    float64
	Entropy float64
}

type event struct {
	height int32
	at     time.Time
	addr   chain.Address
	taint  int64 // + received, - spent
	kind   uint8
}

const (
	evHold uint8 = iota
	evExit
	evBeyond
)

// Timeline returns the dispersion of the stolen coins step by step: who
// holds how much, and how much has left. A holding ends when a flow
// transaction spends it; an output spent outside the flow leaves at the
// time of the last flow block at or before its spender's height.
func (t *Taint) Timeline(b Bucket) []Step {
	f := t.res.Flow
	if f.Len() == 0 {
		return nil
	}
	var evs []event
	heightTime := func(h int32) time.Time {
		// The last flow transaction at or below height h.
		i, _ := slices.BinarySearchFunc(f.Txs(), h, func(tx *chain.Tx, h int32) int { return cmp.Compare(tx.Height(), h+1) })
		return f.At(max(i-1, 0)).Time
	}
	for i := range f.Len() {
		tx, base, spenders := f.At(i), f.OutBase(i), f.Spenders(i)
		for v, o := range tx.Msg.TxOut {
			k := base + v
			taint := t.out[k]
			if taint == 0 {
				continue
			}
			a := chain.AddressOf(o.PkScript)
			if _, exit := t.exits[k]; exit {
				evs = append(evs, event{tx.Height(), tx.Time, a, taint, evExit})
				continue
			}
			evs = append(evs, event{tx.Height(), tx.Time, a, taint, evHold})
			switch by := tx.SpentBy[v]; {
			case spenders[v] >= 0:
				s := f.At(int(spenders[v]))
				evs = append(evs, event{s.Height(), s.Time, a, -taint, evHold})
			case !by.IsZero():
				h := by.Tx.Height()
				at := heightTime(h)
				if at.Before(tx.Time) {
					at = tx.Time
				}
				evs = append(evs, event{h, at, a, -taint, evHold}, event{h, at, a, taint, evBeyond})
			}
		}
	}
	if b == ByBlock {
		slices.SortStableFunc(evs, func(x, y event) int { return cmp.Compare(x.height, y.height) })
	} else {
		slices.SortStableFunc(evs, func(x, y event) int { return x.at.Compare(y.at) })
	}

	var (
		steps  []Step
		st     = newHoldings()
		exited int64
		beyond int64
		next   int
	)
	apply := func(until func(e event) bool) {
		for ; next < len(evs) && until(evs[next]); next++ {
			e := evs[next]
			switch e.kind {
			case evHold:
				st.add(e.addr, e.taint)
			case evExit:
				exited += e.taint
			case evBeyond:
				beyond += e.taint
			}
		}
	}
	snapshot := func(s Step) Step {
		s.Holders, s.UTXOs, s.Held = len(st.by), st.utxos, st.held
		s.Exited, s.Beyond = exited, beyond
		s.Gini, s.Entropy = st.spread()
		return s
	}
	if b == ByBlock {
		for i := 0; i < f.Len(); {
			h, at := f.At(i).Height(), f.At(i).Time
			for i < f.Len() && f.At(i).Height() == h {
				i++
			}
			apply(func(e event) bool { return e.height <= h })
			steps = append(steps, snapshot(Step{Start: at, End: at, Height: h}))
		}
		apply(func(event) bool { return true }) // spends beyond the last flow block
		if len(steps) > 0 {
			steps[len(steps)-1] = snapshot(steps[len(steps)-1])
		}
		return steps
	}
	width := time.Hour
	if b == ByDay {
		width = 24 * time.Hour
	}
	first, last := f.At(0).Time, f.At(0).Time
	for _, e := range evs {
		first, last = minTime(first, e.at), maxTime(last, e.at)
	}
	start := first.Truncate(width)
	for n := 0; !start.After(last); n++ {
		end := start.Add(width)
		if n == maxSteps-1 {
			end = last.Add(time.Nanosecond)
		}
		apply(func(e event) bool { return e.at.Before(end) })
		steps = append(steps, snapshot(Step{Start: start, End: end, Height: -1}))
		start = end
	}
	return steps
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// holdings is the tainted value each address holds, with the number of
// tainted unspent outputs.
type holdings struct {
	by    map[chain.Address]int64
	utxos int
	held  int64
	vals  []float64 // scratch for spread
}

func newHoldings() *holdings { return &holdings{by: map[chain.Address]int64{}} }

func (h *holdings) add(a chain.Address, taint int64) {
	if taint > 0 {
		h.utxos++
	} else {
		h.utxos--
	}
	h.held += taint
	if v := h.by[a] + taint; v != 0 {
		h.by[a] = v
	} else {
		delete(h.by, a)
	}
}

// spread returns the Gini coefficient and the Shannon entropy (bits) of the
// holdings.
func (h *holdings) spread() (gini, entropy float64) {
	if len(h.by) == 0 || h.held <= 0 {
		return 0, 0
	}
	h.vals = h.vals[:0]
	for _, v := range h.by {
		h.vals = append(h.vals, float64(v))
	}
	slices.Sort(h.vals)
	total := float64(h.held)
	var weighted float64
	n := float64(len(h.vals))
	for i, v := range h.vals {
		weighted += float64(i+1) * v
		if p := v / total; p > 0 {
			entropy -= p * math.Log2(p)
		}
	}
	gini = 2*weighted/(n*total) - (n+1)/n
	return gini, entropy
}
