package report

import (
	"errors"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"

	"github.com/plumetrace/plume/trace"
)

// Schema names the version of the report's JSON form; it changes when a
// field changes meaning or goes away (new fields may appear without it).
const Schema = "plume.report/v1"

// DefaultMaxNodes is how many nodes the flow graph draws when
// Options.MaxNodes is 0: a browser stays responsive with a few thousand.
const DefaultMaxNodes = 2000

// DefaultDormantBlocks is about a year of blocks: stolen coins unmoved for
// that long are reported as dormant rather than held.
const DefaultDormantBlocks = 52_560

// Tip is the store's last block when the trace ran. store.Tip has the same
// fields, so report.Tip(t) converts one without this package importing
// store.
type Tip struct {
	Height int32
	Hash   chainhash.Hash
}

// Options say what a report records beyond the trace itself. The zero
// value works: it records an unknown tip, the build's version and the
// current time.
type Options struct {
	// Title heads the report; "" gives "plume case report".
	Title string
	// Tip is the store's tip when the trace ran. The zero Tip means
	// unknown; the report then says so.
	Tip Tip
	// Version is the plume version to record; "" means Version().
	Version string
	// Generated is when the report was made; the zero time means now. Set
	// it to make output reproducible (golden files).
	Generated time.Time
	// TaintOptions are the options the taint was computed with. A Taint
	// tells its model but not its exits or CoinJoin policy, so the report
	// records these from here; it also uses the exits to place exit
	// outputs that received no taint (those that did are known from the
	// Taint itself).
	TaintOptions trace.TaintOptions
	// Stop describes the trace's stop predicate (trace.Options.Stop),
	// which a func cannot record: "" records only whether the Result's
	// Options have one. A restored Result (trace.Restore) has none: give
	// the saved description (trace.Saved.Stop).
	Stop string
	// Settings are the caller's further choices that shaped the result,
	// recorded as given: how the exits were found, say.
	Settings []Setting
	// Bucket is the dispersion timeline's step; the zero value is one step
	// per block.
	Bucket trace.Bucket
	// MaxNodes caps the nodes the flow graph draws: 0 means
	// DefaultMaxNodes, a negative value no cap.
	MaxNodes int
	// DormantBlocks: an unspent output created more than this many blocks
	// below the tip (the flow's last block when the tip is unknown) is
	// dormant. 0 means DefaultDormantBlocks; negative, nothing is dormant.
	DormantBlocks int32
}

// Report is a case report: what was traced, where the stolen value is, how
// it spread, the flow to draw, and how the result was obtained. Its JSON
// form is documented in the package documentation; WriteHTML,
// WriteMarkdown and WriteJSON write the same content.
type Report struct {
	Schema       string        `json:"schema"`
	Title        string        `json:"title"`
	Summary      Summary       `json:"summary"`
	Destinations []Destination `json:"destinations"`
	Timeline     Timeline      `json:"timeline"`
	Graph        Graph         `json:"graph"`
	Provenance   Provenance    `json:"provenance"`
}

// Summary is the case at a glance.
type Summary struct {
	Network      string `json:"network"`
	Direction    string `json:"direction"`
	Model        string `json:"model,omitempty"` // "" without a taint
	Transactions int    `json:"transactions"`
	Outputs      int    `json:"outputs"`
	Hops         int    `json:"hops"`
	// First and Last are the first and last blocks of the flow.
	First BlockRef `json:"first"`
	Last  BlockRef `json:"last"`
	// Seeds are the outputs the trace started from.
	Seeds []SeedOutput `json:"seeds"`
	// Stolen is the taint the seeds put in plus the clean value Poison
	// swept in: the total the Totals account for. Without a taint it is
	// the seeds' value.
	Stolen int64 `json:"stolen"`
	// Totals say where Stolen went, by kind of destination.
	Totals []Total `json:"totals"`
}

// BlockRef is a block by height and time.
type BlockRef struct {
	Height int32     `json:"height"`
	Time   time.Time `json:"time"`
}

// SeedOutput is one output the trace started from.
type SeedOutput struct {
	Outpoint string `json:"outpoint"` // txid:vout
	Address  string `json:"address"`
	Value    int64  `json:"value"`
	Height   int32  `json:"height"`
	Taint    *int64 `json:"taint,omitempty"` // what the seed put in
}

// Destination kinds: where a satoshi of the flow ended up.
const (
	KindHeld    = "held"    // in an unspent output, moved within DormantBlocks
	KindDormant = "dormant" // in an unspent output older than that
	KindExit    = "exit"    // paid to an exit
	KindBeyond  = "beyond"  // spent by a transaction the trace did not include
	KindFees    = "fees"    // paid to miners
	KindStolen  = "stolen"  // (totals only) put in by the seeds
	KindSwept   = "swept"   // (totals only) clean value Poison swept in
)

// Total is the stolen value that went to one kind of destination (per
// label for exits). Without a taint, amounts are the whole value of the
// outputs and Share is absent.
type Total struct {
	Kind   string   `json:"kind"`
	Label  string   `json:"label,omitempty"`
	Amount int64    `json:"amount"`
	Share  *float64 `json:"share,omitempty"` // of Summary.Stolen
}

// Destination is where stolen value is now, by address: held, dormant,
// paid to an exit or gone beyond the trace; and the fees as one row.
type Destination struct {
	Kind    string   `json:"kind"`
	Label   string   `json:"label,omitempty"` // the exit's label
	Address string   `json:"address,omitempty"`
	Outputs int      `json:"outputs"`
	Value   int64    `json:"value"`           // of those outputs
	Taint   *int64   `json:"taint,omitempty"` // stolen part of Value
	Share   *float64 `json:"share,omitempty"` // Taint of Summary.Stolen
	// Last is the block of the newest of the outputs (absent for fees).
	Last BlockRef `json:"last,omitzero"`
	// Node is the graph node of the most tainted of the outputs, "" if the
	// graph does not draw it.
	Node string `json:"node,omitempty"`
}

// Timeline is the dispersion of the stolen value step by step (see
// trace.Taint.Timeline); empty without a taint.
type Timeline struct {
	Bucket string `json:"bucket"` // "block", "hour" or "day"
	Steps  []Step `json:"steps"`
}

// Step is the state at the end of one timeline step; see trace.Step.
type Step struct {
	Height  int32     `json:"height"` // -1 for hour and day steps
	Start   time.Time `json:"start"`
	End     time.Time `json:"end"`
	Holders int       `json:"holders"`
	UTXOs   int       `json:"utxos"`
	Held    int64     `json:"held"`
	Exited  int64     `json:"exited"`
	Beyond  int64     `json:"beyond"`
	Gini    float64   `json:"gini"`
	Entropy float64   `json:"entropy"`
}

// ErrMismatch is returned by New when the taint was computed on another
// trace than the one given.
var ErrMismatch = errors.New("report: the taint belongs to another trace")

// New builds the report of a trace and, optionally (nil), a taint computed
// on it.
func New(res *trace.Result, taint *trace.Taint, opts Options) (*Report, error) {
	if res == nil || res.Flow == nil {
		return nil, errors.New("report: no trace")
	}
	if taint != nil && taint.Result() != res {
		return nil, ErrMismatch
	}
	b := newBuilder(res, taint, opts)
	rep := &Report{Schema: Schema, Title: opts.Title}
	if rep.Title == "" {
		rep.Title = "plume case report"
	}
	rep.Graph = b.graph()
	rep.Summary = b.summary()
	rep.Destinations = b.destinations(rep.Graph)
	rep.Timeline = b.timeline()
	rep.Provenance = b.provenance(rep.Graph)
	return rep, nil
}
