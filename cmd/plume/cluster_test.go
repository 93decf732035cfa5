package main

import (
	"context"
	"slices"
	"strconv"
	"testing"

	"github.com/plumetrace/plume/chain"
	"github.com/plumetrace/plume/store"
	"github.com/plumetrace/plume/trace"
)

// TestCluster: cluster shows what store.DB.Cluster and Members say of an
// address, and --limit lists that many members in the same order. The
// address is a coinbase's that transaction 5559270f… of block 1945 spends
// with 19 others: common-input ownership puts all 20 in one cluster.
func TestCluster(t *testing.T) {
	data := realStore(t)
	res, _ := libTrace(t, data, []string{"5bb5df544ad5976ea1c1e9fe17d27137e144bf0f823c90b09759deca07d23809:0"}, trace.Options{}, false)
	sweep := res.At(1)
	if len(sweep.Prevouts) != 20 || sweep.Height() != 1945 {
		t.Fatalf("the sweep: %v at %d with %d inputs", sweep.Hash, sweep.Height(), len(sweep.Prevouts))
	}
	addr := res.At(0).OutAddr(0)
	text := chain.Mainnet.Format(addr)

	db, err := store.Open(data, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	c, err := db.Cluster(ctx, addr)
	if err != nil {
		t.Fatal(err)
	}
	var members []string
	for m, err := range db.Members(ctx, c.ID) {
		if err != nil {
			t.Fatal(err)
		}
		members = append(members, chain.Mainnet.Format(m))
	}
	db.Close()
	if c.Size < 20 || len(members) != c.Size {
		t.Fatalf("the library: cluster of %d, %d members", c.Size, len(members))
	}
	for _, p := range sweep.Prevouts {
		if a := chain.Mainnet.Format(p.Addr); !slices.Contains(members, a) {
			t.Errorf("the sweep's input address %s is not in the cluster", a)
		}
	}

	for _, limit := range []int{0, 5, c.Size, c.Size + 1} {
		var cl clusterDoc
		okJSON(t, &cl, "--data", data, "cluster", text, "--limit", strconv.Itoa(limit))
		want := members
		if limit > 0 && limit < len(want) {
			want = want[:limit]
		}
		if cl.Address != text || cl.ID != uint64(c.ID) || cl.Size != c.Size || cl.First != chain.Mainnet.Format(c.First) ||
			!cl.FirstTime.Equal(c.FirstTime) || !slices.Equal(cl.Members, want) {
			t.Errorf("--limit %d: %+v\nlibrary: %+v, members %q", limit, cl, c, want)
		}
	}
	// The default lists at most 100.
	var cl clusterDoc
	okJSON(t, &cl, "--data", data, "cluster", text)
	if len(cl.Members) != min(100, c.Size) {
		t.Errorf("default limit: %d members of %d", len(cl.Members), c.Size)
	}
}
