package report

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
)

// WriteMarkdown writes the report as Markdown (GitHub-flavoured tables):
// the same sections as the HTML page, with the flow graph as a table of
// the transactions it draws.
func WriteMarkdown(w io.Writer, rep *Report) error {
	bw := bufio.NewWriter(w)
	m := &md{w: bw}
	m.header(rep)
	m.summary(rep.Summary)
	m.destinations(rep)
	m.timeline(rep.Timeline)
	m.graph(rep.Graph)
	m.provenance(rep.Provenance)
	return bw.Flush()
}

// WriteJSON writes the report as one indented JSON document; the package
// documentation describes its fields.
func WriteJSON(w io.Writer, rep *Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false) // a JSON file, not markup: keep "<" readable
	if err := enc.Encode(rep); err != nil {
		return fmt.Errorf("report: json: %w", err)
	}
	return nil
}

type md struct{ w *bufio.Writer }

func (m *md) p(format string, args ...any) { fmt.Fprintf(m.w, format+"\n", args...) }

// cell escapes what would break a table cell: pipes and line breaks.
func cell(s string) string {
	s = strings.ReplaceAll(s, "|", `\|`)
	return strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ").Replace(s)
}

// table writes a Markdown table; right names the right-aligned columns.
func (m *md) table(head []string, right map[int]bool, rows [][]string) {
	sep := make([]string, len(head))
	for i := range head {
		sep[i] = "---"
		if right[i] {
			sep[i] = "---:"
		}
	}
	m.p("| %s |", strings.Join(head, " | "))
	m.p("| %s |", strings.Join(sep, " | "))
	for _, r := range rows {
		for i := range r {
			r[i] = cell(r[i])
		}
		m.p("| %s |", strings.Join(r, " | "))
	}
	m.p("")
}

func cols(idx ...int) map[int]bool {
	r := map[int]bool{}
	for _, i := range idx {
		r[i] = true
	}
	return r
}

func (m *md) header(rep *Report) {
	pv := rep.Provenance
	m.p("# %s", cell(rep.Title))
	m.p("")
	m.p("Generated %s by plume %s · store tip %s", when(pv.Generated), pv.Version, tipText(pv.Tip))
	m.p("")
}

func (m *md) summary(s Summary) {
	m.p("## Summary")
	m.p("")
	model := s.Model
	if model == "" {
		model = "none: amounts are the whole value of the outputs reached"
	}
	m.p("- Network: %s", s.Network)
	m.p("- Direction: %s", s.Direction)
	m.p("- Taint model: %s", model)
	m.p("- Transactions: %d in %s (%d outputs)", s.Transactions, hops(s.Hops), s.Outputs)
	m.p("- Blocks: %d (%s) to %d (%s)", s.First.Height, when(s.First.Time), s.Last.Height, when(s.Last.Time))
	if s.Model == "" {
		m.p("- Traced from the seeds: %s BTC", btc(s.Stolen))
	} else {
		m.p("- Stolen: %s BTC", btc(s.Stolen))
	}
	m.p("")
	m.p("### Seeds")
	m.p("")
	var rows [][]string
	seeds, more := head(s.Seeds)
	for _, sd := range seeds {
		rows = append(rows, []string{"`" + sd.Outpoint + "`", "`" + sd.Address + "`", strconv.Itoa(int(sd.Height)), btc(sd.Value), btcPtr(sd.Taint)})
	}
	m.table([]string{"Output", "Address", "Block", "BTC", "Stolen BTC"}, cols(2, 3, 4), rows)
	if note := moreNote(more, "seed outputs", restSeeds(s.Seeds), "in all"); note != "" {
		m.p("%s", note)
		m.p("")
	}
	m.p("### Where the %s value went", valueWord(s))
	m.p("")
	rows = nil
	for _, t := range s.Totals {
		rows = append(rows, []string{totalTitle(t), btc(t.Amount), pct(t.Share)})
	}
	m.table([]string{"Destination", "BTC", "Share"}, cols(1, 2), rows)
}

func (m *md) destinations(rep *Report) {
	m.p("## Destinations")
	m.p("")
	if len(rep.Destinations) == 0 {
		if rep.Summary.Direction == "backward" {
			m.p("No destinations: a backward trace has origins, not destinations.")
		} else {
			m.p("No destinations: nothing of the stolen value left the flow's transactions.")
		}
		m.p("")
		return
	}
	var rows [][]string
	dests, more := head(rep.Destinations)
	for _, d := range dests {
		addr, last := "", ""
		if d.Address != "" {
			addr, last = "`"+d.Address+"`", strconv.Itoa(int(d.Last.Height))
		}
		rows = append(rows, []string{d.Kind, addr, d.Label, strconv.Itoa(d.Outputs), btc(d.Value), btcPtr(d.Taint), pct(d.Share), last})
	}
	m.table([]string{"Kind", "Address", "Exit", "Outputs", "Value BTC", "Stolen BTC", "Share", "Last block"}, cols(3, 4, 5, 6, 7), rows)
	if note := moreNote(more, "destinations", restDestinations(rep.Destinations), valueWord(rep.Summary)); note != "" {
		m.p("%s", note)
		m.p("")
	}
}

func (m *md) timeline(tl Timeline) {
	m.p("## Dispersion timeline")
	m.p("")
	if len(tl.Steps) == 0 {
		m.p("No timeline: it needs a taint model.")
		m.p("")
		return
	}
	steps, sampled := sampleSteps(tl.Steps, maxTableSteps)
	if sampled {
		m.p("By %s: %d of %d steps, evenly spread (the JSON report has all).", tl.Bucket, len(steps), len(tl.Steps))
	} else {
		m.p("By %s.", tl.Bucket)
	}
	m.p("")
	var rows [][]string
	for _, s := range steps {
		rows = append(rows, []string{stepName(s, tl.Bucket), strconv.Itoa(s.Holders), strconv.Itoa(s.UTXOs),
			btc(s.Held), btc(s.Exited), btc(s.Beyond), float(s.Gini), float(s.Entropy)})
	}
	m.table([]string{"Step", "Holders", "Outputs", "Held BTC", "Exited BTC", "Beyond BTC", "Gini", "Entropy (bits)"}, cols(1, 2, 3, 4, 5, 6, 7), rows)
}

func (m *md) graph(g Graph) {
	m.p("## Flow graph")
	m.p("")
	m.p("%s The HTML report draws it; these are its transactions.", graphNote(g))
	m.p("")
	var rows [][]string
	for _, n := range g.Nodes {
		if n.Kind != "tx" {
			continue
		}
		seed := ""
		if n.Seed {
			seed = "seed"
		}
		rows = append(rows, []string{strconv.Itoa(n.Hop), strconv.Itoa(int(n.Block.Height)), "`" + n.TxID + "`", seed,
			btc(n.Value), btcPtr(n.Taint), pct(n.Share)})
	}
	m.table([]string{"Hop", "Block", "Transaction", "", "Out BTC", "Stolen BTC", "Share"}, cols(0, 1, 4, 5, 6), rows)
}

func (m *md) provenance(pv Provenance) {
	m.p("## Provenance")
	m.p("")
	m.p("- Store tip: %s", tipText(pv.Tip))
	m.p("- plume version: %s", pv.Version)
	m.p("- Generated: %s", when(pv.Generated))
	m.p("- Network: %s", pv.Network)
	for _, s := range pv.Seeds {
		extra := ""
		if !s.From.IsZero() {
			extra += " from " + when(s.From)
		}
		if !s.To.IsZero() {
			extra += " to " + when(s.To)
		}
		if s.Amount > 0 {
			extra += " (stolen: " + btc(s.Amount) + " BTC)"
		}
		m.p("- Seed: `%s`%s", s.Seed, extra)
	}
	model := pv.Model
	if model == "" {
		model = "none"
	}
	m.p("- Taint model: %s", model)
	if pv.CoinJoins != "" {
		m.p("- Taint at CoinJoins: %s", pv.CoinJoins)
	}
	if len(pv.Exits) == 0 {
		m.p("- Exits: none")
	}
	for _, e := range pv.Exits {
		m.p("- Exit: %s: `%s`", cell(e.Label), e.Address)
	}
	for _, s := range pv.Settings {
		m.p("- %s: %s", cell(s.Name), cell(s.Value))
	}
	m.p("")
	t := pv.Trace
	window := "none"
	switch {
	case !t.From.IsZero():
		window = when(t.From) + " to " + when(t.To)
	case !t.To.IsZero():
		window = "to " + when(t.To)
	}
	minValue := "none"
	if t.MinValue > 0 {
		minValue = btc(t.MinValue) + " BTC"
	}
	stop := "none"
	switch {
	case t.StopPredicate != "":
		stop = t.StopPredicate
	case t.Stop:
		stop = "set (not described)"
	}
	m.p("### Trace options and outcome")
	m.p("")
	rows := [][]string{
		{"Direction", t.Direction}, {"Max hops", limit(t.MaxHops)}, {"Min value", minValue}, {"Time window", window},
		{"Max transactions", limit(t.MaxTxs)}, {"At CoinJoins", t.CoinJoins}, {"Stop predicate", stop},
		{"Hops reached", strconv.Itoa(t.Hops)}, {"CoinJoins stopped at", strconv.Itoa(t.CoinJoinsStopped)},
		{"Edges examined", strconv.Itoa(t.Edges)}, {"Truncated by max transactions", yesNo(t.Truncated)},
		{"Links not followed (limits)", strconv.Itoa(t.Stopped)}, {"Links outside the source", strconv.Itoa(t.Outside)},
	}
	if t.PreferRemainder {
		rows = slices.Insert(rows, 7, []string{"Peel chains", "remainders only"})
	}
	m.table([]string{"Option", "Value"}, nil, rows)
	m.p("### Exit paths")
	m.p("")
	if len(pv.ExitPaths) == 0 {
		m.p("No stolen value reached an exit.")
		m.p("")
		return
	}
	for _, e := range pv.ExitPaths {
		m.p("**%s**: %s BTC stolen of %s BTC to `%s` in `%s` (block %d, hop %d)", cell(e.Label), btc(e.Taint), btc(e.Value), e.Address, e.Outpoint, e.Block.Height, e.Hop)
		m.p("")
		for k, p := range e.Path {
			m.p("%d. `%s` · block %d · hop %d", k+1, p.TxID, p.Height, p.Hop)
		}
		m.p("")
	}
}
