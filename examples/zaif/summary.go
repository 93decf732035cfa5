package main

import (
	"cmp"
	"slices"
	"strconv"
	"time"

	"github.com/plumetrace/plume/chain"
	"github.com/plumetrace/plume/trace"
)

// summary is the report, as text or JSON. Values are in satoshi.
type summary struct {
	Scale   float64  `json:"scale"`
	SimSeed uint64   `json:"sim_seed"`
	Blocks  int32    `json:"blocks"`
	Txs     int      `json:"txs"`
	Cached  bool     `json:"cached"`
	Seeds   []string `json:"seeds"`
	Model   string   `json:"model"`
	Stolen  int64    `json:"stolen"`
	Traced  traced   `json:"traced"`
	// Destinations: where the stolen value is, by kind: exchange, mixer,
	// unidentified (a sweeper plume found but no tag names), dormant
	// (held in outputs untouched since the theft: created within -dormant
	// of the first traced transaction and never spent since), moving
	// (held in outputs the thief moved since), fees, beyond (spent outside
	// the trace).
	Destinations map[string]int64 `json:"destinations"`
	Exits        []exitSummary    `json:"exits"`
	Timeline     []hour           `json:"timeline"`
	PeelChains   []peelSummary    `json:"peel_chains"`
	Accuracy     accuracy         `json:"accuracy"`
	Chart        string           `json:"chart"`            // absolute path of the PNG
	Report       string           `json:"report,omitempty"` // absolute path of the HTML report, with -report
	Elapsed      string           `json:"elapsed"`
}

type traced struct {
	Txs       int `json:"txs"`
	Addresses int `json:"addresses"`
	Hops      int `json:"hops"`
}

type exitSummary struct {
	Label     string `json:"label"`
	Kind      string `json:"kind"`
	Taint     int64  `json:"taint"`
	Outputs   int    `json:"outputs"`
	Addresses int    `json:"addresses"`
}

type hour struct {
	Start   time.Time `json:"start"`
	Holders int       `json:"holders"`
	UTXOs   int       `json:"utxos"`
	Value   int64     `json:"value"`
	Exited  int64     `json:"exited"`
	Gini    float64   `json:"gini"`
}

type peelSummary struct {
	Length    int    `json:"length"`
	In        int64  `json:"in"`
	Peeled    int64  `json:"peeled"`
	First     string `json:"first_txid"`
	Remainder string `json:"remainder"`
}

// accuracy compares the findings with the simulation's ground truth:
// precision and recall of the thief's addresses (those the trace reached
// before the coins left), and the value of the true exits found.
type accuracy struct {
	Precision      float64 `json:"precision"`
	Recall         float64 `json:"recall"`
	ThiefFound     int     `json:"thief_addresses_found"`
	ThiefTrue      int     `json:"thief_addresses_true"`
	ExitValueFound int64   `json:"exit_value_found"`
	ExitValueTrue  int64   `json:"exit_value_true"`
	// ExitValueFalse is value counted as exited at outputs the truth does
	// not list as exits.
	ExitValueFalse int64 `json:"exit_value_false"`
}

func summarize(cs *caseData) *summary {
	s := &summary{Scale: cs.cfg.scale, SimSeed: cs.cfg.simSeed, Blocks: cs.sim.Tip + 1, Txs: cs.sim.Txs, Cached: cs.sim.Cached,
		Model: cs.taint.Model().String(), Destinations: map[string]int64{}}
	for _, sd := range cs.seeds {
		s.Seeds = append(s.Seeds, sd.String())
	}
	tot := cs.taint.Totals()
	s.Stolen = tot.Injected
	addrs := map[chain.Address]bool{}
	for _, tx := range cs.res.Txs() {
		for v := range tx.Msg.TxOut {
			addrs[tx.OutAddr(v)] = true
		}
	}
	s.Traced = traced{Txs: cs.res.Len(), Addresses: len(addrs), Hops: cs.res.Hops}

	// Destinations.
	cutoff := cs.res.At(0).Time.Add(cs.cfg.dormant)
	for _, h := range cs.taint.Unspent() {
		created := cs.res.At(cs.res.Index(h.Out.Tx)).Time
		if created.Before(cutoff) {
			s.Destinations["dormant"] += h.Taint
		} else {
			s.Destinations["moving"] += h.Taint
		}
	}
	s.Destinations["fees"] = tot.Fees
	s.Destinations["beyond"] = tot.Beyond
	byLabel := map[string]*exitSummary{}
	exitAddrs := map[string]map[chain.Address]bool{}
	for _, e := range cs.taint.Exits() {
		x := byLabel[e.Label]
		if x == nil {
			x = &exitSummary{Label: e.Label, Kind: cs.kinds[e.Label]}
			byLabel[e.Label] = x
			exitAddrs[e.Label] = map[chain.Address]bool{}
		}
		x.Taint += e.Taint
		x.Outputs++
		exitAddrs[e.Label][e.Addr] = true
		s.Destinations[x.Kind] += e.Taint
	}
	for l, x := range byLabel {
		x.Addresses = len(exitAddrs[l])
		s.Exits = append(s.Exits, *x)
	}
	slices.SortFunc(s.Exits, func(a, b exitSummary) int { return cmp.Compare(b.Taint, a.Taint) })

	// The timeline, per hour; the JSON keeps every hour with activity.
	var last *hour
	for _, st := range cs.taint.Timeline(trace.ByHour) {
		h := hour{Start: st.Start, Holders: st.Holders, UTXOs: st.UTXOs, Value: st.Held, Exited: st.Exited, Gini: st.Gini}
		if last != nil && last.Holders == h.Holders && last.UTXOs == h.UTXOs && last.Value == h.Value && last.Exited == h.Exited {
			continue // nothing moved this hour
		}
		s.Timeline = append(s.Timeline, h)
		last = &s.Timeline[len(s.Timeline)-1]
	}

	for _, c := range cs.chains[:min(len(cs.chains), 5)] {
		s.PeelChains = append(s.PeelChains, peelSummary{Length: c.Len(), In: c.In, Peeled: c.Peeled, First: c.Txs[0].Hash.String(), Remainder: c.Remainder.State.String()})
	}
	s.Accuracy = measure(cs, addrs)
	return s
}

// measure compares with the ground truth.
func measure(cs *caseData, reached map[chain.Address]bool) accuracy {
	t := cs.sim.Truth
	truth := map[chain.Address]bool{}
	for _, text := range t.Thief.Addresses {
		if a, err := cs.params.Parse(text); err == nil {
			truth[a] = true
		}
	}
	found := map[chain.Address]bool{}
	for a := range reached {
		if _, exit := cs.exits[a]; !exit {
			found[a] = true
		}
	}
	for _, sd := range cs.seeds {
		if a, err := cs.params.Parse(sd.String()); err == nil {
			found[a] = true
		}
	}
	var ac accuracy
	hit := 0
	for a := range found {
		if truth[a] {
			hit++
		}
	}
	ac.ThiefFound, ac.ThiefTrue = len(found), len(truth)
	if len(found) > 0 {
		ac.Precision = float64(hit) / float64(len(found))
	}
	if len(truth) > 0 {
		ac.Recall = float64(hit) / float64(len(truth))
	}
	trueExits := map[string]int64{}
	for _, e := range t.Exits {
		key := e.Txid + ":" + strconv.FormatInt(int64(e.Vout), 10)
		trueExits[key] = e.Value
		ac.ExitValueTrue += e.Value
	}
	for _, e := range cs.taint.Exits() {
		tx := cs.res.At(cs.res.Index(e.Out.Tx))
		key := tx.Hash.String() + ":" + strconv.FormatInt(int64(e.Out.Vout), 10)
		if v, ok := trueExits[key]; ok {
			ac.ExitValueFound += v
		} else {
			ac.ExitValueFalse += e.Value
		}
	}
	return ac
}
