package heuristic_test

import (
	"slices"
	"testing"

	"pgregory.net/rapid"

	"github.com/plumetrace/plume/chain"
	"github.com/plumetrace/plume/trace/heuristic"
)

// Values near the detectors' edges, so random transactions hit them.
var edgeValues = []int64{0, 1, 546, 2730, 5000, 50_000, 100_000, 101_700, 123_456, 1_000_000, 1_001_200,
	5_000_000, 9_500_000, 9_700_000, 10_000_000, 10_500_001, 20_000_000, 50_000_000, 190_000_000, 1e8, 50e8}

func genValue(t *rapid.T, label string) int64 {
	if rapid.Bool().Draw(t, label+"-edge") {
		return rapid.SampledFrom(edgeValues).Draw(t, label)
	}
	return rapid.Int64Range(0, 60e8).Draw(t, label)
}

var kinds = []chain.Kind{chain.KindP2WPKH, chain.KindP2PKH, chain.KindP2TR, chain.KindP2SH}

// genIO draws an input or output from a small pool of addresses, so that
// reuse and equal values are common.
func genIO(t *rapid.T, label string, outputs bool) io {
	if outputs && rapid.IntRange(0, 15).Draw(t, label+"-opreturn") == 0 {
		return opReturn(byte(rapid.IntRange(0, 3).Draw(t, label+"-data")))
	}
	k := rapid.SampledFrom(kinds).Draw(t, label+"-kind")
	return io{a: addr(k, rapid.IntRange(0, 12).Draw(t, label+"-addr")), v: genValue(t, label+"-value")}
}

// genTx draws an arbitrary transaction: random inputs and outputs, or a
// protocol fixture with a few random edits (the near misses).
func genTx(t *rapid.T, label string) *chain.Tx {
	var x *chain.Tx
	switch rapid.IntRange(0, 9).Draw(t, label+"-shape") {
	case 0:
		n := rapid.IntRange(4, 6).Draw(t, "n")
		x = whirl(n, rapid.IntRange(0, n).Draw(t, "fresh"), rapid.SampledFrom(heuristic.WhirlpoolPools()).Draw(t, "pool"), rapid.Int64Range(0, 120_000).Draw(t, "eps"))
	case 1:
		x = wasabi1(rapid.IntRange(8, 14).Draw(t, "n"), rapid.SampledFrom([]int64{9_400_000, 9_500_000, 10_000_000, 10_500_000}).Draw(t, "d"), rapid.IntRange(0, 3).Draw(t, "levels"))
	case 2:
		x = wasabi2(rapid.IntRange(48, 52).Draw(t, "n"), wasabi2Outs())
	case 3:
		x = tx0(rapid.IntRange(1, 72).Draw(t, "premix"))
	case 4:
		x = joinMarket(rapid.IntRange(2, 60).Draw(t, "in"), rapid.IntRange(2, 6).Draw(t, "n"), rapid.IntRange(0, 6).Draw(t, "changes"), genValue(t, "d"))
	case 5:
		x = coinbase(pay(1, rapid.IntRange(1, 3).Draw(t, "outs"), 50e8))
	default:
		nIn := rapid.IntRange(1, 8).Draw(t, label+"-ins")
		nOut := rapid.IntRange(1, 12).Draw(t, label+"-outs")
		ins, outs := make([]io, nIn), make([]io, nOut)
		for i := range ins {
			ins[i] = genIO(t, label+"-in", false)
		}
		for i := range outs {
			outs[i] = genIO(t, label+"-out", true)
		}
		x = mk(int32(rapid.IntRange(1, 900_000).Draw(t, label+"-height")), 1, ins, outs)
	}
	// A few edits: a value, an input's address, an unresolved input.
	for range rapid.IntRange(0, 2).Draw(t, label+"-edits") {
		switch rapid.IntRange(0, 2).Draw(t, label+"-edit") {
		case 0:
			if len(x.Msg.TxOut) > 0 {
				x.Msg.TxOut[rapid.IntRange(0, len(x.Msg.TxOut)-1).Draw(t, "out")].Value = genValue(t, "v")
			}
		case 1:
			if len(x.Prevouts) > 0 {
				x.Prevouts[rapid.IntRange(0, len(x.Prevouts)-1).Draw(t, "in")].Addr = genIO(t, "a", false).a
			}
		case 2:
			if len(x.Prevouts) > 0 && rapid.IntRange(0, 4).Draw(t, "unresolve") == 0 {
				x.Prevouts[rapid.IntRange(0, len(x.Prevouts)-1).Draw(t, "in")] = chain.Prevout{}
			}
		}
	}
	x.Msg.LockTime = rapid.SampledFrom([]uint32{0, 0, 800_000}).Draw(t, label+"-locktime")
	return x
}

// genOptions draws a History over the address pool and spenders for some
// of x's outputs, peel steps among them.
func genOptions(t *rapid.T, x *chain.Tx) *heuristic.Options {
	h := heuristic.FirstSeenMap{}
	for range rapid.IntRange(0, 20).Draw(t, "seen") {
		a := genIO(t, "seen", false).a
		h[a] = rapid.SampledFrom([]chain.TxID{earlier, x.ID, later}).Draw(t, "first")
	}
	s := heuristic.SpenderMap{}
	for i, out := range x.Msg.TxOut {
		if !rapid.Bool().Draw(t, "spent") {
			continue
		}
		p := rapid.Int64Range(0, max(out.Value, 0)).Draw(t, "peel")
		sp := spend(x, i, x.Height()+1, []io{{wpkh(50), p, nil}, {wpkh(51), max(out.Value-p-1000, 0), nil}})
		sp.Msg.LockTime = rapid.SampledFrom([]uint32{0, 800_001}).Draw(t, "lt")
		s[x.ID.Out(uint32(i))] = sp
	}
	return &heuristic.Options{History: h, Spends: s, RoundDigits: rapid.IntRange(0, 8).Draw(t, "digits")}
}

func TestPropertyDetectors(t *testing.T) {
	dets := []func(*chain.Tx) (heuristic.Detection, bool){
		heuristic.DetectGeneric, heuristic.DetectJoinMarket, heuristic.DetectWasabi1, heuristic.DetectWasabi2, heuristic.DetectWhirlpool,
	}
	rapid.Check(t, func(t *rapid.T) {
		x := genTx(t, "tx")
		best, ok := heuristic.CoinJoin(x)
		all := heuristic.CoinJoins(x)
		var found []heuristic.Detection
		for i, d := range dets {
			det, m := d(x)
			if !m {
				continue
			}
			if det.Kind != heuristic.Kind(i+1) || !(det.Confidence > 0 && det.Confidence <= 1) || det.Reason == "" {
				t.Fatalf("detector %d: %+v", i, det)
			}
			found = append(found, det)
			if det.Confidence > best.Confidence {
				t.Fatalf("CoinJoin chose %+v over %+v", best, det)
			}
		}
		tx0, isTx0 := heuristic.DetectWhirlpoolTx0(x)
		if ok != (len(found) > 0 && !isTx0) {
			t.Fatalf("CoinJoin %v, detectors %v, Tx0 %v", ok, found, isTx0)
		}
		if isTx0 {
			if len(all) != 1 || all[0] != tx0 {
				t.Fatalf("CoinJoins %v, Tx0 %v", all, tx0)
			}
		} else if len(all) != len(found) {
			t.Fatalf("CoinJoins %v, detectors %v", all, found)
		} else {
			for _, d := range found {
				if !slices.Contains(all, d) {
					t.Fatalf("CoinJoins %v lacks %v", all, d)
				}
			}
		}
		if p, r, ok := heuristic.Peel(x); ok {
			if p == r || x.Msg.TxOut[p].Value > x.Msg.TxOut[r].Value {
				t.Fatalf("Peel: payment %d, remainder %d", p, r)
			}
		}
	})
}

func TestPropertyChange(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		x := genTx(t, "tx")
		o := genOptions(t, x)
		set := heuristic.Rule(rapid.Uint16Range(0, uint16(heuristic.AllRules)).Draw(t, "rules"))
		_, coinjoin := heuristic.CoinJoin(x)

		// What each rule names alone.
		named := map[heuristic.Rule]int{}
		for r := range set.Each() {
			a, okA := r.Any(x, o)
			b, okB := r.All(x, o)
			if a != b || okA != okB {
				t.Fatalf("%v alone: Any %v %+v, All %v %+v", r, okA, a, okB, b)
			}
			if cand := r.Candidates(x, o); okA != (len(cand) == 1) || okA && cand[0] != a.Index {
				t.Fatalf("%v: candidates %v, named %+v", r, cand, a)
			}
			if okA {
				if coinjoin {
					t.Fatalf("%v names change %d of a CoinJoin", r, a.Index)
				}
				if a.Index < 0 || a.Index >= len(x.Msg.TxOut) || chain.AddressOf(x.Msg.TxOut[a.Index].PkScript).Kind == chain.KindOpReturn {
					t.Fatalf("%v names output %d", r, a.Index)
				}
				named[r] = a.Index
			}
		}

		// Any: the rules that name an output agree on it.
		want, conflict := -1, false
		var reasons heuristic.Rule
		for r, i := range named {
			if want >= 0 && i != want {
				conflict = true
			}
			want = i
			reasons |= r
		}
		got, ok := set.Any(x, o)
		switch {
		case conflict || want < 0:
			if ok {
				t.Fatalf("Any %+v; rules named %v", got, named)
			}
		case !ok || got.Index != want || got.Reasons != reasons:
			t.Fatalf("Any %v %+v; rules named %v", ok, got, named)
		}

		// All: the one output every rule marks.
		all, ok := set.All(x, o)
		if ok {
			if all.Reasons != set&heuristic.AllRules {
				t.Fatalf("All reasons %v of %v", all.Reasons, set)
			}
			for r := range set.Each() {
				if !slices.Contains(r.Candidates(x, o), all.Index) {
					t.Fatalf("All names %d, %v does not mark it", all.Index, r)
				}
			}
			if c := set.Candidates(x, o); len(c) != 1 || c[0] != all.Index {
				t.Fatalf("All names %d, candidates %v", all.Index, c)
			}
		}
		if len(named) > 0 && len(named) == len(slices.Collect(set.Each())) && !conflict && (!ok || all.Index != want) {
			t.Fatalf("every rule names %d, All %v %+v", want, ok, all)
		}
	})
}

func TestPropertyRound(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		v := rapid.Int64Range(1, chain.MaxSatoshi).Draw(t, "v")
		k := heuristic.Round(v)
		if heuristic.Decimals(v)+min(k, 8) != 8 {
			t.Fatalf("Round %d, Decimals %d", k, heuristic.Decimals(v))
		}
		p := int64(1)
		for range k {
			p *= 10
		}
		if v%p != 0 || v%(p*10) == 0 {
			t.Fatalf("Round(%d) = %d", v, k)
		}
	})
}
