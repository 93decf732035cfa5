package store_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"
	"github.com/plumetrace/plume/chain"
)

// builder makes small chains of hand-written blocks: correct merkle roots
// and links, no proof of work and no signatures, which the store does not
// check.
type builder struct {
	t      testing.TB
	height int32
	prev   chainhash.Hash
	time   time.Time
}

// newBuilder starts a chain at params' genesis block, which it returns.
func newBuilder(t testing.TB, params *chain.Params) (*builder, *chain.Block) {
	t.Helper()
	var buf bytes.Buffer
	if err := params.Genesis.Serialize(&buf); err != nil {
		t.Fatal(err)
	}
	g, err := chain.DecodeBlock(buf.Bytes(), 0)
	if err != nil {
		t.Fatal(err)
	}
	return &builder{t: t, height: 0, prev: g.Hash, time: g.Header.Timestamp}, g
}

// after continues a chain after the block tip.
func after(t testing.TB, tip *chain.Block) *builder {
	return &builder{t: t, height: tip.Height, prev: tip.Hash, time: tip.Header.Timestamp}
}

// block makes the next block from txs, the first of which should be a
// coinbase.
func (b *builder) block(txs ...*wire.MsgTx) *chain.Block {
	b.t.Helper()
	blk := b.at(b.height+1, b.prev, txs...)
	b.height, b.prev, b.time = blk.Height, blk.Hash, blk.Header.Timestamp
	return blk
}

// at makes a block at height on parent prev without advancing the builder.
func (b *builder) at(height int32, prev chainhash.Hash, txs ...*wire.MsgTx) *chain.Block {
	b.t.Helper()
	hashes := make([]chainhash.Hash, len(txs))
	for i, tx := range txs {
		hashes[i] = tx.TxHash()
	}
	msg := wire.MsgBlock{
		Header: wire.BlockHeader{
			Version:    1,
			PrevBlock:  prev,
			MerkleRoot: chain.MerkleRoot(hashes),
			Timestamp:  b.time.Add(10 * time.Minute),
			Bits:       0x207fffff,
			Nonce:      uint32(height),
		},
		Transactions: txs,
	}
	var buf bytes.Buffer
	if err := msg.Serialize(&buf); err != nil {
		b.t.Fatal(err)
	}
	blk, err := chain.DecodeBlock(buf.Bytes(), height)
	if err != nil {
		b.t.Fatal(err)
	}
	return blk
}

// coinbase returns a coinbase whose signature script is tag, paying outs.
// Two coinbases with the same tag and outputs are the same transaction.
func coinbase(tag string, outs ...*wire.TxOut) *wire.MsgTx {
	tx := wire.NewMsgTx(1)
	tx.AddTxIn(&wire.TxIn{
		PreviousOutPoint: wire.OutPoint{Index: wire.MaxPrevOutIndex},
		SignatureScript:  append([]byte{byte(len(tag))}, tag...),
		Sequence:         wire.MaxTxInSequenceNum,
	})
	for _, o := range outs {
		tx.AddTxOut(o)
	}
	return tx
}

// spend returns a transaction spending ins, paying outs.
func spend(ins []wire.OutPoint, outs ...*wire.TxOut) *wire.MsgTx {
	tx := wire.NewMsgTx(1)
	for _, op := range ins {
		tx.AddTxIn(&wire.TxIn{PreviousOutPoint: op, SignatureScript: []byte{0x51}, Sequence: wire.MaxTxInSequenceNum})
	}
	for _, o := range outs {
		tx.AddTxOut(o)
	}
	return tx
}

// pay returns an output paying value to the P2PKH key hash {n, n, ...}.
func pay(n byte, value int64) *wire.TxOut {
	return wire.NewTxOut(value, payee(n).Script())
}

// payee is the address pay(n, ...) pays.
func payee(n byte) chain.Address {
	a := chain.Address{Kind: chain.KindP2PKH}
	copy(a.Hash[:20], bytes.Repeat([]byte{n}, 20))
	return a
}

// outpoint names output i of tx.
func outpoint(tx *wire.MsgTx, i uint32) wire.OutPoint {
	return wire.OutPoint{Hash: tx.TxHash(), Index: i}
}

// ops is a shorthand for a list of outpoints.
func ops(o ...wire.OutPoint) []wire.OutPoint { return o }
