package blkfile_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/plumetrace/plume/chain"
	"github.com/plumetrace/plume/source/blkfile"
)

// isFormatError reports whether err is a *FormatError at file and offset
// wrapping target.
func isFormatError(err, target error, file string, offset int64) bool {
	var fe *blkfile.FormatError
	return errors.As(err, &fe) && errors.Is(err, target) && fe.File == file && fe.Offset == offset &&
		strings.HasPrefix(err.Error(), "blkfile: "+file+" at byte ")
}

// setMagic returns a copy of rec with magic m.
func setMagic(rec []byte, m uint32) []byte {
	rec = bytes.Clone(rec)
	binary.LittleEndian.PutUint32(rec, m)
	return rec
}

// setLength returns a copy of rec's header with length n.
func setLength(rec []byte, n uint32) []byte {
	rec = bytes.Clone(rec)
	binary.LittleEndian.PutUint32(rec[4:], n)
	return rec
}

func TestBadFiles(t *testing.T) {
	recs := records(t)
	first := recs[:5]
	off3 := int64(len(bytes.Join(recs[:3], nil)))
	end := int64(len(bytes.Join(first, nil)))
	for _, tc := range []struct {
		name   string
		recs   [][]byte
		params *chain.Params
		want   error
		offset int64
		msg    string // in the error message
	}{
		{"cut inside a block", slices.Concat(recs[:3], [][]byte{recs[3][:len(recs[3])/2]}), nil, blkfile.ErrTruncated, off3, "file ends"},
		{"cut inside a record header", slices.Concat(first, [][]byte{recs[5][:6]}), nil, blkfile.ErrTruncated, end, "inside a record header"},
		{"stray bytes", slices.Concat(first, [][]byte{{1, 2, 3}}), nil, blkfile.ErrTruncated, end, "stray"},
		{"testnet3 magic", slices.Concat(recs[:3], [][]byte{setMagic(recs[3], uint32(chain.Testnet3.Net))}, recs[4:6]), nil, blkfile.ErrWrongNetwork, off3, "testnet3"},
		{"mainnet file read as testnet4", first, chain.Testnet4, blkfile.ErrWrongNetwork, 0, "mainnet"},
		{"unknown magic", slices.Concat(recs[:3], [][]byte{setMagic(recs[3], 0xdeadbeef)}), nil, blkfile.ErrBadMagic, off3, "0xdeadbeef"},
		{"data after zero padding", slices.Concat(first, [][]byte{make([]byte, 100), {0x42}, make([]byte, 50)}), nil, blkfile.ErrBadMagic, end + 100, "padding"},
		{"length above the limit", slices.Concat(recs[:3], [][]byte{setLength(recs[3], 1<<30)}), nil, blkfile.ErrTooLarge, off3, "length"},
		{"length below a header", slices.Concat(recs[:3], [][]byte{setLength(recs[3], 80)}), nil, blkfile.ErrTruncated, off3, "cannot hold"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := writeFile(t, t.TempDir(), "bad.dat", tc.recs...)
			r, err := blkfile.Open(context.Background(), p, blkfile.Options{Params: tc.params})
			if err == nil {
				r.Close()
			}
			if !isFormatError(err, tc.want, p, tc.offset) || !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("error %v, want %v at %s byte %d mentioning %q", err, tc.want, p, tc.offset, tc.msg)
			}
		})
	}
}

func TestZeroPadding(t *testing.T) {
	recs := records(t)
	for _, pad := range []int{1, 3, 4, 7, 8, 100_000} {
		p := writeFile(t, t.TempDir(), "padded.dat", slices.Concat(recs[:5], [][]byte{make([]byte, pad)})...)
		if r := open(t, p, blkfile.Options{}); r.Len() != 5 {
			t.Errorf("padding %d: Len %d, want 5", pad, r.Len())
		}
	}
}

// TestCorruptBlock flips a byte inside a transaction: the framing is intact,
// so Open succeeds, and the merkle root catches it when the block is read.
func TestCorruptBlock(t *testing.T) {
	recs := slices.Clone(records(t)[:10])
	bad := bytes.Clone(recs[5])
	bad[len(bad)-20] ^= 0x01 // in the coinbase's output script
	recs[5] = bad
	p := writeFile(t, t.TempDir(), "corrupt.dat", recs...)
	r := open(t, p, blkfile.Options{})
	var heights []int32
	var errs []error
	for b, err := range r.Blocks(context.Background(), 0) {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		heights = append(heights, b.Height)
	}
	off := int64(len(bytes.Join(recs[:5], nil)))
	if !slices.Equal(heights, []int32{0, 1, 2, 3, 4}) || len(errs) != 1 ||
		!isFormatError(errs[0], chain.ErrBadBlock, p, off) || !strings.Contains(errs[0].Error(), "merkle") {
		t.Errorf("blocks %v, errors %v; want 0..4 then a merkle mismatch at byte %d", heights, errs, off)
	}
}

func TestNoChain(t *testing.T) {
	recs := records(t)
	dir := t.TempDir()
	writeFile(t, dir, "rev00000.dat", recs[0])
	if _, err := blkfile.Open(context.Background(), dir, blkfile.Options{}); !errors.Is(err, blkfile.ErrNoChain) || !strings.Contains(err.Error(), "blk00000.dat") {
		t.Errorf("directory without block files: %v, want ErrNoChain", err)
	}
	p := writeFile(t, dir, "blk00000.dat", recs[2:40]...)
	_, err := blkfile.Open(context.Background(), p, blkfile.Options{})
	if !errors.Is(err, blkfile.ErrNoChain) || !strings.Contains(err.Error(), chain.Mainnet.GenesisHash.String()) {
		t.Errorf("blocks from height 2: %v, want ErrNoChain naming the genesis block", err)
	}
	p = writeFile(t, dir, "empty.dat", make([]byte, 4096))
	if _, err := blkfile.Open(context.Background(), p, blkfile.Options{}); !errors.Is(err, blkfile.ErrNoChain) {
		t.Errorf("a file of zeros: %v, want ErrNoChain", err)
	}
	if _, err := blkfile.Open(context.Background(), dir+"/missing", blkfile.Options{}); err == nil {
		t.Error("missing path: no error")
	}
}

func TestCancel(t *testing.T) {
	p := dataPath(t, "blockchain/testdata/blk_0_to_14131.dat")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := blkfile.Open(ctx, p, blkfile.Options{}); !errors.Is(err, context.Canceled) {
		t.Errorf("Open with a cancelled context: %v", err)
	}

	r := open(t, p, blkfile.Options{})
	ctx, cancel = context.WithCancel(context.Background())
	defer cancel()
	n, errs := 0, 0
	for _, err := range r.Blocks(ctx, 0) {
		if err != nil {
			if !errors.Is(err, context.Canceled) {
				t.Errorf("error %v, want context.Canceled", err)
			}
			errs++
			continue
		}
		if n++; n == 10 {
			cancel()
		}
	}
	if n != 10 || errs != 1 {
		t.Errorf("%d blocks and %d errors after cancelling at 10, want 10 and 1", n, errs)
	}
}
