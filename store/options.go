package store

import (
	"context"
	"log/slog"

	"github.com/btcsuite/btcd/wire"
	"github.com/plumetrace/plume/chain"
	"github.com/plumetrace/plume/trace/heuristic"
)

// Options configure a DB. The zero value is a working configuration for
// Bitcoin mainnet; plume uses this one options style in every package.
type Options struct {
	// Params is the network. nil means chain.Mainnet. A store remembers its
	// network and refuses to open for another.
	Params *chain.Params
	// InMemory keeps everything in memory (the dir argument of Open is
	// ignored); for tests and throwaway analyses.
	InMemory bool
	// UTXOCacheBytes bounds the in-memory map of unspent outputs that
	// resolves inputs at ingest. Outputs that do not fit are found in the
	// store instead, more slowly. 0 means 1 GiB.
	UTXOCacheBytes int64
	// AddrCacheBytes bounds the in-memory map from addresses to their IDs;
	// addresses that do not fit are looked up in the store. 0 means 256 MiB.
	AddrCacheBytes int64
	// AddrFilterBytes bounds the Bloom filter that tells ingest an address
	// is new without asking the store: 1.5 bytes per address it is sized
	// for, and it grows by doubling, so 1.5 to 3 bytes per address the
	// store holds. Past the bound it turns off and ingest looks each new
	// address up in the store, a fifth slower. 0 means 512 MiB (at least
	// 170 million addresses); a negative value turns the filter off.
	AddrFilterBytes int64
	// BatchBytes is how much ingest buffers before it flushes and advances
	// the watermark; a crash loses at most this much work. 0 means 64 MiB.
	BatchBytes int64
	// BlockCacheBytes sizes Badger's block cache. 0 means 256 MiB.
	BlockCacheBytes int64
	// Resolver, if set, is asked at ingest for outputs the store does not
	// hold (an ingest that starts above genesis). Without one such inputs
	// are stored as unresolved; DB.Resolve can fix them later.
	Resolver Resolver
	// ChangeRules, when not zero, also clusters each transaction's inputs
	// with the output these trace/heuristic change rules agree is the
	// change (Rule.Any). Only rules that need no later transaction work
	// at ingest: AddressReuse, ScriptType, OptimalChange, RoundPayment,
	// OneTime, OneTimeGraphSense; the others are ignored. Change
	// heuristics err, and one wrong merge joins two owners: see
	// MaxClusterSize.
	ChangeRules heuristic.Rule
	// MaxClusterSize refuses a change-based merge that would make a
	// cluster larger than this, the guard against the super-clusters that
	// swallow millions of addresses. 0 means 10,000. Refused merges are
	// counted in IngestStats.Refused and told to OnRefused.
	MaxClusterSize int
	OnRefused      func(RefusedMerge)
	// Logger receives Badger's warnings and errors; nil discards them.
	Logger *slog.Logger
}

// Resolver finds the output an input spends when the store does not hold
// it, typically from a node or an explorer.
type Resolver interface {
	// PrevOut returns the output at op. It returns an error wrapping
	// ErrNotFound if there is none. Prevout.Out may be zero when the
	// resolver does not know the output's chain position.
	PrevOut(ctx context.Context, op wire.OutPoint) (chain.Prevout, error)
}

func (o Options) withDefaults() Options {
	if o.Params == nil {
		o.Params = chain.Mainnet
	}
	if o.UTXOCacheBytes <= 0 {
		o.UTXOCacheBytes = 1 << 30
	}
	o.ChangeRules &= heuristic.AddressReuse | heuristic.ScriptType | heuristic.OptimalChange |
		heuristic.RoundPayment | heuristic.OneTime | heuristic.OneTimeGraphSense
	if o.MaxClusterSize <= 0 {
		o.MaxClusterSize = 10_000
	}
	if o.AddrCacheBytes <= 0 {
		o.AddrCacheBytes = 256 << 20
	}
	if o.AddrFilterBytes == 0 {
		o.AddrFilterBytes = 512 << 20
	}
	if o.BatchBytes <= 0 {
		o.BatchBytes = 64 << 20
	}
	if o.BlockCacheBytes <= 0 {
		o.BlockCacheBytes = 256 << 20
	}
	return o
}
