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

// event is one change to where the stolen coins are: a holder receives or
// spends (evHold), or taint reaches an exit or leaves the traced region.
// Every event takes the time of a flow transaction, at, so events need not
// carry a time.Time.
type event struct {
	taint  int64 // + received, - spent
	height int32
	at     int32 // flow index of the transaction whose time the event takes
	holder int32 // index of the receiving or spending address (evHold)
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
//
// The cost is one pass over the flow's outputs, a counting sort of the
// events by step, and, at each step where some holder's balance changed,
// a merge of the changed balances into the sorted balances and one pass
// over those for Gini and entropy. A step where nothing moved costs
// nothing; no step sorts every holder again.
func (t *Taint) Timeline(b Bucket) []Step {
	f := t.res.Flow
	if f.Len() == 0 {
		return nil
	}
	evs, holders := t.events()
	var steps []Step
	stepOf := make([]int32, len(evs))
	if b == ByBlock {
		// One step per flow block, in height order (the flow is in chain
		// order); an event belongs to the first block at or above its
		// height, and spends beyond the last block to the last step.
		var heights []int32
		for i := 0; i < f.Len(); {
			h, at := f.At(i).Height(), f.At(i).Time
			for i < f.Len() && f.At(i).Height() == h {
				i++
			}
			steps = append(steps, Step{Start: at, End: at, Height: h})
			heights = append(heights, h)
		}
		for k, e := range evs {
			s, _ := slices.BinarySearch(heights, e.height)
			stepOf[k] = int32(min(s, len(steps)-1))
		}
	} else {
		width := time.Hour
		if b == ByDay {
			width = 24 * time.Hour
		}
		first, last := f.At(0).Time, f.At(0).Time
		for _, e := range evs {
			at := f.At(int(e.at)).Time
			first, last = minTime(first, at), maxTime(last, at)
		}
		start := first.Truncate(width)
		for n := 0; !start.After(last); n++ {
			end := start.Add(width)
			if n == maxSteps-1 {
				end = last.Add(time.Nanosecond)
			}
			steps = append(steps, Step{Start: start, End: end, Height: -1})
			start = end
		}
		// Step n is [origin+n·width, origin+(n+1)·width); the last of
		// maxSteps takes everything after. origin is a whole number of
		// widths, so whole seconds decide the step; counting in seconds
		// rather than with time.Sub, which stops at 292 years, keeps any
		// span exact.
		origin, w := steps[0].Start.Unix(), int64(width/time.Second)
		for k, e := range evs {
			n := (f.At(int(e.at)).Time.Unix() - origin) / w
			stepOf[k] = int32(min(n, int64(len(steps)-1)))
		}
	}
	fill(steps, evs, stepOf, holders)
	return steps
}

// events lists every change the taint makes to who holds it, in flow
// order, with the holders numbered from 0; it returns how many there are.
func (t *Taint) events() (evs []event, holders int) {
	f := t.res.Flow
	txs := f.Txs()
	// Sized for the tainted outputs, each received and, usually, spent:
	// growing the map and the slice cost more than filling them.
	tainted := 0
	for _, x := range t.out {
		if x != 0 {
			tainted++
		}
	}
	evs = make([]event, 0, 2*tainted)
	index := make(map[chain.Address]int32, tainted)
	// lastAt is the flow index of the last flow transaction at or below
	// height h (0 if none): a spend outside the flow takes its time.
	lastAt := func(h int32) int32 {
		i, _ := slices.BinarySearchFunc(txs, h, func(tx *chain.Tx, h int32) int { return cmp.Compare(tx.Height(), h+1) })
		return int32(max(i-1, 0))
	}
	for i, tx := range txs {
		base, spenders := f.OutBase(i), f.Spenders(i)
		h := tx.Height()
		for v, o := range tx.Msg.TxOut {
			k := base + v
			taint := t.out[k]
			if taint == 0 {
				continue
			}
			if _, exit := t.exits[k]; exit {
				evs = append(evs, event{taint: taint, height: h, at: int32(i), kind: evExit})
				continue
			}
			a := chain.AddressOf(o.PkScript)
			x, ok := index[a]
			if !ok {
				x = int32(len(index))
				index[a] = x
			}
			evs = append(evs, event{taint, h, int32(i), x, evHold})
			switch by := tx.SpentBy[v]; {
			case spenders[v] >= 0:
				j := spenders[v]
				evs = append(evs, event{-taint, txs[j].Height(), j, x, evHold})
			case !by.IsZero():
				sh := by.Tx.Height()
				j := lastAt(sh)
				if txs[j].Time.Before(tx.Time) {
					j = int32(i) // never before the output was made
				}
				evs = append(evs, event{-taint, sh, j, x, evHold}, event{taint, sh, j, x, evBeyond})
			}
		}
	}
	return evs, len(index)
}

// fill applies the events step by step (stepOf gives each event's step)
// and records the state at the end of each. Within a step the order of
// events does not matter: a step shows only where they leave the coins.
func fill(steps []Step, evs []event, stepOf []int32, holders int) {
	// A counting sort groups the events by step: step k's are
	// order[first[k]:first[k+1]].
	first := make([]int32, len(steps)+1)
	for _, k := range stepOf {
		first[k+1]++
	}
	for k := range steps {
		first[k+1] += first[k]
	}
	order := make([]int32, len(evs))
	pos := slices.Clone(first[:len(steps)])
	for i, k := range stepOf {
		order[pos[k]] = int32(i)
		pos[k]++
	}
	h := newHoldings(holders)
	var exited, beyond int64
	for k := range steps {
		for _, i := range order[first[k]:first[k+1]] {
			switch e := &evs[i]; e.kind {
			case evHold:
				h.add(e.holder, e.taint)
			case evExit:
				exited += e.taint
			case evBeyond:
				beyond += e.taint
			}
		}
		h.settle()
		s := &steps[k]
		s.Holders, s.UTXOs, s.Held = len(h.sorted), h.utxos, h.held
		s.Exited, s.Beyond = exited, beyond
		s.Gini, s.Entropy = h.gini, h.entropy
	}
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

// holdings is the tainted value each holder holds, with the number of
// tainted unspent outputs, kept so that a step costs in proportion to
// what it changed until Gini and entropy are due: balances sit in a slice
// by holder, and the nonzero ones also in sorted, the order in which
// spread reads them, which settle updates by merging in the few that
// changed instead of sorting them all.
type holdings struct {
	bal     []int64 // by holder
	old     []int64 // a touched holder's balance at the start of the step
	touched []int32 // holders the step changed, once each
	in      []bool  // whether a holder is in touched
	sorted  []int64 // the nonzero balances, ascending
	utxos   int
	held    int64
	// gini and entropy are spread(sorted, held), recomputed only when
	// sorted changes.
	gini, entropy float64
	// Scratch for settle.
	gone, come, next []int64
}

func newHoldings(n int) *holdings {
	return &holdings{bal: make([]int64, n), old: make([]int64, n), in: make([]bool, n)}
}

func (h *holdings) add(a int32, taint int64) {
	if !h.in[a] {
		h.in[a], h.old[a] = true, h.bal[a]
		h.touched = append(h.touched, a)
	}
	if taint > 0 {
		h.utxos++
	} else {
		h.utxos--
	}
	h.held += taint
	h.bal[a] += taint
}

// settle ends a step: the balances the step changed leave sorted at their
// old value and come back at their new one, and Gini and entropy are
// recomputed if that changed the sorted balances. They depend on nothing
// else (held is their sum), so a step that moved nothing, or only swapped
// equal amounts, keeps them as they were, to the bit.
func (h *holdings) settle() {
	gone, come := h.gone[:0], h.come[:0]
	for _, a := range h.touched {
		h.in[a] = false
		o, n := h.old[a], h.bal[a]
		if o == n {
			continue
		}
		if o != 0 {
			gone = append(gone, o)
		}
		if n != 0 {
			come = append(come, n)
		}
	}
	h.touched = h.touched[:0]
	h.gone, h.come = gone, come
	slices.Sort(gone)
	slices.Sort(come)
	if slices.Equal(gone, come) {
		return
	}
	// Merge: sorted less gone (each of which it holds, being a balance
	// the step began with), plus come.
	next, g, c := h.next[:0], 0, 0
	for _, v := range h.sorted {
		if g < len(gone) && gone[g] == v {
			g++
			continue
		}
		for c < len(come) && come[c] < v {
			next = append(next, come[c])
			c++
		}
		next = append(next, v)
	}
	next = append(next, come[c:]...)
	h.sorted, h.next = next, h.sorted
	h.gini, h.entropy = spread(h.sorted, h.held)
}

// spread returns the Gini coefficient and the Shannon entropy (bits) of
// the balances vals, sorted ascending, which sum to held. The sums run in
// that order, so equal inputs give equal floats; the expressions are
// those of the first implementation, so that a compiler fusing
// multiply-adds (arm64, GOAMD64=v3) fuses both alike.
func spread(vals []int64, held int64) (gini, entropy float64) {
	if len(vals) == 0 || held <= 0 {
		return 0, 0
	}
	total := float64(held)
	var weighted float64
	n := float64(len(vals))
	for i, x := range vals {
		v := float64(x)
		weighted += float64(i+1) * v
		if p := v / total; p > 0 {
			entropy -= p * math.Log2(p)
		}
	}
	gini = 2*weighted/(n*total) - (n+1)/n
	return gini, entropy
}
