package trace_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/graph/topo"

	"github.com/plumetrace/plume/chain"
	"github.com/plumetrace/plume/internal/flowtest"
	"github.com/plumetrace/plume/trace"
)

// checkTaint asserts what every model must hold on any flow: each
// transaction conserves taint to the satoshi, every output and fee carries
// between none and all of its value, and the totals account for every
// tainted satoshi, also step by step in the timeline.
func checkTaint(tn *trace.Taint) error {
	res := tn.Result()
	for i := range res.Len() {
		tx := res.At(i)
		tt := tn.Tx(i)
		if tt.In+tt.Absorbed+tt.Injected != tt.Out+tt.Fee {
			return fmt.Errorf("%v: in %d + absorbed %d + injected %d != out %d + fee %d", tx.ID, tt.In, tt.Absorbed, tt.Injected, tt.Out, tt.Fee)
		}
		fee, _ := tx.Fee()
		if tt.Fee < 0 || tt.Fee > max(fee, 0) || tt.In < 0 || tt.Absorbed < 0 || tt.Injected < 0 {
			return fmt.Errorf("%v: %+v with fee %d", tx.ID, tt, fee)
		}
		var sum int64
		for v, o := range tx.Msg.TxOut {
			x := tn.Output(tx.ID.Out(uint32(v)))
			if x < 0 || x > o.Value {
				return fmt.Errorf("%v output %d: taint %d of %d", tx.ID, v, x, o.Value)
			}
			sum += x
		}
		if sum != tt.Out {
			return fmt.Errorf("%v: outputs hold %d, Out says %d", tx.ID, sum, tt.Out)
		}
	}
	tot := tn.Totals()
	if tot.Injected+tot.Absorbed != tot.Held+tot.Beyond+tot.Exited+tot.Fees {
		return fmt.Errorf("totals do not balance: %+v", tot)
	}
	var held int64
	for _, h := range tn.Unspent() {
		held += h.Taint
	}
	if held != tot.Held {
		return fmt.Errorf("unspent outputs hold %d, totals say %d", held, tot.Held)
	}
	if err := checkAddresses(tn); err != nil {
		return err
	}
	for _, b := range []trace.Bucket{trace.ByBlock, trace.ByHour} {
		steps := tn.Timeline(b)
		if len(steps) == 0 {
			return fmt.Errorf("empty %v timeline", b)
		}
		last := steps[len(steps)-1]
		if last.Held != tot.Held || last.Exited != tot.Exited || last.Beyond != tot.Beyond {
			return fmt.Errorf("timeline ends at %+v, totals %+v", last, tot)
		}
		for _, s := range steps {
			if s.Held < 0 || s.UTXOs < 0 || (s.Holders == 0) != (s.Held == 0) || s.Gini < 0 || s.Gini >= 1 ||
				s.Entropy < 0 || s.Entropy > math.Log2(float64(max(s.Holders, 1)))+1e-9 {
				return fmt.Errorf("timeline step %+v", s)
			}
		}
	}
	return nil
}

// checkAddresses asserts that the per-address view accounts for every
// output paying an address: summed over the addresses, the value and the
// taint they received are those of the outputs, and the taint they hold is
// the total held; each address holds at most what it received, and its
// share is a fraction.
func checkAddresses(tn *trace.Taint) error {
	res := tn.Result()
	addrs := map[chain.Address]bool{}
	var value, taint int64
	for i := range res.Len() {
		tx := res.At(i)
		for v, o := range tx.Msg.TxOut {
			a := chain.AddressOf(o.PkScript)
			if a.IsZero() {
				continue
			}
			addrs[a] = true
			value += o.Value
			taint += tn.Output(tx.ID.Out(uint32(v)))
		}
	}
	var got trace.AddrTaint
	for a := range addrs {
		at := tn.Address(a)
		if at.Held < 0 || at.Held > at.Received || at.Received > at.Value || at.Share() < 0 || at.Share() > 1 {
			return fmt.Errorf("address %v: %+v, share %v", a, at, at.Share())
		}
		got.Value += at.Value
		got.Received += at.Received
		got.Held += at.Held
	}
	if want := (trace.AddrTaint{Value: value, Received: taint, Held: tn.Totals().Held}); got != want {
		return fmt.Errorf("addresses sum to %+v, outputs to %+v", got, want)
	}
	return nil
}

// TestTaintRandomFlows checks every model on thousands of random flows
// (random DAGs with random values and fees, some inputs from outside, some
// outputs spent outside, some seeds with a stated amount, some exits): the
// invariants of checkTaint, and Poison >= every other model on every
// output.
func TestTaintRandomFlows(t *testing.T) {
	n := 2000
	if testing.Short() {
		n = 300
	}
	for seed := range uint64(n) {
		reg := flowtest.Random(seed, 5+int(seed%60))
		rng := rand.New(rand.NewPCG(seed, 99))
		var seeds []trace.Seed
		for _, o := range reg.Seeds {
			s := trace.OutSeed(reg.World.Txs[o.Tx].Hash, o.Vout)
			if rng.IntN(3) == 0 {
				s.Amount = rng.Int64N(reg.World.Value(o) + 1)
			}
			seeds = append(seeds, s)
		}
		exits := map[chain.Address]string{}
		for range rng.IntN(3) {
			exits[flowtest.Addr(rng.IntN(len(reg.Txs)/2+3))] = "exit"
		}
		res := follow(t, regionFlow(reg.World), seeds...)
		var poison *trace.Taint
		for _, m := range trace.Models() {
			tn := taintOf(t, res, m, exits)
			if err := checkTaint(tn); err != nil {
				t.Fatalf("flow %d, %v: %v", seed, m, err)
			}
			if m == trace.Poison {
				poison = tn
				continue
			}
			for i := range res.Len() {
				tx := res.At(i)
				for v := range tx.Msg.TxOut {
					o := tx.ID.Out(uint32(v))
					if tn.Output(o) > poison.Output(o) {
						t.Fatalf("flow %d: %v taints %v with %d, more than poison's %d", seed, m, o, tn.Output(o), poison.Output(o))
					}
				}
			}
		}
	}
}

// TestTaintFullyStolenFlows checks, on random DAGs where no clean value
// enters, that every model gives every output and fee the same taint, all
// of its value, on transactions with several inputs as on the rest. Every
// coinbase of the world is seeded whole, so every other transaction spends
// only stolen outputs; the models then have nothing to decide.
func TestTaintFullyStolenFlows(t *testing.T) {
	n := 500
	if testing.Short() {
		n = 100
	}
	multi := 0
	for seed := range uint64(n) {
		reg := flowtest.Random(seed, 5+int(seed%60))
		var seeds []trace.Seed
		for _, tx := range reg.World.Txs {
			if len(tx.Prevouts) == 0 {
				seeds = append(seeds, trace.TxSeed(tx.Hash))
			}
		}
		res := follow(t, regionFlow(reg.World), seeds...)
		if res.Len() != len(reg.World.Txs) {
			t.Fatalf("flow %d: traced %d of %d txs", seed, res.Len(), len(reg.World.Txs))
		}
		taints := make([]*trace.Taint, 0, len(trace.Models()))
		for _, m := range trace.Models() {
			tn := taintOf(t, res, m, nil)
			if err := checkTaint(tn); err != nil {
				t.Fatalf("flow %d, %v: %v", seed, m, err)
			}
			taints = append(taints, tn)
		}
		for i := range res.Len() {
			tx := res.At(i)
			if len(tx.Prevouts) > 1 {
				multi++
			}
			fee, _ := tx.Fee()
			want := trace.TxTaint{In: tx.OutValue() + fee, Out: tx.OutValue(), Fee: fee}
			if len(tx.Prevouts) == 0 {
				want = trace.TxTaint{Out: tx.OutValue(), Injected: tx.OutValue()}
			}
			for _, tn := range taints {
				if got := tn.Tx(i); got != want {
					t.Fatalf("flow %d, %v: %v moves %+v, want %+v", seed, tn.Model(), tx.ID, got, want)
				}
				for v, o := range tx.Msg.TxOut {
					if got := tn.Output(tx.ID.Out(uint32(v))); got != o.Value {
						t.Fatalf("flow %d, %v: %v output %d holds %d of %d", seed, tn.Model(), tx.ID, v, got, o.Value)
					}
				}
			}
		}
	}
	if multi < n {
		t.Errorf("only %d transactions with several inputs in %d flows", multi, n)
	}
}

// TestTaintSingleInput checks, on random splitting trees where every
// transaction has one input descending from a seed, that FIFO equals LIFO
// and that every model agrees: every input is fully stolen.
func TestTaintSingleInput(t *testing.T) {
	n := 1000
	if testing.Short() {
		n = 200
	}
	for seed := range uint64(n) {
		reg := flowtest.Tree(seed, 3+int(seed%50))
		var seeds []trace.Seed
		for _, o := range reg.Seeds {
			seeds = append(seeds, trace.OutSeed(reg.World.Txs[o.Tx].Hash, o.Vout))
		}
		res := follow(t, regionFlow(reg.World), seeds...)
		if res.Len() != len(reg.Txs) {
			t.Fatalf("tree %d: traced %d of %d txs", seed, res.Len(), len(reg.Txs))
		}
		taints := map[trace.Model]*trace.Taint{}
		for _, m := range trace.Models() {
			taints[m] = taintOf(t, res, m, nil)
			if err := checkTaint(taints[m]); err != nil {
				t.Fatalf("tree %d, %v: %v", seed, m, err)
			}
		}
		for i := range res.Len() {
			tx := res.At(i)
			for v, o := range tx.Msg.TxOut {
				op := tx.ID.Out(uint32(v))
				for _, m := range trace.Models() {
					if got := taints[m].Output(op); got != o.Value {
						t.Fatalf("tree %d: %v gives %v %d of %d", seed, m, op, got, o.Value)
					}
				}
			}
		}
	}
}

// TestTaintFIFOEqualsLIFO checks FIFO = LIFO on splitting trees whose
// seeds are only partly stolen, so that the inputs are partly tainted and
// the models disagree among themselves, but not FIFO with LIFO: with one
// input, reversing the input line changes nothing.
func TestTaintFIFOEqualsLIFO(t *testing.T) {
	for seed := range uint64(300) {
		reg := flowtest.Tree(seed, 3+int(seed%50))
		rng := rand.New(rand.NewPCG(seed, 7))
		var seeds []trace.Seed
		for _, o := range reg.Seeds {
			s := trace.OutSeed(reg.World.Txs[o.Tx].Hash, o.Vout)
			s.Amount = 1 + rng.Int64N(reg.World.Value(o))
			seeds = append(seeds, s)
		}
		res := follow(t, regionFlow(reg.World), seeds...)
		fifo, lifo := taintOf(t, res, trace.FIFO, nil), taintOf(t, res, trace.LIFO, nil)
		for i := range res.Len() {
			tx := res.At(i)
			for v := range tx.Msg.TxOut {
				op := tx.ID.Out(uint32(v))
				if fifo.Output(op) != lifo.Output(op) {
					t.Fatalf("tree %d: %v FIFO %d, LIFO %d", seed, op, fifo.Output(op), lifo.Output(op))
				}
			}
		}
	}
}

// TestTaintOrderIsTopological proves with gonum's topo what ComputeTaint
// relies on: walking a flow by index visits every transaction after the
// transactions it spends from.
func TestTaintOrderIsTopological(t *testing.T) {
	for seed := range uint64(50) {
		res := follow(t, regionFlow(flowtest.Random(seed, 80).World), trace.TxSeed(flowtest.Random(seed, 80).Txs[0].Hash))
		order, err := topo.Sort(res.Flow)
		if err != nil {
			t.Fatalf("flow %d: %v", seed, err)
		}
		pos := map[int64]int{}
		for k, n := range order {
			pos[n.ID()] = k
		}
		for i := range res.Len() {
			tx := res.At(i)
			for k, j := range res.Funders(i) {
				if j < 0 {
					continue
				}
				if int(j) >= i || pos[res.At(int(j)).ID.Node()] > pos[tx.ID.Node()] {
					t.Fatalf("flow %d: %v input %d is funded by index %d, sorted after it", seed, tx.ID, k, j)
				}
			}
		}
	}
}
