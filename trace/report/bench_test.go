package report_test

import (
	"context"
	"io"
	"testing"

	"github.com/plumetrace/plume/chain"
	"github.com/plumetrace/plume/graph"
	"github.com/plumetrace/plume/internal/flowtest"
	"github.com/plumetrace/plume/trace"
	"github.com/plumetrace/plume/trace/report"
)

// randomTaint traces and taints a random region of n transactions.
func randomTaint(b testing.TB, n int) (*trace.Result, *trace.Taint) {
	reg := flowtest.Random(7, n)
	var ms []graph.Member
	for _, tx := range reg.World.Txs {
		ms = append(ms, graph.Member{Tx: tx})
	}
	var seeds []trace.Seed
	for _, o := range reg.Seeds {
		seeds = append(seeds, trace.OutSeed(reg.World.Txs[o.Tx].Hash, o.Vout))
	}
	res, err := trace.Follow(context.Background(), graph.New(chain.Regtest, true, nil, ms), seeds, trace.Options{Params: chain.Regtest})
	if err != nil {
		b.Fatal(err)
	}
	taint, err := trace.ComputeTaint(res, trace.TaintOptions{Model: trace.Haircut})
	if err != nil {
		b.Fatal(err)
	}
	return res, taint
}

// BenchmarkReport builds and writes the report of a 20,000-transaction
// flow, cut to the default 2,000 nodes: the cost of a large case.
func BenchmarkReport(b *testing.B) {
	res, taint := randomTaint(b, 20_000)
	b.ReportAllocs()
	for b.Loop() {
		rep, err := report.New(res, taint, report.Options{})
		if err != nil {
			b.Fatal(err)
		}
		if err := report.WriteHTML(io.Discard, rep); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(res.Len()), "txs")
}
