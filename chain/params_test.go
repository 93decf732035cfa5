package chain_test

import (
	"testing"

	"github.com/btcsuite/btcd/wire"
	"github.com/plumetrace/plume/chain"
)

func TestParams(t *testing.T) {
	for _, tc := range []struct {
		p          *chain.Params
		name       string
		magic      uint32
		pkh, sh    byte
		hrp        string
		genesisHex string
	}{
		{chain.Mainnet, "mainnet", 0xd9b4bef9, 0x00, 0x05, "bc", "000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f"},
		{chain.Testnet3, "testnet3", 0x0709110b, 0x6f, 0xc4, "tb", "000000000933ea01ad0ee984209779baaec3ced90fa3f408719526f8d77f4943"},
		{chain.Testnet4, "testnet4", 0x283f161c, 0x6f, 0xc4, "tb", "00000000da84f2bafbbc53dee25a72ae507ff4914b867c565be350b0da8bf043"},
		{chain.Signet, "signet", 0x40cf030a, 0x6f, 0xc4, "tb", "00000008819873e925422c1ff0f99f7cc9bbb232af63a077a480a3633bee1ef6"},
		{chain.Regtest, "regtest", 0xdab5bffa, 0x6f, 0xc4, "bcrt", "0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := tc.p
			if p.Name != tc.name || p.String() != tc.name || p.Coin != "BTC" {
				t.Errorf("Name %q, String %q, Coin %q", p.Name, p, p.Coin)
			}
			if uint32(p.Net) != tc.magic {
				t.Errorf("magic %#x, want %#x", uint32(p.Net), tc.magic)
			}
			if p.PubKeyHashAddrID != tc.pkh || p.ScriptHashAddrID != tc.sh || p.Bech32HRP != tc.hrp {
				t.Errorf("version bytes %#x %#x, HRP %q", p.PubKeyHashAddrID, p.ScriptHashAddrID, p.Bech32HRP)
			}
			if p.GenesisHash.String() != tc.genesisHex || p.Genesis.BlockHash() != p.GenesisHash {
				t.Errorf("genesis %v (block hashes to %v), want %s", p.GenesisHash, p.Genesis.BlockHash(), tc.genesisHex)
			}
			if p.LegacyScriptHashAddrID != 0 || p.CashAddrPrefix != "" {
				t.Error("a Bitcoin network with Monacoin or Bitcoin Cash address forms")
			}
			if got, err := chain.ByName(tc.name); err != nil || got != p {
				t.Errorf("ByName(%q) = %v, %v", tc.name, got, err)
			}
			if got := chain.ByNet(wire.BitcoinNet(tc.magic)); got != p {
				t.Errorf("ByNet(%#x) = %v", tc.magic, got)
			}
		})
	}
	if n := chain.Networks(); len(n) != 5 || n[0] != chain.Mainnet {
		t.Errorf("Networks() = %v", n)
	}
}

func TestByName(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want *chain.Params
	}{
		{"main", chain.Mainnet},
		{"bitcoin", chain.Mainnet},
		{"MainNet", chain.Mainnet},
		{"test", chain.Testnet3},
		{"testnet", chain.Testnet3},
		{"TESTNET4", chain.Testnet4},
		{"Signet", chain.Signet},
		{"regtest", chain.Regtest},
		{"", nil},
		{"simnet", nil},
		{"bch", nil},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := chain.ByName(tc.in)
			if got != tc.want || (err == nil) != (tc.want != nil) {
				t.Errorf("ByName(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
			}
		})
	}
	if chain.ByNet(0x12345678) != nil {
		t.Error("ByNet of an unknown magic is not nil")
	}
}
