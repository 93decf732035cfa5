package sim

import (
	"math"
	"time"

	"github.com/plumetrace/plume/chain"
)

// The background economy: users who pay each other, use exchanges and the
// mixer, at a rate proportional to the scale. Shapes follow the
// mainnet figures of architecture.md: inputs per transaction 1 (70%),
// 2 (15%), 3-10 (13%), more (2%); outputs 1 (15%), 2 (60%), 3-20 (22%),
// more (3%); receiving addresses reused 20% of the time; half of all spends
// taking outputs less than 10 blocks old.

// usersAtScale1 and eventsAtScale1 size the economy at scale 1: users, and
// user actions per 10 minutes (mainnet's ~2,000 transactions a block would
// make scale 1 a 13-million-transaction chain).
const (
	usersAtScale1  = 20_000
	eventsAtScale1 = 200
	addressReuse   = 0.2
)

func (s *sim) setupUsers() {
	n := s.scaled(usersAtScale1, 150)
	for range n {
		w := s.led.newWallet(roleUser, s.userKind())
		s.led.wallets[w].coreStyle = s.rng.IntN(10) < 4
		s.users = append(s.users, w)
	}
}

// userKind draws a wallet's script kind: P2WPKH 50%, P2PKH 25%, P2SH
// (nested P2WPKH) 10%, P2TR 12%, P2WSH 2-of-3 multisig 3%.
func (s *sim) userKind() chain.Kind {
	switch r := s.rng.IntN(100); {
	case r < 50:
		return chain.KindP2WPKH
	case r < 75:
		return chain.KindP2PKH
	case r < 85:
		return chain.KindP2SH
	case r < 97:
		return chain.KindP2TR
	default:
		return chain.KindP2WSH
	}
}

// background makes the user activity of one block interval.
func (s *sim) background(interval time.Duration) {
	lambda := eventsAtScale1 * s.scale * diurnal(s.blk.time) * interval.Minutes() / 10
	for range poisson(s.rng, lambda) {
		if !s.blk.fits(maxBlockVSize/5, maxBlockSigOps/5) {
			return // a full block: the rest of the activity is lost, not queued
		}
		// What users do, by share of actions: pay (64.5%), deposit at an
		// exchange (15%), ask an exchange for a withdrawal (15%), merge
		// coins (2%), send coins through the mixer (1%), pay many at once
		// (2.5%). Tuned so that the transactions of the whole economy have
		// the mainnet shape (see TestReplay).
		switch r := s.rng.Float64(); {
		case r < 0.645:
			s.payment()
		case r < 0.795:
			s.deposit()
		case r < 0.945:
			s.requestWithdrawal()
		case r < 0.965:
			s.consolidate()
		case r < 0.975:
			s.useMixer()
		default:
			s.batchPayment()
		}
	}
}

// nIns draws how many inputs a payment has: more often one than
// mainnet's 70%, since sweeps, consolidations and CoinJoins bring the
// many-input transactions.
func (s *sim) nIns() int {
	switch r := s.rng.IntN(100); {
	case r < 80:
		return 1
	case r < 92:
		return 2
	case r < 99:
		return s.skewed(3, 10)
	default:
		return s.skewed(11, 50)
	}
}

// nOuts draws how many outputs a payment has. Payments are short of
// single-output transactions (5%, not mainnet's 15%) because exchange and
// mixer sweeps, consolidations and whole-wallet deposits make up the rest.
func (s *sim) nOuts() int {
	switch r := s.rng.IntN(100); {
	case r < 5:
		return 1
	case r < 71:
		return 2
	case r < 98:
		return s.skewed(3, 20)
	default:
		return s.skewed(21, 100)
	}
}

// skewed returns a count in [lo, hi] favouring the low end, as real
// transaction sizes do.
func (s *sim) skewed(lo, hi int) int {
	u := s.rng.Float64()
	return lo + int(float64(hi-lo+1)*u*u)
}

// pickPayer chooses who pays: mostly the owner of a coin made in the last
// blocks (and that coin goes first), else any user with coins. The share
// is above one half so that, with the older coins that many-input
// transactions add, about half of all spends take outputs less than 10
// blocks old, as on mainnet.
// It returns -1 when none is found.
func (s *sim) pickPayer() (w, first int32) {
	h := s.blk.height
	if s.rng.IntN(100) < 95 {
		for range 4 {
			slot := s.recent[s.rng.IntN(recentBlocks)]
			if len(slot) == 0 {
				continue
			}
			r := slot[s.rng.IntN(len(slot))]
			if s.led.alive(r) && s.led.spendable(r.id, h) {
				return s.led.addrs[s.led.coins[r.id].addr].owner, r.id
			}
		}
	}
	for range 8 {
		u := s.users[s.rng.IntN(len(s.users))]
		if len(s.led.wallets[u].coins) > 0 {
			return u, -1
		}
	}
	return -1, -1
}

// otherUser returns a user other than w.
func (s *sim) otherUser(w int32) int32 {
	for {
		if u := s.users[s.rng.IntN(len(s.users))]; u != w {
			return u
		}
	}
}

// roundish rounds v to two significant digits with probability p: people
// pay round amounts, and change heuristics rely on it.
func (s *sim) roundish(v int64, p float64) int64 {
	if v < 10_000 || s.rng.Float64() >= p {
		return v
	}
	m := int64(math.Pow10(int(math.Floor(math.Log10(float64(v)))) - 1))
	return v / m * m
}

// parts divides total into k random parts of at least lo each (k·lo <=
// total), optionally rounded.
func (s *sim) parts(total int64, k int, lo int64, round float64) []int64 {
	ws := make([]float64, k)
	var sum float64
	for i := range ws {
		ws[i] = s.rng.ExpFloat64()
		sum += ws[i]
	}
	parts := make([]int64, k)
	spare := total - int64(k)*lo
	for i := range parts {
		parts[i] = lo + s.roundish(int64(float64(spare)*ws[i]/sum), round)
	}
	return parts
}

// payment is a user paying one or more other users, with change.
func (s *sim) payment() {
	w, first := s.pickPayer()
	if w < 0 {
		return
	}
	wl := s.led.wallets[w]
	ins := s.led.pick(wl, s.blk.height, s.nIns(), first, s.rng)
	total := s.sum(ins)
	n := s.nOuts()
	if n == 1 {
		to := s.otherUser(w)
		if s.rng.IntN(5) == 0 {
			to = w // moving coins to a new address of one's own
		}
		s.sweep(wl, ins, s.led.recvAddr(to, s.rng, addressReuse))
		return
	}
	k := n - 1
	budget := total - s.fee(s.vsize(ins, nil, wl.kind)+k*34)
	f := 0.05 + 0.9*math.Pow(s.rng.Float64(), 1.3)
	pay := int64(float64(budget) * f)
	if pay < int64(k)*10_000 {
		k = int(pay / 10_000)
		if k <= 0 {
			return
		}
	}
	outs := make([]out, 0, k+1)
	for _, v := range s.parts(pay, k, 5_000, 0.4) {
		outs = append(outs, out{s.led.recvAddr(s.otherUser(w), s.rng, addressReuse), v})
	}
	s.pay(wl, ins, outs, s.change(w), false)
}

// change returns the address a user's wallet sends change to: mostly
// fresh, sometimes one already used (some wallets reuse).
func (s *sim) change(w int32) int32 {
	return s.led.recvAddr(w, s.rng, 0.1)
}

// batchPayment is a user paying many others at once (a payroll, a shop's
// refunds): the long tail of outputs.
func (s *sim) batchPayment() {
	w, first := s.pickPayer()
	if w < 0 {
		return
	}
	wl := s.led.wallets[w]
	ins := s.led.pick(wl, s.blk.height, s.skewed(1, 3), first, s.rng)
	k := s.skewed(21, 100)
	pay := (s.sum(ins) - s.fee(s.vsize(ins, nil, wl.kind)+k*34)) / 2
	if pay < int64(k)*10_000 {
		return
	}
	outs := make([]out, 0, k+1)
	for _, v := range s.parts(pay, k, 5_000, 0.3) {
		outs = append(outs, out{s.led.recvAddr(s.otherUser(w), s.rng, addressReuse), v})
	}
	s.pay(wl, ins, outs, s.change(w), false)
}

// consolidate is a user merging small coins into one.
func (s *sim) consolidate() {
	w, _ := s.pickPayer()
	if w < 0 || len(s.led.wallets[w].coins) < 3 {
		return
	}
	wl := s.led.wallets[w]
	ins := s.led.pick(wl, s.blk.height, s.skewed(3, 10), -1, s.rng)
	if len(ins) >= 2 {
		s.sweep(wl, ins, s.change(w))
	}
}

// deposit is a user paying into their deposit address at an exchange,
// either everything the chosen coins hold or part of it.
func (s *sim) deposit() {
	w, first := s.pickPayer()
	if w < 0 {
		return
	}
	e := s.pickExchange()
	if e == nil {
		return
	}
	wl := s.led.wallets[w]
	ins := s.led.pick(wl, s.blk.height, s.nIns(), first, s.rng)
	to := e.depositAddr(s, w)
	if s.rng.IntN(4) == 0 {
		s.sweep(wl, ins, to)
		return
	}
	total := s.sum(ins)
	v := s.roundish(int64(float64(total)*(0.1+0.8*s.rng.Float64())), 0.5)
	if v < 10_000 {
		return
	}
	s.pay(wl, ins, []out{{to, v}}, s.change(w), false)
}

// requestWithdrawal queues a withdrawal that the exchange pays in its
// next batch.
func (s *sim) requestWithdrawal() {
	e := s.pickExchange()
	if e == nil {
		return
	}
	// Sized like the deposits (about 0.015 BTC on average), so that the
	// exchanges' customers take out about what they bring in.
	v := s.roundish(btc(min(max(lognormal(s.rng, 0.008, 1.1), 0.0005), 3)), 0.6)
	e.pending = append(e.pending, withdrawal{user: s.users[s.rng.IntN(len(s.users))], value: v})
}
