package store_test

import (
	"context"
	"flag"
	"iter"
	"testing"

	"github.com/plumetrace/plume/chain"
	"github.com/plumetrace/plume/internal/synth"
	"github.com/plumetrace/plume/store"
)

// decodeAll turns pre-generated raw blocks into a stream that decodes as
// it goes, as a block file reader does.
func decodeAll(raws [][]byte, first int32) iter.Seq2[*chain.Block, error] {
	return func(yield func(*chain.Block, error) bool) {
		for i, raw := range raws {
			b, err := chain.DecodeBlock(raw, first+int32(i))
			if !yield(b, err) || err != nil {
				return
			}
		}
	}
}

func synthRaw(b *testing.B, txs int) ([][]byte, int64) {
	var raws [][]byte
	var n int64
	for raw := range synth.Raw(synth.Config{Seed: 7, Txs: txs}) {
		raws = append(raws, raw)
		n += int64(len(raw))
	}
	return raws, n
}

// BenchmarkIngestSynthetic ingests 1M mainnet-shaped transactions (decode
// included) into an on-disk store.
func BenchmarkIngestSynthetic(b *testing.B) {
	raws, size := synthRaw(b, *benchTxs)
	b.SetBytes(size)
	b.ReportAllocs()
	b.ResetTimer()
	var st store.IngestStats
	for b.Loop() {
		b.StopTimer()
		db, err := store.Open(b.TempDir(), store.Options{Params: chain.Regtest})
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		st, err = db.Ingest(context.Background(), decodeAll(raws, 1), nil)
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		db.Close()
		b.StartTimer()
	}
	sec := b.Elapsed().Seconds() / float64(b.N)
	b.ReportMetric(float64(st.Txs)/sec, "tx/s")
	b.ReportMetric(float64(st.Entries)/sec, "entries/s")
	b.ReportMetric(float64(st.Entries)/float64(st.Txs), "entries/tx")
}

// benchTxs sizes the synthetic stream; profile with a smaller one.
var benchTxs = flag.Int("bench.txs", 1_000_000, "transactions in the synthetic ingest benchmark")
