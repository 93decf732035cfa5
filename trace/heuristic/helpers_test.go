package heuristic_test

import (
	"encoding/binary"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/txscript"
	"github.com/btcsuite/btcd/wire"

	"github.com/plumetrace/plume/chain"
)

const btc = 100_000_000

// addr returns test address i of kind k: distinct i give distinct
// addresses.
func addr(k chain.Kind, i int) chain.Address {
	a := chain.Address{Kind: k}
	binary.BigEndian.PutUint64(a.Hash[:8], uint64(i)+1)
	return a
}

func wpkh(i int) chain.Address { return addr(chain.KindP2WPKH, i) }
func pkh(i int) chain.Address  { return addr(chain.KindP2PKH, i) }

// io is one input (the output it spends) or one output of a test
// transaction. script, when set, replaces the address's script (OP_RETURN).
type io struct {
	a      chain.Address
	v      int64
	script []byte
}

func (x io) pkScript() []byte {
	if x.script != nil {
		return x.script
	}
	return x.a.Script()
}

// opReturn is a data-carrier output.
func opReturn(data ...byte) io {
	s, _ := txscript.NullDataScript(data)
	return io{a: chain.AddressOf(s), script: s}
}

// pay makes ios paying addresses from..from+n-1 (of kind P2WPKH) v each.
func pay(from, n int, v int64) []io {
	out := make([]io, n)
	for i := range out {
		out[i] = io{a: wpkh(from + i), v: v}
	}
	return out
}

func cat(parts ...[]io) []io {
	var out []io
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

var nextPrev uint32

// mk makes a resolved transaction at position pos of block height,
// spending ins and paying outs. Every input spends a distinct made-up
// output.
func mk(height int32, pos int, ins, outs []io) *chain.Tx {
	msg := wire.NewMsgTx(2)
	tx := &chain.Tx{ID: chain.MakeTxID(height, pos), Msg: msg}
	for _, x := range ins {
		nextPrev++
		var h chainhash.Hash
		binary.BigEndian.PutUint32(h[:], nextPrev)
		msg.AddTxIn(wire.NewTxIn(wire.NewOutPoint(&h, 0), nil, nil))
		tx.Prevouts = append(tx.Prevouts, chain.Prevout{Value: x.v, Script: x.pkScript(), Addr: chain.AddressOf(x.pkScript()), Resolved: true})
	}
	for _, x := range outs {
		msg.AddTxOut(wire.NewTxOut(x.v, x.pkScript()))
	}
	tx.SpentBy = make([]chain.InPoint, len(outs))
	tx.Hash = msg.TxHash()
	return tx
}

// tx makes a transaction at a fixed place; most tests need no other.
func tx(ins, outs []io) *chain.Tx { return mk(800_000, 1, ins, outs) }

// spend makes a transaction at height spending output vout of parent
// into outs, and records it in parent's SpentBy.
func spend(parent *chain.Tx, vout int, height int32, outs []io) *chain.Tx {
	o := parent.Msg.TxOut[vout]
	s := mk(height, 1, []io{{a: chain.AddressOf(o.PkScript), v: o.Value, script: o.PkScript}}, outs)
	s.Msg.TxIn[0].PreviousOutPoint = wire.OutPoint{Hash: parent.Hash, Index: uint32(vout)}
	s.Prevouts[0].Out = parent.ID.Out(uint32(vout))
	s.Hash = s.Msg.TxHash()
	parent.SpentBy[vout] = chain.InPoint{Tx: s.ID}
	return s
}

func coinbase(outs []io) *chain.Tx {
	t := mk(800_000, 0, nil, outs)
	t.Msg.AddTxIn(wire.NewTxIn(wire.NewOutPoint(&chainhash.Hash{}, wire.MaxPrevOutIndex), []byte{1, 2, 3}, nil))
	t.Prevouts = nil
	return t
}
