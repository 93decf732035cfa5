// Package chain is plume's shared model of a blockchain: network
// parameters, addresses and the scripts they come from, identifiers derived
// from chain position, decoded blocks and the resolved transaction.
//
// Every other plume package speaks in these types, and chain imports none of
// them, so a source (a blocks directory, a node, an explorer API), the store
// and the tracer agree on what a transaction is without knowing each other.
//
// # Identifiers
//
// plume never numbers things in arrival order. A transaction's [TxID] is its
// height and position in its block, height<<20 | position; an output's
// [OutPoint] adds the output index, and [OutPoint.Node] packs both into one
// int64 (TxID<<17 | vout+1) that graph node IDs and address IDs reuse. The
// same chain therefore gives the same IDs in every store, however it was
// built, and sorting IDs sorts by chain order, which is also a topological
// order of the spend graph (an output is always spent by a later
// transaction). The packing bounds heights below 2^26, positions below 2^20
// and output indexes below 2^17-1; Bitcoin's consensus limits keep blocks well
// inside the last two, and [DecodeBlock] rejects blocks that exceed them.
//
// # Addresses
//
// An [Address] is a small comparable value: a [Kind] and the hash that
// identifies the script. It is independent of the network; [Params.Format]
// and [Params.Parse] turn it into and out of text for one network, so that
// another coin with the same script types (Bitcoin Cash, Monacoin) is a new
// [Params] value, not new code. Pay-to-pubkey outputs are keyed and shown as
// the P2PKH address of their public key, as block explorers do; bare
// multisig, OP_RETURN and nonstandard scripts are keyed by the SHA-256 of the
// script and shown as "<kind>:<hex>".
//
// # Concurrency
//
// Values of this package are immutable once built and safe to share between
// goroutines; the [Params] variables must not be modified.
package chain
