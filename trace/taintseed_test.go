package trace_test

import (
	"testing"

	"github.com/plumetrace/plume/chain"
	"github.com/plumetrace/plume/internal/flowtest"
	"github.com/plumetrace/plume/trace"
)

// TestTaintSeeds checks how each kind of seed puts taint into the flow:
// address seeds within a window and up to a stated amount, transaction
// seeds, and overlapping seeds, which count once, at the largest claim.
// The world: address A receives
//
//	r1:0  3   BTC at block 10
//	r2:1  1.5 BTC at block 20 (r2:0 pays 1 BTC to another address)
//	r2:2  0.5 BTC at block 20
//	r3:0  4   BTC at block 30
//
// 9 BTC in all, none of it spent; and T, at block 50, spends a clean
// 7 BTC coinbase into 1, 2 and 3.9 BTC with a 0.1 BTC fee. Nothing spends
// a seed, so every model gives the same numbers.
func TestTaintSeeds(t *testing.T) {
	const btc = flowtest.BTC
	w := flowtest.NewWorld()
	a := flowtest.Addr(1)
	r1 := w.Tx(10, 1, nil, flowtest.Pay{To: a, Value: 3 * btc})
	r2 := w.Tx(20, 1, nil, flowtest.Pay{To: flowtest.Addr(7), Value: btc},
		flowtest.Pay{To: a, Value: 150_000_000}, flowtest.Pay{To: a, Value: 50_000_000})
	r3 := w.Tx(30, 1, nil, flowtest.Pay{To: a, Value: 4 * btc})
	cb := w.Tx(45, 1, nil, flowtest.Pay{To: flowtest.Addr(8), Value: 7 * btc})
	tx := w.Tx(50, 1, []chain.OutPoint{cb.ID.Out(0)}, flowtest.Pay{To: flowtest.Addr(9), Value: btc},
		flowtest.Pay{To: flowtest.Addr(10), Value: 2 * btc}, flowtest.Pay{To: flowtest.Addr(11), Value: 390_000_000})
	src := regionFlow(w)

	addr := func(amount int64, from, to int32) trace.Seed {
		s := trace.AddressSeed(a)
		s.Amount = amount
		if from > 0 {
			s.From = flowtest.BlockTime(from)
		}
		if to > 0 {
			s.To = flowtest.BlockTime(to)
		}
		return s
	}
	out := func(x *chain.Tx, v uint32, amount int64) trace.Seed {
		s := trace.OutSeed(x.Hash, v)
		s.Amount = amount
		return s
	}
	txSeed := func(amount int64) trace.Seed {
		s := trace.TxSeed(tx.Hash)
		s.Amount = amount
		return s
	}
	var (
		o1, o21, o22, o3 = r1.ID.Out(0), r2.ID.Out(1), r2.ID.Out(2), r3.ID.Out(0)
		t0, t1, t2       = tx.ID.Out(0), tx.ID.Out(1), tx.ID.Out(2)
	)
	for _, tc := range []struct {
		name  string
		seeds []trace.Seed
		want  map[chain.OutPoint]int64 // every other flow output: 0
	}{
		// (a) Overlaps. The amount seed gives 3, 1.5, 0.5 and 1 (6 BTC);
		// the outpoint seed claims r3:0 whole, 4 BTC, the larger claim:
		// 9 BTC in all, not 6 + 4.
		{"address and outpoint", []trace.Seed{addr(6*btc, 0, 0), out(r3, 0, 0)},
			map[chain.OutPoint]int64{o1: 3 * btc, o21: 150_000_000, o22: 50_000_000, o3: 4 * btc}},
		// The same, the outpoint's claim (0.5) now the smaller: r3:0
		// keeps the address seed's 1 BTC; 6 BTC in all, not 6.5.
		{"outpoint claims less", []trace.Seed{out(r3, 0, btc/2), addr(6*btc, 0, 0)},
			map[chain.OutPoint]int64{o1: 3 * btc, o21: 150_000_000, o22: 50_000_000, o3: btc}},
		// The same address twice: 9 BTC, not 18.
		{"address twice", []trace.Seed{trace.AddressSeed(a), trace.AddressSeed(a)},
			map[chain.OutPoint]int64{o1: 3 * btc, o21: 150_000_000, o22: 50_000_000, o3: 4 * btc}},
		// Up to block 20 (r1, r2: 5 BTC) and from block 20 (r2, r3:
		// 6 BTC) overlap at r2: 9 BTC, not 11.
		{"overlapping windows", []trace.Seed{addr(0, 0, 20), addr(0, 20, 0)},
			map[chain.OutPoint]int64{o1: 3 * btc, o21: 150_000_000, o22: 50_000_000, o3: 4 * btc}},
		// A whole address and 1 BTC of it: r1:0 is claimed for 3 and for
		// 1, and counts 3; 9 BTC in all.
		{"whole and amount", []trace.Seed{addr(btc, 0, 0), trace.AddressSeed(a)},
			map[chain.OutPoint]int64{o1: 3 * btc, o21: 150_000_000, o22: 50_000_000, o3: 4 * btc}},

		// (b) An amount spread in chain order, the last output in part:
		// 4.7 BTC = 3 (r1:0) + 1.5 (r2:1) + 0.2 of r2:2; r3:0 none.
		{"amount spread", []trace.Seed{addr(470_000_000, 0, 0)},
			map[chain.OutPoint]int64{o1: 3 * btc, o21: 150_000_000, o22: 20_000_000}},
		// 4 BTC ends inside r2:1, the first output of r2 to pay A.
		{"amount ends in a transaction", []trace.Seed{addr(4*btc, 0, 0)},
			map[chain.OutPoint]int64{o1: 3 * btc, o21: btc}},
		// More than A received: every output whole, 9 BTC, not 20.
		{"amount above the total", []trace.Seed{addr(20*btc, 0, 0)},
			map[chain.OutPoint]int64{o1: 3 * btc, o21: 150_000_000, o22: 50_000_000, o3: 4 * btc}},

		// (c) Up to block 20: r1 and r2, 5 BTC; r3 is not traced.
		{"to", []trace.Seed{addr(0, 0, 20)},
			map[chain.OutPoint]int64{o1: 3 * btc, o21: 150_000_000, o22: 50_000_000}},
		// r3:0 is in the flow through its own seed (1 BTC of it), but
		// the address seed's window ends before it: of its 8 BTC only
		// the 5 it covers are placed, and r3:0 keeps 1 BTC (3 if the
		// window were ignored).
		{"to with the output traced", []trace.Seed{addr(8*btc, 0, 20), out(r3, 0, btc)},
			map[chain.OutPoint]int64{o1: 3 * btc, o21: 150_000_000, o22: 50_000_000, o3: btc}},
		// Blocks 15 to 25: r2 only, 2 BTC of the 9 claimed; r1:0 and
		// r3:0 traced through 1 BTC seeds each keep 1 BTC.
		{"from and to", []trace.Seed{out(r1, 0, btc), addr(9*btc, 15, 25), out(r3, 0, btc)},
			map[chain.OutPoint]int64{o1: btc, o21: 150_000_000, o22: 50_000_000, o3: btc}},

		// (d) A transaction seed: its outputs whole, 6.9 BTC; its clean
		// input leaves the fee clean.
		{"transaction", []trace.Seed{txSeed(0)},
			map[chain.OutPoint]int64{t0: btc, t1: 2 * btc, t2: 390_000_000}},
		// With an amount, in output order: 2.5 = 1 + 1.5 of 2.
		{"transaction amount", []trace.Seed{txSeed(250_000_000)},
			map[chain.OutPoint]int64{t0: btc, t1: 150_000_000}},
		// And an outpoint seed on its last output, which the amount did
		// not reach: 2.5 + 0.5 BTC.
		{"transaction and outpoint", []trace.Seed{txSeed(250_000_000), out(tx, 2, btc/2)},
			map[chain.OutPoint]int64{t0: btc, t1: 150_000_000, t2: btc / 2}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := follow(t, src, tc.seeds...)
			var injected int64
			for _, v := range tc.want {
				injected += v
			}
			for _, m := range trace.Models() {
				tn := taintOf(t, res, m, nil)
				if err := checkTaint(tn); err != nil {
					t.Fatalf("%v: %v", m, err)
				}
				for i := range res.Len() {
					x := res.At(i)
					var txIn int64
					for v := range x.Msg.TxOut {
						o := x.ID.Out(uint32(v))
						if got := tn.Output(o); got != tc.want[o] {
							t.Errorf("%v: %v holds %d, want %d", m, o, got, tc.want[o])
						}
						txIn += tc.want[o]
					}
					if tt := tn.Tx(i); tt.Injected != txIn || tt.Fee != 0 {
						t.Errorf("%v: %v %+v, want %d injected, no tainted fee", m, x.ID, tt, txIn)
					}
				}
				if tot := tn.Totals(); tot.Injected != injected || tot.Held != injected {
					t.Errorf("%v: totals %+v, want %d injected and held", m, tot, injected)
				}
			}
			for o := range tc.want {
				if !res.Contains(o.Tx) {
					t.Errorf("%v is not in the flow", o)
				}
			}
		})
	}
	// The window up to block 20 leaves r3 out of the trace itself.
	if follow(t, src, addr(0, 0, 20)).Contains(r3.ID) {
		t.Error("an address seed up to block 20 traced r3, at block 30")
	}
}
