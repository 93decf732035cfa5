package esplora_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/plumetrace/plume/chain"
	"github.com/plumetrace/plume/source/esplora"
)

// FuzzAnswers answers every request of a client (but the network check)
// with the same arbitrary body: Tx, TxIDs and History must fail cleanly,
// never panic or loop.
func FuzzAnswers(f *testing.F) {
	f.Add([]byte(`[]`))
	f.Add([]byte(`{"confirmed":true,"block_height":9,"block_hash":"000000008d9dc510f23c2657fc4f67bea30078cc05a90eb89e84cc475c080805"}`))
	f.Add([]byte(`["0437cd7f8525ceed2324359c2d0ba26006d92d856a9c20fa0241106ee5a597c9"]`))
	f.Add([]byte(`[{"txid":"0437cd7f8525ceed2324359c2d0ba26006d92d856a9c20fa0241106ee5a597c9","vin":[],"vout":[]}]`))
	f.Add([]byte(`000000008d9dc510f23c2657fc4f67bea30078cc05a90eb89e84cc475c080805`))
	genesis := chain.Mainnet.GenesisHash.String()
	f.Fuzz(func(t *testing.T, body []byte) {
		ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/block-height/0" {
				w.Write([]byte(genesis))
				return
			}
			w.Write(body)
		}))
		defer ts.Close()
		c, err := esplora.New(esplora.Options{URL: ts.URL, RateLimit: -1, Retries: -1})
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		c.Tx(ctx, chain.MakeTxID(9, 0))
		c.TxIDs(ctx, chain.Mainnet.GenesisHash)
		addr, _ := chain.Mainnet.Parse("12cbQLTFMXRnSzktFkuoG3eHoMeFtpTu3S")
		for range c.History(ctx, addr) {
		}
	})
}
