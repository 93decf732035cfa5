package store

import (
	"errors"
	"fmt"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/plumetrace/plume/chain"
)

// Sentinel errors callers branch on with errors.Is.
var (
	// ErrNotFound: the store holds no such transaction, output or block.
	// It wraps chain.ErrNotFound.
	ErrNotFound = fmt.Errorf("store: %w", chain.ErrNotFound)
	// ErrLocked: another process has the store open.
	ErrLocked = errors.New("store: held by another process")
	// ErrWrongNetwork: the store was created for another network.
	ErrWrongNetwork = errors.New("store: created for another network")
	// ErrSchema: the store was written by an incompatible plume version.
	ErrSchema = errors.New("store: unsupported schema version")
	// ErrNotLinked: a block does not extend the store's tip.
	ErrNotLinked = errors.New("store: block does not extend the tip")
	// ErrConflict: a block contradicts what the store holds (a different
	// block at a height already stored, or an input spending an output
	// already spent by another transaction).
	ErrConflict = errors.New("store: block conflicts with stored chain")
	// ErrCorrupt: stored data does not decode or breaks an invariant.
	ErrCorrupt = errors.New("store: corrupt")
	// ErrClosed: the DB was closed.
	ErrClosed = errors.New("store: closed")
)

// BlockError says which block ingest stopped at and why. Everything before
// that block is stored; nothing of it is.
type BlockError struct {
	Height int32
	Hash   chainhash.Hash
	Err    error
}

func (e *BlockError) Error() string {
	return fmt.Sprintf("store: block %d (%v): %v", e.Height, e.Hash, e.Err)
}

func (e *BlockError) Unwrap() error { return e.Err }
