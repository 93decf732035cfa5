package main

import (
	"context"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/plumetrace/plume/chain"
	"github.com/plumetrace/plume/internal/cmdmain"
	"github.com/plumetrace/plume/store"
	"github.com/plumetrace/plume/trace"
)

// halTx is the first bitcoin payment to someone else: block 170 pays 10
// BTC of the block-9 coinbase to halTo, and 40 back to hal.
const halTx = "f4184fc596403b9d638783cf57adfe4c75c605f6356fbc91338530e9831e9e16"

// block1 is the coinbase of block 1, still unspent.
const block1 = "0e3e2357e806b6cdb1f70b54c3a3a17b6714ee1f0e68bebb44a74b1efd512098"

// savedCase reads a case as the command saved it.
func savedCase(t *testing.T, data, name string) *caseDoc {
	t.Helper()
	db, err := store.Open(data, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	c, err := loadCase(context.Background(), db, name)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// libTrace is the library's answer: Follow from seeds with opts, stopping
// at the store's tagged addresses when stop is set (as --stop-at-exits
// does), and the exits ExitsFrom finds.
func libTrace(t *testing.T, data string, seeds []string, opts trace.Options, stop bool) (*trace.Result, map[string]string) {
	return libTraceDeposits(t, data, seeds, opts, stop, false)
}

// libTraceDeposits is libTrace that, with deposits, also counts as exits
// the deposit addresses DepositAddresses finds in the flow traced up to
// tagged addresses.
func libTraceDeposits(t *testing.T, data string, seeds []string, opts trace.Options, stop, deposits bool) (*trace.Result, map[string]string) {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(data, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	labels, err := db.Labels(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer labels.Close()
	var sds []trace.Seed
	for _, s := range seeds {
		sd, err := trace.ParseSeed(chain.Mainnet, s)
		if err != nil {
			t.Fatal(err)
		}
		sds = append(sds, sd)
	}
	label := labels.Label
	if deposits {
		wide := opts
		wide.Stop = trace.StopAt(labels.Label)
		res, err := trace.Follow(ctx, db, sds, wide)
		if err != nil {
			t.Fatal(err)
		}
		ds, err := trace.DepositAddresses(ctx, db, res.Flow, trace.DepositOptions{Clusters: cmdmain.Clusters(db)})
		if err != nil {
			t.Fatal(err)
		}
		dx := trace.DepositExits(ds)
		label = func(a chain.Address) (string, bool) {
			if l, ok := labels.Label(a); ok {
				return l, ok
			}
			l, ok := dx[a]
			return l, ok
		}
	}
	if stop {
		opts.Stop = trace.StopAt(label)
	}
	res, err := trace.Follow(ctx, db, sds, opts)
	if err != nil {
		t.Fatal(err)
	}
	return res, exitsText(chain.Mainnet, trace.ExitsFrom(res.Flow, label))
}

// sameTrace fails unless the saved case holds the library's flow,
// transaction by transaction and hop by hop, with its counters.
func sameTrace(t *testing.T, what string, c *caseDoc, res *trace.Result) {
	t.Helper()
	s := c.Trace
	if len(s.Txs) != res.Len() || s.Hops != res.Hops || s.Edges != res.Edges || s.Truncated != res.Truncated ||
		s.Stopped != res.Stopped || s.StoppedAtJoin != res.CoinJoins {
		t.Fatalf("%s: saved %d txs, %d hops, %d edges, truncated %v, stopped %d; library %d, %d, %d, %v, %d",
			what, len(s.Txs), s.Hops, s.Edges, s.Truncated, s.Stopped, res.Len(), res.Hops, res.Edges, res.Truncated, res.Stopped)
	}
	for i, tx := range s.Txs {
		if tx.Hash != res.At(i).Hash || tx.Hop != res.Hop(i) {
			t.Fatalf("%s: tx %d is %v hop %d, library %v hop %d", what, i, tx.Hash, tx.Hop, res.At(i).Hash, res.Hop(i))
		}
	}
}

// TestTraceOptions: each trace option of the command gives the flow the
// library's Follow gives for the same option, and changes the flow where
// the 2009 chain lets it.
func TestTraceOptions(t *testing.T) {
	data := realStore(t)
	tagHal(t, data)
	// An exit the flow goes on from (block 182 pays it 1 BTC, which
	// block 221 spends): stopping there leaves one transaction out.
	tagPack(t, data, "more exits", "1LzBzVqEeuQyjD2mRWHes3dgWrT9titxvq", "exchange")
	day := func(d int) time.Time { return time.Date(2009, 1, d, 0, 0, 0, 0, time.UTC) }
	endOf := func(d int) time.Time { return day(d + 1).Add(-time.Nanosecond) }
	const all = 1_000_000 // --max-txs by default
	full, _ := libTrace(t, data, []string{hal}, trace.Options{MaxTxs: all}, false)
	for _, c := range []struct {
		name  string
		args  []string
		seeds []string
		opts  trace.Options
		stop  bool
		// differs: the option must change the flow (the chain has a case
		// it applies to).
		differs bool
		// fact checks the flow against what the chain says, read by hand.
		fact func(*trace.Result) bool
	}{
		{"two seeds", []string{"--seed", hal, "--seed", block1 + ":0", "--stop-at-exits=false"},
			[]string{hal, block1 + ":0"}, trace.Options{MaxTxs: all}, false, true,
			func(r *trace.Result) bool { return r.Len() == full.Len()+1 && r.At(0).Hash.String() == block1 }},
		{"bare txid", []string{"--seed", halTx}, []string{halTx}, trace.Options{MaxTxs: all}, true, true,
			func(r *trace.Result) bool {
				tx := r.At(0)
				return tx.Hash.String() == halTx && tx.Height() == 170 && tx.Msg.TxOut[0].Value == 10e8 &&
					chain.Mainnet.Format(tx.OutAddr(0)) == halTo
			}},
		{"backward", []string{"--seed", halTx, "--backward"}, []string{halTx}, trace.Options{Direction: trace.Backward, MaxTxs: all}, false, true,
			// Block 170 spends only the block-9 coinbase, which spends nothing.
			func(r *trace.Result) bool {
				return r.Len() == 2 && r.At(0).Height() == 9 && r.At(1).Hash.String() == halTx
			}},
		{"max-txs", []string{"--seed", hal, "--max-txs", "3", "--stop-at-exits=false"}, []string{hal}, trace.Options{MaxTxs: 3}, false, true,
			func(r *trace.Result) bool { return r.Truncated && r.Len() < full.Len() }},
		{"min-value", []string{"--seed", hal, "--min-value", "1000000000", "--stop-at-exits=false"}, []string{hal},
			trace.Options{MinValue: 1e9, MaxTxs: all}, false, true,
			// The 1 BTC payments of blocks 182 and 183 are not followed.
			func(r *trace.Result) bool { return !hasHeight(r, 187) && !hasHeight(r, 221) }},
		{"window", []string{"--seed", hal, "--from", "2009-01-12", "--to", "2009-01-13", "--stop-at-exits=false"}, []string{hal},
			trace.Options{From: day(12), To: endOf(13), MaxTxs: all}, false, true,
			func(r *trace.Result) bool {
				for i := range r.Len() {
					if tm := r.At(i).Time; r.Hop(i) > 0 && (tm.Before(day(12)) || tm.After(endOf(13))) {
						return false
					}
				}
				return true
			}},
		// The payments go on until the 14th: a date takes in all its day.
		{"to a day", []string{"--seed", hal, "--to", "2009-01-14", "--stop-at-exits=false"}, []string{hal},
			trace.Options{To: endOf(14), MaxTxs: all}, false, false,
			func(r *trace.Result) bool { return r.At(r.Len() - 1).Time.After(day(14)) }},
		// No CoinJoin in 2009: the policy is recorded and changes nothing.
		{"coinjoins", []string{"--seed", hal, "--coinjoins", "stop", "--stop-at-exits=false"}, []string{hal},
			trace.Options{CoinJoins: trace.CoinJoinStop, MaxTxs: all}, false, false,
			func(r *trace.Result) bool { return r.CoinJoins == 0 }},
		// Block 221 spends the tagged 1 BTC.
		{"stop at exits", []string{"--seed", hal}, []string{hal}, trace.Options{MaxTxs: all}, true, true,
			func(r *trace.Result) bool { return !hasHeight(r, 221) && r.Len() == full.Len()-1 }},
		{"not at exits", []string{"--seed", hal, "--stop-at-exits=false"}, []string{hal}, trace.Options{MaxTxs: all}, false, false,
			func(r *trace.Result) bool { return hasHeight(r, 221) }},
	} {
		var s caseSummary
		okJSON(t, &s, append([]string{"--data", data, "trace", "--case", c.name}, c.args...)...)
		res, exits := libTrace(t, data, c.seeds, c.opts, c.stop)
		doc := savedCase(t, data, c.name)
		sameTrace(t, c.name, doc, res)
		if s.Txs != res.Len() || s.Truncated != res.Truncated || s.Direction != c.opts.Direction.String() || len(s.Seeds) != len(c.seeds) {
			t.Errorf("%s: summary %+v", c.name, s)
		}
		if !maps.Equal(doc.Exits, exits) {
			t.Errorf("%s: exits %v, library %v", c.name, doc.Exits, exits)
		}
		if o := doc.Trace; o.MaxTxs != c.opts.MaxTxs || o.MinValue != c.opts.MinValue || !o.From.Equal(c.opts.From) ||
			!o.To.Equal(c.opts.To) || o.CoinJoins != c.opts.CoinJoins.String() || doc.StopAtExits != c.stop {
			t.Errorf("%s: saved options %+v, stop at exits %v", c.name, o, doc.StopAtExits)
		}
		if differs := res.Len() != full.Len() || res.Forward() != full.Forward(); differs != c.differs {
			t.Errorf("%s: %d txs, %d without the option: the test shows nothing", c.name, res.Len(), full.Len())
		}
		if !c.fact(res) {
			t.Errorf("%s: the flow contradicts the chain", c.name)
		}
	}
}

func hasHeight(r *trace.Result, h int32) bool {
	for i := range r.Len() {
		if r.At(i).Height() == h {
			return true
		}
	}
	return false
}

// TestTraceDeposits: with --deposits, a deposit address found by its
// sweep is an exit, as the library finds it, and the trace stops there
// unless --stop-at-exits=false. Transaction 5559270f… of block 1945 sweeps
// 20 coinbases into one output; the seed is the first of them.
func TestTraceDeposits(t *testing.T) {
	data := realStore(t)
	const seed = "5bb5df544ad5976ea1c1e9fe17d27137e144bf0f823c90b09759deca07d23809:0"
	for _, c := range []struct {
		name           string
		args           []string
		stop, deposits bool
		txs            int // the coinbase, and the sweep unless the trace stopped
	}{
		{"tags only", nil, true, false, 2},
		{"deposits", []string{"--deposits"}, true, true, 1},
		{"deposits, no stop", []string{"--deposits", "--stop-at-exits=false"}, false, true, 2},
	} {
		ok(t, append([]string{"--data", data, "trace", "--case", c.name, "--seed", seed}, c.args...)...)
		res, exits := libTraceDeposits(t, data, []string{seed}, trace.Options{MaxTxs: 1_000_000}, c.stop, c.deposits)
		doc := savedCase(t, data, c.name)
		sameTrace(t, c.name, doc, res)
		if !maps.Equal(doc.Exits, exits) || doc.Deposits != c.deposits || res.Len() != c.txs {
			t.Errorf("%s: exits %v (library %v), deposits %v, %d txs", c.name, doc.Exits, exits, doc.Deposits, res.Len())
		}
		addr := chain.Mainnet.Format(res.At(0).OutAddr(0))
		if l := doc.Exits[addr]; c.deposits != strings.HasPrefix(l, "deposit: cluster ") {
			t.Errorf("%s: the swept coinbase's address %s has exit label %q", c.name, addr, l)
		}
	}
}
