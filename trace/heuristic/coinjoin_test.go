package heuristic_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/plumetrace/plume/chain"
	"github.com/plumetrace/plume/trace/heuristic"
)

// Fixtures: each builds the canonical shape of a protocol, with knobs for
// its near misses.

// generic5 has 3 parties (3 inputs) paying 3 x 1,000,000 sat and two
// change outputs: BlockSci's p = ceil(5/2) = 3.
func generic5() *chain.Tx {
	return tx(pay(1, 3, 2_000_000), cat(pay(10, 3, 1_000_000), []io{{wpkh(20), 500_000, nil}, {wpkh(21), 300_000, nil}}))
}

// joinMarket has n parties, one input each, n outputs of denom and
// changes change outputs.
func joinMarket(nIn, n, changes int, denom int64) *chain.Tx {
	outs := pay(100, n, denom)
	for i := range changes {
		outs = append(outs, io{wpkh(200 + i), 1_234_567 + int64(i)*1000, nil})
	}
	return tx(pay(1, nIn, denom*2), outs)
}

// wasabi1 has n parties with two inputs each, n outputs of denom, n
// change outputs and the coordinator's fee; extra adds outputs of
// 2*denom (a second mixing level).
func wasabi1(n int, denom int64, extra int) *chain.Tx {
	outs := pay(100, n, denom)
	outs = append(outs, pay(300, extra, 2*denom)...)
	for i := range n {
		outs = append(outs, io{wpkh(200 + i), 3_000_000 + int64(i)*1111, nil})
	}
	outs = append(outs, io{wpkh(999), 312_345, nil})
	return tx(pay(1, 2*n, 15_000_000), outs)
}

// wasabi2Outs are 40 outputs at standard denominations and 5 change
// outputs, in descending order, each to its own address.
func wasabi2Outs() []io {
	var vs []int64
	for _, d := range []int64{10_000_000, 8_388_608, 5_000_000, 4_782_969, 2_000_000, 1_594_323, 1_000_000, 531_441} {
		for range 5 {
			vs = append(vs, d)
		}
	}
	vs = append(vs, 7_777_777, 3_333_333, 1_234_567, 600_001, 50_001)
	slices.SortFunc(vs, func(a, b int64) int { return int(b - a) })
	outs := make([]io, len(vs))
	for i, v := range vs {
		outs[i] = io{addr(chain.KindP2TR, 100+i), v, nil}
	}
	return outs
}

func wasabi2(nIn int, outs []io) *chain.Tx { return tx(pay(1, nIn, 10_000_000), outs) }

// stdShare keeps the std largest standard outputs of wasabi2Outs and adds
// 9 smaller non-standard ones.
func stdShare(std int) []io {
	var outs []io
	for _, o := range wasabi2Outs() {
		if heuristic.IsStandardDenomination(o.v) && len(outs) < std {
			outs = append(outs, o)
		}
	}
	for i, v := range []int64{400_001, 399_999, 300_001, 299_999, 200_001, 100_001, 90_001, 80_001, 70_001} {
		outs = append(outs, io{wpkh(990 + i), v, nil})
	}
	return outs
}

// whirl has n inputs, fresh of them new entrants paying d+eps, the rest
// remixers at d, and n outputs of d.
func whirl(n, fresh int, d, eps int64) *chain.Tx {
	ins := pay(1, n, d)
	for i := range fresh {
		ins[i].v = d + eps
	}
	return tx(ins, pay(100, n, d))
}

// tx0 splits one coin into premix outputs of the 0.01 BTC pool (d + 1,200
// sat), with the coordinator's data carrier and fee and a change output.
func tx0(premix int, extra ...io) *chain.Tx {
	outs := []io{opReturn(1, 2, 3, 4)}
	outs = append(outs, pay(100, premix, 1_001_200)...)
	outs = append(outs, io{wpkh(900), 50_000, nil}, io{wpkh(901), 4_900_000, nil})
	return tx([]io{{wpkh(1), 10_000_000, nil}}, append(outs, extra...))
}

func TestDetectors(t *testing.T) {
	type detector = func(*chain.Tx) (heuristic.Detection, bool)
	dets := map[heuristic.Kind]detector{
		heuristic.Generic:      heuristic.DetectGeneric,
		heuristic.JoinMarket:   heuristic.DetectJoinMarket,
		heuristic.Wasabi1:      heuristic.DetectWasabi1,
		heuristic.Wasabi2:      heuristic.DetectWasabi2,
		heuristic.Whirlpool:    heuristic.DetectWhirlpool,
		heuristic.WhirlpoolTx0: heuristic.DetectWhirlpoolTx0,
	}
	w2 := func(edit func([]io) []io) *chain.Tx { return wasabi2(50, edit(wasabi2Outs())) }
	unresolved := generic5()
	unresolved.Prevouts[1] = chain.Prevout{}
	sameAddr := generic5()
	sameAddr.Prevouts[1].Addr = sameAddr.Prevouts[0].Addr
	cases := []struct {
		name string
		tx   *chain.Tx
		det  heuristic.Kind // the detector under test
		want bool
	}{
		// BlockSci's generic rule.
		{"generic: 3 of 5 equal", generic5(), heuristic.Generic, true},
		{"generic: one input short", tx(pay(1, 2, 2_000_000), generic5Outs()), heuristic.Generic, false},
		{"generic: 3 inputs from 2 addresses", sameAddr, heuristic.Generic, false},
		{"generic: 4 of 5 equal", tx(pay(1, 3, 2e6), cat(pay(10, 4, 1e6), pay(20, 1, 5e5))), heuristic.Generic, false},
		{"generic: 2 of 5 equal", tx(pay(1, 3, 2e6), cat(pay(10, 2, 1e6), pay(20, 1, 5e5), pay(30, 1, 4e5), pay(40, 1, 3e5))), heuristic.Generic, false},
		{"generic: 546 sat dust", tx(pay(1, 3, 2e6), cat(pay(10, 3, 546), pay(20, 1, 5e5), pay(30, 1, 4e5))), heuristic.Generic, false},
		{"generic: 2730 sat dust", tx(pay(1, 3, 2e6), cat(pay(10, 3, 2730), pay(20, 1, 5e5), pay(30, 1, 4e5))), heuristic.Generic, false},
		{"generic: dust tie with a real value", tx(pay(1, 2, 2e6), cat(pay(10, 2, 546), pay(20, 2, 1e6))), heuristic.Generic, true},
		{"generic: two outputs", tx(pay(1, 3, 2e6), pay(10, 2, 1e6)), heuristic.Generic, false},
		{"generic: one input", tx(pay(1, 1, 9e6), pay(10, 3, 1e6)), heuristic.Generic, false},
		{"generic: OP_RETURN counts as an output", tx(pay(1, 2, 2e6), cat(pay(10, 2, 1e6), []io{opReturn(7)})), heuristic.Generic, true},
		{"generic: unresolved input", unresolved, heuristic.Generic, false},
		{"generic: coinbase", coinbase(pay(10, 3, 1e6)), heuristic.Generic, false},

		// JoinMarket.
		{"joinmarket: 4 parties with change", joinMarket(4, 4, 3, 2_500_000), heuristic.JoinMarket, true},
		{"joinmarket: 2 parties", joinMarket(4, 2, 2, 2_500_000), heuristic.JoinMarket, false},
		{"joinmarket: no change", joinMarket(4, 4, 0, 2_500_000), heuristic.JoinMarket, false},
		{"joinmarket: fewer input addresses than parties", joinMarket(3, 4, 3, 2_500_000), heuristic.JoinMarket, false},
		{"joinmarket: denomination at 2730 sat", joinMarket(4, 4, 3, 2730), heuristic.JoinMarket, false},
		{"joinmarket: output address repeats", tx(pay(1, 4, 5e6), cat(pay(100, 4, 2_500_000), pay(100, 1, 1_234_567))), heuristic.JoinMarket, false},
		{"joinmarket: equal outputs a minority", joinMarket(4, 3, 4, 2_500_000), heuristic.JoinMarket, false},
		{"joinmarket: 60 inputs, 3 parties", joinMarket(60, 3, 3, 2_500_000), heuristic.JoinMarket, true},
		{"joinmarket: 61 inputs, 3 parties", joinMarket(61, 3, 3, 2_500_000), heuristic.JoinMarket, false},
		{"joinmarket: 50 inputs, 1.7 outputs a party", joinMarket(50, 10, 7, 2_500_000), heuristic.JoinMarket, true},
		{"joinmarket: 50 inputs, 1.6 outputs a party", joinMarket(50, 10, 6, 2_500_000), heuristic.JoinMarket, false},

		// Wasabi 1.x.
		{"wasabi1: 12 parties at 0.1 BTC", wasabi1(12, 10_000_000, 0), heuristic.Wasabi1, true},
		{"wasabi1: 0.097 BTC round", wasabi1(12, 9_700_000, 0), heuristic.Wasabi1, true},
		{"wasabi1: with a mixing level", wasabi1(12, 10_000_000, 3), heuristic.Wasabi1, true},
		{"wasabi1: 10 equal outputs", wasabi1(10, 10_000_000, 0), heuristic.Wasabi1, true},
		{"wasabi1: 9 equal outputs", wasabi1(9, 10_000_000, 0), heuristic.Wasabi1, false},
		{"wasabi1: 0.11 BTC is outside 5%", wasabi1(12, 11_000_000, 0), heuristic.Wasabi1, false},
		{"wasabi1: 0.094 BTC is outside 5%", wasabi1(12, 9_400_000, 0), heuristic.Wasabi1, false},
		{"wasabi1: one address spends 3 of 24 inputs", wasabi1Top(), heuristic.Wasabi1, false},
		{"wasabi1: no coordinator fee", tx(pay(1, 12, 15e6), pay(100, 12, 10_000_000)), heuristic.Wasabi1, false},
		{"wasabi1: more than 7 inputs a party", tx(pay(1, 85, 15e6), cat(pay(100, 12, 10_000_000), pay(200, 1, 312_345))), heuristic.Wasabi1, false},

		// Wasabi 2.0.
		{"wasabi2: 50 inputs, 40 of 45 standard", wasabi2(50, wasabi2Outs()), heuristic.Wasabi2, true},
		{"wasabi2: 49 inputs", wasabi2(49, wasabi2Outs()), heuristic.Wasabi2, false},
		{"wasabi2: an output below 5,000 sat", w2(func(o []io) []io { return append(o, io{wpkh(999), 4_999, nil}) }), heuristic.Wasabi2, false},
		{"wasabi2: outputs not in order", w2(func(o []io) []io { o[4], o[5] = o[5], o[4]; return o }), heuristic.Wasabi2, false},
		{"wasabi2: exactly 80% standard", wasabi2(50, stdShare(36)), heuristic.Wasabi2, false},
		{"wasabi2: just above 80% standard", wasabi2(50, stdShare(37)), heuristic.Wasabi2, true},
		{"wasabi2: output address repeats", w2(func(o []io) []io { o[1].a = o[0].a; return o }), heuristic.Wasabi2, false},

		// Whirlpool.
		{"whirlpool: 5x5 at 0.01 BTC", whirl(5, 2, 1_000_000, 1_700), heuristic.Whirlpool, true},
		{"whirlpool: 5x5 at 0.001 BTC", whirl(5, 1, 100_000, 100), heuristic.Whirlpool, true},
		{"whirlpool: 5x5 at 0.5 BTC, 4 new entrants", whirl(5, 4, 50_000_000, 110_000), heuristic.Whirlpool, true},
		{"whirlpool: 4 participants", whirl(4, 2, 1_000_000, 1_700), heuristic.Whirlpool, false},
		{"whirlpool: 6 participants", whirl(6, 2, 1_000_000, 1_700), heuristic.Whirlpool, false},
		{"whirlpool: 0.02 BTC is no pool", whirl(5, 2, 2_000_000, 1_700), heuristic.Whirlpool, false},
		{"whirlpool: no remixer", whirl(5, 5, 1_000_000, 1_700), heuristic.Whirlpool, false},
		{"whirlpool: no new entrant", whirl(5, 0, 1_000_000, 1_700), heuristic.Whirlpool, false},
		{"whirlpool: entrant pays 99 sat", whirl(5, 2, 1_000_000, 99), heuristic.Whirlpool, false},
		{"whirlpool: entrant pays 110,001 sat", whirl(5, 2, 1_000_000, 110_001), heuristic.Whirlpool, false},
		{"whirlpool: input address repeats", tx(append(pay(1, 4, 1_000_000), io{wpkh(1), 1_001_700, nil}), pay(100, 5, 1_000_000)), heuristic.Whirlpool, false},
		{"whirlpool: one output differs", tx(whirlIns(), append(pay(100, 4, 1_000_000), io{wpkh(200), 999_999, nil})), heuristic.Whirlpool, false},

		// Whirlpool Tx0.
		{"tx0: 5 premix outputs", tx0(5), heuristic.WhirlpoolTx0, true},
		{"tx0: 1 premix output", tx0(1), heuristic.WhirlpoolTx0, true},
		{"tx0: 70 premix outputs", tx0(70), heuristic.WhirlpoolTx0, true},
		{"tx0: 71 premix outputs", tx0(71), heuristic.WhirlpoolTx0, false},
		{"tx0: a second data carrier", tx0(5, opReturn(9)), heuristic.WhirlpoolTx0, false},
		{"tx0: no data carrier", tx([]io{{wpkh(1), 10_000_000, nil}}, cat(pay(100, 5, 1_001_200), pay(900, 1, 50_000))), heuristic.WhirlpoolTx0, false},
		{"tx0: a second output in the fee band", tx0(5, io{wpkh(902), 60_000, nil}), heuristic.WhirlpoolTx0, false},
		{"tx0: three outputs besides the premix", tx0(5, io{wpkh(902), 7_000_000, nil}), heuristic.WhirlpoolTx0, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d, ok := dets[c.det](c.tx)
			if ok != c.want {
				t.Fatalf("%v detector: %v (%+v), want %v", c.det, ok, d, c.want)
			}
			if !ok {
				return
			}
			if d.Kind != c.det || d.Confidence <= 0 || d.Confidence > 1 || d.Reason == "" || d.Participants < 1 {
				t.Errorf("detection %+v", d)
			}
		})
	}
}

// tx0Multi is a Tx0 spending four coins into four premix outputs: the
// generic and JoinMarket rules alone take it for a CoinJoin.
func tx0Multi() *chain.Tx {
	t := tx0(4)
	t2 := tx(pay(1, 4, 3_000_000), nil)
	t2.Msg.TxOut = t.Msg.TxOut
	return t2
}

func generic5Outs() []io {
	return cat(pay(10, 3, 1_000_000), []io{{wpkh(20), 500_000, nil}, {wpkh(21), 300_000, nil}})
}

func whirlIns() []io {
	return cat(pay(1, 3, 1_000_000), pay(10, 2, 1_001_700))
}

// wasabi1Top is a Wasabi 1 round in which one address spends 3 of the 24
// inputs, more than GraphSense's tenth.
func wasabi1Top() *chain.Tx {
	t := wasabi1(12, 10_000_000, 0)
	t.Prevouts[1].Addr = t.Prevouts[0].Addr
	t.Prevouts[2].Addr = t.Prevouts[0].Addr
	return t
}

// TestCoinJoinStrongest checks which detection CoinJoin prefers when
// several match.
func TestCoinJoinStrongest(t *testing.T) {
	if _, ok := heuristic.DetectJoinMarket(tx0Multi()); !ok {
		t.Error("the four-coin Tx0 does not pass JoinMarket's rule alone")
	}
	cases := []struct {
		name string
		tx   *chain.Tx
		want heuristic.Kind
		all  []heuristic.Kind
	}{
		{"generic only", tx(pay(1, 2, 2e6), cat(pay(10, 2, 1e6), pay(20, 1, 5e5))), heuristic.Generic, []heuristic.Kind{heuristic.Generic}},
		{"joinmarket beats generic", generic5(), heuristic.JoinMarket, []heuristic.Kind{heuristic.JoinMarket, heuristic.Generic}},
		{"wasabi1 beats joinmarket", wasabi1(12, 10_000_000, 0), heuristic.Wasabi1, nil},
		{"wasabi2", wasabi2(50, wasabi2Outs()), heuristic.Wasabi2, nil},
		{"whirlpool", whirl(5, 2, 1_000_000, 1_700), heuristic.Whirlpool, []heuristic.Kind{heuristic.Whirlpool}},
		{"tx0 is no coinjoin", tx0(5), heuristic.None, []heuristic.Kind{heuristic.WhirlpoolTx0}},
		{"tx0 vetoes joinmarket", tx0Multi(), heuristic.None, []heuristic.Kind{heuristic.WhirlpoolTx0}},
		{"payment", tx(pay(1, 1, 5e6), pay(10, 2, 2e6)), heuristic.None, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d, ok := heuristic.CoinJoin(c.tx)
			if d.Kind != c.want || ok != (c.want != heuristic.None) {
				t.Fatalf("CoinJoin: %v %+v, want %v", ok, d, c.want)
			}
			all := heuristic.CoinJoins(c.tx)
			var kinds []heuristic.Kind
			for _, d := range all {
				kinds = append(kinds, d.Kind)
			}
			if c.all != nil && !slices.Equal(kinds, c.all) {
				t.Errorf("CoinJoins: %v, want %v", kinds, c.all)
			}
			if ok && (len(all) == 0 || all[0] != d) {
				t.Errorf("CoinJoins starts with %v, CoinJoin said %+v", kinds, d)
			}
		})
	}
}

// TestWasabi1Confidence checks GraphSense's confidence formula: one input
// per party gives 1, two give 0.5 + 0.5*(1/2 - 1/7)/(6/7).
func TestWasabi1Confidence(t *testing.T) {
	d, ok := heuristic.DetectWasabi1(wasabi1(12, 10_000_000, 0))
	if want := 0.5 + 0.5*(0.5-1.0/7)/(6.0/7); !ok || d.Confidence < want-1e-9 || d.Confidence > want+1e-9 {
		t.Errorf("two inputs a party: %v %+v, want confidence %v", ok, d, want)
	}
	if !strings.Contains(d.Reason, "Wasabi 1.0") || d.Denomination != 10_000_000 || d.Participants != 12 {
		t.Errorf("detection %+v", d)
	}
	d, ok = heuristic.DetectWasabi1(wasabi1(12, 10_000_000, 3))
	if !ok || !strings.Contains(d.Reason, "Wasabi 1.1") {
		t.Errorf("with a level: %v %+v", ok, d)
	}
	one := tx(pay(1, 12, 15e6), cat(pay(100, 12, 10_000_000), pay(200, 11, 3_000_000+7), pay(300, 1, 312_345)))
	for i := range one.Msg.TxOut[12:23] {
		one.Msg.TxOut[12+i].Value += int64(i) * 1111
	}
	if d, ok := heuristic.DetectWasabi1(one); !ok || d.Confidence != 1 {
		t.Errorf("one input a party: %v %+v, want confidence 1", ok, d)
	}
}

// TestStandardDenominations compares IsStandardDenomination with the 79
// values WalletWasabi lists (BlockchainAnalyzer.StdDenoms).
func TestStandardDenominations(t *testing.T) {
	want := []int64{
		5000, 6561, 8192, 10000, 13122, 16384, 19683, 20000, 32768, 39366, 50000, 59049, 65536, 100000, 118098,
		131072, 177147, 200000, 262144, 354294, 500000, 524288, 531441, 1000000, 1048576, 1062882, 1594323, 2000000,
		2097152, 3188646, 4194304, 4782969, 5000000, 8388608, 9565938, 10000000, 14348907, 16777216, 20000000,
		28697814, 33554432, 43046721, 50000000, 67108864, 86093442, 100000000, 129140163, 134217728, 200000000,
		258280326, 268435456, 387420489, 500000000, 536870912, 774840978, 1000000000, 1073741824, 1162261467,
		2000000000, 2147483648, 2324522934, 3486784401, 4294967296, 5000000000, 6973568802, 8589934592, 10000000000,
		10460353203, 17179869184, 20000000000, 20920706406, 31381059609, 34359738368, 50000000000, 62762119218,
		68719476736, 94143178827, 100000000000, 137438953472,
	}
	var got []int64
	// Every standard value is a power of 2 or 3 times 1, 2 or 5: walking
	// those series up to the bound finds every candidate.
	for _, base := range []int64{2, 3, 10} {
		for p := int64(1); p <= 1<<37; p *= base {
			for _, m := range []int64{1, 2, 5} {
				if v := p * m; heuristic.IsStandardDenomination(v) && !slices.Contains(got, v) {
					got = append(got, v)
				}
			}
		}
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("got %d values %v\nwant %d", len(got), got, len(want))
	}
	for _, v := range []int64{4999, 6000, 7000, 12345, 1 << 38, 3 * 1_000_000, 0, -8192} {
		if heuristic.IsStandardDenomination(v) {
			t.Errorf("%d is standard", v)
		}
	}
}
