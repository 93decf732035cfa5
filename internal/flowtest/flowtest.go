// Package flowtest makes resolved transactions by hand, and random traced
// regions, for the tests of graph and trace. A World holds every
// transaction made so far, inside the region under test or not, so inputs
// resolve against it and spends fill the creator's SpentBy, as a
// consistent store would.
package flowtest

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"

	"github.com/plumetrace/plume/chain"
)

// BTC is one coin in satoshi.
const BTC = 100_000_000

// Addr returns test address i: a P2WPKH whose hash is i, so every i gives
// a distinct address and i == j gives the same one.
func Addr(i int) chain.Address {
	a := chain.Address{Kind: chain.KindP2WPKH}
	binary.BigEndian.PutUint64(a.Hash[:8], uint64(i)+1)
	return a
}

// Pay is one output of a hand-made transaction.
type Pay struct {
	To    chain.Address
	Value int64
}

var t0 = time.Date(2024, 4, 20, 0, 0, 0, 0, time.UTC)

// BlockTime is the time of block h in a World: ten minutes a block.
func BlockTime(h int32) time.Time { return t0.Add(time.Duration(h) * 10 * time.Minute) }

// World is every transaction made so far.
type World struct {
	Txs map[chain.TxID]*chain.Tx
}

// NewWorld returns an empty World.
func NewWorld() *World { return &World{Txs: make(map[chain.TxID]*chain.Tx)} }

var zeroHash chainhash.Hash

// Tx makes the transaction at position pos of block height, spending ins
// (outputs of transactions made earlier; none makes a coinbase) and paying
// outs. It fills Prevouts from the spent outputs and marks them spent in
// their creators' SpentBy. It panics on a test's mistake (an unknown,
// later or spent output).
func (w *World) Tx(height int32, pos int, ins []chain.OutPoint, outs ...Pay) *chain.Tx {
	id := chain.MakeTxID(height, pos)
	if w.Txs[id] != nil {
		panic(fmt.Sprintf("flowtest: transaction %v made twice", id))
	}
	msg := wire.NewMsgTx(2)
	tx := &chain.Tx{ID: id, Time: BlockTime(height), Msg: msg, SpentBy: make([]chain.InPoint, len(outs))}
	if len(ins) == 0 {
		// A coinbase; its script holds the position so that txids differ.
		script := binary.BigEndian.AppendUint64(nil, uint64(id))
		msg.AddTxIn(wire.NewTxIn(wire.NewOutPoint(&zeroHash, wire.MaxPrevOutIndex), script, nil))
	}
	for vin, o := range ins {
		prev := w.Txs[o.Tx]
		switch {
		case prev == nil || int(o.Vout) >= len(prev.Msg.TxOut):
			panic(fmt.Sprintf("flowtest: %v spends unknown output %v", id, o))
		case prev.ID >= id:
			panic(fmt.Sprintf("flowtest: %v spends later output %v", id, o))
		case !prev.SpentBy[o.Vout].IsZero():
			panic(fmt.Sprintf("flowtest: %v double-spends %v", id, o))
		}
		txo := prev.Msg.TxOut[o.Vout]
		msg.AddTxIn(wire.NewTxIn(wire.NewOutPoint(&prev.Hash, o.Vout), nil, nil))
		tx.Prevouts = append(tx.Prevouts, chain.Prevout{Out: o, Value: txo.Value, Script: txo.PkScript, Addr: chain.AddressOf(txo.PkScript), Resolved: true})
		prev.SpentBy[o.Vout] = chain.InPoint{Tx: id, Vin: uint32(vin)}
	}
	for _, o := range outs {
		msg.AddTxOut(wire.NewTxOut(o.Value, o.To.Script()))
	}
	tx.Hash = msg.TxHash()
	w.Txs[id] = tx
	return tx
}

// Value returns the value of output o.
func (w *World) Value(o chain.OutPoint) int64 { return w.Txs[o.Tx].Msg.TxOut[o.Vout].Value }

// Region is a random traced region: seed transactions funded from
// outside, then transactions that each spend at least one earlier output
// of the region, some also spending outside outputs, and outside
// transactions spending some of the region's outputs.
type Region struct {
	World *World
	Txs   []*chain.Tx // the region, in chain order
	Hops  map[chain.TxID]int
	Seeds []chain.OutPoint // output 0 of each seed transaction
}

// Random makes a random region of n transactions with random values and
// fees, the same for the same seed.
func Random(seed uint64, n int) *Region {
	rng := rand.New(rand.NewPCG(seed, 0x706c756d65))
	w := NewWorld()
	r := &Region{World: w, Hops: make(map[chain.TxID]int)}
	addrs := n/2 + 3
	height, pos := int32(1000), 0
	next := func() (int32, int) {
		if pos > 0 && rng.IntN(3) == 0 {
			height, pos = height+1+int32(rng.IntN(3)), 0
		}
		pos++
		return height, pos
	}
	var ext, inside []chain.OutPoint // unspent outputs outside and inside the region
	take := func(from *[]chain.OutPoint) chain.OutPoint {
		s := *from
		i := rng.IntN(len(s))
		o := s[i]
		s[i] = s[len(s)-1]
		*from = s[:len(s)-1]
		return o
	}
	outs := func(total int64) []Pay {
		total -= min(1000, total/10) // fee
		k := 1 + rng.IntN(3)
		if total < int64(k) {
			k = 1
		}
		ps := make([]Pay, k)
		for i := range ps {
			v := total / int64(k-i)
			if i < k-1 && v > 1 {
				v = 1 + rng.Int64N(v)
			}
			ps[i] = Pay{To: Addr(rng.IntN(addrs)), Value: v}
			total -= v
		}
		return ps
	}
	for range 1 + n/5 { // outside funding
		h, p := next()
		tx := w.Tx(h, p, nil, Pay{To: Addr(rng.IntN(addrs)), Value: 10 * BTC}, Pay{To: Addr(rng.IntN(addrs)), Value: 5 * BTC})
		ext = append(ext, tx.ID.Out(0), tx.ID.Out(1))
	}
	seeds := max(1, n/10)
	for i := range n {
		var spent []chain.OutPoint
		switch {
		case i < seeds || len(inside) == 0:
			if len(ext) > 0 {
				spent = append(spent, take(&ext))
			}
		default:
			spent = append(spent, take(&inside))
			for range rng.IntN(3) {
				if len(ext) > 0 && rng.IntN(4) == 0 {
					spent = append(spent, take(&ext))
				} else if len(inside) > 0 {
					spent = append(spent, take(&inside))
				}
			}
		}
		var total int64 = 10 * BTC
		if len(spent) > 0 {
			total = 0
			for _, o := range spent {
				total += w.Value(o)
			}
		}
		h, p := next()
		tx := w.Tx(h, p, spent, outs(total)...)
		hop := 0
		if i >= seeds {
			hop = -1
			for _, o := range spent {
				if fh, ok := r.Hops[o.Tx]; ok && (hop < 0 || fh+1 < hop) {
					hop = fh + 1
				}
			}
		} else {
			r.Seeds = append(r.Seeds, tx.ID.Out(0))
		}
		r.Hops[tx.ID] = hop
		r.Txs = append(r.Txs, tx)
		for v := range tx.Msg.TxOut {
			inside = append(inside, tx.ID.Out(uint32(v)))
		}
		// Now and then an outside transaction spends one of the region's
		// outputs.
		if len(inside) > 1 && rng.IntN(8) == 0 {
			o := take(&inside)
			h, p := next()
			w.Tx(h, p, []chain.OutPoint{o}, Pay{To: Addr(rng.IntN(addrs)), Value: w.Value(o) - min(1000, w.Value(o)/10)})
		}
	}
	return r
}

// Tree makes a random region of n transactions in which every transaction
// has exactly one input: seed transactions, each paying one output from
// outside, then splits and peel steps (one input, one to three outputs,
// random fees) spending earlier outputs of the region. Every input is
// then as stolen as the seed it descends from.
func Tree(seed uint64, n int) *Region {
	rng := rand.New(rand.NewPCG(seed, 0x74726565))
	w := NewWorld()
	r := &Region{World: w, Hops: make(map[chain.TxID]int)}
	height := int32(500)
	var inside []chain.OutPoint
	for i := range n {
		height += int32(rng.IntN(2))
		if i < max(1, n/8) || len(inside) == 0 {
			tx := w.Tx(height, i+1, nil, Pay{To: Addr(rng.IntN(n + 3)), Value: 1 + rng.Int64N(50*BTC)})
			r.Seeds = append(r.Seeds, tx.ID.Out(0))
			r.Hops[tx.ID] = 0
			r.Txs = append(r.Txs, tx)
			inside = append(inside, tx.ID.Out(0))
			continue
		}
		k := rng.IntN(len(inside))
		o := inside[k]
		inside[k] = inside[len(inside)-1]
		inside = inside[:len(inside)-1]
		total := w.Value(o) - rng.Int64N(min(w.Value(o), 5000)+1)
		outs := make([]Pay, 1+rng.IntN(3))
		for j := range outs {
			v := total
			if j < len(outs)-1 {
				v = rng.Int64N(total + 1)
			}
			outs[j] = Pay{To: Addr(rng.IntN(n + 3)), Value: v}
			total -= v
		}
		tx := w.Tx(height, i+1, []chain.OutPoint{o}, outs...)
		r.Hops[tx.ID] = r.Hops[o.Tx] + 1
		r.Txs = append(r.Txs, tx)
		for v := range tx.Msg.TxOut {
			inside = append(inside, tx.ID.Out(uint32(v)))
		}
	}
	return r
}
