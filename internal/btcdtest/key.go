package btcdtest

import (
	"bytes"
	"crypto/sha256"
	"fmt"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/btcec/v2/schnorr"
	"github.com/btcsuite/btcd/btcutil"
	"github.com/btcsuite/btcd/chaincfg"
	"github.com/btcsuite/btcd/txscript"

	"github.com/plumetrace/plume/chain"
)

// Key is a deterministic private key for tests, with the scripts that
// pay it. Everything a test derives from it (addresses, signatures, since
// btcec signs deterministically) is the same in every run.
type Key struct {
	Priv *btcec.PrivateKey
}

// TestKey returns test key i: the private key SHA-256("plume btcdtest
// key <i>").
func TestKey(i int) Key {
	seed := sha256.Sum256(fmt.Appendf(nil, "plume btcdtest key %d", i))
	priv, _ := btcec.PrivKeyFromBytes(seed[:])
	return Key{Priv: priv}
}

// Kinds lists the script kinds a Key can be paid with and can sign for.
var Kinds = []chain.Kind{chain.KindP2PKH, chain.KindP2WPKH, chain.KindP2TR}

// address returns k's regtest address of kind.
func (k Key) address(kind chain.Kind) (btcutil.Address, error) {
	pub := k.Priv.PubKey()
	net := &chaincfg.RegressionNetParams
	switch kind {
	case chain.KindP2PKH:
		return btcutil.NewAddressPubKeyHash(btcutil.Hash160(pub.SerializeCompressed()), net)
	case chain.KindP2WPKH:
		return btcutil.NewAddressWitnessPubKeyHash(btcutil.Hash160(pub.SerializeCompressed()), net)
	case chain.KindP2TR:
		// A key-path-only output commits to the key tweaked with no
		// script tree (BIP 86), which is what a wallet's P2TR address is.
		return btcutil.NewAddressTaproot(schnorr.SerializePubKey(txscript.ComputeTaprootKeyNoScript(pub)), net)
	}
	return nil, fmt.Errorf("btcdtest: keys cannot be paid with %v scripts", kind)
}

// Address returns k's regtest address of kind (P2PKH, P2WPKH or P2TR) as
// text, e.g. for btcd's --miningaddr. It panics on another kind.
func (k Key) Address(kind chain.Kind) string {
	a, err := k.address(kind)
	if err != nil {
		panic(err)
	}
	return a.EncodeAddress()
}

// Script returns the output script that pays k with kind (P2PKH, P2WPKH
// or P2TR). It panics on another kind.
func (k Key) Script(kind chain.Kind) []byte {
	a, err := k.address(kind)
	if err != nil {
		panic(err)
	}
	s, err := txscript.PayToAddrScript(a)
	if err != nil {
		panic(err)
	}
	return s
}

// Owns reports whether script pays k, and with which kind.
func (k Key) Owns(script []byte) (chain.Kind, bool) {
	for _, kind := range Kinds {
		if bytes.Equal(script, k.Script(kind)) {
			return kind, true
		}
	}
	return chain.KindNone, false
}
