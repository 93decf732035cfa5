package graph

import (
	"context"
	"errors"
	"iter"
	"slices"
	"testing"

	"github.com/btcsuite/btcd/chaincfg/chainhash"

	"github.com/plumetrace/plume/chain"
)

// The Flow is a trace.Source. trace imports graph, so the interface is
// written out here rather than imported, which also keeps this package's
// tests independent of work in progress in trace.
var _ interface {
	Tx(ctx context.Context, id chain.TxID) (*chain.Tx, error)
	TxIDs(ctx context.Context, hash chainhash.Hash) ([]chain.TxID, error)
	History(ctx context.Context, addr chain.Address) iter.Seq2[chain.Appearance, error]
} = (*Flow)(nil)

func TestSourceTx(t *testing.T) {
	h := newHandFlow()
	f := h.flow()
	ctx := context.Background()
	for _, c := range []struct {
		tx *chain.Tx
		in bool
	}{{h.T1, true}, {h.T2, true}, {h.T3, true}, {h.E, false}, {h.O, false}} {
		got, err := f.Tx(ctx, c.tx.ID)
		switch {
		case c.in && (err != nil || got != c.tx):
			t.Errorf("Tx(%v) = %v, %v; want the member", c.tx.ID, got, err)
		case !c.in && (got != nil || !errors.Is(err, chain.ErrNotFound)):
			t.Errorf("Tx(%v) = %v, %v; want chain.ErrNotFound", c.tx.ID, got, err)
		}
		ids, err := f.TxIDs(ctx, c.tx.Hash)
		switch {
		case c.in && (err != nil || !slices.Equal(ids, []chain.TxID{c.tx.ID})):
			t.Errorf("TxIDs(%v) = %v, %v", c.tx.Hash, ids, err)
		case !c.in && (ids != nil || !errors.Is(err, chain.ErrNotFound)):
			t.Errorf("TxIDs(%v) = %v, %v; want chain.ErrNotFound", c.tx.Hash, ids, err)
		}
	}
}

// Two early coinbases repeat the txids of earlier ones (BIP30): TxIDs
// returns both positions, in chain order.
func TestSourceTxIDsDuplicate(t *testing.T) {
	w := newWorld()
	first := w.Tx(91812, 0, nil, pay(addr(1), 50*btc))
	again := *first
	again.ID = chain.MakeTxID(91842, 0)
	again.Time = blockTime(91842)
	f := New(nil, true, nil, slices.Concat(at(0, &again), at(0, first)))
	ids, err := f.TxIDs(context.Background(), first.Hash)
	if want := []chain.TxID{first.ID, again.ID}; err != nil || !slices.Equal(ids, want) {
		t.Errorf("TxIDs = %v, %v; want %v", ids, err, want)
	}
	// The result is the caller's.
	ids[0] = 0
	if ids, _ := f.TxIDs(context.Background(), first.Hash); ids[0] != first.ID {
		t.Errorf("TxIDs returned the flow's own slice")
	}
}

func TestSourceHistory(t *testing.T) {
	h := newHandFlow()
	f := h.flow()
	ctx := context.Background()
	history := func(a chain.Address) ([]chain.Appearance, error) {
		var as []chain.Appearance
		for ap, err := range f.History(ctx, a) {
			if err != nil {
				return as, err
			}
			as = append(as, ap)
		}
		return as, nil
	}
	t1, t2 := blockTime(101), blockTime(102)
	for _, c := range []struct {
		name string
		a    chain.Address
		want []chain.Appearance
	}{
		// C is paid by T1, spends it in T2 and is paid change by T2: the
		// spend comes before the receipt of the same transaction.
		{"receipts and spend", h.C, []chain.Appearance{
			{Tx: h.T1.ID, Index: 0, Value: 3 * btc, Time: t1},
			{Tx: h.T2.ID, Index: 0, Spend: true, Value: 3 * btc, Prev: h.T1.ID.Out(0), Time: t2},
			{Tx: h.T2.ID, Index: 1, Value: 199_980_000, Time: t2},
		}},
		// B was paid outside the flow; only its spend is inside.
		{"spend of an outside output", h.B, []chain.Appearance{
			{Tx: h.T2.ID, Index: 1, Spend: true, Value: 1 * btc, Prev: h.E.ID.Out(1), Time: t2},
		}},
		// D's output is spent outside the flow.
		{"receipt only", h.D, []chain.Appearance{
			{Tx: h.T1.ID, Index: 1, Value: 199_990_000, Time: t1},
		}},
		{"outside the flow", h.F, nil},
		{"never seen", addr(999), nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := history(c.a)
			if err != nil {
				t.Fatalf("History: %v", err)
			}
			if !slices.EqualFunc(got, c.want, func(a, b chain.Appearance) bool {
				return a.Tx == b.Tx && a.Index == b.Index && a.Spend == b.Spend && a.Value == b.Value && a.Prev == b.Prev && a.Time.Equal(b.Time)
			}) {
				t.Errorf("History(%v) =\n%+v\nwant\n%+v", c.a, got, c.want)
			}
		})
	}
	t.Run("chain order on a random region", func(t *testing.T) {
		r := randomFlow(3, 300)
		for _, tx := range r.members {
			for v := range tx.Msg.TxOut {
				a := tx.OutAddr(v)
				var prev *chain.Appearance
				n := 0
				for ap, err := range r.flow.History(ctx, a) {
					if err != nil {
						t.Fatal(err)
					}
					if prev != nil && (ap.Tx < prev.Tx || ap.Tx == prev.Tx && prev.Spend == ap.Spend && ap.Index <= prev.Index || ap.Tx == prev.Tx && !prev.Spend && ap.Spend) {
						t.Fatalf("History(%v): %+v after %+v", a, ap, *prev)
					}
					prev = &ap
					n++
				}
				if n == 0 {
					t.Fatalf("History(%v) is empty, but %v pays it", a, tx.ID)
				}
			}
		}
	})
	t.Run("early stop", func(t *testing.T) {
		n := 0
		for range f.History(ctx, h.C) {
			n++
			break
		}
		if n != 1 {
			t.Errorf("%d appearances after break", n)
		}
	})
	t.Run("cancelled", func(t *testing.T) {
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		var errs int
		for _, err := range f.History(cctx, h.C) {
			if !errors.Is(err, context.Canceled) {
				t.Errorf("error %v, want context.Canceled", err)
			}
			errs++
		}
		if errs != 1 {
			t.Errorf("%d errors, want 1 then the end", errs)
		}
	})
}
