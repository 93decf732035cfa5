package synth

import (
	"testing"

	"github.com/btcsuite/btcd/wire"
	"github.com/plumetrace/plume/chain"
)

// TestShape checks that the stream is a valid chain (every input spends an
// existing unspent output, no value is created) with the promised shape.
func TestShape(t *testing.T) {
	type out struct{ v int64 }
	utxos := map[wire.OutPoint]int64{}
	var txs, ins, outs, single, twoOut int
	kinds := map[chain.Kind]int{}
	prev := chain.Regtest.GenesisHash
	for b, err := range Blocks(Config{Seed: 1, Txs: 50_000}) {
		if err != nil {
			t.Fatal(err)
		}
		if b.Header.PrevBlock != prev {
			t.Fatalf("block %d does not link", b.Height)
		}
		prev = b.Hash
		for i, tx := range b.Txs {
			txs++
			var in int64
			if i > 0 {
				for _, ti := range tx.TxIn {
					v, ok := utxos[ti.PreviousOutPoint]
					if !ok {
						t.Fatalf("block %d tx %d spends missing %v", b.Height, i, ti.PreviousOutPoint)
					}
					delete(utxos, ti.PreviousOutPoint)
					in += v
				}
				ins += len(tx.TxIn)
				if len(tx.TxIn) == 1 {
					single++
				}
				if len(tx.TxOut) == 2 {
					twoOut++
				}
			}
			var o int64
			for v, to := range tx.TxOut {
				utxos[wire.OutPoint{Hash: b.TxHashes[i], Index: uint32(v)}] = to.Value
				o += to.Value
				kinds[chain.AddressOf(to.PkScript).Kind]++
			}
			outs += len(tx.TxOut)
			if i > 0 && o > in {
				t.Fatalf("block %d tx %d creates value: in %d out %d", b.Height, i, in, o)
			}
		}
	}
	if txs != 50_000 {
		t.Errorf("generated %d transactions, want 50000", txs)
	}
	nonCB := float64(txs - 25)
	if f := float64(single) / nonCB; f < 0.6 || f > 0.8 {
		t.Errorf("single-input share %.2f, want about 0.70", f)
	}
	if f := float64(twoOut) / nonCB; f < 0.5 || f > 0.7 {
		t.Errorf("two-output share %.2f, want about 0.60", f)
	}
	if f := float64(kinds[chain.KindP2WPKH]) / float64(outs); f < 0.4 || f > 0.6 {
		t.Errorf("P2WPKH share %.2f, want about 0.50", f)
	}
	t.Logf("txs %d inputs/tx %.2f outputs/tx %.2f", txs, float64(ins)/nonCB, float64(outs)/float64(txs))
}
