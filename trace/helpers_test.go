package trace_test

import (
	"context"
	"iter"
	"sync"
	"testing"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"

	"github.com/plumetrace/plume/chain"
	"github.com/plumetrace/plume/internal/btcdata"
	"github.com/plumetrace/plume/source/blkfile"
	"github.com/plumetrace/plume/store"
)

// realChain is the real mainnet blocks 0..14131 in a store, with an
// independent in-memory index of the same chain to check traces against.
type realChain struct {
	db    *store.DB
	txs   map[chain.TxID]*wire.MsgTx
	ids   map[chainhash.Hash]chain.TxID
	spent map[chain.OutPoint]chain.TxID // output -> spending tx
	times map[chain.TxID]int64
}

var (
	realOnce sync.Once
	real     *realChain
	realErr  error
)

// loadReal ingests the real blocks once per test binary. The store is
// shared by the tests, which only read it.
func loadReal(t testing.TB) *realChain {
	t.Helper()
	realOnce.Do(func() {
		ctx := context.Background()
		path, err := btcdata.Path(btcdata.Blocks0To14131)
		if err != nil {
			realErr = err
			return
		}
		r, err := blkfile.Open(ctx, path, blkfile.Options{})
		if err != nil {
			realErr = err
			return
		}
		defer r.Close()
		real, realErr = newChain(ctx, chain.Mainnet, r.Blocks(ctx, 0))
	})
	if realErr != nil {
		t.Fatal(realErr)
	}
	return real
}

// newChain ingests blocks into an in-memory store and builds the
// reference index of the same blocks.
func newChain(ctx context.Context, p *chain.Params, blocks iter.Seq2[*chain.Block, error]) (*realChain, error) {
	db, err := store.Open("", store.Options{InMemory: true, Params: p})
	if err != nil {
		return nil, err
	}
	rc := &realChain{db: db, txs: map[chain.TxID]*wire.MsgTx{}, ids: map[chainhash.Hash]chain.TxID{},
		spent: map[chain.OutPoint]chain.TxID{}, times: map[chain.TxID]int64{}}
	var all []*chain.Block
	for b, err := range blocks {
		if err != nil {
			return nil, err
		}
		all = append(all, b)
		for i, tx := range b.Txs {
			id := b.TxID(i)
			rc.txs[id] = tx
			rc.ids[b.TxHashes[i]] = id
			rc.times[id] = b.Header.Timestamp.Unix()
			if i == 0 {
				continue
			}
			for _, in := range tx.TxIn {
				prev := rc.ids[in.PreviousOutPoint.Hash]
				rc.spent[prev.Out(in.PreviousOutPoint.Index)] = id
			}
		}
	}
	stream := func(yield func(*chain.Block, error) bool) {
		for _, b := range all {
			if !yield(b, nil) {
				return
			}
		}
	}
	if _, err := db.Ingest(ctx, stream, nil); err != nil {
		return nil, err
	}
	return rc, nil
}

// forwardHops is the reference for a forward trace: a plain breadth-first
// search over spends from the seed outputs. Seed transactions that nothing
// traced spends into stay at hop 0.
func (rc *realChain) forwardHops(seeds []chain.OutPoint, maxHops int) map[chain.TxID]int {
	hops := map[chain.TxID]int{}
	var frontier []chain.TxID
	for _, o := range seeds {
		hops[o.Tx] = 0
		if by, ok := rc.spent[o]; ok {
			frontier = append(frontier, by)
		}
	}
	reached := map[chain.TxID]bool{}
	for hop := 1; len(frontier) > 0 && (maxHops == 0 || hop <= maxHops); hop++ {
		var next []chain.TxID
		for _, id := range frontier {
			if reached[id] {
				continue
			}
			reached[id] = true
			hops[id] = hop
			for v := range rc.txs[id].TxOut {
				if by, ok := rc.spent[id.Out(uint32(v))]; ok && !reached[by] {
					next = append(next, by)
				}
			}
		}
		frontier = next
	}
	return hops
}

// backwardHops is the reference for a backward trace.
func (rc *realChain) backwardHops(seeds []chain.OutPoint, maxHops int) map[chain.TxID]int {
	hops := map[chain.TxID]int{}
	var frontier []chain.TxID
	for _, o := range seeds {
		if _, ok := hops[o.Tx]; !ok {
			hops[o.Tx] = 0
			frontier = append(frontier, o.Tx)
		}
	}
	for hop := 1; len(frontier) > 0 && (maxHops == 0 || hop <= maxHops); hop++ {
		var next []chain.TxID
		for _, id := range frontier {
			tx := rc.txs[id]
			if chain.IsCoinbase(tx) {
				continue
			}
			for _, in := range tx.TxIn {
				prev := rc.ids[in.PreviousOutPoint.Hash]
				if _, ok := hops[prev]; !ok {
					hops[prev] = hop
					next = append(next, prev)
				}
			}
		}
		frontier = next
	}
	return hops
}

func mustHash(t testing.TB, s string) chainhash.Hash {
	t.Helper()
	h, err := chainhash.NewHashFromStr(s)
	if err != nil {
		t.Fatal(err)
	}
	return *h
}
