package chain

import (
	"fmt"
	"strings"

	"github.com/btcsuite/btcd/chaincfg"
	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"
)

// Params describes one network of one coin: what its block files and
// peers announce themselves with, where its chain starts, and how its
// addresses are written. A new coin that shares Bitcoin's script types is a
// new Params value.
type Params struct {
	// Name is the short name used in flags and stored in a store's meta
	// record, e.g. "mainnet" or "testnet4".
	Name string
	// Coin is the ticker of the coin, e.g. "BTC".
	Coin string
	// Net is the magic that starts every block record and P2P message.
	Net wire.BitcoinNet
	// Genesis is the network's first block.
	Genesis *wire.MsgBlock
	// GenesisHash is Genesis's hash.
	GenesisHash chainhash.Hash

	// PubKeyHashAddrID and ScriptHashAddrID are the base58 version bytes of
	// P2PKH and P2SH addresses.
	PubKeyHashAddrID byte
	ScriptHashAddrID byte
	// LegacyScriptHashAddrID, when non-zero, is an older P2SH version byte
	// that parsing still accepts (Monacoin moved P2SH from 5 to 55).
	LegacyScriptHashAddrID byte
	// Bech32HRP is the human-readable part of segwit addresses; empty for
	// coins without segwit.
	Bech32HRP string
	// CashAddrPrefix, when set, makes CashAddr the written form of P2PKH and
	// P2SH addresses (Bitcoin Cash): Format writes "<prefix>:<payload>", and
	// Parse accepts it with or without the prefix as well as the legacy
	// base58 form.
	CashAddrPrefix string
}

func fromChaincfg(name string, p *chaincfg.Params) *Params {
	return &Params{
		Name:             name,
		Coin:             "BTC",
		Net:              p.Net,
		Genesis:          p.GenesisBlock,
		GenesisHash:      *p.GenesisHash,
		PubKeyHashAddrID: p.PubKeyHashAddrID,
		ScriptHashAddrID: p.ScriptHashAddrID,
		Bech32HRP:        p.Bech32HRPSegwit,
	}
}

// The Bitcoin networks plume knows. They are taken from btcd's chaincfg so
// that genesis blocks and magics are the ones the reference code uses.
var (
	Mainnet  = fromChaincfg("mainnet", &chaincfg.MainNetParams)
	Testnet3 = fromChaincfg("testnet3", &chaincfg.TestNet3Params)
	Testnet4 = fromChaincfg("testnet4", &chaincfg.TestNet4Params)
	Signet   = fromChaincfg("signet", &chaincfg.SigNetParams)
	Regtest  = fromChaincfg("regtest", &chaincfg.RegressionNetParams)
)

// Networks lists the known networks, mainnet first.
func Networks() []*Params {
	return []*Params{Mainnet, Testnet3, Testnet4, Signet, Regtest}
}

// ByName returns the known network called name ("mainnet", "testnet3",
// "testnet4", "signet", "regtest"; "main", "test" and "testnet" are accepted
// as the usual aliases).
func ByName(name string) (*Params, error) {
	switch n := strings.ToLower(name); n {
	case "main", "bitcoin":
		return Mainnet, nil
	case "test", "testnet":
		return Testnet3, nil
	default:
		for _, p := range Networks() {
			if p.Name == n {
				return p, nil
			}
		}
	}
	return nil, fmt.Errorf("chain: unknown network %q (known: mainnet, testnet3, testnet4, signet, regtest)", name)
}

// ByNet returns the known network whose magic is net, or nil.
func ByNet(net wire.BitcoinNet) *Params {
	for _, p := range Networks() {
		if p.Net == net {
			return p
		}
	}
	return nil
}

// String returns the network's name.
func (p *Params) String() string { return p.Name }
