package report

import (
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"github.com/plumetrace/plume/trace"
)

// Provenance is how the result was obtained, so that someone else can
// obtain it again and check it: the data it came from, the code, the
// options, and for each exit the path of transactions from the seed.
type Provenance struct {
	// Tip is the store's last block when the trace ran; nil if unknown.
	Tip       *TipRef   `json:"tip,omitempty"`
	Version   string    `json:"version"`
	Generated time.Time `json:"generated"`
	Network   string    `json:"network"`
	Seeds     []SeedRef `json:"seeds"`
	Trace     TraceRef  `json:"trace"`
	// Model is the taint model, "" without a taint; CoinJoins the taint's
	// CoinJoin policy (trace.TaintOptions.CoinJoins), absent without one.
	Model     string `json:"model,omitempty"`
	CoinJoins string `json:"coinjoins,omitempty"`
	// Settings are Options.Settings: further choices of the caller.
	Settings []Setting `json:"settings,omitempty"`
	// Exits are the exits the taint was computed with, by address, and
	// any other label the taint counted as an exit (CoinJoins).
	Exits []ExitRef `json:"exits"`
	// ExitPaths lists every output that paid stolen value to an exit,
	// in chain order, with the transactions from a seed's to it.
	ExitPaths []ExitPath `json:"exit_paths"`
}

// TipRef is a block by height and hash.
type TipRef struct {
	Height int32  `json:"height"`
	Hash   string `json:"hash"`
}

// SeedRef is a seed as the caller gave it (trace.Seed).
type SeedRef struct {
	Seed   string    `json:"seed"`
	From   time.Time `json:"from,omitzero"`
	To     time.Time `json:"to,omitzero"`
	Amount int64     `json:"amount,omitempty"`
}

// TraceRef is the trace's options (trace.Options) and how it ended.
type TraceRef struct {
	Direction string    `json:"direction"`
	MaxHops   int       `json:"max_hops"`  // 0: no limit
	MinValue  int64     `json:"min_value"` // satoshi
	From      time.Time `json:"from,omitzero"`
	To        time.Time `json:"to,omitzero"`
	MaxTxs    int       `json:"max_txs"`   // 0: no limit
	CoinJoins string    `json:"coinjoins"` // trace.Options.CoinJoins
	// Stop is true when a stop predicate was set; a func cannot be
	// recorded, so StopPredicate is what the caller said it did
	// (Options.Stop), "" if it did not say.
	Stop          bool   `json:"stop"`
	StopPredicate string `json:"stop_predicate,omitempty"`
	// PreferRemainder: only the remainders of peel steps were followed.
	PreferRemainder bool `json:"prefer_remainder,omitempty"`
	// How the trace ended (trace.Result).
	Hops      int  `json:"hops"`
	Edges     int  `json:"edges"`
	Truncated bool `json:"truncated"`
	Stopped   int  `json:"stopped"`
	Outside   int  `json:"outside"`
	// CoinJoinsStopped counts the CoinJoins the trace stopped at.
	CoinJoinsStopped int `json:"coinjoins_stopped"`
}

// Setting is one choice that shaped the result, in words.
type Setting struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// ExitRef is a configured exit.
type ExitRef struct {
	Label   string `json:"label"`
	Address string `json:"address"`
}

// ExitPath is one payment of stolen value to an exit and how it got there.
type ExitPath struct {
	Label    string   `json:"label"`
	Address  string   `json:"address"`
	Outpoint string   `json:"outpoint"`
	Value    int64    `json:"value"`
	Taint    int64    `json:"taint"`
	Hop      int      `json:"hop"`
	Path     []PathTx `json:"path"`
	Block    BlockRef `json:"block"`
	// Node is the exit's graph node, "" if the graph does not draw it.
	Node string `json:"node,omitempty"`
}

// PathTx is one transaction of a path.
type PathTx struct {
	TxID   string `json:"txid"`
	Height int32  `json:"height"`
	Hop    int    `json:"hop"`
}

// modulePath is plume's module, looked up in the build information.
const modulePath = "github.com/plumetrace/plume"

// Version returns the plume version this program was built with: the
// module version when plume is a dependency, or "(devel)" (with the VCS
// revision when the build recorded one) when it is the main module.
func Version() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "(unknown)"
	}
	for _, d := range bi.Deps {
		if d.Path == modulePath {
			if d.Replace != nil && d.Replace.Version != "" {
				return d.Replace.Version
			}
			return d.Version
		}
	}
	v := bi.Main.Version
	if bi.Main.Path != modulePath || v == "" {
		v = "(devel)"
	}
	var rev, modified string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				modified = ", modified"
			}
		}
	}
	if rev != "" && (v == "(devel)" || strings.Contains(v, "+dirty")) {
		v += " (" + rev[:min(len(rev), 12)] + modified + ")"
	}
	return v
}

func (b *builder) provenance(g Graph) Provenance {
	res, o := b.res, b.res.Options
	pv := Provenance{
		Version:   b.opts.Version,
		Generated: b.opts.Generated.UTC(),
		Network:   b.p.Name,
		Seeds:     []SeedRef{},
		Trace: TraceRef{Direction: o.Direction.String(), MaxHops: o.MaxHops, MinValue: o.MinValue,
			From: utc(o.From), To: utc(o.To), MaxTxs: o.MaxTxs, CoinJoins: o.CoinJoins.String(),
			Stop: o.Stop != nil || b.opts.Stop != "", StopPredicate: b.opts.Stop, PreferRemainder: o.PreferRemainder,
			Hops: res.Hops, Edges: res.Edges, Truncated: res.Truncated, Stopped: res.Stopped, Outside: res.Outside,
			CoinJoinsStopped: res.CoinJoins},
		Settings:  slices.Clone(b.opts.Settings),
		Exits:     []ExitRef{},
		ExitPaths: []ExitPath{},
	}
	if pv.Version == "" {
		pv.Version = Version()
	}
	if b.opts.Generated.IsZero() {
		pv.Generated = time.Now().UTC().Truncate(time.Second)
	}
	if b.opts.Tip != (Tip{}) {
		pv.Tip = &TipRef{Height: b.opts.Tip.Height, Hash: b.opts.Tip.Hash.String()}
	}
	for _, s := range res.Requested {
		pv.Seeds = append(pv.Seeds, SeedRef{Seed: s.String(), From: utc(s.From), To: utc(s.To), Amount: s.Amount})
	}
	seen := map[ExitRef]bool{}
	addExit := func(e ExitRef) {
		if !seen[e] {
			seen[e] = true
			pv.Exits = append(pv.Exits, e)
		}
	}
	for a, l := range b.exitAddr {
		addExit(ExitRef{Label: l, Address: b.p.Format(a)})
	}
	if b.taint != nil {
		for _, e := range b.taint.Exits() {
			if _, configured := b.exitAddr[e.Addr]; !configured {
				addExit(ExitRef{Label: e.Label, Address: b.p.Format(e.Addr)})
			}
		}
	}
	slices.SortFunc(pv.Exits, func(x, y ExitRef) int {
		return strings.Compare(x.Label+"\x00"+x.Address, y.Label+"\x00"+y.Address)
	})
	if b.taint == nil {
		return pv
	}
	pv.Model = b.taint.Model().String()
	if cj := b.opts.TaintOptions.CoinJoins; cj != trace.CoinJoinIgnore {
		pv.CoinJoins = cj.String()
	}
	for _, e := range b.taint.Exits() {
		ep := ExitPath{Label: e.Label, Address: b.p.Format(e.Addr), Value: e.Value, Taint: e.Taint, Hop: e.Hop, Path: []PathTx{}}
		i := b.f.Index(e.Out.Tx)
		tx := b.f.At(i)
		ep.Outpoint, ep.Block = outpoint(tx, int(e.Out.Vout)), blockOf(tx)
		for _, p := range e.Path {
			ep.Path = append(ep.Path, PathTx{TxID: p.Hash.String(), Height: p.Height(), Hop: b.f.Hop(b.f.Index(p.ID))})
		}
		if id := outNodeID(e.Out); g.has(id) {
			ep.Node = id
		}
		pv.ExitPaths = append(pv.ExitPaths, ep)
	}
	return pv
}
