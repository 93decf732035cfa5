package btcdtest

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"io"
	"testing"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/txscript"
	"github.com/btcsuite/btcd/wire"

	"github.com/plumetrace/plume/chain"
)

// CoinbaseMaturity is how many blocks must follow a coinbase's before it
// can be spent (its own block counts as the first confirmation).
const CoinbaseMaturity = 100

// SegwitHeight is the height from which btcd's regtest enforces segwit
// and taproot: both are BIP 9 deployments that its miner signals from the
// start, locked in after the 288th block and active from the 432nd. A
// transaction spending a P2WPKH or P2TR coin is rejected before the tip
// is at SegwitHeight-1 (it would go into block SegwitHeight); paying such
// outputs works at any height.
const SegwitHeight = 432

// dust is the smallest change output Spend makes; less goes to the fee.
const dust = 1000

// Coin is an output the node's key can spend.
type Coin struct {
	OutPoint wire.OutPoint
	Value    int64
	Script   []byte
}

// Coins returns the outputs of tx that pay the node's key.
func (n *Node) Coins(tx *wire.MsgTx) []Coin {
	var coins []Coin
	h := tx.TxHash()
	for i, o := range tx.TxOut {
		if _, ok := n.Key.Owns(o.PkScript); ok {
			coins = append(coins, Coin{OutPoint: *wire.NewOutPoint(&h, uint32(i)), Value: o.Value, Script: o.PkScript})
		}
	}
	return coins
}

// Spend pays outs from the node key's mature coinbase outputs, oldest
// first, with change to the key (Options.ChangeKind) and a fee of
// Options.FeeRate; it signs the transaction, sends it to the node's
// mempool and returns it. Each coinbase is used once. It fails the test
// when the mature coinbases left do not cover outs: Generate more blocks.
func (n *Node) Spend(outs ...*wire.TxOut) *wire.MsgTx {
	n.t.Helper()
	need := int64(100_000) // a fee margin for one more input
	for _, o := range outs {
		need += o.Value
	}
	tip, _ := n.Tip()
	var coins []Coin
	var have int64
	for ; have < need && n.nextCoinbase <= tip-CoinbaseMaturity+1; n.nextCoinbase++ {
		cb := n.Block(n.BlockHash(n.nextCoinbase)).Transactions[0]
		for _, c := range n.Coins(cb) {
			coins = append(coins, c)
			have += c.Value
		}
	}
	if have < need {
		n.t.Fatalf("btcdtest: Spend needs %d sat; the mature coinbases up to height %d hold %d: generate more blocks", need, tip, have)
	}
	return n.SpendCoins(coins, outs...)
}

// SpendCoins spends coins of the node's key (P2PKH, P2WPKH or P2TR; see
// SegwitHeight for the last two) to outs, with change to the key and a fee
// of Options.FeeRate, signs the transaction, checks the signatures with
// btcd's script engine, sends it and returns it.
func (n *Node) SpendCoins(coins []Coin, outs ...*wire.TxOut) *wire.MsgTx {
	n.t.Helper()
	tx, err := n.build(coins, outs)
	if err != nil {
		n.t.Fatal(err)
	}
	n.Send(tx)
	return tx
}

// Send sends a signed transaction with sendrawtransaction.
func (n *Node) Send(tx *wire.MsgTx) chainhash.Hash {
	n.t.Helper()
	var buf bytes.Buffer
	if err := tx.Serialize(&buf); err != nil {
		n.t.Fatal(err)
	}
	var id string
	if err := n.Call(&id, "sendrawtransaction", hex.EncodeToString(buf.Bytes())); err != nil {
		n.t.Fatalf("%v\ntransaction %v", err, tx.TxHash())
	}
	return tx.TxHash()
}

// build makes and signs the transaction. The fee depends on the signed
// size, so it signs twice: once to measure, once with the final change.
func (n *Node) build(coins []Coin, outs []*wire.TxOut) (*wire.MsgTx, error) {
	if len(coins) == 0 {
		return nil, fmt.Errorf("btcdtest: no coins to spend")
	}
	tx := wire.NewMsgTx(2)
	var in, out int64
	prev := txscript.NewMultiPrevOutFetcher(nil)
	for _, c := range coins {
		if _, ok := n.Key.Owns(c.Script); !ok {
			return nil, fmt.Errorf("btcdtest: coin %v does not pay the node's key", c.OutPoint)
		}
		tx.AddTxIn(wire.NewTxIn(&c.OutPoint, nil, nil))
		prev.AddPrevOut(c.OutPoint, wire.NewTxOut(c.Value, c.Script))
		in += c.Value
	}
	for _, o := range outs {
		tx.AddTxOut(o)
		out += o.Value
	}
	change := wire.NewTxOut(0, n.Key.Script(n.opts.ChangeKind))
	tx.AddTxOut(change)
	if err := n.sign(tx, coins, prev); err != nil {
		return nil, err
	}
	// Two bytes of slack: a later signature may be a byte longer.
	fee := n.opts.FeeRate * (vsize(tx) + 2)
	change.Value = in - out - fee
	if change.Value < 0 {
		return nil, fmt.Errorf("btcdtest: coins hold %d sat, outputs and fee need %d", in, out+fee)
	}
	if change.Value < dust {
		tx.TxOut = tx.TxOut[:len(tx.TxOut)-1]
	}
	if err := n.sign(tx, coins, prev); err != nil {
		return nil, err
	}
	return tx, nil
}

// vsize is the virtual size of tx: its weight over four, rounded up.
func vsize(tx *wire.MsgTx) int64 {
	weight := int64(tx.SerializeSizeStripped())*3 + int64(tx.SerializeSize())
	return (weight + 3) / 4
}

// sign signs every input of tx and runs each through btcd's script engine,
// so that a wrong signature fails here with a reason, not as a rejection.
func (n *Node) sign(tx *wire.MsgTx, coins []Coin, prev *txscript.MultiPrevOutFetcher) error {
	hashes := txscript.NewTxSigHashes(tx, prev)
	priv := n.Key.Priv
	for i, c := range coins {
		kind, _ := n.Key.Owns(c.Script)
		var err error
		switch kind {
		case chain.KindP2PKH:
			tx.TxIn[i].SignatureScript, err = txscript.SignatureScript(tx, i, c.Script, txscript.SigHashAll, priv, true)
		case chain.KindP2WPKH:
			tx.TxIn[i].Witness, err = txscript.WitnessSignature(tx, hashes, i, c.Value, c.Script, txscript.SigHashAll, priv, true)
		case chain.KindP2TR:
			tx.TxIn[i].Witness, err = txscript.TaprootWitnessSignature(tx, hashes, i, c.Value, c.Script, txscript.SigHashDefault, priv)
		}
		if err != nil {
			return fmt.Errorf("btcdtest: signing input %d: %w", i, err)
		}
	}
	for i, c := range coins {
		vm, err := txscript.NewEngine(c.Script, tx, i, txscript.StandardVerifyFlags, nil, hashes, c.Value, prev)
		if err == nil {
			err = vm.Execute()
		}
		if err != nil {
			return fmt.Errorf("btcdtest: input %d does not verify: %w", i, err)
		}
	}
	return nil
}

// hexReader decodes a hex string for Deserialize.
func hexReader(t testing.TB, s string) io.Reader {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return bytes.NewReader(b)
}
