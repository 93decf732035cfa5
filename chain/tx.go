package chain

import (
	"errors"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"
)

// ErrNotFound is wrapped by every source's "no such transaction, output or
// address" error, so that code written against any source (a store, a
// flow, an explorer) can tell absence from failure with errors.Is.
var ErrNotFound = errors.New("not found")

// Tx is a resolved transaction: the transaction as it appears on chain,
// where it sits, and for each input the output it spends. It is the unit
// every plume source delivers and every tracer consumes.
type Tx struct {
	ID   TxID
	Hash chainhash.Hash
	// Time is the timestamp of the block holding the transaction.
	Time time.Time
	Msg  *wire.MsgTx
	// Prevouts holds, for each input in order, the output it spends; nil for
	// a coinbase.
	Prevouts []Prevout
	// SpentBy holds, for each output in order, the input that spends it as
	// far as the source knew when the Tx was read; the zero InPoint means
	// unspent. A source that does not know spends leaves it nil.
	SpentBy []InPoint
}

// Prevout is the output an input spends.
type Prevout struct {
	// Out is the spent output's position; zero when the source does not know
	// it (an output from below the first block a store holds).
	Out    OutPoint
	Value  int64
	Script []byte
	Addr   Address
	// Resolved is false when the source could not find the spent output
	// (an ingest that started above genesis and had no resolver). Value,
	// Script and Addr are then zero.
	Resolved bool
}

// IsCoinbase reports whether t is a coinbase transaction.
func (t *Tx) IsCoinbase() bool { return t.Msg != nil && IsCoinbase(t.Msg) }

// IsCoinbase reports whether tx is a coinbase: one input spending the null
// outpoint.
func IsCoinbase(tx *wire.MsgTx) bool {
	if len(tx.TxIn) != 1 {
		return false
	}
	p := tx.TxIn[0].PreviousOutPoint
	return p.Index == wire.MaxPrevOutIndex && p.Hash == chainhash.Hash{}
}

// OutAddr returns the Address of output i.
func (t *Tx) OutAddr(i int) Address { return AddressOf(t.Msg.TxOut[i].PkScript) }

// OutValue returns the sum of the outputs' values.
func (t *Tx) OutValue() int64 {
	var s int64
	for _, o := range t.Msg.TxOut {
		s += o.Value
	}
	return s
}

// InValue returns the sum of the resolved inputs' values and whether every
// input was resolved. A coinbase has no inputs: (0, true). A Tx whose
// Prevouts do not cover every input is incomplete.
func (t *Tx) InValue() (sum int64, complete bool) {
	if t.IsCoinbase() {
		return 0, true
	}
	// Without this, a source that left Prevouts nil or short would make
	// Fee report the missing inputs' value as a known, negative fee.
	complete = t.Msg != nil && len(t.Prevouts) == len(t.Msg.TxIn)
	for _, p := range t.Prevouts {
		if !p.Resolved {
			complete = false
			continue
		}
		sum += p.Value
	}
	return sum, complete
}

// Fee returns the transaction's fee, known when every input is resolved.
// A coinbase pays no fee.
func (t *Tx) Fee() (fee int64, known bool) {
	if t.IsCoinbase() {
		return 0, true
	}
	in, ok := t.InValue()
	if !ok {
		return 0, false
	}
	return in - t.OutValue(), true
}

// Height returns the height of the block holding t.
func (t *Tx) Height() int32 { return t.ID.Height() }

// Appearance is one entry in an address's history: an output that paid the
// address, or an input that spent such an output.
type Appearance struct {
	Tx TxID
	// Index is the output index for a receipt and the input index for a
	// spend.
	Index uint32
	Spend bool
	Value int64
	// Prev is, for a spend, the output spent (zero when its position is
	// unknown).
	Prev OutPoint
	Time time.Time
}

// Height returns the height of the block holding the appearance.
func (a Appearance) Height() int32 { return a.Tx.Height() }
