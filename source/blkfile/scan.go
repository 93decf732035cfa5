package blkfile

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"io"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"

	"github.com/plumetrace/plume/chain"
)

// entry is what the index keeps of one block: where its record is and how
// it links to its parent, about 56 bytes. The block's own hash is the key of
// index.hashes while Open runs, and afterwards the next block's prev (or
// Reader.tip), so it is not stored twice.
type entry struct {
	prev chainhash.Hash
	off  int64  // where the record (its magic) begins
	size uint32 // length of the block, after the 8-byte record header
	bits uint32 // compact proof-of-work target, for the chain's work
	file int32  // index into Reader.files
}

// maxBlocks bounds the index so that heights and positions fit int32 with
// room to spare; the real chain has under a million blocks.
const maxBlocks = 1 << 30

// index is every block record found, in the order seen (files in order,
// records by offset): an entry's position is its sequence number, which
// breaks ties between branches of equal work.
type index struct {
	entries []entry
	hashes  map[chainhash.Hash]int32
	// dups are later records of blocks already indexed. Core can write a
	// block twice (a pruned block fetched again, a crash before the block
	// index was flushed); the first copy is the one read.
	dups []located
}

// located is a skipped record and the file it is in, so that skips can be
// listed in file order.
type located struct {
	file int32
	Skip
}

func newIndex() *index {
	return &index{hashes: make(map[chainhash.Hash]int32)}
}

// recordHeader is the 8-byte record header and the block header after it,
// the only bytes of a record the scan reads.
const recordHeader = 8 + wire.MaxBlockHeaderPayload

// scan indexes every record of file fi, reading only record and block
// headers: the bodies, nearly all of the bytes, are skipped by offset.
func (x *index) scan(ctx context.Context, fi int, f *blockFile, net wire.BitcoinNet) error {
	h, r, err := f.open()
	if err != nil {
		return err
	}
	defer h.Close()
	fail := func(off int64, format string, args ...any) error {
		return &FormatError{File: f.name, Offset: off, Err: fmt.Errorf(format, args...)}
	}
	w := window{r: r, size: f.size}
	for off, n := int64(0), 0; off < f.size; n++ {
		if n%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		b, err := w.at(off, min(recordHeader, f.size-off))
		if err != nil {
			return &FormatError{File: f.name, Offset: off, Err: err}
		}
		if len(b) < 4 {
			if allZero(b) {
				return nil
			}
			return fail(off, "%w: %d stray bytes at the end of the file", ErrTruncated, len(b))
		}
		magic := wire.BitcoinNet(binary.LittleEndian.Uint32(b))
		switch {
		case magic == 0:
			// Core preallocates files in chunks: zeros where a record
			// would begin are the unused rest of the file.
			return checkZeros(r, f, off)
		case magic != net:
			if other := chain.ByNet(magic); other != nil {
				return fail(off, "%w: %s magic 0x%08x; this reader is for %s", ErrWrongNetwork, other.Name, uint32(magic), netName(net))
			}
			hint := ""
			if off == 0 {
				hint = " (a file from a Bitcoin Core 28+ blocks directory needs that directory's xor.dat beside it)"
			}
			return fail(off, "%w: 0x%08x where a %s record should begin%s", ErrBadMagic, uint32(magic), netName(net), hint)
		case len(b) < 8:
			return fail(off, "%w: the file ends inside a record header", ErrTruncated)
		}
		size := binary.LittleEndian.Uint32(b[4:])
		switch {
		case size > MaxRecordSize:
			return fail(off, "%w: length %d, above %d", ErrTooLarge, size, MaxRecordSize)
		case size < minRecordSize:
			return fail(off, "%w: length %d cannot hold a block (at least %d bytes)", ErrTruncated, size, minRecordSize)
		case int64(size) > f.size-off-8:
			return fail(off, "%w: a %d-byte block but the file ends %d bytes after the record header", ErrTruncated, size, f.size-off-8)
		}
		if len(x.entries) >= maxBlocks {
			return fail(off, "more than %d blocks", maxBlocks)
		}
		x.add(chainhash.DoubleHashH(b[8:]), entry{
			prev: chainhash.Hash(b[8+4 : 8+36]),
			off:  off,
			size: size,
			bits: binary.LittleEndian.Uint32(b[8+72:]),
			file: int32(fi),
		}, f.name)
		off += 8 + int64(size)
	}
	return nil
}

func (x *index) add(hash chainhash.Hash, e entry, name string) {
	if _, ok := x.hashes[hash]; ok {
		x.dups = append(x.dups, located{e.file, Skip{Hash: hash, Prev: e.prev, File: name, Offset: e.off, Reason: "duplicate"}})
		return
	}
	x.hashes[hash] = int32(len(x.entries))
	x.entries = append(x.entries, e)
}

// window reads a file ahead in chunks for the scan. Early blocks are a few
// hundred bytes, and a read a header would make the scan a syscall a block;
// for large blocks a chunk costs no more I/O than the kernel's own
// read-ahead.
type window struct {
	r    io.ReaderAt
	size int64
	buf  []byte
	off  int64 // file offset of buf[0]
}

const windowSize = 32 << 10

// at returns n bytes of the file at off, valid until the next call.
func (w *window) at(off, n int64) ([]byte, error) {
	if off < w.off || off+n > w.off+int64(len(w.buf)) {
		if w.buf == nil {
			w.buf = make([]byte, windowSize)
		}
		w.buf = w.buf[:min(windowSize, w.size-off)]
		w.off = off
		if err := readAt(w.r, w.buf, off); err != nil {
			w.buf = w.buf[:0]
			return nil, err
		}
	}
	return w.buf[off-w.off : off-w.off+n], nil
}

// checkZeros verifies that f is zero from off to its end.
func checkZeros(r io.ReaderAt, f *blockFile, off int64) error {
	buf, zero := make([]byte, 64<<10), make([]byte, 64<<10)
	for pos := off; pos < f.size; {
		b := buf[:min(int64(len(buf)), f.size-pos)]
		if err := readAt(r, b, pos); err != nil {
			return &FormatError{File: f.name, Offset: pos, Err: err}
		}
		if bytes.Equal(b, zero[:len(b)]) { // vectorized; padding is megabytes
			pos += int64(len(b))
			continue
		}
		for i, c := range b {
			if c != 0 {
				return &FormatError{File: f.name, Offset: pos + int64(i),
					Err: fmt.Errorf("%w: data after the zero padding that begins at byte %d", ErrBadMagic, off)}
			}
		}
		pos += int64(len(b))
	}
	return nil
}

// readAt fills p from offset off, calling a short read what it is.
func readAt(r io.ReaderAt, p []byte, off int64) error {
	n, err := r.ReadAt(p, off)
	if n == len(p) {
		return nil
	}
	if err == nil || err == io.EOF {
		return fmt.Errorf("%w: the file ends %d bytes into a %d-byte read (did it change?)", ErrTruncated, n, len(p))
	}
	return err
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

func netName(net wire.BitcoinNet) string {
	if p := chain.ByNet(net); p != nil {
		return p.Name
	}
	return net.String()
}
