package heuristic

import (
	"fmt"
	"strconv"

	"github.com/btcsuite/btcd/txscript"

	"github.com/plumetrace/plume/chain"
)

type pool struct{ denom, fee int64 }

// whirlpoolPools returns Samourai Whirlpool's pools, smallest first: the
// denominations 0.001, 0.01, 0.05 and 0.5 BTC with each pool's coordinator
// fee, as GraphSense lists them (WHIRLPOOL_POOLS). A function, not a
// variable, so no caller can change them.
func whirlpoolPools() [4]pool {
	return [4]pool{
		{100_000, 5_000},
		{1_000_000, 50_000},
		{5_000_000, 175_000},
		{50_000_000, 1_750_000},
	}
}

// WhirlpoolPools returns the pool denominations in satoshi, smallest first.
func WhirlpoolPools() []int64 {
	var out []int64
	for _, p := range whirlpoolPools() {
		out = append(out, p.denom)
	}
	return out
}

// What a new entrant's premix output carries above the pool denomination
// (the miner fee share it pays): at least 100 sat, at most 0.0011 BTC
// (GraphSense WHIRLPOOL_EPSILON_MIN/MAX; Dumplings uses the same 0.0011
// BTC bound).
const (
	whirlpoolEpsilonMin = 100
	whirlpoolEpsilonMax = 110_000
	whirlpoolSize       = 5
	// tx0MaxPremix bounds the premix outputs of one Tx0 (GraphSense
	// WHIRLPOOL_TX0_A_MAX).
	tx0MaxPremix = 70
)

// DetectWhirlpool recognises a Whirlpool mix by GraphSense's rule for the
// classic 5x5 cycle (_whirlpool_coinjoin_heuristic, before it admitted
// surge cycles) and Dumplings':
//
//   - exactly 5 inputs from 5 distinct addresses and exactly 5 outputs to 5
//     distinct addresses;
//   - every output pays the same pool denomination d (0.001, 0.01, 0.05 or
//     0.5 BTC);
//   - every input is worth d (a remixer) or d plus 100 sat to 0.0011 BTC (a
//     new entrant's premix output, carrying the miner fee);
//   - at least one remixer and at least one new entrant.
//
// Confidence is WhirlpoolConfidence. Cycles of 6 to 8 inputs ("surge
// cycles", 2023 on) are not matched.
func DetectWhirlpool(tx *chain.Tx) (Detection, bool) {
	in := inputsOf(tx)
	if !in.complete {
		return Detection{}, false
	}
	out := outputsOf(tx)
	return whirlpool(&in, &out)
}

func whirlpool(in *ins, out *outs) (Detection, bool) {
	if in.n != whirlpoolSize || len(out.values) != whirlpoolSize || len(in.addrs) != whirlpoolSize ||
		distinctAddrs(out.addrs) != whirlpoolSize {
		return Detection{}, false
	}
	d := out.values[0]
	pool := false
	for _, p := range whirlpoolPools() {
		pool = pool || p.denom == d
	}
	for _, v := range out.values {
		if v != d {
			return Detection{}, false
		}
	}
	fresh := 0
	for _, v := range in.values {
		switch e := v - d; {
		case e == 0:
		case e >= whirlpoolEpsilonMin && e <= whirlpoolEpsilonMax:
			fresh++
		default:
			return Detection{}, false
		}
	}
	if !pool || fresh == 0 || fresh == whirlpoolSize {
		return Detection{}, false
	}
	return Detection{
		Kind: Whirlpool, Confidence: WhirlpoolConfidence, Participants: whirlpoolSize, Denomination: d,
		Reason: fmt.Sprintf("5x5 in the %s BTC pool: %d new entrants, %d remixers", btc(d), fresh, whirlpoolSize-fresh),
	}, true
}

// DetectWhirlpoolTx0 recognises a Whirlpool Tx0, the premix transaction
// that splits one wallet's coins into pool-sized outputs, by GraphSense's
// rule (_whirlpool_tx0_heuristic):
//
//   - exactly one OP_RETURN output (the coordinator's encrypted data) and
//     at least two others;
//   - for a pool (d, fee), the most common output value in [d + 100 sat,
//     d + 0.0011 BTC] (of equal counts, the larger) is paid by 1 to 70
//     premix outputs, and at most two other outputs remain besides the
//     data carrier (the coordinator's fee and the change);
//   - exactly one output is worth between half and three times the pool's
//     fee.
//
// Pools are tried smallest first. A Tx0 is spent by one owner, so common
// input ownership holds for it: CoinJoin does not return it. Its inputs
// are not needed. Confidence is WhirlpoolTx0Confidence.
func DetectWhirlpoolTx0(tx *chain.Tx) (Detection, bool) {
	if tx == nil || tx.Msg == nil || tx.IsCoinbase() || len(tx.Msg.TxOut) < 3 {
		return Detection{}, false
	}
	// chain.AddressOf keys every script that starts with OP_RETURN as a
	// data carrier: counting them by their first byte spares most
	// transactions the address work.
	carriers := 0
	for _, o := range tx.Msg.TxOut {
		if len(o.PkScript) > 0 && o.PkScript[0] == txscript.OP_RETURN {
			carriers++
		}
	}
	if carriers != 1 {
		return Detection{}, false
	}
	out := outputsOf(tx)
	if len(out.values)-out.spendable != 1 {
		return Detection{}, false
	}
	vs, _ := spendableOuts(&out)
	if len(vs) < 2 {
		return Detection{}, false
	}
	for _, p := range whirlpoolPools() {
		lo, hi := p.denom+whirlpoolEpsilonMin, p.denom+whirlpoolEpsilonMax
		var premix valueCount
		for _, c := range countValues(vs) {
			if c.value >= lo && c.value <= hi && (c.count > premix.count || c.count == premix.count && c.value > premix.value) {
				premix = c
			}
		}
		n := premix.count
		if n == 0 || n > tx0MaxPremix || n < len(vs)-2 {
			continue
		}
		fees := 0
		for _, v := range vs {
			if 2*v >= p.fee && v <= 3*p.fee {
				fees++
			}
		}
		if fees != 1 {
			continue
		}
		return Detection{
			Kind: WhirlpoolTx0, Confidence: WhirlpoolTx0Confidence, Participants: n, Denomination: p.denom,
			Reason: fmt.Sprintf("Tx0 for the %s BTC pool: %d premix outputs of %d sat, one coordinator fee output", btc(p.denom), n, premix.value),
		}, true
	}
	return Detection{}, false
}

// btc formats satoshi as BTC without trailing zeros.
func btc(sat int64) string {
	return strconv.FormatFloat(float64(sat)/1e8, 'f', -1, 64)
}
