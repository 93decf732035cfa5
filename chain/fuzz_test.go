package chain_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/plumetrace/plume/chain"
)

// fuzzNetworks are the networks FuzzParse parses for: Bitcoin's, and the
// CashAddr and Monacoin parameter sets that exercise the other code paths.
func fuzzNetworks() []*chain.Params { return append(chain.Networks(), bch, mona) }

func FuzzParse(f *testing.F) {
	for _, v := range addrVectors {
		f.Add(v.text)
	}
	for _, s := range []string{
		"", " ", ":", "1", "bc1", "none:", "p2pkh:", "bitcoincash:", "qr6m7j9njldwwzlg9v7v53unlr4jkmx6eylep8ekg2",
		"QR6M7J9NJLDWWZLG9V7V53UNLR4JKMX6EYLEP8EKG2", "1PQPheJQSauxRPTxzNMUco1XmoCyPoEJCp",
		"bitcoincash:ppm2qsznhks23z7629mms6s4cwef74vcwvn0h829pq", "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy",
		"bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqh2y7hd", "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kemeawh",
		"BC130XLXVLHEMJA6C4DQV22UAPCTQUPFHLXM9H8Z3K2E72Q4K9HCZ7VQ7ZWS8R", "bc1pw5dgrnzv", "bc1gmk9yu",
		"tb1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq47Zagq",
		"p2wsh:0000000000000000000000000000000000000000000000000000000000000000",
		"P2TR:79BE667EF9DCBBAC55A06295CE870B07029BFCDB2DCE28D959F2815B16F81798",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, p := range fuzzNetworks() {
			a, err := p.Parse(s)
			if err != nil {
				var ae *chain.AddressError
				if !errors.As(err, &ae) || ae.Input != s || ae.Network != p.Name {
					t.Fatalf("%s: Parse(%q): error %#v is not an AddressError for this input", p.Name, s, err)
				}
				if errors.Is(err, chain.ErrBadAddress) == errors.Is(err, chain.ErrWrongNetwork) {
					t.Fatalf("%s: Parse(%q): %v wraps neither or both sentinels", p.Name, s, err)
				}
				continue
			}
			if a.IsZero() {
				t.Fatalf("%s: Parse(%q) accepted the zero Address", p.Name, s)
			}
			if n := a.Kind.HashLen(); !bytes.Equal(a.Hash[n:], make([]byte, 32-n)) {
				t.Fatalf("%s: Parse(%q) = %v with bytes set past HashLen", p.Name, s, a)
			}
			text := p.Format(a)
			back, err := p.Parse(text)
			if err != nil || back != a {
				t.Fatalf("%s: Parse(%q) = %v, Format = %q, which parses to %v, %v", p.Name, s, a, text, back, err)
			}
			if back, err := p.Parse(a.String()); err != nil || back != a {
				t.Fatalf("%s: key form %q parses to %v, %v; want %v", p.Name, a.String(), back, err, a)
			}
		}
	})
}

func FuzzAddressKey(f *testing.F) {
	for _, a := range sampleAddresses(f) {
		f.Add(a.AppendKey(nil))
		f.Add(a.AppendKey(nil)[:a.KeyLen()-1])
	}
	f.Add([]byte{})
	f.Add([]byte{0})
	f.Add([]byte{9, 1, 2, 3})
	f.Fuzz(func(t *testing.T, key []byte) {
		a, n, err := chain.AddressFromKey(key)
		if err != nil {
			if !a.IsZero() || n != 0 {
				t.Fatalf("AddressFromKey(%x) = %v, %d with error %v", key, a, n, err)
			}
			return
		}
		if a.IsZero() || n != a.KeyLen() || n > len(key) {
			t.Fatalf("AddressFromKey(%x) = %v, %d", key, a, n)
		}
		if got := a.AppendKey(nil); !bytes.Equal(got, key[:n]) {
			t.Fatalf("AddressFromKey(%x) = %v, whose key is %x", key, a, got)
		}
		if n := a.Kind.HashLen(); !bytes.Equal(a.Hash[n:], make([]byte, 32-n)) {
			t.Fatalf("AddressFromKey(%x) = %v with bytes set past HashLen", key, a)
		}
	})
}
