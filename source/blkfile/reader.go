package blkfile

import (
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"os"

	"github.com/btcsuite/btcd/chaincfg/chainhash"

	"github.com/plumetrace/plume/chain"
)

// Options configures Open. The zero value reads mainnet files that begin
// at the genesis block.
type Options struct {
	// Params is the network whose magic the records must carry and whose
	// genesis block starts the chain; nil means chain.Mainnet.
	Params *chain.Params
	// Start, when set, is the hash of the first block to yield and
	// StartHeight its height, for files that do not begin at genesis (a
	// pruned node, a single block file). When Start is nil the chain
	// starts at the genesis block (height 0) or, if that is absent, at its
	// children (height 1), and StartHeight must be 0.
	Start       *chainhash.Hash
	StartHeight int32
	// TempDir is where a .bz2 file is decompressed for random access; ""
	// means os.TempDir().
	TempDir string
}

// Reader yields the best chain found in a set of block files. It holds an
// index of the chain's block locations (about 60 bytes a block), not the
// blocks.
type Reader struct {
	files   []blockFile
	temps   []string
	blocks  []entry // the best chain in height order, blocks[0] at start
	start   int32
	tip     chainhash.Hash
	skipped []Skip
	closed  bool
}

// Open indexes the block records at path, a blocks directory (its
// blkNNNNN.dat files, with xor.dat if present) or one record file, plain or
// bzip2-compressed (.bz2), and chooses the chain to yield. It reads every
// record header once but no block body; records of a network other than
// opts.Params, bad magic, truncated records and data after zero padding
// fail it with a *FormatError. It returns an error wrapping ErrNoChain when
// no block connects to the start.
func Open(ctx context.Context, path string, opts Options) (*Reader, error) {
	params := opts.Params
	if params == nil {
		params = chain.Mainnet
	}
	if opts.StartHeight < 0 || opts.StartHeight >= chain.MaxHeight || opts.Start == nil && opts.StartHeight != 0 {
		return nil, fmt.Errorf("blkfile: StartHeight %d needs a Start hash and must be in 0..%d", opts.StartHeight, chain.MaxHeight-1)
	}
	dir := opts.TempDir
	if dir == "" {
		dir = os.TempDir()
	}
	files, temps, err := locate(ctx, path, dir)
	r := &Reader{files: files, temps: temps}
	if err != nil {
		r.Close()
		return nil, err
	}
	x := newIndex()
	for i := range r.files {
		if err := x.scan(ctx, i, &r.files[i], params.Net); err != nil {
			r.Close()
			return nil, err
		}
	}
	root, err := x.findRoot(params, opts, path)
	if err != nil {
		r.Close()
		return nil, err
	}
	s := x.choose(root, r.files)
	r.blocks, r.start, r.tip, r.skipped = s.blocks, s.start, s.tip, s.skipped
	return r, nil
}

// Blocks yields the best chain in height order from height from (raised to
// the start height; past the tip nothing is yielded). Each block is read
// where the index found it and decoded by chain.DecodeBlock, which checks
// its merkle root, and its hash is checked against the index. A yielded
// Block and its Raw bytes belong to the caller and are not reused.
//
// An error ends the sequence: a *FormatError for bad data (wrapping
// chain.ErrBadBlock when a block does not decode), or ctx's error, which is
// checked between blocks. Blocks may be ranged over again, from any height.
func (r *Reader) Blocks(ctx context.Context, from int32) iter.Seq2[*chain.Block, error] {
	return func(yield func(*chain.Block, error) bool) {
		if r.closed {
			yield(nil, fmt.Errorf("blkfile: Blocks after Close: %w", os.ErrClosed))
			return
		}
		h := handles{files: r.files}
		defer h.close()
		for i := int(max(from, r.start) - r.start); i < len(r.blocks); i++ {
			if err := ctx.Err(); err != nil {
				yield(nil, err)
				return
			}
			b, err := r.read(&h, i)
			if !yield(b, err) || err != nil {
				return
			}
		}
	}
}

// read reads and decodes the block at position i of the chain.
func (r *Reader) read(h *handles, i int) (*chain.Block, error) {
	e := &r.blocks[i]
	name := r.files[e.file].name
	fail := func(err error) (*chain.Block, error) {
		return nil, &FormatError{File: name, Offset: e.off, Err: err}
	}
	ra, err := h.get(e.file)
	if err != nil {
		return fail(err)
	}
	raw := make([]byte, e.size)
	if err := readAt(ra, raw, e.off+8); err != nil {
		return fail(err)
	}
	b, err := chain.DecodeBlock(raw, r.start+int32(i))
	if err != nil {
		return fail(err)
	}
	want := r.tip
	if i+1 < len(r.blocks) {
		want = r.blocks[i+1].prev
	}
	if b.Hash != want {
		return fail(fmt.Errorf("block hash %v where Open indexed %v (did the file change?)", b.Hash, want))
	}
	return b, nil
}

// Tip returns the height and hash of the last block of the best chain;
// height is -1 for an empty chain.
func (r *Reader) Tip() (height int32, hash chainhash.Hash) {
	if len(r.blocks) == 0 {
		return -1, chainhash.Hash{}
	}
	return r.start + int32(len(r.blocks)) - 1, r.tip
}

// Len returns the number of blocks on the best chain.
func (r *Reader) Len() int { return len(r.blocks) }

// Skipped lists the records left out of the best chain, in file order. The
// slice is the Reader's; do not modify it.
func (r *Reader) Skipped() []Skip { return r.skipped }

// Close removes the temporary file of a .bz2 input. The Reader holds no
// other open files between calls of Blocks. Close is idempotent.
func (r *Reader) Close() error {
	r.closed = true
	var errs []error
	for _, t := range r.temps {
		if err := os.Remove(t); err != nil && !os.IsNotExist(err) {
			errs = append(errs, err)
		}
	}
	r.temps = nil
	return errors.Join(errs...)
}

// handles keeps the block files one pass of Blocks reads open. The chain
// mostly runs through the files in order but may step back a file or two
// where Core stored blocks out of order, so a few stay open; a full blocks
// directory has thousands of files, more than a process may open at once.
type handles struct {
	files []blockFile
	open  []openFile // most recently used last
}

type openFile struct {
	i int32
	f *os.File
	r io.ReaderAt
}

const maxOpenFiles = 4

func (h *handles) get(i int32) (io.ReaderAt, error) {
	for k, o := range h.open {
		if o.i == i {
			copy(h.open[k:], h.open[k+1:])
			h.open[len(h.open)-1] = o
			return o.r, nil
		}
	}
	if len(h.open) == maxOpenFiles {
		h.open[0].f.Close()
		h.open = append(h.open[:0], h.open[1:]...)
	}
	f, r, err := h.files[i].open()
	if err != nil {
		return nil, err
	}
	h.open = append(h.open, openFile{i, f, r})
	return r, nil
}

func (h *handles) close() {
	for _, o := range h.open {
		o.f.Close()
	}
	h.open = nil
}
