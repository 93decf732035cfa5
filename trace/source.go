package trace

import (
	"context"
	"iter"

	"github.com/btcsuite/btcd/chaincfg/chainhash"

	"github.com/plumetrace/plume/chain"
)

// Source is what the tracer reads: transactions by chain position with
// their resolved inputs and their outputs' spenders, txid lookups, and
// address histories. store.DB and store.Snapshot satisfy it (take a
// Snapshot for a consistent, faster trace), as does graph.Flow for a region
// already in memory. Absence is reported with an error wrapping
// chain.ErrNotFound.
type Source interface {
	// Tx returns the transaction id. Its SpentBy must be filled in for a
	// forward trace.
	Tx(ctx context.Context, id chain.TxID) (*chain.Tx, error)
	// TxIDs returns the IDs of the transactions with this txid, in chain
	// order (two early coinbase txids repeat; see BIP30).
	TxIDs(ctx context.Context, hash chainhash.Hash) ([]chain.TxID, error)
	// History streams the appearances of addr in chain order.
	History(ctx context.Context, addr chain.Address) iter.Seq2[chain.Appearance, error]
}
