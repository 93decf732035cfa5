package main

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/plumetrace/plume/chain"
	"github.com/plumetrace/plume/store"
	"github.com/plumetrace/plume/trace/report"
)

// stopDescription says in words what trace's stop predicate was: a report
// is evidence, and "none" where the trace stopped at exits would misstate
// how the flow was found.
func stopDescription(stopAtExits, deposits bool) string {
	if !stopAtExits {
		return ""
	}
	s := "at exits: outputs paying an address the store's tags name"
	if deposits {
		s += ", or a deposit address found by an exchange's sweep"
	}
	return s
}

// tagPacks returns the tag packs that labelled exits, sorted.
func tagPacks(labels *store.Labels, exits map[chain.Address]string) []string {
	packs := []string{}
	for a := range exits {
		if t, ok := labels.Tag(a); ok && t.Pack != "" && !slices.Contains(packs, t.Pack) {
			packs = append(packs, t.Pack)
		}
	}
	slices.Sort(packs)
	return packs
}

// reportOptions are the report's options that record the case: its tip,
// exits and taint options, its stop predicate in words, and the command's
// own choices, so the report states every option that shaped the trace.
func (inv *investigation) reportOptions() report.Options {
	c := inv.doc
	return report.Options{Tip: c.reportTip(), TaintOptions: inv.topts, Stop: c.Trace.Stop, Settings: []report.Setting{
		{Name: "Case", Value: fmt.Sprintf("%s, traced %s (case format %d)", c.Name, c.Created.UTC().Format(time.RFC3339), c.Version)},
		{Name: "Stop at exits", Value: yesNo(c.StopAtExits)},
		{Name: "Deposit addresses as exits", Value: yesNo(c.Deposits)},
		{Name: "Exits from", Value: c.exitsFrom()},
	}}
}

func (c *caseDoc) exitsFrom() string {
	var s string
	switch {
	case c.TagPacks == nil:
		s = "tags in the store (their packs unknown: case format 1 did not record them)"
	case len(c.TagPacks) == 0:
		s = "tags in the store (none named an address of the flow)"
	default:
		q := make([]string, len(c.TagPacks))
		for i, p := range c.TagPacks {
			q[i] = strconv.Quote(p)
		}
		s = "tags in the store, from the packs " + strings.Join(q, ", ")
	}
	if c.Deposits {
		s += "; deposit addresses found by exchanges' sweeps in the flow traced up to tagged exits"
	}
	return s
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
