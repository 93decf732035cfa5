package store_test

import (
	"context"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/plumetrace/plume/chain"
	"github.com/plumetrace/plume/source/blkfile"
	"github.com/plumetrace/plume/store"
)

// realDumps caches the dumps of clean stores of the real blocks 0..h.
var realDumps sync.Map // int32 → []store.KV

// realDump returns the content of a clean store of the real blocks 0..h.
func realDump(t testing.TB, h int32) []store.KV {
	t.Helper()
	if d, ok := realDumps.Load(h); ok {
		return d.([]store.KV)
	}
	db := openDB(t, "", store.Options{InMemory: true})
	if h >= 0 {
		ingest(t, db, seq(realBlocks(t)[:h+1]))
	}
	d := dump(t, db)
	db.Close()
	realDumps.Store(h, d)
	return d
}

// checkBlockError fails the test unless err is a *store.BlockError at
// height wrapping target.
func checkBlockError(t testing.TB, err error, height int32, target error) {
	t.Helper()
	var be *store.BlockError
	if !errors.As(err, &be) {
		t.Fatalf("error %v (%T), want a *store.BlockError", err, err)
	}
	if be.Height != height || !errors.Is(err, target) {
		t.Fatalf("error %v at height %d, want %v at height %d", err, be.Height, target, height)
	}
}

// checkIntact fails the test unless db holds exactly the real blocks
// 0..tip and passes Verify.
func checkIntact(t testing.TB, db *store.DB, tip int32) {
	t.Helper()
	if got := tipOf(db); got != tip {
		t.Fatalf("tip %d, want %d", got, tip)
	}
	verify(t, db)
	sameDump(t, db, realDump(t, tip))
}

// TestIngestNotLinked feeds streams with a gap or a wrong parent: Ingest
// stores every block before the bad one, none of it, and resumes.
func TestIngestNotLinked(t *testing.T) {
	blocks := realBlocks(t)
	var gap []*chain.Block
	gap = append(gap, blocks[100:110]...)
	gap = append(gap, blocks[111:121]...)
	orphan := after(t, blocks[98]).at(100, blocks[98].Hash, coinbase("orphan", pay(1, 50*btc)))
	for _, tc := range []struct {
		name    string
		stream  []*chain.Block
		badAt   int32
		goodTip int32
	}{
		{"gap-mid-stream", gap, 111, 109},
		{"gap-at-start", blocks[101:130], 101, 99},
		{"wrong-parent", []*chain.Block{orphan}, 100, 99},
		{"grandchild-of-tip", []*chain.Block{blocks[100], blocks[102]}, 102, 100},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := memDB(t)
			ingest(t, db, seq(blocks[:100]))
			st, err := db.Ingest(context.Background(), seq(tc.stream), nil)
			checkBlockError(t, err, tc.badAt, store.ErrNotLinked)
			if st.Tip.Height != tc.goodTip {
				t.Errorf("stats tip %d, want %d", st.Tip.Height, tc.goodTip)
			}
			checkIntact(t, db, tc.goodTip)
			ingest(t, db, seq(blocks))
			checkIntact(t, db, realTip)
		})
	}
}

// TestIngestStreamError corrupts one byte of a transaction in block 5000
// of a copy of the real file: blkfile yields an error there, Ingest
// returns it as is, and the store holds exactly blocks 0..4999.
func TestIngestStreamError(t *testing.T) {
	ctx := context.Background()
	raw, err := os.ReadFile(realPath(t))
	if err != nil {
		t.Fatal(err)
	}
	off := 0
	for h := 0; h < 5000; h++ {
		off += 8 + int(binary.LittleEndian.Uint32(raw[off+4:]))
	}
	size := int(binary.LittleEndian.Uint32(raw[off+4:]))
	raw[off+8+size-5] ^= 0x01 // in the last transaction's last output
	path := filepath.Join(t.TempDir(), "blk00000.dat")
	if err := os.WriteFile(path, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	r, err := blkfile.Open(ctx, path, blkfile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()

	db := openDB(t, t.TempDir(), store.Options{BatchBytes: 128 << 10})
	_, err = db.Ingest(ctx, r.Blocks(ctx, 0), nil)
	var fe *blkfile.FormatError
	if !errors.As(err, &fe) || !errors.Is(err, chain.ErrBadBlock) || fe.Offset != int64(off) {
		t.Fatalf("error %v, want a *blkfile.FormatError at offset %d wrapping chain.ErrBadBlock", err, off)
	}
	var be *store.BlockError
	if errors.As(err, &be) {
		t.Errorf("a stream's error is returned as is, got %v", err)
	}
	checkIntact(t, db, 4999)
	// The good file resumes where the bad one stopped.
	ingest(t, db, openReal(t, blkfile.Options{}).Blocks(ctx, 0))
	checkIntact(t, db, realTip)
}

// TestIngestBadStream covers streams that fail without a block to blame.
func TestIngestBadStream(t *testing.T) {
	blocks := realBlocks(t)
	boom := errors.New("source went away")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, tc := range []struct {
		name    string
		ctx     context.Context
		stream  []*chain.Block
		err     error
		want    error
		goodTip int32
	}{
		{"error-after-300", context.Background(), blocks[:300], boom, boom, 299},
		{"error-first", context.Background(), nil, boom, boom, -1},
		{"nil-block", context.Background(), blocks[:10], nil, nil, 9},
		{"cancelled", ctx, blocks[:10], nil, context.Canceled, -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := memDB(t)
			var stream = failAfter(tc.stream, tc.err)
			_, err := db.Ingest(tc.ctx, stream, nil)
			if err == nil || (tc.want != nil && !errors.Is(err, tc.want)) {
				t.Fatalf("error %v, want %v", err, tc.want)
			}
			checkIntact(t, db, tc.goodTip)
		})
	}
}

// TestWrongNetwork: a genesis of another network is refused, and a store
// remembers its network.
func TestWrongNetwork(t *testing.T) {
	ctx := context.Background()
	_, regGenesis := newBuilder(t, chain.Regtest)
	mainGenesis := realBlocks(t)[0]
	for _, tc := range []struct {
		name    string
		params  *chain.Params
		genesis *chain.Block
	}{
		{"mainnet-genesis-into-regtest", chain.Regtest, mainGenesis},
		{"regtest-genesis-into-mainnet", chain.Mainnet, regGenesis},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := openDB(t, "", store.Options{InMemory: true, Params: tc.params})
			empty := dump(t, db)
			_, err := db.Ingest(ctx, seq([]*chain.Block{tc.genesis}), nil)
			checkBlockError(t, err, 0, store.ErrWrongNetwork)
			if _, ok := db.Tip(); ok {
				t.Error("the store has a tip")
			}
			sameDump(t, db, empty)
			verify(t, db)
		})
	}

	t.Run("reopen", func(t *testing.T) {
		dir := t.TempDir()
		db := openDB(t, dir, store.Options{})
		ingest(t, db, seq(realBlocks(t)[:11]))
		db.Close()
		for _, p := range []*chain.Params{chain.Regtest, chain.Testnet4, chain.Signet} {
			if db, err := store.Open(dir, store.Options{Params: p}); !errors.Is(err, store.ErrWrongNetwork) {
				if err == nil {
					db.Close()
				}
				t.Fatalf("opening a mainnet store for %s: %v, want ErrWrongNetwork", p, err)
			}
		}
		db = openDB(t, dir, store.Options{Params: chain.Mainnet})
		checkIntact(t, db, 10)
		db.Close()

		reg := t.TempDir()
		openDB(t, reg, store.Options{Params: chain.Regtest}).Close()
		if db, err := store.Open(reg, store.Options{}); !errors.Is(err, store.ErrWrongNetwork) {
			if err == nil {
				db.Close()
			}
			t.Fatalf("opening a regtest store for mainnet: %v, want ErrWrongNetwork", err)
		}
	})
}

// TestLocked: a store is open in one place at a time.
func TestLocked(t *testing.T) {
	dir := t.TempDir()
	db := openDB(t, dir, store.Options{})
	ingest(t, db, seq(realBlocks(t)[:11]))
	if db2, err := store.Open(dir, store.Options{}); !errors.Is(err, store.ErrLocked) {
		if err == nil {
			db2.Close()
		}
		t.Fatalf("second Open: %v, want ErrLocked", err)
	}
	// The refused Open must not have disturbed the first.
	checkIntact(t, db, 10)
	db.Close()
	db = openDB(t, dir, store.Options{})
	checkIntact(t, db, 10)
}
