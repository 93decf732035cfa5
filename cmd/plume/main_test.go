package main

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/plumetrace/plume/chain"
	"github.com/plumetrace/plume/internal/btcdata"
	"github.com/plumetrace/plume/store"
	"github.com/plumetrace/plume/trace"
)

// plume runs one command line and returns its exit code and output.
func plume(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errs bytes.Buffer
	code = run(context.Background(), args, &out, &errs)
	return code, out.String(), errs.String()
}

// ok runs a command line that must succeed.
func ok(t *testing.T, args ...string) string {
	t.Helper()
	code, out, errs := plume(t, args...)
	if code != 0 {
		t.Fatalf("plume %q: exit %d\n%s", args, code, errs)
	}
	return out
}

func okJSON(t *testing.T, v any, args ...string) {
	t.Helper()
	out := ok(t, append(args, "--json")...)
	if err := json.Unmarshal([]byte(out), v); err != nil {
		t.Fatalf("plume %q: %v\n%s", args, err, out)
	}
}

var (
	storeOnce sync.Once
	storeDir  string
	storeErr  error
)

// realStore ingests the real blocks 0..14131 with the command, once per
// test binary, and returns a copy of the store for the caller to change.
func realStore(t *testing.T) string {
	t.Helper()
	storeOnce.Do(func() {
		var path string
		if path, storeErr = btcdata.Path(btcdata.Blocks0To14131); storeErr != nil {
			return
		}
		storeDir, storeErr = os.MkdirTemp("", "plume-cmd-")
		if storeErr != nil {
			return
		}
		var out, errs bytes.Buffer
		if code := run(context.Background(), []string{"ingest", "blocks", path, "--data", storeDir}, &out, &errs); code != 0 {
			storeErr = &exitErr{code, errs.String()}
		}
	})
	if storeErr != nil {
		t.Fatal(storeErr)
	}
	dir := filepath.Join(t.TempDir(), "data")
	if err := os.CopyFS(dir, os.DirFS(storeDir)); err != nil {
		t.Fatal(err)
	}
	return dir
}

type exitErr struct {
	code int
	msg  string
}

func (e *exitErr) Error() string { return e.msg }

func TestMain(m *testing.M) {
	code := m.Run()
	if storeDir != "" {
		os.RemoveAll(storeDir)
	}
	os.Exit(code)
}

const (
	hal   = "12cbQLTFMXRnSzktFkuoG3eHoMeFtpTu3S" // the block-9 coinbase's address, which paid Hal Finney
	halTo = "1Q2TWHE3GMdB6BZKafqwxXtWAWgFt5Jvm3" // Hal's 10 BTC in block 170
)

// TestInvestigation runs the investigator's path on the real 2009 chain:
// tag an address, trace with a model, reuse the saved case for show,
// report and every export, and check each against the library's answer.
func TestInvestigation(t *testing.T) {
	data := realStore(t)
	pack := filepath.Join(t.TempDir(), "pack.yaml")
	if err := os.WriteFile(pack, []byte(`title: test exits
creator: plume test
currency: BTC
confidence: forensic
source: https://example.org/plume-test
tags:
  - address: `+halTo+`
    label: Hal's wallet
    category: user
  - address: bitcoincash:qrn0jwaq3at5hhxsne8gmg5uemudl57r05pdzu2nyd
    currency: BCH
    label: another chain
`), 0o644); err != nil {
		t.Fatal(err)
	}
	var imported importStats
	okJSON(t, &imported, "--data", data, "tags", "import", pack)
	if imported.Imported != 1 || imported.OtherChains != 1 || imported.BadFiles != 0 {
		t.Errorf("import: %+v", imported)
	}

	var s caseSummary
	okJSON(t, &s, "--data", data, "trace", "--case", "hal", "--seed", hal, "--model", "haircut", "--hops", "8")
	// The library's answer to the same question.
	db, err := store.Open(data, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	seed, _ := trace.ParseSeed(chain.Mainnet, hal)
	stopAt, _ := chain.Mainnet.Parse(halTo)
	label := func(a chain.Address) (string, bool) { return "Hal's wallet", a == stopAt }
	res, err := trace.Follow(context.Background(), db, []trace.Seed{seed}, trace.Options{MaxHops: 8, MaxTxs: 1_000_000, Stop: trace.StopAt(label)})
	if err != nil {
		t.Fatal(err)
	}
	tn, err := trace.ComputeTaint(res, trace.TaintOptions{Model: trace.Haircut, Exits: trace.ExitsFrom(res.Flow, label)})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	if s.Txs != res.Len() || s.Hops != res.Hops || s.Taint == nil || s.Taint.Totals != tn.Totals() {
		t.Fatalf("trace: %+v\nlibrary: %d txs, %d hops, %+v", s, res.Len(), res.Hops, tn.Totals())
	}
	if len(s.Taint.ByExit) != 1 || s.Taint.ByExit[0].Label != "Hal's wallet" || s.Taint.ByExit[0].Taint != 10e8 {
		t.Errorf("exits %+v, want Hal's 10 BTC", s.Taint.ByExit)
	}

	var cases struct{ Cases []string }
	okJSON(t, &cases, "--data", data, "case", "list")
	if len(cases.Cases) != 1 || cases.Cases[0] != "hal" {
		t.Errorf("cases %q", cases.Cases)
	}
	var shown caseSummary
	okJSON(t, &shown, "--data", data, "case", "show", "hal")
	a, _ := json.Marshal(s)
	b, _ := json.Marshal(shown)
	if !bytes.Equal(a, b) {
		t.Errorf("the saved case shows differently:\n%s\n%s", a, b)
	}

	dir := t.TempDir()
	out := ok(t, "--data", data, "report", "--case", "hal", "-o", filepath.Join(dir, "hal.html"))
	if !strings.Contains(out, "report written to "+filepath.Join(dir, "hal.html")) {
		t.Errorf("report says %q", out)
	}
	if html, err := os.ReadFile(filepath.Join(dir, "hal.html")); err != nil || !bytes.Contains(html, []byte("<html")) || !bytes.Contains(html, []byte(res.At(res.Len()-1).Hash.String())) {
		t.Errorf("HTML report: %v", err)
	}
	var rep struct {
		Schema string
		Graph  struct{ Nodes []json.RawMessage }
	}
	okJSON(t, &rep, "--data", data, "report", "--case", "hal", "--format", "json", "-o", "-")
	if rep.Schema != "plume.report/v1" || len(rep.Graph.Nodes) == 0 {
		t.Errorf("JSON report: schema %q, %d nodes", rep.Schema, len(rep.Graph.Nodes))
	}

	for _, format := range []string{"dot", "graphml", "gexf", "json"} {
		for _, level := range []string{"tx", "address"} {
			path := filepath.Join(dir, format+"-"+level)
			ok(t, "--data", data, "export", "--case", "hal", "--format", format, "--level", level, "-o", path)
			body, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			want := res.At(0).Hash.String()
			if level == "address" {
				want = hal
			}
			if !bytes.Contains(body, []byte(want)) {
				t.Errorf("%s %s export lacks %s", format, level, want)
			}
			if format == "graphml" || format == "gexf" {
				if err := xml.Unmarshal(body, new(struct{})); err != nil {
					t.Errorf("%s %s: not XML: %v", format, level, err)
				}
			}
		}
	}
	ok(t, "--data", data, "export", "--case", "hal", "--format", "csv", "-o", filepath.Join(dir, "csv"))
	for _, f := range []string{"nodes.csv", "relationships.csv"} {
		if fi, err := os.Stat(filepath.Join(dir, "csv", f)); err != nil || fi.Size() == 0 {
			t.Errorf("csv export %s: %v", f, err)
		}
	}

	var cl clusterDoc
	okJSON(t, &cl, "--data", data, "cluster", hal)
	if cl.Size < 1 || len(cl.Members) != cl.Size || cl.Members[0] != hal && cl.First != hal {
		t.Errorf("cluster %+v", cl)
	}
	var tags struct{ Tags []tagDoc }
	okJSON(t, &tags, "--data", data, "tags", "show", halTo)
	if len(tags.Tags) != 1 || tags.Tags[0].Label != "Hal's wallet" || tags.Tags[0].Pack != "test exits" {
		t.Errorf("tags %+v", tags.Tags)
	}

	var deleted struct{ Deleted string }
	okJSON(t, &deleted, "--data", data, "case", "delete", "hal")
	if deleted.Deleted != "hal" {
		t.Errorf("case delete --json: %+v", deleted)
	}
	if code, _, _ := plume(t, "--data", data, "case", "show", "hal"); code != exitNotFound {
		t.Errorf("deleted case: exit %d", code)
	}
	// A case this plume cannot read (a newer format, say) is refused but
	// can be deleted.
	db, err = store.Open(data, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	err = db.PutCase(context.Background(), "future", []byte(`{"version": 99}`))
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	if code, _, _ := plume(t, "--data", data, "case", "show", "future"); code == 0 {
		t.Error("a case of format 99 was shown")
	}
	okJSON(t, &deleted, "--data", data, "case", "delete", "future")
	if code, _, _ := plume(t, "--data", data, "case", "delete", "future"); code != exitNotFound {
		t.Errorf("deleting a deleted case: exit %d", code)
	}
}

// TestStaleCase: a case traced before a reorganisation removed its
// blocks is refused, with advice, not reported on.
func TestStaleCase(t *testing.T) {
	data := realStore(t)
	ok(t, "--data", data, "trace", "--case", "hal", "--seed", hal)
	db, err := store.Open(data, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Disconnect(context.Background(), 150); err != nil {
		t.Fatal(err)
	}
	db.Close()
	code, _, errs := plume(t, "--data", data, "report", "--case", "hal", "-o", filepath.Join(t.TempDir(), "r.html"))
	if code != exitFailure || !strings.Contains(errs, "trace it again") {
		t.Errorf("stale case: exit %d, %q", code, errs)
	}
}

// TestErrors: each mistake gets its exit code and a message that says
// what to do.
func TestErrors(t *testing.T) {
	data := realStore(t)
	badPack := filepath.Join(t.TempDir(), "bad.yaml")
	os.WriteFile(badPack, []byte("title: broken\ntags:\n  - address: 1notanaddress\n    label: x\n"), 0o644)
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"trace", "--seed", "nonsense"}, exitUsage, "is not a txid"},
		{[]string{"trace", "--seed", "tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx"}, exitUsage, "testnet3/testnet4/signet address"},
		{[]string{"trace"}, exitUsage, "--seed"},
		{[]string{"trace", "--seed", hal, "--case", "a\tb"}, exitUsage, "invalid case name"},
		{[]string{"trace", "--seed", hal, "--model", "guess"}, exitUsage, "unknown taint model"},
		{[]string{"trace", "--seed", hal, "--from", "yesterday"}, exitUsage, "--from"},
		{[]string{"trace", "--nosuchflag"}, exitUsage, "unknown flag"},
		{[]string{"trace", "--seed", "0000000000000000000000000000000000000000000000000000000000000001"}, exitNotFound, "not found"},
		{[]string{"report", "--case", "nothing"}, exitNotFound, "no case"},
		{[]string{"report", "--case", "x", "--format", "pdf"}, exitUsage, "--format"},
		{[]string{"export", "--case", "x", "--format", "svg"}, exitUsage, "--format"},
		{[]string{"cluster", "1BoatSLRHtKNngkdXEeobR76b53LETtpyT"}, exitNotFound, "not found"},
		{[]string{"--network", "testnet4", "case", "list"}, exitUsage, "pass --network"},
		{[]string{"--network", "moon", "case", "list"}, exitUsage, "moon"},
		{[]string{"tags", "import", badPack}, exitFailure, "bad.yaml"},
		{[]string{"--data", filepath.Join(t.TempDir(), "none"), "case", "list"}, exitNotFound, "plume ingest"},
	} {
		args := append([]string{"--data", data}, c.args...)
		code, _, errs := plume(t, args...)
		if code != c.code || !strings.Contains(errs, c.want) {
			t.Errorf("plume %q: exit %d, %q; want exit %d and %q", c.args, code, errs, c.code, c.want)
		}
	}
	var tags struct{ Tags []tagDoc }
	okJSON(t, &tags, "--data", data, "tags", "show", hal)
	if len(tags.Tags) != 0 {
		t.Errorf("a pack with errors was imported: %+v", tags.Tags)
	}

	// A store another process holds (here, another open of the same
	// directory: the lock is per open file).
	db, err := store.Open(data, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if code, _, errs := plume(t, "--data", data, "case", "list"); code != exitLocked || !strings.Contains(errs, "held by another process") {
		t.Errorf("locked store: exit %d, %q", code, errs)
	}
}
