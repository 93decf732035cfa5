package trace_test

import (
	"context"
	"errors"
	"maps"
	"testing"
	"time"

	"github.com/plumetrace/plume/chain"
	"github.com/plumetrace/plume/trace"
)

const (
	block9Coinbase = "0437cd7f8525ceed2324359c2d0ba26006d92d856a9c20fa0241106ee5a597c9"
	halFinneyTx    = "f4184fc596403b9d638783cf57adfe4c75c605f6356fbc91338530e9831e9e16"
	peelAddress    = "12cbQLTFMXRnSzktFkuoG3eHoMeFtpTu3S"
	tx248          = "828ef3b079f9c23829c56fe86e85b4a69d9e06e5b54ea597eef5fb3ffef509fe"
)

func hopsOf(r *trace.Result) map[chain.TxID]int {
	m := map[chain.TxID]int{}
	for i := range r.Len() {
		m[r.At(i).ID] = r.Hop(i)
	}
	return m
}

func seedOuts(t *testing.T, rc *realChain, seeds ...string) []chain.OutPoint {
	t.Helper()
	var outs []chain.OutPoint
	for _, s := range seeds {
		sd, err := trace.ParseSeed(chain.Mainnet, s)
		if err != nil {
			t.Fatal(err)
		}
		r, err := trace.Follow(context.Background(), rc.db, []trace.Seed{sd}, trace.Options{MaxHops: 1})
		if err != nil {
			t.Fatal(err)
		}
		outs = append(outs, r.Seeds()...)
	}
	return outs
}

// TestFollowMatchesReference traces the real 2009 chain from several seeds
// in both directions and compares every transaction and hop with a plain
// search over an independent index of the same blocks.
func TestFollowMatchesReference(t *testing.T) {
	rc := loadReal(t)
	ctx := context.Background()
	for _, tc := range []struct {
		name  string
		seeds []string
		dir   trace.Direction
		hops  int
	}{
		{"block-9 coinbase forward", []string{block9Coinbase + ":0"}, trace.Forward, 0},
		{"peel address forward", []string{peelAddress}, trace.Forward, 0},
		{"Hal Finney tx forward", []string{halFinneyTx}, trace.Forward, 0},
		{"two seeds forward, two hops", []string{block9Coinbase + ":0", "1BBz9Z15YpELQ4QP5sEKb1SwxkcmPb5TMs"}, trace.Forward, 2},
		{"tx 248 backward", []string{tx248}, trace.Backward, 0},
		{"peel address backward, three hops", []string{peelAddress}, trace.Backward, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var seeds []trace.Seed
			for _, s := range tc.seeds {
				sd, err := trace.ParseSeed(chain.Mainnet, s)
				if err != nil {
					t.Fatal(err)
				}
				seeds = append(seeds, sd)
			}
			res, err := trace.Follow(ctx, rc.db, seeds, trace.Options{Direction: tc.dir, MaxHops: tc.hops})
			if err != nil {
				t.Fatal(err)
			}
			outs := res.Seeds()
			want := rc.forwardHops(outs, tc.hops)
			if tc.dir == trace.Backward {
				want = rc.backwardHops(outs, tc.hops)
			}
			if got := hopsOf(res); !maps.Equal(got, want) {
				t.Errorf("traced %d txs, reference %d\ngot  %v\nwant %v", len(got), len(want), got, want)
			}
			if len(want) < 2 {
				t.Fatalf("reference reached only %d txs; the case tests nothing", len(want))
			}
			for i := range res.Len() {
				path := res.Path(i)
				if len(path) == 0 || path[len(path)-1] != res.At(i) || (res.Hop(i) > 0 && len(path) != res.Hop(i)+1) {
					t.Errorf("path to %v (hop %d) has %d txs", res.At(i).ID, res.Hop(i), len(path))
				}
			}
		})
	}
}

// TestPeelChain checks the real peel chain by hand: the block-9 coinbase
// pays 50 BTC to 12cbQ…, which pays Hal Finney 10 BTC in block 170 and then
// peels 10, 1, 1 and 10 BTC in blocks 181, 182, 183 and 248.
func TestPeelChain(t *testing.T) {
	rc := loadReal(t)
	res, err := trace.Follow(context.Background(), rc.db, []trace.Seed{trace.OutSeed(mustHash(t, block9Coinbase), 0)}, trace.Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		height int32
		hop    int
		peel   int64
	}{{9, 0, 0}, {170, 1, 10e8}, {181, 2, 10e8}, {182, 3, 1e8}, {183, 4, 1e8}, {248, 5, 10e8}}
	for _, w := range want {
		i := res.Index(chain.MakeTxID(w.height, 1))
		if w.height == 9 {
			i = res.Index(chain.MakeTxID(9, 0))
		}
		if i < 0 {
			t.Fatalf("block %d's transaction not in the flow", w.height)
		}
		if res.Hop(i) != w.hop {
			t.Errorf("block %d: hop %d, want %d", w.height, res.Hop(i), w.hop)
		}
		if w.peel > 0 && res.At(i).Msg.TxOut[0].Value != w.peel {
			t.Errorf("block %d peels %d, want %d", w.height, res.At(i).Msg.TxOut[0].Value, w.peel)
		}
	}
	if !res.IsSeed(chain.MakeTxID(9, 0).Out(0)) || len(res.Seeds()) != 1 {
		t.Errorf("seeds %v", res.Seeds())
	}
}

func TestOptions(t *testing.T) {
	rc := loadReal(t)
	ctx := context.Background()
	seed := []trace.Seed{trace.OutSeed(mustHash(t, block9Coinbase), 0)}
	full, err := trace.Follow(ctx, rc.db, seed, trace.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Run("MinValue keeps 1 BTC payments out", func(t *testing.T) {
		res, err := trace.Follow(ctx, rc.db, seed, trace.Options{MinValue: 2e8})
		if err != nil {
			t.Fatal(err)
		}
		// 221 and 187 spend only the 1 BTC payments of blocks 182 and 183;
		// 496 is also funded by 248's 10 BTC payment.
		for _, c := range []struct {
			id   chain.TxID
			want bool
		}{{chain.MakeTxID(221, 1), false}, {chain.MakeTxID(187, 1), false}, {chain.MakeTxID(248, 1), true}, {chain.MakeTxID(496, 1), true}} {
			if res.Contains(c.id) != c.want {
				t.Errorf("%v in the flow: %v, want %v", c.id, !c.want, c.want)
			}
		}
		if res.Stopped != 2 || !full.Contains(chain.MakeTxID(221, 1)) {
			t.Errorf("stopped %d links, want the two 1 BTC payments", res.Stopped)
		}
	})
	t.Run("Stop at an address", func(t *testing.T) {
		stopAt, _ := chain.Mainnet.Parse("1LzBzVqEeuQyjD2mRWHes3dgWrT9titxvq") // block 182's 1 BTC payment
		res, err := trace.Follow(ctx, rc.db, seed, trace.Options{Stop: func(tx *chain.Tx, i int) bool { return tx.OutAddr(i) == stopAt }})
		if err != nil {
			t.Fatal(err)
		}
		if res.Contains(chain.MakeTxID(221, 1)) || !res.Contains(chain.MakeTxID(248, 1)) || res.Stopped != 1 {
			t.Errorf("Stop: 221 in flow %v, 248 in flow %v, stopped %d", res.Contains(chain.MakeTxID(221, 1)), res.Contains(chain.MakeTxID(248, 1)), res.Stopped)
		}
	})
	t.Run("time window", func(t *testing.T) {
		to := time.Date(2009, 1, 12, 12, 0, 0, 0, time.UTC) // before block 221 (14:21) and 248 (20:04)
		res, err := trace.Follow(ctx, rc.db, seed, trace.Options{To: to})
		if err != nil {
			t.Fatal(err)
		}
		for i := range res.Len() {
			if res.Hop(i) > 0 && res.At(i).Time.After(to) {
				t.Errorf("%v at %v is after the window", res.At(i).ID, res.At(i).Time)
			}
		}
		if !res.Contains(chain.MakeTxID(187, 1)) || res.Contains(chain.MakeTxID(248, 1)) {
			t.Errorf("window kept the wrong txs: %v", hopsOf(res))
		}
	})
	t.Run("MaxTxs truncates", func(t *testing.T) {
		res, err := trace.Follow(ctx, rc.db, seed, trace.Options{MaxTxs: 4})
		if err != nil {
			t.Fatal(err)
		}
		if res.Len() != 4 || !res.Truncated {
			t.Errorf("MaxTxs 4: %d txs, truncated %v", res.Len(), res.Truncated)
		}
		if full.Truncated {
			t.Error("an unlimited trace says it was truncated")
		}
	})
	t.Run("Progress per hop", func(t *testing.T) {
		var seen []trace.Progress
		_, err := trace.Follow(ctx, rc.db, seed, trace.Options{Progress: func(p trace.Progress) { seen = append(seen, p) }})
		if err != nil {
			t.Fatal(err)
		}
		if len(seen) != full.Hops+1 || seen[len(seen)-1].Txs != full.Len() || seen[len(seen)-1].Next != 0 {
			t.Errorf("progress %+v for %d hops and %d txs", seen, full.Hops, full.Len())
		}
	})
	t.Run("cancelled", func(t *testing.T) {
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		if _, err := trace.Follow(cctx, rc.db, seed, trace.Options{}); !errors.Is(err, context.Canceled) {
			t.Errorf("cancelled context: %v", err)
		}
		// Cancelled between hops: the trace stops there, not at its end.
		cctx, cancel = context.WithCancel(ctx)
		defer cancel()
		hops := 0
		_, err := trace.Follow(cctx, rc.db, seed, trace.Options{Progress: func(trace.Progress) {
			if hops++; hops == 2 {
				cancel()
			}
		}})
		if !errors.Is(err, context.Canceled) || hops != 2 || full.Hops < 3 {
			t.Errorf("cancelled after hop 1 of %d: %v after %d progress calls", full.Hops, err, hops)
		}
	})
	t.Run("overlapping seeds count once", func(t *testing.T) {
		addr, _ := trace.ParseSeed(chain.Mainnet, peelAddress)
		both := append([]trace.Seed{addr}, seed...)
		a, err := trace.Follow(ctx, rc.db, []trace.Seed{addr}, trace.Options{})
		if err != nil {
			t.Fatal(err)
		}
		b, err := trace.Follow(ctx, rc.db, both, trace.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if len(a.Seeds()) != len(b.Seeds()) || !maps.Equal(hopsOf(a), hopsOf(b)) {
			t.Errorf("adding a seed the address already covers changed the trace: %d vs %d seeds", len(a.Seeds()), len(b.Seeds()))
		}
	})
	t.Run("address seed window", func(t *testing.T) {
		addr, _ := trace.ParseSeed(chain.Mainnet, peelAddress)
		addr.From = time.Date(2009, 1, 12, 10, 0, 0, 0, time.UTC)
		res, err := trace.Follow(ctx, rc.db, []trace.Seed{addr}, trace.Options{MaxHops: 1})
		if err != nil {
			t.Fatal(err)
		}
		if got := res.Seeds(); len(got) != 1 || got[0] != chain.MakeTxID(248, 1).Out(1) {
			t.Errorf("seeds received after 10:00 on 12 Jan 2009: %v, want only 248:1 output 1", got)
		}
	})
}

func TestSeedErrors(t *testing.T) {
	rc := loadReal(t)
	for _, tc := range []struct {
		seed string
		want error
	}{
		{"mipcBbFg9gMiCh81Kj8tqqdgoZub1ZJRfn", chain.ErrWrongNetwork}, // a testnet address
		{"not-an-address", chain.ErrBadAddress},
		{block9Coinbase + ":x", trace.ErrBadSeed},
		{block9Coinbase + ":200000", trace.ErrBadSeed},
	} {
		if _, err := trace.ParseSeed(chain.Mainnet, tc.seed); !errors.Is(err, tc.want) {
			t.Errorf("ParseSeed(%q) = %v, want %v", tc.seed, err, tc.want)
		}
	}
	for _, s := range []string{
		"00000000000000000000000000000000000000000000000000000000000000ab",
		block9Coinbase + ":5",
	} {
		sd, err := trace.ParseSeed(chain.Mainnet, s)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := trace.Follow(context.Background(), rc.db, []trace.Seed{sd}, trace.Options{}); !errors.Is(err, chain.ErrNotFound) {
			t.Errorf("Follow(%s) = %v, want not found", s, err)
		}
	}
	if _, err := trace.Follow(context.Background(), rc.db, []trace.Seed{{}}, trace.Options{}); !errors.Is(err, trace.ErrBadSeed) {
		t.Errorf("zero Seed: %v", err)
	}
}

// TestFollowInMemory traces a region loaded once again from memory, with
// a narrower seed: the flow serves as the source.
func TestFollowInMemory(t *testing.T) {
	rc := loadReal(t)
	ctx := context.Background()
	region, err := trace.Follow(ctx, rc.db, []trace.Seed{trace.OutSeed(mustHash(t, block9Coinbase), 0)}, trace.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var _ trace.Source = region.Flow // a flow is a source
	sub := []trace.Seed{trace.OutSeed(mustHash(t, halFinneyTx), 1)}
	fromStore, err := trace.Follow(ctx, rc.db, sub, trace.Options{})
	if err != nil {
		t.Fatal(err)
	}
	fromMemory, err := trace.Follow(ctx, region.Flow, sub, trace.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !maps.Equal(hopsOf(fromStore), hopsOf(fromMemory)) || fromMemory.Len() < 4 {
		t.Errorf("in memory %v, from the store %v", hopsOf(fromMemory), hopsOf(fromStore))
	}
	// Beyond the region the flow has nothing: the trace ends there.
	narrow, err := trace.Follow(ctx, rc.db, []trace.Seed{trace.OutSeed(mustHash(t, block9Coinbase), 0)}, trace.Options{MaxHops: 2})
	if err != nil {
		t.Fatal(err)
	}
	again, err := trace.Follow(ctx, narrow.Flow, sub, trace.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if again.Outside == 0 || again.Len() >= fromStore.Len() {
		t.Errorf("tracing past a narrow region: %d txs, %d outside", again.Len(), again.Outside)
	}
}
