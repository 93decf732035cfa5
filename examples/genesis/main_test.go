package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// TestGolden runs the example as a user would and compares its output with
// golden files checked by hand against a block explorer.
func TestGolden(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"default", nil},
		{"default-json", []string{"-json"}},
		{"outpoint-json", []string{"-json", "-seed", "0437cd7f8525ceed2324359c2d0ba26006d92d856a9c20fa0241106ee5a597c9:0"}},
		{"two-seeds-two-hops", []string{"-hops", "2", "-seed", "f4184fc596403b9d638783cf57adfe4c75c605f6356fbc91338530e9831e9e16", "-seed", "1BBz9Z15YpELQ4QP5sEKb1SwxkcmPb5TMs"}},
		{"haircut", []string{"-model", "haircut"}},
		{"poison-json", []string{"-json", "-model", "poison"}},
		{"lifo-json", []string{"-json", "-model", "lifo"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, errs bytes.Buffer
			if err := run(context.Background(), tc.args, &out, &errs); err != nil {
				t.Fatalf("%v\n%s", err, errs.String())
			}
			golden := filepath.Join("testdata", tc.name+".golden")
			if *update {
				if err := os.WriteFile(golden, out.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if !bytes.Equal(out.Bytes(), want) {
				t.Errorf("output differs from %s:\n%s", golden, out.String())
			}
		})
	}
}

// TestJSONShape checks the documented JSON fields on the default run: the
// first person-to-person transaction pays Hal Finney 10 BTC.
func TestJSONShape(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), []string{"-json"}, &out, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Seeds []string `json:"seeds"`
		Txs   []struct {
			TxID   string `json:"txid"`
			Height int32  `json:"height"`
			Time   string `json:"time"`
			Hop    int    `json:"hop"`
			Inputs []struct {
				Coinbase bool   `json:"coinbase"`
				Prevout  string `json:"prevout"`
				Address  string `json:"address"`
				Value    int64  `json:"value"`
			} `json:"inputs"`
			Outputs []struct {
				Index   int     `json:"index"`
				Address string  `json:"address"`
				Value   int64   `json:"value"`
				SpentBy *string `json:"spent_by"`
			} `json:"outputs"`
		} `json:"txs"`
	}
	if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Seeds) != 1 || doc.Seeds[0] != defaultSeed {
		t.Errorf("seeds %v", doc.Seeds)
	}
	var hal bool
	for i, tx := range doc.Txs {
		if i > 0 && tx.Height < doc.Txs[i-1].Height {
			t.Errorf("txs out of chain order at %d", i)
		}
		if tx.TxID == "f4184fc596403b9d638783cf57adfe4c75c605f6356fbc91338530e9831e9e16" {
			hal = true
			if tx.Height != 170 || tx.Hop != 1 || tx.Time != "2009-01-12T03:30:25Z" {
				t.Errorf("tx 170: %+v", tx)
			}
			if in := tx.Inputs; len(in) != 1 || in[0].Prevout != "0437cd7f8525ceed2324359c2d0ba26006d92d856a9c20fa0241106ee5a597c9:0" || in[0].Value != 50e8 || in[0].Address != defaultSeed {
				t.Errorf("tx 170 inputs: %+v", in)
			}
			if o := tx.Outputs; len(o) != 2 || o[0].Address != "1Q2TWHE3GMdB6BZKafqwxXtWAWgFt5Jvm3" || o[0].Value != 10e8 || o[0].SpentBy != nil || o[1].Value != 40e8 || o[1].SpentBy == nil {
				t.Errorf("tx 170 outputs: %+v", o)
			}
		}
		if tx.Height == 9 && (len(tx.Inputs) != 1 || !tx.Inputs[0].Coinbase) {
			t.Errorf("coinbase inputs: %+v", tx.Inputs)
		}
	}
	if !hal {
		t.Error("the trace missed the payment to Hal Finney")
	}
}

func TestBadFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-seed", "mipcBbFg9gMiCh81Kj8tqqdgoZub1ZJRfn"}, "testnet"},
		{[]string{"-seed", "nonsense"}, "not a txid"},
		{[]string{"-blocks", "/does/not/exist"}, "no such file"},
		{[]string{"extra"}, "unexpected arguments"},
		{[]string{"-model", "fifo2"}, "unknown taint model"},
	} {
		err := run(context.Background(), tc.args, &bytes.Buffer{}, &bytes.Buffer{})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: %v, want an error saying %q", tc.args, err, tc.want)
		}
	}
}

// TestTaintJSON checks the taint field on the default run: block 496 merges
// 11 stolen BTC with a clean 50 BTC coinbase into one 61 BTC output.
func TestTaintJSON(t *testing.T) {
	for model, want := range map[string]int64{"poison": 61e8, "haircut": 11e8, "fifo": 11e8, "lifo": 11e8, "tiho": 11e8} {
		var out bytes.Buffer
		if err := run(context.Background(), []string{"-json", "-model", model}, &out, &bytes.Buffer{}); err != nil {
			t.Fatal(err)
		}
		var doc struct {
			Model string `json:"model"`
			Txs   []struct {
				Height  int32 `json:"height"`
				Outputs []struct {
					Taint *int64 `json:"taint"`
				} `json:"outputs"`
			} `json:"txs"`
		}
		if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
			t.Fatal(err)
		}
		if doc.Model != model {
			t.Errorf("model %q, want %q", doc.Model, model)
		}
		last := doc.Txs[len(doc.Txs)-1]
		if last.Height != 496 || last.Outputs[0].Taint == nil || *last.Outputs[0].Taint != want {
			t.Errorf("%s: block 496's output: %+v, want taint %d", model, last, want)
		}
	}
}

// TestHTMLReport runs the example with -report: it writes the HTML case
// report, says where on stderr, and leaves stdout as it was.
func TestHTMLReport(t *testing.T) {
	path := filepath.Join(t.TempDir(), "case.html")
	var out, errs bytes.Buffer
	if err := run(context.Background(), []string{"-model", "haircut", "-report", path}, &out, &errs); err != nil {
		t.Fatalf("%v\n%s", err, errs.String())
	}
	if !strings.Contains(errs.String(), "report written to "+path) {
		t.Errorf("stderr %q does not say where the report is", errs.String())
	}
	want, err := os.ReadFile(filepath.Join("testdata", "haircut.golden"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out.Bytes(), want) {
		t.Error("-report changed the table on stdout")
	}
	page, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"<h2>Summary</h2>", "Stolen (put in by the seeds)", "50.00000000", "Held in unspent outputs",
		defaultSeed, "f4184fc596403b9d638783cf57adfe4c75c605f6356fbc91338530e9831e9e16", "block 14131", `id="plume-graph"`} {
		if !bytes.Contains(page, []byte(s)) {
			t.Errorf("the report lacks %q", s)
		}
	}
	if err := run(context.Background(), []string{"-report", filepath.Join(t.TempDir(), "no", "such", "dir.html")}, &bytes.Buffer{}, &bytes.Buffer{}); err == nil {
		t.Error("-report into a missing directory did not fail")
	}
}
