package sim

import (
	"math"
	"math/rand/v2"
	"time"
)

// The calendar of the simulation, in UTC (JST is UTC+9). The chain starts a
// week before the theft because regtest mints most of its supply in the
// first 900 blocks and coinbases mature after 100 more: the victim's hot
// wallet has to be funded from matured coinbases before the theft. It ends
// on the day of Crystal Blockchain's report (23 Oct 2018), whose shares
// (30% still with the thief, 24% to Binance) the figures follow.
var (
	chainStart = time.Date(2018, 9, 7, 0, 0, 0, 0, time.UTC)
	// theftFirst and theftLast bound the BTC theft: 17:33:27 to 18:42:30
	// JST on 14 Sep (Tech Bureau's release of 21 Sep).
	theftFirst = time.Date(2018, 9, 14, 8, 33, 27, 0, time.UTC)
	theftLast  = time.Date(2018, 9, 14, 9, 42, 30, 0, time.UTC)
	// splitStart: the coins first moved on from the thief's address at
	// about 20:00 JST the same day.
	splitStart = time.Date(2018, 9, 14, 11, 0, 0, 0, time.UTC)
	// fanoutStart and fanoutEnd: from 10:00 JST on 15 Sep the dispersion
	// went large-scale and reached more than 30,000 addresses that day
	// (Univ. of Tsukuba via NHK); the day ends at 24:00 JST.
	fanoutStart = time.Date(2018, 9, 15, 1, 0, 0, 0, time.UTC)
	fanoutEnd   = time.Date(2018, 9, 15, 15, 0, 0, 0, time.UTC)
	// depositStart..depositEnd: the deposits into the cash-out exchange
	// over the following weeks; the mixer ones run over a shorter span.
	depositStart = time.Date(2018, 9, 15, 6, 0, 0, 0, time.UTC)
	depositEnd   = time.Date(2018, 10, 15, 0, 0, 0, 0, time.UTC)
	mixStart     = time.Date(2018, 9, 16, 0, 0, 0, 0, time.UTC)
	mixEnd       = time.Date(2018, 10, 10, 0, 0, 0, 0, time.UTC)
	// victimHalt: Zaif noticed the theft on 17 Sep and suspended deposits
	// and withdrawals; its customers stop using it then.
	victimHalt = time.Date(2018, 9, 17, 8, 0, 0, 0, time.UTC)
	chainEnd   = time.Date(2018, 10, 23, 0, 0, 0, 0, time.UTC)
)

// FanoutDeadline is the end of 15 Sep 2018 in Japan (15:00 UTC): the
// ground truth counts the fan-out addresses reached before it.
var FanoutDeadline = fanoutEnd

// blockTimes returns the timestamps of blocks 1.. from chainStart to
// chainEnd: exponential intervals of mean 10 minutes, as mining produces,
// at least a second apart so that every block is after the median of the
// 11 before it. A block is forced shortly after each anchor, so that the
// first and last theft transactions are mined at their recorded times and
// the theft's window survives the randomness of block intervals.
func blockTimes(rng *rand.Rand, anchors ...time.Time) []time.Time {
	times := []time.Time{}
	prev := chainStart
	next := 0
	for {
		d := time.Duration(rng.ExpFloat64() * 600 * float64(time.Second))
		d = min(max(d, time.Second), 90*time.Minute).Truncate(time.Second)
		t := prev.Add(d)
		if next < len(anchors) && !anchors[next].After(prev) {
			next++ // an anchor before the chain, or already served
			continue
		}
		if next < len(anchors) && !t.Before(anchors[next]) {
			t = anchors[next].Add(time.Duration(15+rng.IntN(60)) * time.Second)
			next++
		}
		if !t.Before(chainEnd) {
			return times
		}
		times = append(times, t)
		prev = t
	}
}

// diurnal returns the relative activity at t: people transact more in the
// day than at night. Bitcoin's users spread over time zones, so the swing
// is mild, ±25% around a peak at 15:00 UTC (Europe's afternoon, America's
// morning).
func diurnal(t time.Time) float64 {
	h := float64(t.Hour()) + float64(t.Minute())/60
	return 1 + 0.25*math.Cos((h-15)/24*2*math.Pi)
}

// poisson returns a Poisson variate of mean lambda (Knuth's method for
// small means, a rounded normal for large ones).
func poisson(rng *rand.Rand, lambda float64) int {
	if lambda <= 0 {
		return 0
	}
	if lambda > 30 {
		return max(0, int(math.Round(lambda+math.Sqrt(lambda)*rng.NormFloat64())))
	}
	l, k, p := math.Exp(-lambda), 0, 1.0
	for {
		p *= rng.Float64()
		if p <= l {
			return k
		}
		k++
	}
}
