package main

import (
	"context"
	"fmt"
	"io"
	"path/filepath"

	"github.com/plumetrace/plume/chain"
	"github.com/plumetrace/plume/internal/cmdmain"
	"github.com/plumetrace/plume/internal/sim"
	"github.com/plumetrace/plume/source/blkfile"
	"github.com/plumetrace/plume/store"
	"github.com/plumetrace/plume/trace"
)

// caseData is everything the investigation found, for the report.
type caseData struct {
	cfg      *config
	sim      *sim.Result
	params   *chain.Params
	tip      store.Tip
	seeds    []trace.Seed
	res      *trace.Result // the thief's coins, up to the exits
	taint    *trace.Taint
	exits    map[chain.Address]string
	kinds    map[string]string // exit label -> "exchange", "mixer" or "unidentified"
	deposits []trace.Deposit
	chains   []trace.PeelChain
}

// investigate does what an investigator would: get the chain, index it,
// load the known tags, trace, find where the coins left, and weigh them.
func investigate(ctx context.Context, c *config, stderr io.Writer) (*caseData, error) {
	p := cmdmain.NewProgress(c.progress, stderr)
	simRes, err := sim.Run(ctx, sim.Options{Seed: c.simSeed, Scale: c.scale, Dir: simDir(c.data, c.simSeed, c.scale),
		Progress: func(pr sim.Progress) { p.Step("simulating blocks", int64(pr.Height), int64(pr.Total)) }})
	p.Done()
	if err != nil {
		return nil, err
	}
	cs := &caseData{cfg: c, sim: simRes, params: simRes.Params}

	db, err := store.Open(filepath.Join(c.data, fmt.Sprintf("store-%d-%g", c.simSeed, c.scale)), store.Options{Params: cs.params})
	if err != nil {
		return nil, err
	}
	defer db.Close()
	if tip, ok := db.Tip(); !ok || tip.Hash.String() != simRes.TipHash {
		if err := ingest(ctx, db, simRes, p); err != nil {
			return nil, err
		}
	}
	cs.tip, _ = db.Tip()
	if err := db.AddTags(ctx, knownTags(simRes.Truth, cs.params)); err != nil {
		return nil, err
	}

	cs.seeds = c.seeds
	if len(cs.seeds) == 0 {
		sd, err := trace.ParseSeed(cs.params, simRes.Truth.Seeds.FirstAddress)
		if err != nil {
			return nil, err
		}
		cs.seeds = []trace.Seed{sd}
	}

	snap := db.Snapshot()
	defer snap.Close()
	// First pass: everywhere the coins went, to find where they left the
	// thief's hands: tagged wallets, and deposit addresses swept into an
	// exchange's (or the mixer's) consolidations.
	wide, err := trace.Follow(ctx, snap, cs.seeds, trace.Options{Params: cs.params, MaxTxs: 5_000_000})
	if err != nil {
		return nil, err
	}
	if wide.Len() == 0 {
		// A -seed address that never received coins on this chain.
		return nil, fmt.Errorf("the seeds %v received nothing on the simulated chain: %w", cs.seeds, chain.ErrNotFound)
	}
	labels, err := db.Labels(ctx)
	if err != nil {
		return nil, err
	}
	defer labels.Close()
	cs.deposits, err = trace.DepositAddresses(ctx, snap, wide.Flow, trace.DepositOptions{Clusters: cmdmain.Clusters(db)})
	if err != nil {
		return nil, err
	}
	cs.exits, cs.kinds = exitsOf(wide, cs.deposits, labels)

	// Second pass: the thief's coins, stopping where they leave.
	stop := func(a chain.Address) (string, bool) { l, ok := cs.exits[a]; return l, ok }
	cs.res, err = trace.Follow(ctx, snap, cs.seeds, trace.Options{Params: cs.params, Stop: trace.StopAt(stop)})
	if err != nil {
		return nil, err
	}
	cs.taint, err = trace.ComputeTaint(cs.res, trace.TaintOptions{Model: c.model, Exits: cs.exits})
	if err != nil {
		return nil, err
	}
	cs.chains = trace.PeelChains(cs.res.Flow, trace.PeelOptions{Taint: cs.taint})
	return cs, nil
}

// simDir is where the simulation of seed and scale is cached in data.
func simDir(data string, seed uint64, scale float64) string {
	return filepath.Join(data, fmt.Sprintf("sim-%d-%g", seed, scale))
}

// ingest reads the simulated blocks directory into the store.
func ingest(ctx context.Context, db *store.DB, s *sim.Result, p *cmdmain.Progress) error {
	r, err := blkfile.Open(ctx, s.BlocksDir, blkfile.Options{Params: s.Params})
	if err != nil {
		return err
	}
	defer r.Close()
	_, err = db.Ingest(ctx, r.Blocks(ctx, 0), func(st store.IngestStats) {
		p.Step("indexing blocks", int64(st.Height), int64(s.Tip))
	})
	p.Done()
	return err
}

// knownTags are the tags an investigator starts with: the exchanges' and
// the mixer's hot and cold wallets, which public TagPacks list for real
// services. Cluster-defining, so addresses that spend with them share
// their label. Nothing about the thief or the deposit addresses.
func knownTags(t *sim.Truth, p *chain.Params) []store.Tag {
	var tags []store.Tag
	for _, s := range t.Services {
		if s.Kind != sim.ExitExchange && s.Kind != sim.ExitMixer {
			continue
		}
		for _, list := range [][]string{s.Hot, s.Cold} {
			for _, text := range list {
				a, err := p.Parse(text)
				if err != nil {
					continue
				}
				tags = append(tags, store.Tag{Address: a, Label: s.Name, Category: s.Kind, Confidence: 80, ClusterDefiner: true, Pack: "known services"})
			}
		}
	}
	return tags
}

// exitsOf decides where the coins left the thief's hands:
//   - an output paying a tagged wallet directly;
//   - a deposit address: one the flow paid and a service swept, either a
//     sweep trace.DepositAddresses recognises (many inputs, soon after),
//     labelled by the tagged wallet it paid if any, or any transaction that
//     pays a tagged wallet and spends the flow's outputs together with
//     outside coins, or pays nothing but that service's wallets: the
//     service's own sweep, however small.
func exitsOf(res *trace.Result, deposits []trace.Deposit, l *store.Labels) (map[chain.Address]string, map[string]string) {
	exits := map[chain.Address]string{}
	kinds := map[string]string{}
	mark := func(a chain.Address, label, kind string) {
		exits[a] = label
		kinds[label] = kind
	}
	for i, tx := range res.Txs() {
		var service *store.Tag
		for v := range tx.Msg.TxOut {
			if t, ok := l.Tag(tx.OutAddr(v)); ok {
				service = &t
				break
			}
		}
		if service == nil {
			continue
		}
		funders := res.Funders(i)
		// The service's own sweep spends coins from outside the flow (its
		// other customers') too, or pays nothing but its own wallets.
		sweep := !tx.IsCoinbase()
		if sweep {
			outside, onlyService := false, true
			for _, j := range funders {
				outside = outside || j < 0
			}
			for v := range tx.Msg.TxOut {
				t, ok := l.Tag(tx.OutAddr(v))
				onlyService = onlyService && ok && t.Label == service.Label
			}
			sweep = outside || onlyService
		}
		if !sweep {
			// The thief paying the service itself: the tagged output is
			// where the coins leave.
			for v := range tx.Msg.TxOut {
				if t, ok := l.Tag(tx.OutAddr(v)); ok {
					mark(tx.OutAddr(v), t.Label, t.Category)
				}
			}
			continue
		}
		for k, j := range funders {
			if j >= 0 {
				mark(tx.Prevouts[k].Addr, service.Label, service.Category)
			}
		}
	}
	for _, d := range deposits {
		if _, done := exits[d.Addr]; done {
			continue
		}
		label, kind := "unidentified: "+d.Entity.Label, "unidentified"
		for _, o := range d.Sweep.Msg.TxOut {
			if t, ok := l.Tag(chain.AddressOf(o.PkScript)); ok {
				label, kind = t.Label, t.Category
				break
			}
		}
		mark(d.Addr, label, kind)
	}
	return exits, kinds
}
