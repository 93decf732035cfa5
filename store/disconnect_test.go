package store_test

import (
	"context"
	"maps"
	"testing"

	"github.com/plumetrace/plume/chain"
	"github.com/plumetrace/plume/store"
)

// clusterMap returns every address's cluster ID and size, read through
// the public API.
func clusterMap(t testing.TB, db *store.DB, addrs []chain.Address) map[chain.Address][2]int64 {
	t.Helper()
	m := map[chain.Address][2]int64{}
	for _, a := range addrs {
		c, err := db.Cluster(context.Background(), a)
		if err != nil {
			t.Fatalf("Cluster(%v): %v", a, err)
		}
		m[a] = [2]int64{int64(c.ID), int64(c.Size)}
	}
	return m
}

// addressesOf returns the addresses paid by the outputs that multi-input
// transactions of blocks spend (the only ones clustering can join), and
// every tenth other address.
func addressesOf(blocks []*chain.Block) []chain.Address {
	spentTogether := map[[36]byte]bool{}
	for _, b := range blocks {
		for _, tx := range b.Txs[1:] {
			if len(tx.TxIn) > 1 {
				for _, in := range tx.TxIn {
					var k [36]byte
					copy(k[:], in.PreviousOutPoint.Hash[:])
					k[32] = byte(in.PreviousOutPoint.Index)
					spentTogether[k] = true
				}
			}
		}
	}
	seen := map[chain.Address]bool{}
	var out []chain.Address
	n := 0
	for _, b := range blocks {
		for i, tx := range b.Txs {
			for v, o := range tx.TxOut {
				var k [36]byte
				copy(k[:], b.TxHashes[i][:])
				k[32] = byte(v)
				a := chain.AddressOf(o.PkScript)
				if n++; !seen[a] && (spentTogether[k] || n%10 == 0) {
					seen[a] = true
					out = append(out, a)
				}
			}
		}
	}
	return out
}

// TestDisconnect removes the top of the real chain and checks the store is
// byte for byte the store of the shorter chain, clusters included; then
// connects the blocks again and gets the full store back. Disconnecting a
// few blocks undoes their cluster merges from the undo log; disconnecting
// thousands rebuilds the clustering from the stored groups, as does a
// store reopened in between.
func TestDisconnect(t *testing.T) {
	blocks := realBlocks(t)
	ctx := context.Background()
	full := memDB(t)
	ingest(t, full, seq(blocks))
	fullDump := dump(t, full)
	addrs := addressesOf(blocks)
	fullClusters := clusterMap(t, full, addrs)

	for _, to := range []int32{14130, 7000, 186} {
		short := memDB(t)
		ingest(t, short, seq(blocks[:to+1]))
		want := dump(t, short)
		wantClusters := clusterMap(t, short, addressesOf(blocks[:to+1]))

		dir := t.TempDir()
		db := openDB(t, dir, store.Options{})
		ingest(t, db, seq(blocks))
		if to == 7000 {
			// Reopened: the clustering is rebuilt from the stored groups.
			db.Close()
			db = openDB(t, dir, store.Options{})
		}
		if err := db.Disconnect(ctx, to); err != nil {
			t.Fatal(err)
		}
		verify(t, db)
		if tip, _ := db.Tip(); tip.Height != to || tip.Hash != blocks[to].Hash {
			t.Fatalf("after Disconnect(%d) the tip is %+v", to, tip)
		}
		sameDump(t, db, want)
		if got := clusterMap(t, db, addressesOf(blocks[:to+1])); !maps.Equal(got, wantClusters) {
			t.Fatalf("Disconnect(%d): clusters differ from a store of blocks 0..%d", to, to)
		}
		if _, err := db.Tx(ctx, chain.MakeTxID(to+1, 0)); err == nil {
			t.Errorf("Disconnect(%d): block %d's coinbase still reads", to, to+1)
		}
		st := ingest(t, db, seq(blocks))
		if st.Blocks != len(blocks)-int(to)-1 {
			t.Errorf("reconnect after Disconnect(%d) ingested %d blocks", to, st.Blocks)
		}
		verify(t, db)
		sameDump(t, db, fullDump)
		if got := clusterMap(t, db, addrs); !maps.Equal(got, fullClusters) {
			t.Fatalf("Disconnect(%d) and reconnect: clusters differ", to)
		}
	}
	if err := full.Disconnect(ctx, 20000); err != nil {
		t.Errorf("Disconnect above the tip: %v", err)
	}
	sameDump(t, full, fullDump)
}
