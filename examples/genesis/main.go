// Command genesis traces real coins of 2009 end to end: it reads the
// mainnet blocks 0..14131 that ship inside the btcd module, ingests them
// into a plume store in a temporary directory, and follows coins forward
// from seed addresses, txids or outpoints.
//
//	go run ./examples/genesis                       # the default seed
//	go run ./examples/genesis -seed 0437cd7f8525ceed2324359c2d0ba26006d92d856a9c20fa0241106ee5a597c9:0
//	go run ./examples/genesis -json                 # one JSON document
//	go run ./examples/genesis -model haircut        # how much of each output is stolen
//	go run ./examples/genesis -model haircut -report case.html   # an HTML case report too
//
// The default seed, 12cbQLTFMXRnSzktFkuoG3eHoMeFtpTu3S, received the
// block-9 coinbase, paid Hal Finney 10 BTC in block 170 (the first
// person-to-person bitcoin transaction) and then peeled off payments of 10,
// 1, 1 and 10 BTC in blocks 181, 182, 183 and 248: a real peel chain.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/plumetrace/plume/chain"
	"github.com/plumetrace/plume/internal/btcdata"
	"github.com/plumetrace/plume/internal/cmdmain"
	"github.com/plumetrace/plume/source/blkfile"
	"github.com/plumetrace/plume/store"
	"github.com/plumetrace/plume/trace"
	casereport "github.com/plumetrace/plume/trace/report"
)

// defaultSeed is the address that received the block-9 coinbase.
const defaultSeed = "12cbQLTFMXRnSzktFkuoG3eHoMeFtpTu3S"

func main() { cmdmain.Run("genesis", run) }

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("genesis", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var seeds cmdmain.Strings
	fs.Var(&seeds, "seed", "an address, txid or txid:vout to follow (repeatable; default "+defaultSeed+")")
	blocks := fs.String("blocks", "", "a Bitcoin Core blocks directory or record file (default: blocks 0..14131 from the btcd module)")
	asJSON := fs.Bool("json", false, "print one JSON document instead of a table")
	hops := fs.Int("hops", 0, "follow at most this many hops (0: no limit)")
	modelName := fs.String("model", "", "taint model: poison, haircut, fifo, lifo or tiho (default: none)")
	reportFile := fs.String("report", "", "also write an HTML case report to this file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q (seeds go in -seed flags)", fs.Args())
	}
	if len(seeds) == 0 {
		seeds = cmdmain.Strings{defaultSeed}
	}
	params := chain.Mainnet
	var model *trace.Model
	if *modelName != "" {
		m, err := trace.ParseModel(*modelName)
		if err != nil {
			return err
		}
		model = &m
	}
	var parsed []trace.Seed
	for _, s := range seeds {
		sd, err := trace.ParseSeed(params, s)
		if err != nil {
			return err
		}
		parsed = append(parsed, sd)
	}
	if *blocks == "" {
		p, err := btcdata.Path(btcdata.Blocks0To14131)
		if err != nil {
			return err
		}
		*blocks = p
	}

	r, err := blkfile.Open(ctx, *blocks, blkfile.Options{Params: params})
	if err != nil {
		return err
	}
	defer r.Close()
	dir, err := os.MkdirTemp("", "plume-genesis-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	db, err := store.Open(dir, store.Options{Params: params})
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.Ingest(ctx, r.Blocks(ctx, 0), nil); err != nil {
		return err
	}

	snap := db.Snapshot()
	defer snap.Close()
	res, err := trace.Follow(ctx, snap, parsed, trace.Options{MaxHops: *hops, Params: params})
	if err != nil {
		return err
	}
	var taint *trace.Taint
	if model != nil {
		if taint, err = trace.ComputeTaint(res, trace.TaintOptions{Model: *model}); err != nil {
			return err
		}
	}
	if *reportFile != "" {
		tip, _ := db.Tip()
		if err := cmdmain.WriteHTMLReport(*reportFile, res, taint, casereport.Options{Tip: casereport.Tip(tip)}, stderr); err != nil {
			return err
		}
	}
	rep, err := newReport(ctx, snap, res, taint, seeds)
	if err != nil {
		return err
	}
	if *asJSON {
		return rep.writeJSON(stdout)
	}
	return rep.writeTable(stdout)
}
