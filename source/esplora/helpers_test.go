package esplora_test

import (
	"bytes"
	"context"
	"iter"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/btcsuite/btcd/chaincfg/chainhash"

	"github.com/plumetrace/plume/chain"
	"github.com/plumetrace/plume/internal/btcdata"
	"github.com/plumetrace/plume/source/esplora"
	"github.com/plumetrace/plume/source/esplora/esploratest"
	"github.com/plumetrace/plume/store"
)

// Facts of the real 2009 chain, checkable in any explorer.
const (
	block9Coinbase = "0437cd7f8525ceed2324359c2d0ba26006d92d856a9c20fa0241106ee5a597c9"
	halFinneyTx    = "f4184fc596403b9d638783cf57adfe4c75c605f6356fbc91338530e9831e9e16"
	peelAddress    = "12cbQLTFMXRnSzktFkuoG3eHoMeFtpTu3S" // only ever paid to its key (P2PK)
	revealAddress  = "1AbHNFdKJeVL8FRZyRZoiTzG9VCmzLrtvm" // P2PK outputs, and P2PKH spends showing the key
	busyAddress    = "12higDjoCCNXSA95xZMWUdPvXNmkAduhWv" // 21 P2PKH payments, the busiest history of 2009
	realTip        = 14131
)

// real is the real mainnet blocks 0..14131 and a store of them, loaded
// once per test binary and only read by the tests.
type real struct {
	blocks []*chain.Block
	db     *store.DB
	keys   [][]byte // every public key of a pay-to-pubkey output
}

var loadReal = sync.OnceValues(func() (*real, error) {
	ctx := context.Background()
	rc := &real{}
	seen := map[string]bool{}
	for b, err := range btcdata.Blocks2009(ctx) {
		if err != nil {
			return nil, err
		}
		rc.blocks = append(rc.blocks, b)
		for _, tx := range b.Txs {
			for _, o := range tx.TxOut {
				if k := p2pkKey(o.PkScript); k != nil && !seen[string(k)] {
					seen[string(k)] = true
					rc.keys = append(rc.keys, k)
				}
			}
		}
	}
	var err error
	if rc.db, err = store.Open("", store.Options{InMemory: true}); err != nil {
		return nil, err
	}
	stream := func(yield func(*chain.Block, error) bool) {
		for _, b := range rc.blocks {
			if !yield(b, nil) {
				return
			}
		}
	}
	if _, err := rc.db.Ingest(ctx, stream, nil); err != nil {
		return nil, err
	}
	return rc, nil
})

// p2pkKey returns the key of a pay-to-pubkey script, else nil.
func p2pkKey(script []byte) []byte {
	n := len(script)
	if (n == 35 || n == 67) && int(script[0]) == n-2 && script[n-1] == 0xac {
		return bytes.Clone(script[1 : n-1])
	}
	return nil
}

func realChain(t testing.TB) *real {
	t.Helper()
	rc, err := loadReal()
	if err != nil {
		t.Fatal(err)
	}
	return rc
}

// fixture is an Esplora test server over the real chain and a client of it.
type fixture struct {
	rc  *real
	srv *esploratest.Server
	c   *esplora.Client
}

// newFixture serves the real chain (with sopts) and returns a client made
// with copts, whose URL it fills in. Requests are not rate limited unless
// copts says so.
func newFixture(t testing.TB, sopts esploratest.Options, copts esplora.Options) *fixture {
	t.Helper()
	rc := realChain(t)
	srv := esploratest.New(rc.blocks, sopts)
	return &fixture{rc: rc, srv: srv, c: newClient(t, srv, copts)}
}

// newClient serves h on a test server and returns a client of it.
func newClient(t testing.TB, h http.Handler, copts esplora.Options) *esplora.Client {
	t.Helper()
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	if copts.URL == "" {
		copts.URL = ts.URL
	}
	if copts.RateLimit == 0 {
		copts.RateLimit = -1
	}
	c, err := esplora.New(copts)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func mustHash(t testing.TB, s string) chainhash.Hash {
	t.Helper()
	h, err := chainhash.NewHashFromStr(s)
	if err != nil {
		t.Fatal(err)
	}
	return *h
}

func mustAddr(t testing.TB, s string) chain.Address {
	t.Helper()
	a, err := chain.Mainnet.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// collect reads a whole history.
func collect(t testing.TB, src interface {
	History(context.Context, chain.Address) iter.Seq2[chain.Appearance, error]
}, a chain.Address) []chain.Appearance {
	t.Helper()
	var out []chain.Appearance
	for ap, err := range src.History(context.Background(), a) {
		if err != nil {
			t.Fatalf("History(%v): %v", a, err)
		}
		out = append(out, ap)
	}
	return out
}

// sameTx reports how a and b differ, or "".
func sameTx(a, b *chain.Tx) string {
	var wa, wb bytes.Buffer
	a.Msg.Serialize(&wa)
	b.Msg.Serialize(&wb)
	switch {
	case a.ID != b.ID || a.Hash != b.Hash:
		return "identity"
	case !a.Time.Equal(b.Time):
		return "time"
	case !bytes.Equal(wa.Bytes(), wb.Bytes()):
		return "transaction bytes"
	case len(a.Prevouts) != len(b.Prevouts) || (a.Prevouts == nil) != (b.Prevouts == nil):
		return "prevout count"
	case len(a.SpentBy) != len(b.SpentBy):
		return "spender count"
	}
	for i, p := range a.Prevouts {
		q := b.Prevouts[i]
		if p.Out != q.Out || p.Value != q.Value || !bytes.Equal(p.Script, q.Script) || p.Addr != q.Addr || p.Resolved != q.Resolved {
			return "prevout"
		}
	}
	for i, s := range a.SpentBy {
		if s != b.SpentBy[i] {
			return "spender"
		}
	}
	return ""
}
