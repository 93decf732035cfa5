package report_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/plumetrace/plume/chain"
	"github.com/plumetrace/plume/internal/btcdata"
	"github.com/plumetrace/plume/store"
	"github.com/plumetrace/plume/trace"
	"github.com/plumetrace/plume/trace/report"
)

// The real 2009 flow of examples/genesis: the block-9 coinbase received by
// 12cbQLTF…, Hal Finney's 10 BTC in block 170 and the peel chain after it.
const (
	genesisSeed = "12cbQLTFMXRnSzktFkuoG3eHoMeFtpTu3S"
	halAddress  = "1Q2TWHE3GMdB6BZKafqwxXtWAWgFt5Jvm3" // paid in block 170
	halTxID     = "f4184fc596403b9d638783cf57adfe4c75c605f6356fbc91338530e9831e9e16"
)

// generated is the fixed report time of the golden files.
var generated = time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)

// realStore ingests the real mainnet blocks 0..14131 that ship with the
// btcd module into an in-memory store, once per test binary; tests only
// read it.
var realStore = sync.OnceValues(func() (*store.DB, error) {
	ctx := context.Background()
	db, err := store.Open("", store.Options{InMemory: true})
	if err != nil {
		return nil, err
	}
	if _, err := db.Ingest(ctx, btcdata.Blocks2009(ctx), nil); err != nil {
		return nil, err
	}
	return db, nil
})

// genesisCase is one way to report the real flow.
type genesisCase struct {
	seed  string
	model *trace.Model // nil: no taint
	exits map[string]string
	opts  trace.Options
	ropts report.Options
}

// build traces, taints and reports c on the real chain.
func (c genesisCase) build(t testing.TB) (*report.Report, *trace.Result, *trace.Taint) {
	t.Helper()
	db, err := realStore()
	if err != nil {
		t.Fatal(err)
	}
	if c.seed == "" {
		c.seed = genesisSeed
	}
	seed, err := trace.ParseSeed(chain.Mainnet, c.seed)
	if err != nil {
		t.Fatal(err)
	}
	snap := db.Snapshot()
	defer snap.Close()
	res, err := trace.Follow(context.Background(), snap, []trace.Seed{seed}, c.opts)
	if err != nil {
		t.Fatal(err)
	}
	exits := map[chain.Address]string{}
	for a, l := range c.exits {
		addr, err := chain.Mainnet.Parse(a)
		if err != nil {
			t.Fatal(err)
		}
		exits[addr] = l
	}
	var taint *trace.Taint
	topts := trace.TaintOptions{Exits: exits}
	if c.model != nil {
		topts.Model = *c.model
		if taint, err = trace.ComputeTaint(res, topts); err != nil {
			t.Fatal(err)
		}
	}
	ro := c.ropts
	tip, _ := db.Tip()
	ro.Tip = report.Tip(tip)
	ro.TaintOptions = topts
	if ro.Version == "" {
		ro.Version = "v0.0.0-test"
	}
	if ro.Generated.IsZero() {
		ro.Generated = generated
	}
	rep, err := report.New(res, taint, ro)
	if err != nil {
		t.Fatal(err)
	}
	return rep, res, taint
}

func model(m trace.Model) *trace.Model { return &m }

// haircut is the golden case: the default seed under the haircut model.
var haircut = genesisCase{model: model(trace.Haircut)}

// haircutExit labels Hal Finney's address an exit, so that the report has
// an exit and its path.
var haircutExit = genesisCase{model: model(trace.Haircut), exits: map[string]string{halAddress: "Hal Finney (test exit)"}}

func optsHops(n int) trace.Options { return trace.Options{MaxHops: n} }
