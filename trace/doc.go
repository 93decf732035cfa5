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
// FIFO, LIFO or TIHO (see Model for the exact rules, and for which conserve
// taint). Every model is exact in satoshi and keeps each output's taint
// between none and all of its value. Taint moves through the flow's
// transactions in chain order, which is a topological order of the spend
// graph; the hot loop walks flat arrays indexed by flow position. A Taint
// answers per output, per transaction and per address, lists the unspent
// tainted outputs and their holders, the exits (tainted value paid to
// addresses the caller names) with the path from the seed, and the
// dispersion Timeline: per block, hour or day, how many addresses and
// outputs hold how much, how much has left, and how concentrated the rest
// is (Gini, Shannon entropy).
//
// # CoinJoins
//
// In a CoinJoin many owners' coins go in together and come out in equal
// amounts, so any rule for whose coins went where is a guess. A
// CoinJoinPolicy says what to do at a transaction trace/heuristic detects
// as one. CoinJoinIgnore, the default, treats it like any other.
// CoinJoinStop ends the trail there: Follow does not follow its outputs
// (backward, its inputs), except at the seeds' own transactions, and
// counts it in Result.CoinJoins; ComputeTaint counts the taint its outputs
// receive as exited, under CoinJoinLabel, rather than let the model guess
// which participant got it. CoinJoinHaircut, for taint, passes the taint
// through by Haircut whatever the model, every participant's output
// getting the mix's stolen share, which blames no participant more than
// another; Follow follows on as with CoinJoinIgnore. Options.CoinJoins
// sets it for the trace, TaintOptions.CoinJoins for the taint.
//
// # Peel chains
//
// A thief pays a large balance out a little at a time: a transaction
// spends the balance into a small payment and a larger remainder, the next
// does the same to the remainder, and so on (heuristic.Peel: one input,
// two outputs, the payment at most 40% of the two). PeelChains finds these
// runs in a flow, longest first, of at least DefaultPeelMinLength steps,
// with each payment, what became of the last remainder
// (PeelRemainder.State) and, given a Taint, the stolen value of each.
// Options.PreferRemainder makes a forward trace follow only the remainder
// of every peel step, not the payment (seed outputs are followed
// whatever): the trail of the thief's balance without a branch to every
// payee, which keeps the trace of a long chain small. The payments it
// leaves count in Result.Stopped.
//
// # Exits and stops from labels
//
// Coins paid to a known entity (an exchange, a mixer) leave the thief's
// hands, and what the entity does with them next is its own business.
// Given a labelling of addresses, such as a store's tags, ExitsFrom makes
// TaintOptions.Exits of the addresses a flow pays that have a label, so
// the taint paid to them is counted there, once, and StopAt makes an
// Options.Stop that ends the trace at them, so the entity's own later
// transactions do not flood the flow.
//
// # Deposit addresses without tags
//
// Most of an exchange's deposit addresses carry no tag: each customer
// gets a fresh one. They give themselves away by what the exchange does
// with them: soon after a deposit, a sweep spends many of them together,
// many inputs from many addresses into one or two outputs. The Zaif thief
// entered exchanges through about 800 such deposits of 1.9 to 1.99 BTC.
// DepositAddresses finds the addresses a flow paid whose spender, read
// from the flow or from a TxReader (any Source, or a Flow), is such a
// sweep within DepositOptions.Window (a week by default), is not a
// CoinJoin, and holds inputs from outside the flow (a thief consolidating
// his own coins is no exchange). Each deposit gets a confidence from the
// sweep's size, the share of its inputs that look like single-use
// deposits, how soon it came and how many of its inputs are foreign, with
// the reasons in words; DepositOptions.Clusters names the entity behind
// the sweep by its inputs' common-input cluster. GroupDeposits groups the
// deposits by that entity, and DepositExits makes TaintOptions.Exits of
// them, so that the taint paid there counts as having reached the
// exchange.
//
// # Communities
//
// A dispersion spreads over thousands of addresses, but they fall into
// groups that move coins mostly among themselves: the thief's wallets,
// the branches the coins took, the services they reached. Communities
// finds those groups with gonum's Louvain on the flow's address projection
// (graph.Flow.Addresses), taken as undirected. Louvain costs about n^2.1
// in nodes and cannot be cancelled, so the graph shrinks first: addresses
// one owner controls become one node (co-spending outside CoinJoins,
// CommunityOptions.Clusters, the input and remainder addresses along a
// peel chain), and payees linked to one node fold into it; past MaxNodes
// the nodes that moved the least value are left out, and the Partition
// says so. The same flow, options and seed give the same communities.
//
// # Watching
//
// A report is a picture of one moment, and the thief has not finished:
// Watch follows a node's new blocks and mempool and raises an Alert when
// watched coins move: spent (in the mempool, then confirmed or dropped; or
// straight in a block), paid to an exit, or moving after a long dormancy.
// Alerts go, as WatchOptions say, to a writer as JSON lines, to a webhook,
// to a callback. When watched coins move, the outputs that receive taint
// under the case's model are watched in turn, so the watch follows the
// coins as far as they go. A Case says what to watch: the tainted outputs,
// the exits (those the trace met, and any address Case.Label names, such
// as a store's tags), the model and the CoinJoin policy; CaseFrom makes one from a
// Taint, of its unspent tainted outputs and the options it was computed
// with. A Feed is what Watch reads from the node: the tip, blocks by
// height, the mempool's transactions, and the outputs a new transaction
// spends, to value its other inputs; source/rpc's Client is one. Watch
// polls; it keeps watching coins whose spend is unconfirmed, to report a
// replacement, and remembers the last 100 blocks, to read a
// reorganisation's new branch and report the spends it leaves
// unconfirmed.
//
// # Saving a trace
//
// A trace of a large theft may take minutes, or requests to a remote API;
// a report or export made later should not repeat it. Result.Save reduces
// a Result to a Saved (JSON): the flow's transactions by ID and txid, each
// with its hop and the link that reached it, and the plain options and
// counters. Restore rebuilds the Result from the source it was traced
// through, reading each transaction once, and refuses with ErrStale a
// source where a saved transaction is no longer where it was, as after a
// reorganisation. The taint is not saved: ComputeTaint recomputes it from
// the restored flow faster than it could be read back.
//
// # Concurrency
//
// Follow, ComputeTaint and the Taint methods take no locks of their own:
// a Result and a Taint are immutable and safe for concurrent use; the
// Source must be safe for the concurrent reads Follow makes (Options.Workers).
package trace
