package main

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/plumetrace/plume/chain"
	"github.com/plumetrace/plume/internal/btcdata"
	"github.com/plumetrace/plume/source/esplora/esploratest"
)

// Facts of the real 2009 chain, as examples/genesis traces them.
const (
	genesisSeed = "12cbQLTFMXRnSzktFkuoG3eHoMeFtpTu3S" // received the block-9 coinbase, paid to its key
	halFinneyTx = "f4184fc596403b9d638783cf57adfe4c75c605f6356fbc91338530e9831e9e16"
)

// blocks2009 are the real mainnet blocks 0..14131 that ship in the btcd
// module, read once per test binary.
var blocks2009 = sync.OnceValues(func() ([]*chain.Block, error) {
	ctx := context.Background()
	var bs []*chain.Block
	for b, err := range btcdata.Blocks2009(ctx) {
		if err != nil {
			return nil, err
		}
		bs = append(bs, b)
	}
	return bs, nil
})

// esploraServer serves the real 2009 chain as Esplora does.
func esploraServer(t *testing.T) (*esploratest.Server, string) {
	t.Helper()
	bs, err := blocks2009()
	if err != nil {
		t.Fatal(err)
	}
	srv := esploratest.New(bs, esploratest.Options{})
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	return srv, ts.URL
}

// noLimit lifts the client's pace of 10 requests a second, kind to public
// servers and slow in tests.
const noLimit = "-rate=0"

// genesisKey is the public key the block-9 coinbase pays, in hex: the
// key of genesisSeed, which Esplora needs to list its payments.
func genesisKey(t *testing.T) string {
	t.Helper()
	bs, err := blocks2009()
	if err != nil {
		t.Fatal(err)
	}
	s := bs[9].Txs[0].TxOut[0].PkScript
	if len(s) != 67 || s[0] != 65 || s[66] != 0xac {
		t.Fatalf("block 9's coinbase does not pay to a public key: %x", s)
	}
	return hex.EncodeToString(s[1:66])
}

// genesisTxs reads the transactions examples/genesis finds, from its
// golden file, as generic JSON to compare with.
func genesisTxs(t *testing.T, golden string) any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "genesis", "testdata", golden))
	if err != nil {
		t.Fatal(err)
	}
	var g struct{ Txs any }
	if err := json.Unmarshal(b, &g); err != nil {
		t.Fatal(err)
	}
	return g.Txs
}

// TestEsploraMatchesGenesis traces Hal Finney's coins through an Esplora
// server of the real 2009 chain and finds, transaction for transaction,
// what examples/genesis finds in a store of the same blocks; the second
// run against the same -data sends the server no request at all.
func TestEsploraMatchesGenesis(t *testing.T) {
	srv, url := esploraServer(t)
	data := t.TempDir()
	key := genesisKey(t)
	for i, tc := range []struct {
		args   []string
		golden string
	}{
		{nil, "default-json.golden"},
		{[]string{"-model", "lifo"}, "lifo-json.golden"}, // the same transactions, from the cache
	} {
		srv.Reset()
		args := append([]string{"-esplora", url, noLimit, "-data", data, "-seed", genesisSeed, "-pubkey", key}, tc.args...)
		d, stderr := runJSON(t, args...)
		var got any
		if err := json.Unmarshal(d.Txs, &got); err != nil {
			t.Fatal(err)
		}
		if want := genesisTxs(t, tc.golden); !reflect.DeepEqual(got, want) {
			g, _ := json.MarshalIndent(got, "", "  ")
			t.Errorf("run %d: the transactions differ from examples/genesis's %s:\n%s", i+1, tc.golden, g)
		}
		n := srv.Requests()
		switch {
		case i == 0 && n == 0:
			t.Errorf("run 1 sent no request: the cache cannot have been empty")
		case i > 0 && n != 0:
			t.Errorf("run %d sent %d requests (%v); the cache should answer them all", i+1, n, srv.Paths())
		}
		if d.Source.Requests == nil || *d.Source.Requests != n {
			t.Errorf("run %d: the output counts %v requests, the server %d", i+1, d.Source.Requests, n)
		}
		if d.Source.Kind != "esplora" || d.Source.Store != nil || d.Source.URL != url || d.Network != "mainnet" || len(d.Seeds) != 1 || d.Seeds[0] != genesisSeed {
			t.Errorf("run %d: %+v", i+1, d)
		}
		if !strings.Contains(stderr, "warning:") || !strings.Contains(stderr, url) || !strings.Contains(stderr, "sees the seeds") {
			t.Errorf("run %d: stderr does not warn that %s learns the case:\n%s", i+1, url, stderr)
		}
	}
}

// TestEsploraLimits: -hops, -max-txs and -min-value bound the trace, and
// the command says when they stopped it.
func TestEsploraLimits(t *testing.T) {
	_, url := esploraServer(t)
	data := t.TempDir()
	base := []string{"-esplora", url, noLimit, "-data", data, "-seed", genesisSeed, "-pubkey", genesisKey(t)}
	heights := func(txs []tx) []int32 {
		var hs []int32
		for _, tx := range txs {
			hs = append(hs, tx.Height)
		}
		return hs
	}

	// The seed address received six of the nine outputs (its change):
	// their transactions are in the flow whatever the limit.
	d, stderr := runJSON(t, append(base, "-max-txs", "7")...)
	if txs := d.txs(t); len(txs) != 7 || !d.Truncated || !strings.Contains(stderr, "-max-txs 7") {
		t.Errorf("-max-txs 7: %d transactions, truncated %v, stderr %q", len(txs), d.Truncated, stderr)
	}

	// The genesis trace reaches block 496 at hop 2, through the 10 BTC
	// block 248 peels off.
	d, stderr = runJSON(t, append(base, "-hops", "1")...)
	if hs := heights(d.txs(t)); !reflect.DeepEqual(hs, []int32{9, 170, 181, 182, 183, 248}) || d.Truncated {
		t.Errorf("-hops 1: heights %v", hs)
	}
	if !strings.Contains(stderr, "-hops 1; 3 outputs of the last hop were spent further") {
		t.Errorf("-hops 1: stderr %q", stderr)
	}

	// The peel chain's 1 BTC payments (blocks 182 and 183) are spent in
	// blocks 187 and 221; under -min-value 5 they are not followed.
	d, _ = runJSON(t, append(base, "-min-value", "5")...)
	if hs := heights(d.txs(t)); !reflect.DeepEqual(hs, []int32{9, 170, 181, 182, 183, 248, 496}) {
		t.Errorf("-min-value 5: heights %v", hs)
	}
}

// TestEsploraPayToPubKey: an address only ever paid to its key has no
// history in Esplora under the address; the command finds nothing and
// says to pass the key.
func TestEsploraPayToPubKey(t *testing.T) {
	_, url := esploraServer(t)
	d, stderr := runJSON(t, "-esplora", url, noLimit, "-data", t.TempDir(), "-seed", genesisSeed)
	if txs := d.txs(t); len(txs) != 0 {
		t.Fatalf("%d transactions without the key; has the server learnt to index pay-to-pubkey by address?", len(txs))
	}
	if !strings.Contains(stderr, "-pubkey") {
		t.Errorf("stderr does not suggest -pubkey:\n%s", stderr)
	}
	// A txid needs no key.
	d, _ = runJSON(t, "-esplora", url, noLimit, "-data", t.TempDir(), "-seed", halFinneyTx, "-hops", "1")
	if txs := d.txs(t); len(txs) < 2 || txs[0].TxID != halFinneyTx {
		t.Errorf("seeded with the txid: %+v", txs)
	}
}

// TestEsploraWrongNetwork: a mainnet server asked for testnet3 fails,
// naming the server and both networks.
func TestEsploraWrongNetwork(t *testing.T) {
	_, url := esploraServer(t)
	_, _, err := runOnce(t, "-esplora", url, noLimit, "-data", t.TempDir(), "-network", "testnet3", "-seed", halFinneyTx)
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{url, "another network", "testnet3", "-network"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
}

// TestEsploraReport: -report writes the HTML case report and says where,
// leaving stdout to the table.
func TestEsploraReport(t *testing.T) {
	_, url := esploraServer(t)
	path := filepath.Join(t.TempDir(), "case.html")
	var out, errs bytes.Buffer
	err := run(context.Background(), []string{"-esplora", url, noLimit, "-data", t.TempDir(), "-seed", genesisSeed, "-pubkey", genesisKey(t),
		"-model", "haircut", "-report", path}, &out, &errs)
	if err != nil {
		t.Fatalf("%v\n%s", err, errs.String())
	}
	if !strings.Contains(errs.String(), "report written to "+path) {
		t.Errorf("stderr %q does not say where the report is", errs.String())
	}
	page, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"<html", genesisSeed, halFinneyTx, "haircut"} {
		if !bytes.Contains(page, []byte(s)) {
			t.Errorf("the report lacks %q", s)
		}
	}
	for _, s := range []string{"Esplora " + url, "9 transactions reached", "taint model: haircut", "1Q2TWHE3GMdB6BZKafqwxXtWAWgFt5Jvm3"} {
		if !strings.Contains(out.String(), s) {
			t.Errorf("the table lacks %q:\n%s", s, out.String())
		}
	}
}
