// Package blkfile reads the block files of a Bitcoin Core node: a blocks
// directory (blk00000.dat, blk00001.dat, ...) or a single record file,
// plain or bzip2-compressed, and yields the blocks of its best chain in
// height order as chain.Block values.
//
// # Format
//
// A block file is a sequence of records:
//
//	field   bytes  meaning
//	magic   4      the network, little-endian (f9 be b4 d9 on mainnet)
//	length  4      the length of the block, little-endian
//	block   length the serialized block, as on the wire
//
// Core preallocates files in chunks, so a file may end in zero bytes; a
// zero magic where a record would begin ends the file, and everything after
// it must be zero. Core 28 and later obfuscate the files of a blocks
// directory: byte i of a file is XORed with byte i%8 of the 8-byte key in
// the directory's xor.dat (an all-zero key means plain files). The reader
// undoes this as it reads, also for a single blkNNNNN.dat file whose
// directory holds xor.dat. Raw unframed blocks (.blk files) are not
// supported.
//
// # Order
//
// Core writes blocks in the order they arrive, which during initial sync
// is not height order, and keeps blocks of abandoned branches. Open
// therefore scans every record header once, seeking past the bodies, and
// indexes each block's location, parent and target. It then chooses the
// branch from the start block with the most cumulative proof of work
// (2^256/(target+1) a block, as Core counts it; of equal branches, the tip
// seen first in file order wins). The start block is the network's genesis
// block at height 0, or when that is absent its child at height 1 (a file
// that begins at block 1), or Options.Start at Options.StartHeight (a
// pruned node). Blocks on other branches ("stale"), blocks that do not
// descend from the start ("orphan") and second copies of a block
// ("duplicate") are left out and listed by Reader.Skipped.
//
// Proof of work, scripts and other consensus rules are not checked: the
// files are taken to come from a node that checked them. What a corrupt
// file can break is checked: record framing at Open, and at read time that
// each block decodes, matches its merkle root (chain.DecodeBlock) and has
// the hash the index recorded.
//
// # Memory
//
// The index holds per block only its location, parent hash and target.
// While Open runs that, a hash map and child links take about 150 bytes a
// block (a million blocks: 150 MB); afterwards the Reader keeps about 56
// bytes a block of the chosen chain, and the list of skipped records. The
// scan reads files through a 32 KiB window. Blocks holds one block's
// bytes at a time: each block is read with one ReadAt at its recorded
// offset, decoded, and handed to the caller, who owns it. A .bz2 file is
// decompressed once into a temporary file (Options.TempDir), which Close
// removes.
//
// # Concurrency
//
// A Reader is not for concurrent use. Blocks may be ranged over more than
// once, from any height; each pass opens the files it needs (a few at a
// time) and closes them when it ends.
//
// # Errors
//
// Bad data is reported as a *FormatError naming the file and the byte
// offset of the record, wrapping a sentinel to branch on with errors.Is:
// ErrBadMagic, ErrWrongNetwork, ErrTruncated, ErrTooLarge, or
// chain.ErrBadBlock for a block that does not decode. ErrNoChain (not
// positional) means no block connects to the start; its message says which
// block was looked for. Blocks ends after yielding an error; a cancelled
// context ends Open and Blocks with the context's error.
package blkfile
