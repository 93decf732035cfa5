package trace

import (
	"testing"

	"pgregory.net/rapid"
)

// splitCase draws a transaction: input values and taints, output values
// and a fee that together spend exactly the inputs.
func splitCase(t *rapid.T, minIns int) (vals, taints, outs []int64) {
	n := rapid.IntRange(minIns, 8).Draw(t, "inputs")
	var total int64
	for i := range n {
		v := rapid.Int64Range(0, 30e8).Draw(t, "value")
		taint := rapid.Int64Range(0, v).Draw(t, "taint")
		if rapid.Bool().Draw(t, "whole") {
			taint = v
		}
		_ = i
		vals, taints = append(vals, v), append(taints, taint)
		total += v
	}
	k := rapid.IntRange(1, 8).Draw(t, "outputs")
	for i := range k {
		v := total
		if i < k-1 {
			v = rapid.Int64Range(0, total).Draw(t, "out")
		}
		outs = append(outs, v)
		total -= v
	}
	// The last output was given the rest; turn part of it into the fee.
	fee := rapid.Int64Range(0, outs[len(outs)-1]).Draw(t, "fee")
	outs[len(outs)-1] -= fee
	return vals, taints, append(outs, fee)
}

// TestSplit checks each model's split of one transaction: exact
// conservation, 0 <= taint <= value, poison at least every other model,
// FIFO = LIFO with one input, and all models equal when every input is
// wholly stolen.
func TestSplit(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		vals, taints, outs := splitCase(t, 1)
		var s scratch
		got := map[Model][]int64{}
		var in int64
		for _, x := range taints {
			in += x
		}
		whole := true
		for i := range vals {
			whole = whole && taints[i] == vals[i]
		}
		for _, m := range Models() {
			dst := make([]int64, len(outs))
			m.split(vals, taints, outs, dst, &s)
			var sum int64
			for k, x := range dst {
				if x < 0 || x > outs[k] {
					t.Fatalf("%v: output %d gets %d of %d", m, k, x, outs[k])
				}
				sum += x
			}
			if m != Poison && sum != in {
				t.Fatalf("%v: %d in, %d out", m, in, sum)
			}
			if whole && in > 0 {
				for k := range dst {
					if dst[k] != outs[k] {
						t.Fatalf("%v: inputs wholly stolen, output %d gets %d of %d", m, k, dst[k], outs[k])
					}
				}
			}
			got[m] = dst
		}
		for _, m := range Models() {
			for k := range outs {
				if got[m][k] > got[Poison][k] {
					t.Fatalf("%v gives output %d %d, more than poison", m, k, got[m][k])
				}
			}
		}
		if len(vals) == 1 {
			for k := range outs {
				if got[FIFO][k] != got[LIFO][k] {
					t.Fatalf("one input: FIFO %v, LIFO %v", got[FIFO], got[LIFO])
				}
			}
		}
	})
}
