// Package heuristic holds the rules forensic analysts apply to one
// resolved transaction: is it a CoinJoin, which output is the sender's
// change, is it a step of a peel chain, is a value round.
//
// Every function is pure: it reads a *chain.Tx (its wire.MsgTx and its
// inputs' Prevouts) and, for the rules that look beyond the transaction,
// two small interfaces the caller implements (History, Spends). The package
// does no I/O and keeps no state. The store uses it to keep CoinJoins out
// of common-input clustering; trace uses it to stop at, or pass through,
// CoinJoins and to follow the remainder of a peel chain.
//
// # CoinJoin
//
// CoinJoin returns the strongest detection of five detectors, each also
// exported; CoinJoins returns all that match:
//
//   - DetectGeneric: BlockSci's isCoinjoin, exactly. At least 2 inputs and 3
//     outputs; p = ceil(outputs/2) at most the inputs and the distinct
//     input addresses; the most common output value paid exactly p times
//     and not 546 or 2730 sat.
//   - DetectJoinMarket: GraphSense's rule. At least 3 parties with their own
//     inputs, equal outputs at least half of all, every output to its own
//     address, change beside them.
//   - DetectWasabi1: GraphSense's Wasabi 1.x rule with Dumplings' count: at
//     least 10 equal outputs within 0.1 BTC +-5% (and Wasabi 1.1's doubled
//     mixing levels), at most 7 inputs a party, a coordinator fee output.
//   - DetectWasabi2: WalletWasabi's own test with GraphSense's checks: at
//     least 50 inputs, every output at least 5,000 sat, more than 80% at
//     Wasabi's standard denominations, outputs in descending order.
//   - DetectWhirlpool: 5 inputs and 5 outputs, every output exactly a pool
//     denomination (0.001, 0.01, 0.05, 0.5 BTC), inputs remixes at the
//     denomination or new entrants up to 0.0011 BTC above it, both present.
//
// DetectWhirlpoolTx0 recognises the premix transaction that feeds
// Whirlpool. It is not a CoinJoin (one wallet spends every input), so
// CoinJoin leaves it out, and vetoes the other detectors on it: its equal
// premix outputs pass the generic and JoinMarket rules. Each function's doc comment gives its exact
// conditions and sources. A Detection carries a Kind, a Confidence in
// (0, 1] (GraphSense's values where GraphSense has the rule; they rank
// detections, they are not probabilities), the estimated participants, the
// denomination and a short reason. Every detector needs the inputs
// resolved: a transaction with an unresolved input is never a CoinJoin.
//
// Not here, because they need more than the transaction: GraphSense's
// lineage check (a Whirlpool mix's inputs come from Tx0s or earlier mixes),
// its veto of JoinMarket and Wasabi 1.x when an input is an exchange's
// (tags), and Whirlpool's surge cycles of 6 to 8 inputs, which the 5x5
// rule does not match.
//
// # Change
//
// A Rule is one change heuristic or a set of them (AddressReuse,
// ScriptType, OptimalChange, RoundPayment, OneTime, OneTimeGraphSense,
// Locktime, FeeRate, PeelChain; see each constant for its exact
// condition). A rule marks the outputs that have its property; alone it
// names the change when it marks exactly one output. A set combines its
// rules with All (exactly one output marked by every rule, as BlockSci's
// intersection and unique_change) or Any (every rule that names an output
// alone names the same one). The answer is a Change: the output's index
// and the rules that point at it.
//
// No transaction of these kinds has change, whatever the rule: a coinbase;
// one with an unresolved input; one with fewer than two outputs that are
// not OP_RETURN; one that pays only its input addresses (a self-transfer);
// a CoinJoin (CoinJoin matches). OP_RETURN outputs are never change.
//
// Options carries what some rules read beyond the transaction: History
// (when an address first appeared: OneTime, OneTimeGraphSense) and Spends
// (which transaction spent an output: Locktime, FeeRate, PeelChain), and
// two thresholds. Its zero value works; a rule whose source is missing
// names nothing. FirstSeenMap and SpenderMap implement the interfaces in
// memory.
//
// # Peel chains and round values
//
// Peel and IsPeelStep recognise a peel step: one input, two outputs to
// different addresses, the payment at most 40% of the two. Round counts a
// value's trailing decimal zeros in satoshi, Decimals the decimal places
// it needs in BTC (1 for 0.1 or 1.9 BTC).
//
// # Concurrency
//
// The functions share nothing and may run concurrently, provided the
// History and Spends given to them are safe for concurrent use (the map
// types are, while no one writes to them). Transactions are only read.
//
// # Sources
//
//   - BlockSci (citp/BlockSci): src/heuristics/tx_identification.cpp
//     (isCoinjoin) and change_address.cpp (the change heuristics).
//   - GraphSense (graphsense/graphsense-lib):
//     src/graphsenselib/db/asynchronous/services/heuristics_service.py.
//   - WalletWasabi: SmartTransaction.IsWasabi2Cj, BlockchainAnalyzer.StdDenoms,
//     DenominationBuilder; zkSNACKs' Dumplings scanner (Wasabi 1.x, Whirlpool).
//   - Meiklejohn et al., "A Fistful of Bitcoins", IMC 2013 (heuristic 2).
package heuristic
