package heuristic_test

import (
	"math"
	"slices"
	"testing"

	"github.com/plumetrace/plume/chain"
	"github.com/plumetrace/plume/trace/heuristic"
)

// Addresses of the change tests: a and b are inputs, the rest outputs.
var (
	aA, aB = wpkh(1), wpkh(2)
	aC, aD = wpkh(3), wpkh(4)
	aE     = wpkh(5)
)

// two is a one-input payment of 2,000,000 sat with 2,990,000 sat of
// change to d, both to fresh P2WPKH addresses.
func two() *chain.Tx {
	return tx([]io{{aA, 5_000_000, nil}}, []io{{aC, 2_000_000, nil}, {aD, 2_990_000, nil}})
}

// earlier is a TxID before every test transaction; later one after.
var (
	earlier = chain.MakeTxID(700_000, 5)
	later   = chain.MakeTxID(900_000, 5)
)

// withLocktime sets t's locktime and returns it.
func withLocktime(t *chain.Tx, lt uint32) *chain.Tx {
	t.Msg.LockTime = lt
	return t
}

// withFeeRate lowers t's last output so that t pays rate sat/vB (t has
// one input whose value is known).
func withFeeRate(t *chain.Tx, rate float64) *chain.Tx {
	weight := 3*t.Msg.SerializeSizeStripped() + t.Msg.SerializeSize()
	fee := int64(math.Round(rate * float64((weight+3)/4)))
	in, _ := t.InValue()
	last := t.Msg.TxOut[len(t.Msg.TxOut)-1]
	last.Value = in - fee - (t.OutValue() - last.Value)
	return t
}

// spent makes Options whose Spends knows spenders of t's outputs (nil
// entries unknown).
func spent(t *chain.Tx, spenders ...*chain.Tx) *heuristic.Options {
	m := heuristic.SpenderMap{}
	for i, s := range spenders {
		if s != nil {
			m[t.ID.Out(uint32(i))] = s
		}
	}
	return &heuristic.Options{Spends: m}
}

func seen(m heuristic.FirstSeenMap) *heuristic.Options { return &heuristic.Options{History: m} }

type changeCase struct {
	name string
	tx   *chain.Tx
	o    *heuristic.Options
	rule heuristic.Rule
	want int // -1: no change
}

func TestChangeRules(t *testing.T) {
	var cases []changeCase
	add := func(c ...changeCase) { cases = append(cases, c...) }

	add(
		changeCase{"reuse: change back to the input address", tx([]io{{aA, 5e6, nil}}, []io{{aC, 2e6, nil}, {aA, 2_990_000, nil}}), nil, heuristic.AddressReuse, 1},
		changeCase{"reuse: none", two(), nil, heuristic.AddressReuse, -1},
		changeCase{"reuse: two outputs to input addresses", tx([]io{{aA, 5e6, nil}, {aB, 5e6, nil}}, []io{{aA, 1e6, nil}, {aB, 2e6, nil}, {aC, 6e6, nil}}), nil, heuristic.AddressReuse, -1},
		changeCase{"reuse: a self-transfer has no change", tx([]io{{aA, 5e6, nil}, {aB, 5e6, nil}}, []io{{aA, 1e6, nil}, {aB, 8e6, nil}}), nil, heuristic.AddressReuse, -1},

		changeCase{"script: the only P2WPKH output", tx([]io{{aA, 5e6, nil}}, []io{{pkh(3), 2e6, nil}, {aD, 2_990_000, nil}}), nil, heuristic.ScriptType, 1},
		changeCase{"script: taproot wallet", tx([]io{{addr(chain.KindP2TR, 1), 5e6, nil}}, []io{{aC, 2e6, nil}, {addr(chain.KindP2TR, 4), 2_990_000, nil}}), nil, heuristic.ScriptType, 1},
		changeCase{"script: inputs of two kinds", tx([]io{{aA, 5e6, nil}, {pkh(2), 5e6, nil}}, []io{{pkh(3), 2e6, nil}, {aD, 7_990_000, nil}}), nil, heuristic.ScriptType, -1},
		changeCase{"script: both outputs of the inputs' kind", two(), nil, heuristic.ScriptType, -1},

		changeCase{"optimal: the only output below the smallest input", tx([]io{{aA, 3e6, nil}, {aB, 2e6, nil}}, []io{{aC, 4e6, nil}, {aD, 990_000, nil}}), nil, heuristic.OptimalChange, 1},
		changeCase{"optimal: one input, every output below it", two(), nil, heuristic.OptimalChange, -1},
		changeCase{"optimal: no output below the smallest input", tx([]io{{aA, 1e6, nil}, {aB, 5e6, nil}}, []io{{aC, 3e6, nil}, {aD, 2_990_000, nil}}), nil, heuristic.OptimalChange, -1},

		changeCase{"round: 0.01 BTC payment", tx([]io{{aA, 5e6, nil}}, []io{{aC, 1e6, nil}, {aD, 3_990_123, nil}}), nil, heuristic.RoundPayment, 1},
		changeCase{"round: 1.9 BTC payment", tx([]io{{aA, 5 * btc, nil}}, []io{{aC, 190_000_000, nil}, {aD, 309_987_654, nil}}), nil, heuristic.RoundPayment, 1},
		changeCase{"round: both round", tx([]io{{aA, 5e6, nil}}, []io{{aC, 1e6, nil}, {aD, 3e6, nil}}), nil, heuristic.RoundPayment, -1},
		changeCase{"round: 123,000 sat is not round at 10^6", tx([]io{{aA, 5e6, nil}}, []io{{aC, 123_000, nil}, {aD, 4_876_543, nil}}), nil, heuristic.RoundPayment, -1},
		changeCase{"round: 123,000 sat is round at 10^3", tx([]io{{aA, 5e6, nil}}, []io{{aC, 123_000, nil}, {aD, 4_876_543, nil}}), &heuristic.Options{RoundDigits: 3}, heuristic.RoundPayment, 1},
		changeCase{"round: a data carrier is neither", tx([]io{{aA, 5e6, nil}}, []io{opReturn(1), {aC, 1e6, nil}, {aD, 3_990_123, nil}}), nil, heuristic.RoundPayment, 2},

		changeCase{"one-time: the only fresh address", two(), seen(heuristic.FirstSeenMap{aA: earlier, aC: earlier}), heuristic.OneTime, 1},
		changeCase{"one-time: first seen in this transaction", two(), seen(heuristic.FirstSeenMap{aA: earlier, aC: earlier, aD: two().ID}), heuristic.OneTime, 1},
		changeCase{"one-time: no history", two(), nil, heuristic.OneTime, -1},
		changeCase{"one-time: both fresh", two(), seen(heuristic.FirstSeenMap{aA: earlier}), heuristic.OneTime, -1},
		changeCase{"one-time: seen only later is fresh", two(), seen(heuristic.FirstSeenMap{aA: earlier, aC: later}), heuristic.OneTime, -1},
		changeCase{"one-time: self-change", tx([]io{{aA, 5e6, nil}}, []io{{aC, 2e6, nil}, {aD, 1e6, nil}, {aA, 1_990_000, nil}}), seen(heuristic.FirstSeenMap{aA: earlier, aC: earlier}), heuristic.OneTime, -1},
	)

	// GraphSense's one_time_change: two P2WPKH inputs of 3,000,000 and
	// 2,000,000 sat; c is the round payment and d the change.
	gs := func(outs ...io) *chain.Tx { return tx([]io{{aA, 3e6, nil}, {aB, 2e6, nil}}, outs) }
	known := seen(heuristic.FirstSeenMap{aA: earlier, aB: earlier})
	add(
		changeCase{"graphsense: one-time change", gs(io{aC, 3e6, nil}, io{aD, 1_234_567, nil}), known, heuristic.OneTimeGraphSense, 1},
		changeCase{"graphsense: change divisible by 1,000 sat", gs(io{aC, 3e6, nil}, io{aD, 1_234_000, nil}), known, heuristic.OneTimeGraphSense, -1},
		changeCase{"graphsense: change not below the smallest input", gs(io{aC, 2_500_000, nil}, io{aD, 2_000_001, nil}), known, heuristic.OneTimeGraphSense, -1},
		changeCase{"graphsense: change address seen before", gs(io{aC, 3e6, nil}, io{aD, 1_234_567, nil}), seen(heuristic.FirstSeenMap{aD: earlier}), heuristic.OneTimeGraphSense, -1},
		changeCase{"graphsense: change address paid twice", gs(io{aC, 3e6, nil}, io{aD, 1_234_567, nil}, io{aD, 765_433, nil}), known, heuristic.OneTimeGraphSense, -1},
		changeCase{"graphsense: change of another kind", gs(io{aC, 3e6, nil}, io{pkh(4), 1_234_567, nil}), known, heuristic.OneTimeGraphSense, -1},
		changeCase{"graphsense: 11 outputs", gs(append(pay(10, 10, 1000), io{aD, 1_234_567, nil})...), known, heuristic.OneTimeGraphSense, -1},
		changeCase{"graphsense: 10 outputs", gs(append(pay(10, 9, 1000), io{aD, 1_234_567, nil})...), known, heuristic.OneTimeGraphSense, 9},
		changeCase{"graphsense: no history", gs(io{aC, 3e6, nil}, io{aD, 1_234_567, nil}), nil, heuristic.OneTimeGraphSense, -1},
	)

	// Locktime: t sets its locktime; only the spender of output 1 does too.
	lt := withLocktime(two(), 800_000)
	lt0 := withLocktime(spend(lt, 0, 800_010, []io{{aE, 1_990_000, nil}}), 0)
	lt1 := withLocktime(spend(lt, 1, 800_020, []io{{aE, 2_980_000, nil}}), 800_019)
	lt1b := withLocktime(spend(lt, 1, 800_021, []io{{aE, 2_980_000, nil}}), 0)
	add(
		changeCase{"locktime: only output 1's spender sets it", lt, spent(lt, lt0, lt1), heuristic.Locktime, 1},
		changeCase{"locktime: output 0's spender unknown", lt, spent(lt, nil, lt1), heuristic.Locktime, -1},
		changeCase{"locktime: no spenders", lt, nil, heuristic.Locktime, -1},
		changeCase{"locktime: both spenders set it", lt, spent(lt, lt1, lt1), heuristic.Locktime, -1},
		changeCase{"locktime: unset here and in output 0's spender", withLocktime(two(), 0), spent(lt, lt0, lt1), heuristic.Locktime, 0},
		changeCase{"locktime: neither spender sets it", lt, spent(lt, lt0, lt1b), heuristic.Locktime, -1},
	)

	// Fee rate: t pays 10 sat/vB.
	fr := withFeeRate(two(), 10)
	at := func(vout int, rate float64) *chain.Tx {
		return withFeeRate(spend(fr, vout, 800_100+int32(rate*10), []io{{aE, 0, nil}, {wpkh(6), 1000, nil}}), rate)
	}
	add(
		changeCase{"fee rate: output 1's spender pays 11 sat/vB", fr, spent(fr, at(0, 100), at(1, 11)), heuristic.FeeRate, 1},
		changeCase{"fee rate: 13 sat/vB is too far", fr, spent(fr, at(0, 100), at(1, 13)), heuristic.FeeRate, -1},
		changeCase{"fee rate: 13 sat/vB within a wider ratio", fr, &heuristic.Options{Spends: spent(fr, at(0, 100), at(1, 13)).Spends, FeeRateRatio: 1.5}, heuristic.FeeRate, 1},
		changeCase{"fee rate: 8.5 sat/vB", fr, spent(fr, at(0, 3), at(1, 8.5)), heuristic.FeeRate, 1},
		changeCase{"fee rate: output 0's spender unknown", fr, spent(fr, nil, at(1, 11)), heuristic.FeeRate, -1},
		changeCase{"fee rate: both zero", withFeeRate(two(), 0), spent(fr, at(0, 5), at(1, 0)), heuristic.FeeRate, 1},
	)

	// Peel chain: 50 BTC peels 10 BTC, and the 39.99 BTC remainder peels
	// again.
	peel := func(v0, v1 int64) *chain.Tx { return tx([]io{{aA, 50 * btc, nil}}, []io{{aC, v0, nil}, {aD, v1, nil}}) }
	pc := peel(10*btc, 3999*btc/100)
	next := spend(pc, 1, 800_200, []io{{aE, 10 * btc, nil}, {wpkh(6), 2998 * btc / 100, nil}})
	split := spend(pc, 1, 800_201, []io{{aE, 20 * btc, nil}, {wpkh(6), 1998 * btc / 100, nil}})
	three := spend(pc, 1, 800_202, []io{{aE, 1 * btc, nil}, {wpkh(6), 1 * btc, nil}, {wpkh(7), 3796 * btc / 100, nil}})
	smallPeel := spend(pc, 0, 800_203, []io{{aE, 1 * btc, nil}, {wpkh(6), 899 * btc / 100, nil}})
	even := peel(25*btc, 25*btc)
	add(
		changeCase{"peel: the remainder is peeled again", pc, spent(pc, nil, next), heuristic.PeelChain, 1},
		changeCase{"peel: the remainder is split evenly", pc, spent(pc, nil, split), heuristic.PeelChain, -1},
		changeCase{"peel: the remainder pays three outputs", pc, spent(pc, nil, three), heuristic.PeelChain, -1},
		changeCase{"peel: the remainder's spender unknown", pc, spent(pc, smallPeel, nil), heuristic.PeelChain, -1},
		changeCase{"peel: equal outputs", even, spent(even, nil, spend(even, 1, 800_204, []io{{aE, 5 * btc, nil}, {wpkh(6), 19 * btc, nil}})), heuristic.PeelChain, -1},
		changeCase{"peel: two inputs", tx([]io{{aA, 25 * btc, nil}, {aB, 25 * btc, nil}}, []io{{aC, 10 * btc, nil}, {aD, 3999 * btc / 100, nil}}), spent(pc, nil, next), heuristic.PeelChain, -1},
	)

	// No transaction of these shapes has change, whatever the rule.
	cj := tx(pay(1, 3, 2_000_000), cat(pay(10, 3, 1_000_000), []io{{wpkh(1), 500_000, nil}, {wpkh(21), 300_000, nil}}))
	unresolved := tx([]io{{aA, 5e6, nil}, {aB, 1e6, nil}}, []io{{aC, 2e6, nil}, {aA, 3_990_000, nil}})
	unresolved.Prevouts[1].Resolved = false
	for _, c := range []struct {
		name string
		tx   *chain.Tx
	}{
		{"coinbase", coinbase([]io{{aA, 1e6, nil}, {aD, 1_234_567, nil}})},
		{"coinjoin", cj},
		{"unresolved input", unresolved},
		{"one output", tx([]io{{aA, 5e6, nil}}, []io{{aA, 4_990_000, nil}})},
		{"one output beside a data carrier", tx([]io{{aA, 5e6, nil}}, []io{opReturn(1), {aA, 4_990_000, nil}})},
		{"no transaction", nil},
		{"no message", &chain.Tx{}},
	} {
		for r := range heuristic.AllRules.Each() {
			add(changeCase{"no change: " + c.name + ", " + r.String(), c.tx, &heuristic.Options{History: heuristic.FirstSeenMap{}, Spends: heuristic.SpenderMap{}}, r, -1})
		}
	}

	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			any, okAny := c.rule.Any(c.tx, c.o)
			all, okAll := c.rule.All(c.tx, c.o)
			if any != all || okAny != okAll {
				t.Fatalf("one rule: Any %v %+v, All %v %+v", okAny, any, okAll, all)
			}
			got := -1
			if okAny {
				got = any.Index
				if any.Reasons != c.rule {
					t.Errorf("reasons %v, want %v", any.Reasons, c.rule)
				}
			}
			if got != c.want {
				t.Fatalf("%v names %d, want %d (candidates %v)", c.rule, got, c.want, c.rule.Candidates(c.tx, c.o))
			}
			if cand := c.rule.Candidates(c.tx, c.o); okAny != (len(cand) == 1) || okAny && cand[0] != got {
				t.Errorf("candidates %v, named %d", cand, got)
			}
		})
	}
}

// TestChangeCombinations checks All's intersection and Any's agreement.
func TestChangeCombinations(t *testing.T) {
	// Inputs of 3,000,000 sat; output 0 is not below them, output 2 is not
	// P2WPKH: only output 1 is both.
	mixed := tx([]io{{aA, 3e6, nil}, {aB, 3e6, nil}}, []io{{aC, 4e6, nil}, {aD, 1e6, nil}, {pkh(5), 990_000, nil}})
	// Output 1 goes back to an input address and is the only one below
	// the smallest input: both rules name it.
	agree := tx([]io{{aA, 3e6, nil}, {aB, 2e6, nil}}, []io{{aC, 4e6, nil}, {aA, 990_000, nil}})
	// Reuse names output 0, optimal change output 1.
	disagree := tx([]io{{aA, 3e6, nil}, {aB, 2e6, nil}}, []io{{aA, 4e6, nil}, {aD, 990_000, nil}})
	both := heuristic.ScriptType | heuristic.OptimalChange
	pair := heuristic.AddressReuse | heuristic.OptimalChange
	cases := []struct {
		name     string
		tx       *chain.Tx
		rules    heuristic.Rule
		all, any heuristic.Change // Index -1: none
	}{
		{"intersection names what neither does", mixed, both, heuristic.Change{Index: 1, Reasons: both}, heuristic.Change{Index: -1}},
		{"agreement", agree, pair, heuristic.Change{Index: 1, Reasons: pair}, heuristic.Change{Index: 1, Reasons: pair}},
		{"agreement with a rule that cannot tell", agree, pair | heuristic.ScriptType, heuristic.Change{Index: 1, Reasons: pair | heuristic.ScriptType}, heuristic.Change{Index: 1, Reasons: pair}},
		{"agreement with a rule that marks nothing", agree, pair | heuristic.OneTime, heuristic.Change{Index: -1}, heuristic.Change{Index: 1, Reasons: pair}},
		{"disagreement", disagree, pair, heuristic.Change{Index: -1}, heuristic.Change{Index: -1}},
		{"empty set", agree, 0, heuristic.Change{Index: -1}, heuristic.Change{Index: -1}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, m := range []struct {
				name string
				f    func(*chain.Tx, *heuristic.Options) (heuristic.Change, bool)
				want heuristic.Change
			}{{"All", c.rules.All, c.all}, {"Any", c.rules.Any, c.any}} {
				got, ok := m.f(c.tx, nil)
				if !ok {
					got = heuristic.Change{Index: -1}
				}
				if got != m.want || ok != (m.want.Index >= 0) {
					t.Errorf("%s(%v): %v %+v, want %+v", m.name, c.rules, ok, got, m.want)
				}
			}
		})
	}
}

func TestRuleString(t *testing.T) {
	for r, want := range map[heuristic.Rule]string{
		0:                                       "none",
		heuristic.AddressReuse:                  "address-reuse",
		heuristic.OneTime | heuristic.PeelChain: "one-time|peel-chain",
		heuristic.AllRules:                      "address-reuse|script-type|optimal-change|round-payment|one-time|one-time-graphsense|locktime|fee-rate|peel-chain",
		heuristic.FeeRate | 1<<15:               "fee-rate|unknown",
		heuristic.Locktime | heuristic.ScriptType: "script-type|locktime",
	} {
		if got := r.String(); got != want {
			t.Errorf("%#x: %q, want %q", uint16(r), got, want)
		}
	}
	if n := len(slices.Collect(heuristic.AllRules.Each())); n != 9 {
		t.Errorf("AllRules has %d rules", n)
	}
	if !heuristic.AllRules.Has(heuristic.PeelChain|heuristic.OneTime) || heuristic.OneTime.Has(heuristic.AllRules) {
		t.Error("Has")
	}
}
