// Package synth generates mainnet-shaped blocks: transactions whose input
// and output counts, script types, coin ages and address reuse follow the
// distribution in the project's architecture notes. Benchmarks use it for
// streams far larger than the real blocks shipped in the btcd module.
//
// Blocks link to the network's genesis and carry correct txids and merkle
// roots; every input spends an existing unspent output and no value is
// created, but there is no proof of work and signatures are random bytes of
// realistic size.
package synth

import (
	"bytes"
	"encoding/binary"
	"iter"
	"math/rand/v2"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/txscript"
	"github.com/btcsuite/btcd/wire"

	"github.com/plumetrace/plume/chain"
)

// Config says what to generate. The zero value generates 100,000
// transactions on regtest.
type Config struct {
	Seed        uint64
	Txs         int // transactions to generate, coinbases included
	TxsPerBlock int // 0 means 2,000
	Params      *chain.Params
	// Start is the first block's time; zero means 2018-09-14 00:00 UTC.
	Start time.Time
}

func (c Config) withDefaults() Config {
	if c.Txs <= 0 {
		c.Txs = 100_000
	}
	if c.TxsPerBlock <= 0 {
		c.TxsPerBlock = 2000
	}
	if c.Params == nil {
		c.Params = chain.Regtest
	}
	if c.Start.IsZero() {
		c.Start = time.Date(2018, 9, 14, 0, 0, 0, 0, time.UTC)
	}
	return c
}

type utxo struct {
	op     wire.OutPoint
	value  int64
	script []byte
	height int32
}

type gen struct {
	cfg    Config
	rng    *rand.Rand
	recent []utxo // created in the last 10 blocks
	old    []utxo
	addrs  [][]byte // recent receiving scripts, for reuse
	height int32
	prev   chainhash.Hash
	sig    []byte
}

// Raw returns the serialized blocks of cfg, heights 1.. on top of the
// network's genesis.
func Raw(cfg Config) iter.Seq[[]byte] {
	return func(yield func([]byte) bool) {
		g := newGen(cfg)
		for left := g.cfg.Txs; left > 0; {
			raw, n := g.block(min(left, g.cfg.TxsPerBlock))
			if !yield(raw) {
				return
			}
			left -= n
		}
	}
}

// Blocks returns the decoded blocks of cfg.
func Blocks(cfg Config) iter.Seq2[*chain.Block, error] {
	return func(yield func(*chain.Block, error) bool) {
		h := int32(1)
		for raw := range Raw(cfg) {
			b, err := chain.DecodeBlock(raw, h)
			if !yield(b, err) || err != nil {
				return
			}
			h++
		}
	}
}

func newGen(cfg Config) *gen {
	cfg = cfg.withDefaults()
	g := &gen{cfg: cfg, rng: rand.New(rand.NewPCG(cfg.Seed, 0x706c756d65)), prev: cfg.Params.GenesisHash}
	g.sig = make([]byte, 256)
	for i := range g.sig {
		g.sig[i] = byte(g.rng.Uint32())
	}
	return g
}

// script returns a receiving script: 20% reuse a recent address, the rest
// are fresh, with the mainnet mix of types.
func (g *gen) script() []byte {
	if len(g.addrs) > 0 && g.rng.IntN(5) == 0 {
		return g.addrs[g.rng.IntN(len(g.addrs))]
	}
	var h [32]byte
	binary.LittleEndian.PutUint64(h[0:], g.rng.Uint64())
	binary.LittleEndian.PutUint64(h[8:], g.rng.Uint64())
	binary.LittleEndian.PutUint64(h[16:], g.rng.Uint64())
	binary.LittleEndian.PutUint64(h[24:], g.rng.Uint64())
	var a chain.Address
	var s []byte
	switch r := g.rng.IntN(100); {
	case r < 50:
		a = chain.Address{Kind: chain.KindP2WPKH, Hash: h}
	case r < 75:
		a = chain.Address{Kind: chain.KindP2PKH, Hash: h}
	case r < 85:
		a = chain.Address{Kind: chain.KindP2SH, Hash: h}
	case r < 97:
		a = chain.Address{Kind: chain.KindP2TR, Hash: h}
	default:
		a = chain.Address{Kind: chain.KindP2WSH, Hash: h}
	}
	clear(a.Hash[a.Kind.HashLen():])
	s = a.Script()
	if len(g.addrs) < 4096 {
		g.addrs = append(g.addrs, s)
	} else {
		g.addrs[g.rng.IntN(len(g.addrs))] = s
	}
	return s
}

func (g *gen) nIn() int {
	switch r := g.rng.IntN(100); {
	case r < 70:
		return 1
	case r < 85:
		return 2
	case r < 98:
		return g.skewed(3, 10)
	default:
		return g.skewed(11, 50)
	}
}

func (g *gen) nOut() int {
	switch r := g.rng.IntN(100); {
	case r < 15:
		return 1
	case r < 75:
		return 2
	case r < 97:
		return g.skewed(3, 20)
	default:
		return g.skewed(21, 100)
	}
}

// skewed returns a count in [lo, hi] favouring the low end (mean about a
// third of the way up), as real transaction sizes do.
func (g *gen) skewed(lo, hi int) int {
	u := g.rng.Float64()
	return lo + int(float64(hi-lo+1)*u*u)
}

// take removes a random unspent output: half from the last 10 blocks, the
// rest from anything older.
func (g *gen) take() (utxo, bool) {
	pool := &g.old
	if (g.rng.IntN(2) == 0 && len(g.recent) > 0) || len(g.old) == 0 {
		pool = &g.recent
	}
	if len(*pool) == 0 {
		return utxo{}, false
	}
	i := g.rng.IntN(len(*pool))
	u := (*pool)[i]
	(*pool)[i] = (*pool)[len(*pool)-1]
	*pool = (*pool)[:len(*pool)-1]
	return u, true
}

// witness returns a realistic spending witness or scriptSig for script.
func (g *gen) spend(in *wire.TxIn, script []byte) {
	sig := g.sig[:72]
	key := g.sig[100:133]
	switch chain.AddressOf(script).Kind {
	case chain.KindP2WPKH:
		in.Witness = wire.TxWitness{sig, key}
	case chain.KindP2TR:
		in.Witness = wire.TxWitness{g.sig[:64]}
	case chain.KindP2WSH:
		in.Witness = wire.TxWitness{nil, sig, g.sig[:71], g.sig[140:211]}
	default:
		b := txscript.NewScriptBuilder().AddData(sig).AddData(key)
		in.SignatureScript, _ = b.Script()
	}
}

const (
	fee      = 1500
	minValue = 10_000 // no output is dust, so every output can pay a fee later
)

// tx returns a transaction spending random unspent outputs, or nil when
// none is left.
func (g *gen) tx() *wire.MsgTx {
	tx := wire.NewMsgTx(2)
	var total int64
	for n := g.nIn(); len(tx.TxIn) < n || total < fee+minValue; {
		u, ok := g.take()
		if !ok {
			break
		}
		in := wire.NewTxIn(&u.op, nil, nil)
		g.spend(in, u.script)
		tx.AddTxIn(in)
		total += u.value
	}
	if total < fee+minValue {
		return nil
	}
	avail := total - fee
	outs := min(g.nOut(), int(avail/minValue))
	left := avail
	for i := range outs {
		v := left
		if i < outs-1 {
			// Random splits; the last output takes the rest.
			spare := left - int64(outs-i)*minValue
			v = minValue + g.rng.Int64N(spare/2+1)
		}
		left -= v
		tx.AddTxOut(wire.NewTxOut(v, g.script()))
	}
	return tx
}

// block returns a serialized block of up to n transactions and how many
// it holds.
func (g *gen) block(n int) ([]byte, int) {
	g.height++
	h := g.height
	cb := wire.NewMsgTx(1)
	cbScript := binary.LittleEndian.AppendUint32([]byte{4}, uint32(h))
	cb.AddTxIn(wire.NewTxIn(wire.NewOutPoint(&chainhash.Hash{}, wire.MaxPrevOutIndex), cbScript, nil))
	if h == 1 {
		// A distribution coinbase seeds the economy with spendable coins.
		for range 20_000 {
			cb.AddTxOut(wire.NewTxOut(1e8, g.script()))
		}
	} else {
		cb.AddTxOut(wire.NewTxOut(50e8, g.script()))
	}
	txs := []*wire.MsgTx{cb}
	var created []utxo
	addOuts := func(tx *wire.MsgTx) {
		hash := tx.TxHash()
		for v, o := range tx.TxOut {
			created = append(created, utxo{op: wire.OutPoint{Hash: hash, Index: uint32(v)}, value: o.Value, script: o.PkScript, height: h})
		}
	}
	for len(txs) < n {
		tx := g.tx()
		if tx == nil {
			break
		}
		txs = append(txs, tx)
		addOuts(tx)
	}
	commitWitness(txs)
	addOuts(cb)
	// Outputs become spendable from the next block on, so a block never
	// spends its own outputs and transaction order within it stays simple.
	g.age(h - 10)
	g.recent = append(g.recent, created...)
	hashes := make([]chainhash.Hash, len(txs))
	for i, tx := range txs {
		hashes[i] = tx.TxHash()
	}
	blk := wire.MsgBlock{Header: wire.BlockHeader{
		Version:    4,
		PrevBlock:  g.prev,
		MerkleRoot: chain.MerkleRoot(hashes),
		Timestamp:  g.cfg.Start.Add(time.Duration(h) * 10 * time.Minute),
		Bits:       0x207fffff,
		Nonce:      uint32(h),
	}, Transactions: txs}
	var buf bytes.Buffer
	buf.Grow(blk.SerializeSize())
	_ = blk.Serialize(&buf)
	g.prev = blk.Header.BlockHash()
	return buf.Bytes(), len(txs)
}

// commitWitness adds the BIP 141 witness commitment to the coinbase
// txs[0], as every block with witness data must carry.
func commitWitness(txs []*wire.MsgTx) {
	wtxids := make([]chainhash.Hash, len(txs))
	for i, tx := range txs[1:] {
		wtxids[i+1] = tx.WitnessHash()
	}
	root := chain.MerkleRoot(wtxids)
	var reserved [32]byte
	cb := txs[0]
	cb.TxIn[0].Witness = wire.TxWitness{reserved[:]}
	c := chainhash.DoubleHashH(append(root[:], reserved[:]...))
	cb.AddTxOut(wire.NewTxOut(0, append([]byte{0x6a, 0x24, 0xaa, 0x21, 0xa9, 0xed}, c[:]...)))
}

// age moves outputs created at or before height from the recent pool to
// the old one.
func (g *gen) age(height int32) {
	n := 0
	for _, u := range g.recent {
		if u.height > height {
			g.recent[n] = u
			n++
		} else {
			g.old = append(g.old, u)
		}
	}
	g.recent = g.recent[:n]
}
