package trace_test

import (
	"testing"

	"github.com/plumetrace/plume/chain"
	"github.com/plumetrace/plume/internal/flowtest"
	"github.com/plumetrace/plume/trace"
)

// coinJoinWorld makes a stolen 1 BTC coin that enters a CoinJoin (three
// owners, three equal 1 BTC outputs: BlockSci's generic rule) whose first
// output is then spent on.
func coinJoinWorld() (w *flowtest.World, stolen, mix, after *chain.Tx) {
	const btc = flowtest.BTC
	w = flowtest.NewWorld()
	stolen = w.Tx(10, 1, nil, flowtest.Pay{To: flowtest.Addr(1), Value: btc})
	b := w.Tx(10, 2, nil, flowtest.Pay{To: flowtest.Addr(2), Value: btc})
	c := w.Tx(10, 3, nil, flowtest.Pay{To: flowtest.Addr(3), Value: 2 * btc})
	mix = w.Tx(11, 1, []chain.OutPoint{stolen.ID.Out(0), b.ID.Out(0), c.ID.Out(0)},
		flowtest.Pay{To: flowtest.Addr(11), Value: btc},
		flowtest.Pay{To: flowtest.Addr(12), Value: btc},
		flowtest.Pay{To: flowtest.Addr(13), Value: btc},
		flowtest.Pay{To: flowtest.Addr(14), Value: btc - 5000})
	after = w.Tx(12, 1, []chain.OutPoint{mix.ID.Out(0)}, flowtest.Pay{To: flowtest.Addr(20), Value: btc - 1000})
	return w, stolen, mix, after
}

func TestCoinJoinPolicies(t *testing.T) {
	w, stolen, mix, after := coinJoinWorld()
	src := regionFlow(w)
	seed := trace.OutSeed(stolen.Hash, 0)

	through := follow(t, src, seed)
	if !through.Contains(after.ID) || through.CoinJoins != 0 {
		t.Fatalf("ignoring CoinJoins, the trace should pass the mix: %d txs", through.Len())
	}
	res, err := trace.Follow(t.Context(), src, []trace.Seed{seed}, trace.Options{Params: chain.Regtest, CoinJoins: trace.CoinJoinStop})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Contains(mix.ID) || res.Contains(after.ID) || res.CoinJoins != 1 {
		t.Errorf("stopping at CoinJoins: mix in %v, after in %v, %d CoinJoins", res.Contains(mix.ID), res.Contains(after.ID), res.CoinJoins)
	}

	// FIFO puts the stolen coin, the first input, on the first output.
	fifo := taintOf(t, through, trace.FIFO, nil)
	if got := fifo.Output(mix.ID.Out(0)); got != flowtest.BTC {
		t.Fatalf("FIFO: the first output carries %d", got)
	}
	// Haircut through the mix: each output a quarter of its value
	// (1 stolen of 4 in), whatever the model outside it.
	hc, err := trace.ComputeTaint(through, trace.TaintOptions{Model: trace.FIFO, CoinJoins: trace.CoinJoinHaircut})
	if err != nil {
		t.Fatal(err)
	}
	if got := hc.Output(mix.ID.Out(0)); got != flowtest.BTC/4 {
		t.Errorf("haircut through the CoinJoin: %d, want %d", got, flowtest.BTC/4)
	}
	// After the mix, FIFO again: the quarter, at the front of the coin,
	// all goes to the output before the fee.
	if got := hc.Output(after.ID.Out(0)); got != flowtest.BTC/4 {
		t.Errorf("after the CoinJoin, FIFO again: %d", got)
	}
	if err := checkTaint(hc); err != nil {
		t.Error(err)
	}
	// Stop: the taint entering the mix leaves through it.
	st, err := trace.ComputeTaint(through, trace.TaintOptions{Model: trace.FIFO, CoinJoins: trace.CoinJoinStop})
	if err != nil {
		t.Fatal(err)
	}
	if tot := st.Totals(); tot.Exited != flowtest.BTC || st.Output(after.ID.Out(0)) != 0 {
		t.Errorf("stopping taint at the CoinJoin: %+v, after carries %d", tot, st.Output(after.ID.Out(0)))
	}
	if es := st.Exits(); len(es) != 1 || es[0].Label != trace.CoinJoinLabel {
		t.Errorf("exits %+v", es)
	}
}
