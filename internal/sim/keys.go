package sim

import (
	"crypto/sha256"
	"encoding/binary"
	"math/rand/v2"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/btcutil"
	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/txscript"
	"github.com/btcsuite/btcd/wire"

	"github.com/plumetrace/plume/chain"
)

// keyring derives the simulation's keys: private key i is k0 + i, k0 a
// hash of the seed, so every key is a function of the seed and its index
// alone. Consecutive keys are unsafe for real money and right for a
// simulation: public key i+1 is public key i plus the generator, one point
// addition, and a batch of them shares one field inversion (Montgomery's
// trick), about 2 µs a key where a scalar multiplication per key costs 35
// µs, the largest single cost of a simulation before.
type keyring struct {
	k0   btcec.ModNScalar
	cur  btcec.JacobianPoint // (k0 + len(pubs))·G
	g    btcec.JacobianPoint
	pubs [][33]byte // compressed public keys derived so far
	next int        // keys handed out
}

const keyBatch = 1024

func newKeyring(seed uint64) *keyring {
	var b [8 + 4]byte
	binary.LittleEndian.PutUint64(b[:], seed)
	copy(b[8:], "keys")
	h := sha256.Sum256(b[:])
	k := &keyring{}
	k.k0.SetBytes(&h)
	btcec.ScalarBaseMultNonConst(&k.k0, &k.cur)
	btcec.GeneratorJacobian(&k.g)
	return k
}

// priv returns private key i.
func (k *keyring) priv(i int) *btcec.PrivateKey {
	var d btcec.ModNScalar
	d.SetInt(uint32(i))
	d.Add(&k.k0)
	return btcec.PrivKeyFromScalar(&d)
}

// take hands out n consecutive keys and returns the first one's index.
func (k *keyring) take(n int) int {
	i := k.next
	k.next += n
	if k.next > len(k.pubs) {
		k.derive(k.next + keyBatch)
	}
	return i
}

// derive extends pubs to upTo keys.
func (k *keyring) derive(upTo int) {
	from := len(k.pubs)
	n := upTo - from
	k.pubs = append(k.pubs, make([][33]byte, n)...)
	pts := make([]btcec.JacobianPoint, n)
	prefix := make([]btcec.FieldVal, n) // product of the Zs before each point
	var acc btcec.FieldVal
	acc.SetInt(1)
	for i := range pts {
		pts[i] = k.cur
		btcec.AddNonConst(&k.cur, &k.g, &k.cur)
		prefix[i].Set(&acc)
		acc.Mul(&pts[i].Z)
	}
	acc.Inverse() // 1/(Z_0 … Z_n-1)
	var zInv, z2 btcec.FieldVal
	for i := n - 1; i >= 0; i-- {
		p := &pts[i]
		zInv.Set(&acc).Mul(&prefix[i]) // 1/Z_i
		acc.Mul(&p.Z)                  // 1/(Z_0 … Z_i-1)
		z2.SquareVal(&zInv)
		p.X.Mul(&z2).Normalize()
		p.Y.Mul(z2.Mul(&zInv)).Normalize()
		pub := &k.pubs[from+i]
		pub[0] = 0x02
		if p.Y.IsOdd() {
			pub[0] = 0x03
		}
		p.X.PutBytesUnchecked(pub[1:])
	}
}

// taprootKey returns the BIP 86 output key of key i (a key-path-only
// taproot output): Q = P + H_TapTweak(x(P))·G with P of even Y. With the
// private key at hand that is one scalar multiplication, (±k + t)·G, and no
// square root to recover P's Y from its compressed form.
func (k *keyring) taprootKey(i int) [32]byte {
	pub := k.pub(i)
	var d, t btcec.ModNScalar
	d.SetInt(uint32(i))
	d.Add(&k.k0)
	if pub[0] == 0x03 {
		d.Negate()
	}
	t.SetBytes((*[32]byte)(chainhash.TaggedHash(chainhash.TagTapTweak, pub[1:])))
	d.Add(&t)
	var q btcec.JacobianPoint
	btcec.ScalarBaseMultNonConst(&d, &q)
	q.ToAffine()
	return *q.X.Bytes()
}

// pub returns the compressed public key i.
func (k *keyring) pub(i int) []byte { return k.pubs[i][:] }

// address is a receiving address the simulation made: its script, the
// key (or, for a 2-of-3 P2WSH, the first of three consecutive keys) that
// spends it, and its owner.
type address struct {
	script []byte
	key    int32
	owner  int32 // wallet index
	// kind is the script's kind; a P2SH address is always a nested P2WPKH.
	kind chain.Kind
}

// makeScript returns the output script of an address of kind spent by key
// i (keys i, i+1, i+2 for P2WSH 2-of-3 multisig).
func (k *keyring) makeScript(kind chain.Kind, i int) []byte {
	pub := k.pub(i)
	switch kind {
	case chain.KindP2PKH:
		return chain.Address{Kind: kind, Hash: h20(btcutil.Hash160(pub))}.Script()
	case chain.KindP2WPKH:
		return chain.Address{Kind: kind, Hash: h20(btcutil.Hash160(pub))}.Script()
	case chain.KindP2SH:
		// Only nested segwit is made: P2SH-P2WPKH, as wallets of 2018 did.
		return chain.Address{Kind: kind, Hash: h20(btcutil.Hash160(p2wpkhRedeem(pub)))}.Script()
	case chain.KindP2TR:
		return chain.Address{Kind: kind, Hash: k.taprootKey(i)}.Script()
	case chain.KindP2WSH:
		ws := multisig2of3(k.pub(i), k.pub(i+1), k.pub(i+2))
		return chain.Address{Kind: kind, Hash: sha256.Sum256(ws)}.Script()
	}
	panic("sim: no script for kind " + kind.String())
}

func h20(b []byte) (h [32]byte) {
	copy(h[:], b)
	return h
}

// p2wpkhRedeem returns the redeem script of a P2SH-P2WPKH address.
func p2wpkhRedeem(pub []byte) []byte {
	return append([]byte{txscript.OP_0, txscript.OP_DATA_20}, btcutil.Hash160(pub)...)
}

func multisig2of3(a, b, c []byte) []byte {
	s := []byte{txscript.OP_2}
	for _, p := range [][]byte{a, b, c} {
		s = append(s, txscript.OP_DATA_33)
		s = append(s, p...)
	}
	return append(s, txscript.OP_3, txscript.OP_CHECKMULTISIG)
}

// keysFor returns how many keys an address of kind uses.
func keysFor(kind chain.Kind) int {
	if kind == chain.KindP2WSH {
		return 3
	}
	return 1
}

// spend fills in the input's scriptSig and witness as the owner's wallet
// would, with the real public keys and redeem or witness scripts but
// signatures of the right shape and random content: btcd's importer does
// not verify scripts, and real signing would triple the simulation's cost.
func (k *keyring) spend(in *wire.TxIn, a *address, rng *rand.Rand) {
	pub := k.pub(int(a.key))
	switch a.kind {
	case chain.KindP2PKH:
		in.SignatureScript = pushes(fakeDER(rng), pub)
	case chain.KindP2WPKH:
		in.Witness = wire.TxWitness{fakeDER(rng), pub}
	case chain.KindP2SH:
		in.SignatureScript = pushes(p2wpkhRedeem(pub))
		in.Witness = wire.TxWitness{fakeDER(rng), pub}
	case chain.KindP2TR:
		sig := make([]byte, 64)
		fill(rng, sig)
		in.Witness = wire.TxWitness{sig}
	case chain.KindP2WSH:
		ws := multisig2of3(pub, k.pub(int(a.key)+1), k.pub(int(a.key)+2))
		in.Witness = wire.TxWitness{nil, fakeDER(rng), fakeDER(rng), ws}
	}
}

// pushes returns a script pushing each item (all shorter than 76 bytes).
func pushes(items ...[]byte) []byte {
	var s []byte
	for _, it := range items {
		s = append(s, byte(len(it)))
		s = append(s, it...)
	}
	return s
}

// fakeDER returns a strictly DER-encoded ECDSA signature with low S and
// SIGHASH_ALL, 71 or 72 bytes like real ones, of random r and s.
func fakeDER(rng *rand.Rand) []byte {
	var r, s [32]byte
	fill(rng, r[:])
	fill(rng, s[:])
	r[0] |= 0x01 // no leading zero byte to strip
	s[0] = s[0]&0x3f | 0x01
	rb := r[:]
	if r[0] >= 0x80 {
		rb = append([]byte{0}, rb...)
	}
	sig := make([]byte, 0, 73)
	sig = append(sig, 0x30, byte(4+len(rb)+len(s)), 0x02, byte(len(rb)))
	sig = append(sig, rb...)
	sig = append(sig, 0x02, byte(len(s)))
	sig = append(sig, s[:]...)
	return append(sig, byte(txscript.SigHashAll))
}

func fill(rng *rand.Rand, b []byte) {
	for i := 0; i < len(b); i += 8 {
		var w [8]byte
		binary.LittleEndian.PutUint64(w[:], rng.Uint64())
		copy(b[i:], w[:])
	}
}

// Estimated virtual sizes, for fees: per input by the kind of the output
// it spends, per output by its kind, and the transaction's fixed part.
func inputVSize(a *address) int {
	switch a.kind {
	case chain.KindP2PKH:
		return 148
	case chain.KindP2WPKH:
		return 68
	case chain.KindP2SH:
		return 91
	case chain.KindP2TR:
		return 58
	case chain.KindP2WSH:
		return 105
	}
	return 148
}

func outputVSize(kind chain.Kind) int {
	switch kind {
	case chain.KindP2PKH:
		return 34
	case chain.KindP2WPKH:
		return 31
	case chain.KindP2SH:
		return 32
	}
	return 43
}

const txOverhead = 11
