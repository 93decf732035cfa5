package heuristic

import (
	"bytes"
	"cmp"
	"slices"

	"github.com/plumetrace/plume/chain"
)

// ins summarises the spent side of a transaction: what the CoinJoin
// detectors and the change rules ask of the inputs, computed once.
type ins struct {
	n        int
	addrs    []chain.Address // distinct input addresses, sorted by compareAddr
	top      int             // the most inputs that spend from one address
	min      int64           // the smallest input value
	kind     chain.Kind      // the kind every input shares; KindNone when mixed
	values   []int64         // input values in input order
	complete bool
}

// inputsOf reads tx's inputs. complete is false for a coinbase, a
// transaction without Msg, or one whose Prevouts do not resolve every
// input: then nothing else is filled in, because every rule that looks at
// inputs would otherwise judge from part of them (an unresolved input's
// zero address and value would count as a real address and the smallest
// input).
func inputsOf(tx *chain.Tx) ins {
	var in ins
	if tx == nil || tx.Msg == nil || tx.IsCoinbase() || len(tx.Prevouts) != len(tx.Msg.TxIn) || len(tx.Msg.TxIn) == 0 {
		return in
	}
	in.n = len(tx.Prevouts)
	in.values = make([]int64, in.n)
	all := make([]chain.Address, in.n)
	in.kind = tx.Prevouts[0].Addr.Kind
	for i, p := range tx.Prevouts {
		if !p.Resolved {
			return ins{}
		}
		in.values[i] = p.Value
		all[i] = p.Addr
		if i == 0 || p.Value < in.min {
			in.min = p.Value
		}
		if p.Addr.Kind != in.kind {
			in.kind = chain.KindNone
		}
	}
	slices.SortFunc(all, compareAddr)
	in.addrs = all[:0]
	run := 0
	for i, a := range all {
		if i > 0 && a == all[i-1] {
			run++
		} else {
			in.addrs = append(in.addrs, a)
			run = 1
		}
		in.top = max(in.top, run)
	}
	in.complete = true
	return in
}

// has reports whether a is one of the input addresses.
func (in *ins) has(a chain.Address) bool {
	_, ok := slices.BinarySearchFunc(in.addrs, a, compareAddr)
	return ok
}

func compareAddr(a, b chain.Address) int {
	if c := cmp.Compare(a.Kind, b.Kind); c != 0 {
		return c
	}
	return bytes.Compare(a.Hash[:], b.Hash[:])
}

// outs holds a transaction's outputs with their addresses, computed once.
type outs struct {
	values []int64
	addrs  []chain.Address
	// spendable counts the outputs that are not OP_RETURN data carriers.
	spendable int
}

func outputsOf(tx *chain.Tx) outs {
	if tx == nil || tx.Msg == nil {
		return outs{}
	}
	o := outs{values: make([]int64, len(tx.Msg.TxOut)), addrs: make([]chain.Address, len(tx.Msg.TxOut))}
	for i, out := range tx.Msg.TxOut {
		o.values[i] = out.Value
		o.addrs[i] = chain.AddressOf(out.PkScript)
		if o.addrs[i].Kind != chain.KindOpReturn {
			o.spendable++
		}
	}
	return o
}

// distinctAddrs counts the distinct addresses of a (a is not modified).
func distinctAddrs(a []chain.Address) int {
	s := slices.Clone(a)
	slices.SortFunc(s, compareAddr)
	return len(slices.Compact(s))
}

// valueCount is one distinct output value and how many outputs carry it.
type valueCount struct {
	value int64
	count int
	first int // index in the input slice of the value's first occurrence
}

// countValues returns the distinct values of vs with their counts, in
// order of first occurrence. It sorts a copy, so it costs n log n whatever
// the counts.
func countValues(vs []int64) []valueCount {
	idx := make([]int, len(vs))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int { return cmp.Compare(vs[a], vs[b]) })
	var out []valueCount
	for i, j := range idx {
		if i > 0 && vs[j] == vs[idx[i-1]] {
			out[len(out)-1].count++
			continue
		}
		out = append(out, valueCount{value: vs[j], count: 1, first: j})
	}
	slices.SortFunc(out, func(a, b valueCount) int { return cmp.Compare(a.first, b.first) })
	return out
}

// mostCommon returns the value carried by the most outputs among those
// keep accepts; of equal counts, the one that occurs first (as Python's
// Counter.most_common, which GraphSense's detectors use, breaks ties).
func mostCommon(vs []int64, keep func(int64) bool) (valueCount, bool) {
	var sel []int64
	for _, v := range vs {
		if keep == nil || keep(v) {
			sel = append(sel, v)
		}
	}
	best, ok := valueCount{}, false
	for _, c := range countValues(sel) {
		if !ok || c.count > best.count {
			best, ok = c, true
		}
	}
	return best, ok
}
