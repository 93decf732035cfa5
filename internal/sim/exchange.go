package sim

import (
	"slices"
	"time"

	"github.com/plumetrace/plume/chain"
)

// exchange is a custodial exchange as chain analysis sees one: a deposit
// address per customer (reused by that customer), swept every hour and a
// half or so into a few reused hot-wallet addresses by consolidations
// whose inputs tie the deposit addresses together (a customer's address
// swept twice links two sweeps, so they form largely one cluster); batch
// withdrawals from the hot wallet with change back to it; and a cold
// wallet that pools sell into and that refills the hot wallet.
type exchange struct {
	name string
	// hot, cold and dep are wallets; dep owns every deposit address.
	hot, cold, dep int32
	hotAddrs       []int32
	coldAddr       int32
	depositOf      map[int32]int32 // customer (user wallet, or -1-i for the thief's account i) → address
	pending        []withdrawal
	treasury       demand
	// reserve is what the cold wallet keeps for a planned refill (the
	// victim's large refill before the theft).
	reserve int64
	hotMin  int64
	ops     int64     // what the treasury asks the pools for at a time
	weight  float64   // the exchange's share of users' deposits and withdrawals
	halt    time.Time // when it stops operating; zero for never
}

type withdrawal struct {
	user  int32
	value int64
}

const (
	victim    = 0 // Zaif's place
	cashOut   = 1 // Binance's place: the thief's deposits go here
	bystander = 2
)

func (s *sim) setupExchanges() {
	T := s.stolen()
	specs := []struct {
		name           string
		hot, dep, cold chain.Kind
		weight         float64
		ops            int64
		halt           time.Time
	}{
		{"victim", chain.KindP2PKH, chain.KindP2PKH, chain.KindP2WSH, 0.30, btc(100*s.scale + 1), victimHalt},
		{"exchange-b", chain.KindP2PKH, chain.KindP2PKH, chain.KindP2WSH, 0.45, btc(300*s.scale + 2), time.Time{}},
		{"exchange-c", chain.KindP2WPKH, chain.KindP2WPKH, chain.KindP2WSH, 0.25, btc(200*s.scale + 2), time.Time{}},
	}
	for i, sp := range specs {
		e := &exchange{name: sp.name, weight: sp.weight, halt: sp.halt, depositOf: map[int32]int32{}, hotMin: sp.ops / 3, ops: sp.ops}
		e.hot = s.led.newWallet(roleHot, sp.hot)
		e.cold = s.led.newWallet(roleCold, sp.cold)
		e.dep = s.led.newWallet(roleDeposit, sp.dep)
		for range 3 + s.rng.IntN(3) {
			e.hotAddrs = append(e.hotAddrs, s.led.newAddr(e.hot))
		}
		e.coldAddr = s.led.newAddr(e.cold)
		e.treasury = demand{to: e.coldAddr, left: sp.ops}
		s.ex = append(s.ex, e)
		off := time.Duration(i) * 7 * time.Minute
		s.every(chainStart.Add(off), 90*time.Minute, func() { s.sweepDeposits(e) })
		s.every(chainStart.Add(off+3*time.Minute), 20*time.Minute, func() { s.payWithdrawals(e) })
	}
	s.planVictimRefill(s.ex[victim], T)
}

func (e *exchange) open(t time.Time) bool { return e.halt.IsZero() || t.Before(e.halt) }

// pickExchange draws the exchange a user deals with, among those open.
func (s *sim) pickExchange() *exchange {
	var sum float64
	for _, e := range s.ex {
		if e.open(s.blk.time) {
			sum += e.weight
		}
	}
	r := s.rng.Float64() * sum
	for _, e := range s.ex {
		if !e.open(s.blk.time) {
			continue
		}
		if r -= e.weight; r < 0 {
			return e
		}
	}
	return nil
}

// depositAddr returns customer's deposit address at e, made on first use.
func (e *exchange) depositAddr(s *sim, customer int32) int32 {
	a, ok := e.depositOf[customer]
	if !ok {
		a = s.led.newAddr(e.dep)
		e.depositOf[customer] = a
	}
	return a
}

func (e *exchange) hotAddr(s *sim) int32 { return e.hotAddrs[s.rng.IntN(len(e.hotAddrs))] }

// sweepDeposits consolidates the confirmed deposits into the hot wallet.
func (s *sim) sweepDeposits(e *exchange) {
	if !e.open(s.blk.time) {
		return
	}
	wl := s.led.wallets[e.dep]
	ins := s.led.pick(wl, s.blk.height, 200, -1, s.rng)
	if len(ins) == 0 {
		return
	}
	if m := s.sweep(wl, ins, e.hotAddr(s)); m != nil {
		s.truth.noteSweep(e.name, m.hash)
	}
}

// payWithdrawals pays the queued withdrawals in one batch from the hot
// wallet, refilling the hot wallet from cold when it runs low.
func (s *sim) payWithdrawals(e *exchange) {
	if !e.open(s.blk.time) {
		e.pending = nil
		return
	}
	h := s.blk.height
	hot := s.led.wallets[e.hot]
	if s.led.spendableBalance(hot, h) < e.hotMin && !s.refill(e, e.hotMin*3) && e.treasury.left <= 0 {
		// Cold storage is empty too: the exchange buys from the miners,
		// as exchanges whose customers withdraw more than they deposit do.
		e.treasury.left = e.ops
	}
	if len(e.pending) == 0 {
		return
	}
	batch := e.pending[:min(len(e.pending), 80)]
	var need int64
	for _, w := range batch {
		need += w.value
	}
	// Largest coins first: one input and change, as most exchanges pay.
	// The victim spends its smallest first, which keeps its large coins
	// whole until the theft.
	coins := s.led.pick(hot, h, len(hot.coins), -1, s.rng)
	slices.SortFunc(coins, func(a, b int32) int { return cmpInt64(s.led.coins[b].value, s.led.coins[a].value) })
	if e == s.ex[victim] {
		var small int64
		for _, c := range coins[max(0, len(coins)-20):] {
			small += s.led.coins[c].value
		}
		if small >= need+btc(0.001) {
			slices.Reverse(coins)
		}
	}
	var ins []int32
	var have int64
	for _, c := range coins {
		if have >= need+btc(0.001) || len(ins) == 20 {
			break
		}
		ins = append(ins, c)
		have += s.led.coins[c].value
	}
	// Pay as many of the oldest requests as the coins cover; the rest wait.
	for len(batch) > 0 && need+btc(0.001) > have {
		need -= batch[len(batch)-1].value
		batch = batch[:len(batch)-1]
	}
	if len(batch) == 0 {
		return
	}
	outs := make([]out, len(batch))
	for i, w := range batch {
		outs[i] = out{s.led.recvAddr(w.user, s.rng, addressReuse), w.value}
	}
	if s.pay(hot, ins, outs, e.hotAddr(s), true) != nil {
		e.pending = e.pending[len(batch):]
	}
}

// refill moves up to amount from the cold wallet to the hot one, split in
// a few outputs so that withdrawals can run in parallel.
func (s *sim) refill(e *exchange, amount int64) bool {
	cold := s.led.wallets[e.cold]
	// A little stays beyond the reserve to pay the planned refill's fee.
	avail := s.led.spendableBalance(cold, s.blk.height) - e.reserve - btc(0.05)
	amount = min(amount, avail-btc(0.01))
	if amount < e.hotMin/2 || amount < btc(0.01) {
		return false
	}
	ins := s.coinsFor(cold, amount+btc(0.01), 50)
	if ins == nil {
		return false
	}
	k := 3 + s.rng.IntN(8)
	outs := make([]out, k)
	for i, v := range s.parts(amount, k, amount/(4*int64(k)), 0.8) {
		outs[i] = out{e.hotAddr(s), v}
	}
	return s.pay(cold, ins, outs, e.coldAddr, true) != nil
}

// coinsFor returns spendable coins of w worth at least v, largest first
// and at most n of them, or nil.
func (s *sim) coinsFor(w *wallet, v int64, n int) []int32 {
	coins := s.led.pick(w, s.blk.height, len(w.coins), -1, s.rng)
	slices.SortFunc(coins, func(a, b int32) int { return cmpInt64(s.led.coins[b].value, s.led.coins[a].value) })
	var have int64
	for i, c := range coins {
		if i == n {
			return nil
		}
		have += s.led.coins[c].value
		if have >= v {
			return coins[:i+1]
		}
	}
	return nil
}

func cmpInt64(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// planVictimRefill schedules the victim's large refill in the hours before
// the theft: five transactions from cold storage of about 54 outputs each
// to the hot wallet's few addresses. 131 of the outputs are each a little
// more than 1/131 of the first theft transaction, so the thief's first
// transaction can take 131 inputs, as the real one did; the rest are
// smaller and feed the later theft transactions and the withdrawals.
func (s *sim) planVictimRefill(e *exchange, T int64) {
	a1 := firstTheft(T)
	var vals []int64
	for range 131 {
		vals = append(vals, int64(float64(a1)/131*(1.02+0.23*s.trng.Float64())))
	}
	small := T * 3 / 10
	const nSmall = 140
	for range nSmall {
		vals = append(vals, small/nSmall/2+s.trng.Int64N(small/nSmall+1))
	}
	s.trng.Shuffle(len(vals), func(i, j int) { vals[i], vals[j] = vals[j], vals[i] })
	var total int64
	for _, v := range vals {
		total += v
	}
	e.reserve = total
	e.treasury.left += total + btc(0.2)
	const n = 5
	per := (len(vals) + n - 1) / n
	for i := range n {
		part := vals[i*per : min(len(vals), (i+1)*per)]
		t := theftFirst.Add(-12 * time.Hour).Add(time.Duration(i) * 2 * time.Hour)
		s.at(t, func() bool {
			cold := s.led.wallets[e.cold]
			var sum int64
			outs := make([]out, len(part))
			for j, v := range part {
				outs[j] = out{e.hotAddr(s), v}
				sum += v
			}
			ins := s.coinsFor(cold, sum+btc(0.02), 200)
			if ins == nil || s.pay(cold, ins, outs, e.coldAddr, true) == nil {
				return false // the pools have not sold it all yet
			}
			e.reserve -= sum
			return true
		})
	}
}
