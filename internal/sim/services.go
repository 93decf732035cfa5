package sim

import (
	"slices"
	"time"

	"github.com/plumetrace/plume/chain"
)

// pool is a mining pool: its coinbases pay one reused address, and once
// they mature it sells coins to the services' treasuries and pays its
// miners in batches. Pools are where every coin of the simulation starts.
type pool struct {
	name  string
	tag   []byte // written into its coinbases, as pools do
	share float64
	w     int32
	addr  int32
}

// demand is a treasury that pools fill: a service's cold wallet and how
// much it still wants.
type demand struct {
	to   int32 // address
	left int64
}

func (s *sim) setupPools() {
	for i, p := range []struct {
		name  string
		share float64
		kind  chain.Kind
	}{{"pool-a", 0.35, chain.KindP2PKH}, {"pool-b", 0.30, chain.KindP2WPKH}, {"pool-c", 0.20, chain.KindP2SH}, {"pool-d", 0.15, chain.KindP2WPKH}} {
		w := s.led.newWallet(rolePool, p.kind)
		s.pools = append(s.pools, &pool{name: p.name, tag: []byte("/" + p.name + "/"), share: p.share, w: w, addr: s.led.newAddr(w)})
		// Pools act every 20 minutes or so, staggered.
		s.every(chainStart.Add(time.Duration(i)*5*time.Minute), 20*time.Minute, func() { s.poolWork(s.pools[i]) })
	}
}

// pickPool draws the pool that mined a block by hash-rate share.
func (s *sim) pickPool() int {
	r := s.rng.Float64()
	for i, p := range s.pools {
		if r -= p.share; r < 0 {
			return i
		}
	}
	return len(s.pools) - 1
}

// every runs f at about period intervals (±50%) from start to the end.
func (s *sim) every(start time.Time, period time.Duration, f func()) {
	var run func() bool
	next := func(t time.Time) time.Time {
		return t.Add(time.Duration(float64(period) * (0.5 + s.rng.Float64())))
	}
	run = func() bool {
		f()
		s.at(next(s.blk.time), run)
		return true
	}
	s.at(next(start), run)
}

// userCapital is what pools pay the users in the first days.
func (s *sim) userCapital() int64 { return btc(150 + 3000*s.scale) }

var bootstrapEnd = time.Date(2018, 9, 9, 0, 0, 0, 0, time.UTC)

// poolWork sells to a treasury that still wants coins and pays miners.
func (s *sim) poolWork(p *pool) {
	h := s.blk.height
	wl := s.led.wallets[p.w]
	for _, d := range s.demands() {
		if d.left <= 0 {
			continue
		}
		ins := s.oldestMature(wl, h, 25)
		if len(ins) == 0 {
			return
		}
		v := min(d.left, s.sum(ins)-s.fee(s.vsize(ins, nil, chain.KindP2WSH)*2))
		if v >= btc(0.01) && s.pay(wl, ins, []out{{d.to, v}}, p.addr, true) != nil {
			d.left -= v
		}
		break // one sale per visit keeps the sales spread out
	}
	// Miner payouts: the users' capital over the first days (about 300
	// pool visits), then 2% of it a day in a payout every few hours.
	per := s.userCapital() / 300
	if !s.blk.time.Before(bootstrapEnd) {
		if s.rng.IntN(12) != 0 {
			return
		}
		per = s.userCapital() / 50 / 24
	}
	ins := s.oldestMature(wl, h, 5)
	for i := range ins {
		if s.sum(ins[:i+1]) >= 2*per {
			ins = ins[:i+1]
			break
		}
	}
	k := s.skewed(10, 60)
	total := min(per, s.sum(ins)/2)
	if len(ins) == 0 || total < int64(k)*20_000 {
		return
	}
	outs := make([]out, 0, k)
	for _, v := range s.parts(total, k, 10_000, 0) {
		outs = append(outs, out{s.led.recvAddr(s.users[s.rng.IntN(len(s.users))], s.rng, addressReuse), v})
	}
	s.pay(wl, ins, outs, p.addr, true)
}

// oldestMature returns up to n of w's spendable coins, oldest first, as
// pools spend coinbases in the order they matured.
func (s *sim) oldestMature(w *wallet, h int32, n int) []int32 {
	var ins []int32
	for _, id := range w.coins {
		if s.led.spendable(id, h) {
			ins = append(ins, id)
		}
	}
	slices.SortFunc(ins, func(a, b int32) int { return int(s.led.coins[a].height - s.led.coins[b].height) })
	return ins[:min(n, len(ins))]
}

// demands lists the treasuries in the order pools serve them: the victim
// first, as its hot wallet must be full before the theft.
func (s *sim) demands() []*demand {
	var ds []*demand
	for _, e := range s.ex {
		ds = append(ds, &e.treasury)
	}
	return append(ds, &s.mix.treasury)
}
