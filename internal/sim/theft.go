package sim

import (
	"slices"
	"time"

	"github.com/plumetrace/plume/chain"
)

// thief is the Zaif thief: one wallet of P2PKH addresses (the real ones
// began with 1), the first of them the seed a tracer starts from.
type thief struct {
	w     int32 // every address on the traced path
	clean int32 // what the mixer paid back
	a0    int32 // the first address, where all the theft transactions pay
	T     int64 // stolen, in satoshi
	// amounts of the ten theft transactions, the first 5,000/5,966.1 of T.
	amounts []int64
	// a0Coins are the outputs the theft paid to a0, in theft order.
	a0Coins []int32
	// accounts is how many accounts (each with one deposit address) the
	// thief holds at the cash-out exchange.
	accounts int
}

// Fee rates the thief pays, in sat/vB: generous for the theft and the
// first moves, as someone in a hurry pays.
const (
	theftRate  = 30
	splitRate  = 25
	fanoutRate = 12
	chainRate  = 8
)

// Theft transaction counts from the record: about ten transfers, the first
// with 131 inputs. They do not scale: they are the shape of one theft from
// one hot wallet, not an amount.
const (
	theftTxs         = 10
	firstTheftInputs = 131
)

// stolen returns the value stolen at the simulation's scale.
func (s *sim) stolen() int64 { return btc(5966.1 * s.scale) }

// firstTheft returns what the first theft transaction moved: 5,000 of the
// 5,966.1 BTC.
func firstTheft(T int64) int64 { return T * 50_000 / 59_661 }

func (s *sim) setupThief() {
	th := &thief{T: s.stolen()}
	th.w = s.led.newWallet(roleThief, chain.KindP2PKH)
	th.clean = s.led.newWallet(roleThiefClean, chain.KindP2WPKH)
	th.a0 = s.led.newAddr(th.w)
	s.th = th
	// Ten amounts: the first fixed, the other nine a random split of the
	// rest, none under 2% of it.
	a1 := firstTheft(th.T)
	rest := th.T - a1
	parts := make([]float64, theftTxs-1)
	var sum float64
	for i := range parts {
		parts[i] = 0.1 + s.trng.ExpFloat64()
		sum += parts[i]
	}
	th.amounts = []int64{a1}
	left := rest
	for i, p := range parts {
		v := int64(float64(rest) * p / sum)
		if i == len(parts)-1 {
			v = left
		}
		th.amounts = append(th.amounts, v)
		left -= v
	}
	// Times: the first and last as recorded, the others between them.
	times := []time.Time{theftFirst, theftLast}
	span := theftLast.Sub(theftFirst)
	for range theftTxs - 2 {
		times = append(times, theftFirst.Add(time.Duration(s.trng.Int64N(int64(span)))))
	}
	slices.SortFunc(times, func(a, b time.Time) int { return a.Compare(b) })
	for i, t := range times {
		s.at(t, func() bool { return s.steal(i) })
	}
}

// steal makes theft transaction i: victim hot-wallet coins to the thief's
// first address, with change back to the hot wallet. The first takes the
// 131 largest coins, the others as many as their amount needs.
func (s *sim) steal(i int) bool {
	th, e := s.th, s.ex[victim]
	hot := s.led.wallets[e.hot]
	coins := s.led.pick(hot, s.blk.height, len(hot.coins), -1, s.rng)
	slices.SortFunc(coins, func(a, b int32) int { return cmpInt64(s.led.coins[b].value, s.led.coins[a].value) })
	v := th.amounts[i]
	var ins []int32
	if i == 0 {
		ins = coins[:min(firstTheftInputs, len(coins))]
	} else {
		// Random coins, as a script draining a wallet takes them.
		s.trng.Shuffle(len(coins), func(a, b int) { coins[a], coins[b] = coins[b], coins[a] })
		var have int64
		for _, c := range coins {
			if have >= v+btc(0.01) {
				break
			}
			ins = append(ins, c)
			have += s.led.coins[c].value
		}
	}
	outs := []out{{th.a0, v}}
	fee := int64(theftRate * s.vsize(ins, outs, chain.KindP2PKH))
	if s.sum(ins) < v+fee {
		if i == 0 && len(ins) == firstTheftInputs {
			// The hot wallet's largest coins fall short (withdrawals took
			// some): the first transfer moves what they hold and the last
			// one makes up the difference, keeping the total.
			v = s.sum(ins) - fee
			th.amounts[len(th.amounts)-1] += th.amounts[0] - v
			th.amounts[0] = v
			outs[0].value = v
		} else {
			return false // the hot wallet is short; try again next block
		}
	}
	s.txRole = RoleTheft
	m := s.payFee(hot, ins, outs, e.hotAddr(s), true, fee)
	s.txRole = ""
	if m == nil {
		return false
	}
	th.a0Coins = append(th.a0Coins, m.coins[0])
	s.truth.noteTheft(m, len(ins))
	if len(th.a0Coins) == theftTxs {
		s.at(splitStart, s.split)
	}
	return true
}
