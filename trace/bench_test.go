package trace_test

import (
	"context"
	"flag"
	"sync"
	"testing"

	"github.com/plumetrace/plume/chain"
	"github.com/plumetrace/plume/internal/synth"
	"github.com/plumetrace/plume/store"
	"github.com/plumetrace/plume/trace"
)

var benchTxs = flag.Int("bench.txs", 300_000, "transactions in the synthetic chain the Follow benchmarks trace")

var (
	benchOnce  sync.Once
	benchDB    *store.DB
	benchSeeds []trace.Seed
)

// benchStore builds, once, an on-disk store of a mainnet-shaped chain whose
// block-1 coinbase pays 20,000 outputs: the seed of a trace that reaches
// most of the chain, as a drained hot wallet does.
func benchStore(b *testing.B) (*store.DB, []trace.Seed) {
	benchOnce.Do(func() {
		dir, err := benchDir()
		if err != nil {
			b.Fatal(err)
		}
		db, err := store.Open(dir, store.Options{Params: chain.Regtest})
		if err != nil {
			b.Fatal(err)
		}
		var first *chain.Block
		blocks := synth.Blocks(synth.Config{Seed: 11, Txs: *benchTxs, TxsPerBlock: 1000})
		tap := func(yield func(*chain.Block, error) bool) {
			for blk, err := range blocks {
				if first == nil && blk != nil {
					first = blk
				}
				if !yield(blk, err) {
					return
				}
			}
		}
		if _, err := db.Ingest(context.Background(), tap, nil); err != nil {
			b.Fatal(err)
		}
		benchDB, benchSeeds = db, []trace.Seed{trace.TxSeed(first.TxHashes[0])}
	})
	return benchDB, benchSeeds
}

// BenchmarkFollowStore traces forward through a warm on-disk store,
// reading through one Snapshot.
func BenchmarkFollowStore(b *testing.B) {
	db, seeds := benchStore(b)
	ctx := context.Background()
	snap := db.Snapshot()
	defer snap.Close()
	if _, err := trace.Follow(ctx, snap, seeds, trace.Options{}); err != nil { // warm the caches
		b.Fatal(err)
	}
	b.ReportAllocs()
	var res *trace.Result
	for b.Loop() {
		var err error
		if res, err = trace.Follow(ctx, snap, seeds, trace.Options{}); err != nil {
			b.Fatal(err)
		}
	}
	report(b, res)
}

// BenchmarkFollowMemory traces the same region again from memory: the
// flow of the first trace is the source of the second.
func BenchmarkFollowMemory(b *testing.B) {
	db, seeds := benchStore(b)
	ctx := context.Background()
	region, err := trace.Follow(ctx, db, seeds, trace.Options{})
	if err != nil {
		b.Fatal(err)
	}
	// The first trace of a region builds its txid index; time the ones
	// after.
	if _, err := trace.Follow(ctx, region.Flow, seeds, trace.Options{}); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	var res *trace.Result
	for b.Loop() {
		if res, err = trace.Follow(ctx, region.Flow, seeds, trace.Options{}); err != nil {
			b.Fatal(err)
		}
	}
	if res.Len() != region.Len() {
		b.Fatalf("in memory %d txs, from the store %d", res.Len(), region.Len())
	}
	report(b, res)
}

func report(b *testing.B, res *trace.Result) {
	sec := b.Elapsed().Seconds() / float64(b.N)
	b.ReportMetric(float64(res.Edges)/sec, "edges/s")
	b.ReportMetric(float64(res.Len())/sec, "tx/s")
	b.ReportMetric(float64(res.Len()), "txs")
}
