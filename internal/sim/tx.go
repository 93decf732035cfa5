package sim

import (
	"fmt"
	"slices"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"

	"github.com/plumetrace/plume/chain"
)

// out is an output to make: an address and a value in satoshi.
type out struct {
	addr  int32
	value int64
}

// made is a transaction committed to the block being built.
type made struct {
	tx    *wire.MsgTx
	hash  chainhash.Hash
	coins []int32 // the coin each output became
}

// dust is the smallest change worth making; smaller change goes to the fee,
// as wallets do.
const dust = 2000

// vsize estimates the virtual size of a transaction spending ins and
// paying outs (plus one more output of kind extra, unless KindNone).
func (s *sim) vsize(ins []int32, outs []out, extra chain.Kind) int {
	n := txOverhead
	for _, c := range ins {
		n += inputVSize(&s.led.addrs[s.led.coins[c].addr])
	}
	for _, o := range outs {
		n += outputVSize(s.led.addrs[o.addr].kind)
	}
	if extra != chain.KindNone {
		n += outputVSize(extra)
	}
	return n
}

// sigops counts the legacy signature operations btcd charges a block for
// these outputs (one per P2PKH output).
func (s *sim) sigops(outs []out) int {
	n := 0
	for _, o := range outs {
		if s.led.addrs[o.addr].kind == chain.KindP2PKH {
			n++
		}
	}
	return n
}

// fee returns the fee for vsize at the block's going rate, varied a
// little per transaction as wallets estimate differently.
func (s *sim) fee(vsize int) int64 {
	return int64(float64(vsize) * s.feeRate * (0.8 + 0.7*s.rng.Float64()))
}

// commit adds to the block a transaction spending ins and paying outs, as
// wallet w builds it, and moves the coins. The caller has checked that the
// inputs cover the outputs; commit panics otherwise, as that is a bug of
// the simulation, not bad data.
func (s *sim) commit(w *wallet, ins []int32, outs []out) *made {
	tx := wire.NewMsgTx(2)
	seq := uint32(wire.MaxTxInSequenceNum)
	if w.coreStyle {
		tx.LockTime = uint32(s.blk.height - 1)
		seq = wire.MaxTxInSequenceNum - 2 // replaceable, BIP 125
	}
	var in, outv int64
	thief := false
	vs := s.vsize(ins, outs, chain.KindNone)
	for _, c := range ins {
		co := &s.led.coins[c]
		a := &s.led.addrs[co.addr]
		ti := wire.NewTxIn(&co.op, nil, nil)
		ti.Sequence = seq
		s.keys.spend(ti, a, s.sigRng)
		tx.AddTxIn(ti)
		in += co.value
		if s.led.wallets[a.owner].role == roleThief {
			thief = true
		}
		s.led.removeCoin(c)
	}
	for _, o := range outs {
		tx.AddTxOut(wire.NewTxOut(o.value, s.led.addrs[o.addr].script))
		outv += o.value
		if o.value < 0 {
			panic(fmt.Sprintf("sim: negative output at height %d", s.blk.height))
		}
		if s.led.wallets[s.led.addrs[o.addr].owner].role == roleThief {
			thief = true
		}
	}
	if outv > in || len(ins) == 0 || len(outs) == 0 {
		panic(fmt.Sprintf("sim: transaction at height %d spends %d and pays %d", s.blk.height, in, outv))
	}
	m := &made{tx: tx, hash: tx.TxHash(), coins: make([]int32, len(outs))}
	for i, o := range outs {
		m.coins[i] = s.led.addCoin(wire.OutPoint{Hash: m.hash, Index: uint32(i)}, o.value, o.addr, s.blk.height, false)
		if s.led.wallets[s.led.addrs[o.addr].owner].role == roleUser {
			slot := &s.recent[s.blk.height%recentBlocks]
			*slot = append(*slot, s.led.ref(m.coins[i]))
		}
	}
	d := s.blk
	d.txs = append(d.txs, tx)
	d.hashes = append(d.hashes, m.hash)
	d.fees += in - outv
	d.vsize += vs
	d.sigops += s.sigops(outs)
	s.nTxs++
	if thief {
		s.truth.noteThiefTx(s, m)
	}
	return m
}

// pay commits ins paying outs with the change, if worth keeping, to
// change; the change goes last when last is set (services), else at a
// random position (wallets shuffle). It returns nil when the inputs do not
// cover the outputs and the fee, or the block is full.
func (s *sim) pay(w *wallet, ins []int32, outs []out, change int32, last bool) *made {
	return s.payFee(w, ins, outs, change, last, -1)
}

// payFee is pay with a fixed fee, or the going rate when fee < 0.
func (s *sim) payFee(w *wallet, ins []int32, outs []out, change int32, last bool, fee int64) *made {
	if len(ins) == 0 {
		return nil
	}
	var in, pay int64
	for _, c := range ins {
		in += s.led.coins[c].value
	}
	for _, o := range outs {
		pay += o.value
	}
	vs := s.vsize(ins, outs, s.led.addrs[change].kind)
	if !s.blk.fits(vs, s.sigops(outs)+1) {
		return nil
	}
	if fee < 0 {
		fee = s.fee(vs)
	}
	left := in - pay - fee
	if left < 0 {
		return nil
	}
	if left >= dust {
		c := out{change, left}
		if last || len(outs) == 0 {
			outs = append(slices.Clip(outs), c)
		} else {
			outs = slices.Insert(slices.Clip(outs), s.rng.IntN(len(outs)+1), c)
		}
	}
	if len(outs) == 0 {
		return nil
	}
	return s.commit(w, ins, outs)
}

// sweep commits ins paying everything but the fee to one address.
func (s *sim) sweep(w *wallet, ins []int32, to int32) *made {
	var in int64
	for _, c := range ins {
		in += s.led.coins[c].value
	}
	vs := s.vsize(ins, nil, s.led.addrs[to].kind)
	v := in - s.fee(vs)
	if v < dust || !s.blk.fits(vs, 1) {
		return nil
	}
	return s.commit(w, ins, []out{{to, v}})
}

// sum returns the value of coins.
func (s *sim) sum(coins []int32) int64 {
	var v int64
	for _, c := range coins {
		v += s.led.coins[c].value
	}
	return v
}
