package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/plumetrace/plume/chain"
	"github.com/plumetrace/plume/store"
	"github.com/plumetrace/plume/trace"
)

// caseDoc is a case as saved in the store: what was asked, what counted
// as an exit, and the trace itself, with everything that shaped it (the
// trace's options and its stop predicate in words are in Trace). The
// taint is not saved: it is recomputed from the trace in milliseconds,
// and so can never disagree with it.
type caseDoc struct {
	Version int       `json:"version"`
	Name    string    `json:"name"`
	Created time.Time `json:"created"`
	Network string    `json:"network"`
	Tip     tipDoc    `json:"tip"`
	// Model is the taint model's name, "" for none; CoinJoins how taint
	// crosses CoinJoins.
	Model     string `json:"model,omitempty"`
	CoinJoins string `json:"taint_coinjoins,omitempty"`
	// StopAtExits and Deposits record how the exits were found: tagged
	// addresses, and with Deposits the deposit addresses sweeps reveal.
	StopAtExits bool              `json:"stop_at_exits"`
	Deposits    bool              `json:"deposits"`
	Exits       map[string]string `json:"exits,omitempty"` // address → label
	// TagPacks names the tag packs the exits' tags came from, sorted;
	// nil in a version 1 case, which did not record them.
	TagPacks []string     `json:"tag_packs"`
	Trace    *trace.Saved `json:"trace"`
}

type tipDoc struct {
	Height int32  `json:"height"`
	Hash   string `json:"hash"`
}

// caseVersion is the case format written. Version 2 added TagPacks and
// Trace.Stop; a version 1 case is still read, its stop predicate told by
// StopAtExits and Deposits, and its tag packs unknown.
const caseVersion = 2

func (a *app) saveCase(ctx context.Context, db *store.DB, c *caseDoc) error {
	b, err := json.Marshal(c)
	if err != nil {
		return err
	}
	return db.PutCase(ctx, c.Name, b)
}

// noCase is the error for a case name the store does not hold.
func noCase(name string, names []string) error {
	return fmt.Errorf("%w: no case %q (saved cases: %q; `plume trace --case NAME` saves one)", store.ErrNotFound, name, names)
}

func loadCase(ctx context.Context, db *store.DB, name string) (*caseDoc, error) {
	b, err := db.Case(ctx, name)
	if errors.Is(err, store.ErrNotFound) {
		names, _ := db.Cases(ctx)
		return nil, noCase(name, names)
	}
	if err != nil {
		return nil, err
	}
	c := &caseDoc{}
	if err := json.Unmarshal(b, c); err != nil {
		return nil, fmt.Errorf("case %q: %w: %v", name, store.ErrCorrupt, err)
	}
	if c.Version < 1 || c.Version > caseVersion || c.Trace == nil {
		return nil, fmt.Errorf("case %q: version %d of the case format, this plume reads 1 to %d", name, c.Version, caseVersion)
	}
	if c.Version == 1 {
		c.Trace.Stop = stopDescription(c.StopAtExits, c.Deposits)
	}
	return c, nil
}

// investigation is a case brought back to life: the trace restored from
// the store, and the taint recomputed.
type investigation struct {
	doc    *caseDoc
	params *chain.Params
	res    *trace.Result
	taint  *trace.Taint // nil without a model
	exits  map[chain.Address]string
	topts  trace.TaintOptions
}

func (c *caseDoc) exitsParsed(p *chain.Params) (map[chain.Address]string, error) {
	exits := make(map[chain.Address]string, len(c.Exits))
	for text, label := range c.Exits {
		addr, err := p.Parse(text)
		if err != nil {
			return nil, fmt.Errorf("case %q: exit %w", c.Name, err)
		}
		exits[addr] = label
	}
	return exits, nil
}

func exitsText(p *chain.Params, exits map[chain.Address]string) map[string]string {
	m := make(map[string]string, len(exits))
	for a, l := range exits {
		m[p.Format(a)] = l
	}
	return m
}

// open restores the case from src; a reorganisation since the trace is
// ErrStale.
func (c *caseDoc) open(ctx context.Context, src trace.Source, p *chain.Params) (*investigation, error) {
	if c.Network != p.Name {
		return nil, usagef("case %q was traced on %s; pass --network %s", c.Name, c.Network, c.Network)
	}
	res, err := trace.Restore(ctx, src, c.Trace, p)
	if errors.Is(err, trace.ErrStale) {
		return nil, fmt.Errorf("case %q: %w; trace it again", c.Name, err)
	}
	if err != nil {
		return nil, err
	}
	inv := &investigation{doc: c, params: p, res: res}
	if inv.exits, err = c.exitsParsed(p); err != nil {
		return nil, err
	}
	if err := inv.computeTaint(); err != nil {
		return nil, err
	}
	return inv, nil
}

// computeTaint computes the taint under the case's model, if it has one;
// the exits go into topts either way, for reports to record.
func (inv *investigation) computeTaint() error {
	c := inv.doc
	inv.topts = trace.TaintOptions{Exits: inv.exits}
	if c.Model == "" {
		return nil
	}
	m, err := trace.ParseModel(c.Model)
	if err != nil {
		return usageError{err}
	}
	inv.topts.Model = m
	if c.CoinJoins != "" {
		if inv.topts.CoinJoins, err = trace.ParseCoinJoinPolicy(c.CoinJoins); err != nil {
			return usageError{err}
		}
	}
	inv.taint, err = trace.ComputeTaint(inv.res, inv.topts)
	return err
}
