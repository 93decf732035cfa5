package trace

import (
	"fmt"
	"math/bits"
	"strings"
)

// Model is a rule for how much of each output of a transaction is stolen,
// given how much of each input is. Every model is exact in satoshi and
// keeps 0 <= taint <= value. Haircut, FIFO, LIFO and TIHO conserve taint
// in every transaction: tainted in = tainted out + tainted fee. Poison
// makes taint out of clean value, and balances only by counting that
// value, reported as Absorbed (TxTaint, TaintTotals): tainted in +
// absorbed = tainted out + tainted fee.
type Model uint8

const (
	// Poison: a transaction with any tainted input is tainted whole, every
	// output and the fee; the value of its clean inputs is absorbed by
	// the theft.
	Poison Model = iota
	// Haircut: every output, and the fee, gets the same share of its value,
	// tainted input / total input. Shares are split in whole satoshi by the
	// largest remainder method (ties to the earlier output, the fee last),
	// so each transaction conserves taint exactly.
	Haircut
	// FIFO (Clayton's case): inputs laid end to end in order, outputs then
	// the fee laid end to end in order; an output's taint is the tainted
	// length of the input line it covers. Within a partly tainted input its
	// tainted satoshi come first, so they are the first to leave.
	FIFO
	// LIFO: as FIFO with the input line reversed (the last input is spent
	// first). Within each input its tainted satoshi still come first.
	LIFO
	// TIHO (taint in, highest out): the tainted amount fills the outputs in
	// decreasing order of value (ties to the earlier output), then the
	// fee.
	TIHO
	numModels
)

var modelNames = [numModels]string{"poison", "haircut", "fifo", "lifo", "tiho"}

func (m Model) String() string {
	if m < numModels {
		return modelNames[m]
	}
	return fmt.Sprintf("model(%d)", uint8(m))
}

// Models lists every model.
func Models() []Model { return []Model{Poison, Haircut, FIFO, LIFO, TIHO} }

// ParseModel reads a model name as String writes it (any case).
func ParseModel(s string) (Model, error) {
	for m, name := range modelNames {
		if strings.EqualFold(s, name) {
			return Model(m), nil
		}
	}
	return 0, fmt.Errorf("trace: unknown taint model %q (poison, haircut, fifo, lifo, tiho)", s)
}

// scratch is the reusable working memory of split.
type scratch struct {
	idx []int
	rem []uint64
}

// split distributes a transaction's taint. vals and taints are the inputs'
// values and taints in order; outs are the outputs' values followed by the
// fee, which sum to the inputs' values; dst receives the taint of each.
func (m Model) split(vals, taints, outs, dst []int64, s *scratch) {
	clear(dst)
	var total int64
	for _, t := range taints {
		total += t
	}
	if total == 0 {
		return
	}
	switch m {
	case Poison:
		copy(dst, outs)
	case Haircut:
		haircut(total, outs, dst, s)
	case FIFO:
		clayton(vals, taints, outs, dst, false)
	case LIFO:
		clayton(vals, taints, outs, dst, true)
	case TIHO:
		tiho(total, outs, dst, s)
	}
}

// haircut gives each of outs total*out/sum(outs), rounded down, and the
// satoshi left over one each to the largest remainders.
func haircut(total int64, outs, dst []int64, s *scratch) {
	var sum uint64
	for _, v := range outs {
		sum += uint64(v)
	}
	if sum == 0 {
		return
	}
	left := total
	if cap(s.rem) < len(outs) {
		s.rem = make([]uint64, len(outs))
	}
	rem := s.rem[:len(outs)]
	for k, v := range outs {
		// total*v can pass 2^63; 128-bit arithmetic keeps it exact.
		hi, lo := bits.Mul64(uint64(total), uint64(v))
		q, r := bits.Div64(hi, lo, sum)
		dst[k] = int64(q)
		rem[k] = r
		left -= int64(q)
	}
	if left == 0 {
		return
	}
	order := s.idx[:0]
	for k := range outs {
		order = append(order, k)
	}
	// Largest remainder first; ties go to the earlier output, so the fee
	// (last) gets a leftover satoshi only after the outputs.
	sortIdx(order, func(a, b int) bool { return rem[a] > rem[b] || (rem[a] == rem[b] && a < b) })
	for _, k := range order[:left] {
		dst[k]++
	}
	s.idx = order
}

// clayton lays the inputs (reversed for LIFO) on one line with each one's
// taint at its front, the outputs on another, and gives each output the
// tainted length it overlaps.
func clayton(vals, taints, outs, dst []int64, reverse bool) {
	k, end := 0, int64(0) // the current output and where it ends
	if len(outs) > 0 {
		end = outs[0]
	}
	pos := int64(0)
	for n := range vals {
		i := n
		if reverse {
			i = len(vals) - 1 - n
		}
		a, b := pos, pos+taints[i] // the tainted span of input i
		pos += vals[i]
		for a < b && k < len(outs) {
			if a >= end {
				k++
				if k < len(outs) {
					end += outs[k]
				}
				continue
			}
			// Spans only move forward, so a >= start here.
			hi := min(b, end)
			dst[k] += hi - a
			a = hi
		}
	}
}

// tiho fills outputs, largest first, then the fee, with the tainted total.
func tiho(total int64, outs, dst []int64, s *scratch) {
	order := s.idx[:0]
	for k := range outs[:len(outs)-1] {
		order = append(order, k)
	}
	sortIdx(order, func(a, b int) bool { return outs[a] > outs[b] || (outs[a] == outs[b] && a < b) })
	order = append(order, len(outs)-1) // the fee last
	for _, k := range order {
		if total == 0 {
			break
		}
		t := min(total, outs[k])
		dst[k] = t
		total -= t
	}
	s.idx = order
}

// sortIdx sorts small index slices without the allocation of a closure
// over sort.Slice; transactions have few outputs, and insertion sort is
// fastest there. Large ones fall back to a heap-free shell sort.
func sortIdx(a []int, less func(x, y int) bool) {
	gap := 1
	for gap < len(a)/3 {
		gap = gap*3 + 1
	}
	for ; gap > 0; gap /= 3 {
		for i := gap; i < len(a); i++ {
			for j := i; j >= gap && less(a[j], a[j-gap]); j -= gap {
				a[j], a[j-gap] = a[j-gap], a[j]
			}
		}
	}
}
