// Command zaif runs the Zaif hot-wallet theft of 14 September 2018 on a
// simulated chain, end to end, and reports what plume finds.
//
//	go run ./examples/zaif              # scale 0.05: about 54,000 transactions
//	go run ./examples/zaif -json        # the same report as one JSON document
//	go run ./examples/zaif -scale 0.2 -model fifo -report zaif.html
//
// It simulates (once; the blocks are cached in -data), ingests the blocks
// into a store (also kept in -data), imports the tags an investigator would
// have (the exchanges' and the mixer's known wallets, as public TagPacks
// list them), follows the coins forward from the thief's first address,
// finds the exchange deposit addresses the coins were swept from, computes
// the taint, and prints where the stolen coins went, how they spread hour
// by hour (also as a PNG chart), the longest peel chains, and how the
// findings compare with the simulation's ground truth.
//
// The simulation follows the public record of the theft (see
// internal/sim): the real case's seeds, for a trace against a real node
// (examples/live), are
//
//	BTC   1FmwHh6pgkf4meCMoqo8fHH3GNRF571f9w (theft tx c3b9a4a0831a65523c81e6a04f6ddf5a7a89f344d990e8a13e5278efe57f4280)
//	BCH   bitcoincash:qrn0jwaq3at5hhxsne8gmg5uemudl57r05pdzu2nyd (legacy 1N4Gz8QqVs3yXfKos46G8JJwW8Mpcb41YJ),
//	      then bitcoincash:qpyh6tw42h5pyl84py4c3ukqamsz0ucyly04nyz8u7 (17haHbYSxbvQae4ddB9iTGWpPNwaMC1jMd)
//	MONA  MBEYH8JuAHynTA7unLjon7p7im2U9JbitV
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/plumetrace/plume/chain"
	"github.com/plumetrace/plume/internal/cmdmain"
	"github.com/plumetrace/plume/trace"
)

func main() { cmdmain.Run("zaif", run) }

// config is what the flags say.
type config struct {
	scale      float64
	simSeed    uint64
	data       string
	seeds      []trace.Seed // parsed from -seed; none: the thief's first address
	model      trace.Model
	asJSON     bool
	chart      string
	report     string
	progress   bool
	forceQuiet bool
	dormant    time.Duration
}

func parseFlags(args []string, stderr io.Writer) (*config, error) {
	fs := flag.NewFlagSet("zaif", flag.ContinueOnError)
	fs.SetOutput(stderr)
	c := &config{}
	fs.Float64Var(&c.scale, "scale", 0.05, "size of the simulated case, 1 = the real figures (0.002..1)")
	fs.Uint64Var(&c.simSeed, "sim-seed", 1, "seed of the simulation")
	fs.StringVar(&c.data, "data", defaultData(), "directory for the simulated blocks, the store and the chart")
	var seeds cmdmain.Strings
	fs.Var(&seeds, "seed", "an address, txid or txid:vout to trace from (repeatable; default: the thief's first address)")
	model := fs.String("model", "haircut", "taint model: poison, haircut, fifo, lifo or tiho")
	fs.BoolVar(&c.asJSON, "json", false, "print one JSON document instead of the text report")
	fs.StringVar(&c.chart, "chart", "", "write the hourly timeline as a PNG here (default: DATA/zaif-timeline.png)")
	fs.StringVar(&c.report, "report", "", "also write the HTML case report here")
	fs.BoolVar(&c.forceQuiet, "quiet", false, "no progress bar even on a terminal")
	fs.DurationVar(&c.dormant, "dormant", 12*time.Hour, "coins untouched since this long after the theft began count as dormant")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments %q (seeds go in -seed flags)", fs.Args())
	}
	m, err := trace.ParseModel(*model)
	if err != nil {
		return nil, err
	}
	c.model = m
	// The simulated chain is regtest: a bad seed fails here, before
	// seconds of simulating and indexing.
	for _, text := range seeds {
		sd, err := trace.ParseSeed(chain.Regtest, text)
		if err != nil {
			return nil, err
		}
		c.seeds = append(c.seeds, sd)
	}
	if c.chart == "" {
		c.chart = filepath.Join(c.data, "zaif-timeline.png")
	}
	c.progress = !c.forceQuiet && cmdmain.IsTerminal(stderr)
	return c, nil
}

func defaultData() string {
	if d, err := os.UserCacheDir(); err == nil {
		return filepath.Join(d, "plume", "zaif")
	}
	return filepath.Join(os.TempDir(), "plume-zaif")
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	start := time.Now()
	cs, err := investigate(ctx, c, stderr)
	if err != nil {
		return err
	}
	rep := summarize(cs)
	rep.Elapsed = time.Since(start).Round(time.Millisecond).String()
	if rep.Chart, err = writeChart(c.chart, cs); err != nil {
		return err
	}
	if c.report != "" {
		if rep.Report, err = writeHTML(c.report, cs); err != nil {
			return err
		}
		// Said on stderr, as the other examples do: stdout stays the
		// report (or the JSON document).
		fmt.Fprintf(stderr, "report written to %s\n", rep.Report)
	}
	if c.asJSON {
		return writeJSON(stdout, rep)
	}
	writeText(stdout, rep)
	return nil
}
