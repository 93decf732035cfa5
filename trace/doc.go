// Package trace follows stolen coins and says how much of what they reach
// is stolen.
//
// Follow walks from seeds (addresses, transactions or outputs, see
// ParseSeed) through any Source, forward to where the coins went or
// backward to where they came from, hop by hop, within limits (hops, value,
// time window, transaction count, a stop predicate). Its Result is a
// graph.Flow: the traced region, in chain order, with the hop at which each
// transaction was reached and the path back to the seeds. A store.Snapshot
// is the usual source; a Flow is one too, so a region loaded once can be
// traced again in memory, through the flow's own adjacency arrays.
//
// ComputeTaint applies a taint model to a forward trace: Poison, Haircut,
// FIFO, LIFO or TIHO (see Model for the exact rules). Every model is exact
// in satoshi, keeps each output's taint between none and all of its value,
// and conserves taint per transaction (Poison by sweeping the clean inputs
// in, reported as absorbed). Taint moves through the flow's transactions in
// chain order, which is a topological order of the spend graph; the hot
// loop walks flat arrays indexed by flow position. A Taint answers per
// output, per transaction and per address, lists the unspent tainted
// outputs and their holders, the exits (tainted value paid to addresses the
// caller names) with the path from the seed, and the dispersion Timeline:
// per block, hour or day, how many addresses and outputs hold how much, how
// much has left, and how concentrated the rest is (Gini, Shannon entropy).
//
// Follow, ComputeTaint and the Taint methods take no locks of their own:
// a Result and a Taint are immutable and safe for concurrent use; the
// Source must be safe for the concurrent reads Follow makes (Options.Workers).
package trace
