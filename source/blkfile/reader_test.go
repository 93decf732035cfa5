package blkfile_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/btcsuite/btcd/chaincfg/chainhash"

	"github.com/plumetrace/plume/chain"
	"github.com/plumetrace/plume/internal/btcdata"
	"github.com/plumetrace/plume/source/blkfile"
)

func TestRealFile(t *testing.T) {
	r := open(t, dataPath(t, btcdata.Blocks0To14131), blkfile.Options{})
	if r.Len() != 14132 {
		t.Errorf("Len = %d, want 14132", r.Len())
	}
	tipHeight, tipHash := r.Tip()
	if tipHeight != 14131 {
		t.Errorf("Tip height = %d, want 14131", tipHeight)
	}
	if s := r.Skipped(); len(s) != 0 {
		t.Errorf("Skipped = %v, want none", s)
	}

	// Block 170 holds the first payment between people: Satoshi to Hal
	// Finney (see forensics.md).
	hal, _ := chainhash.NewHashFromStr("f4184fc596403b9d638783cf57adfe4c75c605f6356fbc91338530e9831e9e16")
	var (
		txs     int
		prev    *chain.Block
		found   bool
		nblocks int
	)
	for b, err := range r.Blocks(context.Background(), 0) {
		if err != nil {
			t.Fatal(err)
		}
		if prev == nil {
			if b.Height != 0 || b.Hash != chain.Mainnet.GenesisHash {
				t.Fatalf("first block %d %v, want genesis", b.Height, b.Hash)
			}
		} else {
			if b.Height != prev.Height+1 {
				t.Fatalf("height %d after %d", b.Height, prev.Height)
			}
			if b.Header.PrevBlock != prev.Hash {
				t.Fatalf("block %d's parent is %v, not block %d %v", b.Height, b.Header.PrevBlock, prev.Height, prev.Hash)
			}
		}
		if b.Height == 170 {
			found = slices.Contains(b.TxHashes, *hal)
		}
		txs += len(b.Txs)
		nblocks++
		prev = b
	}
	if nblocks != 14132 || prev.Hash != tipHash {
		t.Errorf("yielded %d blocks ending at %v, want 14132 ending at the tip %v", nblocks, prev.Hash, tipHash)
	}
	if !found {
		t.Errorf("block 170 lacks tx %v", hal)
	}
	if txs != 14247 {
		t.Errorf("%d transactions, want 14,247", txs)
	}
}

func TestBlocksFrom(t *testing.T) {
	r := open(t, dataPath(t, btcdata.Blocks0To14131), blkfile.Options{})
	for _, tc := range []struct {
		from        int32
		first, want int32 // first height and count
	}{
		{from: 14000, first: 14000, want: 132},
		{from: 14131, first: 14131, want: 1},
		{from: -5, first: 0, want: 14132},
		{from: 14132, want: 0},
		{from: 1 << 30, want: 0},
	} {
		got := collect(t, r, tc.from)
		if len(got) != int(tc.want) || len(got) > 0 && got[0].Height != tc.first {
			t.Errorf("from %d: %d blocks, want %d from %d", tc.from, len(got), tc.want, tc.first)
		}
	}
	// A second pass yields the same blocks.
	a, b := collect(t, r, 14100), collect(t, r, 14100)
	if !slices.Equal(hashesOf(a), hashesOf(b)) {
		t.Error("two passes differ")
	}
	// Stopping early ends the pass without error.
	n := 0
	for _, err := range r.Blocks(context.Background(), 0) {
		if err != nil {
			t.Fatal(err)
		}
		if n++; n == 3 {
			break
		}
	}
}

func TestBzip2File(t *testing.T) {
	tmp := t.TempDir()
	r := open(t, dataPath(t, btcdata.Blocks1To255), blkfile.Options{TempDir: tmp})
	if temps, _ := filepath.Glob(filepath.Join(tmp, "*")); len(temps) != 1 {
		t.Errorf("temporary files while open: %v, want one", temps)
	}
	height, _ := r.Tip()
	if height != 255 || r.Len() != 255 {
		t.Errorf("Tip height %d, Len %d; want 255, 255", height, r.Len())
	}
	got := collect(t, r, 0)
	if got[0].Height != 1 || got[0].Header.PrevBlock != chain.Mainnet.GenesisHash {
		t.Errorf("first block at height %d with parent %v, want block 1", got[0].Height, got[0].Header.PrevBlock)
	}
	// These are mainnet's blocks 1..255, the same as in the other file.
	recs := records(t)
	for _, b := range got {
		if want := recordHash(recs[b.Height]); b.Hash != want {
			t.Fatalf("block %d is %v, want %v", b.Height, b.Hash, want)
		}
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if temps, _ := filepath.Glob(filepath.Join(tmp, "*")); len(temps) != 0 {
		t.Errorf("temporary files after Close: %v", temps)
	}
	for _, err := range r.Blocks(context.Background(), 0) {
		if !errors.Is(err, os.ErrClosed) {
			t.Errorf("Blocks after Close: %v, want os.ErrClosed", err)
		}
	}
}

func TestStart(t *testing.T) {
	recs := records(t)
	dir := t.TempDir()
	path := writeFile(t, dir, "late.dat", recs[100:201]...)

	_, err := blkfile.Open(context.Background(), path, blkfile.Options{})
	if !errors.Is(err, blkfile.ErrNoChain) || !strings.Contains(err.Error(), chain.Mainnet.GenesisHash.String()) {
		t.Errorf("without Start: %v, want ErrNoChain naming the genesis hash", err)
	}

	start := recordHash(recs[100])
	r := open(t, path, blkfile.Options{Start: &start, StartHeight: 100})
	got := collect(t, r, 0)
	if len(got) != 101 || got[0].Height != 100 || got[0].Hash != start || got[100].Height != 200 {
		t.Errorf("with Start: %d blocks from %d, want 101 from 100", len(got), got[0].Height)
	}
	if h, _ := r.Tip(); h != 200 {
		t.Errorf("Tip height %d, want 200", h)
	}

	// Blocks before Start do not descend from it.
	start = recordHash(recs[150])
	r = open(t, path, blkfile.Options{Start: &start, StartHeight: 150})
	if r.Len() != 51 || len(r.Skipped()) != 50 || r.Skipped()[0].Reason != "orphan" {
		t.Errorf("Start in the middle: Len %d, %d skipped; want 51, 50 orphans", r.Len(), len(r.Skipped()))
	}

	missing := recordHash(recs[50])
	_, err = blkfile.Open(context.Background(), path, blkfile.Options{Start: &missing, StartHeight: 50})
	if !errors.Is(err, blkfile.ErrNoChain) || !strings.Contains(err.Error(), missing.String()) {
		t.Errorf("absent Start: %v, want ErrNoChain naming it", err)
	}
	if _, err := blkfile.Open(context.Background(), path, blkfile.Options{StartHeight: 100}); err == nil {
		t.Error("StartHeight without Start: no error")
	}
}

func TestOtherFilesIgnored(t *testing.T) {
	recs := records(t)
	dir := t.TempDir()
	writeFile(t, dir, "blk00000.dat", recs[:50]...)
	writeFile(t, dir, "blk00001.dat", recs[50:100]...)
	garbage := []byte("not a block file at all")
	for _, name := range []string{"rev00000.dat", "blk0002.dat", "blk00002.dat.bak", "blkabcde.dat", "notes.txt", "xor.dat.old"} {
		writeFile(t, dir, name, garbage)
	}
	if err := os.MkdirAll(filepath.Join(dir, "index"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "blk00003.dat"), 0o755); err != nil {
		t.Fatal(err)
	}
	r := open(t, dir, blkfile.Options{})
	if got := collect(t, r, 0); len(got) != 100 || got[99].Height != 99 {
		t.Errorf("%d blocks, want 100", len(got))
	}
}

// TestManyFiles spreads blocks round-robin over more files than a pass
// keeps open, so that every block is read from a different file than the
// one before.
func TestManyFiles(t *testing.T) {
	recs := records(t)[:300]
	dir := t.TempDir()
	const n = 7
	for f := range n {
		var mine [][]byte
		for k := f; k < len(recs); k += n {
			mine = append(mine, recs[k])
		}
		writeFile(t, dir, fileName(f), mine...)
	}
	got := collect(t, open(t, dir, blkfile.Options{}), 0)
	if len(got) != len(recs) {
		t.Fatalf("%d blocks, want %d", len(got), len(recs))
	}
	for i, b := range got {
		if b.Hash != recordHash(recs[i]) {
			t.Fatalf("block %d is %v, want %v", i, b.Hash, recordHash(recs[i]))
		}
	}
}

func TestBadBzip2(t *testing.T) {
	dir, tmp := t.TempDir(), t.TempDir()
	p := writeFile(t, dir, "bad.dat.bz2", []byte("BZh91AY&SY this is not bzip2 data"))
	if _, err := blkfile.Open(context.Background(), p, blkfile.Options{TempDir: tmp}); err == nil || !strings.Contains(err.Error(), p) {
		t.Errorf("corrupt bzip2: %v, want an error naming the file", err)
	}
	if left, _ := filepath.Glob(filepath.Join(tmp, "*")); len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
}
