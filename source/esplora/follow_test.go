package esplora_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/plumetrace/plume/chain"
	"github.com/plumetrace/plume/source/esplora"
	"github.com/plumetrace/plume/source/esplora/esploratest"
	"github.com/plumetrace/plume/store"
	"github.com/plumetrace/plume/trace"
)

// sameFlow reports how two traces differ, or "": the transactions (with
// their bytes, prevouts and spenders), their hops, and the seeds.
func sameFlow(got, want *trace.Result) string {
	if got.Len() != want.Len() || got.Hops != want.Hops {
		return fmt.Sprintf("%d transactions in %d hops, want %d in %d", got.Len(), got.Hops, want.Len(), want.Hops)
	}
	if !slices.Equal(got.Seeds(), want.Seeds()) {
		return fmt.Sprintf("seeds %v, want %v", got.Seeds(), want.Seeds())
	}
	for i := range got.Len() {
		g, w := got.At(i), want.At(i)
		if got.Hop(i) != want.Hop(i) {
			return fmt.Sprintf("%v at hop %d, want %v at hop %d", g.ID, got.Hop(i), w.ID, want.Hop(i))
		}
		if d := sameTx(g, w); d != "" {
			return fmt.Sprintf("transaction %v: %s", g.ID, d)
		}
	}
	return ""
}

// TestFollowMatchesStore traces the real 2009 chain through the Esplora
// API and through a store of the same blocks: the flows must be the same
// transaction for transaction.
func TestFollowMatchesStore(t *testing.T) {
	rc := realChain(t)
	ctx := context.Background()
	seedKey := p2pkKey(rc.blocks[9].Txs[0].TxOut[0].PkScript) // 12cbQL…'s key, from its block-9 coinbase
	for _, tc := range []struct {
		name string
		seed string
		keys [][]byte
		dir  trace.Direction
		hops int
	}{
		{"peel address forward", peelAddress, [][]byte{seedKey}, trace.Forward, 0},
		{"peel address backward", peelAddress, [][]byte{seedKey}, trace.Backward, 3},
		{"block-9 coinbase output forward", block9Coinbase + ":0", nil, trace.Forward, 0},
		{"Hal Finney transaction forward", halFinneyTx, nil, trace.Forward, 0},
		{"block-248 transaction backward", "828ef3b079f9c23829c56fe86e85b4a69d9e06e5b54ea597eef5fb3ffef509fe", nil, trace.Backward, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, esploratest.Options{}, esplora.Options{PubKeys: tc.keys})
			seed, err := trace.ParseSeed(chain.Mainnet, tc.seed)
			if err != nil {
				t.Fatal(err)
			}
			opts := trace.Options{Direction: tc.dir, MaxHops: tc.hops, Workers: 4}
			want, err := trace.Follow(ctx, rc.db, []trace.Seed{seed}, opts)
			if err != nil {
				t.Fatal(err)
			}
			got, err := trace.Follow(ctx, f.c, []trace.Seed{seed}, opts)
			if err != nil {
				t.Fatal(err)
			}
			if d := sameFlow(got, want); d != "" {
				t.Fatalf("through Esplora: %s", d)
			}
			if want.Len() < 5 {
				t.Fatalf("the trace reached %d transactions; the case tests little", want.Len())
			}
			t.Logf("%d transactions, %d hops, %d requests", got.Len(), got.Hops, f.srv.Requests())
		})
	}
}

// TestCachedFollow traces the peel chain through store.Cache in front of
// the Esplora client: the second trace of the case sends no request, and
// both give the flow a store of the chain gives.
func TestCachedFollow(t *testing.T) {
	rc := realChain(t)
	ctx := context.Background()
	f := newFixture(t, esploratest.Options{}, esplora.Options{PubKeys: rc.keys})
	db, err := store.Open("", store.Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	cache := store.Cache(db, f.c, store.CacheOptions{})
	seed, _ := trace.ParseSeed(chain.Mainnet, peelAddress)
	opts := trace.Options{Workers: 4}
	want, err := trace.Follow(ctx, rc.db, []trace.Seed{seed}, opts)
	if err != nil {
		t.Fatal(err)
	}
	for round := range 2 {
		f.srv.Reset()
		got, err := trace.Follow(ctx, cache, []trace.Seed{seed}, opts)
		if err != nil {
			t.Fatal(err)
		}
		if d := sameFlow(got, want); d != "" {
			t.Fatalf("trace %d: %s", round+1, d)
		}
		n := f.srv.Requests()
		t.Logf("trace %d: %d requests", round+1, n)
		if round == 0 && n == 0 || round == 1 && n != 0 {
			t.Errorf("trace %d sent %d requests", round+1, n)
		}
	}
}
