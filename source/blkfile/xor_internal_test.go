package blkfile

import (
	"bytes"
	"testing"
)

// TestXorApply checks the 8-bytes-at-a-time XOR against the definition at
// every starting phase and length.
func TestXorApply(t *testing.T) {
	key := xorKey{0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef}
	file := make([]byte, 64)
	for i := range file {
		file[i] = byte(i * 7)
	}
	for off := range 17 {
		for n := range 40 {
			got := bytes.Clone(file[off : off+n])
			key.apply(got, int64(off))
			for i := range got {
				if want := file[off+i] ^ key[(off+i)%8]; got[i] != want {
					t.Fatalf("off %d len %d: byte %d is %#x, want %#x", off, n, i, got[i], want)
				}
			}
		}
	}
}
