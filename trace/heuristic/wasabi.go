package heuristic

import (
	"fmt"
	"math/bits"

	"github.com/plumetrace/plume/chain"
)

// JoinMarket dust bound: GraphSense takes no output at or below 2730 sat as
// a JoinMarket denomination.
const joinMarketDust = 2730

// DetectJoinMarket applies GraphSense's JoinMarket rule
// (graphsense-lib, heuristics_service.py, _joinmarket_heuristic) to the
// outputs that are not OP_RETURN data carriers:
//
//   - the most common output value d above 2730 sat (of equal counts, the
//     one first in output order) is paid by n outputs, n >= outputs/2 (each
//     party has one CoinJoin output and at most one change);
//   - 3 <= n <= distinct input addresses (JoinMarket needs a taker and at
//     least two makers, each spending its own coins);
//   - every output pays a different address;
//   - at least one output is not d (real rounds always return change);
//   - with 50 or more inputs, at most 20 inputs and at least 1.7 outputs per
//     party: exchange batch payouts break both.
//
// Confidence is JoinMarketConfidence.
func DetectJoinMarket(tx *chain.Tx) (Detection, bool) {
	in := inputsOf(tx)
	if !in.complete {
		return Detection{}, false
	}
	out := outputsOf(tx)
	return joinMarket(&in, &out)
}

func joinMarket(in *ins, out *outs) (Detection, bool) {
	vs, as := spendableOuts(out)
	if len(vs) < 3 || len(in.addrs) < 3 {
		return Detection{}, false
	}
	top, ok := mostCommon(vs, func(v int64) bool { return v > joinMarketDust })
	n := top.count
	switch {
	case !ok || 2*n < len(vs) || n < 3 || n > len(in.addrs):
		return Detection{}, false
	case n == len(vs) || distinctAddrs(as) != len(as):
		return Detection{}, false
	case in.n >= 50 && (in.n > 20*n || 10*len(vs) < 17*n):
		return Detection{}, false
	}
	return Detection{
		Kind: JoinMarket, Confidence: JoinMarketConfidence, Participants: n, Denomination: top.value,
		Reason: fmt.Sprintf("%d parties at %d sat, each with its own inputs, change outputs beside", n, top.value),
	}, true
}

// spendableOuts returns the values and addresses of the outputs that are
// not OP_RETURN data carriers, which GraphSense's detectors leave out
// because such outputs have no address.
func spendableOuts(out *outs) ([]int64, []chain.Address) {
	if out.spendable == len(out.values) {
		return out.values, out.addrs
	}
	vs := make([]int64, 0, out.spendable)
	as := make([]chain.Address, 0, out.spendable)
	for i, a := range out.addrs {
		if a.Kind != chain.KindOpReturn {
			vs = append(vs, out.values[i])
			as = append(as, a)
		}
	}
	return vs, as
}

// Wasabi 1.x: the ZeroLink base denomination, about 0.1 BTC, varied from
// round to round within a few percent; GraphSense accepts +-5%.
const (
	wasabi1Denom     = 10_000_000
	wasabi1Tolerance = 500_000
	wasabi1MinEqual  = 10 // Dumplings: "at least 10 equal outputs"
	wasabi1MinInputs = 10 // GraphSense WASABI_1X_MIN_INPUTS
	wasabi1MaxInputs = 7  // GraphSense WASABI_10_A_MAX: inputs per party
)

// DetectWasabi1 recognises a Wasabi 1.x (ZeroLink) round. It follows
// GraphSense's Wasabi 1.x rule (_wasabi_11_heuristic) with the stricter
// count of zkSNACKs' Dumplings scanner, over the outputs that are not
// OP_RETURN data carriers:
//
//   - at least 10 inputs, and no input address spends more than a tenth of
//     them (a consolidation sweep is one owner);
//   - the most common value d within 0.1 BTC +-5% is paid by n >= 10
//     outputs (the base mixing level);
//   - Wasabi 1.1 mixing levels: for each i >= 1, the most common value
//     within 2^i x (0.1 BTC +-5%) counts as post-mix when at least two
//     outputs pay it;
//   - n <= distinct input addresses <= 7n;
//   - the post-mix outputs are at least half of the others plus the
//     coordinator's fee output (2*postmix >= outputs-1), or at least
//     outputs - distinct input addresses - 1 (GraphSense's "sum
//     condition"), one of the two;
//   - every output pays a different address, and at least one output is
//     not post-mix (the coordinator's fee).
//
// Confidence, as GraphSense's: 0.5 + 0.5*(n/a - 1/7)/(1 - 1/7) for a
// distinct input addresses (1 when every party brought one input, 0.5 at
// seven each), halved when only one of the two post-mix conditions holds.
func DetectWasabi1(tx *chain.Tx) (Detection, bool) {
	in := inputsOf(tx)
	if !in.complete {
		return Detection{}, false
	}
	out := outputsOf(tx)
	return wasabi1(&in, &out)
}

func wasabi1(in *ins, out *outs) (Detection, bool) {
	if in.n < wasabi1MinInputs || 10*in.top > in.n {
		return Detection{}, false
	}
	vs, as := spendableOuts(out)
	if len(vs) <= wasabi1MinEqual {
		return Detection{}, false
	}
	level := func(i uint) (valueCount, bool) {
		lo, hi := int64(wasabi1Denom-wasabi1Tolerance)<<i, int64(wasabi1Denom+wasabi1Tolerance)<<i
		return mostCommon(vs, func(v int64) bool { return lo <= v && v <= hi })
	}
	base, ok := level(0)
	n := base.count
	if !ok || n < wasabi1MinEqual || n > len(in.addrs) || len(in.addrs) > wasabi1MaxInputs*n {
		return Detection{}, false
	}
	var top int64
	for _, v := range vs {
		top = max(top, v)
	}
	postmix, levels := n, 1
	for i := uint(1); i < 40 && int64(wasabi1Denom-wasabi1Tolerance)<<i <= top; i++ {
		if l, ok := level(i); ok && l.count >= 2 {
			postmix += l.count
			levels++
		}
	}
	a := len(in.addrs)
	majority := 2*postmix >= len(vs)-1
	sum := postmix >= len(vs)-a-1
	if !majority && !sum || postmix == len(vs) || distinctAddrs(as) != len(as) {
		return Detection{}, false
	}
	conf := 0.5 + 0.5*(float64(n)/float64(a)-1.0/wasabi1MaxInputs)/(1-1.0/wasabi1MaxInputs)
	if !(majority && sum) {
		conf /= 2
	}
	version := "1.0"
	if levels > 1 {
		version = "1.1"
	}
	return Detection{
		Kind: Wasabi1, Confidence: min(max(conf, 0), 1), Participants: n, Denomination: base.value,
		Reason: fmt.Sprintf("Wasabi %s: %d outputs of %d sat, %d post-mix in %d levels, %d input addresses", version, n, base.value, postmix, levels, a),
	}, true
}

// Wasabi 2.0 bounds.
const (
	// wasabi2MinInputs is WalletWasabi's own test (SmartTransaction.
	// IsWasabi2Cj: "50 was the minimum input count at the beginning of
	// Wasabi 2"). GraphSense lowered its bound to 20 for rounds after May
	// 2024; plume keeps 50, which no ordinary payment reaches by chance.
	wasabi2MinInputs = 50
	// wasabi2MinOutput is the coordinator's smallest allowed output.
	wasabi2MinOutput = 5000
	// wasabi2MaxDenom is the largest standard denomination (2^37 sat).
	wasabi2MaxDenom = 1 << 37
)

// DetectWasabi2 recognises a Wasabi 2.0 (WabiSabi) round by WalletWasabi's
// own test (WalletWasabi.Blockchain.Transactions.SmartTransaction.
// IsWasabi2Cj) and two of GraphSense's structural checks
// (_wasabi_20_heuristic):
//
//   - at least 50 inputs;
//   - every output is at least 5,000 sat and pays a different address;
//   - more than 80% of the outputs pay a standard denomination (see
//     IsStandardDenomination);
//   - the outputs are in non-increasing order of value, as the coordinator
//     builds them.
//
// Confidence is Wasabi2Confidence; Participants is GraphSense's lower
// bound, distinct input addresses / 10, at least 1.
func DetectWasabi2(tx *chain.Tx) (Detection, bool) {
	in := inputsOf(tx)
	if !in.complete {
		return Detection{}, false
	}
	out := outputsOf(tx)
	return wasabi2(&in, &out)
}

func wasabi2(in *ins, out *outs) (Detection, bool) {
	vs := out.values
	if in.n < wasabi2MinInputs || len(vs) < 2 {
		return Detection{}, false
	}
	std := 0
	for i, v := range vs {
		if v < wasabi2MinOutput || i > 0 && v > vs[i-1] {
			return Detection{}, false
		}
		if IsStandardDenomination(v) {
			std++
		}
	}
	if 5*std <= 4*len(vs) || distinctAddrs(out.addrs) != len(vs) {
		return Detection{}, false
	}
	return Detection{
		Kind: Wasabi2, Confidence: Wasabi2Confidence, Participants: max(len(in.addrs)/10, 1),
		Reason: fmt.Sprintf("%d inputs; %d of %d outputs at standard denominations, in descending order", in.n, std, len(vs)),
	}, true
}

// IsStandardDenomination reports whether v satoshi is one of Wasabi 2.0's
// standard output denominations: 2^i, 3^i, 2*3^i, 10^i, 2*10^i or 5*10^i
// sat between 5,000 sat and 2^37 sat (about 1,374 BTC). These are the
// series of WalletWasabi's DenominationBuilder; the 79 values are listed in
// WalletWasabi.Blockchain.Analysis.BlockchainAnalyzer.StdDenoms.
func IsStandardDenomination(v int64) bool {
	if v < wasabi2MinOutput || v > wasabi2MaxDenom {
		return false
	}
	if bits.OnesCount64(uint64(v)) == 1 {
		return true
	}
	if v%2 == 0 && powerOf(v/2, 3) || powerOf(v, 3) {
		return true
	}
	for v%10 == 0 {
		v /= 10
	}
	return v == 1 || v == 2 || v == 5
}

func powerOf(v, b int64) bool {
	for v > 1 && v%b == 0 {
		v /= b
	}
	return v == 1
}
