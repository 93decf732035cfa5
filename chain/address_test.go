package chain_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"testing"

	"github.com/btcsuite/btcd/btcutil"
	"github.com/btcsuite/btcd/chaincfg"
	"github.com/btcsuite/btcd/txscript"
	"github.com/plumetrace/plume/chain"
	"github.com/plumetrace/plume/internal/btcdata"
)

func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatalf("bad hex %q: %v", s, err)
	}
	return b
}

// realScript returns the pkScript of output vout of a real mainnet tx:
// heights up to 14131 come from the early blocks file, 574200 from its
// raw block.
func realScript(t testing.TB, height int32, txid string, vout int) []byte {
	t.Helper()
	if height == 574200 {
		b := block574200(t)
		for i, h := range b.TxHashes {
			if h.String() == txid {
				return b.Txs[i].TxOut[vout].PkScript
			}
		}
		t.Fatalf("tx %s not in block 574200", txid)
	}
	return earlyTx(t, height, txid).TxOut[vout].PkScript
}

const (
	block9Coinbase = "0437cd7f8525ceed2324359c2d0ba26006d92d856a9c20fa0241106ee5a597c9"
	halTx          = "f4184fc596403b9d638783cf57adfe4c75c605f6356fbc91338530e9831e9e16"
)

// compressP2PK turns a real uncompressed pay-to-pubkey script into the
// script paying the same key compressed.
func compressP2PK(t testing.TB, script []byte) []byte {
	t.Helper()
	if len(script) != 67 || script[1] != 0x04 {
		t.Fatalf("not an uncompressed P2PK script: %x", script)
	}
	x, y := script[2:34], script[34:66]
	prefix := byte(0x02 | y[31]&1)
	return slices.Concat([]byte{txscript.OP_DATA_33, prefix}, x, []byte{txscript.OP_CHECKSIG})
}

// multisig1of2 builds a bare 1-of-2 multisig script from the keys of two
// real pay-to-pubkey scripts.
func multisig1of2(t testing.TB, a, b []byte) []byte {
	t.Helper()
	s, err := txscript.NewScriptBuilder().AddOp(txscript.OP_1).
		AddData(a[1 : len(a)-1]).AddData(b[1 : len(b)-1]).
		AddOp(txscript.OP_2).AddOp(txscript.OP_CHECKMULTISIG).Script()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestAddressOf(t *testing.T) {
	block9 := func(t testing.TB) []byte { return realScript(t, 9, block9Coinbase, 0) }
	hal := func(t testing.TB) []byte { return realScript(t, 170, halTx, 0) }
	hexScript := func(s string) func(testing.TB) []byte {
		return func(t testing.TB) []byte { return mustHex(t, s) }
	}
	real574200 := func(txid string, vout int) func(testing.TB) []byte {
		return func(t testing.TB) []byte { return realScript(t, 574200, txid, vout) }
	}
	for _, tc := range []struct {
		name   string
		script func(testing.TB) []byte
		kind   chain.Kind
		// mainnet is the address explorers show, for the kinds that have
		// one; the script-hash kinds are checked against SHA-256(script).
		mainnet string
		// template is set when Address.Script gives the script back.
		template bool
	}{
		{"p2pkh", real574200("044027aaa82760da4877eda439c114b166d62d53205cf8f4c570351852d38d6e", 1), chain.KindP2PKH, "14zV5ZCqYmgyCzoVEhRVsP7SpUDVsCBz5g", true},
		{"p2sh", real574200("a80bb6aea647e2ba69d0c5189b0976734d3918d4e9d6e0cb5bef07549706c8d1", 0), chain.KindP2SH, "3QGenMj5hD4LBp24xow1hsagmMDjgnDpoo", true},
		{"p2wpkh", real574200("57233bf44b82ef3662479e5c80f71ba00c1ae82e8c9739213841f27a2f3d0d79", 0), chain.KindP2WPKH, "bc1qjl8uwezzlech723lpnyuza0h2cdkvxvh54v3dn", true},
		{"p2wsh", real574200("0ed31a69f6ceca5ed3444fc1eba41cd23c7a9476211cb64d8448423809569901", 1), chain.KindP2WSH, "bc1qwqdg6squsna38e46795at95yu9atm8azzmyvckulcc7kytlcckxswvvzej", true},
		// BIP 350's taproot vector (no 2019 block has one).
		{"p2tr", hexScript("512079be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"), chain.KindP2TR, "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0", true},
		{"p2pk uncompressed, block 9 coinbase", block9, chain.KindP2PKH, "12cbQLTFMXRnSzktFkuoG3eHoMeFtpTu3S", false},
		{"p2pk uncompressed, Hal Finney in block 170", hal, chain.KindP2PKH, "1Q2TWHE3GMdB6BZKafqwxXtWAWgFt5Jvm3", false},
		{"p2pk uncompressed, block 170 change", func(t testing.TB) []byte { return realScript(t, 170, halTx, 1) }, chain.KindP2PKH, "12cbQLTFMXRnSzktFkuoG3eHoMeFtpTu3S", false},
		{"p2pk compressed, block 9 key", func(t testing.TB) []byte { return compressP2PK(t, block9(t)) }, chain.KindP2PKH, "13KiMqUJ7xD6MhUD2k7mKEoZMHDP9HdWwW", false},
		{"p2pk compressed, block 574200", real574200("0d1e55aa5919aa363755890339c58cb8ee880ef16daa60d33631aa49fc70ebdd", 0), chain.KindP2PKH, "13XpsmJszDj3GA7rg59pP2bqovU6gk3tLU", false},
		{"p2pk hybrid key", func(t testing.TB) []byte {
			s := bytes.Clone(block9(t))
			s[1] = 0x07 // hybrid, odd y
			return s
		}, chain.KindP2PKH, "", false},
		{"multisig 1-of-2", func(t testing.TB) []byte { return multisig1of2(t, block9(t), hal(t)) }, chain.KindMultisig, "", false},
		{"op_return witness commitment", real574200("57233bf44b82ef3662479e5c80f71ba00c1ae82e8c9739213841f27a2f3d0d79", 1), chain.KindOpReturn, "", false},
		{"op_return omni", real574200("802f95c66197fd649c1a855f9f0cf8fc6de33fafbbbd22cdd542850c57d5398c", 1), chain.KindOpReturn, "", false},
		{"op_return alone", hexScript("6a"), chain.KindOpReturn, "", false},
		{"op_return oversized", func(testing.TB) []byte {
			return append([]byte{txscript.OP_RETURN, txscript.OP_PUSHDATA1, 200}, make([]byte, 200)...)
		}, chain.KindOpReturn, "", false},
		{"op_return two pushes", hexScript("6a0102020304"), chain.KindOpReturn, "", false},
		{"nonstandard empty", hexScript(""), chain.KindNonstandard, "", false},
		{"nonstandard OP_TRUE", hexScript("51"), chain.KindNonstandard, "", false},
		{"nonstandard p2pk with a bad key prefix", func(t testing.TB) []byte {
			s := bytes.Clone(block9(t))
			s[1] = 0x05
			return s
		}, chain.KindNonstandard, "", false},
		{"nonstandard compressed length with 04", func(t testing.TB) []byte {
			s := compressP2PK(t, block9(t))
			s[1] = 0x04
			return s
		}, chain.KindNonstandard, "", false},
		{"nonstandard p2pkh without OP_CHECKSIG", hexScript("76a9142bc786a51ec5470c36edee48dce86e67f2349ca888"), chain.KindNonstandard, "", false},
		{"nonstandard p2sh with OP_EQUALVERIFY", hexScript("a914f7af43209e948e90019a0303653d042ee97a05ee88"), chain.KindNonstandard, "", false},
		{"nonstandard witness v0 with 21 bytes", hexScript("0015751e76e8199196d454941c45d1b3a323f1433bd600"), chain.KindNonstandard, "", false},
		// BIP 350's future-version vectors: valid addresses, no kind of
		// their own.
		{"witness v2 program", hexScript("5210751e76e8199196d454941c45d1b3a323"), chain.KindNonstandard, "", false},
		{"witness v1 40-byte program", hexScript("5128751e76e8199196d454941c45d1b3a323f1433bd6751e76e8199196d454941c45d1b3a323f1433bd6"), chain.KindNonstandard, "", false},
		{"witness v16 program", hexScript("6002751e"), chain.KindNonstandard, "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			script := tc.script(t)
			a := chain.AddressOf(script)
			if a.Kind != tc.kind {
				t.Fatalf("kind %v, want %v (%v)", a.Kind, tc.kind, a)
			}
			if tc.mainnet != "" {
				if got := chain.Mainnet.Format(a); got != tc.mainnet {
					t.Errorf("mainnet address %s, want %s", got, tc.mainnet)
				}
			}
			switch a.Kind {
			case chain.KindMultisig, chain.KindOpReturn, chain.KindNonstandard:
				if a.Hash != sha256.Sum256(script) {
					t.Errorf("hash %x, want SHA-256 of the script", a.Hash)
				}
			default:
				if n := a.Kind.HashLen(); !bytes.Equal(a.Hash[n:], make([]byte, 32-n)) {
					t.Errorf("bytes past HashLen are not zero: %x", a.Hash)
				}
			}
			s := a.Script()
			switch {
			case a.Kind == chain.KindMultisig || a.Kind == chain.KindOpReturn || a.Kind == chain.KindNonstandard:
				if s != nil {
					t.Errorf("Script() = %x for a script-hash kind, want nil", s)
				}
			case tc.template && !bytes.Equal(s, script):
				t.Errorf("Script() = %x, want the original %x", s, script)
			case chain.AddressOf(s) != a:
				t.Errorf("AddressOf(Script()) = %v, want %v", chain.AddressOf(s), a)
			}
		})
	}
}

// TestAddressOfMatchesTxscript checks every output of the real blocks
// against btcd's script classifier and address encoder.
func TestAddressOfMatchesTxscript(t *testing.T) {
	blocks, _ := earlyBlocks(t)
	blocks = append(blocks[:len(blocks):len(blocks)], block574200(t))
	raw, _ := rawBlock(t, btcdata.Block540107)
	b540107, err := chain.DecodeBlock(raw, 540107)
	if err != nil {
		t.Fatal(err)
	}
	blocks = append(blocks, b540107)
	seen := map[chain.Kind]int{}
	for _, b := range blocks {
		for i, tx := range b.Txs {
			for vout, o := range tx.TxOut {
				a := chain.AddressOf(o.PkScript)
				seen[a.Kind]++
				class, addrs, _, err := txscript.ExtractPkScriptAddrs(o.PkScript, &chaincfg.MainNetParams)
				want := ""
				wantKind := chain.KindNonstandard
				switch class {
				case txscript.PubKeyTy:
					if err == nil && len(addrs) == 1 {
						want = addrs[0].(*btcutil.AddressPubKey).AddressPubKeyHash().EncodeAddress()
					}
					wantKind = chain.KindP2PKH
				case txscript.PubKeyHashTy, txscript.ScriptHashTy, txscript.WitnessV0PubKeyHashTy,
					txscript.WitnessV0ScriptHashTy, txscript.WitnessV1TaprootTy:
					want = addrs[0].EncodeAddress()
					wantKind = a.Kind // checked through the text
				case txscript.MultiSigTy:
					wantKind = chain.KindMultisig
				case txscript.NullDataTy:
					wantKind = chain.KindOpReturn
				default:
					if len(o.PkScript) > 0 && o.PkScript[0] == txscript.OP_RETURN {
						wantKind = chain.KindOpReturn
					}
				}
				if a.Kind != wantKind || want != "" && chain.Mainnet.Format(a) != want {
					t.Fatalf("block %d tx %d output %d (%v, %x): AddressOf %v = %s, txscript says %v %s",
						b.Height, i, vout, class, o.PkScript, a, chain.Mainnet.Format(a), wantKind, want)
				}
			}
		}
	}
	for _, k := range []chain.Kind{chain.KindP2PKH, chain.KindP2SH, chain.KindP2WPKH, chain.KindP2WSH, chain.KindOpReturn} {
		if seen[k] == 0 {
			t.Errorf("no %v output in the real blocks: the comparison did not cover it", k)
		}
	}
}

func TestKind(t *testing.T) {
	for _, tc := range []struct {
		kind    chain.Kind
		name    string
		hashLen int
	}{
		{chain.KindNone, "none", 0},
		{chain.KindP2PKH, "p2pkh", 20},
		{chain.KindP2SH, "p2sh", 20},
		{chain.KindP2WPKH, "p2wpkh", 20},
		{chain.KindP2WSH, "p2wsh", 32},
		{chain.KindP2TR, "p2tr", 32},
		{chain.KindMultisig, "multisig", 32},
		{chain.KindOpReturn, "op_return", 32},
		{chain.KindNonstandard, "nonstandard", 32},
		{chain.Kind(9), "kind(9)", 32},
		{chain.Kind(255), "kind(255)", 32},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.kind.String(); got != tc.name {
				t.Errorf("String() = %q, want %q", got, tc.name)
			}
			if got := tc.kind.HashLen(); got != tc.hashLen {
				t.Errorf("HashLen() = %d, want %d", got, tc.hashLen)
			}
			a := chain.Address{Kind: tc.kind}
			if a.IsZero() != (tc.kind == chain.KindNone) {
				t.Errorf("IsZero() = %v", a.IsZero())
			}
			if len(a.Bytes()) != tc.hashLen || a.KeyLen() != 1+tc.hashLen {
				t.Errorf("Bytes() is %d bytes, KeyLen() %d", len(a.Bytes()), a.KeyLen())
			}
		})
	}
	// The numbers are stored on disk.
	if chain.KindP2PKH != 1 || chain.KindNonstandard != 8 {
		t.Error("kinds were renumbered")
	}
}

// sampleAddresses returns one Address of every kind, from real scripts.
func sampleAddresses(t testing.TB) []chain.Address {
	t.Helper()
	block9 := realScript(t, 9, block9Coinbase, 0)
	hal := realScript(t, 170, halTx, 0)
	var out []chain.Address
	for _, s := range [][]byte{
		block9,
		mustHex(t, "a914f7af43209e948e90019a0303653d042ee97a05ee87"),
		mustHex(t, "001497cfc76442fe717f2a3f0cc9c175f7561b661997"),
		mustHex(t, "0020701a8d401c84fb13e6baf169d59684e17abd9fa216c8cc5b9fc63d622ff8c58d"),
		mustHex(t, "512079be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"),
		multisig1of2(t, block9, hal),
		mustHex(t, "6a24aa21a9ed26402ed52f8eee7114e8f5c57c79a7862371c7f0dbfe51e7152e67d36b143593"),
		mustHex(t, "5210751e76e8199196d454941c45d1b3a323"),
	} {
		out = append(out, chain.AddressOf(s))
	}
	for i, a := range out {
		if a.Kind != chain.Kind(i+1) {
			t.Fatalf("sample %d is %v, want kind %d", i, a, i+1)
		}
	}
	return out
}

func TestAddressKey(t *testing.T) {
	addrs := sampleAddresses(t)
	for _, a := range addrs {
		t.Run(a.Kind.String(), func(t *testing.T) {
			prefix := []byte("prefix")
			key := a.AppendKey(bytes.Clone(prefix))
			if !bytes.HasPrefix(key, prefix) || len(key) != len(prefix)+a.KeyLen() {
				t.Fatalf("AppendKey gave %x", key)
			}
			key = key[len(prefix):]
			if key[0] != byte(a.Kind) || !bytes.Equal(key[1:], a.Bytes()) {
				t.Errorf("key %x, want kind byte then hash", key)
			}
			// A key is read from a longer buffer, as keys are in a store.
			got, n, err := chain.AddressFromKey(append(bytes.Clone(key), 0xff, 0xee))
			if err != nil {
				t.Fatal(err)
			}
			if got != a || n != a.KeyLen() {
				t.Errorf("AddressFromKey = %v, %d; want %v, %d", got, n, a, a.KeyLen())
			}
		})
	}
	t.Run("order", func(t *testing.T) {
		// Keys sort by kind, then hash.
		list := slices.Clone(addrs)
		for _, a := range addrs {
			b := a
			b.Hash[0] ^= 0x80
			list = append(list, b)
		}
		byKey := slices.Clone(list)
		slices.SortFunc(byKey, func(x, y chain.Address) int { return bytes.Compare(x.AppendKey(nil), y.AppendKey(nil)) })
		byField := slices.Clone(list)
		slices.SortFunc(byField, func(x, y chain.Address) int {
			if x.Kind != y.Kind {
				return int(x.Kind) - int(y.Kind)
			}
			return bytes.Compare(x.Hash[:], y.Hash[:])
		})
		if !slices.Equal(byKey, byField) {
			t.Error("key order differs from (kind, hash) order")
		}
	})
	for _, tc := range []struct {
		name string
		key  []byte
	}{
		{"nil", nil},
		{"empty", []byte{}},
		{"kind none", []byte{0}},
		{"kind none with a hash", append([]byte{0}, make([]byte, 32)...)},
		{"unknown kind 9", append([]byte{9}, make([]byte, 32)...)},
		{"unknown kind 255", append([]byte{255}, make([]byte, 32)...)},
		{"p2pkh short", append([]byte{1}, make([]byte, 19)...)},
		{"p2wsh short", append([]byte{4}, make([]byte, 31)...)},
		{"p2tr only the kind", []byte{5}},
		{"nonstandard 20 bytes", append([]byte{8}, make([]byte, 20)...)},
	} {
		t.Run("error/"+tc.name, func(t *testing.T) {
			a, n, err := chain.AddressFromKey(tc.key)
			if err == nil {
				t.Fatalf("AddressFromKey(%x) = %v, %d, want an error", tc.key, a, n)
			}
			if !a.IsZero() || n != 0 {
				t.Errorf("with the error: %v, %d", a, n)
			}
		})
	}
}

func TestAddressString(t *testing.T) {
	for _, tc := range []struct {
		script string
		want   string
	}{
		{"76a9142bc786a51ec5470c36edee48dce86e67f2349ca888ac", "p2pkh:2bc786a51ec5470c36edee48dce86e67f2349ca8"},
		{"001497cfc76442fe717f2a3f0cc9c175f7561b661997", "p2wpkh:97cfc76442fe717f2a3f0cc9c175f7561b661997"},
		{"512079be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798", "p2tr:79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"},
		// SHA-256 of the empty script.
		{"", "nonstandard:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
	} {
		t.Run(tc.want, func(t *testing.T) {
			if got := chain.AddressOf(mustHex(t, tc.script)).String(); got != tc.want {
				t.Errorf("String() = %s, want %s", got, tc.want)
			}
		})
	}
	if got := (chain.Address{}).String(); got != "none:" {
		t.Errorf("zero Address String() = %q", got)
	}
}
