package graph

import (
	"sync"
	"testing"
)

// bigFlow is a random region of 100k transactions, built once for all
// benchmarks (building it takes longer than the work measured).
var bigFlow = sync.OnceValue(func() *randFlow { return randomFlow(100, 100_000) })

// BenchmarkFlowNodesAndEdges walks the whole gonum view the way gonum's
// algorithms do: every node, and From of every node.
func BenchmarkFlowNodesAndEdges(b *testing.B) {
	f := bigFlow().flow
	f.NumNodes() // build the index outside the timer
	b.ReportAllocs()
	var nodes, edges int
	for b.Loop() {
		nodes, edges = 0, 0
		for it := f.Nodes(); it.Next(); {
			nodes++
			for to := f.From(it.Node().ID()); to.Next(); {
				edges++
			}
		}
	}
	if nodes != f.NumNodes() || edges != f.NumEdges() {
		b.Fatalf("walked %d nodes, %d edges; flow has %d, %d", nodes, edges, f.NumNodes(), f.NumEdges())
	}
	s := b.Elapsed().Seconds()
	b.ReportMetric(float64(edges)*float64(b.N)/s, "edges/s")
	b.ReportMetric(float64(nodes)*float64(b.N)/s, "nodes/s")
}

// BenchmarkAddresses builds the address projection of the 100k-tx region.
func BenchmarkAddresses(b *testing.B) {
	f := bigFlow().flow
	b.ReportAllocs()
	var addrs int
	for b.Loop() {
		addrs = f.Addresses().Nodes().Len()
	}
	b.ReportMetric(float64(f.Len())*float64(b.N)/b.Elapsed().Seconds(), "tx/s")
	b.ReportMetric(float64(addrs), "addrs")
}
