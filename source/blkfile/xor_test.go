package blkfile_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/plumetrace/plume/source/blkfile"
)

// obfuscate XORs a whole file's content with key, as Core 28+ stores it.
func obfuscate(b []byte, key [8]byte) []byte {
	out := make([]byte, len(b))
	for i := range b {
		out[i] = b[i] ^ key[i%8]
	}
	return out
}

func TestXor(t *testing.T) {
	recs := records(t)
	plainDir := t.TempDir()
	// Files of odd lengths, so that records start at every key phase.
	parts := [][][]byte{recs[:5001], recs[5001:9999], recs[9999:]}
	for i, p := range parts {
		writeFile(t, plainDir, fileName(i), append(slices.Clone(p), make([]byte, 777))...)
	}
	want := hashesOf(collect(t, open(t, plainDir, blkfile.Options{}), 0))

	for _, tc := range []struct {
		name string
		key  [8]byte
	}{
		{"key", [8]byte{0x5a, 0x01, 0xff, 0x80, 0x13, 0x37, 0xc0, 0xde}},
		{"zero key", [8]byte{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			for i := range parts {
				b, err := os.ReadFile(filepath.Join(plainDir, fileName(i)))
				if err != nil {
					t.Fatal(err)
				}
				writeFile(t, dir, fileName(i), obfuscate(b, tc.key))
			}
			writeFile(t, dir, "xor.dat", tc.key[:])
			got := hashesOf(collect(t, open(t, dir, blkfile.Options{}), 0))
			if !slices.Equal(got, want) {
				t.Errorf("%d blocks differ from the plain files' %d", len(got), len(want))
			}
			// One file of the directory, opened alone, still uses the key.
			r := open(t, filepath.Join(dir, fileName(0)), blkfile.Options{})
			if r.Len() != 5001 {
				t.Errorf("single obfuscated file: Len %d, want 5001", r.Len())
			}
		})
	}

	// Without its key an obfuscated file is unreadable, and the error says
	// where the key would be.
	dir := t.TempDir()
	key := [8]byte{1, 2, 3, 4, 5, 6, 7, 8}
	p := writeFile(t, dir, "copy.dat", obfuscate(bytes.Join(recs[:10], nil), key))
	_, err := blkfile.Open(context.Background(), p, blkfile.Options{})
	if !isFormatError(err, blkfile.ErrBadMagic, p, 0) || !bytes.Contains([]byte(err.Error()), []byte("xor.dat")) {
		t.Errorf("obfuscated file without key: %v", err)
	}

	// A key file of the wrong size is an error, not a silent misread.
	writeFile(t, dir, "xor.dat", []byte{1, 2, 3})
	writeFile(t, dir, fileName(0), recs[0])
	if _, err := blkfile.Open(context.Background(), dir, blkfile.Options{}); err == nil {
		t.Error("3-byte xor.dat: no error")
	}
}
