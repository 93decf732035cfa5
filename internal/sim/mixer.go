package sim

import (
	"time"

	"github.com/plumetrace/plume/chain"
)

// mixer is a custodial mixing service shaped like ChipMixer, which the
// Zaif thief used: each deposit goes to a fresh address of the mixer; the
// mixer sweeps deposits into its reserve; some hours later it pays the
// depositor "chips", outputs of 0.001·2^k BTC, from the reserve to fresh
// addresses. Nothing on chain links a payout to its deposit: what follows
// the coins stops at the deposit.
type mixer struct {
	in, res  int32 // wallets: deposit addresses, reserve
	treasury demand
}

// Chips are 0.001·2^k BTC for k = 0..maxChip.
const (
	chip    = 100_000
	maxChip = 12
)

func (s *sim) setupMixer() {
	m := &mixer{in: s.led.newWallet(roleMixIn, chain.KindP2WPKH), res: s.led.newWallet(roleMixer, chain.KindP2WPKH)}
	m.treasury = demand{to: s.led.newAddr(m.res), left: btc(0.5*875.75*s.scale + 2)}
	s.mix = m
	s.every(chainStart.Add(11*time.Minute), 3*time.Hour, s.sweepMixer)
}

// mixerDeposit returns a fresh deposit address of the mixer.
func (s *sim) mixerDeposit() int32 { return s.led.newAddr(s.mix.in) }

func (s *sim) sweepMixer() {
	wl := s.led.wallets[s.mix.in]
	if ins := s.led.pick(wl, s.blk.height, 100, -1, s.rng); len(ins) > 0 {
		s.sweep(wl, ins, s.led.newAddr(s.mix.res))
	}
}

// useMixer is a user sending coins through the mixer.
func (s *sim) useMixer() {
	w, first := s.pickPayer()
	if w < 0 {
		return
	}
	wl := s.led.wallets[w]
	ins := s.led.pick(wl, s.blk.height, s.nIns(), first, s.rng)
	total := s.sum(ins)
	v := s.roundish(int64(float64(total)*(0.3+0.7*s.rng.Float64())), 0.7)
	if v < 2*chip {
		return
	}
	if s.pay(wl, ins, []out{{s.mixerDeposit(), v}}, s.change(w), false) == nil {
		return
	}
	s.schedulePayout(s.blk.time.Add(time.Duration(1+s.rng.IntN(24))*time.Hour), w, v, nil)
}

// schedulePayout pays value in chips to fresh addresses of wallet to at
// time t or as soon after as the reserve allows; paid, if set, learns
// the transaction and which outputs were the chips.
func (s *sim) schedulePayout(t time.Time, to int32, value int64, paid func(*made, []int)) {
	s.at(t, func() bool {
		m, chips := s.payChips(to, value)
		if m == nil {
			return false
		}
		if paid != nil {
			paid(m, chips)
		}
		return true
	})
}

// payChips pays value, rounded down to whole chips (the mixer keeps the
// rest), from the reserve.
func (s *sim) payChips(to int32, value int64) (*made, []int) {
	var chips []int64
	left := value
	for k := maxChip; k >= 0 && len(chips) < 40; k-- {
		for c := int64(chip) << k; left >= c && len(chips) < 40; left -= c {
			chips = append(chips, c)
		}
	}
	res := s.led.wallets[s.mix.res]
	ins := s.coinsFor(res, value-left+btc(0.001), 30)
	if len(chips) == 0 || ins == nil {
		return nil, nil
	}
	s.rng.Shuffle(len(chips), func(i, j int) { chips[i], chips[j] = chips[j], chips[i] })
	outs := make([]out, len(chips))
	idx := make([]int, len(chips))
	for i, c := range chips {
		outs[i] = out{s.led.newAddr(to), c}
		idx[i] = i
	}
	m := s.pay(res, ins, outs, s.led.newAddr(s.mix.res), true)
	if m == nil {
		return nil, nil
	}
	return m, idx
}
