package trace_test

import (
	"context"
	"math/rand/v2"
	"testing"

	"github.com/plumetrace/plume/chain"
	"github.com/plumetrace/plume/graph"
	"github.com/plumetrace/plume/internal/flowtest"
	"github.com/plumetrace/plume/trace"
)

// dispersal shapes a synthetic theft dispersion like the Zaif thief's: a
// splitting tree from the thief's address into Chains peel chains of Steps
// steps each, run side by side; one payment in DepositEvery (at random)
// goes to a fresh deposit address of one of Exchanges exchanges, which
// sweeps SweepThief such deposits with SweepOthers of other customers'
// into its hot wallet; one other payment in OnwardEvery is passed on by
// its payee.
type dispersal struct {
	Seed                      uint64
	Chains, Steps, Fanout     int
	DepositEvery, OnwardEvery int
	Exchanges                 int
	SweepThief, SweepOthers   int
	TxsPerBlock               int
}

// dispersion is a generated theft: the world holding it, a source over
// every transaction, the seed, and the ground truth.
type dispersion struct {
	w        *flowtest.World
	src      *graph.Flow
	seed     trace.Seed
	thief    chain.Address
	deposits map[chain.Address]int // deposit address -> exchange
	hot      []chain.Address       // each exchange's hot wallet
	chains   [][]chain.TxID        // each peel chain's steps
}

func (c dispersal) build() *dispersion {
	const fee = 1000
	rng := rand.New(rand.NewPCG(c.Seed, 0x64697370))
	w := flowtest.NewWorld()
	d := &dispersion{w: w, deposits: map[chain.Address]int{}}
	nextAddr := 0
	fresh := func() chain.Address { nextAddr++; return flowtest.Addr(nextAddr) }
	height, pos := int32(1000), 0
	tx := func(ins []chain.OutPoint, outs ...flowtest.Pay) *chain.Tx {
		if pos++; pos > c.TxsPerBlock {
			height, pos = height+1, 1
		}
		return w.Tx(height, pos, ins, outs...)
	}
	for range c.Exchanges {
		d.hot = append(d.hot, fresh())
	}
	d.thief = fresh()
	leaves := 1
	for leaves < c.Chains {
		leaves *= c.Fanout
	}
	// Enough for every step to be a deposit of up to 2 BTC, with fees.
	total := int64(leaves) * int64(c.Steps) * 3 * flowtest.BTC
	seedTx := tx(nil, flowtest.Pay{To: d.thief, Value: total})
	d.seed = trace.OutSeed(seedTx.Hash, 0)
	// The splitting tree: split every output Fanout ways until there are
	// enough to start every chain (the leaves left over stay dormant).
	level := []chain.OutPoint{seedTx.ID.Out(0)}
	for len(level) < c.Chains {
		var next []chain.OutPoint
		for _, o := range level {
			v := (w.Value(o) - fee) / int64(c.Fanout)
			outs := make([]flowtest.Pay, c.Fanout)
			for i := range outs {
				outs[i] = flowtest.Pay{To: fresh(), Value: v}
			}
			s := tx([]chain.OutPoint{o}, outs...)
			for i := range outs {
				next = append(next, s.ID.Out(uint32(i)))
			}
		}
		level = next
	}
	heads := level[:c.Chains]
	d.chains = make([][]chain.TxID, c.Chains)
	pending := make([][]chain.OutPoint, c.Exchanges)
	var onward []chain.OutPoint
	for range c.Steps {
		for ci, o := range heads {
			bal := w.Value(o) - fee
			to, v := fresh(), bal/(50+rng.Int64N(150))
			ex := -1
			if c.DepositEvery > 0 && rng.IntN(c.DepositEvery) == 0 {
				ex = rng.IntN(c.Exchanges)
				v = 190_000_000 + rng.Int64N(9_000_000) // 1.90 to 1.99 BTC
				d.deposits[to] = ex
			}
			s := tx([]chain.OutPoint{o}, flowtest.Pay{To: fresh(), Value: bal - v}, flowtest.Pay{To: to, Value: v})
			heads[ci] = s.ID.Out(0)
			d.chains[ci] = append(d.chains[ci], s.ID)
			switch {
			case ex >= 0:
				pending[ex] = append(pending[ex], s.ID.Out(1))
				if len(pending[ex]) == c.SweepThief {
					d.sweep(tx, fresh, pending[ex], c.SweepOthers, d.hot[ex])
					pending[ex] = pending[ex][:0]
				}
			case c.OnwardEvery > 0 && rng.IntN(c.OnwardEvery) == 0:
				onward = append(onward, s.ID.Out(1))
			}
		}
		// Payees pass their coins on a little later.
		for _, o := range onward {
			tx([]chain.OutPoint{o}, flowtest.Pay{To: fresh(), Value: w.Value(o) - fee})
		}
		onward = onward[:0]
	}
	var ms []graph.Member
	for _, t := range w.Txs {
		ms = append(ms, graph.Member{Tx: t})
	}
	d.src = graph.New(chain.Regtest, true, nil, ms)
	return d
}

// sweep has an exchange sweep the thief's deposits with others'
// customers' into its hot wallet, as one consolidation.
func (d *dispersion) sweep(tx func([]chain.OutPoint, ...flowtest.Pay) *chain.Tx, fresh func() chain.Address, thiefs []chain.OutPoint, others int, hot chain.Address) {
	outs := make([]flowtest.Pay, others)
	for i := range outs {
		outs[i] = flowtest.Pay{To: fresh(), Value: 50_000_000 + int64(i)*1_000_000}
	}
	funding := tx(nil, outs...)
	ins := append([]chain.OutPoint(nil), thiefs...)
	var sum int64
	for _, o := range thiefs {
		sum += d.w.Value(o)
	}
	for i := range outs {
		ins = append(ins, funding.ID.Out(uint32(i)))
		sum += outs[i].Value
	}
	tx(ins, flowtest.Pay{To: hot, Value: sum - 5000})
}

// trace follows the dispersion forward from its seed.
func (d *dispersion) trace(t testing.TB, opts trace.Options) *trace.Result {
	t.Helper()
	opts.Params = chain.Regtest
	res, err := trace.Follow(context.Background(), d.src, []trace.Seed{d.seed}, opts)
	if err != nil {
		t.Fatal(err)
	}
	return res
}
