package trace

import (
	"cmp"
	"math"
	"slices"
	"time"

	"github.com/plumetrace/plume/chain"
)

// TimelineRef exports timelineRef to the external tests, which hold the
// flows to compare on.
func TimelineRef(t *Taint, b Bucket) []Step { return t.timelineRef(b) }

type refEvent struct {
	height int32
	at     time.Time
	addr   chain.Address
	taint  int64 // + received, - spent
	kind   uint8
}

// timelineRef is Timeline as first written, kept as the reference the
// faster Timeline must match bit for bit: events sorted by block or time,
// applied in order, and at every step a map of holders copied out, sorted
// and summed from scratch.
func (t *Taint) timelineRef(b Bucket) []Step {
	f := t.res.Flow
	if f.Len() == 0 {
		return nil
	}
	var evs []refEvent
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
				evs = append(evs, refEvent{tx.Height(), tx.Time, a, taint, evExit})
				continue
			}
			evs = append(evs, refEvent{tx.Height(), tx.Time, a, taint, evHold})
			switch by := tx.SpentBy[v]; {
			case spenders[v] >= 0:
				s := f.At(int(spenders[v]))
				evs = append(evs, refEvent{s.Height(), s.Time, a, -taint, evHold})
			case !by.IsZero():
				h := by.Tx.Height()
				at := heightTime(h)
				if at.Before(tx.Time) {
					at = tx.Time
				}
				evs = append(evs, refEvent{h, at, a, -taint, evHold}, refEvent{h, at, a, taint, evBeyond})
			}
		}
	}
	if b == ByBlock {
		slices.SortStableFunc(evs, func(x, y refEvent) int { return cmp.Compare(x.height, y.height) })
	} else {
		slices.SortStableFunc(evs, func(x, y refEvent) int { return x.at.Compare(y.at) })
	}

	var (
		steps  []Step
		st     = newRefHoldings()
		exited int64
		beyond int64
		next   int
	)
	apply := func(until func(e refEvent) bool) {
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
			apply(func(e refEvent) bool { return e.height <= h })
			steps = append(steps, snapshot(Step{Start: at, End: at, Height: h}))
		}
		apply(func(refEvent) bool { return true }) // spends beyond the last flow block
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
		apply(func(e refEvent) bool { return e.at.Before(end) })
		steps = append(steps, snapshot(Step{Start: start, End: end, Height: -1}))
		start = end
	}
	return steps
}

// refHoldings is the tainted value each address holds, with the number of
// tainted unspent outputs.
type refHoldings struct {
	by    map[chain.Address]int64
	utxos int
	held  int64
	vals  []float64 // scratch for spread
}

func newRefHoldings() *refHoldings { return &refHoldings{by: map[chain.Address]int64{}} }

func (h *refHoldings) add(a chain.Address, taint int64) {
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
func (h *refHoldings) spread() (gini, entropy float64) {
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
