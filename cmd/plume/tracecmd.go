package main

import (
	"context"
	"errors"
	"time"

	"github.com/spf13/cobra"

	"github.com/plumetrace/plume/chain"
	"github.com/plumetrace/plume/internal/cmdmain"
	"github.com/plumetrace/plume/store"
	"github.com/plumetrace/plume/trace"
)

// traceFlags are trace's flags as given.
type traceFlags struct {
	name        string
	seeds       []string
	backward    bool
	hops        int
	maxTxs      int
	minValue    int64
	from, to    string
	model       string
	coinjoins   string
	taintJoins  string
	stopAtExits bool
	deposits    bool
}

func newTrace(a *app) *cobra.Command {
	var f traceFlags
	cmd := &cobra.Command{
		Use:   "trace --seed SEED [--seed SEED...]",
		Short: "Follow coins from seeds and save the case",
		Long: `Follow coins from seeds (an address, a txid, or txid:vout; repeat --seed)
forward to where they went, or --backward to where they came from, and save
the trace as a case under --case (default: the first seed) for report, export
and watch.

Exits are where stolen coins leave the thief's hands: addresses the store's
tags name (plume tags import), and with --deposits the deposit addresses that
exchanges' sweeps reveal without any tag. Forward, the trace stops at exits
unless --stop-at-exits=false. With --model the taint is computed: how much of
every output is stolen (poison, haircut, fifo, lifo, tiho).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.trace(cmd.Context(), &f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.name, "case", "", "name to save the case under (default: the first seed)")
	fl.StringArrayVar(&f.seeds, "seed", nil, "an address, txid or txid:vout (repeatable)")
	fl.BoolVar(&f.backward, "backward", false, "trace where the coins came from")
	fl.IntVar(&f.hops, "hops", 0, "stop after this many hops (0: no limit)")
	fl.IntVar(&f.maxTxs, "max-txs", 1_000_000, "stop once the trace holds this many transactions (0: no limit)")
	fl.Int64Var(&f.minValue, "min-value", 0, "do not follow outputs worth less (satoshi)")
	fl.StringVar(&f.from, "from", "", "only transactions in blocks from this time (RFC 3339 or 2006-01-02)")
	fl.StringVar(&f.to, "to", "", "only transactions in blocks up to this time (a date or minute includes all of it)")
	fl.StringVar(&f.model, "model", "", "taint model: poison, haircut, fifo, lifo or tiho (default: none)")
	fl.StringVar(&f.coinjoins, "coinjoins", "ignore", "at a CoinJoin: ignore (follow on) or stop")
	fl.StringVar(&f.taintJoins, "taint-coinjoins", "ignore", "taint through a CoinJoin: ignore (by the model), haircut, or stop (count as exited)")
	fl.BoolVar(&f.stopAtExits, "stop-at-exits", true, "forward, end the trail at exits")
	fl.BoolVar(&f.deposits, "deposits", false, "find exchange deposit addresses by their sweeps and count them as exits")
	return cmd
}

// parseTime reads a --from or --to time. An investigator who writes
// --to 2018-09-15 means to the end of that day, so with end a date or a
// minute stands for its last instant; as a start it stands for its first.
func parseTime(flag, s string, end bool) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	for _, f := range []struct {
		layout string
		span   time.Duration
	}{{time.RFC3339, 0}, {"2006-01-02T15:04", time.Minute}, {"2006-01-02", 24 * time.Hour}} {
		if t, err := time.Parse(f.layout, s); err == nil {
			if end && f.span > 0 {
				t = t.Add(f.span - time.Nanosecond)
			}
			return t, nil
		}
	}
	return time.Time{}, usagef("--%s %q: want a time like 2018-09-14 or 2018-09-14T08:00:00Z", flag, s)
}

func (a *app) trace(ctx context.Context, f *traceFlags) error {
	p, err := a.params()
	if err != nil {
		return err
	}
	if len(f.seeds) == 0 {
		return usagef("give at least one --seed (an address, txid or txid:vout)")
	}
	seeds := make([]trace.Seed, len(f.seeds))
	for i, s := range f.seeds {
		if seeds[i], err = trace.ParseSeed(p, s); err != nil {
			return err
		}
	}
	if f.name == "" {
		f.name = f.seeds[0]
	}
	opts := trace.Options{MaxHops: f.hops, MaxTxs: f.maxTxs, MinValue: f.minValue, Params: p}
	if f.backward {
		opts.Direction = trace.Backward
	}
	if opts.From, err = parseTime("from", f.from, false); err != nil {
		return err
	}
	if opts.To, err = parseTime("to", f.to, true); err != nil {
		return err
	}
	if opts.CoinJoins, err = trace.ParseCoinJoinPolicy(f.coinjoins); err != nil || opts.CoinJoins == trace.CoinJoinHaircut {
		return usagef("--coinjoins %q: ignore or stop", f.coinjoins)
	}
	doc := &caseDoc{Version: caseVersion, Name: f.name, Created: time.Now().UTC(), Network: p.Name,
		StopAtExits: f.stopAtExits && !f.backward, Deposits: f.deposits && !f.backward}
	if f.model != "" {
		m, err := trace.ParseModel(f.model)
		if err != nil {
			return usageError{err}
		}
		if f.backward {
			return usagef("--model needs a forward trace: taint flows with the coins")
		}
		doc.Model = m.String()
		cj, err := trace.ParseCoinJoinPolicy(f.taintJoins)
		if err != nil {
			return usageError{err}
		}
		doc.CoinJoins = cj.String()
	}

	db, err := a.open(false, store.Options{})
	if err != nil {
		return err
	}
	defer db.Close()
	// The name is checked before minutes of tracing, not after.
	if _, err := db.Case(ctx, doc.Name); errors.Is(err, store.ErrCaseName) {
		return err
	}
	snap := db.Snapshot()
	defer snap.Close()
	tip, _ := db.Tip()
	doc.Tip = tipDoc{Height: tip.Height, Hash: tip.Hash.String()}
	labels, err := db.Labels(ctx)
	if err != nil {
		return err
	}
	defer labels.Close()
	bar := a.progress()
	opts.Progress = func(pr trace.Progress) { bar.Step("tracing, hop by hop", int64(pr.Hop+1), -1) }

	deposits := map[chain.Address]string{}
	if doc.Deposits {
		// The whole spread first: a deposit address is known by the
		// sweep that spends it, which a trace stopping at exits may not
		// reach.
		wide := opts
		wide.Stop = trace.StopAt(labels.Label)
		res, err := trace.Follow(ctx, snap, seeds, wide)
		if err != nil {
			return err
		}
		ds, err := trace.DepositAddresses(ctx, snap, res.Flow, trace.DepositOptions{Clusters: cmdmain.Clusters(db)})
		if err != nil {
			return err
		}
		deposits = trace.DepositExits(ds)
	}
	label := func(addr chain.Address) (string, bool) {
		if l, ok := labels.Label(addr); ok {
			return l, true
		}
		l, ok := deposits[addr]
		return l, ok
	}
	if doc.StopAtExits {
		opts.Stop = trace.StopAt(label)
	}
	res, err := trace.Follow(ctx, snap, seeds, opts)
	bar.Done()
	if err != nil {
		return err
	}
	exits := trace.ExitsFrom(res.Flow, label)
	doc.Exits = exitsText(p, exits)
	doc.TagPacks = tagPacks(labels, exits)
	doc.Trace = res.Save()
	doc.Trace.Stop = stopDescription(doc.StopAtExits, doc.Deposits)
	inv := &investigation{doc: doc, params: p, res: res, exits: exits}
	if err := inv.computeTaint(); err != nil {
		return err
	}
	if err := a.saveCase(ctx, db, doc); err != nil {
		return err
	}
	return a.showCase(inv)
}
