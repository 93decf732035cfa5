package sim

import (
	"bytes"
	"slices"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"

	"github.com/plumetrace/plume/chain"
)

// Truth is the ground truth of a simulation: what a tracer following the
// thief's first address should find. Addresses are regtest addresses as
// chain.Regtest.Format writes them, txids in the usual (byte-reversed)
// hex, values in satoshi, times in UTC. It is written as truth.json.
type Truth struct {
	Version int       `json:"version"`
	Seed    uint64    `json:"seed"`
	Scale   float64   `json:"scale"`
	Network string    `json:"network"`
	Tip     BlockRef  `json:"tip"`
	Txs     int       `json:"txs"` // every transaction, coinbases included
	Seeds   Seeds     `json:"seeds"`
	Figures Figures   `json:"figures"`
	Theft   []TheftTx `json:"theft"`
	Thief   Thief     `json:"thief"`
	// Exits are the thief's outputs that paid a service: a deposit address
	// of the cash-out exchange or of the mixer.
	Exits []Exit `json:"exits"`
	// Dormant are the outputs the thief left untouched since the evening
	// of the theft; Moving the thief's other unspent outputs at the tip
	// (the small amounts the fan-out left at >30,000 addresses).
	Dormant []Output `json:"dormant"`
	Moving  []Output `json:"moving"`
	// MixerPayouts are what the mixer paid the thief back: the thief's
	// coins, but linked to the theft by nothing on chain.
	MixerPayouts []Output  `json:"mixer_payouts"`
	Services     []Service `json:"services"`
	CoinJoins    []Join    `json:"coinjoins"`
}

// BlockRef names a block.
type BlockRef struct {
	Height int32     `json:"height"`
	Hash   string    `json:"hash"`
	Time   time.Time `json:"time"`
}

// Seeds are where a trace of the theft starts.
type Seeds struct {
	FirstAddress string   `json:"first_address"`
	TheftTxids   []string `json:"theft_txids"`
}

// Figures sum up the injected theft, to compare with the public record.
type Figures struct {
	Stolen           int64     `json:"stolen"`
	TheftTxs         int       `json:"theft_txs"`
	FirstTheftInputs int       `json:"first_theft_inputs"`
	FirstTheftValue  int64     `json:"first_theft_value"`
	TheftFirst       time.Time `json:"theft_first"` // block times of the first and last theft tx
	TheftLast        time.Time `json:"theft_last"`
	// FanoutAddresses counts the thief's addresses first paid on 15 Sep
	// JST, before FanoutDeadline.
	FanoutAddresses int   `json:"fanout_addresses"`
	ThiefAddresses  int   `json:"thief_addresses"`
	ThiefTxs        int   `json:"thief_txs"`
	Deposits        int   `json:"deposits"`
	DepositValue    int64 `json:"deposit_value"`
	DepositMin      int64 `json:"deposit_min"`
	DepositMax      int64 `json:"deposit_max"`
	MixerDeposits   int   `json:"mixer_deposits"`
	MixerValue      int64 `json:"mixer_value"`
	Dormant         int64 `json:"dormant"`
	Moving          int64 `json:"moving"`
	// Fees is what the thief's transactions after the theft paid miners:
	// Stolen = DepositValue + MixerValue + Dormant + Moving + Fees.
	Fees      int64          `json:"fees"`
	CoinJoins map[string]int `json:"coinjoins"`
}

// TheftTx is one transaction of the theft.
type TheftTx struct {
	Txid   string    `json:"txid"`
	Height int32     `json:"height"`
	Time   time.Time `json:"time"`
	Inputs int       `json:"inputs"`
	Value  int64     `json:"value"` // paid to the first address
}

// Thief lists every address on the thief's traced path, first address
// first, and every transaction that spends from or pays to one.
type Thief struct {
	Addresses []string  `json:"addresses"`
	Txs       []ThiefTx `json:"txs"`
}

// Roles of the thief's transactions.
const (
	RoleTheft   = "theft"   // the victim's hot wallet to the first address
	RoleSplit   = "split"   // the first address's nine outgoing transactions
	RoleFanout  = "fanout"  // the splitting trees and peel chains of 15 Sep
	RoleDeposit = "deposit" // a peel step paying the cash-out exchange
	RoleMix     = "mix"     // a peel step paying the mixer
)

// ThiefTx is a transaction of the thief.
type ThiefTx struct {
	Txid   string    `json:"txid"`
	Height int32     `json:"height"`
	Time   time.Time `json:"time"`
	Role   string    `json:"role"`
}

// Exit kinds and the mixer's service name.
const (
	ExitExchange = "exchange"
	ExitMixer    = "mixer"
	MixerName    = "mixer"
)

// Exit is an output of the thief that paid a service.
type Exit struct {
	Kind    string `json:"kind"`
	Service string `json:"service"`
	Output
}

// Output is one transaction output.
type Output struct {
	Txid    string    `json:"txid"`
	Vout    uint32    `json:"vout"`
	Address string    `json:"address"`
	Value   int64     `json:"value"`
	Height  int32     `json:"height"`
	Time    time.Time `json:"time"`
}

// Service is an actor of the economy and the addresses it owns. For an
// exchange, Deposits are its customers' deposit addresses, which its
// sweeps (listed) spend together, so that common-input clustering joins
// them into (largely) one cluster; the sweeps pay the Hot addresses, which
// only the exchange's withdrawals spend, so the hot wallet is a cluster of
// its own, linked to the deposits by the flow of the sweeps.
type Service struct {
	Name          string   `json:"name"`
	Kind          string   `json:"kind"` // exchange, mixer, pool, coordinator
	Role          string   `json:"role,omitempty"`
	Hot           []string `json:"hot,omitempty"`
	Cold          []string `json:"cold,omitempty"`
	Deposits      []string `json:"deposits,omitempty"`
	ThiefDeposits []string `json:"thief_deposits,omitempty"`
	Sweeps        []string `json:"sweeps,omitempty"`
}

// Join is a CoinJoin transaction and its kind (JoinMarket, Wasabi1,
// Wasabi2, Whirlpool).
type Join struct {
	Txid string `json:"txid"`
	Kind string `json:"kind"`
}

// recorder collects the ground truth while the simulation runs.
type recorder struct {
	opts       Options
	theft      []TheftTx
	thiefTxs   []ThiefTx
	thiefAddrs []int32
	firstPaid  map[int32]time.Time
	exits      []Exit
	dormant    []coinRef
	payouts    []Output
	sweeps     map[string][]string
	joins      []Join
}

func newRecorder(o Options) *recorder {
	return &recorder{opts: o, firstPaid: map[int32]time.Time{}, sweeps: map[string][]string{}}
}

func (r *recorder) output(s *sim, m *made, vout int) Output {
	o := m.tx.TxOut[vout]
	return Output{Txid: m.hash.String(), Vout: uint32(vout), Address: s.format(s.led.coins[m.coins[vout]].addr),
		Value: o.Value, Height: s.blk.height, Time: s.blk.time}
}

func (s *sim) format(a int32) string {
	return chain.Regtest.Format(chain.AddressOf(s.led.addrs[a].script))
}

func (r *recorder) noteThiefTx(s *sim, m *made) {
	role := s.txRole
	if role == "" {
		role = "other"
	}
	r.thiefTxs = append(r.thiefTxs, ThiefTx{Txid: m.hash.String(), Height: s.blk.height, Time: s.blk.time, Role: role})
	for _, c := range m.coins {
		a := s.led.coins[c].addr
		if s.led.wallets[s.led.addrs[a].owner].role != roleThief {
			continue
		}
		if _, ok := r.firstPaid[a]; !ok {
			r.firstPaid[a] = s.blk.time
			r.thiefAddrs = append(r.thiefAddrs, a)
		}
	}
}

func (r *recorder) noteTheft(m *made, inputs int) {
	r.theft = append(r.theft, TheftTx{Txid: m.hash.String(), Inputs: inputs, Value: m.tx.TxOut[0].Value})
}

func (r *recorder) noteExit(s *sim, kind, service string, m *made, vout int) {
	r.exits = append(r.exits, Exit{Kind: kind, Service: service, Output: r.output(s, m, vout)})
}

func (r *recorder) noteDormant(c coinRef) { r.dormant = append(r.dormant, c) }

func (r *recorder) noteMixerPayout(s *sim, m *made, chips []int) {
	for _, i := range chips {
		r.payouts = append(r.payouts, r.output(s, m, i))
	}
}

func (r *recorder) noteSweep(exchange string, h chainhash.Hash) {
	r.sweeps[exchange] = append(r.sweeps[exchange], h.String())
}

func (r *recorder) noteCoinJoin(kind string, h chainhash.Hash) {
	r.joins = append(r.joins, Join{Txid: h.String(), Kind: kind})
}

// coinOutput describes a live coin.
func (s *sim) coinOutput(id int32) Output {
	c := &s.led.coins[id]
	return Output{Txid: c.op.Hash.String(), Vout: c.op.Index, Address: s.format(c.addr), Value: c.value,
		Height: c.height, Time: s.times[c.height-1]}
}

// finalTruth assembles the Truth at the tip.
func (s *sim) finalTruth() *Truth {
	r := s.truth
	tip := int32(len(s.times))
	t := &Truth{Version: Version, Seed: r.opts.Seed, Scale: r.opts.Scale, Network: chain.Regtest.Name,
		Tip: BlockRef{Height: tip, Hash: s.prev.String(), Time: s.times[tip-1]}, Txs: s.nTxs + int(tip) + 1,
		Theft: r.theft, Exits: r.exits, MixerPayouts: r.payouts, CoinJoins: r.joins}
	// Theft transactions learn their block from the thief's record.
	byTxid := map[string]ThiefTx{}
	for _, tx := range r.thiefTxs {
		byTxid[tx.Txid] = tx
	}
	for i := range t.Theft {
		tx := byTxid[t.Theft[i].Txid]
		t.Theft[i].Height, t.Theft[i].Time = tx.Height, tx.Time
		t.Seeds.TheftTxids = append(t.Seeds.TheftTxids, t.Theft[i].Txid)
	}
	t.Seeds.FirstAddress = s.format(s.th.a0)
	t.Thief.Txs = r.thiefTxs
	f := &t.Figures
	for _, a := range r.thiefAddrs {
		t.Thief.Addresses = append(t.Thief.Addresses, s.format(a))
		if at := r.firstPaid[a]; !at.Before(fanoutStart) && at.Before(FanoutDeadline) {
			f.FanoutAddresses++
		}
	}
	f.Stolen = s.th.T
	f.TheftTxs = len(t.Theft)
	if len(t.Theft) > 0 {
		f.FirstTheftInputs, f.FirstTheftValue = t.Theft[0].Inputs, t.Theft[0].Value
		f.TheftFirst, f.TheftLast = t.Theft[0].Time, t.Theft[0].Time
		for _, tx := range t.Theft {
			f.TheftFirst = minTime(f.TheftFirst, tx.Time)
			f.TheftLast = maxTime(f.TheftLast, tx.Time)
		}
	}
	f.ThiefAddresses, f.ThiefTxs = len(t.Thief.Addresses), len(t.Thief.Txs)
	for _, e := range t.Exits {
		if e.Kind == ExitMixer {
			f.MixerDeposits++
			f.MixerValue += e.Value
			continue
		}
		if f.Deposits == 0 || e.Value < f.DepositMin {
			f.DepositMin = e.Value
		}
		f.DepositMax = max(f.DepositMax, e.Value)
		f.Deposits++
		f.DepositValue += e.Value
	}
	dormant := map[int32]bool{}
	for _, c := range r.dormant {
		if s.led.alive(c) {
			dormant[c.id] = true
			t.Dormant = append(t.Dormant, s.coinOutput(c.id))
			f.Dormant += s.led.coins[c.id].value
		}
	}
	thief := s.led.wallets[s.th.w]
	moving := slices.Clone(thief.coins)
	slices.SortFunc(moving, func(a, b int32) int {
		ca, cb := &s.led.coins[a], &s.led.coins[b]
		if ca.height != cb.height {
			return int(ca.height - cb.height)
		}
		if c := bytes.Compare(ca.op.Hash[:], cb.op.Hash[:]); c != 0 {
			return c
		}
		return int(ca.op.Index) - int(cb.op.Index)
	})
	for _, id := range moving {
		if !dormant[id] {
			t.Moving = append(t.Moving, s.coinOutput(id))
			f.Moving += s.led.coins[id].value
		}
	}
	f.Fees = f.Stolen - f.DepositValue - f.MixerValue - f.Dormant - f.Moving
	f.CoinJoins = map[string]int{}
	for _, j := range t.CoinJoins {
		f.CoinJoins[j.Kind]++
	}
	t.Services = s.services()
	return t
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// services lists the economy's services with the addresses they own.
func (s *sim) services() []Service {
	owned := map[int32][]string{}
	for i := range s.led.addrs {
		a := &s.led.addrs[i]
		switch s.led.wallets[a.owner].role {
		case roleDeposit, roleMixIn, roleMixer:
			owned[a.owner] = append(owned[a.owner], s.format(int32(i)))
		}
	}
	var out []Service
	roles := []string{victim: "victim", cashOut: "cash-out", bystander: "bystander"}
	for i, e := range s.ex {
		sv := Service{Name: e.name, Kind: "exchange", Role: roles[i], Cold: []string{s.format(e.coldAddr)},
			Deposits: owned[e.dep], Sweeps: s.truth.sweeps[e.name]}
		for _, a := range e.hotAddrs {
			sv.Hot = append(sv.Hot, s.format(a))
		}
		for acc := range s.th.accounts {
			if a, ok := e.depositOf[int32(-1-acc)]; ok {
				sv.ThiefDeposits = append(sv.ThiefDeposits, s.format(a))
			}
		}
		out = append(out, sv)
	}
	out = append(out, Service{Name: MixerName, Kind: "mixer", Hot: owned[s.mix.res], Deposits: owned[s.mix.in]})
	for _, p := range s.pools {
		out = append(out, Service{Name: p.name, Kind: "pool", Hot: []string{s.format(p.addr)}})
	}
	for _, c := range []struct {
		name string
		addr int32
	}{{Wasabi1, s.cj.wasabi1Fee}, {Wasabi2, s.cj.wasabi2Fee}, {Whirlpool, s.cj.whirlpoolFee}} {
		out = append(out, Service{Name: c.name + "-coordinator", Kind: "coordinator", Hot: []string{s.format(c.addr)}})
	}
	return out
}
