package main

import (
	"cmp"
	"fmt"
	"slices"
	"text/tabwriter"
	"time"

	"github.com/plumetrace/plume/graph"
	"github.com/plumetrace/plume/trace"
)

// caseSummary is what trace and case show print: the trace's extent and,
// with a model, where the stolen value is.
type caseSummary struct {
	Case      string    `json:"case"`
	Network   string    `json:"network"`
	Created   time.Time `json:"created"`
	Tip       tipDoc    `json:"tip"`
	Seeds     []string  `json:"seeds"`
	Direction string    `json:"direction"`
	Txs       int       `json:"txs"`
	Hops      int       `json:"hops"`
	Edges     int       `json:"edges"`
	Truncated bool      `json:"truncated"`
	Exits     int       `json:"exit_addresses"`
	Taint     *taintSum `json:"taint,omitempty"`
}

type taintSum struct {
	Model   string            `json:"model"`
	Totals  trace.TaintTotals `json:"totals"`
	ByExit  []labelled        `json:"exits"`
	Holders []holderSum       `json:"top_holders"`
}

type labelled struct {
	Label string `json:"label"`
	Taint int64  `json:"taint"`
	Count int    `json:"outputs"`
}

type holderSum struct {
	Address string `json:"address"`
	Taint   int64  `json:"taint"`
	Value   int64  `json:"value"`
	Outputs int    `json:"outputs"`
}

const topHolders = 10

func (inv *investigation) summary() *caseSummary {
	d, r := inv.doc, inv.res
	s := &caseSummary{Case: d.Name, Network: d.Network, Created: d.Created, Tip: d.Tip, Direction: r.Options.Direction.String(),
		Txs: r.Len(), Hops: r.Hops, Edges: r.Edges, Truncated: r.Truncated, Exits: len(inv.exits)}
	for _, sd := range r.Requested {
		s.Seeds = append(s.Seeds, sd.String())
	}
	if inv.taint == nil {
		return s
	}
	t := &taintSum{Model: inv.taint.Model().String(), Totals: inv.taint.Totals()}
	byLabel := map[string]*labelled{}
	for _, e := range inv.taint.Exits() {
		l := byLabel[e.Label]
		if l == nil {
			l = &labelled{Label: e.Label}
			byLabel[e.Label] = l
		}
		l.Taint += e.Taint
		l.Count++
	}
	for _, l := range byLabel {
		t.ByExit = append(t.ByExit, *l)
	}
	slices.SortFunc(t.ByExit, func(x, y labelled) int { return cmp.Or(cmp.Compare(y.Taint, x.Taint), cmp.Compare(x.Label, y.Label)) })
	for i, h := range inv.taint.Holders() {
		if i == topHolders {
			break
		}
		t.Holders = append(t.Holders, holderSum{Address: inv.params.Format(h.Addr), Taint: h.Taint, Value: h.Value, Outputs: h.Outputs})
	}
	s.Taint = t
	return s
}

func (a *app) showCase(inv *investigation) error {
	s := inv.summary()
	if a.json {
		return a.printJSON(s)
	}
	a.printf("case %q (%s, store tip %d): %s trace from %v\n", s.Case, s.Network, s.Tip.Height, s.Direction, s.Seeds)
	a.printf("%d transactions over %d hops, %d edges examined, %d exit addresses", s.Txs, s.Hops, s.Edges, s.Exits)
	if s.Truncated {
		a.printf(" (stopped at --max-txs: the trace is incomplete)")
	}
	a.printf("\n")
	t := s.Taint
	if t == nil {
		return nil
	}
	tot := t.Totals
	a.printf("\n%s taint: %s BTC stolen", t.Model, graph.BTC(tot.Injected))
	if tot.Absorbed > 0 {
		a.printf(" (+%s BTC of clean coins swept in)", graph.BTC(tot.Absorbed))
	}
	a.printf("\n")
	w := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(w, "\tBTC\t\n")
	for _, row := range []struct {
		name string
		v    int64
	}{{"exited", tot.Exited}, {"held in unspent outputs", tot.Held}, {"moved beyond the trace", tot.Beyond}, {"paid as fees", tot.Fees}} {
		fmt.Fprintf(w, "%s\t%s\t\n", row.name, graph.BTC(row.v))
	}
	w.Flush()
	if len(t.ByExit) > 0 {
		a.printf("\nexits\n")
		w = tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
		for _, e := range t.ByExit {
			fmt.Fprintf(w, "  %s\t%s BTC\t%d outputs\n", e.Label, graph.BTC(e.Taint), e.Count)
		}
		w.Flush()
	}
	if len(t.Holders) > 0 {
		a.printf("\ntop holders of stolen coins now\n")
		w = tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
		for _, h := range t.Holders {
			fmt.Fprintf(w, "  %s\t%s BTC stolen\tof %s\t%d outputs\n", h.Address, graph.BTC(h.Taint), graph.BTC(h.Value), h.Outputs)
		}
		w.Flush()
	}
	return nil
}
