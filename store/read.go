package store

import (
	"context"
	"iter"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/plumetrace/plume/chain"
)

// The DB's read methods each take a Snapshot for the call. They satisfy
// trace.Source; for many reads take one Snapshot instead.

// Tx returns the transaction id; see Snapshot.Tx.
func (db *DB) Tx(ctx context.Context, id chain.TxID) (*chain.Tx, error) {
	s := db.Snapshot()
	defer s.Close()
	return s.Tx(ctx, id)
}

// TxIDs returns the TxIDs with this txid; see Snapshot.TxIDs.
func (db *DB) TxIDs(ctx context.Context, hash chainhash.Hash) ([]chain.TxID, error) {
	s := db.Snapshot()
	defer s.Close()
	return s.TxIDs(ctx, hash)
}

// TxByHash returns the transaction with this txid; see Snapshot.TxByHash.
func (db *DB) TxByHash(ctx context.Context, hash chainhash.Hash) (*chain.Tx, error) {
	s := db.Snapshot()
	defer s.Close()
	return s.TxByHash(ctx, hash)
}

// Spender returns the input spending op; see Snapshot.Spender.
func (db *DB) Spender(ctx context.Context, op chain.OutPoint) (chain.InPoint, error) {
	s := db.Snapshot()
	defer s.Close()
	return s.Spender(ctx, op)
}

// History streams addr's appearances; see Snapshot.History.
func (db *DB) History(ctx context.Context, addr chain.Address) iter.Seq2[chain.Appearance, error] {
	return func(yield func(chain.Appearance, error) bool) {
		s := db.Snapshot()
		defer s.Close()
		for a, err := range s.History(ctx, addr) {
			if !yield(a, err) {
				return
			}
		}
	}
}

// Balance returns addr's balance; see Snapshot.Balance.
func (db *DB) Balance(ctx context.Context, addr chain.Address) (int64, error) {
	s := db.Snapshot()
	defer s.Close()
	return s.Balance(ctx, addr)
}

// Block returns the stored block at height; see Snapshot.Block.
func (db *DB) Block(ctx context.Context, height int32) (BlockInfo, error) {
	s := db.Snapshot()
	defer s.Close()
	return s.Block(ctx, height)
}
