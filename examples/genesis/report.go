package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/plumetrace/plume/internal/txlist"
	"github.com/plumetrace/plume/trace"
)

// report is the example's output: every transaction the trace reached, in
// chain order, with its inputs and outputs.
type report struct {
	Seeds []string    `json:"seeds"`
	Model string      `json:"model,omitempty"`
	Txs   []txlist.Tx `json:"txs"`
}

func newReport(ctx context.Context, src trace.Source, res *trace.Result, taint *trace.Taint, seeds []string) (*report, error) {
	rep := &report{Seeds: seeds}
	if taint != nil {
		rep.Model = taint.Model().String()
	}
	var err error
	rep.Txs, err = txlist.List(ctx, src, res, taint)
	return rep, err
}

func (r *report) writeJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

func (r *report) writeTable(w io.Writer) error {
	fmt.Fprintf(w, "seeds: %s\n%d transactions reached\n", strings.Join(r.Seeds, ", "), len(r.Txs))
	if r.Model != "" {
		fmt.Fprintf(w, "taint model: %s\n", r.Model)
	}
	fmt.Fprintln(w)
	return txlist.WriteTable(w, r.Txs, r.Model != "")
}
