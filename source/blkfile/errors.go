package blkfile

import (
	"errors"
	"fmt"
)

// Sentinel errors, for errors.Is. Errors about a place in a file come
// wrapped in a *FormatError that says where.
var (
	// ErrTruncated: a record runs past the end of its file, or claims a
	// length too short to hold a block.
	ErrTruncated = errors.New("truncated record")
	// ErrBadMagic: a record starts with bytes that are no network's magic
	// (or zero padding is followed by data).
	ErrBadMagic = errors.New("bad magic")
	// ErrWrongNetwork: a record carries the magic of another known network
	// than Options.Params.
	ErrWrongNetwork = errors.New("wrong network")
	// ErrNoChain: no block connects to the start block (the genesis block,
	// its child, or Options.Start), or there are no block files at all.
	ErrNoChain = errors.New("no chain")
	// ErrTooLarge: a record claims a length above MaxRecordSize.
	ErrTooLarge = errors.New("record too large")
)

// MaxRecordSize bounds the length a record may claim. Bitcoin's blocks are
// at most 4 MB; the bound is Bitcoin Core's largest network message, so
// that a corrupt length cannot make the reader allocate gigabytes.
const MaxRecordSize = 32 << 20

// minRecordSize is a block header and a one-byte transaction count: nothing
// shorter can hold a block.
const minRecordSize = 81

// FormatError reports bad data at a place in a block file. Offset is where
// the record begins (its magic), except for data after zero padding, where
// it is the first non-zero byte. For a .bz2 file, File is the compressed
// file and Offset counts bytes of its decompressed content.
type FormatError struct {
	File   string
	Offset int64
	Err    error
}

func (e *FormatError) Error() string {
	return fmt.Sprintf("blkfile: %s at byte %d: %v", e.File, e.Offset, e.Err)
}

func (e *FormatError) Unwrap() error { return e.Err }
