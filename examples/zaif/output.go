package main

import (
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/plumetrace/plume/graph"
	"github.com/plumetrace/plume/internal/cmdmain"
	"github.com/plumetrace/plume/trace"
	"github.com/plumetrace/plume/trace/report"
)

func writeJSON(w io.Writer, s *summary) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(s)
}

func pct(part, whole int64) string {
	if whole == 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f%%", 100*float64(part)/float64(whole))
}

// writeText prints the report a person reads in a minute.
func writeText(w io.Writer, s *summary) {
	cached := ""
	if s.Cached {
		cached = ", cached"
	}
	fmt.Fprintf(w, "Zaif theft, simulated at scale %g (seed %d): %d blocks, %d transactions%s\n", s.Scale, s.SimSeed, s.Blocks, s.Txs, cached)
	fmt.Fprintf(w, "Traced from %v: %d transactions, %d addresses, %d hops\n\n", s.Seeds, s.Traced.Txs, s.Traced.Addresses, s.Traced.Hops)

	fmt.Fprintf(w, "Where the %s stolen BTC went (%s taint):\n", graph.BTC(s.Stolen), s.Model)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	for _, k := range []string{"exchange", "mixer", "unidentified", "dormant", "moving", "fees", "beyond"} {
		if v, ok := s.Destinations[k]; ok && (v > 0 || k == "exchange" || k == "mixer" || k == "dormant") {
			fmt.Fprintf(tw, "  %s\t%s BTC\t%s\t\n", k, graph.BTC(v), pct(v, s.Stolen))
		}
	}
	tw.Flush()
	for _, e := range s.Exits {
		fmt.Fprintf(w, "  - %s (%s): %s BTC in %d outputs to %d addresses\n", e.Label, e.Kind, graph.BTC(e.Taint), e.Outputs, e.Addresses)
	}

	fmt.Fprintf(w, "\nDispersion, hour by hour (hours where something moved; all %d in the JSON):\n", len(s.Timeline))
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "  hour (UTC)\tholders\toutputs\tBTC held\tBTC exited\tgini\t")
	rows := s.Timeline
	const show = 24
	for i, h := range rows {
		if len(rows) > show && i == show/2 {
			fmt.Fprintf(tw, "  …\t\t\t\t\t\t\n")
		}
		if len(rows) > show && i >= show/2 && i < len(rows)-show/2 {
			continue
		}
		fmt.Fprintf(tw, "  %s\t%d\t%d\t%s\t%s\t%.2f\t\n", h.Start.Format("Jan 02 15:04"), h.Holders, h.UTXOs, graph.BTC(h.Value), graph.BTC(h.Exited), h.Gini)
	}
	tw.Flush()

	fmt.Fprintf(w, "\nLongest peel chains:\n")
	for _, c := range s.PeelChains {
		fmt.Fprintf(w, "  %3d steps from %s…: %s BTC in, %s BTC peeled off, remainder %s\n", c.Length, c.First[:16], graph.BTC(c.In), graph.BTC(c.Peeled), c.Remainder)
	}

	a := s.Accuracy
	fmt.Fprintf(w, "\nAgainst the simulation's ground truth:\n")
	fmt.Fprintf(w, "  thief addresses: precision %.3f, recall %.3f (%d found, %d true)\n", a.Precision, a.Recall, a.ThiefFound, a.ThiefTrue)
	fmt.Fprintf(w, "  exits: %s of %s BTC found (%s), %s BTC counted at outputs that are not exits\n",
		graph.BTC(a.ExitValueFound), graph.BTC(a.ExitValueTrue), pct(a.ExitValueFound, a.ExitValueTrue), graph.BTC(a.ExitValueFalse))

	fmt.Fprintf(w, "\nTimeline chart: %s\n", s.Chart)
	fmt.Fprintf(w, "Done in %s.\n", s.Elapsed)
}

// writeHTML writes the case report and returns its absolute path.
func writeHTML(path string, cs *caseData) (string, error) {
	rep, err := report.New(cs.res, cs.taint, report.Options{Title: "Zaif theft (simulated)", Tip: report.Tip(cs.tip),
		TaintOptions: trace.TaintOptions{Model: cs.taint.Model(), Exits: cs.exits}, Bucket: trace.ByHour,
		Stop: "at exits: the tagged services' wallets, and deposit addresses found by their sweeps"})
	if err != nil {
		return "", err
	}
	return cmdmain.WriteFile(path, func(w io.Writer) error { return report.WriteHTML(w, rep) })
}
