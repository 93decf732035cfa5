package heuristic_test

import (
	"testing"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"

	"github.com/plumetrace/plume/chain"
	"github.com/plumetrace/plume/trace/heuristic"
)

// byteReader hands out bytes and then zeros.
type byteReader []byte

func (r *byteReader) next() byte {
	if len(*r) == 0 {
		return 0
	}
	b := (*r)[0]
	*r = (*r)[1:]
	return b
}

// value reads a value that is often round or at a detector's edge:
// mantissa x 10^exponent, or an edge value.
func (r *byteReader) value() int64 {
	m := int64(r.next())<<8 | int64(r.next())
	switch e := r.next(); {
	case e >= 240:
		return edgeValues[int(e)%len(edgeValues)]
	case e >= 200:
		return -m // invalid, must not panic
	default:
		v := m
		for range e % 10 {
			v *= 10
		}
		return v
	}
}

func (r *byteReader) io(outputs bool) io {
	sel := r.next()
	if outputs && sel >= 250 {
		return opReturn(r.next())
	}
	if sel >= 245 {
		// A script no template matches.
		return io{a: chain.AddressOf([]byte{sel, r.next()}), v: r.value(), script: []byte{sel, r.next()}}
	}
	return io{a: addr(kinds[int(sel)%len(kinds)], int(r.next()%16)), v: r.value()}
}

// fuzzTx builds a transaction, its spenders and a history from b.
func fuzzTx(b []byte) (*chain.Tx, *heuristic.Options) {
	r := byteReader(b)
	flags := r.next()
	nIn, nOut := int(r.next()%64), int(r.next()%64)
	ins, outs := make([]io, nIn), make([]io, nOut)
	for i := range ins {
		ins[i] = r.io(false)
	}
	for i := range outs {
		outs[i] = r.io(true)
	}
	x := mk(int32(r.next())+1, 1, ins, outs)
	x.Msg.LockTime = uint32(r.next())
	switch {
	case flags&1 != 0:
		x.Msg.TxIn = append([]*wire.TxIn{wire.NewTxIn(wire.NewOutPoint(&chainhash.Hash{}, wire.MaxPrevOutIndex), nil, nil)}, x.Msg.TxIn...)
		if flags&2 != 0 {
			x.Msg.TxIn = x.Msg.TxIn[:1]
		}
	case flags&2 != 0 && len(x.Prevouts) > 0:
		x.Prevouts[int(r.next())%len(x.Prevouts)].Resolved = false
	case flags&4 != 0 && len(x.Prevouts) > 0:
		x.Prevouts = x.Prevouts[1:]
	}
	h := heuristic.FirstSeenMap{}
	for range r.next() % 8 {
		h[r.io(false).a] = chain.MakeTxID(int32(r.next()), 1)
	}
	s := heuristic.SpenderMap{}
	for i := range x.Msg.TxOut {
		if r.next()&1 == 0 {
			continue
		}
		sp := mk(int32(r.next())+2, 2, []io{{wpkh(60), x.Msg.TxOut[i].Value, nil}}, []io{r.io(true), r.io(true)})
		sp.Msg.LockTime = uint32(r.next())
		s[x.ID.Out(uint32(i))] = sp
	}
	return x, &heuristic.Options{History: h, Spends: s, RoundDigits: int(flags>>4) - 2, FeeRateRatio: float64(flags >> 5)}
}

// FuzzDetectors builds a transaction from the fuzzer's bytes and runs every
// detector and every change rule on it: none may panic, and their answers
// must stay in range.
func FuzzDetectors(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{0, 5, 5, 0, 1, 0, 100, 5, 0, 2, 0, 100, 5, 0, 3})
	f.Add([]byte{1, 1, 2})
	f.Add([]byte{2, 3, 4, 1, 1, 1, 1, 241, 2, 2, 2, 2, 242, 0, 0, 250, 7})
	f.Add([]byte{4, 2, 2, 9, 9, 9, 9, 6, 8, 8, 8, 8, 5, 1, 1, 1, 1, 5, 3, 3, 3, 3, 5, 0, 0, 255, 1, 1, 255})
	f.Fuzz(func(t *testing.T, b []byte) {
		x, o := fuzzTx(b)
		for _, d := range heuristic.CoinJoins(x) {
			if d.Kind == heuristic.None || !(d.Confidence > 0 && d.Confidence <= 1) {
				t.Fatalf("detection %+v", d)
			}
		}
		for _, det := range []func(*chain.Tx) (heuristic.Detection, bool){
			heuristic.DetectGeneric, heuristic.DetectJoinMarket, heuristic.DetectWasabi1,
			heuristic.DetectWasabi2, heuristic.DetectWhirlpool, heuristic.DetectWhirlpoolTx0,
		} {
			det(x)
		}
		heuristic.CoinJoin(x)
		for r := range heuristic.AllRules.Each() {
			if c, ok := r.Any(x, o); ok && (c.Index < 0 || c.Index >= len(x.Msg.TxOut)) {
				t.Fatalf("%v names output %d of %d", r, c.Index, len(x.Msg.TxOut))
			}
		}
		heuristic.AllRules.Any(x, o)
		heuristic.AllRules.All(x, o)
		heuristic.AllRules.Candidates(x, o)
		heuristic.Peel(x)
		heuristic.FeeRateOf(x)
		for _, out := range x.Msg.TxOut {
			heuristic.Round(out.Value)
			heuristic.Decimals(out.Value)
		}
	})
}
