package report

import (
	"fmt"
	"strconv"
	"time"

	"github.com/plumetrace/plume/graph"
)

// Wording and number formats shared by the HTML and Markdown writers, so
// that the two say the same thing in the same words.

// totalTitle names a row of the totals.
func totalTitle(t Total) string {
	switch t.Kind {
	case KindStolen:
		return "Stolen (put in by the seeds)"
	case KindSwept:
		return "Clean value swept in (poison)"
	case KindHeld:
		return "Held in unspent outputs"
	case KindDormant:
		return "Dormant in unspent outputs"
	case KindExit:
		return "Exited to " + t.Label
	case KindFees:
		return "Paid as fees"
	case KindBeyond:
		return "Beyond the trace"
	}
	return t.Kind
}

// kindNote explains a destination kind in a few words.
func kindNote(kind string) string {
	switch kind {
	case KindHeld:
		return "unspent, moved within the dormancy window"
	case KindDormant:
		return "unspent, unmoved for longer than the dormancy window"
	case KindExit:
		return "paid to a labelled exit; not followed further"
	case KindBeyond:
		return "spent by a transaction the trace did not include (a limit, the time window, a stop)"
	case KindFees:
		return "paid to miners"
	}
	return ""
}

// valueWord is what the summary calls the value it accounts for: stolen
// under a taint model; without one, only traced (the report cannot say
// how much of it is stolen).
func valueWord(s Summary) string {
	if s.Model == "" {
		return "traced"
	}
	return "stolen"
}

func btc(sat int64) string { return graph.BTC(sat) }

// btcPtr writes an optional amount; "–" when there is none.
func btcPtr(sat *int64) string {
	if sat == nil {
		return "–"
	}
	return graph.BTC(*sat)
}

// pct writes a share as a percentage with two decimals; "–" when there is
// none.
func pct(s *float64) string {
	if s == nil {
		return "–"
	}
	return strconv.FormatFloat(*s*100, 'f', 2, 64) + " %"
}

// when writes a time in UTC as people read it in a report.
func when(t time.Time) string {
	if t.IsZero() {
		return "–"
	}
	return t.UTC().Format("2006-01-02 15:04:05 UTC")
}

// stepName names a timeline step: its block or its start.
func stepName(s Step, bucket string) string {
	switch bucket {
	case "block":
		return "block " + strconv.Itoa(int(s.Height))
	case "hour":
		return s.Start.UTC().Format("2006-01-02 15:00")
	}
	return s.Start.UTC().Format("2006-01-02")
}

// limit writes an option whose zero means no limit.
func limit[T int | int64](v T) string {
	if v == 0 {
		return "none"
	}
	return fmt.Sprint(v)
}

// hops writes a hop count: "1 hop", "2 hops".
func hops(n int) string {
	if n == 1 {
		return "1 hop"
	}
	return strconv.Itoa(n) + " hops"
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// float writes a statistic with three decimals.
func float(f float64) string { return strconv.FormatFloat(f, 'f', 3, 64) }

// graphNote says how much of the flow the graph draws.
func graphNote(g Graph) string {
	if !g.Capped {
		return fmt.Sprintf("The graph draws all %d nodes of the flow.", g.FlowNodes)
	}
	return fmt.Sprintf("The flow has %d nodes; the graph draws %d (the cap is %d): the seeds, the exits and the paths to the most stolen value. The JSON report lists the same nodes; the tables above cover the whole flow.",
		g.FlowNodes, len(g.Nodes), g.MaxNodes)
}

// tipText writes the store tip, or says it is unknown.
func tipText(t *TipRef) string {
	if t == nil {
		return "unknown (not recorded)"
	}
	return fmt.Sprintf("block %d, %s", t.Height, t.Hash)
}

// sampleSteps picks at most n steps, evenly spread and always the last,
// for the Markdown table of a long timeline.
func sampleSteps(steps []Step, n int) (picked []Step, sampled bool) {
	if len(steps) <= n {
		return steps, false
	}
	for k := range n {
		picked = append(picked, steps[k*(len(steps)-1)/(n-1)])
	}
	return picked, true
}

// maxTableRows bounds the rows of the seeds and destinations tables in
// the HTML and Markdown reports: a theft spread over tens of thousands
// of addresses would make a page no one can scroll. The JSON keeps all.
const maxTableRows = 1000

// head returns at most maxTableRows of rows and how many it left out.
func head[T any](rows []T) ([]T, int) {
	if len(rows) <= maxTableRows {
		return rows, 0
	}
	return rows[:maxTableRows], len(rows) - maxTableRows
}

// moreNote says what a cut table left out; "" when it left out nothing.
func moreNote(n int, what string, rest int64, word string) string {
	if n == 0 {
		return ""
	}
	return fmt.Sprintf("and %d more %s with %s BTC %s, smaller each; the JSON report lists all.", n, what, btc(rest), word)
}

// restDestinations sums what the destinations past the table hold.
func restDestinations(ds []Destination) int64 {
	var sum int64
	for _, d := range ds[min(len(ds), maxTableRows):] {
		if d.Taint != nil {
			sum += *d.Taint
		} else {
			sum += d.Value
		}
	}
	return sum
}

// restSeeds sums the value of the seeds past the table.
func restSeeds(ss []SeedOutput) int64 {
	var sum int64
	for _, s := range ss[min(len(ss), maxTableRows):] {
		sum += s.Value
	}
	return sum
}
