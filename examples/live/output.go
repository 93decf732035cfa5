package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/plumetrace/plume/internal/cmdmain"
	"github.com/plumetrace/plume/internal/txlist"
	"github.com/plumetrace/plume/trace"
	casereport "github.com/plumetrace/plume/trace/report"
)

// report is the command's output: where the chain came from, the limits,
// and every transaction the trace reached, in chain order. Seeds and txs
// have the form examples/genesis prints, so the two compare directly.
type report struct {
	Network   string      `json:"network"`
	Source    sourceInfo  `json:"source"`
	Seeds     []string    `json:"seeds"`
	Model     string      `json:"model,omitempty"`
	Limits    limits      `json:"limits"`
	Hops      int         `json:"hops"`
	Truncated bool        `json:"truncated"`
	Txs       []txlist.Tx `json:"txs"`
}

// sourceInfo says where the transactions came from, for provenance.
type sourceInfo struct {
	Kind string `json:"kind"` // "rpc" or "esplora"
	URL  string `json:"url"`  // without credentials
	Data string `json:"data"`
	// Store is what the node's store holds, with -rpc.
	Store *storeInfo `json:"store,omitempty"`
	// Requests is how many HTTP requests went to the Esplora server (0
	// when the cache answered everything), with -esplora.
	Requests *int64 `json:"requests,omitempty"`
}

// storeInfo is the window of blocks a node's store holds, and what this
// run's sync did to it.
type storeInfo struct {
	FirstBlock   int32   `json:"first_block"`
	Tip          tipInfo `json:"tip"`
	Connected    int     `json:"connected"`
	Disconnected int     `json:"disconnected"`
}

type tipInfo struct {
	Height int32  `json:"height"`
	Hash   string `json:"hash"`
}

// limits are the trace's bounds; 0 means none.
type limits struct {
	Hops     int   `json:"hops"`
	MaxTxs   int   `json:"max_txs"`
	MinValue int64 `json:"min_value"`
}

// newReport lists the flow. src answers the txids of spenders outside the
// flow (a limit stopped the trace there), so it must be the source the
// trace read.
func newReport(ctx context.Context, src trace.Source, c *config, res *trace.Result, taint *trace.Taint, si sourceInfo) (*report, error) {
	rep := &report{Network: c.params.Name, Source: si, Seeds: c.seedTexts, Hops: res.Hops, Truncated: res.Truncated,
		Limits: limits{Hops: c.hops, MaxTxs: c.maxTxs, MinValue: c.minValue}}
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

func (r *report) writeText(w io.Writer) error {
	s := r.Source
	switch s.Kind {
	case "rpc":
		st := s.Store
		fmt.Fprintf(w, "node %s (%s); store %s: blocks %d..%d (%s), %d new", s.URL, r.Network, s.Data, st.FirstBlock, st.Tip.Height, st.Tip.Hash, st.Connected)
		if st.Disconnected > 0 {
			fmt.Fprintf(w, ", %d undone by a reorganisation", st.Disconnected)
		}
		fmt.Fprintln(w)
	default:
		fmt.Fprintf(w, "Esplora %s (%s); cache %s: %d requests\n", s.URL, r.Network, s.Data, *s.Requests)
	}
	fmt.Fprintf(w, "seeds: %s\n%s reached in %s", strings.Join(r.Seeds, ", "), count(len(r.Txs), "transaction"), count(r.Hops, "hop"))
	if r.Truncated {
		fmt.Fprintf(w, " (stopped at -max-txs %d)", r.Limits.MaxTxs)
	}
	fmt.Fprintln(w)
	if r.Model != "" {
		fmt.Fprintf(w, "taint model: %s\n", r.Model)
	}
	if len(r.Txs) == 0 {
		return nil
	}
	fmt.Fprintln(w)
	return txlist.WriteTable(w, r.Txs, r.Model != "")
}

func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// writeHTMLReport writes the case report to path and says where on
// stderr (stdout carries the table or the JSON).
func writeHTMLReport(path string, o *outcome, stderr io.Writer) error {
	var opts casereport.Options
	opts.Title = "plume case: " + strings.Join(o.doc.Seeds, ", ")
	opts.Tip = o.tip
	if o.taint != nil {
		opts.TaintOptions.Model = o.taint.Model()
	}
	if err := cmdmain.WriteHTMLReport(path, o.res, o.taint, opts, stderr); err != nil {
		return fmt.Errorf("-report: %w", err)
	}
	return nil
}
