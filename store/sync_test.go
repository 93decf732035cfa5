package store_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"

	"github.com/plumetrace/plume/chain"
	"github.com/plumetrace/plume/store"
)

// fakeNode serves a chain of blocks as a node would; switching chains
// makes a reorganisation. The real-node tests are in source/rpc's
// integration tests; this one covers Sync's logic against any chain.
type fakeNode struct {
	blocks []*chain.Block
	calls  int
}

func (n *fakeNode) Tip(context.Context) (int32, chainhash.Hash, error) {
	b := n.blocks[len(n.blocks)-1]
	return b.Height, b.Hash, nil
}

func (n *fakeNode) BlockHash(_ context.Context, h int32) (chainhash.Hash, error) {
	if int(h) >= len(n.blocks) {
		return chainhash.Hash{}, fmt.Errorf("no block %d", h)
	}
	return n.blocks[h].Hash, nil
}

func (n *fakeNode) Block(_ context.Context, h int32) (*chain.Block, error) {
	n.calls++
	if int(h) >= len(n.blocks) {
		return nil, fmt.Errorf("no block %d", h)
	}
	return n.blocks[h], nil
}

// TestSyncReorg syncs a chain, then a competing branch that forks three
// blocks below the tip and is longer: the store disconnects the three and
// connects the branch, and ends equal to a store synced to the winning
// chain alone.
func TestSyncReorg(t *testing.T) {
	ctx := context.Background()
	b, genesis := newBuilder(t, chain.Regtest)
	main := []*chain.Block{genesis}
	var cbs []*wire.MsgTx
	for i := range 10 {
		cb := coinbase(fmt.Sprintf("main %d", i), pay(byte(i+1), 50e8))
		txs := []*wire.MsgTx{cb}
		if i == 8 { // block 9 joins the payees of blocks 1 and 2
			txs = append(txs, spend([]wire.OutPoint{outpoint(cbs[0], 0), outpoint(cbs[1], 0)}, pay(40, 99e8)))
		}
		cbs = append(cbs, cb)
		main = append(main, b.block(txs...))
	}
	// A longer branch off block 7: it joins the payees of blocks 1 and 3
	// instead, and pays new addresses.
	fork := after(t, main[7])
	branch := append([]*chain.Block{}, main[:8]...)
	for i := range 5 {
		txs := []*wire.MsgTx{coinbase(fmt.Sprintf("branch %d", i), pay(byte(60+i), 50e8))}
		if i == 1 {
			txs = append(txs, spend([]wire.OutPoint{outpoint(cbs[0], 0), outpoint(cbs[2], 0)}, pay(41, 99e8)))
		}
		branch = append(branch, fork.block(txs...))
	}

	db := openDB(t, t.TempDir(), store.Options{Params: chain.Regtest})
	node := &fakeNode{blocks: main}
	st, err := db.Sync(ctx, node, store.SyncOptions{})
	if err != nil || st.Connected != 11 || st.Tip.Height != 10 {
		t.Fatalf("first sync: %+v, %v", st, err)
	}
	node.blocks = branch
	st, err = db.Sync(ctx, node, store.SyncOptions{})
	if err != nil || st.Disconnected != 3 || st.Connected != 5 || st.Tip.Hash != branch[12].Hash {
		t.Fatalf("sync after the reorg: %+v, %v", st, err)
	}
	verify(t, db)
	if c, err := db.Cluster(ctx, payee(1)); err != nil || c.Size != 2 {
		t.Errorf("after the reorg the cluster of block 1's payee is %+v, %v; want it joined with block 3's only", c, err)
	}
	if c, err := db.Cluster(ctx, payee(2)); err != nil || c.Size != 1 {
		t.Errorf("block 2's payee: %+v, %v; want alone again", c, err)
	}
	fresh := openDB(t, t.TempDir(), store.Options{Params: chain.Regtest})
	if _, err := fresh.Sync(ctx, &fakeNode{blocks: branch}, store.SyncOptions{}); err != nil {
		t.Fatal(err)
	}
	sameDump(t, db, dump(t, fresh))

	// Nothing new: no block read.
	node.calls = 0
	if st, err := db.Sync(ctx, node, store.SyncOptions{}); err != nil || st.Connected+st.Disconnected != 0 || node.calls != 0 {
		t.Errorf("idle sync: %+v, %v, %d block reads", st, err, node.calls)
	}

	// A reorganisation deeper than allowed is refused and changes nothing.
	deep := append([]*chain.Block{}, branch[:2]...)
	f2 := after(t, branch[1])
	for i := range 15 {
		deep = append(deep, f2.block(coinbase(fmt.Sprintf("deep %d", i), pay(90, 50e8))))
	}
	before := dump(t, db)
	if _, err := db.Sync(ctx, &fakeNode{blocks: deep}, store.SyncOptions{MaxReorg: 5}); !errors.Is(err, store.ErrReorgTooDeep) {
		t.Errorf("deep reorg: %v, want ErrReorgTooDeep", err)
	}
	sameDump(t, db, before)
}
