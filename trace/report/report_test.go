package report_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/plumetrace/plume/chain"
	"github.com/plumetrace/plume/graph"
	"github.com/plumetrace/plume/internal/flowtest"
	"github.com/plumetrace/plume/trace"
	"github.com/plumetrace/plume/trace/report"
)

// TestTotals checks, under every model, that the report accounts for
// every stolen satoshi exactly as the taint does: the totals and the
// destinations add up to trace.TaintTotals.
func TestTotals(t *testing.T) {
	for _, m := range trace.Models() {
		t.Run(m.String(), func(t *testing.T) {
			c := haircutExit
			c.model = model(m)
			rep, _, taint := c.build(t)
			tot := taint.Totals()
			by := map[string]int64{}
			for _, x := range rep.Summary.Totals {
				by[x.Kind] += x.Amount
			}
			if by[report.KindStolen] != tot.Injected || by[report.KindSwept] != tot.Absorbed ||
				by[report.KindHeld]+by[report.KindDormant] != tot.Held || by[report.KindExit] != tot.Exited ||
				by[report.KindFees] != tot.Fees || by[report.KindBeyond] != tot.Beyond {
				t.Errorf("totals %v, taint %+v", by, tot)
			}
			if rep.Summary.Stolen != tot.Injected+tot.Absorbed {
				t.Errorf("stolen %d, taint %+v", rep.Summary.Stolen, tot)
			}
			var dest int64
			for _, d := range rep.Destinations {
				dest += *d.Taint
			}
			if dest != tot.Held+tot.Exited+tot.Fees+tot.Beyond {
				t.Errorf("destinations add up to %d, taint %+v", dest, tot)
			}
		})
	}
}

// TestExitPath checks the provenance of the one exit of the real flow:
// Hal Finney's 10 BTC, reached from the block-9 coinbase in one step.
func TestExitPath(t *testing.T) {
	rep, _, _ := haircutExit.build(t)
	pv := rep.Provenance
	if len(pv.ExitPaths) != 1 {
		t.Fatalf("exit paths: %+v", pv.ExitPaths)
	}
	e := pv.ExitPaths[0]
	if e.Address != halAddress || e.Taint != 10e8 || e.Outpoint != halTxID+":0" || e.Node == "" {
		t.Errorf("exit %+v", e)
	}
	if len(e.Path) != 2 || e.Path[0].Height != 9 || e.Path[1].TxID != halTxID {
		t.Errorf("path %+v", e.Path)
	}
	if len(pv.Exits) != 1 || pv.Exits[0].Address != halAddress {
		t.Errorf("configured exits %+v", pv.Exits)
	}
	if pv.Tip == nil || pv.Tip.Height != 14131 || pv.Version != "v0.0.0-test" || pv.Model != "haircut" {
		t.Errorf("provenance %+v", pv)
	}
}

func TestMismatch(t *testing.T) {
	_, res, _ := haircut.build(t)
	_, _, other := haircut.build(t)
	if _, err := report.New(res, other, report.Options{}); !errors.Is(err, report.ErrMismatch) {
		t.Errorf("a taint of another trace: %v", err)
	}
}

// TestDefaults checks what the zero Options fill in.
func TestDefaults(t *testing.T) {
	_, res, taint := haircut.build(t)
	rep, err := report.New(res, taint, report.Options{})
	if err != nil {
		t.Fatal(err)
	}
	pv := rep.Provenance
	if pv.Tip != nil || pv.Version == "" || pv.Generated.IsZero() || rep.Title == "" {
		t.Errorf("defaults: tip %v, version %q, generated %v, title %q", pv.Tip, pv.Version, pv.Generated, rep.Title)
	}
	if rep.Graph.MaxNodes != report.DefaultMaxNodes || rep.Graph.Capped {
		t.Errorf("graph cap %d, capped %v", rep.Graph.MaxNodes, rep.Graph.Capped)
	}
	if v := report.Version(); v == "" {
		t.Error("no version")
	}
}

// TestDormant moves the dormancy window so that the 2009 holdings, some
// 14,000 blocks below the tip, count as dormant.
func TestDormant(t *testing.T) {
	c := haircut
	c.ropts.DormantBlocks = 10_000
	rep, _, taint := c.build(t)
	for _, x := range rep.Summary.Totals {
		switch x.Kind {
		case report.KindHeld:
			if x.Amount != 0 {
				t.Errorf("held %d", x.Amount)
			}
		case report.KindDormant:
			if x.Amount != taint.Totals().Held {
				t.Errorf("dormant %d, want %d", x.Amount, taint.Totals().Held)
			}
		}
	}
	for _, n := range rep.Graph.Nodes {
		if n.Kind == report.KindHeld {
			t.Errorf("node %s is held, not dormant", n.ID)
		}
	}
}

// TestBackward reports a backward trace: no taint, no destinations, but
// a graph of where the coins came from.
func TestBackward(t *testing.T) {
	c := genesisCase{seed: "a3b0e9e7cddbbe78270fa4182a7675ff00b92872d8df7d14265a2b1e379a9d33:0", opts: trace.Options{Direction: trace.Backward}}
	rep, res, _ := c.build(t)
	if rep.Summary.Direction != "backward" || len(rep.Destinations) != 0 || len(rep.Timeline.Steps) != 0 {
		t.Errorf("summary %+v, destinations %v", rep.Summary, rep.Destinations)
	}
	if len(rep.Graph.Nodes) != res.Len() {
		t.Errorf("graph has %d nodes, trace %d transactions", len(rep.Graph.Nodes), res.Len())
	}
	checkGraph(t, rep, res)
}

// TestCap cuts the real flow and random flows to a few nodes and checks
// what survives: the seeds always, then the exits and the most stolen
// outputs, each with a path back to a seed.
func TestCap(t *testing.T) {
	c := haircutExit
	c.ropts.MaxNodes = 8
	rep, res, _ := c.build(t)
	g := rep.Graph
	if !g.Capped || len(g.Nodes) != 8 || g.FlowNodes != 14 || g.MaxNodes != 8 {
		t.Fatalf("capped %v, %d of %d nodes (max %d)", g.Capped, len(g.Nodes), g.FlowNodes, g.MaxNodes)
	}
	kinds := map[string]int{}
	for _, n := range g.Nodes {
		kinds[n.Kind]++
	}
	// Six seed transactions, Hal's exit, and the 18 BTC still at the seed
	// address (the largest holding).
	if kinds["tx"] != 6 || kinds[report.KindExit] != 1 || kinds[report.KindHeld] != 1 {
		t.Errorf("kept %v", kinds)
	}
	checkGraph(t, rep, res)
	if d := rep.Destinations[0]; d.Address != genesisSeed || d.Node == "" {
		t.Errorf("the largest destination, %+v, is not drawn", d)
	}

	for seed := range uint64(20) {
		reg := flowtest.Random(seed, 40+int(seed)*10)
		var ms []graph.Member
		for _, tx := range reg.World.Txs {
			ms = append(ms, graph.Member{Tx: tx})
		}
		src := graph.New(chain.Regtest, true, nil, ms)
		var seeds []trace.Seed
		for _, o := range reg.Seeds {
			seeds = append(seeds, trace.OutSeed(reg.World.Txs[o.Tx].Hash, o.Vout))
		}
		res, err := trace.Follow(context.Background(), src, seeds, trace.Options{Params: chain.Regtest})
		if err != nil {
			t.Fatal(err)
		}
		rng := rand.New(rand.NewPCG(seed, 1))
		exits := map[chain.Address]string{flowtest.Addr(rng.IntN(len(reg.Txs)/2 + 3)): "exchange"}
		taint, err := trace.ComputeTaint(res, trace.TaintOptions{Model: trace.Haircut, Exits: exits})
		if err != nil {
			t.Fatal(err)
		}
		maxNodes := len(res.Flow.Seeds()) + 5 + rng.IntN(20)
		rep, err := report.New(res, taint, report.Options{MaxNodes: maxNodes, TaintOptions: trace.TaintOptions{Model: trace.Haircut, Exits: exits}})
		if err != nil {
			t.Fatal(err)
		}
		g := rep.Graph
		if len(g.Nodes) > maxNodes || (g.Capped != (len(g.Nodes) < g.FlowNodes)) {
			t.Errorf("random %d: %d nodes of %d drawn, cap %d, capped %v", seed, len(g.Nodes), g.FlowNodes, maxNodes, g.Capped)
		}
		checkGraph(t, rep, res)
	}
}

// checkGraph checks what every drawn graph must hold: its edges join
// drawn nodes, every seed transaction is drawn, and every drawn
// transaction past the seeds hangs from a drawn transaction (the path
// back is kept), every drawn output from its transaction.
func checkGraph(t *testing.T, rep *report.Report, res *trace.Result) {
	t.Helper()
	g := rep.Graph
	drawn := map[string]report.Node{}
	for _, n := range g.Nodes {
		if _, dup := drawn[n.ID]; dup {
			t.Errorf("node %s twice", n.ID)
		}
		drawn[n.ID] = n
	}
	in := map[string]int{}
	for _, e := range g.Edges {
		if _, ok := drawn[e.Source]; !ok {
			t.Errorf("edge %s from an undrawn node", e.ID)
		}
		if _, ok := drawn[e.Target]; !ok {
			t.Errorf("edge %s to an undrawn node", e.ID)
		}
		in[e.Target]++
	}
	seedTx := map[string]bool{}
	for _, o := range res.Flow.Seeds() {
		seedTx[res.At(res.Index(o.Tx)).Hash.String()] = true
	}
	for _, n := range g.Nodes {
		switch {
		case n.Kind == "tx" && seedTx[n.TxID]:
			if !n.Seed {
				t.Errorf("seed transaction %s not marked", n.TxID)
			}
			delete(seedTx, n.TxID)
		case res.Forward() && in[n.ID] == 0 && n.Hop > 0:
			t.Errorf("%s %s (hop %d) hangs from nothing drawn", n.Kind, n.ID, n.Hop)
		case n.Kind != "tx" && in[n.ID] != 1:
			t.Errorf("output %s has %d edges in", n.ID, in[n.ID])
		}
	}
	if len(seedTx) > 0 {
		t.Errorf("seed transactions not drawn: %v", seedTx)
	}
	for _, d := range rep.Destinations {
		if _, ok := drawn[d.Node]; d.Node != "" && !ok {
			t.Errorf("destination %+v points to an undrawn node", d)
		}
	}
}

// TestLargeTables checks that the HTML and Markdown tables of a large
// flow stop at 1,000 rows and say what they left out, while the JSON
// keeps every destination.
func TestLargeTables(t *testing.T) {
	res, taint := randomTaint(t, 6000)
	rep, err := report.New(res, taint, report.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Destinations) <= 1000 {
		t.Fatalf("only %d destinations; the test needs more than 1,000", len(rep.Destinations))
	}
	var md, page bytes.Buffer
	if err := report.WriteMarkdown(&md, rep); err != nil {
		t.Fatal(err)
	}
	if err := report.WriteHTML(&page, rep); err != nil {
		t.Fatal(err)
	}
	more := fmt.Sprintf("and %d more destinations", len(rep.Destinations)-1000)
	if !strings.Contains(md.String(), more) || !strings.Contains(page.String(), more) {
		t.Errorf("no %q note", more)
	}
	if n := strings.Count(page.String(), `<tr class="kind-held"`); n > 1000+10 {
		t.Errorf("%d destination rows in the page", n)
	}
	if !rep.Graph.Capped || len(rep.Graph.Nodes) > report.DefaultMaxNodes {
		t.Errorf("graph: %d nodes, capped %v", len(rep.Graph.Nodes), rep.Graph.Capped)
	}
}
