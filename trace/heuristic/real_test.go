package heuristic_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/btcsuite/btcd/wire"

	"github.com/plumetrace/plume/chain"
	"github.com/plumetrace/plume/internal/btcdata"
	"github.com/plumetrace/plume/source/blkfile"
	"github.com/plumetrace/plume/trace/heuristic"
)

// realChain is mainnet heights 0..14131 as resolved transactions.
type realChain struct {
	txs     []*chain.Tx // in chain order
	byID    map[chain.TxID]*chain.Tx
	spender heuristic.SpenderMap
	first   heuristic.FirstSeenMap
}

var (
	realOnce sync.Once
	realData *realChain
	realErr  error
)

// loadReal reads the real 2009 blocks shipped with btcd and resolves every
// input with a map of the outputs made so far, as a store would at ingest.
func loadReal(t testing.TB) *realChain {
	realOnce.Do(func() { realData, realErr = readReal() })
	if realErr != nil {
		t.Skipf("real blocks: %v", realErr)
	}
	return realData
}

func has(m heuristic.FirstSeenMap, a chain.Address) bool {
	_, ok := m[a]
	return ok
}

func readReal() (*realChain, error) {
	path, err := btcdata.Path(btcdata.Blocks0To14131)
	if err != nil {
		return nil, err
	}
	ctx := context.Background()
	r, err := blkfile.Open(ctx, path, blkfile.Options{})
	if err != nil {
		return nil, err
	}
	defer r.Close()
	rc := &realChain{byID: map[chain.TxID]*chain.Tx{}, spender: heuristic.SpenderMap{}, first: heuristic.FirstSeenMap{}}
	outs := map[wire.OutPoint]chain.OutPoint{}
	for b, err := range r.Blocks(ctx, 0) {
		if err != nil {
			return nil, err
		}
		for i, msg := range b.Txs {
			tx := &chain.Tx{ID: b.TxID(i), Hash: b.TxHashes[i], Time: b.Header.Timestamp, Msg: msg, SpentBy: make([]chain.InPoint, len(msg.TxOut))}
			if !chain.IsCoinbase(msg) {
				for vin, in := range msg.TxIn {
					op := outs[in.PreviousOutPoint]
					prev := rc.byID[op.Tx]
					o := prev.Msg.TxOut[op.Vout]
					tx.Prevouts = append(tx.Prevouts, chain.Prevout{Out: op, Value: o.Value, Script: o.PkScript, Addr: chain.AddressOf(o.PkScript), Resolved: true})
					prev.SpentBy[op.Vout] = chain.InPoint{Tx: tx.ID, Vin: uint32(vin)}
					rc.spender[op] = tx
				}
			}
			for v, o := range msg.TxOut {
				outs[wire.OutPoint{Hash: b.TxHashes[i], Index: uint32(v)}] = tx.ID.Out(uint32(v))
				if a := chain.AddressOf(o.PkScript); !has(rc.first, a) {
					rc.first[a] = tx.ID
				}
			}
			rc.byID[tx.ID] = tx
			rc.txs = append(rc.txs, tx)
		}
	}
	return rc, nil
}

// TestRealNoCoinJoin runs every detector on the 14,247 transactions of
// 2009: there were no CoinJoins then, so none may fire.
func TestRealNoCoinJoin(t *testing.T) {
	rc := loadReal(t)
	if len(rc.txs) != 14_247 {
		t.Fatalf("%d transactions, want 14,247", len(rc.txs))
	}
	multi := 0
	for _, tx := range rc.txs {
		if len(tx.Msg.TxIn) > 1 {
			multi++
		}
		if d := heuristic.CoinJoins(tx); len(d) > 0 {
			t.Errorf("%v (%v): %+v", tx.ID, tx.Hash, d)
		}
	}
	if multi != 72 {
		t.Errorf("%d transactions with several inputs, want 72", multi)
	}
}

// TestRealPeelChain checks the change rules on the real peel chain of
// 12cbQLTFMXRnSzktFkuoG3eHoMeFtpTu3S: block 170 pays Hal Finney 10 BTC out
// of the block-9 coinbase and sends 40 BTC back to 12cbQL…, which peels
// 10, 1, 1 and 10 BTC in blocks 181, 182, 183 and 248, each time returning
// the rest to itself.
func TestRealPeelChain(t *testing.T) {
	rc := loadReal(t)
	o := &heuristic.Options{History: rc.first, Spends: rc.spender}
	hal := rc.byID[chain.MakeTxID(170, 1)]
	if !strings.HasPrefix(hal.Hash.String(), "f4184fc5") {
		t.Fatalf("170:1 is %v", hal.Hash)
	}
	steps := []int32{170, 181, 182, 183, 248}
	for k, h := range steps {
		tx := rc.byID[chain.MakeTxID(h, 1)]
		if p, r, ok := heuristic.Peel(tx); !ok || p != 0 || r != 1 {
			t.Errorf("%d: Peel %d %d %v", h, p, r, ok)
		}
		if c, ok := heuristic.AddressReuse.Any(tx, o); !ok || c.Index != 1 {
			t.Errorf("%d: address reuse %v %+v", h, ok, c)
		}
		// The remainder goes back to an input address: no self-change
		// allowed, so H2 says nothing.
		if c, ok := heuristic.OneTime.Any(tx, o); ok {
			t.Errorf("%d: one-time %+v", h, c)
		}
		c, ok := heuristic.PeelChain.Any(tx, o)
		if k < len(steps)-1 && (!ok || c.Index != 1) {
			t.Errorf("%d: peel chain %v %+v", h, ok, c)
		}
		if c, ok := (heuristic.AddressReuse | heuristic.PeelChain).Any(tx, o); !ok || c.Index != 1 {
			t.Errorf("%d: reuse or peel %v %+v", h, ok, c)
		}
	}

	// Block 13051 sweeps 14 coinbases to one address and returns 1.44 BTC
	// to the first input's address: reuse and optimal change agree.
	sweep := rc.byID[chain.MakeTxID(13051, 1)]
	both := heuristic.AddressReuse | heuristic.OptimalChange
	if c, ok := both.All(sweep, o); !ok || c.Index != 1 || c.Reasons != both {
		t.Errorf("13051: %v %+v", ok, c)
	}
}

// TestRealChangeCounts logs how often each rule names change in 2009, and
// checks the answers are stable across Any and All.
func TestRealChangeCounts(t *testing.T) {
	rc := loadReal(t)
	o := &heuristic.Options{History: rc.first, Spends: rc.spender}
	counts := map[heuristic.Rule]int{}
	for _, tx := range rc.txs {
		for r := range heuristic.AllRules.Each() {
			a, okA := r.Any(tx, o)
			b, okB := r.All(tx, o)
			if a != b || okA != okB {
				t.Fatalf("%v %v: Any %+v, All %+v", tx.ID, r, a, b)
			}
			if okA {
				counts[r]++
			}
		}
	}
	t.Logf("transactions whose change each rule names: %v", counts)
	if counts[heuristic.AddressReuse] == 0 || counts[heuristic.PeelChain] < 4 {
		t.Errorf("counts %v", counts)
	}
}
