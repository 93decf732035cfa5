package sim

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/btcsuite/btcd/blockchain"
	"github.com/btcsuite/btcd/btcutil"
	"github.com/btcsuite/btcd/chaincfg"
	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"

	"github.com/plumetrace/plume/chain"
)

// simulated is one simulation kept for the tests that read it.
type simulated struct {
	blocks [][]byte // raw blocks, genesis first
	truth  *Truth
	took   time.Duration
}

var (
	simMu   sync.Mutex
	simRuns = map[float64]*simulated{}
)

// simulate runs seed 1 at scale once per test binary; tests share it.
func simulate(t testing.TB, scale float64) *simulated {
	t.Helper()
	simMu.Lock()
	defer simMu.Unlock()
	if r := simRuns[scale]; r != nil {
		return r
	}
	r, err := generate(Options{Seed: 1, Scale: scale})
	if err != nil {
		t.Fatal(err)
	}
	simRuns[scale] = r
	return r
}

func generate(o Options) (*simulated, error) {
	start := time.Now()
	sc, err := New(o)
	if err != nil {
		return nil, err
	}
	r := &simulated{}
	for b, err := range sc.Blocks(context.Background()) {
		if err != nil {
			return nil, err
		}
		r.blocks = append(r.blocks, b.Raw)
	}
	if r.truth, err = sc.Truth(); err != nil {
		return nil, err
	}
	r.took = time.Since(start)
	return r, nil
}

// utxo is an unspent output in the replay.
type utxo struct {
	value    int64
	script   []byte
	height   int32
	coinbase bool
}

// ledgerState is the outcome of a replay: the unspent outputs at the tip,
// where each transaction is, and the shape statistics of the chain.
type ledgerState struct {
	utxos  map[wire.OutPoint]utxo
	txs    map[chainhash.Hash]*wire.MsgTx
	spent  map[chainhash.Hash][]utxo // the outputs each transaction spends
	height map[chainhash.Hash]int32
	stats  shape
}

// shape counts what architecture.md's "mainnet-shaped" distributions are
// about, over non-coinbase transactions and their outputs.
type shape struct {
	txs, oneIn, twoIn, fewIn, manyIn int
	oneOut, twoOut, fewOut, manyOut  int
	outputs, reused                  int
	spends, recent                   int
	kinds                            map[chain.Kind]int
}

// replay checks every block as a full node would, apart from scripts:
// linkage, proof of work against regtest's limit, timestamps after the
// median of the previous 11, version, BIP 34 height, the coinbase's
// claim (subsidy halving every 150 blocks plus fees), coinbase maturity,
// every input spending an existing unspent output exactly once, no value
// created; and each block decodes with chain.DecodeBlock, which checks the
// merkle root and the witness commitment.
func replay(blocks [][]byte) (*ledgerState, error) {
	st := &ledgerState{utxos: map[wire.OutPoint]utxo{}, txs: map[chainhash.Hash]*wire.MsgTx{}, spent: map[chainhash.Hash][]utxo{},
		height: map[chainhash.Hash]int32{}, stats: shape{kinds: map[chain.Kind]int{}}}
	seen := map[chain.Address]bool{}
	params := &chaincfg.RegressionNetParams
	var times []time.Time
	prev := chainhash.Hash{}
	for h, raw := range blocks {
		height := int32(h)
		fail := func(format string, args ...any) (*ledgerState, error) {
			return nil, fmt.Errorf("block %d: %s", height, fmt.Sprintf(format, args...))
		}
		b, err := chain.DecodeBlock(raw, height)
		if err != nil {
			return nil, err
		}
		if h == 0 {
			if b.Hash != chain.Regtest.GenesisHash {
				return fail("not regtest's genesis")
			}
			prev, times = b.Hash, append(times, b.Header.Timestamp)
			continue
		}
		if b.Header.PrevBlock != prev {
			return fail("does not link to the previous block")
		}
		prev = b.Hash
		target := blockchain.CompactToBig(b.Header.Bits)
		if target.Cmp(params.PowLimit) > 0 || blockchain.HashToBig(&b.Hash).Cmp(target) > 0 {
			return fail("proof of work: hash %v above target %x", b.Hash, target)
		}
		mtp := slices.Clone(times[max(0, len(times)-11):])
		slices.SortFunc(mtp, func(a, b time.Time) int { return a.Compare(b) })
		if !b.Header.Timestamp.After(mtp[len(mtp)/2]) {
			return fail("timestamp %v not after the median time past %v", b.Header.Timestamp, mtp[len(mtp)/2])
		}
		times = append(times, b.Header.Timestamp)
		if b.Header.Version < 4 {
			return fail("version %d", b.Header.Version)
		}
		if got, err := blockchain.ExtractCoinbaseHeight(btcutil.NewTx(b.Txs[0])); err != nil || got != height {
			return fail("coinbase height %d (%v)", got, err)
		}
		var fees int64
		for i, tx := range b.Txs {
			hash := b.TxHashes[i]
			if _, dup := st.txs[hash]; dup {
				return fail("transaction %v repeats an earlier one", hash)
			}
			st.txs[hash], st.height[hash] = tx, height
			if i == 0 != chain.IsCoinbase(tx) {
				return fail("transaction %d: coinbase in the wrong place", i)
			}
			if err := blockchain.CheckTransactionSanity(btcutil.NewTx(tx)); err != nil {
				return fail("transaction %d: %v", i, err)
			}
			var in int64
			if i > 0 {
				st.stats.count(tx)
				for _, ti := range tx.TxIn {
					u, ok := st.utxos[ti.PreviousOutPoint]
					if !ok {
						return fail("transaction %v spends %v, which is not an unspent output", hash, ti.PreviousOutPoint)
					}
					if u.height == height {
						return fail("transaction %v spends an output of its own block", hash)
					}
					if u.coinbase && height-u.height < coinbaseMaturity {
						return fail("transaction %v spends a coinbase of height %d before maturity", hash, u.height)
					}
					st.stats.spends++
					if height-u.height < recentBlocks {
						st.stats.recent++
					}
					delete(st.utxos, ti.PreviousOutPoint)
					st.spent[hash] = append(st.spent[hash], u)
					in += u.value
				}
			}
			var out int64
			for v, o := range tx.TxOut {
				out += o.Value
				a := chain.AddressOf(o.PkScript)
				if a.Kind != chain.KindOpReturn {
					st.utxos[wire.OutPoint{Hash: hash, Index: uint32(v)}] = utxo{value: o.Value, script: o.PkScript, height: height, coinbase: i == 0}
				}
				if i > 0 {
					st.stats.outputs++
					st.stats.kinds[a.Kind]++
					if seen[a] {
						st.stats.reused++
					}
				}
				seen[a] = true
			}
			if i > 0 {
				if out > in {
					return fail("transaction %v pays %d from %d", hash, out, in)
				}
				fees += in - out
			}
		}
		var claim int64
		for _, o := range b.Txs[0].TxOut {
			claim += o.Value
		}
		if want := blockchain.CalcBlockSubsidy(height, params) + fees; claim > want {
			return fail("coinbase claims %d, more than subsidy and fees %d", claim, want)
		}
	}
	return st, nil
}

func (s *shape) count(tx *wire.MsgTx) {
	s.txs++
	switch n := len(tx.TxIn); {
	case n == 1:
		s.oneIn++
	case n == 2:
		s.twoIn++
	case n <= 10:
		s.fewIn++
	default:
		s.manyIn++
	}
	switch n := len(tx.TxOut); {
	case n == 1:
		s.oneOut++
	case n == 2:
		s.twoOut++
	case n <= 20:
		s.fewOut++
	default:
		s.manyOut++
	}
}

func share(n, of int) float64 { return float64(n) / float64(of) }

// resolved returns tx as chain.Tx with its inputs resolved, for the
// heuristics.
func (st *ledgerState) resolved(hash chainhash.Hash) *chain.Tx {
	tx := st.txs[hash]
	ct := &chain.Tx{ID: chain.MakeTxID(st.height[hash], 1), Hash: hash, Msg: tx}
	for _, u := range st.spent[hash] {
		ct.Prevouts = append(ct.Prevouts, chain.Prevout{Value: u.value, Script: u.script, Addr: chain.AddressOf(u.script), Resolved: true})
	}
	return ct
}
