package report_test

import (
	"bytes"
	"flag"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/plumetrace/plume/trace/report"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// TestGolden writes the reports of the real 2009 flow and compares them
// with golden files checked by hand against the chain (see
// examples/genesis/testdata/haircut.golden for the same flow as a table).
func TestGolden(t *testing.T) {
	writers := []struct {
		ext   string
		write func(io.Writer, *report.Report) error
	}{
		{"md", report.WriteMarkdown},
		{"json", report.WriteJSON},
	}
	for _, tc := range []struct {
		name string
		c    genesisCase
	}{
		{"haircut", haircut},
		{"haircut-exit", haircutExit},
		{"no-taint-two-hops", genesisCase{seed: halTxID, opts: optsHops(2)}},
	} {
		rep, _, _ := tc.c.build(t)
		for _, w := range writers {
			t.Run(tc.name+"."+w.ext, func(t *testing.T) {
				var out bytes.Buffer
				if err := w.write(&out, rep); err != nil {
					t.Fatal(err)
				}
				golden := filepath.Join("testdata", tc.name+".golden."+w.ext)
				if *update {
					if err := os.WriteFile(golden, out.Bytes(), 0o644); err != nil {
						t.Fatal(err)
					}
				}
				want, err := os.ReadFile(golden)
				if err != nil {
					t.Fatalf("%v (run go test -update to create it)", err)
				}
				if !bytes.Equal(out.Bytes(), want) {
					t.Errorf("output differs from %s (go test -update rewrites it):\n%s", golden, out.String())
				}
			})
		}
	}
}
