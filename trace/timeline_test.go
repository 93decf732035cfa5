package trace_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/plumetrace/plume/chain"
	"github.com/plumetrace/plume/internal/flowtest"
	"github.com/plumetrace/plume/trace"
)

var allBuckets = []trace.Bucket{trace.ByBlock, trace.ByHour, trace.ByDay}

// sameTimeline compares Timeline with the reference implementation step
// by step, floats to the bit: the report's golden files print them in
// full.
func sameTimeline(tn *trace.Taint, b trace.Bucket) error {
	got, want := tn.Timeline(b), trace.TimelineRef(tn, b)
	if len(got) != len(want) {
		return fmt.Errorf("bucket %d: %d steps, reference %d", b, len(got), len(want))
	}
	for k := range got {
		g, w := got[k], want[k]
		if g != w || math.Float64bits(g.Gini) != math.Float64bits(w.Gini) || math.Float64bits(g.Entropy) != math.Float64bits(w.Entropy) {
			return fmt.Errorf("bucket %d, step %d of %d:\n got %+v\nwant %+v", b, k, len(got), g, w)
		}
	}
	return nil
}

// TestTimelineMatchesReference checks Timeline against the straightforward
// implementation it replaced (timeline_ref_test.go) on random flows under
// every model and bucket: partly stolen seeds, exits, traces cut short by
// MaxHops (so that outputs are spent beyond the flow), block times out of
// order as mainnet's may be (so that a holder's balance goes negative for
// a while), and now and then a transaction decades later, past the
// maxSteps cap of an hourly timeline.
func TestTimelineMatchesReference(t *testing.T) {
	n := 600
	if testing.Short() {
		n = 150
	}
	for seed := range uint64(n) {
		var reg *flowtest.Region
		if seed%2 == 0 {
			reg = flowtest.Random(seed, 5+int(seed%90))
		} else {
			reg = flowtest.Tree(seed, 3+int(seed%70))
		}
		rng := rand.New(rand.NewPCG(seed, 0x74696d65))
		for _, tx := range reg.Txs {
			if rng.IntN(4) == 0 {
				tx.Time = tx.Time.Add(time.Duration(rng.IntN(13)-6) * 37 * time.Minute)
			}
		}
		if seed%41 == 7 {
			tx := reg.Txs[rng.IntN(len(reg.Txs))]
			tx.Time = tx.Time.AddDate(20, 0, 0)
		}
		var seeds []trace.Seed
		for _, o := range reg.Seeds {
			s := trace.OutSeed(reg.World.Txs[o.Tx].Hash, o.Vout)
			if rng.IntN(3) == 0 {
				s.Amount = rng.Int64N(reg.World.Value(o) + 1)
			}
			seeds = append(seeds, s)
		}
		exits := map[chain.Address]string{}
		for range rng.IntN(3) {
			exits[flowtest.Addr(rng.IntN(len(reg.Txs)/2+3))] = "exit"
		}
		res, err := trace.Follow(t.Context(), regionFlow(reg.World), seeds, trace.Options{Params: chain.Regtest, MaxHops: rng.IntN(5)})
		if err != nil {
			t.Fatal(err)
		}
		m := trace.Models()[seed%uint64(len(trace.Models()))]
		tn := taintOf(t, res, m, exits)
		for _, b := range allBuckets {
			if err := sameTimeline(tn, b); err != nil {
				t.Fatalf("flow %d, %v, %d txs: %v", seed, m, res.Len(), err)
			}
		}
	}
}

// TestTimelineDispersion checks Timeline against the reference on a
// Zaif-like dispersion of a few thousand transactions, whose many holders
// and busy steps the small random flows do not have, with the deposits
// as exits and the trace cut short.
func TestTimelineDispersion(t *testing.T) {
	d := dispersal{Seed: 5, Chains: 60, Steps: 30, Fanout: 4, DepositEvery: 6, OnwardEvery: 4,
		Exchanges: 2, SweepThief: 4, SweepOthers: 5, TxsPerBlock: 7}.build()
	exits := map[chain.Address]string{}
	for a := range d.deposits {
		exits[a] = "deposit"
	}
	for _, hops := range []int{0, 25} {
		res := d.trace(t, trace.Options{MaxHops: hops})
		for _, m := range trace.Models() {
			tn := taintOf(t, res, m, exits)
			for _, b := range allBuckets {
				if err := sameTimeline(tn, b); err != nil {
					t.Fatalf("max hops %d, %v, %d txs: %v", hops, m, res.Len(), err)
				}
			}
		}
	}
}
