package trace_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/plumetrace/plume/chain"
	"github.com/plumetrace/plume/internal/flowtest"
	"github.com/plumetrace/plume/trace"
	"github.com/plumetrace/plume/trace/heuristic"
)

// exchange is a hand-made theft that pays deposit addresses D1..D8 1.95
// BTC each in one transaction, a day before the sweeps:
//
//   - S1 sweeps D1 and D2 with 6 customers' deposits into H (a deposit);
//   - S5 sweeps D7 with 4 customers' coins into H, two of them from
//     addresses that had received twice (a deposit, less confident);
//   - S2 sweeps D3 with 3 others: 4 inputs (near miss);
//   - S3 sweeps D4 with 7 others, but 8 days later (near miss);
//   - S4 sweeps D6 with 4 coins of one customer: 2 addresses (near miss);
//   - W, a Wasabi 2.0 round, spends D5 with 49 others into 2 outputs
//     (near miss: a CoinJoin);
//   - G, a generic CoinJoin, spends D8 with 4 others into 5 outputs;
//   - C consolidates six thief outputs K1..K6 into one (near miss: the
//     thief's own sweep, every input from the flow).
type exchange struct {
	w                 *flowtest.World
	seed              trace.Seed
	thief             *chain.Tx
	d                 map[string]chain.Address
	h                 chain.Address
	s1, s5, g, wasabi *chain.Tx
}

func newExchange() *exchange {
	const btc = flowtest.BTC
	x := &exchange{w: flowtest.NewWorld(), d: map[string]chain.Address{}, h: flowtest.Addr(91)}
	w := x.w
	pos := 0
	coinbase := func(h int32, outs ...flowtest.Pay) []chain.OutPoint {
		pos++
		tx := w.Tx(h, pos, nil, outs...)
		var os []chain.OutPoint
		for v := range outs {
			os = append(os, tx.ID.Out(uint32(v)))
		}
		return os
	}
	customers := func(first, n int, v int64) []chain.OutPoint {
		var outs []flowtest.Pay
		for i := range n {
			outs = append(outs, flowtest.Pay{To: flowtest.Addr(first + i), Value: v})
		}
		return coinbase(10, outs...)
	}
	seedOut := coinbase(10, flowtest.Pay{To: flowtest.Addr(1), Value: 100 * btc})
	x.seed = trace.OutSeed(w.Txs[seedOut[0].Tx].Hash, 0)
	c1 := customers(101, 6, btc/2)
	c2 := customers(111, 3, btc/2)
	c3 := customers(121, 7, btc/2)
	cw := customers(201, 49, 11*btc/100)
	c4 := customers(131, 4, btc/2)
	for i := range 4 {
		c4[i] = coinbase(10, flowtest.Pay{To: flowtest.Addr(131), Value: btc / 2})[0]
	}
	c5 := customers(141, 2, btc/2)
	r1 := coinbase(10, flowtest.Pay{To: flowtest.Addr(151), Value: btc / 2}, flowtest.Pay{To: flowtest.Addr(151), Value: btc / 2})
	r2 := coinbase(10, flowtest.Pay{To: flowtest.Addr(152), Value: btc / 2}, flowtest.Pay{To: flowtest.Addr(152), Value: btc / 2})
	cg := customers(161, 4, btc)

	var outs []flowtest.Pay
	for i := 1; i <= 8; i++ {
		a := flowtest.Addr(10 + i)
		x.d[fmt.Sprintf("D%d", i)] = a
		outs = append(outs, flowtest.Pay{To: a, Value: 195_000_000})
	}
	for i := range 6 {
		outs = append(outs, flowtest.Pay{To: flowtest.Addr(21 + i), Value: btc})
	}
	outs = append(outs, flowtest.Pay{To: flowtest.Addr(2), Value: 100*btc - 8*195_000_000 - 6*btc - 10_000})
	x.thief = w.Tx(100, 1, seedOut, outs...)
	dep := func(i int) chain.OutPoint { return x.thief.ID.Out(uint32(i - 1)) }
	sum := func(os []chain.OutPoint) (s int64) {
		for _, o := range os {
			s += w.Value(o)
		}
		return s
	}
	sweep := func(h int32, pos int, to chain.Address, ins ...chain.OutPoint) *chain.Tx {
		return w.Tx(h, pos, ins, flowtest.Pay{To: to, Value: sum(ins) - 10_000})
	}
	day := int32(24 * 6)
	x.s1 = sweep(100+day, 1, x.h, append([]chain.OutPoint{dep(1), dep(2)}, c1...)...)
	sweep(100+day, 2, flowtest.Addr(92), append([]chain.OutPoint{dep(3)}, c2...)...)
	sweep(100+day, 3, flowtest.Addr(94), append([]chain.OutPoint{dep(6)}, c4...)...)
	x.s5 = sweep(100+day, 4, x.h, dep(7), c5[0], c5[1], r1[0], r2[0])
	wIns := append([]chain.OutPoint{dep(5)}, cw...)
	x.wasabi = w.Tx(100+day, 5, wIns, flowtest.Pay{To: flowtest.Addr(301), Value: 5 * btc}, flowtest.Pay{To: flowtest.Addr(302), Value: 2 * btc})
	gIns := append([]chain.OutPoint{dep(8)}, cg...)
	x.g = w.Tx(100+day, 6, gIns,
		flowtest.Pay{To: flowtest.Addr(311), Value: btc}, flowtest.Pay{To: flowtest.Addr(312), Value: btc}, flowtest.Pay{To: flowtest.Addr(313), Value: btc},
		flowtest.Pay{To: flowtest.Addr(314), Value: 90_000_000}, flowtest.Pay{To: flowtest.Addr(315), Value: 94_000_000})
	var ks []chain.OutPoint
	for i := range 6 {
		ks = append(ks, x.thief.ID.Out(uint32(8+i)))
	}
	sweep(100+day, 7, flowtest.Addr(3), ks...)
	sweep(100+8*day, 1, flowtest.Addr(93), append([]chain.OutPoint{dep(4)}, c3...)...)
	return x
}

// txOnly hides a source's History.
type txOnly struct{ trace.TxReader }

func depositAddrs(ds []trace.Deposit) []chain.Address {
	var as []chain.Address
	for _, d := range ds {
		as = append(as, d.Addr)
	}
	return as
}

func TestDepositAddresses(t *testing.T) {
	ctx := context.Background()
	x := newExchange()
	src := regionFlow(x.w)
	res := follow(t, src, x.seed)
	if _, ok := heuristic.CoinJoin(x.wasabi); !ok {
		t.Fatal("W is no CoinJoin; the near miss tests nothing")
	}
	if _, ok := heuristic.CoinJoin(x.g); !ok {
		t.Fatal("G is no CoinJoin; the near miss tests nothing")
	}
	ds, err := trace.DepositAddresses(ctx, src, res.Flow, trace.DepositOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := []chain.Address{x.d["D1"], x.d["D2"], x.d["D7"]}
	if got := depositAddrs(ds); !slices.Equal(got, want) {
		t.Fatalf("deposits %v, want D1, D2, D7 %v", got, want)
	}
	for _, d := range ds {
		if len(d.Outputs) != 1 || d.Value != 195_000_000 || d.Outputs[0].Delay != 24*time.Hour || d.Outputs[0].Time != x.thief.Time ||
			d.Entity.Addr != x.h || d.Entity.Clustered || d.Entity.Label != "sweeps to "+chain.Regtest.Format(x.h) || len(d.Reasons) == 0 {
			t.Errorf("deposit %+v", d)
		}
	}
	// D1: 8 inputs (size ln 8/ln 64 = 1/2), all from one-receipt addresses,
	// swept after a day of the week's window, 6 of 8 from outside.
	if c, want := ds[0].Confidence, 0.35*0.5+0.35*1+0.15*(1-1.0/14)+0.15*0.75; abs(c-want) > 1e-9 || ds[0].Sweep != x.s1 {
		t.Errorf("D1 confidence %v, want %v; sweep %v", c, want, ds[0].Sweep.ID)
	}
	// D7's sweep holds two addresses that received twice: only with
	// History can that be seen.
	blind, err := trace.DepositAddresses(ctx, txOnly{src}, res.Flow, trace.DepositOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if d7 := ds[2]; d7.Sweep != x.s5 || !strings.Contains(d7.Reasons[1], "3 of 5") || blind[2].Addr != d7.Addr || blind[2].Confidence <= d7.Confidence {
		t.Errorf("D7 with History %v (%v), without %v", d7.Confidence, d7.Reasons, blind[2].Confidence)
	}

	t.Run("near misses pass with looser options", func(t *testing.T) {
		for _, tc := range []struct {
			name string
			opts trace.DepositOptions
			also string
		}{
			{"4 inputs", trace.DepositOptions{MinInputs: 4, MinAddrs: 4}, "D3"},
			{"8 days", trace.DepositOptions{Window: 9 * 24 * time.Hour}, "D4"},
			{"2 addresses", trace.DepositOptions{MinAddrs: 2}, "D6"},
		} {
			ds, err := trace.DepositAddresses(ctx, src, res.Flow, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			got := depositAddrs(ds)
			if !slices.Contains(got, x.d[tc.also]) || len(got) != 4 {
				t.Errorf("%s: %v, want D1, D2, D7 and %s", tc.name, got, tc.also)
			}
		}
		// CoinJoins stay out whatever the shape allows; so does the
		// thief's own consolidation.
		ds, err := trace.DepositAddresses(ctx, src, res.Flow, trace.DepositOptions{MaxOutputs: 10})
		if err != nil {
			t.Fatal(err)
		}
		if got := depositAddrs(ds); !slices.Equal(got, want) {
			t.Errorf("MaxOutputs 10: %v", got)
		}
	})

	t.Run("sweeps outside the flow", func(t *testing.T) {
		// Stop at the deposits: the sweeps are read from the source.
		thief := x.thief.ID
		cut, err := trace.Follow(ctx, src, []trace.Seed{x.seed}, trace.Options{Params: chain.Regtest,
			Stop: func(tx *chain.Tx, i int) bool { return tx.ID == thief }})
		if err != nil {
			t.Fatal(err)
		}
		if cut.Contains(x.s1.ID) {
			t.Fatal("the sweep is in the flow")
		}
		none, err := trace.DepositAddresses(ctx, nil, cut.Flow, trace.DepositOptions{})
		if err != nil || len(none) != 0 {
			t.Errorf("without a source: %v, %v", depositAddrs(none), err)
		}
		read, err := trace.DepositAddresses(ctx, src, cut.Flow, trace.DepositOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if got := depositAddrs(read); !slices.Equal(got, want) || read[0].Confidence != ds[0].Confidence {
			t.Errorf("from the source: %v", got)
		}
		broken := errors.New("disk on fire")
		_, err = trace.DepositAddresses(ctx, failing{broken}, cut.Flow, trace.DepositOptions{})
		if !errors.Is(err, broken) {
			t.Errorf("failing source: %v", err)
		}
	})

	t.Run("entities", func(t *testing.T) {
		gs := trace.GroupDeposits(ds)
		if len(gs) != 1 || gs[0].Entity.Addr != x.h || len(gs[0].Deposits) != 3 || gs[0].Sweeps != 2 || gs[0].Value != 3*195_000_000 {
			t.Errorf("groups %+v", gs)
		}
		// A cluster lookup that knows the exchange names it; S5's
		// customers are in a cluster of their own.
		clusters := trace.ClusterFunc(func(ctx context.Context, a chain.Address) (uint64, int, error) {
			switch a {
			case x.d["D1"], x.d["D2"]:
				return 42, 9, nil
			case x.d["D7"]:
				return 7, 5, nil
			}
			return 0, 0, fmt.Errorf("address %v: %w", a, chain.ErrNotFound)
		})
		cds, err := trace.DepositAddresses(ctx, src, res.Flow, trace.DepositOptions{Clusters: clusters})
		if err != nil {
			t.Fatal(err)
		}
		gs = trace.GroupDeposits(cds)
		if len(gs) != 2 || gs[0].Entity.Cluster != 42 || gs[0].Entity.ClusterSize != 9 || gs[0].Entity.Label != "cluster 42" ||
			len(gs[0].Deposits) != 2 || gs[1].Entity.Cluster != 7 || !gs[1].Entity.Clustered {
			t.Errorf("groups by cluster %+v", gs)
		}
	})

	t.Run("exits", func(t *testing.T) {
		exits := trace.DepositExits(ds)
		label := "deposit: sweeps to " + chain.Regtest.Format(x.h)
		if want := map[chain.Address]string{x.d["D1"]: label, x.d["D2"]: label, x.d["D7"]: label}; !maps.Equal(exits, want) {
			t.Fatalf("exits %v", exits)
		}
		for _, m := range trace.Models() {
			tn := taintOf(t, res, m, exits)
			es := tn.Exits()
			var total int64
			for _, e := range es {
				total += e.Taint
				if e.Label != label || e.Taint != 195_000_000 || len(e.Path) != 2 {
					t.Errorf("%v: exit %+v", m, e)
				}
			}
			if len(es) != 3 || tn.Totals().Exited != total {
				t.Errorf("%v: %d exits, %d exited of %d", m, len(es), tn.Totals().Exited, total)
			}
			// The taint stops at the exchange: its sweep passes none on.
			if got := tn.Output(x.s1.ID.Out(0)); got != 0 {
				t.Errorf("%v: the sweep's output holds %d stolen", m, got)
			}
		}
		tn := taintOf(t, res, trace.FIFO, nil)
		tds, err := trace.DepositAddresses(ctx, src, res.Flow, trace.DepositOptions{Taint: tn})
		if err != nil {
			t.Fatal(err)
		}
		if tds[0].Taint != 195_000_000 || tds[0].Outputs[0].Taint != 195_000_000 {
			t.Errorf("deposit taint %d", tds[0].Taint)
		}
	})
}

type failing struct{ err error }

func (f failing) Tx(context.Context, chain.TxID) (*chain.Tx, error) { return nil, f.err }

func abs(x float64) float64 { return max(x, -x) }

// TestDepositAddressesDispersion checks the detector against the ground
// truth of a generated dispersion: every deposit it finds is one, and it
// misses only those still waiting for their exchange's next sweep.
func TestDepositAddressesDispersion(t *testing.T) {
	c := dispersal{Seed: 5, Chains: 60, Steps: 30, Fanout: 4, DepositEvery: 8, OnwardEvery: 7, Exchanges: 3,
		SweepThief: 6, SweepOthers: 12, TxsPerBlock: 100}
	d := c.build()
	res := d.trace(t, trace.Options{})
	ds, err := trace.DepositAddresses(context.Background(), d.src, res.Flow, trace.DepositOptions{})
	if err != nil {
		t.Fatal(err)
	}
	found := map[chain.Address]bool{}
	for _, dep := range ds {
		found[dep.Addr] = true
		ex, ok := d.deposits[dep.Addr]
		if !ok || dep.Entity.Addr != d.hot[ex] || dep.Confidence < 0.8 {
			t.Errorf("deposit %v (exchange %d, confidence %v) is not one, or swept by the wrong entity", dep.Addr, ex, dep.Confidence)
		}
	}
	unswept := 0
	for a := range d.deposits {
		if !found[a] {
			unswept++
		}
	}
	if len(d.deposits) < 100 || unswept > c.Exchanges*(c.SweepThief-1) {
		t.Errorf("found %d of %d deposits", len(ds), len(d.deposits))
	}
	if gs := trace.GroupDeposits(ds); len(gs) != c.Exchanges {
		t.Errorf("%d sweeping entities, want %d", len(gs), c.Exchanges)
	}
}
