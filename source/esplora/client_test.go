package esplora_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/btcsuite/btcd/chaincfg/chainhash"

	"github.com/plumetrace/plume/chain"
	"github.com/plumetrace/plume/source/esplora"
	"github.com/plumetrace/plume/source/esplora/esploratest"
)

// TestTxMatchesStore reads transactions of the real chain through the
// Esplora API and compares each, field by field (bytes, time, prevouts
// and their positions, spenders), with the store's. Short mode reads the
// transactions that spend something and every 50th coinbase.
func TestTxMatchesStore(t *testing.T) {
	f := newFixture(t, esploratest.Options{}, esplora.Options{})
	ctx := context.Background()
	n := 0
	for _, b := range f.rc.blocks {
		for i := range b.Txs {
			if testing.Short() && i == 0 && b.Height%50 != 0 {
				continue
			}
			id := b.TxID(i)
			got, err := f.c.Tx(ctx, id)
			if err != nil {
				t.Fatalf("Tx(%v): %v", id, err)
			}
			want, err := f.rc.db.Tx(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if d := sameTx(got, want); d != "" {
				t.Fatalf("Tx(%v): %s differs from the store's", id, d)
			}
			n++
		}
	}
	t.Logf("%d transactions in %d requests", n, f.srv.Requests())
}

func TestTxIDs(t *testing.T) {
	f := newFixture(t, esploratest.Options{}, esplora.Options{})
	ctx := context.Background()
	for _, tc := range []struct {
		txid string
		want chain.TxID
	}{
		{halFinneyTx, chain.MakeTxID(170, 1)},
		{block9Coinbase, chain.MakeTxID(9, 0)},
		{"4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b", chain.MakeTxID(0, 0)}, // genesis
	} {
		ids, err := f.c.TxIDs(ctx, mustHash(t, tc.txid))
		if err != nil || !slices.Equal(ids, []chain.TxID{tc.want}) {
			t.Errorf("TxIDs(%s) = %v, %v; want [%v]", tc.txid[:8], ids, err, tc.want)
		}
	}
	unknown := chainhash.Hash{1, 2, 3}
	_, err := f.c.TxIDs(ctx, unknown)
	if !errors.Is(err, chain.ErrNotFound) || errors.Is(err, esplora.ErrUnconfirmed) {
		t.Errorf("TxIDs(unknown) = %v, want chain.ErrNotFound alone", err)
	}
	var e *esplora.Error
	if !errors.As(err, &e) || e.Path != "/tx/"+unknown.String()+"/hex" {
		t.Errorf("error %v does not name the request", err)
	}
}

// TestBIP30 checks that the two duplicated mainnet coinbases are placed at
// both heights without asking the server, whose index holds one copy.
func TestBIP30(t *testing.T) {
	f := newFixture(t, esploratest.Options{}, esplora.Options{})
	ids, err := f.c.TxIDs(context.Background(), mustHash(t, "d5d27987d2a3dfc724e359870c6644b40e497bdc0589a033220fe15429d88599"))
	want := []chain.TxID{chain.MakeTxID(91812, 0), chain.MakeTxID(91842, 0)}
	if err != nil || !slices.Equal(ids, want) || f.srv.Requests() != 0 {
		t.Errorf("TxIDs = %v, %v after %d requests; want %v", ids, err, f.srv.Requests(), want)
	}
}

func TestNotFound(t *testing.T) {
	f := newFixture(t, esploratest.Options{}, esplora.Options{})
	ctx := context.Background()
	for _, id := range []chain.TxID{chain.MakeTxID(realTip+1, 0), chain.MakeTxID(170, 2), -1} {
		if tx, err := f.c.Tx(ctx, id); !errors.Is(err, chain.ErrNotFound) {
			t.Errorf("Tx(%v) = %v, %v; want chain.ErrNotFound", id, tx, err)
		}
	}
}

// TestUnconfirmed serves a transaction that is in the mempool: it has no
// chain position.
func TestUnconfirmed(t *testing.T) {
	rc := realChain(t)
	srv := esploratest.New(rc.blocks, esploratest.Options{})
	pending := chainhash.Hash{9, 9, 9}
	c := newClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/tx/" + pending.String() + "/status":
			w.Write([]byte(`{"confirmed":false}`))
		case "/tx/" + pending.String() + "/hex":
			w.Write([]byte("0100000000"))
		default:
			srv.ServeHTTP(w, r)
		}
	}), esplora.Options{})
	_, err := c.TxIDs(context.Background(), pending)
	if !errors.Is(err, esplora.ErrUnconfirmed) || !errors.Is(err, chain.ErrNotFound) {
		t.Errorf("TxIDs(pending) = %v, want ErrUnconfirmed and chain.ErrNotFound", err)
	}
}

func TestWrongNetwork(t *testing.T) {
	f := newFixture(t, esploratest.Options{}, esplora.Options{Params: chain.Testnet3})
	_, err := f.c.Tx(context.Background(), chain.MakeTxID(170, 1))
	if !errors.Is(err, esplora.ErrWrongNetwork) || f.srv.Requests() != 1 {
		t.Errorf("Tx on a mainnet server with a testnet client: %v after %d requests", err, f.srv.Requests())
	}
}

// TestTampered serves answers that disagree with the chain: the client
// must notice, or recover through the raw transaction when only the JSON
// rendering is off.
func TestTampered(t *testing.T) {
	rc := realChain(t)
	srv := esploratest.New(rc.blocks, esploratest.Options{})
	id := chain.MakeTxID(170, 1)
	txPath := "/tx/" + halFinneyTx
	for _, tc := range []struct {
		name    string
		tamper  func(path string, body []byte) []byte
		wantErr error
	}{
		{"json-off-raw-good", func(path string, body []byte) []byte {
			if path == txPath {
				return bytes.Replace(body, []byte(`"sequence":4294967295`), []byte(`"sequence":7`), 1)
			}
			return body
		}, nil},
		{"json-and-raw-off", func(path string, body []byte) []byte {
			switch path {
			case txPath:
				return bytes.Replace(body, []byte(`"locktime":0`), []byte(`"locktime":9`), 1)
			case txPath + "/raw":
				body = bytes.Clone(body)
				body[len(body)-1] ^= 1
			}
			return body
		}, esplora.ErrBadResponse},
		{"txids-reordered", func(path string, body []byte) []byte {
			if strings.HasSuffix(path, "/txids") {
				var ids []string
				json.Unmarshal(body, &ids)
				slices.Reverse(ids)
				body, _ = json.Marshal(ids)
			}
			return body
		}, esplora.ErrBadResponse},
		{"not-json", func(path string, body []byte) []byte {
			if path == txPath+"/outspends" {
				return []byte("<html>")
			}
			return body
		}, esplora.ErrBadResponse},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				rec := httptest.NewRecorder()
				srv.ServeHTTP(rec, r)
				w.WriteHeader(rec.Code)
				w.Write(tc.tamper(r.URL.Path, rec.Body.Bytes()))
			}), esplora.Options{})
			got, err := c.Tx(context.Background(), id)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("Tx = %v, want %v", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want, _ := rc.db.Tx(context.Background(), id)
			if d := sameTx(got, want); d != "" {
				t.Errorf("%s differs", d)
			}
		})
	}
}
