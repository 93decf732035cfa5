package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The accuracy floor defended in the README: on the simulated theft, the
// trace finds the thief's addresses and the exits with precision and
// recall of at least these, at every scale and seed tested.
const (
	minPrecision = 0.95
	minRecall    = 0.95
	minExitShare = 0.95 // of the true exits' value
)

func runJSON(t *testing.T, args ...string) summary {
	t.Helper()
	var out, errs bytes.Buffer
	if err := run(context.Background(), append(args, "-json"), &out, &errs); err != nil {
		t.Fatalf("%v\n%s", err, errs.String())
	}
	var s summary
	if err := json.Unmarshal(out.Bytes(), &s); err != nil {
		t.Fatal(err)
	}
	return s
}

// TestZaif runs the example at small scales and two simulation seeds and
// holds it to the accuracy floor; checks the report's accounting, the
// chart and the cache.
func TestZaif(t *testing.T) {
	for _, c := range []struct {
		scale string
		seed  string
	}{{"0.01", "1"}, {"0.01", "2"}, {"0.02", "3"}} {
		t.Run(c.scale+"-"+c.seed, func(t *testing.T) {
			data := t.TempDir()
			s := runJSON(t, "-data", data, "-scale", c.scale, "-sim-seed", c.seed)
			a := s.Accuracy
			if a.Precision < minPrecision || a.Recall < minRecall || float64(a.ExitValueFound) < minExitShare*float64(a.ExitValueTrue) {
				t.Errorf("accuracy %+v below the floor (precision %v, recall %v, exits %v)", a, minPrecision, minRecall, minExitShare)
			}
			if a.ThiefTrue == 0 || a.ExitValueTrue == 0 {
				t.Fatalf("the ground truth is empty: %+v", a)
			}
			var sum int64
			for _, v := range s.Destinations {
				sum += v
			}
			if sum != s.Stolen || s.Stolen <= 0 {
				t.Errorf("destinations %v add to %d, stolen %d", s.Destinations, sum, s.Stolen)
			}
			for _, k := range []string{"exchange", "mixer", "dormant", "moving"} {
				if s.Destinations[k] <= 0 {
					t.Errorf("nothing %s: %v", k, s.Destinations)
				}
			}
			if len(s.Timeline) < 10 || len(s.PeelChains) == 0 || s.Traced.Txs == 0 {
				t.Errorf("timeline %d hours, %d peel chains, %d txs", len(s.Timeline), len(s.PeelChains), s.Traced.Txs)
			}
			png, err := os.ReadFile(s.Chart)
			if err != nil || !bytes.HasPrefix(png, []byte("\x89PNG")) {
				t.Errorf("chart %s: %v", s.Chart, err)
			}
			if s.Cached {
				t.Error("a fresh data directory reported a cached simulation")
			}
			again := runJSON(t, "-data", data, "-scale", c.scale, "-sim-seed", c.seed)
			if !again.Cached || again.Accuracy != s.Accuracy {
				t.Errorf("second run: cached %v, accuracy %+v", again.Cached, again.Accuracy)
			}
		})
	}
}

// TestZaifText checks the text report and the HTML report on one run.
func TestZaifText(t *testing.T) {
	data := t.TempDir()
	html := filepath.Join(data, "case.html")
	var out, errs bytes.Buffer
	if err := run(context.Background(), []string{"-data", data, "-scale", "0.01", "-model", "fifo", "-report", html}, &out, &errs); err != nil {
		t.Fatalf("%v\n%s", err, errs.String())
	}
	text := out.String()
	for _, want := range []string{"Where the", "fifo taint", "exchange", "mixer", "dormant", "hour by hour", "peel chains", "precision", "HTML report: " + html} {
		if !strings.Contains(text, want) {
			t.Errorf("the report lacks %q:\n%s", want, text)
		}
	}
	if b, err := os.ReadFile(html); err != nil || !bytes.Contains(b, []byte("<html")) {
		t.Errorf("HTML report: %v", err)
	}
	if errs.Len() != 0 {
		t.Errorf("stderr not quiet off a terminal: %q", errs.String())
	}
}

func TestZaifBadFlags(t *testing.T) {
	for _, args := range [][]string{{"-scale", "7"}, {"-model", "none"}, {"-seed", "nonsense"}, {"extra"}} {
		if err := run(context.Background(), append(args, "-data", t.TempDir()), &bytes.Buffer{}, &bytes.Buffer{}); err == nil {
			t.Errorf("%v: no error", args)
		}
	}
}

// BenchmarkZaif runs the README's main command from nothing (simulate,
// ingest, trace, report) at the default scale.
func BenchmarkZaif(b *testing.B) {
	for b.Loop() {
		if err := run(context.Background(), []string{"-data", b.TempDir(), "-json"}, &bytes.Buffer{}, &bytes.Buffer{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/run")
}
