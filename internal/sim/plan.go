package sim

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"
)

// The thief's dispersion is planned in full when the stolen coins first
// move, then carried out step by step as the blocks come. Every output's
// value is fixed by the plan, bottom-up: a leaf's value is what it will
// pay out later (a deposit chain's deposits and fees) or what it keeps (a
// small leaf), and an inner node's value is its children's plus its own
// fees. So no transaction of the thief ever has change to guess, and the
// figures (deposits, mixer, dormant share, fan-out addresses) come out as
// planned at any scale.

// node is a step of the dispersion: a transaction (or a peel chain of
// them) spending one coin, or a leaf that keeps its coin or later runs a
// chain of payments.
type node struct {
	peel     bool // a peel chain over children, else one splitting transaction
	children []*node
	value    int64
	chain    *payChain // on a leaf: the deposits it pays later
}

func (n *node) leaf() bool { return len(n.children) == 0 }

// payChain is a peel chain of payments to one kind of service: each step
// pays one deposit and sends the rest to a fresh address of the thief, the
// last pays its deposit with no change.
type payChain struct {
	mixer   bool
	amounts []int64
	times   []time.Time
	fees    []int64
	account []int // the thief's account at the cash-out exchange, per deposit
}

func (c *payChain) value() int64 {
	var v int64
	for i := range c.amounts {
		v += c.amounts[i] + c.fees[i]
	}
	return v
}

// Transaction sizes of the thief, whose addresses are all P2PKH: 148
// bytes an input, 34 an output, 11 fixed; mixer deposit addresses are
// P2WPKH (31).
func splitFee(outs int) int64 { return fanoutRate * int64(11+148+34*outs) }

const peelStepFee = fanoutRate * (11 + 148 + 2*34)

// Record figures the plan scales: deposits to the cash-out exchange
// (Clain: >= 1,549.31 BTC in chunks of 1.9-1.99 BTC, so about 800), the
// mixer (>= 875.75 BTC through ChipMixer; the record gives no count, 300
// deposits of about 2.9 BTC is this simulation's guess), the fan-out (more
// than 30,000 addresses on 15 Sep), the dormant share (30%, Crystal).
const (
	depositsAtScale1  = 800
	mixerBTCAtScale1  = 875.75
	mixDepositsScale1 = 300
	fanoutAtScale1    = 30_000
	fanoutMargin      = 1.06 // "more than": aim a little above
	dormantShare      = 0.30
	minSmallLeaf      = 20_000
	rootsPerTheft     = 40
	depositMin        = 190_000_000
	depositMax        = 199_000_000
)

// planner builds the dispersion plan from the thief's random stream.
type planner struct {
	rng *rand.Rand
	s   *sim
}

// depositChains plans the deposits into the cash-out exchange: amounts
// uniform in 1.90-1.99 BTC (under Binance's 2 BTC no-KYC limit), times
// uniform over the weeks after the fan-out, in peel chains of 2 to 12.
func (p *planner) depositChains() []*payChain {
	n := p.s.scaled(depositsAtScale1, 1)
	accounts := max(1, (n+4)/8)
	p.s.th.accounts = accounts
	var chains []*payChain
	for n > 0 {
		l := min(n, 2+p.rng.IntN(11))
		n -= l
		c := &payChain{}
		for range l {
			c.amounts = append(c.amounts, depositMin+p.rng.Int64N(depositMax-depositMin+1))
			c.times = append(c.times, randTime(p.rng, fanoutEnd.Add(time.Hour), depositEnd))
			c.account = append(c.account, p.rng.IntN(accounts))
		}
		chains = append(chains, p.finishChain(c, 34))
	}
	return chains
}

// mixerChains plans the deposits into the mixer: mixerBTC·scale in all,
// in deposits of varied size, in chains of 1 to 6.
func (p *planner) mixerChains() []*payChain {
	n := p.s.scaled(mixDepositsScale1, 1)
	total := btc(mixerBTCAtScale1 * p.s.scale)
	ws := make([]float64, n)
	var sum float64
	for i := range ws {
		ws[i] = math.Exp(0.6 * p.rng.NormFloat64())
		sum += ws[i]
	}
	const lo = 5_000_000 // 0.05 BTC
	var chains []*payChain
	left := total
	for i := 0; i < n; {
		l := min(n-i, 1+p.rng.IntN(6))
		c := &payChain{mixer: true}
		for range l {
			v := lo + int64(float64(total-int64(n)*lo)*ws[i]/sum)
			if i == n-1 {
				v = left
			}
			left -= v
			c.amounts = append(c.amounts, v)
			c.times = append(c.times, randTime(p.rng, mixStart, mixEnd))
			c.account = append(c.account, 0)
			i++
		}
		chains = append(chains, p.finishChain(c, 31))
	}
	return chains
}

// finishChain sorts the chain's times and sets its fees.
func (p *planner) finishChain(c *payChain, depOut int64) *payChain {
	slices.SortFunc(c.times, func(a, b time.Time) int { return a.Compare(b) })
	for i := range c.amounts {
		size := 11 + 148 + depOut
		if i < len(c.amounts)-1 {
			size += 34 // the change
		}
		c.fees = append(c.fees, chainRate*size)
	}
	return c
}

func randTime(rng *rand.Rand, from, to time.Time) time.Time {
	return from.Add(time.Duration(rng.Int64N(int64(to.Sub(from))))).Truncate(time.Second)
}

// group is one of the nine transactions that move the coins on from the
// first address: its inputs' value, the trees its outputs root, and what
// it leaves dormant.
type group struct {
	coins  []int32
	value  int64
	leaves []*node
	roots  []*node
}

// plan divides the working 70% of each group among the deposit and mixer
// chains and the small leaves, and grows trees over them until the trees
// reach the fan-out target in addresses.
func (p *planner) plan(groups []*group, T int64) {
	chains := append(p.depositChains(), p.mixerChains()...)
	capacity := make([]int64, len(groups))
	for j, g := range groups {
		capacity[j] = int64(float64(g.value) * (1 - dormantShare))
	}
	// Chains go, largest first, to the group with the most room left.
	room := slices.Clone(capacity)
	slices.SortStableFunc(chains, func(a, b *payChain) int { return cmpInt64(b.value(), a.value()) })
	var chainLeaves [][]*node = make([][]*node, len(groups))
	for _, c := range chains {
		j := argmax(room)
		if room[j] < c.value() {
			panic(fmt.Sprintf("sim: the dispersion plan does not fit: a chain of %d sat, %d left", c.value(), room[j]))
		}
		room[j] -= c.value()
		chainLeaves[j] = append(chainLeaves[j], &node{chain: c, value: c.value()})
	}
	target := int(math.Ceil(fanoutAtScale1 * p.s.scale * fanoutMargin))
	// Trees have about 0.6 inner addresses per leaf; start below the
	// target and add leaves until it is reached.
	nSmall := int(float64(target) / 1.8)
	for {
		count := 0
		var free int64
		for _, r := range room {
			free += r
		}
		for j, g := range groups {
			// Every group gets at least one small leaf, so that none of its
			// working share is left dormant.
			k := max(1, int(float64(nSmall)*float64(room[j])/float64(free)))
			g.leaves = slices.Clone(chainLeaves[j])
			for range k {
				g.leaves = append(g.leaves, &node{})
			}
			p.rng.Shuffle(len(g.leaves), func(a, b int) { g.leaves[a], g.leaves[b] = g.leaves[b], g.leaves[a] })
			g.roots = nil
			if len(g.leaves) == 0 {
				continue
			}
			// About 40 roots in all, in proportion to value, and at least
			// ten leaves a tree, so that small scales still grow trees.
			r := max(1, min(int(math.Round(float64(g.value)/float64(T)*rootsPerTheft)), len(g.leaves)/10))
			for _, part := range p.partition(g.leaves, r) {
				root := p.build(part)
				g.roots = append(g.roots, root)
				count += addresses(root)
			}
		}
		if count >= target {
			break
		}
		// Half the proportional step: the count grows faster than the
		// leaves when few groups have trees yet (a lone leaf at a root
		// makes no address on the day).
		nSmall += max(1, int(float64(target-count)*float64(nSmall)/float64(max(count, 1))/2))
	}
	// The small leaves share what the chains and the fees leave.
	for j, g := range groups {
		var fees int64
		var small []*node
		for _, r := range g.roots {
			fees += treeFees(r)
		}
		for _, l := range g.leaves {
			if l.chain == nil {
				small = append(small, l)
			}
		}
		F := room[j] - fees
		if len(small) == 0 {
			continue
		}
		if F < int64(len(small))*minSmallLeaf*2 {
			panic(fmt.Sprintf("sim: the dispersion plan leaves %d sat for %d small outputs", F, len(small)))
		}
		ws := make([]float64, len(small))
		var sum float64
		for i := range ws {
			ws[i] = p.rng.ExpFloat64()
			sum += ws[i]
		}
		left := F
		for i, l := range small {
			v := minSmallLeaf + int64(float64(F-int64(len(small))*minSmallLeaf)*ws[i]/sum)
			if i == len(small)-1 {
				v = left
			}
			l.value = v
			left -= v
		}
		for _, r := range g.roots {
			setValues(r)
		}
	}
}

// build grows a tree over leaves: a peel chain (a quarter of the time) or
// a splitting transaction whose children are subtrees.
func (p *planner) build(leaves []*node) *node {
	if len(leaves) == 1 {
		return leaves[0]
	}
	n := &node{}
	var m int
	if p.rng.IntN(4) == 0 {
		n.peel = true
		m = 2 + p.rng.IntN(11)
	} else {
		switch r := p.rng.IntN(100); {
		case r < 30:
			m = 2
		case r < 65:
			m = 3 + p.rng.IntN(3)
		case r < 90:
			m = 6 + p.rng.IntN(15)
		default:
			m = 21 + p.rng.IntN(180)
		}
	}
	for _, part := range p.partition(leaves, min(m, len(leaves))) {
		n.children = append(n.children, p.build(part))
	}
	return n
}

// partition cuts xs into m non-empty runs of random lengths.
func (p *planner) partition(xs []*node, m int) [][]*node {
	cuts := map[int]bool{}
	for len(cuts) < m-1 {
		cuts[1+p.rng.IntN(len(xs)-1)] = true
	}
	var parts [][]*node
	start := 0
	for i := 1; i < len(xs); i++ {
		if cuts[i] {
			parts = append(parts, xs[start:i])
			start = i
		}
	}
	return append(parts, xs[start:])
}

// addresses counts the fresh addresses carrying out n creates: one per
// output, and a peel chain's change outputs.
func addresses(n *node) int {
	if n.leaf() {
		return 0
	}
	c := len(n.children)
	if n.peel {
		c += len(n.children) - 2
	}
	for _, ch := range n.children {
		c += addresses(ch)
	}
	return c
}

// treeFees sums the fees of the transactions under n.
func treeFees(n *node) int64 {
	if n.leaf() {
		return 0
	}
	f := splitFee(len(n.children))
	if n.peel {
		f = int64(len(n.children)-1) * peelStepFee
	}
	for _, c := range n.children {
		f += treeFees(c)
	}
	return f
}

// setValues fixes inner nodes' values from their leaves'.
func setValues(n *node) int64 {
	if n.leaf() {
		return n.value
	}
	var v int64
	for _, c := range n.children {
		v += setValues(c)
	}
	if n.peel {
		v += int64(len(n.children)-1) * peelStepFee
	} else {
		v += splitFee(len(n.children))
	}
	n.value = v
	return v
}

func argmax(xs []int64) int {
	best := 0
	for i, x := range xs {
		if x > xs[best] {
			best = i
		}
	}
	return best
}
