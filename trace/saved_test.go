package trace_test

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/plumetrace/plume/chain"
	"github.com/plumetrace/plume/trace"
)

// TestSaveRestore: a saved trace, through JSON, restores to the same flow,
// hops, paths, seeds, options and counters, forward and backward; a stop
// predicate, which cannot be saved, is recorded as set.
func TestSaveRestore(t *testing.T) {
	rc := loadReal(t)
	ctx := context.Background()
	snap := rc.db.Snapshot()
	defer snap.Close()
	seed, err := trace.ParseSeed(chain.Mainnet, "12cbQLTFMXRnSzktFkuoG3eHoMeFtpTu3S")
	if err != nil {
		t.Fatal(err)
	}
	seed.From = time.Date(2009, 1, 1, 0, 0, 0, 0, time.UTC)
	seed.Amount = 5e8
	for _, opts := range []trace.Options{
		{MaxHops: 6, CoinJoins: trace.CoinJoinStop, MinValue: 1000},
		{Direction: trace.Backward, MaxHops: 3, MaxTxs: 40},
		{MaxHops: 5, Stop: func(*chain.Tx, int) bool { return false }},
	} {
		res, err := trace.Follow(ctx, snap, []trace.Seed{seed}, opts)
		if err != nil {
			t.Fatal(err)
		}
		if res.Len() < 5 {
			t.Fatalf("%v: a trace of %d transactions proves little", opts.Direction, res.Len())
		}
		wantStop := ""
		if opts.Stop != nil {
			wantStop = trace.StopUndescribed
		}
		b, err := json.Marshal(res.Save())
		if err != nil {
			t.Fatal(err)
		}
		var saved trace.Saved
		if err := json.Unmarshal(b, &saved); err != nil {
			t.Fatal(err)
		}
		if saved.Stop != wantStop {
			t.Errorf("%v: saved stop %q, want %q", opts.Direction, saved.Stop, wantStop)
		}
		got, err := trace.Restore(ctx, snap, &saved, chain.Mainnet)
		if err != nil {
			t.Fatal(err)
		}
		if got.Len() != res.Len() || got.Hops != res.Hops || got.Edges != res.Edges || got.Truncated != res.Truncated ||
			got.Stopped != res.Stopped || got.Elapsed != res.Elapsed || got.Forward() != res.Forward() {
			t.Errorf("%v: restored counters differ: %+v", opts.Direction, saved)
		}
		if got.Options.Direction != opts.Direction || got.Options.MaxHops != opts.MaxHops || got.Options.CoinJoins != opts.CoinJoins ||
			got.Options.MinValue != opts.MinValue || got.Options.MaxTxs != opts.MaxTxs {
			t.Errorf("%v: restored options %+v", opts.Direction, got.Options)
		}
		if !slices.Equal(got.Seeds(), res.Seeds()) || len(got.Requested) != 1 || got.Requested[0].String() != seed.String() ||
			!got.Requested[0].From.Equal(seed.From) || got.Requested[0].Amount != seed.Amount {
			t.Errorf("%v: restored seeds %v %v", opts.Direction, got.Seeds(), got.Requested)
		}
		for i := range res.Len() {
			if got.At(i).Hash != res.At(i).Hash || got.Hop(i) != res.Hop(i) {
				t.Fatalf("%v: tx %d: %v hop %d, want %v hop %d", opts.Direction, i, got.At(i).Hash, got.Hop(i), res.At(i).Hash, res.Hop(i))
			}
			if !slices.Equal(hashes(got.Path(i)), hashes(res.Path(i))) {
				t.Fatalf("%v: tx %d: path differs", opts.Direction, i)
			}
		}
		if got.NumEdges() != res.NumEdges() {
			t.Errorf("%v: %d edges, want %d", opts.Direction, got.NumEdges(), res.NumEdges())
		}
	}
}

func hashes(txs []*chain.Tx) []string {
	var s []string
	for _, tx := range txs {
		s = append(s, tx.Hash.String())
	}
	return s
}

// TestRestoreStale: a saved trace whose transactions are not where they
// were is refused, not rebuilt into another flow.
func TestRestoreStale(t *testing.T) {
	rc := loadReal(t)
	ctx := context.Background()
	snap := rc.db.Snapshot()
	defer snap.Close()
	seed, _ := trace.ParseSeed(chain.Mainnet, "12cbQLTFMXRnSzktFkuoG3eHoMeFtpTu3S")
	res, err := trace.Follow(ctx, snap, []trace.Seed{seed}, trace.Options{MaxHops: 4})
	if err != nil {
		t.Fatal(err)
	}
	s := res.Save()
	s.Txs[2].Hash[0] ^= 1
	if _, err := trace.Restore(ctx, snap, s, nil); !errors.Is(err, trace.ErrStale) {
		t.Errorf("tampered txid: %v, want ErrStale", err)
	}
	s = res.Save()
	small, err := trace.Follow(ctx, snap, []trace.Seed{seed}, trace.Options{MaxHops: 1})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := trace.Restore(ctx, small, s, nil); !errors.Is(err, trace.ErrStale) {
		t.Errorf("a source without the transactions: %v, want ErrStale", err)
	}
	for _, bad := range []func(*trace.Saved){
		func(s *trace.Saved) { s.Direction = "sideways" },
		func(s *trace.Saved) { s.CoinJoins = "maybe" },
		func(s *trace.Saved) { s.Txs[1].Parent = int32(len(s.Txs)) },
		func(s *trace.Saved) { s.Txs[1], s.Txs[2] = s.Txs[2], s.Txs[1] },
		func(s *trace.Saved) { s.Seeds[0].Text = "not a seed" },
	} {
		s := res.Save()
		bad(s)
		if _, err := trace.Restore(ctx, snap, s, nil); err == nil {
			t.Errorf("a corrupt saved trace restored: %+v", s.Txs[:3])
		}
	}
}
