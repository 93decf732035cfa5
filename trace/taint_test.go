package trace_test

import (
	"context"
	"maps"
	"reflect"
	"testing"

	"github.com/plumetrace/plume/chain"
	"github.com/plumetrace/plume/graph"
	"github.com/plumetrace/plume/internal/flowtest"
	"github.com/plumetrace/plume/trace"
)

// regionFlow is a source holding every transaction of a world, so Follow
// can trace any part of it.
func regionFlow(w *flowtest.World) *graph.Flow {
	var ms []graph.Member
	for _, tx := range w.Txs {
		ms = append(ms, graph.Member{Tx: tx})
	}
	return graph.New(chain.Regtest, true, nil, ms)
}

func follow(t testing.TB, src trace.Source, seeds ...trace.Seed) *trace.Result {
	t.Helper()
	res, err := trace.Follow(context.Background(), src, seeds, trace.Options{Params: chain.Regtest})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func taintOf(t testing.TB, res *trace.Result, m trace.Model, exits map[chain.Address]string) *trace.Taint {
	t.Helper()
	tn, err := trace.ComputeTaint(res, trace.TaintOptions{Model: m, Exits: exits})
	if err != nil {
		t.Fatal(err)
	}
	return tn
}

// TestTaintHandChecked splits one transaction under every model, worked
// out by hand. Inputs, in order: 3 BTC fully stolen, 2 BTC clean, 1 BTC of
// which 0.5 BTC is stolen (a seed with a stated amount). Outputs: 1.5,
// 4.0 and 0.4 BTC; fee 0.1 BTC. 3.5 BTC of the 6 BTC in is stolen.
func TestTaintHandChecked(t *testing.T) {
	const btc = flowtest.BTC
	w := flowtest.NewWorld()
	a := w.Tx(100, 1, nil, flowtest.Pay{To: flowtest.Addr(1), Value: 3 * btc})
	b := w.Tx(100, 2, nil, flowtest.Pay{To: flowtest.Addr(2), Value: 2 * btc})
	c := w.Tx(100, 3, nil, flowtest.Pay{To: flowtest.Addr(3), Value: 1 * btc})
	x := w.Tx(101, 1, []chain.OutPoint{a.ID.Out(0), b.ID.Out(0), c.ID.Out(0)},
		flowtest.Pay{To: flowtest.Addr(4), Value: 150_000_000},
		flowtest.Pay{To: flowtest.Addr(5), Value: 400_000_000},
		flowtest.Pay{To: flowtest.Addr(6), Value: 40_000_000})
	partial := trace.OutSeed(c.Hash, 0)
	partial.Amount = btc / 2
	res := follow(t, regionFlow(w), trace.OutSeed(a.Hash, 0), partial)
	i := res.Index(x.ID)
	if i < 0 || res.Contains(b.ID) {
		t.Fatalf("flow: %d txs, x at %d", res.Len(), i)
	}
	for _, tc := range []struct {
		m        trace.Model
		outs     [3]int64
		fee      int64
		absorbed int64
	}{
		// Every output and the fee, whole; the 2.5 BTC of clean input with it.
		{trace.Poison, [3]int64{150_000_000, 400_000_000, 40_000_000}, 10_000_000, 250_000_000},
		// 3.5/6 of each: 87,500,000; 233,333,333.3; 23,333,333.3; fee
		// 5,833,333.3; the satoshi left over goes to the first of the equal
		// remainders.
		{trace.Haircut, [3]int64{87_500_000, 233_333_334, 23_333_333}, 5_833_333, 0},
		// Input line [0,3) stolen, [3,5) clean, [5,5.5) stolen, [5.5,6)
		// clean; outputs [0,1.5), [1.5,5.5), [5.5,5.9), fee [5.9,6).
		{trace.FIFO, [3]int64{150_000_000, 200_000_000, 0}, 0, 0},
		// Reversed: [0,0.5) stolen, [0.5,1) clean, [1,3) clean, [3,6)
		// stolen.
		{trace.LIFO, [3]int64{50_000_000, 250_000_000, 40_000_000}, 10_000_000, 0},
		// All 3.5 BTC to the 4 BTC output.
		{trace.TIHO, [3]int64{0, 350_000_000, 0}, 0, 0},
	} {
		t.Run(tc.m.String(), func(t *testing.T) {
			tn := taintOf(t, res, tc.m, nil)
			for v, want := range tc.outs {
				if got := tn.Output(x.ID.Out(uint32(v))); got != want {
					t.Errorf("output %d: %d, want %d", v, got, want)
				}
			}
			tt := tn.Tx(i)
			if tt.Fee != tc.fee || tt.In != 350_000_000 || tt.Absorbed != tc.absorbed || tt.Injected != 0 {
				t.Errorf("tx: %+v, want fee %d, in 350000000, absorbed %d", tt, tc.fee, tc.absorbed)
			}
			if got := tn.Output(c.ID.Out(0)); got != btc/2 {
				t.Errorf("partial seed holds %d, want %d", got, btc/2)
			}
			tot := tn.Totals()
			if tot.Injected != 350_000_000 || tot.Fees != tc.fee || tot.Held+tot.Fees != tot.Injected+tot.Absorbed {
				t.Errorf("totals %+v", tot)
			}
			// Per address: addresses 4, 5 and 6 each received one output
			// of x, unspent, so they hold what they received, and their
			// share is that output's (e.g. haircut's 233,333,334 of 4 BTC
			// at address 5). Address 1 received the 3 stolen BTC and
			// spent them; address 3 the 1 BTC seed, half stolen, and spent
			// it; address 2 is outside the flow.
			for _, a := range []struct {
				addr int
				want trace.AddrTaint
			}{
				{1, trace.AddrTaint{Value: 3 * btc, Received: 3 * btc}},
				{2, trace.AddrTaint{}},
				{3, trace.AddrTaint{Value: btc, Received: btc / 2}},
				{4, trace.AddrTaint{Value: 150_000_000, Received: tc.outs[0], Held: tc.outs[0]}},
				{5, trace.AddrTaint{Value: 400_000_000, Received: tc.outs[1], Held: tc.outs[1]}},
				{6, trace.AddrTaint{Value: 40_000_000, Received: tc.outs[2], Held: tc.outs[2]}},
			} {
				got := tn.Address(flowtest.Addr(a.addr))
				wantShare := 0.0
				if a.want.Value > 0 {
					wantShare = float64(a.want.Received) / float64(a.want.Value)
				}
				if got != a.want || got.Share() != wantShare {
					t.Errorf("address %d: %+v share %v, want %+v share %v", a.addr, got, got.Share(), a.want, wantShare)
				}
			}
		})
	}
}

// TestTaintExits checks that an exit counts the taint it receives once,
// with the path from the seed, and passes nothing on.
func TestTaintExits(t *testing.T) {
	const btc = flowtest.BTC
	w := flowtest.NewWorld()
	exchange := flowtest.Addr(99)
	s := w.Tx(10, 1, nil, flowtest.Pay{To: flowtest.Addr(1), Value: 10 * btc})
	m := w.Tx(11, 1, []chain.OutPoint{s.ID.Out(0)}, flowtest.Pay{To: exchange, Value: 4 * btc}, flowtest.Pay{To: flowtest.Addr(2), Value: 6 * btc})
	sweep := w.Tx(12, 1, []chain.OutPoint{m.ID.Out(0)}, flowtest.Pay{To: flowtest.Addr(3), Value: 4 * btc})
	res := follow(t, regionFlow(w), trace.OutSeed(s.Hash, 0))
	for _, model := range trace.Models() {
		tn := taintOf(t, res, model, map[chain.Address]string{exchange: "exchange"})
		es := tn.Exits()
		if len(es) != 1 || es[0].Taint != 4*btc || es[0].Label != "exchange" || es[0].Hop != 1 || len(es[0].Path) != 2 || es[0].Path[0].ID != s.ID {
			t.Fatalf("%v: exits %+v", model, es)
		}
		if got := tn.Output(sweep.ID.Out(0)); got != 0 {
			t.Errorf("%v: the exchange's sweep carries %d of taint, want 0", model, got)
		}
		tot := tn.Totals()
		if tot.Exited != 4*btc || tot.Held != 6*btc || tot.Injected != 10*btc {
			t.Errorf("%v: totals %+v", model, tot)
		}
		if h := tn.Holders(); len(h) != 1 || h[0].Addr != flowtest.Addr(2) || h[0].Taint != 6*btc {
			t.Errorf("%v: holders %+v", model, h)
		}
		// The exchange received 4 stolen BTC and holds none of it (what
		// reaches an exit is not held); the sweep's payee received 4
		// clean BTC.
		if a := tn.Address(exchange); a != (trace.AddrTaint{Value: 4 * btc, Received: 4 * btc}) || a.Share() != 1 {
			t.Errorf("%v: exchange %+v share %v", model, a, a.Share())
		}
		if a := tn.Address(flowtest.Addr(3)); a != (trace.AddrTaint{Value: 4 * btc}) || a.Share() != 0 {
			t.Errorf("%v: sweep payee %+v share %v", model, a, a.Share())
		}
	}
}

func TestParseModel(t *testing.T) {
	for _, m := range trace.Models() {
		if got, err := trace.ParseModel(m.String()); err != nil || got != m {
			t.Errorf("ParseModel(%q) = %v, %v", m, got, err)
		}
	}
	if _, err := trace.ParseModel("fifo2"); err == nil {
		t.Error("ParseModel accepted fifo2")
	}
	if got, _ := trace.ParseModel("TIHO"); got != trace.TIHO {
		t.Error("ParseModel is case-sensitive")
	}
}

// TestTaintOptions checks that a taint reports the options it was computed
// with, every field, and still does after the caller reuses its exits map
// and after a caller changes the map Options returned.
func TestTaintOptions(t *testing.T) {
	reg := flowtest.Random(3, 40)
	seed := reg.Seeds[0]
	res := follow(t, regionFlow(reg.World), trace.OutSeed(reg.World.Txs[seed.Tx].Hash, seed.Vout))
	a, b := flowtest.Addr(1), flowtest.Addr(2)
	for _, tc := range []struct {
		name string
		opts trace.TaintOptions
	}{
		{"zero", trace.TaintOptions{}},
		{"tiho-stop", trace.TaintOptions{Model: trace.TIHO, Exits: map[chain.Address]string{a: "exchange", b: "mixer"}, CoinJoins: trace.CoinJoinStop}},
		{"fifo-haircut", trace.TaintOptions{Model: trace.FIFO, Exits: map[chain.Address]string{}, CoinJoins: trace.CoinJoinHaircut}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want := tc.opts
			want.Exits = maps.Clone(tc.opts.Exits)
			tn, err := trace.ComputeTaint(res, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			if got := tn.Options(); !reflect.DeepEqual(got, want) {
				t.Fatalf("Options() = %+v, computed with %+v", got, want)
			}
			if tc.opts.Exits != nil {
				tc.opts.Exits[flowtest.Addr(3)] = "added later"
				tn.Options().Exits[a] = "changed by a reader"
			}
			if got := tn.Options(); !reflect.DeepEqual(got, want) {
				t.Errorf("after the maps changed, Options() = %+v, computed with %+v", got, want)
			}
		})
	}
}
