package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"strings"
	"testing"

	"github.com/plumetrace/plume/chain"
	"github.com/plumetrace/plume/internal/btcdtest"
)

// doc is the part of the JSON output the tests read.
type doc struct {
	Network string `json:"network"`
	Source  struct {
		Kind  string `json:"kind"`
		URL   string `json:"url"`
		Store *struct {
			FirstBlock int32 `json:"first_block"`
			Tip        struct {
				Height int32  `json:"height"`
				Hash   string `json:"hash"`
			} `json:"tip"`
			Connected    int `json:"connected"`
			Disconnected int `json:"disconnected"`
		} `json:"store"`
		Requests *int64 `json:"requests"`
	} `json:"source"`
	Seeds     []string        `json:"seeds"`
	Model     string          `json:"model"`
	Truncated bool            `json:"truncated"`
	Hops      int             `json:"hops"`
	Txs       json.RawMessage `json:"txs"`
}

// tx is one transaction of the output.
type tx struct {
	TxID   string `json:"txid"`
	Height int32  `json:"height"`
	Hop    int    `json:"hop"`
	Inputs []struct {
		Coinbase bool   `json:"coinbase"`
		Prevout  string `json:"prevout"`
		Address  string `json:"address"`
		Value    *int64 `json:"value"`
	} `json:"inputs"`
	Outputs []struct {
		Index   int     `json:"index"`
		Address string  `json:"address"`
		Value   int64   `json:"value"`
		SpentBy *string `json:"spent_by"`
		Taint   *int64  `json:"taint"`
	} `json:"outputs"`
}

func (d *doc) txs(t *testing.T) []tx {
	t.Helper()
	var txs []tx
	if err := json.Unmarshal(d.Txs, &txs); err != nil {
		t.Fatal(err)
	}
	return txs
}

// runJSON runs the command with -json and decodes its output.
func runJSON(t *testing.T, args ...string) (*doc, string) {
	t.Helper()
	var out, errs bytes.Buffer
	if err := run(context.Background(), append(args, "-json"), &out, &errs); err != nil {
		t.Fatalf("%v\nstderr: %s", err, errs.String())
	}
	var d doc
	if err := json.Unmarshal(out.Bytes(), &d); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	return &d, errs.String()
}

// runOnce parses args and runs them with clients that do not retry, so
// that a server that cannot answer fails the run at once.
func runOnce(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errs bytes.Buffer
	c, err := parseFlags(args, &errs)
	if err != nil {
		t.Fatalf("flags %v: %v", args, err)
	}
	c.retries = -1
	err = execute(context.Background(), c, &out, &errs)
	return out.String(), errs.String(), err
}

// TestNoSource: without -rpc or -esplora the command names both and shows
// a command line for each.
func TestNoSource(t *testing.T) {
	for _, args := range [][]string{nil, {"-seed", zaifSeed}, {"-json"}} {
		var out, errs bytes.Buffer
		err := run(context.Background(), args, &out, &errs)
		if err == nil || !strings.Contains(err.Error(), "-rpc") || !strings.Contains(err.Error(), "-esplora") {
			t.Errorf("%v: error %v, want one naming -rpc and -esplora", args, err)
		}
		for _, want := range []string{"-rpc http://127.0.0.1:8332", "-esplora https://blockstream.info/api", zaifSeed} {
			if !strings.Contains(errs.String(), want) {
				t.Errorf("%v: stderr lacks %q:\n%s", args, want, errs.String())
			}
		}
		if out.Len() != 0 {
			t.Errorf("%v: stdout %q", args, out.String())
		}
	}
}

// TestBadFlags: flags that cannot work fail before anything is asked of
// a server, saying which flag and why.
func TestBadFlags(t *testing.T) {
	const u = "http://127.0.0.1:1"
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-esplora", u, "-seed", "nonsense"}, `seed "nonsense" is not a txid, txid:vout or address`},
		{[]string{"-esplora", u, "-network", "regtest", "-seed", zaifSeed}, "regtest"},
		{[]string{"-rpc", u, "-seed", btcdtest.TestKey(1).Address(chain.KindP2WPKH)}, "mainnet"},
		{[]string{"-esplora", u, "-seed", "0437cd7f8525ceed2324359c2d0ba26006d92d856a9c20fa0241106ee5a597c9:x"}, "output index"},
		{[]string{"-esplora", u, "-network", "regtest"}, "pass -seed"},
		{[]string{"-esplora", u, "-network", "moon"}, `unknown network "moon"`},
		{[]string{"-rpc", u, "-esplora", u}, "both given"},
		{[]string{"-esplora", u, "-from", "5"}, "-from works only with -rpc"},
		{[]string{"-esplora", u, "-watch"}, "-watch works only with -rpc"},
		{[]string{"-rpc", u, "-pubkey", "02"}, "-pubkey works only with -esplora"},
		{[]string{"-rpc", u, "-rate", "5"}, "-rate works only with -esplora"},
		{[]string{"-esplora", u, "-rpc-user", "a"}, "-rpc-user works only with -rpc"},
		{[]string{"-esplora", u, "-pubkey", "0411db"}, "not a public key"},
		{[]string{"-rpc", u, "-rpc-cookie", "c", "-rpc-user", "a", "-rpc-pass", "b"}, "give one"},
		{[]string{"-rpc", u, "-rpc-user", "a"}, "go together"},
		{[]string{"-rpc", u, "-from", "9", "-to", "5"}, "-to 5 is below -from 9"},
		{[]string{"-rpc", u, "-from", "-3"}, "not a block height"},
		{[]string{"-rpc", u, "-watch", "-to", "9"}, "drop -to"},
		{[]string{"-esplora", u, "-min-value", "0.123456789"}, "not an amount of BTC"},
		{[]string{"-esplora", u, "-min-value", "-1"}, "not an amount of BTC"},
		{[]string{"-esplora", u, "-max-txs", "-1"}, "not a negative number"},
		{[]string{"-esplora", u, "-rate", "-2"}, "-rate -2"},
		{[]string{"-esplora", u, "-model", "fifo2"}, "unknown taint model"},
		{[]string{"-esplora", u, "extra"}, "unexpected arguments"},
	} {
		var out, errs bytes.Buffer
		err := run(context.Background(), tc.args, &out, &errs)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: %v, want an error saying %q", tc.args, err, tc.want)
		}
	}
}

func TestBTCAmount(t *testing.T) {
	for in, want := range map[string]int64{"0.29": 29_000_000, "1": 1e8, ".5": 5e7, "0.00000001": 1, "20999999.99999999": 2_099_999_999_999_999} {
		var a btcAmount
		if err := a.Set(in); err != nil || a.sat != want {
			t.Errorf("%q: %d %v, want %d", in, a.sat, err, want)
		}
	}
	for _, in := range []string{"", ".", "1e-3", "0,1", "21000001", "1.2.3", "+1"} {
		var a btcAmount
		if err := a.Set(in); err == nil {
			t.Errorf("%q: read as %d sat", in, a.sat)
		}
	}
}

// TestUnreachable: a node or server that does not answer is named in the
// error, with what to check.
func TestUnreachable(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + l.Addr().String()
	l.Close() // nothing listens there now
	for _, args := range [][]string{
		{"-rpc", url, "-rpc-user", "u", "-rpc-pass", "p", "-network", "regtest", "-seed", "0437cd7f8525ceed2324359c2d0ba26006d92d856a9c20fa0241106ee5a597c9", "-data", t.TempDir()},
		{"-esplora", url, "-data", t.TempDir()},
	} {
		_, _, err := runOnce(t, args...)
		if err == nil || !strings.Contains(err.Error(), url) || !strings.Contains(err.Error(), "unreachable") {
			t.Errorf("%s: %v, want an error naming %s as unreachable", args[0], err, url)
		}
	}
}

// FuzzBTCAmount: -min-value reads any text without panicking, and what
// it accepts is a possible amount that reads back the same.
func FuzzBTCAmount(f *testing.F) {
	for _, s := range []string{"0.001", "1", ".5", "21000000", "0.123456789", "1e-3", "-1", "", "."} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var a btcAmount
		if a.Set(s) != nil {
			return
		}
		if a.sat < 0 || a.sat > 21e6*1e8 {
			t.Fatalf("%q read as %d sat", s, a.sat)
		}
		var b btcAmount
		if a.sat > 0 && (b.Set(a.String()) != nil || b.sat != a.sat) {
			t.Fatalf("%q read as %d sat, written %q, read back as %d", s, a.sat, a.String(), b.sat)
		}
	})
}
