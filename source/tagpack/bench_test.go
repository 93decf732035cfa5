package tagpack_test

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/plumetrace/plume/chain"
	"github.com/plumetrace/plume/source/tagpack"
)

// BenchmarkParse parses a generated pack of 10,000 tags shaped like the
// public ones: a header with the shared fields, then an address, a label
// and often a category per tag.
func BenchmarkParse(b *testing.B) {
	const tags = 10000
	var buf bytes.Buffer
	buf.WriteString("title: bench\ncreator: plume\ncurrency: BTC\nsource: https://example.org/tags\nconfidence: web_crawl\nlastmod: 2024-01-02\ntags:\n")
	for i := range tags {
		var a chain.Address
		a.Kind = chain.KindP2WPKH
		a.Hash[0], a.Hash[1], a.Hash[2] = byte(i), byte(i>>8), 1
		fmt.Fprintf(&buf, "- address: %s\n  label: service %d\n", chain.Mainnet.Format(a), i%100)
		if i%3 == 0 {
			buf.WriteString("  category: exchange\n")
		}
	}
	data := buf.Bytes()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		pack, err := tagpack.Parse(bytes.NewReader(data), "bench.yaml", tagpack.Options{})
		if err != nil || len(pack.Tags) != tags {
			b.Fatalf("%v, %d tags", err, len(pack.Tags))
		}
	}
	b.ReportMetric(float64(tags)*float64(b.N)/b.Elapsed().Seconds(), "tags/s")
}
