package store

import (
	"context"
	"flag"
	"testing"

	"github.com/plumetrace/plume/chain"
	"github.com/plumetrace/plume/internal/synth"
)

// BenchmarkClusterLoad rebuilds the common-input clustering of a store of
// 1M mainnet-shaped transactions from its stored groups, as Open's first
// cluster query or ingest does. inputs/s counts every input of the chain
// (what a clustering pass over the store covers); bytes/addr is the
// clustering's memory per address, undo-bytes that of the undo log of the
// last few hundred blocks.
func BenchmarkClusterLoad(b *testing.B) {
	db, err := Open(b.TempDir(), Options{Params: chain.Regtest})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	st, err := db.Ingest(context.Background(), synth.Blocks(synth.Config{Seed: 7, Txs: *clusterTxs}), nil)
	if err != nil {
		b.Fatal(err)
	}
	c := &db.clusters
	b.ReportAllocs()
	for b.Loop() {
		c.mu.Lock()
		err := c.load(db)
		c.mu.Unlock()
		if err != nil {
			b.Fatal(err)
		}
	}
	sec := b.Elapsed().Seconds() / float64(b.N)
	n := float64(db.nextID())
	b.ReportMetric(float64(st.Inputs)/sec, "inputs/s")
	b.ReportMetric(float64(4*(cap(c.parent)+cap(c.size)+cap(c.next)+cap(c.min)))/n, "bytes/addr")
	// The undo log covers the last blocks' unions, not the addresses.
	b.ReportMetric(float64(12*cap(c.undo)+16*cap(c.marks)), "undo-bytes")
	b.ReportMetric(n, "addresses")
}

var clusterTxs = flag.Int("cluster.txs", 1_000_000, "transactions in the clustering benchmark's store")
