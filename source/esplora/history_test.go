package esplora_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/plumetrace/plume/chain"
	"github.com/plumetrace/plume/source/esplora"
	"github.com/plumetrace/plume/source/esplora/esploratest"
)

func sameHistory(got, want []chain.Appearance) string {
	if len(got) != len(want) {
		return fmt.Sprintf("%d appearances, want %d", len(got), len(want))
	}
	for i, a := range got {
		b := want[i]
		if a.Tx != b.Tx || a.Index != b.Index || a.Spend != b.Spend || a.Value != b.Value || a.Prev != b.Prev || !a.Time.Equal(b.Time) {
			return fmt.Sprintf("appearance %d: %+v, want %+v", i, a, b)
		}
	}
	return ""
}

// TestHistory compares histories read through the Esplora API with the
// store's, which indexes pay-to-pubkey outputs under the P2PKH address of
// their key as plume does everywhere.
func TestHistory(t *testing.T) {
	rc := realChain(t)
	for _, tc := range []struct {
		name     string
		addr     string
		keys     bool // pass every public key of the chain in Options.PubKeys
		pageSize int
		empty    bool // the history Esplora can give without the key
		pages    int  // history pages requested, when checked; -1: as pageSize implies
	}{
		{name: "peel address with its key", addr: peelAddress, keys: true},
		{name: "peel address without its key", addr: peelAddress, empty: true, pages: 1},
		{name: "key revealed by a P2PKH spend", addr: revealAddress},
		{name: "second busiest", addr: "198aMn6ZYAczwrE5NvNTUMyJ5qkfy4g3Hi", keys: true},
		{name: "paged", addr: busyAddress, pageSize: 4, pages: -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			copts := esplora.Options{}
			if tc.keys {
				copts.PubKeys = rc.keys
			}
			f := newFixture(t, esploratest.Options{PageSize: tc.pageSize}, copts)
			a := mustAddr(t, tc.addr)
			got := collect(t, f.c, a)
			want := collect(t, f.rc.db, a)
			if tc.empty {
				want = nil
			} else if len(want) < 2 {
				t.Fatalf("the store's history has %d appearances; the case tests nothing", len(want))
			}
			if d := sameHistory(got, want); d != "" {
				t.Errorf("history of %s: %s", tc.addr, d)
			}
			pages := 0
			for _, p := range f.srv.Paths() {
				if strings.HasPrefix(p, "/scripthash/") {
					pages++
				}
			}
			if tc.pages < 0 {
				// The pages the transactions fill, and the empty one that
				// ends the history.
				txs := map[chain.TxID]bool{}
				for _, a := range want {
					txs[a.Tx] = true
				}
				tc.pages = (len(txs)+tc.pageSize-1)/tc.pageSize + 1
				if len(txs) <= 2*tc.pageSize {
					t.Fatalf("%d transactions do not fill two pages", len(txs))
				}
			}
			if tc.pages > 0 && pages != tc.pages {
				t.Errorf("%d history pages requested, want %d", pages, tc.pages)
			}
		})
	}
}

// TestEveryHistory reads the history of every address of the real chain
// through the API, with every key known, and compares it with the store's.
func TestEveryHistory(t *testing.T) {
	if testing.Short() {
		t.Skip("thousands of histories")
	}
	rc := realChain(t)
	f := newFixture(t, esploratest.Options{PageSize: 5}, esplora.Options{PubKeys: rc.keys})
	seen := map[chain.Address]bool{}
	for _, b := range rc.blocks {
		for _, tx := range b.Txs {
			for _, o := range tx.TxOut {
				a := chain.AddressOf(o.PkScript)
				if seen[a] {
					continue
				}
				seen[a] = true
				if d := sameHistory(collect(t, f.c, a), collect(t, rc.db, a)); d != "" {
					t.Fatalf("history of %v: %s", chain.Mainnet.Format(a), d)
				}
			}
		}
	}
	t.Logf("%d histories in %d requests", len(seen), f.srv.Requests())
}

// TestHistoryStops checks that a server ignoring last_seen_txid, which
// would page forever, is caught.
func TestHistoryStops(t *testing.T) {
	rc := realChain(t)
	srv := esploratest.New(rc.blocks, esploratest.Options{PageSize: 3})
	c := newClient(t, stripLastSeen{srv}, esplora.Options{PubKeys: rc.keys})
	var err error
	for _, e := range c.History(context.Background(), mustAddr(t, busyAddress)) {
		err = e
	}
	if !errors.Is(err, esplora.ErrBadResponse) {
		t.Errorf("History against a server that repeats its first page: %v", err)
	}
}

// stripLastSeen answers every history page with the first.
type stripLastSeen struct{ h http.Handler }

func (s stripLastSeen) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if i := strings.Index(r.URL.Path, "/txs/chain/"); i >= 0 {
		r.URL.Path = r.URL.Path[:i+len("/txs/chain")]
	}
	s.h.ServeHTTP(w, r)
}
