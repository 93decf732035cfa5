package trace_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/plumetrace/plume/trace"
)

// traceSpread is the 53,000-address dispersion of trace50k with ten
// transactions a block instead of 300: the same flow spread over eighteen
// days, as a thief who moves a little at a time spreads it, so that the
// timeline has thirty times the steps.
var traceSpread = sync.OnceValues(func() (*dispersion, *trace.Result) {
	c := zaif50k
	c.TxsPerBlock = 10
	return buildTraced(c)
})

// BenchmarkTimeline computes the dispersion timeline of Zaif-like flows
// of about 26,000 and 105,000 transactions, and of the first spread over
// eighteen days, by block, hour and day. steps is the timeline's length.
func BenchmarkTimeline(b *testing.B) {
	flows := []struct {
		name string
		res  func() (*dispersion, *trace.Result)
	}{
		{"26k", trace50k},
		{"26k-spread", traceSpread},
		{"105k", trace100k},
	}
	buckets := []struct {
		name string
		b    trace.Bucket
	}{{"block", trace.ByBlock}, {"hour", trace.ByHour}, {"day", trace.ByDay}}
	for _, fl := range flows {
		for _, bk := range buckets {
			b.Run(fmt.Sprintf("%s/%s", fl.name, bk.name), func(b *testing.B) {
				_, res := fl.res()
				tn, err := trace.ComputeTaint(res, trace.TaintOptions{Model: trace.Haircut})
				if err != nil {
					b.Fatal(err)
				}
				b.ReportAllocs()
				var steps []trace.Step
				for b.Loop() {
					steps = tn.Timeline(bk.b)
				}
				b.ReportMetric(float64(res.Len()), "txs")
				b.ReportMetric(float64(len(steps)), "steps")
			})
		}
	}
}
