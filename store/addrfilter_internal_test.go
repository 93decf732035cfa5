package store

import (
	"context"
	"encoding/binary"
	"testing"

	"github.com/plumetrace/plume/chain"
)

func filterAddr(i uint64) chain.Address {
	a := chain.Address{Kind: chain.KindP2WPKH}
	binary.LittleEndian.PutUint64(a.Hash[:], i*0x9E3779B97F4A7C15)
	return a
}

// TestAddrFilter: no address added is ever reported new, across parts the
// filter grows; few addresses not added are reported maybe; past its
// budget it says maybe to everything.
func TestAddrFilter(t *testing.T) {
	f := &addrFilter{budget: 64 << 20}
	const n = 3 * filterMinAddrs // three parts: 1M, 2M
	for i := range uint64(n) {
		f.add(filterAddr(i))
	}
	if len(f.parts) != 2 {
		t.Fatalf("parts = %d, want 2 after %d addresses", len(f.parts), n)
	}
	for i := range uint64(n) {
		if !f.maybe(filterAddr(i)) {
			t.Fatalf("address %d was added but the filter calls it new", i)
		}
	}
	fp := 0
	const probes = 200_000
	for i := range uint64(probes) {
		if f.maybe(filterAddr(n + i)) {
			fp++
		}
	}
	// Each part holds at most its capacity: about 1% each, 2 parts.
	if rate := float64(fp) / probes; rate > 0.03 {
		t.Fatalf("false positives %.2f%%, want under 3%%", 100*rate)
	}

	small := &addrFilter{budget: filterMinAddrs * filterBitsPerAddr / 8}
	for i := range uint64(filterMinAddrs + 1) {
		small.add(filterAddr(i))
	}
	if !small.off || !small.maybe(filterAddr(1<<40)) {
		t.Fatal("a filter past its budget must turn off and answer maybe")
	}
}

// TestAddrFilterReload: a reopened store builds its filter in the middle
// of an ingest from the addresses it holds and those of batches not yet
// stored, so an address paid again gets its old ID, as one ingest of all
// the blocks gives it.
func TestAddrFilterReload(t *testing.T) {
	ctx := context.Background()
	blocks := realBlocksFrom(t, 0, 6000)
	const split = 3000
	seen := make(map[chain.Address]bool)
	reused := 0
	for _, b := range blocks {
		for _, tx := range b.Txs {
			for _, out := range tx.TxOut {
				a := chain.AddressOf(out.PkScript)
				if b.Height > split && seen[a] {
					reused++
				}
				if b.Height <= split {
					seen[a] = true
				}
			}
		}
	}
	if reused == 0 {
		t.Fatal("the blocks pay no address again after the split: the test proves nothing")
	}

	whole := ingestInMemory(t, blocks)

	dir := t.TempDir()
	db := openIn(t, dir, Options{})
	if _, err := db.Ingest(ctx, sliceSeq(blocks[:split+1]), nil); err != nil {
		t.Fatal(err)
	}
	db.Close()
	// Small batches, and the filter built after 500 new addresses: some
	// of those are in batches not yet stored when it is built.
	db = openIn(t, dir, Options{BatchBytes: 16 << 10})
	db.filterAt = 500
	if _, err := db.Ingest(ctx, sliceSeq(blocks[split+1:]), nil); err != nil {
		t.Fatal(err)
	}
	if db.filter == nil {
		t.Fatal("the ingest built no filter")
	}
	if got, want := db.nextID(), whole.nextID(); got != want {
		t.Fatalf("after a reopen the store has %d address IDs, one ingest %d: an address paid again got a new ID", got, want)
	}
	s1, s2 := db.Snapshot(), whole.Snapshot()
	defer s1.Close()
	defer s2.Close()
	for id := range db.nextID() {
		a1, _, err1 := s1.Address(ctx, id)
		a2, _, err2 := s2.Address(ctx, id)
		if err1 != nil || err2 != nil || a1 != a2 {
			t.Fatalf("ID %d: %v (%v) after a reopen, %v (%v) in one ingest", id, a1, err1, a2, err2)
		}
	}
	for a := range seen {
		if !db.filter.maybe(a) {
			t.Fatalf("the filter calls stored address %v new", a)
		}
	}
}

// TestBuildFilterCache: a filter built in the middle of an ingest knows the
// addresses of batches not yet stored, which only the address cache
// holds, in either of its generations.
func TestBuildFilterCache(t *testing.T) {
	db := openIn(t, "", Options{InMemory: true})
	in := newIngester(context.Background(), db)
	defer in.view.Close()
	older, newer := filterAddr(1), filterAddr(2)
	db.addrs.add(older, 0)
	db.addrs.old, db.addrs.cur = db.addrs.cur, map[chain.Address]AddrID{} // a rotation
	db.addrs.add(newer, 1)
	in.nextID = 2
	if err := in.buildFilter(); err != nil {
		t.Fatal(err)
	}
	for _, a := range []chain.Address{older, newer} {
		if !db.filter.maybe(a) {
			t.Errorf("the filter calls %v, in the cache only, new", a)
		}
	}
}
