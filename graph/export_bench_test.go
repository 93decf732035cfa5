package graph

import (
	"io"
	"testing"
)

// countWriter counts what it discards.
type countWriter struct{ n int64 }

func (w *countWriter) Write(p []byte) (int, error) {
	w.n += int64(len(p))
	return len(p), nil
}

// BenchmarkExport runs every writer over the 100k-transaction region, with
// a taint hook, into a writer that discards: MB/s is output written,
// nodes/s the graph's nodes (332k transactions and outputs; 50k
// addresses).
func BenchmarkExport(b *testing.B) {
	f := bigFlow().flow
	f.NumNodes()
	f.hashIndex()
	g := f.Addresses()
	opt := ExportOptions{Name: "bench", Taint: testTaint}
	flowNodes, addrNodes := f.NumNodes(), g.Nodes().Len()
	for _, c := range []struct {
		name  string
		nodes int
		write func(io.Writer) error
	}{
		{"flow/graphml", flowNodes, func(w io.Writer) error { return f.WriteGraphML(w, opt) }},
		{"flow/gexf", flowNodes, func(w io.Writer) error { return f.WriteGEXF(w, opt) }},
		{"flow/csv", flowNodes, func(w io.Writer) error { return f.WriteCSV(w, w, opt) }},
		{"flow/dot", flowNodes, func(w io.Writer) error { return f.WriteDOT(w, opt) }},
		{"flow/json", flowNodes, func(w io.Writer) error { return f.WriteJSON(w, opt) }},
		{"addresses/graphml", addrNodes, func(w io.Writer) error { return g.WriteGraphML(w, opt) }},
		{"addresses/gexf", addrNodes, func(w io.Writer) error { return g.WriteGEXF(w, opt) }},
		{"addresses/csv", addrNodes, func(w io.Writer) error { return g.WriteCSV(w, w, opt) }},
		{"addresses/dot", addrNodes, func(w io.Writer) error { return g.WriteDOT(w, opt) }},
		{"addresses/json", addrNodes, func(w io.Writer) error { return g.WriteJSON(w, opt) }},
	} {
		b.Run(c.name, func(b *testing.B) {
			var size countWriter
			if err := c.write(&size); err != nil {
				b.Fatal(err)
			}
			b.SetBytes(size.n)
			b.ReportAllocs()
			for b.Loop() {
				if err := c.write(io.Discard); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(c.nodes)*float64(b.N)/b.Elapsed().Seconds(), "nodes/s")
			b.ReportMetric(float64(size.n)/(1<<20), "MB")
		})
	}
}
