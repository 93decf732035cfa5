package chain

import (
	"fmt"
)

// Bounds of the packed identifiers (see the package doc).
const (
	posBits  = 20
	voutBits = 17

	// MaxHeight is the first height a TxID cannot represent.
	MaxHeight = 1 << (63 - posBits - voutBits)
	// MaxTxsPerBlock is the first block position a TxID cannot represent.
	MaxTxsPerBlock = 1 << posBits
	// MaxOutputs is the largest number of outputs a transaction may have for
	// its outputs to be addressable.
	MaxOutputs = 1<<voutBits - 1
)

// TxID identifies a transaction by its place in the chain:
// height<<20 | position in block. Sorting TxIDs sorts transactions in chain
// order.
type TxID int64

// MakeTxID returns the TxID of the transaction at position pos of the block
// at height. The caller keeps both within bounds (see MaxHeight).
func MakeTxID(height int32, pos int) TxID {
	return TxID(int64(height)<<posBits | int64(pos))
}

// Height returns the height of the block holding the transaction.
func (id TxID) Height() int32 { return int32(id >> posBits) }

// Pos returns the transaction's position in its block (0 is the coinbase).
func (id TxID) Pos() int { return int(id & (MaxTxsPerBlock - 1)) }

// Node returns the transaction's node ID in flow graphs, TxID<<17; its
// outputs' node IDs follow it (see OutPoint.Node).
func (id TxID) Node() int64 { return int64(id) << voutBits }

// Out returns the OutPoint of output vout of the transaction.
func (id TxID) Out(vout uint32) OutPoint { return OutPoint{Tx: id, Vout: vout} }

func (id TxID) String() string { return fmt.Sprintf("%d:%d", id.Height(), id.Pos()) }

// OutPoint identifies an output by its transaction's TxID and its index.
// The zero OutPoint (the genesis coinbase's first output, which consensus
// makes unspendable) stands for "unknown position".
type OutPoint struct {
	Tx   TxID
	Vout uint32
}

// Node packs o into one int64, TxID<<17 | vout+1, ordered after its
// transaction's node and before any later transaction's. Store address IDs
// and flow graph output nodes use it.
func (o OutPoint) Node() int64 { return int64(o.Tx)<<voutBits | int64(o.Vout+1) }

// IsZero reports whether o is the zero OutPoint.
func (o OutPoint) IsZero() bool { return o == OutPoint{} }

func (o OutPoint) String() string { return fmt.Sprintf("%v:%d", o.Tx, o.Vout) }

// NodeOf splits a node ID made by TxID.Node or OutPoint.Node. out is false
// for a transaction node.
func NodeOf(id int64) (o OutPoint, out bool) {
	slot := id & (1<<voutBits - 1)
	o.Tx = TxID(id >> voutBits)
	if slot == 0 {
		return o, false
	}
	o.Vout = uint32(slot - 1)
	return o, true
}

// InPoint identifies an input: the spending transaction and the input's
// index. The zero InPoint means "not spent": TxID 0 is the genesis
// coinbase, which spends nothing.
type InPoint struct {
	Tx  TxID
	Vin uint32
}

// IsZero reports whether p is the zero InPoint (no spender).
func (p InPoint) IsZero() bool { return p == InPoint{} }

func (p InPoint) String() string { return fmt.Sprintf("%v/in%d", p.Tx, p.Vin) }
