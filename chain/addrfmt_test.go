package chain_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/btcsuite/btcd/btcutil"
	"github.com/btcsuite/btcd/btcutil/base58"
	"github.com/btcsuite/btcd/chaincfg"
	"github.com/plumetrace/plume/chain"
)

var (
	mainnet  = []*chain.Params{chain.Mainnet}
	testnets = []*chain.Params{chain.Testnet3, chain.Testnet4, chain.Signet}
	// Regtest shares the testnets' base58 version bytes, not their HRP.
	base58Testnets = []*chain.Params{chain.Testnet3, chain.Testnet4, chain.Signet, chain.Regtest}
	regtest        = []*chain.Params{chain.Regtest}
)

// bch is Bitcoin Cash as a Params value: Bitcoin's version bytes, CashAddr
// as the written form, no segwit.
var bch = &chain.Params{Name: "bch", Coin: "BCH", PubKeyHashAddrID: 0, ScriptHashAddrID: 5, CashAddrPrefix: "bitcoincash"}

// mona is Monacoin as a Params value: its own version bytes, P2SH moved
// from 5 to 55, segwit under "mona".
var mona = &chain.Params{Name: "monacoin", Coin: "MONA", PubKeyHashAddrID: 50, ScriptHashAddrID: 55, LegacyScriptHashAddrID: 5, Bech32HRP: "mona"}

// addrVectors are public addresses with the scriptPubKey they stand for:
// BIP 173 and BIP 350 test vectors, well-known mainnet addresses, the
// addresses of the early-block peel chain and of the Zaif theft.
var addrVectors = []struct {
	nets   []*chain.Params
	text   string
	script string
}{
	{mainnet, "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", "76a91462e907b15cbf27d5425399ebf6f0fb50ebb88f1888ac"},
	{mainnet, "12cbQLTFMXRnSzktFkuoG3eHoMeFtpTu3S", "76a91411b366edfc0a8b66feebae5c2e25a7b6a5d1cf3188ac"},
	{mainnet, "1Q2TWHE3GMdB6BZKafqwxXtWAWgFt5Jvm3", "76a914fc916f213a3d7f1369313d5fa30f6168f9446a2d88ac"},
	{mainnet, "1FmwHh6pgkf4meCMoqo8fHH3GNRF571f9w", "76a914a211616530e6501b49804c451cc9d26507b5294888ac"},
	{mainnet, "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy", "a914b472a266d0bd89c13706a4132ccfb16f7c3b9fcb87"},
	{mainnet, "BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4", "0014751e76e8199196d454941c45d1b3a323f1433bd6"},
	{mainnet, "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4", "0014751e76e8199196d454941c45d1b3a323f1433bd6"},
	{mainnet, "bc1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3qccfmv3", "00201863143c14c5166804bd19203356da136c985678cd4d27a1b8c6329604903262"},
	{mainnet, "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0", "512079be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"},
	{mainnet, "bc1pw508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7kt5nd6y", "5128751e76e8199196d454941c45d1b3a323f1433bd6751e76e8199196d454941c45d1b3a323f1433bd6"},
	{mainnet, "BC1SW50QGDZ25J", "6002751e"},
	{mainnet, "bc1zw508d6qejxtdg4y5r3zarvaryvaxxpcs", "5210751e76e8199196d454941c45d1b3a323"},
	{base58Testnets, "mipcBbFg9gMiCh81Kj8tqqdgoZub1ZJRfn", "76a914243f1394f44554f4ce3fd68649c19adc483ce92488ac"},
	{base58Testnets, "2MzQwSSnBHWHqSAqtTVQ6v47XtaisrJa1Vc", "a9144e9f39ca4688ff102128ea4ccda34105324305b087"},
	{testnets, "tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sl5k7", "00201863143c14c5166804bd19203356da136c985678cd4d27a1b8c6329604903262"},
	{testnets, "tb1qqqqqp399et2xygdj5xreqhjjvcmzhxw4aywxecjdzew6hylgvsesrxh6hy", "0020000000c4a5cad46221b2a187905e5266362b99d5e91c6ce24d165dab93e86433"},
	{testnets, "tb1pqqqqp399et2xygdj5xreqhjjvcmzhxw4aywxecjdzew6hylgvsesf3hn0c", "5120000000c4a5cad46221b2a187905e5266362b99d5e91c6ce24d165dab93e86433"},
	{regtest, "bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080", "0014751e76e8199196d454941c45d1b3a323f1433bd6"},
	{regtest, "bcrt1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqc8gma6", "512079be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"},
	{[]*chain.Params{mona}, "MBEYH8JuAHynTA7unLjon7p7im2U9JbitV", "76a9142492af21ef1d07d85804d7c50597f68a4570a7fb88ac"},
	{[]*chain.Params{bch}, "bitcoincash:qr6m7j9njldwwzlg9v7v53unlr4jkmx6eylep8ekg2", "76a914f5bf48b397dae70be82b3cca4793f8eb2b6cdac988ac"},
	{[]*chain.Params{bch}, "bitcoincash:qrn0jwaq3at5hhxsne8gmg5uemudl57r05pdzu2nyd", "76a914e6f93ba08f574bdcd09e4e8da29ccef8dfd3c37d88ac"},
}

func TestParseFormat(t *testing.T) {
	for _, v := range addrVectors {
		want := chain.AddressOf(mustHex(t, v.script))
		for _, p := range v.nets {
			t.Run(p.Name+"/"+v.text, func(t *testing.T) {
				got, err := p.Parse(v.text)
				if err != nil {
					t.Fatal(err)
				}
				if got != want {
					t.Fatalf("Parse = %v, want %v", got, want)
				}
				text := p.Format(got)
				switch got.Kind {
				case chain.KindNonstandard:
					// Future witness versions have no kind of their own and
					// are written in the key form.
					if text != got.String() {
						t.Errorf("Format = %s, want %s", text, got.String())
					}
				default:
					if canonical := canonicalText(v.text); text != canonical {
						t.Errorf("Format = %s, want %s", text, canonical)
					}
				}
				back, err := p.Parse(text)
				if err != nil || back != got {
					t.Errorf("Parse(Format) = %v, %v; want %v", back, err, got)
				}
			})
		}
	}
}

// canonicalText is how Format writes an address: bech32 in lower case,
// base58 as it is.
func canonicalText(s string) string {
	if strings.ToUpper(s) == s {
		return strings.ToLower(s)
	}
	return s
}

// TestFormatMatchesBtcutil compares Format with btcd's encoder on every
// network for every kind btcutil can write.
func TestFormatMatchesBtcutil(t *testing.T) {
	cfg := map[string]*chaincfg.Params{
		"mainnet":  &chaincfg.MainNetParams,
		"testnet3": &chaincfg.TestNet3Params,
		"testnet4": &chaincfg.TestNet4Params,
		"signet":   &chaincfg.SigNetParams,
		"regtest":  &chaincfg.RegressionNetParams,
	}
	for _, p := range chain.Networks() {
		for _, a := range sampleAddresses(t)[:5] {
			t.Run(p.Name+"/"+a.Kind.String(), func(t *testing.T) {
				want := btcutilAddress(t, a, cfg[p.Name])
				if got := p.Format(a); got != want {
					t.Errorf("Format = %s, btcutil says %s", got, want)
				}
				back, err := p.Parse(want)
				if err != nil || back != a {
					t.Errorf("Parse(%s) = %v, %v; want %v", want, back, err, a)
				}
			})
		}
	}
	// A new coin is only a parameter: btcutil with Monacoin's values agrees.
	monaCfg := &chaincfg.Params{PubKeyHashAddrID: 50, ScriptHashAddrID: 55, Bech32HRPSegwit: "mona"}
	for _, a := range sampleAddresses(t)[:5] {
		t.Run("monacoin/"+a.Kind.String(), func(t *testing.T) {
			if got, want := mona.Format(a), btcutilAddress(t, a, monaCfg); got != want {
				t.Errorf("Format = %s, btcutil says %s", got, want)
			}
		})
	}
}

func btcutilAddress(t testing.TB, a chain.Address, cfg *chaincfg.Params) string {
	t.Helper()
	var (
		addr btcutil.Address
		err  error
	)
	switch a.Kind {
	case chain.KindP2PKH:
		addr, err = btcutil.NewAddressPubKeyHash(a.Bytes(), cfg)
	case chain.KindP2SH:
		addr, err = btcutil.NewAddressScriptHashFromHash(a.Bytes(), cfg)
	case chain.KindP2WPKH:
		addr, err = btcutil.NewAddressWitnessPubKeyHash(a.Bytes(), cfg)
	case chain.KindP2WSH:
		addr, err = btcutil.NewAddressWitnessScriptHash(a.Bytes(), cfg)
	case chain.KindP2TR:
		addr, err = btcutil.NewAddressTaproot(a.Bytes(), cfg)
	default:
		t.Fatalf("btcutil cannot write %v", a.Kind)
	}
	if err != nil {
		t.Fatal(err)
	}
	return addr.EncodeAddress()
}

// TestParseKeyForm checks the network-free "<kind>:<hex>" form of every
// kind on every network.
func TestParseKeyForm(t *testing.T) {
	nets := append(chain.Networks(), bch, mona)
	for _, p := range nets {
		for _, a := range sampleAddresses(t) {
			for _, text := range []string{a.String(), strings.ToUpper(a.String())} {
				t.Run(p.Name+"/"+text, func(t *testing.T) {
					got, err := p.Parse(text)
					if err != nil {
						t.Fatal(err)
					}
					if got != a {
						t.Errorf("Parse = %v, want %v", got, a)
					}
				})
			}
		}
	}
	t.Run("script-hash kinds are written in the key form", func(t *testing.T) {
		for _, a := range sampleAddresses(t)[5:] {
			for _, p := range nets {
				if got := p.Format(a); got != a.String() {
					t.Errorf("%s: Format(%v) = %s", p.Name, a.Kind, got)
				}
			}
		}
	})
	t.Run("segwit on a network without segwit", func(t *testing.T) {
		for _, a := range sampleAddresses(t)[2:5] {
			if got := bch.Format(a); got != a.String() {
				t.Errorf("Format(%v) = %s, want the key form", a.Kind, got)
			}
		}
	})
}

func TestParseErrors(t *testing.T) {
	// A base58check string with a 21-byte payload and one with a version
	// byte no network uses (Litecoin's 0x30).
	long := base58.CheckEncode(make([]byte, 21), 0)
	litecoin := base58.CheckEncode(mustHex(t, "62e907b15cbf27d5425399ebf6f0fb50ebb88f18"), 0x30)
	for _, tc := range []struct {
		name    string
		p       *chain.Params
		in      string
		want    error
		mention string // what the message must name, for people
	}{
		{"testnet p2pkh on mainnet", chain.Mainnet, "mipcBbFg9gMiCh81Kj8tqqdgoZub1ZJRfn", chain.ErrWrongNetwork, "testnet"},
		{"testnet p2sh on mainnet", chain.Mainnet, "2MzQwSSnBHWHqSAqtTVQ6v47XtaisrJa1Vc", chain.ErrWrongNetwork, "testnet"},
		{"testnet bech32 on mainnet", chain.Mainnet, "tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sl5k7", chain.ErrWrongNetwork, "testnet"},
		{"testnet taproot on mainnet", chain.Mainnet, "tb1pqqqqp399et2xygdj5xreqhjjvcmzhxw4aywxecjdzew6hylgvsesf3hn0c", chain.ErrWrongNetwork, "signet"},
		{"regtest bech32 on mainnet", chain.Mainnet, "bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080", chain.ErrWrongNetwork, "regtest"},
		{"mainnet bech32 on regtest", chain.Regtest, "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4", chain.ErrWrongNetwork, "mainnet"},
		{"mainnet bech32 on testnet4", chain.Testnet4, "BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4", chain.ErrWrongNetwork, "mainnet"},
		{"testnet bech32 on regtest", chain.Regtest, "tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sl5k7", chain.ErrWrongNetwork, "testnet4"},
		{"mainnet p2pkh on signet", chain.Signet, "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", chain.ErrWrongNetwork, "mainnet"},
		{"mainnet p2sh on regtest", chain.Regtest, "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy", chain.ErrWrongNetwork, "mainnet"},
		{"cashaddr on mainnet", chain.Mainnet, "bitcoincash:qr6m7j9njldwwzlg9v7v53unlr4jkmx6eylep8ekg2", chain.ErrWrongNetwork, "bitcoincash"},
		{"bitcoin on monacoin", mona, "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", chain.ErrWrongNetwork, "mainnet"},
		{"bitcoin bech32 on monacoin", mona, "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4", chain.ErrWrongNetwork, "mainnet"},

		// Only a valid address of another network is ErrWrongNetwork.
		{"testnet bech32 with a bad checksum on mainnet", chain.Mainnet, "tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sl5k8", chain.ErrBadAddress, "checksum"},
		{"testnet bech32 with a bad program on mainnet", chain.Mainnet, "tb1z0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqglt7rf", chain.ErrBadAddress, "BIP 350"},
		{"testnet base58 with a bad checksum on mainnet", chain.Mainnet, "mipcBbFg9gMiCh81Kj8tqqdgoZub1ZJRfo", chain.ErrBadAddress, "checksum"},
		{"cashaddr with a bad checksum on mainnet", chain.Mainnet, "bitcoincash:qr6m7j9njldwwzlg9v7v53unlr4jkmx6eylep8ekg3", chain.ErrBadAddress, "checksum"},

		{"base58 bad checksum", chain.Mainnet, "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb", chain.ErrBadAddress, "checksum"},
		{"bech32 bad checksum", chain.Mainnet, "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5", chain.ErrBadAddress, "checksum"},
		// BIP 350 invalid vectors.
		{"unknown hrp", chain.Mainnet, "tc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq5zuyut", chain.ErrBadAddress, "tc"},
		{"bech32 checksum for v1", chain.Mainnet, "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqh2y7hd", chain.ErrBadAddress, "BIP 350"},
		{"bech32 checksum for v1 on testnet", chain.Testnet3, "tb1z0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqglt7rf", chain.ErrBadAddress, "BIP 350"},
		{"bech32 checksum for v16", chain.Mainnet, "BC1S0XLXVLHEMJA6C4DQV22UAPCTQUPFHLXM9H8Z3K2E72Q4K9HCZ7VQ54WELL", chain.ErrBadAddress, "BIP 350"},
		{"bech32m checksum for v0", chain.Mainnet, "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kemeawh", chain.ErrBadAddress, "BIP 350"},
		{"bech32m checksum for v0 on testnet", chain.Signet, "tb1q0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq24jc47", chain.ErrBadAddress, "BIP 350"},
		{"invalid character", chain.Mainnet, "bc1p38j9r5y49hruaue7wxjce0updqjuyyx0kh56v8s25huc6995vvpql3jow4", chain.ErrBadAddress, ""},
		{"witness version 17", chain.Mainnet, "BC130XLXVLHEMJA6C4DQV22UAPCTQUPFHLXM9H8Z3K2E72Q4K9HCZ7VQ7ZWS8R", chain.ErrBadAddress, "version 17"},
		{"program of 1 byte", chain.Mainnet, "bc1pw5dgrnzv", chain.ErrBadAddress, "1 bytes"},
		{"program of 41 bytes", chain.Mainnet, "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7v8n0nx0muaewav253zgeav", chain.ErrBadAddress, "41 bytes"},
		{"v0 program of 16 bytes", chain.Mainnet, "BC1QR508D6QEJXTDG4Y5R3ZARVARYV98GJ9P", chain.ErrBadAddress, "16 bytes"},
		{"mixed case bech32m", chain.Testnet3, "tb1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq47Zagq", chain.ErrBadAddress, ""},
		{"mixed case bech32", chain.Mainnet, "bc1Qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4", chain.ErrBadAddress, ""},
		{"padding of 5 bits", chain.Mainnet, "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7v07qwwzcrf", chain.ErrBadAddress, "program"},
		{"non-zero padding", chain.Testnet3, "tb1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vpggkg4j", chain.ErrBadAddress, "program"},
		{"empty data", chain.Mainnet, "bc1gmk9yu", chain.ErrBadAddress, "witness version"},

		{"empty", chain.Mainnet, "", chain.ErrBadAddress, "empty"},
		{"blank", chain.Testnet3, " \t\n", chain.ErrBadAddress, "empty"},
		{"garbage", chain.Mainnet, "hello, world", chain.ErrBadAddress, ""},
		{"very long", chain.Mainnet, strings.Repeat("z", 1<<20), chain.ErrBadAddress, "longer than any address"},
		{"very long cashaddr", bch, strings.Repeat("q", 1<<20), chain.ErrBadAddress, "longer than any address"},
		{"base58 of 129 characters", chain.Mainnet, strings.Repeat("2", 129), chain.ErrBadAddress, "longer than any address"},
		{"one", chain.Mainnet, "1", chain.ErrBadAddress, ""},
		{"bare hrp", chain.Mainnet, "bc1", chain.ErrBadAddress, ""},
		{"colon", chain.Mainnet, ":", chain.ErrBadAddress, ""},
		{"base58 payload of 21 bytes", chain.Mainnet, long, chain.ErrBadAddress, "21 bytes"},
		{"unknown version byte", chain.Mainnet, litecoin, chain.ErrBadAddress, "0x30"},
		{"monacoin on mainnet", chain.Mainnet, "MBEYH8JuAHynTA7unLjon7p7im2U9JbitV", chain.ErrBadAddress, "0x32"},
		{"bitcoin segwit on a network without segwit", bch, "mona1qw508d6qejxtdg4y5r3zarvary0c5xw7kg5lnx5", chain.ErrBadAddress, "no segwit"},
		{"hrp of no network", mona, "tc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq5zuyut", chain.ErrBadAddress, "mona"},

		{"key form, unknown prefix", chain.Mainnet, "p2xx:62e907b15cbf27d5425399ebf6f0fb50ebb88f18", chain.ErrBadAddress, "p2xx"},
		{"key form, none", chain.Mainnet, "none:", chain.ErrBadAddress, ""},
		{"key form, empty hash", chain.Mainnet, "p2pkh:", chain.ErrBadAddress, "0 bytes"},
		{"key form, not hex", chain.Mainnet, "p2pkh:62e907b15cbf27d5425399ebf6f0fb50ebb88fzz", chain.ErrBadAddress, "hex"},
		{"key form, odd hex", chain.Mainnet, "p2wpkh:62e907b15cbf27d5425399ebf6f0fb50ebb88f1", chain.ErrBadAddress, "hex"},
		{"key form, p2pkh of 21 bytes", chain.Mainnet, "p2pkh:62e907b15cbf27d5425399ebf6f0fb50ebb88f1800", chain.ErrBadAddress, "21 bytes"},
		{"key form, p2wsh of 20 bytes", chain.Regtest, "p2wsh:62e907b15cbf27d5425399ebf6f0fb50ebb88f18", chain.ErrBadAddress, "20 bytes"},
		{"key form, nonstandard of 20 bytes", chain.Mainnet, "nonstandard:62e907b15cbf27d5425399ebf6f0fb50ebb88f18", chain.ErrBadAddress, "20 bytes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, err := tc.p.Parse(tc.in)
			if err == nil {
				t.Fatalf("Parse(%q) = %v, want an error", tc.in, a)
			}
			checkAddressError(t, err, tc.p, tc.in, tc.want)
			if !a.IsZero() {
				t.Errorf("an Address with the error: %v", a)
			}
			if !strings.Contains(err.Error(), tc.mention) {
				t.Errorf("message %q does not mention %q", err, tc.mention)
			}
		})
	}
}

// checkAddressError checks that err is an *AddressError for in on p that
// wraps want and not the other sentinel.
func checkAddressError(t testing.TB, err error, p *chain.Params, in string, want error) {
	t.Helper()
	other := chain.ErrBadAddress
	if want == chain.ErrBadAddress {
		other = chain.ErrWrongNetwork
	}
	if !errors.Is(err, want) || errors.Is(err, other) {
		t.Errorf("err = %v, want it to wrap %v only", err, want)
	}
	var ae *chain.AddressError
	if !errors.As(err, &ae) {
		t.Fatalf("err %T is not an *AddressError", err)
	}
	if ae.Input != in || ae.Network != p.Name || ae.Detail == "" {
		t.Errorf("AddressError{Input: %q, Network: %q, Detail: %q}, want Input %q, Network %q", ae.Input, ae.Network, ae.Detail, in, p.Name)
	}
	if !strings.Contains(err.Error(), p.Name) {
		t.Errorf("message %q does not name the network %s", err, p.Name)
	}
}

func TestParseTrimsSpace(t *testing.T) {
	in := " \t1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa\n"
	a, err := chain.Mainnet.Parse(in)
	if err != nil {
		t.Fatal(err)
	}
	if got := chain.Mainnet.Format(a); got != "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa" {
		t.Errorf("Format = %s", got)
	}
	_, err = chain.Testnet3.Parse(in)
	checkAddressError(t, err, chain.Testnet3, in, chain.ErrWrongNetwork)
}

// cashEncode writes a CashAddr for any payload, following the spec, so
// that tests can build valid and broken addresses Format never writes.
func cashEncode(prefix string, payload []byte) string {
	return cashEncodeData(prefix, cashData(payload))
}

const cashCharset = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"

// cashData regroups payload into 5-bit groups, zero-padding the last.
func cashData(payload []byte) []byte {
	var data []byte
	acc, bits := 0, 0
	for _, b := range payload {
		acc = acc<<8 | int(b)
		bits += 8
		for bits >= 5 {
			bits -= 5
			data = append(data, byte(acc>>bits&31))
		}
	}
	if bits > 0 {
		data = append(data, byte(acc<<(5-bits)&31))
	}
	return data
}

// cashEncodeData writes 5-bit groups with the prefix and a valid checksum.
func cashEncodeData(prefix string, data []byte) string {
	polymod := func(v []byte) uint64 {
		gen := []uint64{0x98f2bc8e61, 0x79b76d99e2, 0xf33e5fb3c4, 0xae2eabe2a8, 0x1e4f43e470}
		c := uint64(1)
		for _, d := range v {
			c0 := c >> 35
			c = (c&0x07ffffffff)<<5 ^ uint64(d)
			for i, g := range gen {
				if c0>>i&1 == 1 {
					c ^= g
				}
			}
		}
		return c ^ 1
	}
	var in []byte
	for i := range len(prefix) {
		in = append(in, prefix[i]&31)
	}
	in = append(in, 0)
	in = append(in, data...)
	mod := polymod(append(in, make([]byte, 8)...))
	var sb strings.Builder
	sb.WriteString(prefix + ":")
	for _, d := range data {
		sb.WriteByte(cashCharset[d])
	}
	for i := range 8 {
		sb.WriteByte(cashCharset[mod>>(5*(7-i))&31])
	}
	return sb.String()
}

func TestCashAddr(t *testing.T) {
	const (
		specHash = "f5bf48b397dae70be82b3cca4793f8eb2b6cdac9"
		specAddr = "bitcoincash:qr6m7j9njldwwzlg9v7v53unlr4jkmx6eylep8ekg2"
	)
	want := chain.AddressOf(mustHex(t, "76a914"+specHash+"88ac"))
	if got := bch.Format(want); got != specAddr {
		t.Fatalf("Format = %s, want the spec's %s", got, specAddr)
	}
	if got := cashEncode("bitcoincash", append([]byte{0}, want.Bytes()...)); got != specAddr {
		t.Fatalf("the test's encoder writes %s, want %s", got, specAddr)
	}
	for _, in := range []string{
		specAddr,
		"qr6m7j9njldwwzlg9v7v53unlr4jkmx6eylep8ekg2",
		strings.ToUpper(specAddr),
		"QR6M7J9NJLDWWZLG9V7V53UNLR4JKMX6EYLEP8EKG2",
		" " + specAddr + "\n",
		"1PQPheJQSauxRPTxzNMUco1XmoCyPoEJCp", // the legacy form
		"p2pkh:" + specHash,
	} {
		t.Run("parse/"+in, func(t *testing.T) {
			got, err := bch.Parse(in)
			if err != nil {
				t.Fatal(err)
			}
			if got != want {
				t.Errorf("Parse = %v, want %v", got, want)
			}
		})
	}

	// The spec's legacy/CashAddr pairs, three P2PKH and three P2SH, and
	// the Zaif theft addresses from the public reports.
	for _, pair := range [][2]string{
		{"1BpEi6DfDAUFd7GtittLSdBeYJvcoaVggu", "bitcoincash:qpm2qsznhks23z7629mms6s4cwef74vcwvy22gdx6a"},
		{"1KXrWXciRDZUpQwQmuM1DbwsKDLYAYsVLR", "bitcoincash:qr95sy3j9xwd2ap32xkykttr4cvcu7as4y0qverfuy"},
		{"16w1D5WRVKJuZUsSRzdLp9w3YGcgoxDXb", "bitcoincash:qqq3728yw0y47sqn6l2na30mcw6zm78dzqre909m2r"},
		{"3CWFddi6m4ndiGyKqzYvsFYagqDLPVMTzC", "bitcoincash:ppm2qsznhks23z7629mms6s4cwef74vcwvn0h829pq"},
		{"3LDsS579y7sruadqu11beEJoTjdFiFCdX4", "bitcoincash:pr95sy3j9xwd2ap32xkykttr4cvcu7as4yc93ky28e"},
		{"31nwvkZwyPdgzjBJZXfDmSWsC4ZLKpYyUw", "bitcoincash:pqq3728yw0y47sqn6l2na30mcw6zm78dzq5ucqzc37"},
		{"1N4Gz8QqVs3yXfKos46G8JJwW8Mpcb41YJ", "bitcoincash:qrn0jwaq3at5hhxsne8gmg5uemudl57r05pdzu2nyd"},
		{"17haHbYSxbvQae4ddB9iTGWpPNwaMC1jMd", "bitcoincash:qpyh6tw42h5pyl84py4c3ukqamsz0ucyly04nyz8u7"},
	} {
		t.Run("pair/"+pair[1], func(t *testing.T) {
			legacy, err := bch.Parse(pair[0])
			if err != nil {
				t.Fatal(err)
			}
			cash, err := bch.Parse(pair[1])
			if err != nil {
				t.Fatal(err)
			}
			if legacy != cash {
				t.Fatalf("legacy %v, CashAddr %v", legacy, cash)
			}
			wantKind := chain.KindP2PKH
			if pair[0][0] == '3' {
				wantKind = chain.KindP2SH
			}
			if cash.Kind != wantKind {
				t.Errorf("kind %v, want %v", cash.Kind, wantKind)
			}
			if got := bch.Format(legacy); got != pair[1] {
				t.Errorf("Format = %s, want %s", got, pair[1])
			}
			if got := chain.Mainnet.Format(legacy); got != pair[0] {
				t.Errorf("mainnet Format = %s, want %s", got, pair[0])
			}
		})
	}

	body := strings.TrimPrefix(specAddr, "bitcoincash:")
	hash := want.Bytes()
	for _, tc := range []struct {
		name string
		in   string
		want error
	}{
		{"flipped character", "bitcoincash:qr6m7j9njldwwzlg9v7v53unlr4jkmx6eylep8ekg3", chain.ErrBadAddress},
		{"flipped character, no prefix", "qr6m7j9njldwwzlg9v7v53unlr4jkmx6eylep8ekg3", chain.ErrBadAddress},
		{"swapped characters", "bitcoincash:rq6m7j9njldwwzlg9v7v53unlr4jkmx6eylep8ekg2", chain.ErrBadAddress},
		{"another prefix's checksum", "bchtest:" + body, chain.ErrBadAddress},
		{"valid bchtest address", cashEncode("bchtest", append([]byte{0}, hash...)), chain.ErrWrongNetwork},
		{"valid bchreg address", cashEncode("bchreg", append([]byte{8}, hash...)), chain.ErrWrongNetwork},
		{"unknown prefix", "bitcoin:" + body, chain.ErrBadAddress},
		{"mixed case", "bitcoincash:Qr6m7j9njldwwzlg9v7v53unlr4jkmx6eylep8ekg2", chain.ErrBadAddress},
		{"mixed case, no prefix", "Qr6m7j9njldwwzlg9v7v53unlr4jkmx6eylep8ekg2", chain.ErrBadAddress},
		{"upper-case prefix, lower-case body", "BITCOINCASH:" + body, chain.ErrBadAddress},
		{"prefix only", "bitcoincash:", chain.ErrBadAddress},
		{"too short", "bitcoincash:qr6m7j9n", chain.ErrBadAddress},
		{"truncated", specAddr[:len(specAddr)-1], chain.ErrBadAddress},
		{"character outside the charset", "bitcoincash:qr6m7j9njldwwzlg9v7v53unlr4jkmx6eylep8ekgb", chain.ErrBadAddress},
		{"type 2", cashEncode("bitcoincash", append([]byte{2 << 3}, hash...)), chain.ErrBadAddress},
		{"192-bit size with a 160-bit hash", cashEncode("bitcoincash", append([]byte{1}, hash...)), chain.ErrBadAddress},
		{"192-bit hash", cashEncode("bitcoincash", append([]byte{1}, append(hash, 1, 2, 3, 4)...)), chain.ErrBadAddress},
		{"no hash", cashEncode("bitcoincash", []byte{0}), chain.ErrBadAddress},
		{"bech32 of bitcoin", "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4", chain.ErrWrongNetwork},
		{"testnet base58", "mipcBbFg9gMiCh81Kj8tqqdgoZub1ZJRfn", chain.ErrWrongNetwork},
	} {
		t.Run("reject/"+tc.name, func(t *testing.T) {
			a, err := bch.Parse(tc.in)
			if err == nil {
				t.Fatalf("Parse(%q) = %v, want an error", tc.in, a)
			}
			checkAddressError(t, err, bch, tc.in, tc.want)
		})
	}
	for _, tc := range []struct {
		name string
		edit func(data []byte) []byte
	}{
		// 21 bytes take 34 groups, the last with 2 bits of padding.
		{"non-zero padding", func(d []byte) []byte { d[len(d)-1] |= 1; return d }},
		{"a whole group of padding", func(d []byte) []byte { return append(d, 0) }},
	} {
		t.Run("reject/"+tc.name, func(t *testing.T) {
			in := cashEncodeData("bitcoincash", tc.edit(cashData(append([]byte{0}, hash...))))
			a, err := bch.Parse(in)
			if err == nil {
				t.Fatalf("Parse(%q) = %v, want an error", in, a)
			}
			checkAddressError(t, err, bch, in, chain.ErrBadAddress)
		})
	}
	t.Run("p2sh written as cashaddr", func(t *testing.T) {
		a := chain.AddressOf(mustHex(t, "a914"+specHash+"87"))
		text := bch.Format(a)
		if !strings.HasPrefix(text, "bitcoincash:p") {
			t.Errorf("Format = %s, want a type-1 (p...) CashAddr", text)
		}
		if back, err := bch.Parse(text); err != nil || back != a {
			t.Errorf("Parse(%s) = %v, %v", text, back, err)
		}
	})
}

func TestMonacoin(t *testing.T) {
	const thief = "MBEYH8JuAHynTA7unLjon7p7im2U9JbitV" // Zaif, 14 Sep 2018
	a, err := mona.Parse(thief)
	if err != nil {
		t.Fatal(err)
	}
	if a.Kind != chain.KindP2PKH || mona.Format(a) != thief {
		t.Errorf("Parse = %v, Format = %s", a, mona.Format(a))
	}
	for _, s := range sampleAddresses(t) {
		t.Run(s.Kind.String(), func(t *testing.T) {
			text := mona.Format(s)
			back, err := mona.Parse(text)
			if err != nil || back != s {
				t.Fatalf("Parse(%s) = %v, %v; want %v", text, back, err, s)
			}
			var prefix string
			switch s.Kind {
			case chain.KindP2PKH:
				prefix = "M"
			case chain.KindP2SH:
				prefix = "P"
			case chain.KindP2WPKH, chain.KindP2WSH, chain.KindP2TR:
				prefix = "mona1"
			default:
				prefix = s.Kind.String() + ":"
			}
			if !strings.HasPrefix(text, prefix) {
				t.Errorf("Format = %s, want it to start with %s", text, prefix)
			}
		})
	}
	t.Run("legacy p2sh version 5", func(t *testing.T) {
		legacy, err := mona.Parse("3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy")
		if err != nil {
			t.Fatal(err)
		}
		cur, err := mona.Parse(mona.Format(legacy))
		if err != nil {
			t.Fatal(err)
		}
		if legacy.Kind != chain.KindP2SH || cur != legacy {
			t.Errorf("legacy %v, current form %v", legacy, cur)
		}
		if got := mona.Format(legacy); got[0] != 'P' {
			t.Errorf("Format writes the legacy form %s", got)
		}
	})
}
