package sim

import (
	"context"
	"testing"
)

// BenchmarkSimulate simulates the default scale, the example's, in
// memory: blocks, transactions and bytes made per second.
func BenchmarkSimulate(b *testing.B) {
	b.ReportAllocs()
	var blocks, txs, size int
	for b.Loop() {
		blocks, txs, size = 0, 0, 0
		for blk, err := range Blocks(context.Background(), Options{Seed: 1}) {
			if err != nil {
				b.Fatal(err)
			}
			blocks++
			txs += len(blk.Txs)
			size += len(blk.Raw)
		}
	}
	b.SetBytes(int64(size))
	sec := b.Elapsed().Seconds() / float64(b.N)
	b.ReportMetric(float64(blocks)/sec, "blocks/s")
	b.ReportMetric(float64(txs)/sec, "tx/s")
	b.ReportMetric(float64(txs), "txs")
}
