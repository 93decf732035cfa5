package store_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/btcsuite/btcd/wire"

	"github.com/plumetrace/plume/chain"
	"github.com/plumetrace/plume/store"
)

// twoBranches returns two chains that share blocks 0..25: main runs to
// 40 and branch to 45. Above the fork each block spends a coinbase from
// below it, main paying payees 100.., branch 120.., and the branch's
// blocks are a minute later than main's, so histories, spenders and
// times all tell the branches apart.
func twoBranches(t testing.TB) (main, branch []*chain.Block) {
	b, genesis := newBuilder(t, chain.Regtest)
	main = []*chain.Block{genesis}
	var cbs []*wire.MsgTx // coinbase of height h at h-1
	for h := 1; h <= 40; h++ {
		cb := coinbase(fmt.Sprintf("main %d", h), pay(byte(h%20+1), 50e8))
		cbs = append(cbs, cb)
		txs := []*wire.MsgTx{cb}
		if h > 25 {
			txs = append(txs, spend(ops(outpoint(cbs[h-26], 0)), pay(byte(100+h%7), 30e8), pay(byte(h%20+1), 19e8)))
		}
		main = append(main, b.block(txs...))
	}
	fb := after(t, main[25])
	fb.time = fb.time.Add(time.Minute)
	branch = append([]*chain.Block{}, main[:26]...)
	for h := 26; h <= 45; h++ {
		txs := []*wire.MsgTx{coinbase(fmt.Sprintf("branch %d", h), pay(byte(h%20+1), 50e8))}
		txs = append(txs, spend(ops(outpoint(cbs[h-21], 0)), pay(byte(120+h%5), 40e8), pay(byte(h%20+1), 9e8)))
		branch = append(branch, fb.block(txs...))
	}
	return main, branch
}

// TestReadDuringReorg has readers take snapshots and read transactions,
// blocks and histories while the store is reorganised back and forth
// between two branches (Sync: Disconnect 15 or 20 blocks, then ingest
// the other branch in small batches). Every snapshot must see one whole
// chain: its tip block is one of the branches' blocks at that height, and
// every block, transaction, spender, time and history it reads is that
// branch's, cut at the tip, with nothing above.
func TestReadDuringReorg(t *testing.T) {
	ctx := context.Background()
	main, branch := twoBranches(t)
	chains := [2][]*chain.Block{main, branch}
	refs := [2]*ref{replay(main), replay(branch)}
	var addrs []chain.Address
	for n := range 130 {
		if a := payee(byte(n)); len(refs[0].hist[a])+len(refs[1].hist[a]) > 0 {
			addrs = append(addrs, a)
		}
	}

	db := openDB(t, t.TempDir(), store.Options{Params: chain.Regtest, BatchBytes: 1 << 10})
	node := &fakeNode{blocks: main}
	if _, err := db.Sync(ctx, node, store.SyncOptions{}); err != nil {
		t.Fatal(err)
	}

	var (
		done     atomic.Bool
		mu       sync.Mutex
		firstErr error
		seen     [2]map[int32]bool // tips seen on each branch above the fork
		reads    atomic.Int64
	)
	seen[0], seen[1] = map[int32]bool{}, map[int32]bool{}
	fail := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		if firstErr == nil {
			firstErr = fmt.Errorf(format, args...)
		}
	}
	read := func(s *store.Snapshot, rng *rand.Rand) {
		tip := s.Tip()
		b, err := s.Block(ctx, tip)
		if err != nil {
			fail("snapshot at %d: its tip block: %v", tip, err)
			return
		}
		c := -1
		for i := range chains {
			if int(tip) < len(chains[i]) && chains[i][tip].Hash == b.Hash {
				c = i
			}
		}
		if c < 0 {
			fail("snapshot at %d: tip block %v is on neither branch", tip, b.Hash)
			return
		}
		if tip > 25 {
			mu.Lock()
			seen[c][tip] = true
			mu.Unlock()
		}
		blocks, want := chains[c], refs[c]
		for range 10 {
			h := rng.Int32N(tip + 1)
			if got, err := s.Block(ctx, h); err != nil || got.Hash != blocks[h].Hash {
				fail("snapshot at %d (branch %d): block %d is %v, %v", tip, c, h, got.Hash, err)
			}
			for i := range blocks[h].Txs {
				id := chain.MakeTxID(h, i)
				tx, err := s.Tx(ctx, id)
				if err != nil {
					fail("snapshot at %d (branch %d): Tx(%v): %v", tip, c, id, err)
					continue
				}
				rt := want.txs[id]
				if tx.Hash != rt.hash || !tx.Time.Equal(rt.time) {
					fail("snapshot at %d (branch %d): Tx(%v) is %v at %v, want %v at %v", tip, c, id, tx.Hash, tx.Time, rt.hash, rt.time)
				}
				for o, sp := range tx.SpentBy {
					wantSp := rt.spentBy[o]
					if wantSp.Tx.Height() > tip {
						wantSp = chain.InPoint{}
					}
					if sp != wantSp {
						fail("snapshot at %d (branch %d): output %d of %v spent by %v, want %v", tip, c, o, id, sp, wantSp)
					}
				}
			}
		}
		if _, err := s.Tx(ctx, chain.MakeTxID(tip+1, 0)); !errors.Is(err, store.ErrNotFound) {
			fail("snapshot at %d: Tx above the tip: %v, want ErrNotFound", tip, err)
		}
		a := addrs[rng.IntN(len(addrs))]
		wantHist := filter(want.hist[a], func(ap chain.Appearance) bool { return ap.Height() <= tip })
		var got []chain.Appearance
		for ap, err := range s.History(ctx, a) {
			if err != nil {
				fail("snapshot at %d: History(%v): %v", tip, a, err)
				return
			}
			got = append(got, ap)
		}
		if len(got) != len(wantHist) {
			fail("snapshot at %d (branch %d): History(%v) has %d appearances, want %d", tip, c, a, len(got), len(wantHist))
			return
		}
		for i := range got {
			if !sameAppearance(got[i], wantHist[i]) {
				fail("snapshot at %d (branch %d): History(%v)[%d] = %+v, want %+v", tip, c, a, i, got[i], wantHist[i])
			}
		}
		reads.Add(1)
	}

	var wg sync.WaitGroup
	for r := range 3 {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(r), 7))
			for !done.Load() {
				s := db.Snapshot()
				read(s, rng)
				if rng.IntN(2) == 0 {
					runtime.Gosched()
					read(s, rng) // a snapshot held across the reorganisation
				}
				s.Close()
			}
		})
	}
	const rounds = 20
	disconnected := 0
	for i := range rounds {
		node.set(func(n *fakeNode) { n.blocks = chains[(i+1)%2] })
		st, err := db.Sync(ctx, node, store.SyncOptions{})
		if err != nil {
			done.Store(true)
			wg.Wait()
			t.Fatalf("round %d: %v", i, err)
		}
		disconnected += st.Disconnected
	}
	done.Store(true)
	wg.Wait()
	if firstErr != nil {
		t.Fatal(firstErr)
	}
	t.Logf("%d snapshot reads; %d blocks disconnected; tips seen above the fork: main %d, branch %d", reads.Load(), disconnected, len(seen[0]), len(seen[1]))
	if disconnected != 10*15+10*20 {
		t.Errorf("%d rounds disconnected %d blocks, want %d", rounds, disconnected, 10*15+10*20)
	}
	if len(seen[0]) < 2 || len(seen[1]) < 2 {
		t.Fatalf("readers saw tips %v on main and %v on the branch above the fork: the reads did not overlap the reorganisations", seen[0], seen[1])
	}
	verify(t, db)
}
