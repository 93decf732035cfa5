package blkfile_test

import (
	"context"
	"testing"

	"github.com/plumetrace/plume/internal/btcdata"
	"github.com/plumetrace/plume/source/blkfile"
)

// BenchmarkBlocks reads and decodes the real 14,132-block file, the cost of
// feeding a store from block files.
func BenchmarkBlocks(b *testing.B) {
	r := open(b, dataPath(b, btcdata.Blocks0To14131), blkfile.Options{})
	ctx := context.Background()
	var size int64
	for blk, err := range r.Blocks(ctx, 0) {
		if err != nil {
			b.Fatal(err)
		}
		size += int64(len(blk.Raw))
	}
	b.SetBytes(size)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		for _, err := range r.Blocks(ctx, 0) {
			if err != nil {
				b.Fatal(err)
			}
		}
	}
	sec := b.Elapsed().Seconds()
	b.ReportMetric(float64(r.Len())*float64(b.N)/sec, "blocks/s")
	b.ReportMetric(float64(size)*float64(b.N)/sec/1e6, "MB/s")
}

// BenchmarkOpen measures the scan that builds the index: one header read a
// block, then the zero padding of the file.
func BenchmarkOpen(b *testing.B) {
	path := dataPath(b, btcdata.Blocks0To14131)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		r, err := blkfile.Open(ctx, path, blkfile.Options{})
		if err != nil {
			b.Fatal(err)
		}
		r.Close()
	}
	b.ReportMetric(14132*float64(b.N)/b.Elapsed().Seconds(), "blocks/s")
}
