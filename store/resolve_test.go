package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/btcsuite/btcd/wire"
	"github.com/plumetrace/plume/chain"
	"github.com/plumetrace/plume/source/blkfile"
	"github.com/plumetrace/plume/store"
)

// mapResolver answers from a map of real outputs, as a node would.
type mapResolver struct {
	outs    map[wire.OutPoint]chain.Prevout
	noPos   bool  // answer without the output's chain position
	failAt  int64 // fail the failAt-th call with a non-NotFound error
	calls   atomic.Int64
	missing atomic.Int64
}

var errResolverDown = errors.New("resolver is down")

func (m *mapResolver) PrevOut(ctx context.Context, op wire.OutPoint) (chain.Prevout, error) {
	n := m.calls.Add(1)
	if n == m.failAt {
		return chain.Prevout{}, errResolverDown
	}
	p, ok := m.outs[op]
	if !ok {
		m.missing.Add(1)
		return chain.Prevout{}, fmt.Errorf("%w: %v", store.ErrNotFound, op)
	}
	p.Addr = chain.Address{} // the store derives it from the script
	if m.noPos {
		p.Out = chain.OutPoint{}
	}
	return p, nil
}

// below returns a resolver of the real outputs created below height h.
func below(r *ref, h int32) *mapResolver {
	m := &mapResolver{outs: map[wire.OutPoint]chain.Prevout{}}
	for op, p := range r.outputs {
		if p.Out.Tx.Height() < h {
			m.outs[op] = p
		}
	}
	return m
}

// partial returns what a store of r's blocks from height first on must
// hold. Spends of outputs below it are unresolved unless resolved is set;
// noPos drops the positions of the outputs resolved that way.
func (r *ref) partial(first int32, resolved, noPos bool) *ref {
	old := func(p chain.Prevout) bool { return p.Resolved && p.Out.Tx.Height() < first }
	out := &ref{txs: map[chain.TxID]*refTx{}, ids: r.ids, blocks: map[int32]*chain.Block{}, hist: r.hist}
	for h, b := range r.blocks {
		if h >= first {
			out.blocks[h] = b
		}
	}
	for _, id := range r.order {
		if id.Height() < first {
			continue
		}
		tx := *r.txs[id]
		tx.prevs = append([]chain.Prevout(nil), tx.prevs...)
		for i, p := range tx.prevs {
			switch {
			case !old(p):
			case !resolved:
				tx.prevs[i] = chain.Prevout{}
			case noPos:
				tx.prevs[i].Out = chain.OutPoint{}
			}
		}
		out.txs[id] = &tx
		out.order = append(out.order, id)
	}
	return out
}

// partialHistory maps a full history to the one a store from height
// first on holds.
func partialHistory(first int32, resolved, noPos bool) func([]chain.Appearance) []chain.Appearance {
	return func(h []chain.Appearance) []chain.Appearance {
		var out []chain.Appearance
		for _, a := range h {
			if a.Height() < first {
				continue
			}
			if a.Spend && a.Prev.Tx.Height() < first {
				if !resolved {
					continue
				}
				if noPos {
					a.Prev = chain.OutPoint{}
				}
			}
			out = append(out, a)
		}
		return out
	}
}

// TestPartialChain ingests the real blocks from height 100 on (and from
// 1000, where more inputs spend older outputs), so that spends of older
// outputs cannot be resolved, then resolves them.
func TestPartialChain(t *testing.T) {
	blocks := realBlocks(t)
	full := replay(blocks)
	fullDB := memDB(t)
	ingest(t, fullDB, seq(blocks))
	for _, first := range []int32{100, 1000} {
		if testing.Short() && first == 100 {
			continue // 1000 exercises more; 100 adds the first payment
		}
		t.Run(fmt.Sprintf("from-%d", first), func(t *testing.T) { testPartial(t, full, fullDB, first) })
	}
}

func testPartial(t *testing.T, full *ref, fullDB *store.DB, first int32) {
	ctx := context.Background()
	blocks := realBlocks(t)
	// Counted from the full replay: inputs at heights >= first whose
	// output is older.
	want := 0
	for _, id := range full.order {
		for _, p := range full.txs[id].prevs {
			if id.Height() >= first && p.Out.Tx.Height() < first {
				want++
			}
		}
	}
	if want == 0 {
		t.Fatal("no input spends an output below the start")
	}
	t.Logf("%d inputs spend outputs below height %d", want, first)
	hash := blocks[first].Hash
	fromFirst := func(t *testing.T, opts store.Options) (*store.DB, store.IngestStats) {
		r := openReal(t, blkfile.Options{Start: &hash, StartHeight: first})
		db := openDB(t, t.TempDir(), opts)
		return db, ingest(t, db, r.Blocks(ctx, 0))
	}

	// balanceAt returns a's balance as of height h in the full chain.
	balanceAt := func(a chain.Address, h int32) int64 {
		return balance(filter(full.hist[a], func(ap chain.Appearance) bool { return ap.Height() <= h }))
	}

	var unresolvedDump []store.KV
	t.Run("unresolved", func(t *testing.T) {
		db, st := fromFirst(t, store.Options{})
		if st.Unresolved != want || st.Blocks != int(realTip+1-first) || st.Tip.Height != realTip {
			t.Fatalf("stats %+v, want %d unresolved", st, want)
		}
		verify(t, db)
		checkAgainst(t, db, full.partial(first, false, false), partialHistory(first, false, false))
		// A transaction with an unresolved input joins nothing.
		checkClusters(t, db, referenceClusters(blocks[first:]), 20)
		unresolvedDump = dump(t, db)
		if first <= 170 {
			tx, err := db.Tx(ctx, chain.MakeTxID(170, 1))
			if err != nil {
				t.Fatal(err)
			}
			if p := tx.Prevouts[0]; p.Resolved || !p.Out.IsZero() || p.Value != 0 || p.Script != nil {
				t.Errorf("the first payment's input reads %+v, want unresolved", p)
			}
			if _, known := tx.Fee(); known {
				t.Error("fee known with an unresolved input")
			}
			if h := history(t, db, mustAddr(t, satoshi9)); len(h) != 9 || h[0].Spend || h[0].Tx != chain.MakeTxID(170, 1) || h[0].Index != 1 {
				t.Errorf("history of %s starts %+v, want the spend of 9:0:0 left out", satoshi9, h)
			}
		}
		for _, id := range []chain.TxID{chain.MakeTxID(9, 0), chain.MakeTxID(first-1, 0)} {
			if _, err := db.Tx(ctx, id); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("Tx(%v) below the start: %v, want ErrNotFound", id, err)
			}
		}
		if _, err := db.Block(ctx, first-1); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Block(%d): %v, want ErrNotFound", first-1, err)
		}

		// Resolve in two rounds: a resolver that knows half the outputs,
		// then one that fails midway, then one that knows all.
		res := below(full, first)
		half := &mapResolver{outs: map[wire.OutPoint]chain.Prevout{}}
		for op, p := range res.outs {
			if p.Out.Tx.Height()%2 == 0 {
				half.outs[op] = p
			}
		}
		rs, err := db.Resolve(ctx, half)
		if err != nil || rs.Pending != want || rs.Resolved != want-int(half.missing.Load()) {
			t.Fatalf("Resolve with half the outputs: %+v, %v; want %d pending, %d resolved", rs, err, want, want-int(half.missing.Load()))
		}
		verify(t, db)
		left := want - rs.Resolved
		if left >= 2 {
			flaky := &mapResolver{outs: res.outs, failAt: 2}
			rs, err = db.Resolve(ctx, flaky)
			if !errors.Is(err, errResolverDown) || rs.Pending != left || rs.Resolved != 1 {
				t.Fatalf("Resolve with a failing resolver: %+v, %v; want %d pending, 1 resolved, the resolver's error", rs, err, left)
			}
			verify(t, db)
			left--
		}
		rs, err = db.Resolve(ctx, res)
		if err != nil || rs.Pending != left || rs.Resolved != left {
			t.Fatalf("Resolve: %+v, %v; want all %d resolved", rs, err, left)
		}
		if rs, err := db.Resolve(ctx, res); err != nil || rs.Pending != 0 {
			t.Fatalf("Resolve again: %+v, %v; want nothing pending", rs, err)
		}
		verify(t, db)
		checkAgainst(t, db, full.partial(first, true, false), partialHistory(first, true, false))
		// Every transaction the partial store holds reads as in the full
		// store, prevouts and spenders included.
		for _, id := range full.order {
			if id.Height() < first {
				continue
			}
			want, err := fullDB.Tx(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if err := checkTx(ctx, db, id, &refTx{hash: want.Hash, time: want.Time, prevs: want.Prevouts, spentBy: want.SpentBy}); err != nil {
				t.Fatal(err)
			}
		}
		// Balances agree with the full store's, less what each address
		// held at height 99: receipts below the start are missing, and so
		// are the spends below it, of outputs from below it.
		for a := range full.hist {
			got, err := db.Balance(ctx, a)
			if err != nil {
				t.Fatal(err)
			}
			wantFull, err := fullDB.Balance(ctx, a)
			if err != nil {
				t.Fatal(err)
			}
			if got != wantFull-balanceAt(a, first-1) {
				t.Fatalf("Balance(%v) = %d, want %d - %d held at %d", a, got, wantFull, balanceAt(a, first-1), first-1)
			}
		}
	})

	t.Run("resolver-at-ingest", func(t *testing.T) {
		res := below(full, first)
		db, st := fromFirst(t, store.Options{Resolver: res})
		if st.Unresolved != 0 || res.calls.Load() != int64(want) {
			t.Fatalf("stats %+v, %d resolver calls; want no unresolved, %d calls", st, res.calls.Load(), want)
		}
		verify(t, db)
		// Resolving at ingest and resolving later store the same chain;
		// only address IDs differ, since an address first seen at a
		// resolved input gets its ID at ingest but none from Resolve.
		checkAgainst(t, db, full.partial(first, true, false), partialHistory(first, true, false))
	})

	t.Run("resolver-knows-nothing", func(t *testing.T) {
		res := &mapResolver{}
		db, st := fromFirst(t, store.Options{Resolver: res})
		if st.Unresolved != want || res.calls.Load() != int64(want) {
			t.Fatalf("stats %+v after %d calls, want %d unresolved", st, res.calls.Load(), want)
		}
		verify(t, db)
		if unresolvedDump == nil {
			t.Fatal("needs the store of the unresolved subtest")
		}
		sameDump(t, db, unresolvedDump)
	})

	t.Run("resolver-without-positions", func(t *testing.T) {
		res := below(full, first)
		res.noPos = true
		db, _ := fromFirst(t, store.Options{})
		if rs, err := db.Resolve(ctx, res); err != nil || rs.Resolved != want {
			t.Fatalf("Resolve: %+v, %v", rs, err)
		}
		verify(t, db)
		checkAgainst(t, db, full.partial(first, true, true), partialHistory(first, true, true))

		atIngest, _ := fromFirst(t, store.Options{Resolver: res})
		verify(t, atIngest)
		checkAgainst(t, atIngest, full.partial(first, true, true), partialHistory(first, true, true))
	})
}
