package report_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/plumetrace/plume/chain"
	"github.com/plumetrace/plume/trace"
	"github.com/plumetrace/plume/trace/report"
)

// Report where the 50 BTC of the block-9 coinbase went in one hop, with
// Hal Finney's address labelled as an exit. The example prints the
// report's summary; WriteHTML and WriteJSON take the same Report.
func ExampleWriteMarkdown() {
	db, err := realStore() // the real blocks 0..14131, ingested in memory
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	seed, _ := trace.ParseSeed(chain.Mainnet, "0437cd7f8525ceed2324359c2d0ba26006d92d856a9c20fa0241106ee5a597c9:0")
	res, err := trace.Follow(ctx, db, []trace.Seed{seed}, trace.Options{MaxHops: 1})
	if err != nil {
		panic(err)
	}
	hal, _ := chain.Mainnet.Parse("1Q2TWHE3GMdB6BZKafqwxXtWAWgFt5Jvm3")
	exits := map[chain.Address]string{hal: "Hal Finney"}
	taint, err := trace.ComputeTaint(res, trace.TaintOptions{Model: trace.Haircut, Exits: exits})
	if err != nil {
		panic(err)
	}
	tip, _ := db.Tip()
	rep, err := report.New(res, taint, report.Options{
		Tip:          report.Tip(tip),
		TaintOptions: trace.TaintOptions{Model: trace.Haircut, Exits: exits},
		Version:      "v1.0.0",                                      // normally read from the build
		Generated:    time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC), // normally now
	})
	if err != nil {
		panic(err)
	}
	var md bytes.Buffer
	if err := report.WriteMarkdown(&md, rep); err != nil {
		panic(err)
	}
	summary, _, _ := strings.Cut(md.String(), "### Seeds")
	fmt.Print(summary)
	_, totals, _ := strings.Cut(md.String(), "### Where")
	totals, _, _ = strings.Cut(totals, "## Destinations")
	fmt.Print("### Where" + totals)
	// Output:
	// # plume case report
	//
	// Generated 2026-11-01 12:00:00 UTC by plume v1.0.0 · store tip block 14131, 00000000b3e750f37fdb42e1018799a9f44b546d393b130b369590a072430a1c
	//
	// ## Summary
	//
	// - Network: mainnet
	// - Direction: forward
	// - Taint model: haircut
	// - Transactions: 2 in 1 hop (3 outputs)
	// - Blocks: 9 (2009-01-09 03:54:39 UTC) to 170 (2009-01-12 03:30:25 UTC)
	// - Stolen: 50.00000000 BTC
	//
	// ### Where the stolen value went
	//
	// | Destination | BTC | Share |
	// | --- | ---: | ---: |
	// | Stolen (put in by the seeds) | 50.00000000 | 100.00 % |
	// | Held in unspent outputs | 0.00000000 | 0.00 % |
	// | Dormant in unspent outputs | 0.00000000 | 0.00 % |
	// | Exited to Hal Finney | 10.00000000 | 20.00 % |
	// | Paid as fees | 0.00000000 | 0.00 % |
	// | Beyond the trace | 40.00000000 | 80.00 % |
}
