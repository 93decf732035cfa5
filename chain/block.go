package chain

import (
	"bytes"
	"errors"
	"fmt"
	"slices"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"
)

// ErrBadBlock is wrapped by every error DecodeBlock returns.
var ErrBadBlock = errors.New("bad block")

// minTxSize is the smallest serialized transaction (one input with an empty
// script, one output with an empty script); it bounds how many transactions
// a block of a given size can claim before anything is allocated for them.
const minTxSize = 60

// MaxSatoshi bounds any single value: 21 million coins of 10^8 satoshi.
const MaxSatoshi = 21e6 * 1e8

// Block is a decoded block with everything ingest needs computed once: the
// transactions, their txids, and where each one's bytes are in Raw.
type Block struct {
	Height int32
	Hash   chainhash.Hash
	Header wire.BlockHeader
	Txs    []*wire.MsgTx
	// TxHashes holds each transaction's txid.
	TxHashes []chainhash.Hash
	// Raw is the serialized block and Spans the byte range of each
	// transaction in it, witness included.
	Raw   []byte
	Spans []Span
}

// Span is a byte range [Off, Off+Len).
type Span struct{ Off, Len uint32 }

// RawTx returns the serialized transaction i, a sub-slice of Raw.
func (b *Block) RawTx(i int) []byte {
	s := b.Spans[i]
	return b.Raw[s.Off : s.Off+s.Len]
}

// TxID returns the TxID of transaction i.
func (b *Block) TxID(i int) TxID { return MakeTxID(b.Height, i) }

// DecodeBlock decodes a serialized block found at height. It checks what a
// reader of untrusted files must: the block is complete with no trailing
// bytes, every transaction decodes, the counts fit plume's identifiers, the
// merkle root matches the transactions without repeating any, and a block
// with witness data commits to it (so corrupt bytes inside a block are
// caught here, not later as wrong balances). It does not check consensus
// rules such as proof of work or scripts.
func DecodeBlock(raw []byte, height int32) (*Block, error) {
	fail := func(format string, args ...any) (*Block, error) {
		return nil, fmt.Errorf("%w at height %d: %s", ErrBadBlock, height, fmt.Sprintf(format, args...))
	}
	if height < 0 || height >= MaxHeight {
		return fail("height out of range")
	}
	b := &Block{Height: height, Raw: raw}
	r := bytes.NewReader(raw)
	if err := b.Header.Deserialize(r); err != nil {
		return fail("header: %v", err)
	}
	b.Hash = b.Header.BlockHash()
	n, err := wire.ReadVarInt(r, 0)
	if err != nil {
		return fail("transaction count: %v", err)
	}
	if n == 0 || n > uint64(r.Len()/minTxSize) || n >= MaxTxsPerBlock {
		return fail("transaction count %d does not fit %d bytes", n, r.Len())
	}
	b.Txs = make([]*wire.MsgTx, n)
	b.TxHashes = make([]chainhash.Hash, n)
	b.Spans = make([]Span, n)
	for i := range b.Txs {
		off := len(raw) - r.Len()
		tx := new(wire.MsgTx)
		if err := tx.Deserialize(r); err != nil {
			return fail("transaction %d at byte %d: %v", i, off, err)
		}
		if len(tx.TxOut) > MaxOutputs {
			return fail("transaction %d has %d outputs, more than plume's limit %d", i, len(tx.TxOut), MaxOutputs)
		}
		// Values bounded here keep every sum plume takes later (fees,
		// balances, taint) far from int64 overflow, as Core's MoneyRange
		// checks do.
		var sum int64
		for j, o := range tx.TxOut {
			if o.Value < 0 || o.Value > MaxSatoshi {
				return fail("transaction %d output %d has value %d, outside 0..%d", i, j, o.Value, int64(MaxSatoshi))
			}
			if sum += o.Value; sum > MaxSatoshi {
				return fail("transaction %d outputs sum above %d", i, int64(MaxSatoshi))
			}
		}
		end := len(raw) - r.Len()
		b.Txs[i] = tx
		b.Spans[i] = Span{Off: uint32(off), Len: uint32(end - off)}
		if tx.HasWitness() {
			b.TxHashes[i] = tx.TxHash()
		} else {
			// Without witness data the serialization is the txid preimage;
			// hashing it directly avoids re-serializing.
			b.TxHashes[i] = chainhash.DoubleHashH(raw[off:end])
		}
	}
	if r.Len() != 0 {
		return fail("%d bytes after the last transaction", r.Len())
	}
	got, mutated := merkleRoot(b.TxHashes)
	if got != b.Header.MerkleRoot {
		return fail("merkle root %v does not match the transactions (%v)", b.Header.MerkleRoot, got)
	}
	if mutated {
		// CVE-2012-2459: repeating the last transactions keeps the root, so
		// a matching root alone lets a block list a transaction twice.
		return fail("transactions repeated without changing the merkle root")
	}
	if msg := checkWitness(b); msg != "" {
		return fail("%s", msg)
	}
	return b, nil
}

// witnessTag starts a coinbase output that commits to the block's witness
// data (BIP 141): OP_RETURN, a 36-byte push, 0xaa21a9ed, the commitment.
var witnessTag = []byte{0x6a, 0x24, 0xaa, 0x21, 0xa9, 0xed}

// checkWitness verifies the witness commitment of a block that carries
// witness data, since the merkle root covers txids, which leave witnesses
// out. It returns what is wrong, or "". As in Bitcoin Core, witness data
// without a commitment is invalid at any height.
func checkWitness(b *Block) string {
	if !slices.ContainsFunc(b.Txs, (*wire.MsgTx).HasWitness) {
		return ""
	}
	cb := b.Txs[0]
	pos := -1
	for i, o := range cb.TxOut {
		if len(o.PkScript) >= 38 && bytes.HasPrefix(o.PkScript, witnessTag) {
			pos = i // the last one counts
		}
	}
	if pos < 0 {
		return "witness data without a witness commitment"
	}
	if len(cb.TxIn) != 1 || len(cb.TxIn[0].Witness) != 1 || len(cb.TxIn[0].Witness[0]) != 32 {
		return "coinbase witness is not one 32-byte reserved value"
	}
	wtxids := make([]chainhash.Hash, len(b.Txs)) // the coinbase's is zero
	for i := 1; i < len(b.Txs); i++ {
		if b.Txs[i].HasWitness() {
			wtxids[i] = chainhash.DoubleHashH(b.RawTx(i))
		} else {
			wtxids[i] = b.TxHashes[i]
		}
	}
	root, _ := merkleRoot(wtxids)
	var buf [64]byte
	copy(buf[:32], root[:])
	copy(buf[32:], cb.TxIn[0].Witness[0])
	if got := chainhash.DoubleHashH(buf[:]); !bytes.Equal(got[:], cb.TxOut[pos].PkScript[6:38]) {
		return "witness commitment does not match the witnesses"
	}
	return ""
}

// MerkleRoot returns the merkle root of txids as Bitcoin computes it (an odd
// level repeats its last hash).
func MerkleRoot(txids []chainhash.Hash) chainhash.Hash {
	root, _ := merkleRoot(txids)
	return root
}

// merkleRoot returns MerkleRoot and whether two equal hashes were paired on
// some level before padding, which is how Bitcoin Core detects a block
// mutated by duplicating transactions.
func merkleRoot(txids []chainhash.Hash) (root chainhash.Hash, mutated bool) {
	if len(txids) == 0 {
		return chainhash.Hash{}, false
	}
	level := append([]chainhash.Hash(nil), txids...)
	var buf [64]byte
	for len(level) > 1 {
		for i := 0; i+1 < len(level); i += 2 {
			if level[i] == level[i+1] {
				mutated = true
			}
		}
		if len(level)%2 == 1 {
			level = append(level, level[len(level)-1])
		}
		for i := 0; i < len(level); i += 2 {
			copy(buf[:32], level[i][:])
			copy(buf[32:], level[i+1][:])
			level[i/2] = chainhash.DoubleHashH(buf[:])
		}
		level = level[:len(level)/2]
	}
	return level[0], mutated
}
