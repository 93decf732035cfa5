package heuristic

import (
	"github.com/plumetrace/plume/chain"
)

// Options is what the change rules may consult beyond the transaction
// itself. The zero value works: the rules that need History or Spends then
// mark nothing useful (see each rule), and the thresholds take their
// defaults.
type Options struct {
	// History answers OneTime and OneTimeGraphSense; nil: they mark
	// nothing.
	History History
	// Spends answers Locktime, FeeRate and PeelChain; nil: every output's
	// spender is unknown, so Locktime and FeeRate mark every output and
	// PeelChain none.
	Spends Spends
	// RoundDigits is k in RoundPayment's 10^k sat; 0 means
	// DefaultRoundDigits.
	RoundDigits int
	// FeeRateRatio is how far apart two fee rates may be and still count
	// as the same for FeeRate: the larger at most FeeRateRatio times the
	// smaller. Values at or below 1 mean DefaultFeeRateRatio.
	FeeRateRatio float64
}

const (
	// DefaultRoundDigits makes RoundPayment take multiples of 0.01 BTC as
	// round, BlockSci's later default for power_of_ten_value (6 digits).
	DefaultRoundDigits = 6
	// DefaultFeeRateRatio lets fee rates differ by a quarter. plume's
	// choice: a wallet spends its change with its own fee policy, while
	// the mempool moves the rate between the two transactions; BlockSci
	// has no fee-rate rule to follow.
	DefaultFeeRateRatio = 1.25
)

// History tells when an address first appeared on chain. store.DB can
// answer from its address IDs, which are the position of an address's
// first appearance.
type History interface {
	// FirstSeen returns the transaction of addr's first appearance (as an
	// output's address), false if the address was never seen. An
	// implementation that cannot read its storage should answer false and
	// keep the error for its caller, as the rules cannot return one.
	FirstSeen(addr chain.Address) (chain.TxID, bool)
}

// Spends tells which transaction spent an output.
type Spends interface {
	// Spender returns the transaction that spends output vout of tx, with
	// its inputs resolved for FeeRate; false when the output is unspent or
	// its spender unknown. As with History, errors stay with the
	// implementation.
	Spender(tx *chain.Tx, vout int) (*chain.Tx, bool)
}

// FirstSeenMap is a History held in memory.
type FirstSeenMap map[chain.Address]chain.TxID

// FirstSeen implements History.
func (m FirstSeenMap) FirstSeen(addr chain.Address) (chain.TxID, bool) {
	id, ok := m[addr]
	return id, ok
}

// SpenderMap is a Spends held in memory, keyed by the spent output.
type SpenderMap map[chain.OutPoint]*chain.Tx

// Spender implements Spends.
func (m SpenderMap) Spender(tx *chain.Tx, vout int) (*chain.Tx, bool) {
	s := m[tx.ID.Out(uint32(vout))]
	return s, s != nil
}

// ready reports whether the single rule r can mark any output of f.tx,
// working out once what the rule needs for every output. mark may be
// asked only after ready said yes.
func (f *facts) ready(r Rule) bool {
	switch r {
	case AddressReuse, OptimalChange, RoundPayment, Locktime:
		return true
	case ScriptType:
		// Every input has one script kind.
		return f.in.kind != chain.KindNone
	case OneTime:
		// Meiklejohn's H2 stands down when the wallet sends change back to
		// an input address (self-change): then fresh addresses are payees.
		if f.o.History == nil {
			return false
		}
		for _, a := range f.out.addrs {
			if a.Kind != chain.KindOpReturn && f.in.has(a) {
				return false
			}
		}
		return true
	case OneTimeGraphSense:
		n := len(f.out.values)
		return f.o.History != nil && n >= 2 && n <= 10 && f.in.kind != chain.KindNone
	case FeeRate:
		if !f.rateDone {
			f.rate, f.rateOK = FeeRateOf(f.tx)
			f.rateDone = true
		}
		return f.rateOK
	case PeelChain:
		return f.peelOutput() >= 0
	}
	return false
}

// mark reports whether the single rule r marks output i (not an OP_RETURN;
// ready(r) said yes). The conditions are the rules' definitions.
func (f *facts) mark(r Rule, i int) bool {
	a, v := f.out.addrs[i], f.out.values[i]
	switch r {
	case AddressReuse:
		// Output i pays an address some input spends from.
		return f.in.has(a)
	case ScriptType:
		// Output i has the inputs' script kind (pay-to-pubkey counts as
		// P2PKH, as chain.AddressOf keys it).
		return a.Kind == f.in.kind
	case OptimalChange:
		// Output i is worth less than the smallest input.
		return v < f.in.min
	case RoundPayment:
		// Output i is not a multiple of 10^k sat.
		k := f.o.RoundDigits
		if k <= 0 {
			k = DefaultRoundDigits
		}
		return Round(v) < k
	case OneTime:
		// Output i's address appears for the first time.
		return f.fresh(i)
	case OneTimeGraphSense:
		// graphsense-lib _one_time_change_heuristic: output i has the
		// inputs' kind, is not a multiple of 1,000 sat, is worth less than
		// the smallest input, and its address is not reused: no input
		// spends from it, no other output pays it, and it appears here
		// for the first time. GraphSense also counts the address's later
		// transactions (more than one in or out is reuse); that needs
		// hindsight History does not give, so it is left out.
		if a.Kind != f.in.kind || v%1000 == 0 || v >= f.in.min || f.in.has(a) {
			return false
		}
		for j, b := range f.out.addrs {
			if j != i && b == a {
				return false
			}
		}
		return f.fresh(i)
	case Locktime:
		// BlockSci locktime: output i's spender is unknown, or its locktime
		// is non-zero exactly when this transaction's is. Bitcoin Core and
		// Electrum set it to the current height against fee sniping, so a
		// wallet's own spends agree with each other.
		s, ok := f.spender(i)
		return !ok || (s.Msg.LockTime > 0) == (f.tx.Msg.LockTime > 0)
	case FeeRate:
		// Output i's spender, or its fee rate, is unknown, or its fee rate
		// is within Options.FeeRateRatio of this transaction's. Two zero
		// rates agree; zero and non-zero do not.
		s, ok := f.spender(i)
		if !ok {
			return true
		}
		r, ok := FeeRateOf(s)
		if !ok {
			return true
		}
		ratio := f.o.FeeRateRatio
		if ratio <= 1 {
			ratio = DefaultFeeRateRatio
		}
		return max(r, f.rate) <= min(r, f.rate)*ratio
	case PeelChain:
		return i == f.peelOutput()
	}
	return false
}

// fresh reports whether output i's address appears for the first time in
// f.tx: History does not know it, or knows it from f.tx or (an
// inconsistent answer) a later transaction. Answers are kept, as both
// one-time rules ask and History may be a store.
func (f *facts) fresh(i int) bool {
	if f.seen == nil {
		f.seen = make([]int8, len(f.out.addrs))
	}
	if f.seen[i] == 0 {
		f.seen[i] = -1
		if id, ok := f.o.History.FirstSeen(f.out.addrs[i]); !ok || id >= f.tx.ID {
			f.seen[i] = 1
		}
	}
	return f.seen[i] > 0
}

// spender returns the transaction spending output i, if Spends knows it.
// Answers are kept, as three rules ask.
func (f *facts) spender(i int) (*chain.Tx, bool) {
	if f.o.Spends == nil {
		return nil, false
	}
	if f.spent == nil {
		f.spent = make([]*chain.Tx, len(f.out.addrs))
		f.asked = make([]bool, len(f.out.addrs))
	}
	if !f.asked[i] {
		f.asked[i] = true
		if s, ok := f.o.Spends.Spender(f.tx, i); ok && s != nil && s.Msg != nil {
			f.spent[i] = s
		}
	}
	return f.spent[i], f.spent[i] != nil
}

// peelOutput returns the output PeelChain marks, or -1: in a transaction
// with one input and two outputs, the strictly larger output when the
// transaction spending it is a peel step.
func (f *facts) peelOutput() int {
	if f.peelDone {
		return f.peel
	}
	f.peel, f.peelDone = -1, true
	if len(f.tx.Msg.TxIn) == 1 && len(f.out.values) == 2 && f.out.values[0] != f.out.values[1] {
		larger := 0
		if f.out.values[1] > f.out.values[0] {
			larger = 1
		}
		if s, ok := f.spender(larger); ok && IsPeelStep(s) {
			f.peel = larger
		}
	}
	return f.peel
}

// FeeRateOf returns tx's fee rate in satoshi per virtual byte (BIP 141:
// weight = 3 x size without witness + size with witness; vsize = weight/4
// rounded up), known when every input is resolved and the outputs do not
// exceed them. A coinbase pays none.
func FeeRateOf(tx *chain.Tx) (float64, bool) {
	if tx == nil || tx.Msg == nil {
		return 0, false
	}
	fee, ok := tx.Fee()
	if !ok || fee < 0 {
		// Outputs above inputs: not a valid transaction, so no rate.
		return 0, false
	}
	weight := 3*tx.Msg.SerializeSizeStripped() + tx.Msg.SerializeSize()
	return float64(fee) / float64((weight+3)/4), true
}
