package esploratest_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/btcsuite/btcd/wire"

	"github.com/plumetrace/plume/chain"
	"github.com/plumetrace/plume/internal/btcdata"
	"github.com/plumetrace/plume/source/blkfile"
	"github.com/plumetrace/plume/source/esplora/esploratest"
)

const (
	halFinneyTx = "f4184fc596403b9d638783cf57adfe4c75c605f6356fbc91338530e9831e9e16"
	block9Cb    = "0437cd7f8525ceed2324359c2d0ba26006d92d856a9c20fa0241106ee5a597c9"
	block170    = "00000000d1145790a8694403d4063f323d499e655c83426834d4ce2f8dd4a2ee"
)

func serve(t *testing.T, opts esploratest.Options) ([]*chain.Block, func(path string) (int, string, []byte)) {
	t.Helper()
	ctx := context.Background()
	path, err := btcdata.Path(btcdata.Blocks0To14131)
	if err != nil {
		t.Fatal(err)
	}
	r, err := blkfile.Open(ctx, path, blkfile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var blocks []*chain.Block
	for b, err := range r.Blocks(ctx, 0) {
		if err != nil {
			t.Fatal(err)
		}
		if b.Height > 300 {
			break
		}
		blocks = append(blocks, b)
	}
	srv := esploratest.New(blocks, opts)
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	return blocks, func(path string) (int, string, []byte) {
		resp, err := http.Get(ts.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header.Get("Content-Type"), b
	}
}

// TestShapes checks the answers against facts of block 170 and the shapes
// of Esplora's API documentation.
func TestShapes(t *testing.T) {
	_, get := serve(t, esploratest.Options{})
	code, ctype, body := get("/tx/" + halFinneyTx)
	if code != 200 || ctype != "application/json" {
		t.Fatalf("GET /tx: %d %s", code, ctype)
	}
	var tx map[string]any
	if err := json.Unmarshal(body, &tx); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"txid", "version", "locktime", "vin", "vout", "size", "weight", "fee", "status"} {
		if _, ok := tx[k]; !ok {
			t.Errorf("transaction without %q", k)
		}
	}
	vin := tx["vin"].([]any)[0].(map[string]any)
	prev := vin["prevout"].(map[string]any)
	if vin["txid"] != block9Cb || prev["value"] != 5e9 || prev["scriptpubkey_type"] != "p2pk" || prev["scriptpubkey_address"] != nil {
		t.Errorf("vin %v: want the block-9 coinbase's 50 BTC P2PK output, with no address", vin)
	}
	st := tx["status"].(map[string]any)
	if st["confirmed"] != true || st["block_height"] != 170.0 || st["block_hash"] != block170 || st["block_time"] != 1231731025.0 {
		t.Errorf("status %v", st)
	}
	if tx["fee"] != 0.0 {
		t.Errorf("fee %v", tx["fee"])
	}

	var outspends []map[string]any
	_, _, body = get("/tx/" + halFinneyTx + "/outspends")
	json.Unmarshal(body, &outspends)
	if len(outspends) != 2 || outspends[0]["spent"] != false || outspends[1]["spent"] != true || outspends[1]["vin"] != 0.0 {
		t.Errorf("outspends %s", body)
	}

	for _, tc := range []struct {
		path string
		code int
		body string
	}{
		{"/block-height/170", 200, block170},
		{"/block-height/301", 404, "Block not found"},
		{"/block-height/x", 400, "Invalid number"},
		{"/blocks/tip/height", 200, "300"},
		{"/tx/" + halFinneyTx + "/status", 200, `{"confirmed":true,"block_height":170,"block_hash":"` + block170 + `","block_time":1231731025}`},
		{"/tx/" + block170 + "/status", 200, `{"confirmed":false}`},
		{"/tx/" + block170, 404, "Transaction not found"},
		{"/tx/f4184f", 400, "Invalid hex string"},
		{"/block/" + block170 + "/txid/1", 200, halFinneyTx},
		{"/nowhere", 404, `endpoint does not exist "/nowhere"`},
	} {
		code, _, body := get(tc.path)
		if code != tc.code || string(body) != tc.body {
			t.Errorf("GET %s: %d %q, want %d %q", tc.path, code, body, tc.code, tc.body)
		}
	}
}

// TestPaging follows the documented protocol through the history of the
// block-9 coinbase's P2PK script (12cbQL…'s key): newest first, PageSize
// a page, then the page after the last txid seen, until an empty page.
func TestPaging(t *testing.T) {
	blocks, get := serve(t, esploratest.Options{PageSize: 2})
	script := blocks[9].Txs[0].TxOut[0].PkScript
	var want []float64 // heights of the transactions paying or spending the script, newest first
	paid := map[wire.OutPoint]bool{}
	for _, b := range blocks {
		for i, tx := range b.Txs {
			hit := false
			for _, in := range tx.TxIn {
				hit = hit || paid[in.PreviousOutPoint]
			}
			for v, o := range tx.TxOut {
				if bytes.Equal(o.PkScript, script) {
					paid[wire.OutPoint{Hash: b.TxHashes[i], Index: uint32(v)}] = true
					hit = true
				}
			}
			if hit {
				want = append(want, float64(b.Height))
			}
		}
	}
	slices.Reverse(want)
	sh := sha256.Sum256(script)
	var got []float64
	last, pages := "", 0
	for ; pages < 20; pages++ {
		_, _, body := get("/scripthash/" + hex.EncodeToString(sh[:]) + "/txs/chain" + last)
		var page []map[string]any
		if err := json.Unmarshal(body, &page); err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		for _, tx := range page {
			got = append(got, tx["status"].(map[string]any)["block_height"].(float64))
		}
		last = "/" + page[len(page)-1]["txid"].(string)
	}
	if !slices.Equal(got, want) || pages != (len(want)+1)/2 || len(want) < 5 {
		t.Errorf("%d pages of heights %v, want %v", pages, got, want)
	}
	// As in electrs, the P2PKH address of the key is another script.
	for _, path := range []string{
		"/address/12cbQLTFMXRnSzktFkuoG3eHoMeFtpTu3S/txs",
		"/address/12cbQLTFMXRnSzktFkuoG3eHoMeFtpTu3S/txs/chain",
		"/scripthash/" + hex.EncodeToString(sh[:]) + "/txs/chain/" + block170, // after a txid not in the history
	} {
		if code, _, body := get(path); code != 200 || string(body) != "[]" {
			t.Errorf("GET %s: %d %s, want []", path, code, body)
		}
	}
}
