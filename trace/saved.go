package trace

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"

	"github.com/plumetrace/plume/chain"
	"github.com/plumetrace/plume/graph"
)

// Saved is a Result reduced to what rebuilds it from the source it was
// traced through: the transactions by ID, each with its hop and the link
// that reached it, and the plain options and counters. It is JSON, so a
// tool keeps a case (store.DB.PutCase) and reports on it again without
// tracing again, which may have taken minutes or asked a remote API.
//
// A transaction ID is a chain position, and a reorganisation can put
// another transaction there: each entry carries its txid, and Restore
// refuses a source that no longer holds the same transactions.
type Saved struct {
	Seeds     []SavedSeed      `json:"seeds"`
	Outputs   []chain.OutPoint `json:"outputs"` // the flow's seed outputs
	Direction string           `json:"direction"`
	MaxHops   int              `json:"max_hops,omitempty"`
	MinValue  int64            `json:"min_value,omitempty"`
	From      time.Time        `json:"from,omitzero"`
	To        time.Time        `json:"to,omitzero"`
	MaxTxs    int              `json:"max_txs,omitempty"`
	// CoinJoins is the policy's name (CoinJoinPolicy.String).
	CoinJoins       string `json:"coinjoins,omitempty"`
	PreferRemainder bool   `json:"prefer_remainder,omitempty"`
	// Stop describes Options.Stop, which, a func, cannot be saved: Save
	// writes StopUndescribed when the trace had one and "" when not, and
	// a caller that knows what the predicate did writes that instead.
	// Restore cannot bring the func back; give Stop to whatever reports
	// on the restored Result (report.Options.Stop).
	Stop string `json:"stop,omitempty"`

	Txs []SavedTx `json:"txs"`

	Hops          int           `json:"hops"`
	Edges         int           `json:"edges"`
	Truncated     bool          `json:"truncated,omitempty"`
	Stopped       int           `json:"stopped,omitempty"`
	Outside       int           `json:"outside,omitempty"`
	StoppedAtJoin int           `json:"stopped_at_coinjoins,omitempty"`
	Elapsed       time.Duration `json:"elapsed_ns"`
}

// SavedSeed is a Seed as text, with its window and amount.
type SavedSeed struct {
	Text   string    `json:"seed"`
	From   time.Time `json:"from,omitzero"`
	To     time.Time `json:"to,omitzero"`
	Amount int64     `json:"amount,omitempty"`
}

// SavedTx is one transaction of a saved flow, in flow (chain) order.
type SavedTx struct {
	ID   chain.TxID     `json:"id"`
	Hash chainhash.Hash `json:"txid"`
	Hop  int            `json:"hop"`
	// Parent is the flow index the trace reached it from, -1 at hop 0;
	// ViaSeed says the link is a seed output.
	Parent  int32 `json:"parent"`
	ViaSeed bool  `json:"via_seed,omitempty"`
}

// StopUndescribed is Saved.Stop for a trace that had a stop predicate
// its caller did not describe.
const StopUndescribed = "set (not described)"

// ErrStale is wrapped by Restore's error when the source no longer holds a
// saved transaction where it was: the chain was reorganised or the store
// is another one.
var ErrStale = errors.New("trace: the saved trace does not match the source")

// Save returns the Result as a Saved.
func (r *Result) Save() *Saved {
	s := &Saved{
		Outputs:         r.Seeds(),
		Direction:       r.Options.Direction.String(),
		MaxHops:         r.Options.MaxHops,
		MinValue:        r.Options.MinValue,
		From:            r.Options.From,
		To:              r.Options.To,
		MaxTxs:          r.Options.MaxTxs,
		CoinJoins:       r.Options.CoinJoins.String(),
		PreferRemainder: r.Options.PreferRemainder,
		Txs:             make([]SavedTx, r.Len()),
		Hops:            r.Hops,
		Edges:           r.Edges,
		Truncated:       r.Truncated,
		Stopped:         r.Stopped,
		Outside:         r.Outside,
		StoppedAtJoin:   r.CoinJoins,
		Elapsed:         r.Elapsed,
	}
	if r.Options.Stop != nil {
		s.Stop = StopUndescribed
	}
	for _, sd := range r.Requested {
		s.Seeds = append(s.Seeds, SavedSeed{Text: sd.String(), From: sd.From, To: sd.To, Amount: sd.Amount})
	}
	for i := range s.Txs {
		tx := r.At(i)
		s.Txs[i] = SavedTx{ID: tx.ID, Hash: tx.Hash, Hop: r.Hop(i), Parent: r.parent[i], ViaSeed: r.viaSeed[i]}
	}
	return s
}

// Restore rebuilds a saved Result, reading its transactions from src. p
// is the network the seeds' addresses belong to (nil: chain.Mainnet).
// Options.Stop and Progress are funcs, which cannot be saved: the restored
// Options lack them, and Saved.Stop says what the stop predicate was.
func Restore(ctx context.Context, src Source, s *Saved, p *chain.Params) (*Result, error) {
	if p == nil {
		p = chain.Mainnet
	}
	opts := Options{
		MaxHops: s.MaxHops, MinValue: s.MinValue, From: s.From, To: s.To, MaxTxs: s.MaxTxs,
		PreferRemainder: s.PreferRemainder, Params: p,
	}
	switch s.Direction {
	case Forward.String():
	case Backward.String():
		opts.Direction = Backward
	default:
		return nil, fmt.Errorf("trace: saved trace: unknown direction %q", s.Direction)
	}
	if s.CoinJoins != "" {
		cj, err := ParseCoinJoinPolicy(s.CoinJoins)
		if err != nil {
			return nil, fmt.Errorf("trace: saved trace: %w", err)
		}
		opts.CoinJoins = cj
	}
	r := &Result{
		Options: opts, Hops: s.Hops, Edges: s.Edges, Truncated: s.Truncated, Stopped: s.Stopped,
		Outside: s.Outside, CoinJoins: s.StoppedAtJoin, Elapsed: s.Elapsed,
		parent:  make([]int32, len(s.Txs)),
		viaSeed: make([]bool, len(s.Txs)),
	}
	for _, sd := range s.Seeds {
		seed, err := ParseSeed(p, sd.Text)
		if err != nil {
			return nil, fmt.Errorf("trace: saved trace: %w", err)
		}
		seed.From, seed.To, seed.Amount = sd.From, sd.To, sd.Amount
		r.Requested = append(r.Requested, seed)
	}
	links := make([]link, len(s.Txs))
	for i, t := range s.Txs {
		if t.Parent < -1 || int(t.Parent) >= len(s.Txs) || (i > 0 && t.ID <= s.Txs[i-1].ID) {
			return nil, fmt.Errorf("trace: saved trace: transaction %d (%v) is out of order or links to %d", i, t.Hash, t.Parent)
		}
		links[i] = link{id: t.ID, at: -1}
		r.parent[i], r.viaSeed[i] = t.Parent, t.ViaSeed
	}
	txs, err := load(ctx, src, links, runtime.GOMAXPROCS(0))
	if err != nil {
		return nil, err
	}
	members := make([]graph.Member, len(txs))
	for i, tx := range txs {
		if tx == nil || tx.Hash != s.Txs[i].Hash {
			return nil, fmt.Errorf("%w: transaction %v is no longer at %v", ErrStale, s.Txs[i].Hash, s.Txs[i].ID)
		}
		members[i] = graph.Member{Tx: tx, Hop: s.Txs[i].Hop}
	}
	r.Flow = graph.New(p, opts.Direction == Forward, s.Outputs, members)
	return r, nil
}
