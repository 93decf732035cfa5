package sim

import (
	"bytes"
	"testing"

	"github.com/btcsuite/btcd/btcec/v2/schnorr"
	"github.com/btcsuite/btcd/txscript"
)

// TestKeyring checks the batched derivation (point additions sharing one
// inversion) against btcec's own scalar multiplication of each private key,
// across batch boundaries.
func TestKeyring(t *testing.T) {
	k := newKeyring(42)
	k.take(keyBatch*2 + 10)
	for _, i := range []int{0, 1, 2, keyBatch - 1, keyBatch, keyBatch + 1, 2*keyBatch + 9} {
		want := k.priv(i).PubKey().SerializeCompressed()
		if got := k.pub(i); !bytes.Equal(got, want) {
			t.Errorf("key %d: derived %x, want %x", i, got, want)
		}
	}
	for i := range 20 {
		want := schnorr.SerializePubKey(txscript.ComputeTaprootKeyNoScript(k.priv(i).PubKey()))
		if got := k.taprootKey(i); !bytes.Equal(got[:], want) {
			t.Errorf("taproot key %d: %x, want %x", i, got, want)
		}
	}
	if bytes.Equal(newKeyring(1).priv(0).Serialize(), newKeyring(2).priv(0).Serialize()) {
		t.Error("seeds 1 and 2 give the same key")
	}
}
