package sim

import (
	"time"
)

// split moves the stolen coins on from the first address, at about 20:00
// JST on the day of the theft: nine transactions (the record's "9
// outgoing transactions" of 1FmwHh6…), one spending two of the ten theft
// outputs, each paying the roots of the next day's fan-out and leaving
// 30% in one or two outputs that never move again.
func (s *sim) split() bool {
	th := s.th
	for _, c := range th.a0Coins {
		if !s.led.spendable(c, s.blk.height) {
			return false
		}
	}
	rng := s.trng
	// The first (5,000 BTC) output alone; two of the others together.
	var groups []*group
	rest := rng.Perm(theftTxs - 1)
	groups = append(groups, &group{coins: []int32{th.a0Coins[0]}})
	groups = append(groups, &group{coins: []int32{th.a0Coins[1+rest[0]], th.a0Coins[1+rest[1]]}})
	for _, i := range rest[2:] {
		groups = append(groups, &group{coins: []int32{th.a0Coins[1+i]}})
	}
	for _, g := range groups {
		g.value = s.sum(g.coins)
	}
	p := &planner{rng: rng, s: s}
	p.plan(groups, th.T)
	rng.Shuffle(len(groups), func(i, j int) { groups[i], groups[j] = groups[j], groups[i] })
	for _, g := range groups {
		t := splitStart.Add(time.Duration(rng.Int64N(int64(90 * time.Minute))))
		s.at(t, func() bool { return s.splitTx(g) })
	}
	return true
}

// splitTx makes one of the nine transactions.
func (s *sim) splitTx(g *group) bool {
	th := s.th
	nDormant := 1 + s.trng.IntN(2)
	nOuts := len(g.roots) + nDormant
	fee := int64(splitRate * (11 + 148*len(g.coins) + 34*nOuts))
	if !s.blk.fits(11+148*len(g.coins)+34*nOuts, nOuts) {
		return false
	}
	dormant := g.value - fee
	var outs []out
	for _, r := range g.roots {
		outs = append(outs, out{s.led.newAddr(th.w), r.value})
		dormant -= r.value
	}
	first := len(outs)
	for _, v := range s.splitExact(dormant, nDormant) {
		outs = append(outs, out{s.led.newAddr(th.w), v})
	}
	// Shuffle, remembering where the roots went.
	order := s.trng.Perm(len(outs))
	shuffled := make([]out, len(outs))
	for i, o := range order {
		shuffled[o] = outs[i]
	}
	s.txRole = RoleSplit
	m := s.commit(s.led.wallets[th.w], g.coins, shuffled)
	s.txRole = ""
	for i, r := range g.roots {
		start := randTime(s.trng, fanoutStart, fanoutStart.Add(4*time.Hour))
		s.disperse(r, m.coins[order[i]], start)
	}
	for i := first; i < len(outs); i++ {
		s.truth.noteDormant(s.led.ref(m.coins[order[i]]))
	}
	return true
}

// splitExact divides v into k random parts that sum to v exactly.
func (s *sim) splitExact(v int64, k int) []int64 {
	parts := make([]int64, k)
	left := v
	for i := range k - 1 {
		parts[i] = v/int64(2*k) + s.trng.Int64N(v/int64(k)+1)
		left -= parts[i]
	}
	parts[k-1] = left
	return parts
}

// disperse carries out node n, whose coin is coin, from time at on.
func (s *sim) disperse(n *node, coin int32, at time.Time) {
	switch {
	case n.chain != nil:
		s.payChain(n.chain, 0, coin)
	case n.leaf():
		// A small leaf: the coins stay where they are, still the thief's.
	case n.peel:
		s.at(at, func() bool { return s.peelStep(n, 0, coin) })
	default:
		s.at(at, func() bool { return s.splitStep(n, coin) })
	}
}

// next returns when the child of a step runs: soon, but in a later block.
func (s *sim) next() time.Time {
	return s.blk.time.Add(time.Duration(s.trng.IntN(15*60)) * time.Second)
}

// splitStep makes a splitting transaction: one coin to one output per
// child, each at a fresh address.
func (s *sim) splitStep(n *node, coin int32) bool {
	k := len(n.children)
	if !s.led.spendable(coin, s.blk.height) || !s.blk.fits(11+148+34*k, k) {
		return false
	}
	outs := make([]out, k)
	for i, c := range n.children {
		outs[i] = out{s.led.newAddr(s.th.w), c.value}
	}
	s.txRole = RoleFanout
	m := s.commit(s.led.wallets[s.th.w], []int32{coin}, outs)
	s.txRole = ""
	for i, c := range n.children {
		s.disperse(c, m.coins[i], s.next())
	}
	return true
}

// peelStep makes step j of a peel chain: child j peeled off, the rest to a
// fresh address; the last step pays the last two children.
func (s *sim) peelStep(n *node, j int, coin int32) bool {
	if !s.led.spendable(coin, s.blk.height) || !s.blk.fits(11+148+68, 2) {
		return false
	}
	last := j == len(n.children)-2
	a := out{s.led.newAddr(s.th.w), n.children[j].value}
	var b out
	if last {
		b = out{s.led.newAddr(s.th.w), n.children[j+1].value}
	} else {
		b = out{s.led.newAddr(s.th.w), s.led.coins[coin].value - a.value - peelStepFee}
	}
	swap := s.trng.IntN(2) == 0
	outs := []out{a, b}
	if swap {
		outs[0], outs[1] = b, a
	}
	s.txRole = RoleFanout
	m := s.commit(s.led.wallets[s.th.w], []int32{coin}, outs)
	s.txRole = ""
	ca, cb := m.coins[0], m.coins[1]
	if swap {
		ca, cb = cb, ca
	}
	s.disperse(n.children[j], ca, s.next())
	if last {
		s.disperse(n.children[j+1], cb, s.next())
	} else {
		s.at(s.next(), func() bool { return s.peelStep(n, j+1, cb) })
	}
	return true
}

// payChain makes step k of a chain of deposits at its planned time (or
// once its coin is spendable): the deposit, and the rest to a fresh
// address of the thief unless it is the last.
func (s *sim) payChain(c *payChain, k int, coin int32) {
	s.at(c.times[k], func() bool {
		if !s.led.spendable(coin, s.blk.height) || !s.blk.fits(300, 2) {
			return false
		}
		var to int32
		service, kind, role := s.ex[cashOut].name, ExitExchange, RoleDeposit
		if c.mixer {
			to = s.mixerDeposit()
			service, kind, role = MixerName, ExitMixer, RoleMix
		} else {
			to = s.ex[cashOut].depositAddr(s, int32(-1-c.account[k]))
		}
		outs := []out{{to, c.amounts[k]}}
		dep := 0
		if k < len(c.amounts)-1 {
			change := out{s.led.newAddr(s.th.w), s.led.coins[coin].value - c.amounts[k] - c.fees[k]}
			if s.trng.IntN(2) == 0 {
				outs = append(outs, change)
			} else {
				outs = []out{change, outs[0]}
				dep = 1
			}
		}
		s.txRole = role
		m := s.commit(s.led.wallets[s.th.w], []int32{coin}, outs)
		s.txRole = ""
		s.truth.noteExit(s, kind, service, m, dep)
		if c.mixer {
			v := c.amounts[k]
			s.schedulePayout(s.blk.time.Add(time.Duration(2+s.trng.IntN(46))*time.Hour), s.th.clean, v,
				func(pm *made, chips []int) { s.truth.noteMixerPayout(s, pm, chips) })
		}
		if k+1 < len(c.amounts) {
			s.payChain(c, k+1, m.coins[1-dep])
		}
		return true
	})
}
