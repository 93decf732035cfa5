package blkfile_test

import (
	"bytes"
	"compress/bzip2"
	"context"
	"encoding/binary"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/btcsuite/btcd/chaincfg/chainhash"

	"github.com/plumetrace/plume/chain"
	"github.com/plumetrace/plume/internal/btcdata"
	"github.com/plumetrace/plume/source/blkfile"
)

// dataPath returns the path of a file of btcd's test data (see btcdata).
func dataPath(t testing.TB, rel string) string {
	t.Helper()
	p, err := btcdata.Path(rel)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// forkFile is one of btcd's chain-selection test files, in the btcd module
// next to the 0..14131 file. They hold blocks on mainnet's genesis that are
// not mainnet's: 0..4 is genesis and 4 blocks; 3A, 4A, 5A are a branch from
// block 2 that ends up with more work.
func forkFile(t testing.TB, name string) [][]byte {
	t.Helper()
	dir := filepath.Dir(dataPath(t, btcdata.Blocks0To14131))
	f, err := os.Open(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b, err := io.ReadAll(bzip2.NewReader(f))
	if err != nil {
		t.Fatal(err)
	}
	return splitRecords(t, b)
}

// realRecords returns the records of the real 0..14131 file, read once.
var realRecords = sync.OnceValues(func() ([][]byte, error) {
	p, err := btcdata.Path(btcdata.Blocks0To14131)
	if err != nil {
		return nil, err
	}
	b, err := os.ReadFile(p)
	if err != nil {
		return nil, err
	}
	var recs [][]byte
	for len(b) >= 8 && binary.LittleEndian.Uint32(b) != 0 {
		n := 8 + int(binary.LittleEndian.Uint32(b[4:]))
		recs = append(recs, b[:n:n])
		b = b[n:]
	}
	return recs, nil
})

func records(t testing.TB) [][]byte {
	t.Helper()
	recs, err := realRecords()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 14132 {
		t.Fatalf("the real file holds %d records, want 14132", len(recs))
	}
	return recs
}

// splitRecords splits a record file's content (without padding).
func splitRecords(t testing.TB, b []byte) [][]byte {
	t.Helper()
	var recs [][]byte
	for len(b) > 0 {
		if len(b) < 8 {
			t.Fatalf("%d stray bytes", len(b))
		}
		n := 8 + int(binary.LittleEndian.Uint32(b[4:]))
		recs = append(recs, b[:n:n])
		b = b[n:]
	}
	return recs
}

// recordHash returns the hash of the block in record rec.
func recordHash(rec []byte) chainhash.Hash { return chainhash.DoubleHashH(rec[8 : 8+80]) }

// recordPrev returns the parent hash of the block in record rec.
func recordPrev(rec []byte) chainhash.Hash { return chainhash.Hash(rec[8+4 : 8+36]) }

// writeFile writes recs, one after another, to dir/name and returns its path.
func writeFile(t testing.TB, dir, name string, recs ...[]byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, bytes.Join(recs, nil), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// collect ranges over all of r's blocks from height from, failing the test
// on an error.
func collect(t testing.TB, r *blkfile.Reader, from int32) []*chain.Block {
	t.Helper()
	var out []*chain.Block
	for b, err := range r.Blocks(context.Background(), from) {
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

// hashesOf returns the hashes of blocks.
func hashesOf(blocks []*chain.Block) []chainhash.Hash {
	out := make([]chainhash.Hash, len(blocks))
	for i, b := range blocks {
		out[i] = b.Hash
	}
	return out
}

// open opens path with opts, failing the test on an error, and closes the
// reader when the test ends.
func open(t testing.TB, path string, opts blkfile.Options) *blkfile.Reader {
	t.Helper()
	r, err := blkfile.Open(context.Background(), path, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := r.Close(); err != nil {
			t.Error(err)
		}
	})
	return r
}
