package esplora_test

import (
	"context"
	"testing"

	"github.com/plumetrace/plume/chain"
	"github.com/plumetrace/plume/source/esplora"
	"github.com/plumetrace/plume/source/esplora/esploratest"
	"github.com/plumetrace/plume/trace"
)

// BenchmarkTx reads the transactions that spend something, over loopback
// HTTP, with the client's block and position caches warm: what a trace
// pays per transaction besides the network's latency.
func BenchmarkTx(b *testing.B) {
	f := newFixture(b, esploratest.Options{}, esplora.Options{})
	ctx := context.Background()
	var ids []chain.TxID
	for _, blk := range f.rc.blocks {
		for i := 1; i < len(blk.Txs); i++ {
			ids = append(ids, blk.TxID(i))
		}
	}
	for _, id := range ids {
		if _, err := f.c.Tx(ctx, id); err != nil {
			b.Fatal(err)
		}
	}
	f.srv.Reset()
	b.ReportAllocs()
	b.ResetTimer()
	n := 0
	for b.Loop() {
		if _, err := f.c.Tx(ctx, ids[n%len(ids)]); err != nil {
			b.Fatal(err)
		}
		n++
	}
	b.ReportMetric(float64(f.srv.Requests())/float64(n), "requests/tx")
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "tx/s")
}

// BenchmarkFollow traces the peel chain from a cold client: every block,
// status and transaction fetched.
func BenchmarkFollow(b *testing.B) {
	rc := realChain(b)
	ctx := context.Background()
	seed, _ := trace.ParseSeed(chain.Mainnet, block9Coinbase+":0")
	b.ReportAllocs()
	var requests int64
	for b.Loop() {
		b.StopTimer()
		f := newFixture(b, esploratest.Options{}, esplora.Options{PubKeys: rc.keys})
		b.StartTimer()
		if _, err := trace.Follow(ctx, f.c, []trace.Seed{seed}, trace.Options{}); err != nil {
			b.Fatal(err)
		}
		requests += f.srv.Requests()
	}
	b.ReportMetric(float64(requests)/float64(b.N), "requests/op")
}
