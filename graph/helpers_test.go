package graph

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"

	"github.com/plumetrace/plume/chain"
)

// Test data: hand-made resolved transactions. A world holds every
// transaction made so far, inside the region under test or not, so that
// inputs resolve against it and spends fill the creator's SpentBy, as a
// consistent store would.

// addr returns test address i: a P2WPKH whose hash is i, so every i gives
// a distinct address and i == j gives the same one.
func addr(i int) chain.Address {
	a := chain.Address{Kind: chain.KindP2WPKH}
	binary.BigEndian.PutUint64(a.Hash[:8], uint64(i)+1)
	return a
}

// pay is one output of a hand-made transaction.
type pay struct {
	to    chain.Address
	value int64
}

const btc = 100_000_000

var t0 = time.Date(2024, 4, 20, 0, 0, 0, 0, time.UTC)

func blockTime(h int32) time.Time { return t0.Add(time.Duration(h) * 10 * time.Minute) }

type world struct {
	txs map[chain.TxID]*chain.Tx
}

func newWorld() *world { return &world{txs: make(map[chain.TxID]*chain.Tx)} }

// tx makes the transaction at position pos of block height, spending ins
// (outputs of transactions made earlier; none makes a coinbase) and paying
// outs. It fills Prevouts from the spent outputs and marks them spent in
// their creators' SpentBy.
func (w *world) tx(height int32, pos int, ins []chain.OutPoint, outs ...pay) *chain.Tx {
	id := chain.MakeTxID(height, pos)
	if w.txs[id] != nil {
		panic(fmt.Sprintf("test world: transaction %v made twice", id))
	}
	msg := wire.NewMsgTx(2)
	tx := &chain.Tx{ID: id, Time: blockTime(height), Msg: msg, SpentBy: make([]chain.InPoint, len(outs))}
	if len(ins) == 0 {
		// A coinbase; its script holds the position so that txids differ.
		script := binary.BigEndian.AppendUint64(nil, uint64(id))
		msg.AddTxIn(wire.NewTxIn(wire.NewOutPoint(&zeroHash, wire.MaxPrevOutIndex), script, nil))
	}
	for vin, o := range ins {
		prev := w.txs[o.Tx]
		switch {
		case prev == nil || int(o.Vout) >= len(prev.Msg.TxOut):
			panic(fmt.Sprintf("test world: %v spends unknown output %v", id, o))
		case prev.ID >= id:
			panic(fmt.Sprintf("test world: %v spends later output %v", id, o))
		case !prev.SpentBy[o.Vout].IsZero():
			panic(fmt.Sprintf("test world: %v double-spends %v", id, o))
		}
		txo := prev.Msg.TxOut[o.Vout]
		msg.AddTxIn(wire.NewTxIn(wire.NewOutPoint(&prev.Hash, o.Vout), nil, nil))
		tx.Prevouts = append(tx.Prevouts, chain.Prevout{Out: o, Value: txo.Value, Script: txo.PkScript, Addr: chain.AddressOf(txo.PkScript), Resolved: true})
		prev.SpentBy[o.Vout] = chain.InPoint{Tx: id, Vin: uint32(vin)}
	}
	for _, o := range outs {
		msg.AddTxOut(wire.NewTxOut(o.value, o.to.Script()))
	}
	tx.Hash = msg.TxHash()
	w.txs[id] = tx
	return tx
}

var zeroHash chainhash.Hash

// ins is shorthand for a list of spent outputs.
func ins(os ...chain.OutPoint) []chain.OutPoint { return os }

// at returns members of the given hop.
func at(hop int, txs ...*chain.Tx) []Member {
	ms := make([]Member, len(txs))
	for i, tx := range txs {
		ms[i] = Member{Tx: tx, Hop: hop}
	}
	return ms
}

// handFlow is a small region with every case the gonum view has:
//
//	E (100:1, outside)  A 5 BTC, B 1 BTC
//	T1 (101:2, hop 0)   spends E:0; pays C 3 BTC (the seed), D 1.9999
//	O (101:3, outside)  spends T1:1; pays F
//	T2 (102:1, hop 1)   spends T1:0 and E:1; pays G 2 BTC, C 1.9998
//	T3 (103:5, hop 2)   spends T2:0; pays H 1.9999
//
// so E:0 and E:1 are outside outputs the flow spends, T1:1 is spent
// outside the flow, and T2:1 and T3:0 are unspent.
type handFlow struct {
	w                *world
	E, T1, O, T2, T3 *chain.Tx
	A, B, C, D, F    chain.Address
	G, H             chain.Address
	members          []Member
	seed             chain.OutPoint
}

func newHandFlow() *handFlow {
	h := &handFlow{w: newWorld(), A: addr(1), B: addr(2), C: addr(3), D: addr(4), F: addr(5), G: addr(6), H: addr(7)}
	w := h.w
	h.E = w.tx(100, 1, nil, pay{h.A, 5 * btc}, pay{h.B, 1 * btc})
	h.T1 = w.tx(101, 2, ins(h.E.ID.Out(0)), pay{h.C, 3 * btc}, pay{h.D, 199_990_000})
	h.O = w.tx(101, 3, ins(h.T1.ID.Out(1)), pay{h.F, 199_980_000})
	h.T2 = w.tx(102, 1, ins(h.T1.ID.Out(0), h.E.ID.Out(1)), pay{h.G, 2 * btc}, pay{h.C, 199_980_000})
	h.T3 = w.tx(103, 5, ins(h.T2.ID.Out(0)), pay{h.H, 199_990_000})
	h.seed = h.T1.ID.Out(0)
	// Out of order, with duplicates at larger hops, as a trace may hand
	// them over.
	h.members = slices.Concat(at(2, h.T3), at(3, h.T2), at(0, h.T1), at(1, h.T2), at(2, h.T1))
	return h
}

func (h *handFlow) flow() *Flow {
	return New(nil, true, []chain.OutPoint{h.seed}, h.members)
}

// randFlow is a random region: seed transactions funded from outside,
// then transactions that each spend at least one earlier output of the
// region, some also spending outside outputs, and outside transactions
// spending some of the region's outputs.
type randFlow struct {
	w       *world
	flow    *Flow
	members []*chain.Tx // chain order
	seeds   []chain.OutPoint
}

// randomFlow makes a random region of n transactions, the same for the
// same seed.
func randomFlow(seed uint64, n int) *randFlow {
	rng := rand.New(rand.NewPCG(seed, 0x706c756d65))
	w := newWorld()
	r := &randFlow{w: w}
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
	value := func(o chain.OutPoint) int64 { return w.txs[o.Tx].Msg.TxOut[o.Vout].Value }
	outs := func(total int64) []pay {
		total -= min(1000, total/10) // fee
		k := 1 + rng.IntN(3)
		if total < int64(k) {
			k = 1
		}
		ps := make([]pay, k)
		for i := range ps {
			v := total / int64(k-i)
			if i < k-1 && v > 1 {
				v = 1 + rng.Int64N(v)
			}
			ps[i] = pay{addr(rng.IntN(addrs)), v}
			total -= v
		}
		return ps
	}
	// Outside funding.
	for range 1 + n/5 {
		h, p := next()
		tx := w.tx(h, p, nil, pay{addr(rng.IntN(addrs)), 10 * btc}, pay{addr(rng.IntN(addrs)), 5 * btc})
		ext = append(ext, tx.ID.Out(0), tx.ID.Out(1))
	}
	hops := make(map[chain.TxID]int)
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
		var total int64 = 10 * btc
		if len(spent) > 0 {
			total = 0
			for _, o := range spent {
				total += value(o)
			}
		}
		h, p := next()
		tx := w.tx(h, p, spent, outs(total)...)
		hop := 0
		if i >= seeds {
			hop = -1
			for _, o := range spent {
				if fh, ok := hops[o.Tx]; ok && (hop < 0 || fh+1 < hop) {
					hop = fh + 1
				}
			}
		} else {
			r.seeds = append(r.seeds, tx.ID.Out(0))
		}
		hops[tx.ID] = hop
		r.members = append(r.members, tx)
		for v := range tx.Msg.TxOut {
			inside = append(inside, tx.ID.Out(uint32(v)))
		}
		// Now and then an outside transaction spends one of the region's
		// outputs.
		if len(inside) > 1 && rng.IntN(8) == 0 {
			o := take(&inside)
			h, p := next()
			w.tx(h, p, ins(o), pay{addr(rng.IntN(addrs)), value(o) - min(1000, value(o)/10)})
		}
	}
	ms := make([]Member, len(r.members))
	for i, tx := range r.members {
		ms[i] = Member{Tx: tx, Hop: hops[tx.ID]}
	}
	rng.Shuffle(len(ms), func(i, j int) { ms[i], ms[j] = ms[j], ms[i] })
	r.flow = New(chain.Regtest, true, r.seeds, ms)
	return r
}

// spec is the gonum view of a region worked out from the transactions
// alone, without the Flow.
type spec struct {
	nodes []int64            // ascending
	edges map[[2]int64]int64 // from, to -> value in satoshi
	ext   map[chain.OutPoint]chain.Prevout
}

func specOf(members []*chain.Tx) spec {
	in := make(map[chain.TxID]*chain.Tx, len(members))
	for _, tx := range members {
		in[tx.ID] = tx
	}
	s := spec{edges: make(map[[2]int64]int64), ext: make(map[chain.OutPoint]chain.Prevout)}
	for _, tx := range members {
		s.nodes = append(s.nodes, tx.ID.Node())
		for v, o := range tx.Msg.TxOut {
			out := tx.ID.Out(uint32(v)).Node()
			s.nodes = append(s.nodes, out)
			s.edges[[2]int64{tx.ID.Node(), out}] = o.Value
		}
		for _, p := range tx.Prevouts {
			if p.Out.IsZero() {
				continue
			}
			if in[p.Out.Tx] == nil {
				s.ext[p.Out] = p
				s.nodes = append(s.nodes, p.Out.Node())
			}
			s.edges[[2]int64{p.Out.Node(), tx.ID.Node()}] = p.Value
		}
	}
	slices.Sort(s.nodes)
	return s
}

// downstream returns the node IDs reachable from output o by following
// spends within the region, o included, walking SpentBy.
func downstream(members []*chain.Tx, o chain.OutPoint) map[int64]bool {
	in := make(map[chain.TxID]*chain.Tx, len(members))
	for _, tx := range members {
		in[tx.ID] = tx
	}
	seen := map[int64]bool{o.Node(): true}
	for stack := []chain.OutPoint{o}; len(stack) > 0; {
		o := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		creator := in[o.Tx]
		if creator == nil {
			continue
		}
		by := creator.SpentBy[o.Vout]
		spender := in[by.Tx]
		if by.IsZero() || spender == nil || seen[spender.ID.Node()] {
			continue
		}
		seen[spender.ID.Node()] = true
		for v := range spender.Msg.TxOut {
			next := spender.ID.Out(uint32(v))
			seen[next.Node()] = true
			stack = append(stack, next)
		}
	}
	return seen
}
