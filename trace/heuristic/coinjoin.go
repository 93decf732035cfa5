package heuristic

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/plumetrace/plume/chain"
)

// Kind is the kind of collaborative transaction a detector recognises.
type Kind uint8

// The kinds of Detection. The zero Kind is no detection.
const (
	None         Kind = iota
	Generic           // BlockSci's equal-output rule
	JoinMarket        // JoinMarket maker/taker round
	Wasabi1           // Wasabi 1.x (ZeroLink, about 0.1 BTC)
	Wasabi2           // Wasabi 2.0 (WabiSabi, standard denominations)
	Whirlpool         // Samourai Whirlpool 5x5 mix
	WhirlpoolTx0      // Samourai Whirlpool premix ("Tx0"); one owner, not a CoinJoin
	numKinds
)

var kindNames = [numKinds]string{"none", "generic", "joinmarket", "wasabi1", "wasabi2", "whirlpool", "whirlpool-tx0"}

func (k Kind) String() string {
	if k < numKinds {
		return kindNames[k]
	}
	return fmt.Sprintf("kind(%d)", uint8(k))
}

// Detection is a detector's verdict on a transaction.
type Detection struct {
	Kind Kind
	// Confidence is in (0, 1]. It ranks detections, as GraphSense's
	// confidences do; it is not a calibrated probability.
	Confidence float64
	// Participants is the estimated number of parties (for a Tx0, the
	// number of premix outputs).
	Participants int
	// Denomination is the equal output value the detection rests on, in
	// satoshi; 0 when it rests on several (Wasabi 2.0).
	Denomination int64
	// Reason says in a few words what matched.
	Reason string
}

// Confidences of the fixed-confidence detectors. GraphSense's values where
// GraphSense has the rule (graphsense-lib, db/asynchronous/services/
// heuristics_service.py: JoinMarket 49, Wasabi 2.0 60, Whirlpool and Tx0 60
// out of 100). The generic rule is plume's: below every protocol rule,
// because it is their superset and also matches batch payments with equal
// values.
const (
	GenericConfidence      = 0.4
	JoinMarketConfidence   = 0.49
	Wasabi2Confidence      = 0.6
	WhirlpoolConfidence    = 0.6
	WhirlpoolTx0Confidence = 0.6
)

// CoinJoin reports whether tx looks like a CoinJoin and returns the
// strongest of the Generic, JoinMarket, Wasabi1, Wasabi2 and Whirlpool
// detections: the highest Confidence, and of equal confidences the more
// specific kind (Whirlpool, Wasabi2, Wasabi1, JoinMarket, Generic).
//
// A Whirlpool Tx0 is not a CoinJoin: one wallet spends every input. Its
// equal premix outputs can pass BlockSci's and GraphSense's JoinMarket
// rules, so a transaction DetectWhirlpoolTx0 recognises is no CoinJoin
// here, whatever else matches (as GraphSense vetoes Stonewall shapes);
// the individual Detect functions apply their rule alone.
//
// Every detector needs tx's inputs resolved: a coinbase, or a transaction
// with an unresolved input, is never a CoinJoin.
func CoinJoin(tx *chain.Tx) (Detection, bool) {
	if !mayJoin(tx) || isTx0(tx) {
		return Detection{}, false
	}
	in := inputsOf(tx)
	if !in.complete {
		return Detection{}, false
	}
	out := outputsOf(tx)
	var best Detection
	found := false
	for _, d := range detectors() {
		if det, ok := d(&in, &out); ok && (!found || det.Confidence > best.Confidence) {
			best, found = det, true
		}
	}
	return best, found
}

// detectors returns the CoinJoin detectors, most specific first, which is
// the order that breaks ties of confidence.
func detectors() [5]func(*ins, *outs) (Detection, bool) {
	return [5]func(*ins, *outs) (Detection, bool){whirlpool, wasabi2, wasabi1, joinMarket, generic}
}

// CoinJoins returns every CoinJoin detection that matches tx, strongest
// first (see CoinJoin), or the Whirlpool Tx0 detection alone.
func CoinJoins(tx *chain.Tx) []Detection {
	if d, ok := DetectWhirlpoolTx0(tx); ok {
		return []Detection{d}
	}
	var all []Detection
	if !mayJoin(tx) {
		return nil
	}
	if in := inputsOf(tx); in.complete {
		out := outputsOf(tx)
		for _, d := range detectors() {
			if det, ok := d(&in, &out); ok {
				all = append(all, det)
			}
		}
		// Stable, so equal confidences keep the specific-first order.
		slices.SortStableFunc(all, func(a, b Detection) int { return cmp.Compare(b.Confidence, a.Confidence) })
	}
	return all
}

func isTx0(tx *chain.Tx) bool {
	_, ok := DetectWhirlpoolTx0(tx)
	return ok
}

// mayJoin is the shape every CoinJoin detector needs, checked before
// anything is read: at least 2 inputs, and at least 3 outputs unless there
// are 50 inputs (Wasabi 2.0 accepts 2 outputs). Most transactions have one
// input and stop here.
func mayJoin(tx *chain.Tx) bool {
	if tx == nil || tx.Msg == nil {
		return false
	}
	nIn, nOut := len(tx.Msg.TxIn), len(tx.Msg.TxOut)
	return nIn >= 2 && (nOut >= 3 || nIn >= wasabi2MinInputs && nOut >= 2)
}

// Dust values BlockSci's isCoinjoin refuses as a denomination: 546 sat is
// Bitcoin Core's dust limit for P2PKH outputs, 2730 sat the older one.
const (
	dust546  = 546
	dust2730 = 2730
)

// DetectGeneric applies BlockSci's isCoinjoin (citp/BlockSci,
// src/heuristics/tx_identification.cpp) exactly, to every output (data
// carriers included) and every input:
//
//   - at least 2 inputs and at least 3 outputs;
//   - p = ceil(outputs/2), one payment and one change output per
//     participant, is at most the number of inputs and at most the number
//     of distinct input addresses;
//   - the most common output value occurs exactly p times;
//   - that value is not 546 or 2730 sat (dust).
//
// BlockSci leaves a tie for the most common value to hash-map order; plume
// matches when any of the tied values is not dust, so the answer is
// deterministic and errs towards CoinJoin, which for clustering is the
// safe side (a missed merge, not a false one). Confidence is
// GenericConfidence.
func DetectGeneric(tx *chain.Tx) (Detection, bool) {
	in := inputsOf(tx)
	if !in.complete {
		return Detection{}, false
	}
	out := outputsOf(tx)
	return generic(&in, &out)
}

func generic(in *ins, out *outs) (Detection, bool) {
	nOut := len(out.values)
	if in.n < 2 || nOut < 3 {
		return Detection{}, false
	}
	p := (nOut + 1) / 2
	if p > in.n || p > len(in.addrs) {
		return Detection{}, false
	}
	counts := countValues(out.values)
	top := 0
	for _, c := range counts {
		top = max(top, c.count)
	}
	if top != p {
		return Detection{}, false
	}
	for _, c := range counts {
		if c.count == top && c.value != dust546 && c.value != dust2730 {
			return Detection{
				Kind: Generic, Confidence: GenericConfidence, Participants: p, Denomination: c.value,
				Reason: fmt.Sprintf("%d of %d outputs pay %d sat; %d inputs from %d addresses", p, nOut, c.value, in.n, len(in.addrs)),
			}, true
		}
	}
	return Detection{}, false
}
