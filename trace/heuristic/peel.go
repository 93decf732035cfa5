package heuristic

import (
	"github.com/plumetrace/plume/chain"
)

// Peel returns the payment and remainder outputs of a peel step: a
// transaction that spends one input into two outputs to different
// addresses, neither an OP_RETURN, where the payment (the smaller output)
// is more than zero and at most 40% of the two outputs' total, that is at
// most two thirds of the remainder. Equal outputs are a split, not a peel.
//
// The bound is plume's. A peel chain's payments are usually a small share
// of the balance (the Zaif thief's ~1.9 BTC exchange deposits were peeled
// off hundreds of BTC), so the bound only keeps even splits out; what marks
// a chain is that the remainder is peeled again (see PeelChain). The real
// 2009 chain of 12cbQLTFMXRnSzktFkuoG3eHoMeFtpTu3S (blocks 170, 181, 182,
// 183, 248) peels 20%, 25%, 3.3%, 3.4% and 36% of its outputs.
func Peel(tx *chain.Tx) (payment, remainder int, ok bool) {
	if tx == nil || tx.Msg == nil || tx.IsCoinbase() || len(tx.Msg.TxIn) != 1 || len(tx.Msg.TxOut) != 2 {
		return 0, 0, false
	}
	a, b := tx.Msg.TxOut[0], tx.Msg.TxOut[1]
	aa, ba := chain.AddressOf(a.PkScript), chain.AddressOf(b.PkScript)
	if aa == ba || aa.Kind == chain.KindOpReturn || ba.Kind == chain.KindOpReturn {
		return 0, 0, false
	}
	payment, remainder = 0, 1
	if a.Value > b.Value {
		payment, remainder = 1, 0
	}
	p, r := tx.Msg.TxOut[payment].Value, tx.Msg.TxOut[remainder].Value
	if p <= 0 || 3*p > 2*r {
		return 0, 0, false
	}
	return payment, remainder, true
}

// IsPeelStep reports whether tx is a peel step (see Peel).
func IsPeelStep(tx *chain.Tx) bool {
	_, _, ok := Peel(tx)
	return ok
}

// Round returns the number of trailing decimal zeros of v satoshi: 3 for
// 12,000 sat, 7 for 1.9 BTC, 8 for 1 BTC, 9 for 10 BTC. It is 0 for v <= 0,
// which no rule should take as round.
func Round(v int64) int {
	if v <= 0 {
		return 0
	}
	k := 0
	for v%10 == 0 {
		v /= 10
		k++
	}
	return k
}

// Decimals returns how many decimal places v satoshi needs when written in
// BTC: 0 for 2 BTC, 1 for 0.1 or 1.9 BTC, 2 for 1.99 BTC, 8 for 1 sat. A
// value is round in BTC terms when Decimals is small; the deposit patterns
// of exchanges and thieves (the Zaif coins went to Binance in chunks of
// 1.9 to 1.99 BTC) show as 1 or 2. It is 0 for v <= 0.
func Decimals(v int64) int {
	if v <= 0 {
		return 0
	}
	return 8 - min(Round(v), 8)
}
