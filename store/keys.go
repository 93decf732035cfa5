package store

import (
	"encoding/binary"
	"fmt"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/plumetrace/plume/chain"
)

// Table prefixes; see the key layout in doc.go. The byte values are part of
// the on-disk format.
const (
	tMeta    = 'M'
	tBlock   = 'B'
	tTx      = 'T'
	tHash    = 'H'
	tAddr    = 'A'
	tPending = 'U'
	tName    = 'N' // address -> ID
	tID      = 'I' // ID -> address
	tJoin    = 'J' // per block: the address IDs its transactions cluster
	tTag     = 'G' // address tags
	tDefiner = 'K' // addresses with cluster-defining tags
	tCase    = 'S' // saved cases, by name
)

// Address history entry directions. Spends sort before receipts of the same
// transaction because a transaction consumes its inputs before it creates
// its outputs.
const (
	dirSpend   = 0
	dirReceive = 1
)

var (
	keyMeta = []byte{tMeta, 'm'}
	keyTip  = []byte{tMeta, 't'}
	keyLoad = []byte{tMeta, 'l'}
)

func appendU64(b []byte, v uint64) []byte { return binary.BigEndian.AppendUint64(b, v) }
func appendU32(b []byte, v uint32) []byte { return binary.BigEndian.AppendUint32(b, v) }

// blockKey: 'B' height(4)
func blockKey(b []byte, height int32) []byte {
	return appendU32(append(b, tBlock), uint32(height))
}

// txKey: 'T' node(8), where node is TxID.Node() for the transaction record
// and OutPoint.Node() for the spender of that output.
func nodeKey(b []byte, node int64) []byte {
	return appendU64(append(b, tTx), uint64(node))
}

// hashKey: 'H' txid(32) TxID(8)
func hashKey(b []byte, h *chainhash.Hash, id chain.TxID) []byte {
	b = append(append(b, tHash), h[:]...)
	return appendU64(b, uint64(id))
}

// addrKey: 'A' address(1+20|32) TxID(8) dir(1) index(4)
func addrKey(b []byte, a chain.Address, id chain.TxID, dir byte, index uint32) []byte {
	b = a.AppendKey(append(b, tAddr))
	b = append(appendU64(b, uint64(id)), dir)
	return appendU32(b, index)
}

func addrPrefix(b []byte, a chain.Address) []byte { return a.AppendKey(append(b, tAddr)) }

// pendingKey: 'U' TxID(8) vin(4)
func pendingKey(b []byte, id chain.TxID, vin uint32) []byte {
	return appendU32(appendU64(append(b, tPending), uint64(id)), vin)
}

// keyError reports a key that does not decode: a corrupt store, never a
// caller's mistake.
type keyError struct {
	table byte
	key   []byte
}

func (e *keyError) Error() string {
	return fmt.Sprintf("store: corrupt %c key %x", e.table, e.key)
}

func decodeBlockKey(k []byte) (int32, error) {
	if len(k) != 5 || k[0] != tBlock {
		return 0, &keyError{tBlock, k}
	}
	return int32(binary.BigEndian.Uint32(k[1:])), nil
}

func decodeNodeKey(k []byte) (int64, error) {
	if len(k) != 9 || k[0] != tTx || k[1]&0x80 != 0 {
		return 0, &keyError{tTx, k}
	}
	return int64(binary.BigEndian.Uint64(k[1:])), nil
}

func decodeHashKey(k []byte) (chainhash.Hash, chain.TxID, error) {
	var h chainhash.Hash
	if len(k) != 41 || k[0] != tHash || k[33]&0x80 != 0 {
		return h, 0, &keyError{tHash, k}
	}
	copy(h[:], k[1:33])
	return h, chain.TxID(binary.BigEndian.Uint64(k[33:])), nil
}

type addrEntry struct {
	addr  chain.Address
	tx    chain.TxID
	dir   byte
	index uint32
}

func decodeAddrKey(k []byte) (addrEntry, error) {
	var e addrEntry
	if len(k) < 2 || k[0] != tAddr {
		return e, &keyError{tAddr, k}
	}
	a, n, err := chain.AddressFromKey(k[1:])
	if err != nil || len(k) != 1+n+13 || k[1+n]&0x80 != 0 || k[1+n+8] > dirReceive {
		return e, &keyError{tAddr, k}
	}
	rest := k[1+n:]
	e.addr = a
	e.tx = chain.TxID(binary.BigEndian.Uint64(rest))
	e.dir = rest[8]
	e.index = binary.BigEndian.Uint32(rest[9:])
	return e, nil
}

func decodePendingKey(k []byte) (chain.TxID, uint32, error) {
	if len(k) != 13 || k[0] != tPending || k[1]&0x80 != 0 {
		return 0, 0, &keyError{tPending, k}
	}
	return chain.TxID(binary.BigEndian.Uint64(k[1:])), binary.BigEndian.Uint32(k[9:]), nil
}
