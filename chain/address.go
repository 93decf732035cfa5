package chain

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	"github.com/btcsuite/btcd/btcutil"
	"github.com/btcsuite/btcd/txscript"
)

// Kind is the kind of script an Address stands for.
type Kind uint8

// The kinds of Address. The numeric values are stored on disk; never
// renumber them.
const (
	KindNone        Kind = iota // the zero Address
	KindP2PKH                   // pay to pubkey hash, and pay to pubkey shown as its P2PKH address
	KindP2SH                    // pay to script hash
	KindP2WPKH                  // segwit v0 key hash
	KindP2WSH                   // segwit v0 script hash
	KindP2TR                    // segwit v1 taproot
	KindMultisig                // bare multisig, keyed by the script's SHA-256
	KindOpReturn                // OP_RETURN data carrier, keyed by the script's SHA-256
	KindNonstandard             // anything else, keyed by the script's SHA-256
	numKinds
)

var kindNames = [numKinds]string{"none", "p2pkh", "p2sh", "p2wpkh", "p2wsh", "p2tr", "multisig", "op_return", "nonstandard"}

// String returns the kind's short lower-case name.
func (k Kind) String() string {
	if k < numKinds {
		return kindNames[k]
	}
	return fmt.Sprintf("kind(%d)", uint8(k))
}

// HashLen returns how many bytes of an Address's hash are significant for
// k: 20 for the hash160 kinds, 32 for the others, 0 for KindNone.
func (k Kind) HashLen() int {
	switch k {
	case KindP2PKH, KindP2SH, KindP2WPKH:
		return 20
	case KindNone:
		return 0
	}
	return 32
}

// Address identifies who can spend an output: a Kind and a hash of up to 32
// bytes (only the first Kind.HashLen bytes are used; the rest are zero). It
// is comparable, so it serves as a map key, and does not depend on the
// network.
type Address struct {
	Kind Kind
	Hash [32]byte
}

// IsZero reports whether a is the zero Address (no kind).
func (a Address) IsZero() bool { return a.Kind == KindNone }

// Bytes returns the significant bytes of the hash.
func (a Address) Bytes() []byte { return a.Hash[:a.Kind.HashLen()] }

// String returns the network-free form "<kind>:<hex hash>", which
// Params.Parse accepts for every network. Use Params.Format for the form
// people know.
func (a Address) String() string {
	return a.Kind.String() + ":" + hex.EncodeToString(a.Bytes())
}

// AppendKey appends a's binary key: the kind byte then its HashLen bytes.
// Keys of different kinds never collide and sort by kind, then hash.
func (a Address) AppendKey(dst []byte) []byte {
	dst = append(dst, byte(a.Kind))
	return append(dst, a.Bytes()...)
}

// KeyLen returns the length of a's binary key.
func (a Address) KeyLen() int { return 1 + a.Kind.HashLen() }

// AddressFromKey decodes a key written by AppendKey and returns the Address
// and the number of bytes it used.
func AddressFromKey(key []byte) (Address, int, error) {
	if len(key) == 0 {
		return Address{}, 0, fmt.Errorf("chain: empty address key")
	}
	k := Kind(key[0])
	if k == KindNone || k >= numKinds {
		return Address{}, 0, fmt.Errorf("chain: address key has unknown kind %d", key[0])
	}
	n := k.HashLen()
	if len(key) < 1+n {
		return Address{}, 0, fmt.Errorf("chain: address key of kind %s is %d bytes, want %d", k, len(key), 1+n)
	}
	a := Address{Kind: k}
	copy(a.Hash[:], key[1:1+n])
	return a, 1 + n, nil
}

func hashAddress(k Kind, h []byte) Address {
	a := Address{Kind: k}
	copy(a.Hash[:], h)
	return a
}

func scriptHashAddress(k Kind, script []byte) Address {
	return Address{Kind: k, Hash: sha256.Sum256(script)}
}

// AddressOf returns the Address that can spend an output with this
// pkScript. Every script has one: standard templates map to their address,
// pay-to-pubkey to the P2PKH address of its key, and everything else to a
// script-hash kind.
//
// The common templates are matched byte by byte because this runs for every
// output and every spent output at ingest; txscript decides the rarer
// multisig and OP_RETURN forms, where its parser is the reference.
func AddressOf(script []byte) Address {
	switch n := len(script); {
	case n == 22 && script[0] == txscript.OP_0 && script[1] == txscript.OP_DATA_20:
		return hashAddress(KindP2WPKH, script[2:])
	case n == 34 && script[0] == txscript.OP_0 && script[1] == txscript.OP_DATA_32:
		return hashAddress(KindP2WSH, script[2:])
	case n == 34 && script[0] == txscript.OP_1 && script[1] == txscript.OP_DATA_32:
		return hashAddress(KindP2TR, script[2:])
	case n == 25 && script[0] == txscript.OP_DUP && script[1] == txscript.OP_HASH160 &&
		script[2] == txscript.OP_DATA_20 && script[23] == txscript.OP_EQUALVERIFY &&
		script[24] == txscript.OP_CHECKSIG:
		return hashAddress(KindP2PKH, script[3:23])
	case n == 23 && script[0] == txscript.OP_HASH160 && script[1] == txscript.OP_DATA_20 &&
		script[22] == txscript.OP_EQUAL:
		return hashAddress(KindP2SH, script[2:22])
	case n == 35 && script[0] == txscript.OP_DATA_33 && script[34] == txscript.OP_CHECKSIG &&
		(script[1] == 0x02 || script[1] == 0x03):
		return hashAddress(KindP2PKH, btcutil.Hash160(script[1:34]))
	case n == 67 && script[0] == txscript.OP_DATA_65 && script[66] == txscript.OP_CHECKSIG &&
		(script[1] == 0x04 || script[1] == 0x06 || script[1] == 0x07):
		return hashAddress(KindP2PKH, btcutil.Hash160(script[1:66]))
	}
	switch txscript.GetScriptClass(script) {
	case txscript.MultiSigTy:
		return scriptHashAddress(KindMultisig, script)
	case txscript.NullDataTy:
		return scriptHashAddress(KindOpReturn, script)
	}
	if len(script) > 0 && script[0] == txscript.OP_RETURN {
		// Oversized or oddly pushed data carriers are still unspendable
		// OP_RETURN outputs; explorers group them so.
		return scriptHashAddress(KindOpReturn, script)
	}
	return scriptHashAddress(KindNonstandard, script)
}

// Script returns the pkScript that pays a, for the kinds where the address
// determines it (P2PKH, P2SH, P2WPKH, P2WSH, P2TR), and nil otherwise.
func (a Address) Script() []byte {
	h := a.Bytes()
	switch a.Kind {
	case KindP2PKH:
		s := []byte{txscript.OP_DUP, txscript.OP_HASH160, txscript.OP_DATA_20}
		s = append(s, h...)
		return append(s, txscript.OP_EQUALVERIFY, txscript.OP_CHECKSIG)
	case KindP2SH:
		s := append([]byte{txscript.OP_HASH160, txscript.OP_DATA_20}, h...)
		return append(s, txscript.OP_EQUAL)
	case KindP2WPKH:
		return append([]byte{txscript.OP_0, txscript.OP_DATA_20}, h...)
	case KindP2WSH:
		return append([]byte{txscript.OP_0, txscript.OP_DATA_32}, h...)
	case KindP2TR:
		return append([]byte{txscript.OP_1, txscript.OP_DATA_32}, h...)
	}
	return nil
}
