package graph

import (
	"io"
	"runtime"
	"testing"
)

// heapSampler is a writer that discards what it is given and, every few
// megabytes, measures the live heap (after a collection, so garbage does
// not count). A writer that builds its document in memory shows a live
// heap growing with what it has written; a streaming one does not.
type heapSampler struct {
	n, next, every int64
	peak           uint64
}

func (s *heapSampler) Write(p []byte) (int, error) {
	s.n += int64(len(p))
	if s.n >= s.next {
		s.next += s.every
		s.peak = max(s.peak, liveHeap())
	}
	return len(p), nil
}

func liveHeap() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// TestExportStreams writes a big region in every streaming format and
// checks that memory does not grow with the document. Correctness is
// checked on smaller regions by each format's test.
func TestExportStreams(t *testing.T) {
	n := 20_000
	if testing.Short() {
		n = 3_000
	}
	r := randomFlow(21, n)
	f := r.flow
	g := f.Addresses()
	// The flow's lazily built indexes belong to the flow, not to any
	// export: build them before measuring.
	f.NumNodes()
	f.hashIndex()
	opt := ExportOptions{Name: "big", Taint: testTaint}
	for _, c := range []struct {
		name  string
		write func(io.Writer) error
	}{
		{"flow/graphml", func(w io.Writer) error { return f.WriteGraphML(w, opt) }},
		{"flow/gexf", func(w io.Writer) error { return f.WriteGEXF(w, opt) }},
		{"flow/csv", func(w io.Writer) error { return f.WriteCSV(w, w, opt) }},
		{"addresses/graphml", func(w io.Writer) error { return g.WriteGraphML(w, opt) }},
		{"addresses/gexf", func(w io.Writer) error { return g.WriteGEXF(w, opt) }},
		{"addresses/csv", func(w io.Writer) error { return g.WriteCSV(w, w, opt) }},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := &heapSampler{every: 4 << 20}
			base := liveHeap()
			if err := c.write(s); err != nil {
				t.Fatal(err)
			}
			s.peak = max(s.peak, liveHeap())
			grew := int64(s.peak) - int64(base)
			t.Logf("%d MB written, live heap grew by at most %d KB", s.n>>20, grew>>10)
			// The address view holds its nodes in order and a taint per
			// address: a few bytes per node, far below the document.
			if limit := max(2<<20, s.n/20); grew > limit {
				t.Errorf("live heap grew by %d KB while writing %d KB: the document is held in memory", grew>>10, s.n>>10)
			}
		})
	}
}
