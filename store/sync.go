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
	// An error of the node does not end it (see OnError); an error of the
	// store, or a reorganisation deeper than MaxReorg, does.
	Follow bool
	// Poll is how often Follow asks the node for a new tip; 0 means 2s.
	// It also paces the retries after errors (see OnError and
	// ErrNotLinked).
	Poll time.Duration
	// MaxReorg refuses to disconnect more than this many blocks (a deeper
	// reorganisation needs a person to look); 0 means 100.
	MaxReorg int
	// Progress, if set, is called after each block ingested.
	Progress func(IngestStats)
	// OnTip, if set, is called whenever the store reaches the node's tip,
	// with the blocks connected and disconnected since the last call.
	OnTip func(SyncStats)
	// OnError, if set, is called when Follow meets an error of the node
	// that outlived the client's own retries (unreachable, timed out, not
	// serving, behind the store, blocks that keep failing to link), with
	// the wait before it tries again: Poll, doubled for each further
	// failure in a row up to 32 Polls (about a minute). Follow goes on
	// until ctx ends, so a caller that wants to give up cancels ctx.
	// Without Follow a node error ends Sync and OnError is not called.
	OnError func(err error, retryIn time.Duration)
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

// ErrNodeBehind is returned when the node's best chain is a prefix of the
// store's: a node that is reindexing or catching up, not a
// reorganisation, so Sync disconnects nothing. Follow waits for it (see
// SyncOptions.OnError).
var ErrNodeBehind = errors.New("store: the node is behind the store")

// linkAttempts is how many times in a row Sync reads the node's chain when
// a block it serves does not extend the one before it, before it gives up
// with ErrNotLinked. A node reorganising while Sync reads it settles
// within one or two attempts; one that keeps serving blocks which
// contradict the hashes it reports is broken, and looping on it would
// only load it.
const linkAttempts = 5

// maxRetryWaits caps the doubling wait of Follow after node errors, in
// Polls: about a minute at the default Poll, so that a node back from an
// outage is noticed soon without being called every Poll while down.
const maxRetryWaits = 32

// nodeError marks an error of the ChainSource, which Follow outlives,
// from one of the store, which ends Sync.
type nodeError struct{ err error }

func (e *nodeError) Error() string { return e.err.Error() }
func (e *nodeError) Unwrap() error { return e.err }

func fromNode(err error) error { return &nodeError{fmt.Errorf("store: sync: %w", err)} }

// Sync brings the store to src's best chain: it finds where the two
// agree, disconnects whatever the store holds above that point (a
// reorganisation), and ingests the node's blocks from there to its tip. A
// store interrupted mid-sync resumes after its watermark on the next call.
//
// A block that does not extend the one before it means the node
// reorganised during the read: Sync pauses (Poll/8, doubling) and reads
// again, and after linkAttempts (5) tries in a row returns an error
// wrapping ErrNotLinked.
//
// With Follow it then keeps polling and syncing until ctx ends, which it
// reports as a nil error; errors of the node go to OnError and are retried
// (see SyncOptions.OnError).
func (db *DB) Sync(ctx context.Context, src ChainSource, opts SyncOptions) (SyncStats, error) {
	if opts.Poll <= 0 {
		opts.Poll = 2 * time.Second
	}
	if opts.MaxReorg <= 0 {
		opts.MaxReorg = 100
	}
	var total, since SyncStats
	failures := 0 // node errors in a row
	for {
		st, err := db.syncLinked(ctx, src, opts)
		total.Connected += st.Connected
		total.Disconnected += st.Disconnected
		since.Connected += st.Connected
		since.Disconnected += st.Disconnected
		total.Tip, _ = db.Tip()
		if err != nil && opts.Follow && ctx.Err() != nil {
			return total, nil
		}
		var ne *nodeError
		if err != nil && (!opts.Follow || !errors.As(err, &ne)) {
			return total, err
		}
		wait := opts.Poll
		if err != nil {
			wait = retryWait(opts.Poll, failures)
			failures++
			if opts.OnError != nil {
				opts.OnError(err, wait)
			}
		} else {
			failures = 0
			if opts.OnTip != nil && (since.Connected > 0 || since.Disconnected > 0) {
				since.Tip = total.Tip
				opts.OnTip(since)
				since = SyncStats{}
			}
			if !opts.Follow {
				return total, nil
			}
		}
		select {
		case <-ctx.Done():
			return total, nil
		case <-time.After(wait):
		}
	}
}

// retryWait is the wait after the failures+1'th node error in a row.
func retryWait(poll time.Duration, failures int) time.Duration {
	limit := maxRetryWaits * poll
	w := poll
	for range failures {
		if w *= 2; w >= limit {
			return limit
		}
	}
	return w
}

// syncLinked is syncOnce, read again after a pause while the node's
// blocks do not link.
func (db *DB) syncLinked(ctx context.Context, src ChainSource, opts SyncOptions) (SyncStats, error) {
	var total SyncStats
	pause := max(opts.Poll/8, time.Millisecond)
	for attempt := 1; ; attempt++ {
		st, err := db.syncOnce(ctx, src, opts)
		total.Connected += st.Connected
		total.Disconnected += st.Disconnected
		if !errors.Is(err, ErrNotLinked) {
			return total, err
		}
		if attempt == linkAttempts {
			return total, &nodeError{fmt.Errorf("store: sync: the node's blocks did not link in %d reads in a row: its best chain keeps changing, or it serves blocks that contradict the hashes it reports: %w", linkAttempts, err)}
		}
		select {
		case <-ctx.Done():
			return total, ctx.Err()
		case <-time.After(pause):
		}
		pause *= 2
	}
}

// syncOnce reconciles the store with the node's current best chain.
func (db *DB) syncOnce(ctx context.Context, src ChainSource, opts SyncOptions) (SyncStats, error) {
	var st SyncStats
	top, _, err := src.Tip(ctx)
	if err != nil {
		return st, fromNode(err)
	}
	from := opts.From
	if tip, ok := db.Tip(); ok {
		fork, err := db.forkPoint(ctx, src, tip, top, opts.MaxReorg)
		if err != nil {
			return st, err
		}
		if fork == top && top < tip.Height {
			// The node holds the store's chain but not all of it yet
			// (restarted, reindexing, or still syncing): nothing to undo.
			return st, &nodeError{fmt.Errorf("%w: its tip is %d, the store's %d", ErrNodeBehind, top, tip.Height)}
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
			if err != nil {
				yield(nil, fromNode(err))
				return
			}
			if !yield(b, nil) {
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
	for {
		mine, err := s.blockHash(h)
		if errors.Is(err, ErrNotFound) {
			return 0, fmt.Errorf("%w: the node's chain leaves the store's below its first block %d", ErrReorgTooDeep, h+1)
		}
		if err != nil {
			return 0, err
		}
		theirs, err := src.BlockHash(ctx, h)
		if err != nil {
			return 0, fromNode(err)
		}
		if mine == theirs {
			return h, nil
		}
		// The depth counts from the store's tip: a fork below a node
		// that is also behind disconnects the difference as well.
		if h--; int(tip.Height-h) > maxReorg {
			return 0, fmt.Errorf("%w: the store and the node differ for more than %d blocks below height %d", ErrReorgTooDeep, maxReorg, tip.Height)
		}
	}
}
