package heuristic_test

import (
	"flag"
	"sync"
	"testing"

	"github.com/btcsuite/btcd/wire"

	"github.com/plumetrace/plume/chain"
	"github.com/plumetrace/plume/internal/synth"
	"github.com/plumetrace/plume/trace/heuristic"
)

var benchTxs = flag.Int("bench.txs", 100_000, "transactions in the synthetic chain the heuristic benchmarks read")

var (
	synthOnce sync.Once
	synthTxs  []*chain.Tx
	synthOpts *heuristic.Options
	synthSize int64 // serialized bytes of synthTxs
	synthErr  error
)

// synthetic returns mainnet-shaped transactions, resolved, with every
// output's spender and every address's first appearance known.
func synthetic(b *testing.B) ([]*chain.Tx, *heuristic.Options) {
	synthOnce.Do(func() {
		type prev struct {
			id  chain.OutPoint
			out *wire.TxOut
		}
		outs := map[wire.OutPoint]prev{}
		spends := heuristic.SpenderMap{}
		first := heuristic.FirstSeenMap{}
		for blk, err := range synth.Blocks(synth.Config{Seed: 7, Txs: *benchTxs, TxsPerBlock: 1000}) {
			if err != nil {
				synthErr = err
				return
			}
			for i, msg := range blk.Txs {
				tx := &chain.Tx{ID: blk.TxID(i), Hash: blk.TxHashes[i], Msg: msg}
				if i > 0 {
					for _, in := range msg.TxIn {
						p := outs[in.PreviousOutPoint]
						delete(outs, in.PreviousOutPoint)
						tx.Prevouts = append(tx.Prevouts, chain.Prevout{Out: p.id, Value: p.out.Value, Script: p.out.PkScript, Addr: chain.AddressOf(p.out.PkScript), Resolved: true})
						spends[p.id] = tx
					}
				}
				for v, o := range msg.TxOut {
					outs[wire.OutPoint{Hash: blk.TxHashes[i], Index: uint32(v)}] = prev{tx.ID.Out(uint32(v)), o}
					if a := chain.AddressOf(o.PkScript); !has(first, a) {
						first[a] = tx.ID
					}
				}
				synthTxs = append(synthTxs, tx)
				synthSize += int64(blk.Spans[i].Len)
			}
		}
		synthOpts = &heuristic.Options{History: first, Spends: spends}
	})
	if synthErr != nil {
		b.Fatal(synthErr)
	}
	return synthTxs, synthOpts
}

// BenchmarkCoinJoin runs every CoinJoin detector, and the Tx0 detector,
// on each mainnet-shaped transaction.
func BenchmarkCoinJoin(b *testing.B) {
	txs, _ := synthetic(b)
	b.SetBytes(synthSize)
	b.ReportAllocs()
	n, found := 0, 0
	for b.Loop() {
		for _, tx := range txs {
			found += len(heuristic.CoinJoins(tx))
		}
		n++
	}
	b.ReportMetric(float64(n*len(txs))/b.Elapsed().Seconds(), "tx/s")
	b.ReportMetric(float64(found)/float64(n), "detections")
}

// BenchmarkChange applies every change rule, Any, with history and
// spenders known (in memory), to each mainnet-shaped transaction.
func BenchmarkChange(b *testing.B) {
	txs, o := synthetic(b)
	b.SetBytes(synthSize)
	b.ReportAllocs()
	n, named := 0, 0
	for b.Loop() {
		for _, tx := range txs {
			if _, ok := heuristic.AllRules.Any(tx, o); ok {
				named++
			}
		}
		n++
	}
	b.ReportMetric(float64(n*len(txs))/b.Elapsed().Seconds(), "tx/s")
	b.ReportMetric(float64(named)/float64(n*len(txs)), "named/tx")
}
