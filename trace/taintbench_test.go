package trace_test

import (
	"context"
	"sync"
	"testing"

	"github.com/btcsuite/btcd/wire"

	"github.com/plumetrace/plume/chain"
	"github.com/plumetrace/plume/graph"
	"github.com/plumetrace/plume/internal/synth"
	"github.com/plumetrace/plume/trace"
)

// synthRegion builds, once, the forward trace of a 1M-transaction
// mainnet-shaped chain from its block-1 coinbase (20,000 outputs, like a
// drained hot wallet), in memory: the chain's transactions are resolved
// here rather than through a store, which would only slow the set-up.
var synthRegion = sync.OnceValues(func() (*trace.Result, error) {
	type out struct {
		at  chain.OutPoint
		tx  *chain.Tx
		val int64
		pk  []byte
	}
	utxo := map[wire.OutPoint]out{}
	var members []graph.Member
	var seed trace.Seed
	for b, err := range synth.Blocks(synth.Config{Seed: 21, Txs: 1_000_000, TxsPerBlock: 2000}) {
		if err != nil {
			return nil, err
		}
		for i, msg := range b.Txs {
			tx := &chain.Tx{ID: b.TxID(i), Hash: b.TxHashes[i], Time: b.Header.Timestamp, Msg: msg, SpentBy: make([]chain.InPoint, len(msg.TxOut))}
			if i > 0 {
				tx.Prevouts = make([]chain.Prevout, len(msg.TxIn))
				for vin, in := range msg.TxIn {
					o := utxo[in.PreviousOutPoint]
					delete(utxo, in.PreviousOutPoint)
					tx.Prevouts[vin] = chain.Prevout{Out: o.at, Value: o.val, Script: o.pk, Addr: chain.AddressOf(o.pk), Resolved: true}
					o.tx.SpentBy[o.at.Vout] = chain.InPoint{Tx: tx.ID, Vin: uint32(vin)}
				}
			}
			for v, o := range msg.TxOut {
				utxo[wire.OutPoint{Hash: tx.Hash, Index: uint32(v)}] = out{tx.ID.Out(uint32(v)), tx, o.Value, o.PkScript}
			}
			members = append(members, graph.Member{Tx: tx})
			if b.Height == 1 && i == 0 {
				seed = trace.TxSeed(tx.Hash)
			}
		}
	}
	src := graph.New(chain.Regtest, true, nil, members)
	return trace.Follow(context.Background(), src, []trace.Seed{seed}, trace.Options{Params: chain.Regtest})
})

// BenchmarkTaint applies each model to the 1M-transaction trace. bytes/tx
// is what one computation allocates per transaction of the flow: its
// memory, which grows linearly with the flow.
func BenchmarkTaint(b *testing.B) {
	res, err := synthRegion()
	if err != nil {
		b.Fatal(err)
	}
	res.NumOutputs() // builds the flow's adjacency, once per flow
	for _, m := range trace.Models() {
		b.Run(m.String(), func(b *testing.B) {
			b.ReportAllocs()
			var ms0, ms1 runtimeMem
			ms0.read()
			for b.Loop() {
				if _, err := trace.ComputeTaint(res, trace.TaintOptions{Model: m}); err != nil {
					b.Fatal(err)
				}
			}
			ms1.read()
			sec := b.Elapsed().Seconds() / float64(b.N)
			b.ReportMetric(float64(res.Len())/sec, "tx/s")
			b.ReportMetric(float64(ms1.alloc-ms0.alloc)/float64(b.N)/float64(res.Len()), "bytes/tx")
			b.ReportMetric(float64(res.Len()), "txs")
		})
	}
}
