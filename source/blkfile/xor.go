package blkfile

import (
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// xorKeyFile is where Bitcoin Core 28+ keeps the key that obfuscates the
// block files of its blocks directory (so that antivirus scanners do not
// quarantine them for byte patterns in transactions).
const xorKeyFile = "xor.dat"

// xorKey is an 8-byte obfuscation key; byte i of a file is stored XORed
// with key[i%8]. The zero key means the files are plain.
type xorKey [8]byte

// readXorKey reads dir's xor.dat. A missing file means no obfuscation
// (Core before 28, or -blocksxor=0 on a fresh directory).
func readXorKey(dir string) (xorKey, error) {
	var k xorKey
	name := filepath.Join(dir, xorKeyFile)
	b, err := os.ReadFile(name)
	if os.IsNotExist(err) {
		return k, nil
	}
	if err != nil {
		return k, fmt.Errorf("blkfile: %w", err)
	}
	// Core serializes the key as a fixed-size array: exactly 8 bytes, no
	// length prefix.
	if len(b) != len(k) {
		return k, fmt.Errorf("blkfile: %s holds %d bytes, want an %d-byte key", name, len(b), len(k))
	}
	copy(k[:], b)
	return k, nil
}

// xorReaderAt undoes the obfuscation of a file as it is read. Offsets are
// from the start of the file, as Core counts them, so scan and random reads
// share one code path.
type xorReaderAt struct {
	r   io.ReaderAt
	key xorKey
}

func (x xorReaderAt) ReadAt(p []byte, off int64) (int, error) {
	n, err := x.r.ReadAt(p, off)
	x.key.apply(p[:n], off)
	return n, err
}

// apply XORs p, which sits at offset off of its file, with the key.
func (k xorKey) apply(p []byte, off int64) {
	if k == (xorKey{}) {
		return
	}
	// Rotate the key so that rot[j] applies to p[j], then go 8 bytes at a
	// time: blocks are megabytes and this runs on every byte read.
	var rot [8]byte
	for j := range rot {
		rot[j] = k[(off+int64(j))&7]
	}
	w := binary.LittleEndian.Uint64(rot[:])
	i := 0
	for ; i+8 <= len(p); i += 8 {
		binary.LittleEndian.PutUint64(p[i:], binary.LittleEndian.Uint64(p[i:])^w)
	}
	for ; i < len(p); i++ {
		p[i] ^= rot[i&7]
	}
}
