package blkfile_test

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/plumetrace/plume/source/blkfile"
)

// FuzzReader feeds arbitrary bytes as a record file. Whatever the input,
// Open and Blocks must return errors, not panic, and what they yield must
// be consistent.
func FuzzReader(f *testing.F) {
	recs := records(f)
	three := bytes.Join(recs[:3], nil)
	// Block 2 with another nonce: a sibling of block 2 whose transactions
	// still match its merkle root, so a fork in under a kilobyte (small
	// seeds keep the fuzzer's minimizing quick).
	sibling := bytes.Clone(recs[2])
	sibling[8+76]++
	for _, seed := range [][]byte{
		three,
		bytes.Join(recs[1:4], nil), // no genesis: starts at height 1
		bytes.Join([][]byte{recs[0], recs[1], sibling, recs[2]}, nil), // two branches
		bytes.Join([][]byte{recs[2], recs[0], recs[1]}, nil),          // out of order
		append(bytes.Clone(three), make([]byte, 64)...),               // zero padding
		append(append(bytes.Clone(three), make([]byte, 9)...), 7),     // data after it
		three[:len(three)-100],                                        // truncated
		setMagic(three, 0x0709110b),                                   // testnet3
		setLength(three, 0xffffffff),
		flip(three, 293+8+150), // a corrupt transaction in block 1
		flip(three, 10),        // a corrupt genesis header: the chain starts at block 1
		{},
	} {
		f.Add(seed)
	}
	// One directory per fuzzing process, the file rewritten by each run:
	// making and removing a directory a run would take most of its time.
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		p := writeFile(t, dir, "fuzz.dat", data)
		r, err := blkfile.Open(context.Background(), p, blkfile.Options{TempDir: dir})
		if err != nil {
			var fe *blkfile.FormatError
			if !errors.As(err, &fe) && !errors.Is(err, blkfile.ErrNoChain) {
				t.Fatalf("Open: %v is neither a FormatError nor ErrNoChain", err)
			}
			return
		}
		defer r.Close()
		tip, hash := r.Tip()
		if r.Len() < 1 || tip < 0 {
			t.Fatalf("Open succeeded with Len %d, tip %d", r.Len(), tip)
		}
		next := tip - int32(r.Len()) + 1
		for b, err := range r.Blocks(context.Background(), 0) {
			if err != nil {
				var fe *blkfile.FormatError
				if !errors.As(err, &fe) || fe.File != p {
					t.Fatalf("Blocks: %v is not a FormatError about %s", err, p)
				}
				return
			}
			if b.Height != next {
				t.Fatalf("height %d, want %d", b.Height, next)
			}
			next++
			if b.Height == tip && b.Hash != hash {
				t.Fatalf("tip %v, want %v", b.Hash, hash)
			}
		}
		if next != tip+1 {
			t.Fatalf("ended at %d, want %d", next-1, tip)
		}
		if matches, _ := filepath.Glob(filepath.Join(dir, "blkfile-*")); len(matches) != 0 {
			t.Fatalf("temporary files for a plain file: %v", matches)
		}
	})
}

// flip returns a copy of b with byte i changed.
func flip(b []byte, i int) []byte {
	b = bytes.Clone(b)
	b[i] ^= 0x40
	return b
}
