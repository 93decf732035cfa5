package store_test

import (
	"context"
	"flag"
	"iter"
	"math/rand/v2"
	"runtime"
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
// included) into an on-disk store, with the default unspent-output cache
// and with one small enough that old outputs are read back from the store.
// heap-MB is the live Go heap the open store holds after the ingest (the
// unspent-output cache and Badger's memtables and caches), measured after a
// collection and without the benchmark's own copy of the blocks.
func BenchmarkIngestSynthetic(b *testing.B) {
	raws, size := synthRaw(b, *benchTxs)
	for _, c := range []struct {
		name  string
		cache int64
	}{{"cache=1GiB", 0}, {"cache=64MiB", 64 << 20}} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(size)
			b.ReportAllocs()
			var st store.IngestStats
			var heap uint64
			for b.Loop() {
				b.StopTimer()
				base := liveHeap()
				db, err := store.Open(b.TempDir(), store.Options{Params: chain.Regtest, UTXOCacheBytes: c.cache})
				if err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				st, err = db.Ingest(context.Background(), decodeAll(raws, 1), nil)
				if err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				heap = liveHeap() - base
				db.Close()
				b.StartTimer()
			}
			sec := b.Elapsed().Seconds() / float64(b.N)
			b.ReportMetric(float64(st.Txs)/sec, "tx/s")
			b.ReportMetric(float64(st.Entries)/sec, "entries/s")
			b.ReportMetric(float64(st.Entries)/float64(st.Txs), "entries/tx")
			b.ReportMetric(float64(heap)/(1<<20), "heap-MB")
		})
	}
}

func liveHeap() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// benchTxs sizes the synthetic stream; profile with a smaller one.
var benchTxs = flag.Int("bench.txs", 1_000_000, "transactions in the synthetic ingest benchmark")

// BenchmarkIngestReal ingests the real mainnet blocks 0..14131 (14,247
// transactions, decode included) into an on-disk store.
func BenchmarkIngestReal(b *testing.B) {
	blocks := realBlocks(b)
	raws := make([][]byte, len(blocks))
	var size int64
	for i, blk := range blocks {
		raws[i] = blk.Raw
		size += int64(len(blk.Raw))
	}
	b.SetBytes(size)
	b.ReportAllocs()
	var st store.IngestStats
	for b.Loop() {
		b.StopTimer()
		db, err := store.Open(b.TempDir(), store.Options{})
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		st, err = db.Ingest(context.Background(), decodeAll(raws, 0), nil)
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		db.Close()
		b.StartTimer()
	}
	if st.Txs != realTxs {
		b.Fatalf("ingested %d txs, want %d", st.Txs, realTxs)
	}
	sec := b.Elapsed().Seconds() / float64(b.N)
	b.ReportMetric(float64(st.Txs)/sec, "tx/s")
	b.ReportMetric(float64(st.Entries)/sec, "entries/s")
	b.ReportMetric(float64(st.Entries)/float64(st.Txs), "entries/tx")
}

// readBench returns an on-disk store of the real blocks, reopened so that
// reads go through Badger's tables rather than the memtable ingest filled,
// and the IDs of every transaction and output it holds.
func readBench(b *testing.B) (*store.DB, []chain.TxID, []chain.OutPoint) {
	b.Helper()
	blocks := realBlocks(b)
	dir := b.TempDir()
	db := openDB(b, dir, store.Options{})
	ingest(b, db, seq(blocks))
	db.Close()
	db = openDB(b, dir, store.Options{})
	var ids []chain.TxID
	var outs []chain.OutPoint
	for _, blk := range blocks {
		for i, tx := range blk.Txs {
			ids = append(ids, blk.TxID(i))
			for v := range tx.TxOut {
				outs = append(outs, blk.TxID(i).Out(uint32(v)))
			}
		}
	}
	return db, ids, outs
}

// BenchmarkTx reads random transactions with their prevouts and spenders,
// through the DB (a snapshot per call) and through one Snapshot.
func BenchmarkTx(b *testing.B) {
	db, ids, _ := readBench(b)
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(1, 1))
	b.Run("db", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := db.Tx(ctx, ids[rng.IntN(len(ids))]); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("snapshot", func(b *testing.B) {
		s := db.Snapshot()
		defer s.Close()
		b.ReportAllocs()
		for b.Loop() {
			if _, err := s.Tx(ctx, ids[rng.IntN(len(ids))]); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkSpender looks up the spender of random outputs, the step a
// forward trace repeats.
func BenchmarkSpender(b *testing.B) {
	db, _, outs := readBench(b)
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(2, 2))
	s := db.Snapshot()
	defer s.Close()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Spender(ctx, outs[rng.IntN(len(outs))]); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkHistory reads whole address histories: random receiving
// addresses (mostly one coinbase receipt each) and the 11-entry peel
// chain of 12cbQLTF….
func BenchmarkHistory(b *testing.B) {
	db, _, _ := readBench(b)
	ctx := context.Background()
	var addrs []chain.Address
	for _, blk := range realBlocks(b) {
		for _, tx := range blk.Txs {
			for _, o := range tx.TxOut {
				addrs = append(addrs, chain.AddressOf(o.PkScript))
			}
		}
	}
	s := db.Snapshot()
	defer s.Close()
	for _, c := range []struct {
		name  string
		addrs []chain.Address
	}{{"random", addrs}, {"peel-chain", []chain.Address{mustAddr(b, satoshi9)}}} {
		b.Run(c.name, func(b *testing.B) {
			rng := rand.New(rand.NewPCG(3, 3))
			n := 0
			b.ReportAllocs()
			for b.Loop() {
				for _, err := range s.History(ctx, c.addrs[rng.IntN(len(c.addrs))]) {
					if err != nil {
						b.Fatal(err)
					}
					n++
				}
			}
			b.ReportMetric(float64(n)/float64(b.N), "entries/op")
		})
	}
}
