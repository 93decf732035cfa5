package trace_test

import (
	"context"
	"flag"
	"maps"
	"math/rand/v2"
	"slices"

	"testing"

	"github.com/plumetrace/plume/chain"
	"github.com/plumetrace/plume/internal/synth"
	"github.com/plumetrace/plume/trace"
)

var propSeed = flag.Uint64("prop.seed", 5, "seed of TestFollowSynthetic's random cases")

// TestFollowSynthetic compares traces with the reference on a larger
// mainnet-shaped chain, where hops hold thousands of transactions and are
// read concurrently.
func TestFollowSynthetic(t *testing.T) {
	ctx := context.Background()
	sc, err := newChain(ctx, chain.Regtest, synth.Blocks(synth.Config{Seed: 3, Txs: 30_000, TxsPerBlock: 200}))
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]chain.TxID, 0, len(sc.txs))
	for id := range sc.txs {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	rng := rand.New(rand.NewPCG(*propSeed, 6))
	big := 0
	for n := range 14 {
		var seeds []trace.Seed
		if n >= 12 {
			// Block 1's coinbase pays 20,000 outputs, a hot wallet: its
			// first hops hold thousands of transactions.
			seeds = append(seeds, trace.TxSeed(sc.txs[chain.MakeTxID(1, 0)].TxHash()))
		}
		for len(seeds) < 1+n%3 {
			// Spent outputs of the early blocks have the most downstream.
			id := ids[rng.IntN(len(ids))]
			tx := sc.txs[id]
			v := rng.IntN(len(tx.TxOut))
			if _, spent := sc.spent[id.Out(uint32(v))]; id.Height() > 10 || !spent {
				continue
			}
			seeds = append(seeds, trace.OutSeed(tx.TxHash(), uint32(v)))
		}
		dir := trace.Forward
		if n%3 == 2 && n < 12 {
			dir = trace.Backward
		}
		hops := []int{0, 2, 5}[n%3]
		res, err := trace.Follow(ctx, sc.db, seeds, trace.Options{Direction: dir, MaxHops: hops})
		if err != nil {
			t.Fatal(err)
		}
		want := sc.forwardHops(res.Seeds(), hops)
		if dir == trace.Backward {
			want = sc.backwardHops(res.Seeds(), hops)
		}
		if got := hopsOf(res); !maps.Equal(got, want) {
			t.Fatalf("case %d (%v, %d hops): traced %d txs, reference %d\n%v\n%v", n, dir, hops, len(got), len(want), got, want)
		}
		if res.Len() > 500 {
			big++
		}
		t.Logf("case %d (%v, %d hops): %d txs", n, dir, hops, res.Len())
	}
	if big == 0 {
		t.Error("no trace reached more than 500 transactions; the concurrent reads went untested")
	}
}
