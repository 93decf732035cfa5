package main

import (
	"context"
	"encoding/json"
	"html/template"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/plumetrace/plume/store"
	"github.com/plumetrace/plume/trace/report"
)

// tagHal imports a tag pack that names Hal's address, the flow's one
// exit, and returns its title.
func tagHal(t *testing.T, data string) string {
	t.Helper()
	tagPack(t, data, "test exits", halTo, "Hal's wallet")
	return "test exits"
}

// tagPack imports a tag pack called title that labels one address.
func tagPack(t *testing.T, data, title, addr, label string) {
	t.Helper()
	pack := filepath.Join(t.TempDir(), "pack.yaml")
	if err := os.WriteFile(pack, []byte("title: "+title+"\ncreator: plume test\ncurrency: BTC\nconfidence: forensic\nsource: https://example.org/plume-test\n"+
		"tags:\n  - address: "+addr+"\n    label: "+label+"\n    category: user\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ok(t, "--data", data, "--quiet", "tags", "import", pack)
}

// reportOf returns the JSON report of a case, and its HTML.
func reportOf(t *testing.T, data, name string) (*report.Report, string) {
	t.Helper()
	rep := &report.Report{}
	okJSON(t, rep, "--data", data, "report", "--case", name, "--format", "json", "-o", "-")
	path := filepath.Join(t.TempDir(), "r.html")
	ok(t, "--data", data, "report", "--case", name, "-o", path)
	html, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return rep, string(html)
}

func settingsOf(pv report.Provenance) map[string]string {
	m := map[string]string{}
	for _, s := range pv.Settings {
		m[s.Name] = s.Value
	}
	return m
}

// TestReportProvenance: a report of a case states exactly the options it
// was traced with, defaults and others alike, in JSON and in HTML; a case
// of the first format is still read, and what it did not record is said
// to be unknown.
func TestReportProvenance(t *testing.T) {
	data := realStore(t)
	pack := tagHal(t, data)
	ok(t, "--data", data, "trace", "--case", "defaults", "--seed", hal)
	ok(t, "--data", data, "trace", "--case", "others", "--seed", hal, "--hops", "5", "--max-txs", "50", "--min-value", "1000",
		"--from", "2009-01-01", "--to", "2009-12-31", "--coinjoins", "stop", "--stop-at-exits=false", "--deposits",
		"--model", "fifo", "--taint-coinjoins", "haircut")
	stopAtTags := "at exits: outputs paying an address the store's tags name"
	day := func(m time.Month, d int) time.Time { return time.Date(2009, m, d, 0, 0, 0, 0, time.UTC) }
	for _, c := range []struct {
		name  string
		trace report.TraceRef // the options only
		model string
		joins string // the taint's CoinJoin policy
		set   map[string]string
	}{
		{"defaults", report.TraceRef{Direction: "forward", MaxTxs: 1_000_000, CoinJoins: "ignore", Stop: true, StopPredicate: stopAtTags},
			"", "", map[string]string{"Stop at exits": "yes", "Deposit addresses as exits": "no",
				"Exits from": `tags in the store, from the packs "` + pack + `"`}},
		{"others", report.TraceRef{Direction: "forward", MaxHops: 5, MinValue: 1000, From: day(1, 1), To: day(12, 31).Add(24*time.Hour - time.Nanosecond), MaxTxs: 50, CoinJoins: "stop"},
			"fifo", "haircut", map[string]string{"Stop at exits": "no", "Deposit addresses as exits": "yes",
				"Exits from": `tags in the store, from the packs "` + pack + `"; deposit addresses found by exchanges' sweeps in the flow traced up to tagged exits`}},
	} {
		rep, html := reportOf(t, data, c.name)
		pv := rep.Provenance
		got := pv.Trace
		got.Hops, got.Edges, got.Truncated, got.Stopped, got.Outside, got.CoinJoinsStopped = 0, 0, false, 0, 0, 0
		if !got.From.Equal(c.trace.From) || !got.To.Equal(c.trace.To) {
			t.Errorf("%s: window %v to %v, want %v to %v", c.name, got.From, got.To, c.trace.From, c.trace.To)
		}
		got.From, got.To, c.trace.From, c.trace.To = time.Time{}, time.Time{}, time.Time{}, time.Time{}
		if got != c.trace {
			t.Errorf("%s: trace options\n%+v, want\n%+v", c.name, got, c.trace)
		}
		if pv.Model != c.model || pv.CoinJoins != c.joins {
			t.Errorf("%s: model %q, taint at CoinJoins %q; want %q, %q", c.name, pv.Model, pv.CoinJoins, c.model, c.joins)
		}
		set := settingsOf(pv)
		for k, v := range c.set {
			if set[k] != v {
				t.Errorf("%s: setting %q = %q, want %q", c.name, k, set[k], v)
			}
			if !strings.Contains(html, template.HTMLEscapeString(v)) {
				t.Errorf("%s: the HTML report lacks %s: %s", c.name, k, v)
			}
		}
		if len(pv.Exits) != 1 || pv.Exits[0].Address != halTo {
			t.Errorf("%s: exits %+v", c.name, pv.Exits)
		}
		wantStop := "none"
		if c.trace.StopPredicate != "" {
			wantStop = template.HTMLEscapeString(c.trace.StopPredicate)
		}
		if !strings.Contains(html, "<th>Stop predicate</th><td>"+wantStop+"</td>") {
			t.Errorf("%s: the HTML report does not say the stop predicate was %s", c.name, wantStop)
		}
	}

	// The same case as the first format wrote it: no tag packs, no stop
	// predicate in the trace.
	db, err := store.Open(data, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	b, err := db.Case(ctx, "defaults")
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	doc["version"] = 1
	delete(doc, "tag_packs")
	delete(doc["trace"].(map[string]any), "stop")
	b, _ = json.Marshal(doc)
	err = db.PutCase(ctx, "v1", b)
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	rep, _ := reportOf(t, data, "v1")
	if tr := rep.Provenance.Trace; !tr.Stop || tr.StopPredicate != stopAtTags {
		t.Errorf("version 1 case: stop %v %q", tr.Stop, tr.StopPredicate)
	}
	if v := settingsOf(rep.Provenance)["Exits from"]; !strings.Contains(v, "unknown") {
		t.Errorf("version 1 case: exits from %q, want unknown packs", v)
	}
}
