package store_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/btcsuite/btcd/wire"

	"github.com/plumetrace/plume/chain"
	"github.com/plumetrace/plume/store"
	"github.com/plumetrace/plume/trace/heuristic"
)

// refClusters is an independent reference: a plain union-find with path
// compression over the input addresses of every non-coinbase transaction.
type refClusters map[chain.Address]chain.Address

func (r refClusters) find(a chain.Address) chain.Address {
	p, ok := r[a]
	if !ok {
		r[a] = a
		return a
	}
	if p == a {
		return a
	}
	root := r.find(p)
	r[a] = root
	return root
}

// referenceClusters joins the input addresses of every transaction in
// blocks, except one that spends an output blocks do not hold (a chain
// that starts above genesis): the store joins nothing for it.
func referenceClusters(blocks []*chain.Block) refClusters {
	r := refClusters{}
	outs := map[[36]byte]chain.Address{}
	keyOf := func(op wire.OutPoint) (key [36]byte) {
		copy(key[:], op.Hash[:])
		key[32], key[33] = byte(op.Index), byte(op.Index>>8)
		return key
	}
	for _, b := range blocks {
		for i, tx := range b.Txs {
			known := i > 0
			for _, in := range tx.TxIn {
				if _, ok := outs[keyOf(in.PreviousOutPoint)]; !ok {
					known = false
				}
			}
			if known {
				var first chain.Address
				for k, in := range tx.TxIn {
					a := outs[keyOf(in.PreviousOutPoint)]
					if k == 0 {
						first = r.find(a)
					} else if ra := r.find(a); ra != first {
						r[ra] = first
					}
				}
			}
			for v, o := range tx.TxOut {
				var key [36]byte
				copy(key[:], b.TxHashes[i][:])
				key[32], key[33] = byte(v), byte(v>>8)
				a := chain.AddressOf(o.PkScript)
				outs[key] = a
				r.find(a)
			}
		}
	}
	return r
}

// TestClustersReal checks the common-input clustering of the real blocks
// 0..14131 against the reference: the same partition of every address,
// each cluster's ID its smallest member's address ID, Members listing
// exactly the members in ID order.
func TestClustersReal(t *testing.T) {
	ctx := context.Background()
	blocks := realBlocks(t)
	db := memDB(t)
	ingest(t, db, seq(blocks))
	checkClusters(t, db, referenceClusters(blocks), 50)

	// The first member of the block-187 cluster: first seen at 187:1:0.
	c, err := db.ClusterByID(ctx, 192)
	if err != nil || c.FirstSeen != chain.MakeTxID(187, 1).Out(0) || c.FirstTime.IsZero() {
		t.Errorf("ClusterByID(192) = %+v, %v", c, err)
	}
	if _, err := db.ClusterByID(ctx, 1<<40); err == nil {
		t.Error("ClusterByID of an unassigned ID succeeded")
	}
}

// TestClustersSkipCoinJoins joins the inputs of an ordinary transaction
// but not those of a CoinJoin (three inputs from three owners, three equal
// outputs: BlockSci's generic rule), which would merge strangers.
func TestClustersSkipCoinJoins(t *testing.T) {
	ctx := context.Background()
	b, genesis := newBuilder(t, chain.Regtest)
	var cbs []*wire.MsgTx
	blocks := []*chain.Block{genesis}
	for i := range 6 {
		cb := coinbase(fmt.Sprintf("cb %d", i), pay(byte(i+1), 10e8))
		cbs = append(cbs, cb)
		blocks = append(blocks, b.block(cb))
	}
	mix := spend([]wire.OutPoint{outpoint(cbs[0], 0), outpoint(cbs[1], 0), outpoint(cbs[2], 0)},
		pay(20, 5e8), pay(21, 5e8), pay(22, 5e8), pay(23, 4e8), pay(24, 3e8))
	join := spend([]wire.OutPoint{outpoint(cbs[3], 0), outpoint(cbs[4], 0)}, pay(30, 19e8))
	blocks = append(blocks, b.block(coinbase("mix", pay(9, 50e8)), mix, join))
	db := openDB(t, t.TempDir(), store.Options{Params: chain.Regtest})
	st := ingest(t, db, seq(blocks))
	if st.CoinJoins != 1 {
		t.Errorf("ingest counted %d CoinJoins, want 1", st.CoinJoins)
	}
	for n, want := range map[byte]int{1: 1, 2: 1, 3: 1, 4: 2, 5: 2, 6: 1} {
		c, err := db.Cluster(ctx, payee(n))
		if err != nil || c.Size != want {
			t.Errorf("cluster of payee %d: %+v, %v; want size %d", n, c, err, want)
		}
	}
}

// TestChangeClustering joins a transaction's input with the output the
// change rules name (a round payment's change), and the size guard
// refuses the next such merge once the cluster would pass the limit.
func TestChangeClustering(t *testing.T) {
	ctx := context.Background()
	b, genesis := newBuilder(t, chain.Regtest)
	cb := coinbase("cb", pay(1, 10e8))
	blocks := []*chain.Block{genesis, b.block(cb)}
	tx1 := spend([]wire.OutPoint{outpoint(cb, 0)}, pay(5, 3e8), pay(6, 699876543))
	tx2 := spend([]wire.OutPoint{outpoint(tx1, 1)}, pay(7, 2e8), pay(8, 499870000))
	blocks = append(blocks, b.block(coinbase("b2", pay(2, 50e8)), tx1), b.block(coinbase("b3", pay(3, 50e8)), tx2))

	var refused []store.RefusedMerge
	db := openDB(t, t.TempDir(), store.Options{Params: chain.Regtest, ChangeRules: heuristic.RoundPayment,
		MaxClusterSize: 2, OnRefused: func(r store.RefusedMerge) { refused = append(refused, r) }})
	st := ingest(t, db, seq(blocks))
	for n, want := range map[byte]int{1: 2, 6: 2, 5: 1, 7: 1, 8: 1} {
		if c, err := db.Cluster(ctx, payee(n)); err != nil || c.Size != want {
			t.Errorf("cluster of payee %d: %+v, %v; want size %d", n, c, err, want)
		}
	}
	if st.Refused != 1 || len(refused) != 1 || refused[0].Change != 1 || refused[0].Size != 3 {
		t.Errorf("refused %d: %+v", st.Refused, refused)
	}
	verify(t, db)

	// Without change rules only common inputs join: all alone here.
	plain := openDB(t, t.TempDir(), store.Options{Params: chain.Regtest})
	ingest(t, plain, seq(blocks))
	if c, _ := plain.Cluster(ctx, payee(1)); c.Size != 1 {
		t.Errorf("without change rules payee 1's cluster has %d members", c.Size)
	}
}

// checkClusters compares db's clustering with the reference: the same
// partition of every address, each cluster's ID its smallest member's
// address ID, Members listing exactly the members in ID order; and at
// least minMulti clusters of several addresses, lest the check prove
// little.
func checkClusters(t *testing.T, db *store.DB, ref refClusters, minMulti int) {
	t.Helper()
	ctx := context.Background()
	sets := map[chain.Address][]chain.Address{}
	for a := range ref {
		root := ref.find(a)
		sets[root] = append(sets[root], a)
	}
	s := db.Snapshot()
	defer s.Close()
	multi := 0
	for _, members := range sets {
		var ids []store.AddrID
		for _, a := range members {
			id, err := s.AddressID(ctx, a)
			if err != nil {
				t.Fatalf("AddressID(%v): %v", a, err)
			}
			ids = append(ids, id)
		}
		if len(members) == 1 && len(sets) > 100 && ids[0]%7 != 0 {
			continue // check a sample of the singletons
		}
		if len(members) > 1 {
			multi++
		}
		want := slices.Min(ids)
		for _, a := range members {
			c, err := db.Cluster(ctx, a)
			if err != nil {
				t.Fatal(err)
			}
			if c.ID != want || c.Size != len(members) {
				t.Fatalf("Cluster(%v) = ID %d size %d; the reference has %d members, smallest ID %d", a, c.ID, c.Size, len(members), want)
			}
		}
		var got []store.AddrID
		for a, err := range db.Members(ctx, want) {
			if err != nil {
				t.Fatal(err)
			}
			id, _ := s.AddressID(ctx, a)
			got = append(got, id)
		}
		slices.Sort(ids)
		if !slices.Equal(got, ids) {
			t.Fatalf("Members(%d) = %v, want %v", want, got, ids)
		}
	}
	if multi < minMulti {
		t.Fatalf("only %d multi-address clusters in the reference; the test checks little", multi)
	}
	t.Logf("%d addresses, %d clusters, %d with several members", len(ref), len(sets), multi)
}
