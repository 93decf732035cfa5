package trace_test

import (
	"context"
	"sync"
	"testing"

	"github.com/plumetrace/plume/chain"
	"github.com/plumetrace/plume/trace"
)

// zaif50k is a Zaif-like dispersion reaching about 53,000 addresses: 500
// peel chains of 45 steps from an 8-way splitting tree, a deposit every
// tenth payment swept by one of three exchanges, every seventh other
// payment passed on.
var zaif50k = dispersal{Seed: 1, Chains: 500, Steps: 45, Fanout: 8, DepositEvery: 10, OnwardEvery: 7,
	Exchanges: 3, SweepThief: 8, SweepOthers: 16, TxsPerBlock: 300}

var (
	trace50k  = sync.OnceValues(func() (*dispersion, *trace.Result) { return buildTraced(zaif50k) })
	trace100k = sync.OnceValues(func() (*dispersion, *trace.Result) {
		c := zaif50k
		c.Seed, c.Chains = 2, 2000 // about 105,000 transactions
		return buildTraced(c)
	})
)

func buildTraced(c dispersal) (*dispersion, *trace.Result) {
	d := c.build()
	res, err := trace.Follow(context.Background(), d.src, []trace.Seed{d.seed}, trace.Options{Params: chain.Regtest})
	if err != nil {
		panic(err)
	}
	res.NumOutputs() // builds the flow's adjacency, once per flow
	return d, res
}

// BenchmarkCommunities runs community detection on the 53,000-address
// dispersion, reduced (the default) and, for comparison, unreduced.
// addrs and nodes are the graph before and after the reductions.
func BenchmarkCommunities(b *testing.B) {
	_, res := trace50k()
	for _, bc := range []struct {
		name string
		opts trace.CommunityOptions
	}{
		{"reduced", trace.CommunityOptions{}},
		{"unreduced", trace.CommunityOptions{NoCoSpend: true, NoPeelChains: true, NoPendants: true, MaxNodes: 1 << 30}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			var p *trace.Partition
			for b.Loop() {
				var err error
				if p, err = trace.Communities(context.Background(), res.Flow, bc.opts); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(p.Addresses), "addrs")
			b.ReportMetric(float64(p.Nodes), "nodes")
			b.ReportMetric(float64(len(p.Groups)), "groups")
			b.ReportMetric(p.Louvain.Seconds(), "louvain-s")
		})
	}
}

// BenchmarkPeelChains finds the peel chains of a 105,000-transaction
// flow.
func BenchmarkPeelChains(b *testing.B) {
	_, res := trace100k()
	b.ReportAllocs()
	var cs []trace.PeelChain
	for b.Loop() {
		cs = trace.PeelChains(res.Flow, trace.PeelOptions{})
	}
	b.ReportMetric(float64(res.Len())/(b.Elapsed().Seconds()/float64(b.N)), "tx/s")
	b.ReportMetric(float64(res.Len()), "txs")
	b.ReportMetric(float64(len(cs)), "chains")
}

// BenchmarkDepositAddresses finds the deposit addresses of the same flow;
// its sweeps are in the flow, their inputs' histories read from the
// source (every transaction of the world, in memory).
func BenchmarkDepositAddresses(b *testing.B) {
	d, res := trace100k()
	b.ReportAllocs()
	var ds []trace.Deposit
	for b.Loop() {
		var err error
		if ds, err = trace.DepositAddresses(context.Background(), d.src, res.Flow, trace.DepositOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(res.Len())/(b.Elapsed().Seconds()/float64(b.N)), "tx/s")
	b.ReportMetric(float64(res.Len()), "txs")
	b.ReportMetric(float64(len(ds)), "deposits")
}
