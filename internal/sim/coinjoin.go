package sim

import (
	"slices"
	"time"

	"github.com/plumetrace/plume/chain"
)

// CoinJoin kinds, as the ground truth names them.
const (
	JoinMarket = "joinmarket"
	Wasabi1    = "wasabi1"
	Wasabi2    = "wasabi2"
	Whirlpool  = "whirlpool"
)

// coinjoins holds the coordinators' fee addresses and Whirlpool's queues
// of coins waiting to be mixed, per pool. A Whirlpool user's premix and
// postmix coins live in a wallet of their own (Samourai's separate
// accounts), so the user's everyday payments do not spend them.
type coinjoins struct {
	wasabi1Fee, wasabi2Fee, whirlpoolFee int32
	premix, postmix                      [len(whirlpoolPools)][]coinRef
	mixed                                [len(whirlpoolPools)]bool // a pool has had its first mix
	mixWallet                            map[int32]int32           // user → their Whirlpool wallet
	data                                 int32                     // the wallet of Tx0s' OP_RETURN outputs
}

// Whirlpool's pools and their entry fees, in satoshi; premixExtra is what
// each premix output carries above the denomination to pay the mix's
// miners.
var (
	whirlpoolPools = [...]int64{100_000, 1_000_000, 5_000_000, 50_000_000}
	whirlpoolFees  = [...]int64{5_000, 50_000, 175_000, 1_750_000}
)

const premixExtra = 3_000

// CoinJoin rates at scale 1, per 10 minutes.
const (
	joinMarketRate = 0.5
	wasabi1Rate    = 0.05
	wasabi2Rate    = 0.02
	tx0Rate        = 0.3
	mixRate        = 0.4
)

func (s *sim) setupCoinJoins() {
	fee := s.led.newWallet(roleFee, chain.KindP2WPKH)
	s.cj = &coinjoins{wasabi1Fee: s.led.newAddr(fee), wasabi2Fee: s.led.newAddr(fee), whirlpoolFee: s.led.newAddr(fee),
		mixWallet: map[int32]int32{}, data: s.led.newWallet(roleFee, chain.KindOpReturn)}
	period := func(rate float64) time.Duration {
		return time.Duration(float64(10*time.Minute) / (rate * s.scale))
	}
	s.every(chainStart, period(joinMarketRate), s.joinMarket)
	s.every(chainStart, period(wasabi1Rate), s.wasabi1)
	s.every(chainStart, period(wasabi2Rate), s.wasabi2)
	s.every(chainStart, period(tx0Rate), s.tx0)
	s.every(chainStart, period(mixRate), s.whirlpoolMix)
}

// participants returns up to n distinct users, each with coins worth at
// least need (largest first, at most maxIns of them), or fewer when the
// economy is short of such users.
func (s *sim) participants(n int, need int64, maxIns int) (users []int32, coins [][]int32) {
	seen := map[int32]bool{}
	for try := 0; try < n*20 && len(users) < n; try++ {
		u := s.users[s.rng.IntN(len(s.users))]
		if seen[u] {
			continue
		}
		seen[u] = true
		if c := s.coinsFor(s.led.wallets[u], need, maxIns); c != nil {
			users = append(users, u)
			coins = append(coins, c)
		}
	}
	return users, coins
}

// joinMarket is a taker paying makers to join: n equal outputs of an
// arbitrary amount, and each participant's change.
func (s *sim) joinMarket() {
	n := 3 + s.rng.IntN(8)
	a := btc(min(max(lognormal(s.rng, 0.05, 1.2), 0.005), 5)) + s.rng.Int64N(100_000)
	const makerFee = 1_000
	users, coins := s.participants(n, a+btc(0.001)+int64(n)*makerFee, 4)
	if len(users) < 3 {
		return
	}
	var ins []int32
	var outs []out
	for i, u := range users {
		ins = append(ins, coins[i]...)
		outs = append(outs, out{s.led.newAddr(u), a})
	}
	fee := s.fee(s.vsize(ins, outs, chain.KindNone) + len(users)*31)
	for i, u := range users {
		change := s.sum(coins[i]) - a
		if i == 0 {
			change -= fee + int64(len(users)-1)*makerFee // the taker pays
		} else {
			change += makerFee
		}
		if change >= dust {
			outs = append(outs, out{s.led.newAddr(u), change})
		}
	}
	s.commitJoin(users[0], ins, outs, JoinMarket)
}

// wasabi1 is a Wasabi 1.x round: about 0.1 BTC per participant, change for
// each, and the coordinator's fee to its one reused address.
func (s *sim) wasabi1() {
	n := 20 + s.rng.IntN(61)
	d := btc(0.1 * (0.97 + 0.08*s.rng.Float64()))
	coordFee := d * 3 / 100_000 * int64(n) / 10 // 0.003% per anonymity-set member
	users, coins := s.participants(n, d+coordFee+btc(0.0005), 7)
	if len(users) < 10 {
		return
	}
	var ins []int32
	var outs []out
	for i, u := range users {
		ins = append(ins, coins[i]...)
		outs = append(outs, out{s.led.newAddrKind(u, chain.KindP2WPKH), d})
	}
	fee := s.fee(s.vsize(ins, outs, chain.KindNone) + (len(users)+1)*31)
	share := fee/int64(len(users)) + 1
	for i, u := range users {
		if c := s.sum(coins[i]) - d - coordFee - share; c >= dust {
			outs = append(outs, out{s.led.newAddrKind(u, chain.KindP2WPKH), c})
		}
	}
	outs = append(outs, out{s.cj.wasabi1Fee, coordFee * int64(len(users))})
	s.commitJoin(users[0], ins, outs, Wasabi1)
}

// wasabi2 is a WabiSabi round: at least 50 inputs, one to four of each
// participant's coins, remade into outputs of standard denominations.
func (s *sim) wasabi2() {
	h := s.blk.height
	target := 50 + s.rng.IntN(100)
	var users []int32
	var coins [][]int32
	var ins []int32
	seen := map[int32]bool{}
	for try := 0; try < 2000 && len(ins) < target; try++ {
		u := s.users[s.rng.IntN(len(s.users))]
		if seen[u] {
			continue
		}
		seen[u] = true
		c := s.led.pick(s.led.wallets[u], h, 1+s.rng.IntN(4), -1, s.rng)
		if len(c) == 0 || s.sum(c) < btc(0.005) {
			continue
		}
		users = append(users, u)
		coins = append(coins, c)
		ins = append(ins, c...)
	}
	if len(ins) < 50 {
		return
	}
	fee := s.fee(s.vsize(ins, nil, chain.KindNone) + len(ins)*2*43)
	share := fee/int64(len(users)) + 1
	var outs []out
	var coord int64
	for i, u := range users {
		v := s.sum(coins[i])
		cf := v * 3 / 1000 // 0.3% coordination fee
		coord += cf
		left := v - cf - share
		for k := 0; k < 8 && left >= 5_000; k++ {
			d := standardDenom(left)
			outs = append(outs, out{s.led.newAddrKind(u, chain.KindP2TR), d})
			left -= d
		}
	}
	if coord >= 5_000 {
		outs = append(outs, out{s.cj.wasabi2Fee, coord})
	}
	slices.SortStableFunc(outs, func(a, b out) int { return cmpInt64(b.value, a.value) })
	s.commitJoin(users[0], ins, outs, Wasabi2)
}

// standardDenom returns the largest of WabiSabi's standard denominations
// (1, 2, 5 × 10^k and 2^k satoshi, at least 5,000) not above v.
func standardDenom(v int64) int64 {
	best := int64(5_000)
	for p := int64(1); p <= v; p *= 10 {
		for _, m := range []int64{1, 2, 5} {
			if d := p * m; d <= v && d > best {
				best = d
			}
		}
	}
	for d := int64(1); d <= v; d *= 2 {
		if d > best {
			best = d
		}
	}
	return best
}

// tx0 is a user entering a Whirlpool pool: premix outputs of the
// denomination plus mining fees, the pool's fee, the coordinator's
// encrypted note in an OP_RETURN output, change.
func (s *sim) tx0() {
	p := s.rng.IntN(len(whirlpoolPools))
	d := whirlpoolPools[p]
	k := 1 + s.rng.IntN(5)
	need := int64(k)*(d+premixExtra) + whirlpoolFees[p] + btc(0.0002)
	users, coins := s.participants(1, need, 5)
	if len(users) == 0 {
		return
	}
	u := users[0]
	mw, ok := s.cj.mixWallet[u]
	if !ok {
		mw = s.led.newWallet(roleWhirlpool, chain.KindP2WPKH)
		s.cj.mixWallet[u] = mw
	}
	note := make([]byte, 46)
	fill(s.rng, note)
	outs := []out{{s.cj.whirlpoolFee, whirlpoolFees[p]}, {s.led.dataAddr(s.cj.data, note), 0}}
	for range k {
		outs = append(outs, out{s.led.newAddr(mw), d + premixExtra})
	}
	m := s.pay(s.led.wallets[u], coins[0], outs, s.led.newAddrKind(u, chain.KindP2WPKH), true)
	if m == nil {
		return
	}
	for i := 2; i < 2+k; i++ {
		s.cj.premix[p] = append(s.cj.premix[p], s.led.ref(m.coins[i]))
	}
}

// whirlpoolMix mixes five coins of one pool, of distinct owners, into
// five outputs of exactly the denomination, one to a new address of each
// coin's owner. One to four are fresh from a Tx0 (they pay the miners),
// the others remixes, as in every 5x5 cycle but a pool's first, which has
// no remixes to draw on.
func (s *sim) whirlpoolMix() {
	for _, p := range s.rng.Perm(len(whirlpoolPools)) {
		pre := s.queue(&s.cj.premix[p])
		post := s.queue(&s.cj.postmix[p])
		if len(pre) == 0 || len(pre)+len(post) < 5 || s.cj.mixed[p] && len(post) == 0 {
			continue
		}
		nPre := 5
		if s.cj.mixed[p] {
			nPre = 1 + s.rng.IntN(4)
		}
		s.rng.Shuffle(len(pre), func(i, j int) { pre[i], pre[j] = pre[j], pre[i] })
		s.rng.Shuffle(len(post), func(i, j int) { post[i], post[j] = post[j], post[i] })
		var ins []int32
		owners := map[int32]bool{}
		take := func(rs []coinRef, upTo int) {
			for _, r := range rs {
				o := s.led.addrs[s.led.coins[r.id].addr].owner
				if len(ins) < upTo && !owners[o] && !slices.Contains(ins, r.id) {
					owners[o] = true
					ins = append(ins, r.id)
				}
			}
		}
		take(pre, nPre)
		take(post, 5)
		premixes := 0
		for _, c := range ins {
			if s.led.coins[c].value > whirlpoolPools[p] {
				premixes++
			}
		}
		if len(ins) < 5 || premixes == 0 || s.cj.mixed[p] && premixes == 5 {
			continue
		}
		var outs []out
		for _, c := range ins {
			outs = append(outs, out{s.led.newAddr(s.led.addrs[s.led.coins[c].addr].owner), whirlpoolPools[p]})
		}
		m := s.commitJoin(s.led.addrs[s.led.coins[ins[0]].addr].owner, ins, outs, Whirlpool)
		if m == nil {
			return
		}
		s.cj.mixed[p] = true
		for _, c := range m.coins {
			if s.rng.IntN(10) < 7 {
				s.cj.postmix[p] = append(s.cj.postmix[p], s.led.ref(c))
			}
		}
		return
	}
}

// queue drops the coins of q spent meanwhile and returns those spendable
// now, oldest first.
func (s *sim) queue(q *[]coinRef) []coinRef {
	live := (*q)[:0]
	for _, r := range *q {
		if s.led.alive(r) {
			live = append(live, r)
		}
	}
	*q = live
	var ok []coinRef
	for _, r := range live {
		if s.led.spendable(r.id, s.blk.height) {
			ok = append(ok, r)
		}
	}
	return ok
}

// commitJoin commits a CoinJoin with its inputs and outputs in a random
// order (coordinators shuffle; WabiSabi's outputs come sorted by value) and
// records it in the ground truth. It returns nil when the block is full or
// the participants' coins fall short of the fee.
func (s *sim) commitJoin(w int32, ins []int32, outs []out, kind string) *made {
	s.rng.Shuffle(len(ins), func(i, j int) { ins[i], ins[j] = ins[j], ins[i] })
	if kind != Wasabi2 {
		s.rng.Shuffle(len(outs), func(i, j int) { outs[i], outs[j] = outs[j], outs[i] })
	}
	var pay int64
	for _, o := range outs {
		pay += o.value
	}
	if pay >= s.sum(ins) || !s.blk.fits(s.vsize(ins, outs, chain.KindNone), s.sigops(outs)) {
		return nil
	}
	m := s.commit(s.led.wallets[w], ins, outs)
	s.truth.noteCoinJoin(kind, m.hash)
	return m
}
