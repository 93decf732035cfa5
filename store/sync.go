package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/plumetrace/plume/chain"
)

// ChainSource is a node as Sync sees it. source/rpc's Client satisfies it.
type ChainSource interface {
	// Tip returns the height and hash of the node's best block.
	Tip(ctx context.Context) (int32, chainhash.Hash, error)
	// BlockHash returns the hash of the node's best-chain block at height.
	BlockHash(ctx context.Context, height int32) (chainhash.Hash, error)
	// Block returns the node's best-chain block at height.
	Block(ctx context.Context, height int32) (*chain.Block, error)
}

// SyncOptions control Sync. The zero value catches up once from genesis.
type SyncOptions struct {
	// From is the height to start at when the store is empty (an ingest
	// above genesis: give a Resolver in Options to resolve older outputs).
	From int32
	// Follow keeps syncing after catching up, every Poll, until ctx ends.
	Follow bool
	// Poll is how often Follow asks the node for a new tip; 0 means 2s.
	Poll time.Duration
	// MaxReorg refuses to disconnect more than this many blocks (a deeper
	// reorganisation needs a person to look); 0 means 100.
	MaxReorg int
	// Progress, if set, is called after each block ingested.
	Progress func(IngestStats)
	// OnTip, if set, is called whenever the store reaches the node's tip,
	// with the blocks connected and disconnected since the last call.
	OnTip func(SyncStats)
}

// SyncStats counts what Sync did.
type SyncStats struct {
	Connected    int
	Disconnected int
	Tip          Tip
}

// ErrReorgTooDeep is returned when the node's chain leaves the store's
// more than SyncOptions.MaxReorg blocks down.
var ErrReorgTooDeep = errors.New("store: reorganisation deeper than allowed")

// Sync brings the store to src's best chain: it finds where the two
// agree, disconnects whatever the store holds above that point (a
// reorganisation), and ingests the node's blocks from there to its tip. A
// store interrupted mid-sync resumes after its watermark on the next call.
// With Follow it then keeps polling and syncing until ctx ends, which it
// reports as a nil error.
func (db *DB) Sync(ctx context.Context, src ChainSource, opts SyncOptions) (SyncStats, error) {
	if opts.Poll <= 0 {
		opts.Poll = 2 * time.Second
	}
	if opts.MaxReorg <= 0 {
		opts.MaxReorg = 100
	}
	var total, since SyncStats
	for {
		st, err := db.syncOnce(ctx, src, opts)
		total.Connected += st.Connected
		total.Disconnected += st.Disconnected
		since.Connected += st.Connected
		since.Disconnected += st.Disconnected
		total.Tip, _ = db.Tip()
		if errors.Is(err, ErrNotLinked) {
			// The node reorganised while we read it: look again.
			continue
		}
		if err != nil {
			if opts.Follow && ctx.Err() != nil {
				return total, nil
			}
			return total, err
		}
		if opts.OnTip != nil && (since.Connected > 0 || since.Disconnected > 0) {
			since.Tip = total.Tip
			opts.OnTip(since)
			since = SyncStats{}
		}
		if !opts.Follow {
			return total, nil
		}
		select {
		case <-ctx.Done():
			return total, nil
		case <-time.After(opts.Poll):
		}
	}
}

// syncOnce reconciles the store with the node's current best chain.
func (db *DB) syncOnce(ctx context.Context, src ChainSource, opts SyncOptions) (SyncStats, error) {
	var st SyncStats
	top, _, err := src.Tip(ctx)
	if err != nil {
		return st, fmt.Errorf("store: sync: %w", err)
	}
	from := opts.From
	if tip, ok := db.Tip(); ok {
		fork, err := db.forkPoint(ctx, src, tip, top, opts.MaxReorg)
		if err != nil {
			return st, err
		}
		if fork < tip.Height {
			if err := db.Disconnect(ctx, fork); err != nil {
				return st, err
			}
			st.Disconnected = int(tip.Height - fork)
		}
		from = fork + 1
	}
	blocks := func(yield func(*chain.Block, error) bool) {
		for h := from; h <= top; h++ {
			b, err := src.Block(ctx, h)
			if !yield(b, err) || err != nil {
				return
			}
		}
	}
	is, err := db.Ingest(ctx, blocks, opts.Progress)
	st.Connected = is.Blocks
	return st, err
}

// forkPoint returns the highest height at which the store and the node
// hold the same block, at most the store's tip.
func (db *DB) forkPoint(ctx context.Context, src ChainSource, tip Tip, top int32, maxReorg int) (int32, error) {
	s := db.Snapshot()
	defer s.Close()
	h := min(tip.Height, top)
	for depth := 0; ; depth++ {
		if depth > maxReorg {
			return 0, fmt.Errorf("%w: the store and the node differ for more than %d blocks below height %d", ErrReorgTooDeep, maxReorg, tip.Height)
		}
		mine, err := s.blockHash(h)
		if errors.Is(err, ErrNotFound) {
			return 0, fmt.Errorf("%w: the node's chain leaves the store's below its first block %d", ErrReorgTooDeep, h+1)
		}
		if err != nil {
			return 0, err
		}
		theirs, err := src.BlockHash(ctx, h)
		if err != nil {
			return 0, fmt.Errorf("store: sync: %w", err)
		}
		if mine == theirs {
			return h, nil
		}
		h--
	}
}
