package store

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"
	"github.com/plumetrace/plume/chain"
)

// Tx record flags per input.
const (
	inResolved = 1 << 0
	inHasPos   = 1 << 1
)

const recordVersion = 1

// appendTxRecord appends the value of a transaction record: the txid, the
// serialized transaction, each input's resolved previous output and each
// output's address ID (see doc.go). Storing the previous outputs makes
// every read of a transaction complete without a second lookup, which is
// what tracing does all day; storing the address IDs lets ingest resolve an
// old output, ID included, from its record alone.
func appendTxRecord(b []byte, hash *chainhash.Hash, raw []byte, prevs []chain.Prevout, outIDs []AddrID) []byte {
	b = append(b, recordVersion)
	b = append(b, hash[:]...)
	b = binary.AppendUvarint(b, uint64(len(raw)))
	b = append(b, raw...)
	for i := range prevs {
		b = appendPrevout(b, &prevs[i])
	}
	for _, id := range outIDs {
		b = binary.AppendUvarint(b, uint64(id))
	}
	return b
}

func appendPrevout(b []byte, p *chain.Prevout) []byte {
	var flags byte
	if p.Resolved {
		flags |= inResolved
		if !p.Out.IsZero() {
			flags |= inHasPos
		}
	}
	b = append(b, flags)
	if flags&inHasPos != 0 {
		b = binary.AppendUvarint(b, uint64(p.Out.Node()))
	}
	if flags&inResolved != 0 {
		b = binary.AppendUvarint(b, uint64(p.Value))
		b = binary.AppendUvarint(b, uint64(len(p.Script)))
		b = append(b, p.Script...)
	}
	return b
}

var errRecord = errors.New("corrupt transaction record")

// txRecord is a decoded record. Slices alias the value buffer.
type txRecord struct {
	hash   chainhash.Hash
	raw    []byte
	msg    *wire.MsgTx
	prevs  []chain.Prevout
	outIDs []AddrID
}

// decodeTxRecord decodes a record. The caller owns v, which the result
// aliases.
func decodeTxRecord(v []byte) (*txRecord, error) {
	if len(v) < 34 || v[0] != recordVersion {
		return nil, errRecord
	}
	r := &txRecord{}
	copy(r.hash[:], v[1:33])
	v = v[33:]
	n, k := binary.Uvarint(v)
	if k <= 0 || n > uint64(len(v)-k) {
		return nil, errRecord
	}
	r.raw = v[k : k+int(n)]
	v = v[k+int(n):]
	r.msg = new(wire.MsgTx)
	if err := r.msg.Deserialize(bytes.NewReader(r.raw)); err != nil {
		return nil, fmt.Errorf("%w: %v", errRecord, err)
	}
	if !chain.IsCoinbase(r.msg) {
		r.prevs = make([]chain.Prevout, len(r.msg.TxIn))
		for i := range r.prevs {
			var err error
			if v, err = decodePrevout(v, &r.prevs[i]); err != nil {
				return nil, err
			}
		}
	}
	r.outIDs = make([]AddrID, len(r.msg.TxOut))
	for i := range r.outIDs {
		id, k := binary.Uvarint(v)
		if k <= 0 || id > maxAddrID {
			return nil, errRecord
		}
		r.outIDs[i] = AddrID(id)
		v = v[k:]
	}
	if len(v) != 0 {
		return nil, errRecord
	}
	return r, nil
}

func decodePrevout(v []byte, p *chain.Prevout) ([]byte, error) {
	if len(v) < 1 {
		return nil, errRecord
	}
	flags := v[0]
	v = v[1:]
	if flags&^(inResolved|inHasPos) != 0 {
		return nil, errRecord
	}
	if flags&inHasPos != 0 {
		node, k := binary.Uvarint(v)
		if k <= 0 || node > 1<<63-1 {
			return nil, errRecord
		}
		v = v[k:]
		op, isOut := chain.NodeOf(int64(node))
		if !isOut {
			return nil, errRecord
		}
		p.Out = op
	}
	if flags&inResolved != 0 {
		val, k := binary.Uvarint(v)
		if k <= 0 || val > 1<<63-1 {
			return nil, errRecord
		}
		v = v[k:]
		n, k := binary.Uvarint(v)
		if k <= 0 || n > uint64(len(v)-k) {
			return nil, errRecord
		}
		p.Resolved = true
		p.Value = int64(val)
		p.Script = v[k : k+int(n) : k+int(n)]
		p.Addr = chain.AddressOf(p.Script)
		v = v[k+int(n):]
	}
	return v, nil
}

// toTx builds the public form of a record.
func (r *txRecord) toTx(id chain.TxID, t time.Time, spent []chain.InPoint) *chain.Tx {
	return &chain.Tx{ID: id, Hash: r.hash, Time: t, Msg: r.msg, Prevouts: r.prevs, SpentBy: spent}
}

// Spender values: TxID(8) vin(4).
func appendSpend(b []byte, p chain.InPoint) []byte {
	return appendU32(appendU64(b, uint64(p.Tx)), p.Vin)
}

func decodeSpend(v []byte) (chain.InPoint, error) {
	if len(v) != 12 || v[0]&0x80 != 0 {
		return chain.InPoint{}, errRecord
	}
	return chain.InPoint{Tx: chain.TxID(binary.BigEndian.Uint64(v)), Vin: binary.BigEndian.Uint32(v[8:])}, nil
}

// Block values: hash(32) header(80) ntx(4) first address ID(8).
type blockRecord struct {
	hash    chainhash.Hash
	header  wire.BlockHeader
	ntx     uint32
	firstID AddrID // the first address ID the block assigned, or would have
}

const blockRecordLen = 32 + wire.MaxBlockHeaderPayload + 4 + 8

func appendBlockRecord(b []byte, blk *chain.Block, firstID AddrID) []byte {
	b = append(b, blk.Hash[:]...)
	b = append(b, blk.Raw[:wire.MaxBlockHeaderPayload]...)
	b = appendU32(b, uint32(len(blk.Txs)))
	return appendU64(b, uint64(firstID))
}

func decodeBlockRecord(v []byte) (blockRecord, error) {
	var r blockRecord
	if len(v) != blockRecordLen {
		return r, errRecord
	}
	copy(r.hash[:], v)
	if err := r.header.Deserialize(bytes.NewReader(v[32 : 32+wire.MaxBlockHeaderPayload])); err != nil {
		return r, errRecord
	}
	r.ntx = binary.BigEndian.Uint32(v[32+wire.MaxBlockHeaderPayload:])
	r.firstID = AddrID(binary.BigEndian.Uint64(v[32+wire.MaxBlockHeaderPayload+4:]))
	return r, nil
}

// Address history values: value(uvarint), then for a spend the spent
// output's node (uvarint, 0 when unknown).
func appendAddrValue(b []byte, value int64, prev chain.OutPoint) []byte {
	b = binary.AppendUvarint(b, uint64(value))
	if !prev.IsZero() {
		b = binary.AppendUvarint(b, uint64(prev.Node()))
	}
	return b
}

func decodeAddrValue(v []byte) (value int64, prev chain.OutPoint, err error) {
	val, k := binary.Uvarint(v)
	if k <= 0 || val > 1<<63-1 {
		return 0, prev, errRecord
	}
	v = v[k:]
	if len(v) > 0 {
		node, k := binary.Uvarint(v)
		if k != len(v) || node > 1<<63-1 {
			return 0, prev, errRecord
		}
		var ok bool
		if prev, ok = chain.NodeOf(int64(node)); !ok {
			return 0, prev, errRecord
		}
	}
	return int64(val), prev, nil
}

// Pending (unresolved input) values: the outpoint by txid, hash(32) index(4).
func appendPending(b []byte, op wire.OutPoint) []byte {
	return appendU32(append(b, op.Hash[:]...), op.Index)
}

func decodePending(v []byte) (wire.OutPoint, error) {
	var op wire.OutPoint
	if len(v) != 36 {
		return op, errRecord
	}
	copy(op.Hash[:], v)
	op.Index = binary.BigEndian.Uint32(v[32:])
	return op, nil
}
