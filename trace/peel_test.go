package trace_test

import (
	"context"
	"maps"
	"slices"
	"testing"

	"github.com/plumetrace/plume/chain"
	"github.com/plumetrace/plume/internal/flowtest"
	"github.com/plumetrace/plume/trace"
)

// TestPeelChainsReal finds the real 2009 peel chain of
// 12cbQLTFMXRnSzktFkuoG3eHoMeFtpTu3S: the block-9 coinbase's 50 BTC pays
// Hal Finney 10 BTC in block 170, then peels 10, 1, 1 and 10 BTC in blocks
// 181, 182, 183 and 248, leaving 18 BTC unspent at 12cbQ… (as of block
// 14131, the end of the data).
func TestPeelChainsReal(t *testing.T) {
	rc := loadReal(t)
	res, err := trace.Follow(context.Background(), rc.db, []trace.Seed{trace.OutSeed(mustHash(t, block9Coinbase), 0)}, trace.Options{})
	if err != nil {
		t.Fatal(err)
	}
	tn := taintOf(t, res, trace.FIFO, nil)
	chains := trace.PeelChains(res.Flow, trace.PeelOptions{Taint: tn})
	if len(chains) != 1 {
		t.Fatalf("%d chains, want 1", len(chains))
	}
	c := chains[0]
	want := []struct {
		height int32
		value  int64
		to     string
	}{
		{170, 10e8, "1Q2TWHE3GMdB6BZKafqwxXtWAWgFt5Jvm3"},
		{181, 10e8, "1DUDsfc23Dv9sPMEk5RsrtfzCw5ofi5sVW"},
		{182, 1e8, "1LzBzVqEeuQyjD2mRWHes3dgWrT9titxvq"},
		{183, 1e8, "13HtsYzne8xVPdGDnmJX8gHgBZerAfJGEf"},
		{248, 10e8, "1ByLSV2gLRcuqUmfdYcpPQH8Npm8cccsFg"},
	}
	if c.Len() != len(want) || len(c.Txs) != len(want) || len(c.Payments) != len(want) {
		t.Fatalf("chain of %d steps, want %d", c.Len(), len(want))
	}
	for k, w := range want {
		p := c.Payments[k]
		if c.Txs[k].Height() != w.height || res.At(c.Steps[k]) != c.Txs[k] {
			t.Errorf("step %d in block %d, want %d", k, c.Txs[k].Height(), w.height)
		}
		if p.Value != w.value || chain.Mainnet.Format(p.Addr) != w.to || p.Out.Tx != c.Txs[k].ID || !p.Time.Equal(c.Txs[k].Time) {
			t.Errorf("step %d pays %d to %s at %v", k, p.Value, chain.Mainnet.Format(p.Addr), p.Out)
		}
		if p.Taint != p.Value { // one stolen input: every output is stolen
			t.Errorf("step %d: payment taint %d of %d", k, p.Taint, p.Value)
		}
	}
	r := c.Remainder
	if c.In != 50e8 || c.Peeled != 32e8 || r.Value != 18e8 || r.Taint != 18e8 || chain.Mainnet.Format(r.Addr) != peelAddress ||
		r.Out != chain.MakeTxID(248, 1).Out(1) || r.State != trace.RemainderUnspent || r.Spender != 0 {
		t.Errorf("in %d, peeled %d, remainder %+v (%v)", c.In, c.Peeled, r, r.State)
	}
	if got := trace.PeelChains(res.Flow, trace.PeelOptions{MinLength: 6}); len(got) != 0 {
		t.Errorf("MinLength 6 found %d chains in a 5-step flow", len(got))
	}
}

// peelWorld holds hand-made chains: A (4 steps, its remainder split in the
// flow), B (2 steps), C (3 steps, remainder unspent), D (3 steps, the
// remainder spent by a transaction the trace leaves out), E (2 steps whose
// first payment, not the remainder, starts a 3-step chain E'), and F, whose
// steps are broken by an even split and a 45% payment.
type peelWorld struct {
	w                   *flowtest.World
	seeds               []trace.Seed
	a, b, c, d, e, ep   []*chain.Tx
	split, dOut, breaks *chain.Tx
}

func newPeelWorld() *peelWorld {
	const btc = flowtest.BTC
	pw := &peelWorld{w: flowtest.NewWorld()}
	w := pw.w
	addr := 1000
	fresh := func() chain.Address { addr++; return flowtest.Addr(addr) }
	h := int32(10)
	// steps makes a chain of n steps from output o, each paying a tenth.
	steps := func(o chain.OutPoint, n int) []*chain.Tx {
		var txs []*chain.Tx
		for range n {
			h++
			v := w.Value(o)
			tx := w.Tx(h, 1, []chain.OutPoint{o}, flowtest.Pay{To: fresh(), Value: v / 10}, flowtest.Pay{To: fresh(), Value: v - v/10 - 1000})
			txs = append(txs, tx)
			o = tx.ID.Out(1)
		}
		return txs
	}
	coin := func(pos int) chain.OutPoint {
		tx := w.Tx(1, pos, nil, flowtest.Pay{To: fresh(), Value: 50 * btc})
		pw.seeds = append(pw.seeds, trace.OutSeed(tx.Hash, 0))
		return tx.ID.Out(0)
	}
	pw.a = steps(coin(1), 4)
	h++
	pw.split = w.Tx(h, 1, []chain.OutPoint{pw.a[3].ID.Out(1)}, flowtest.Pay{To: fresh(), Value: 10 * btc}, flowtest.Pay{To: fresh(), Value: 10 * btc}, flowtest.Pay{To: fresh(), Value: 10 * btc})
	pw.b = steps(coin(2), 2)
	pw.c = steps(coin(3), 3)
	pw.d = steps(coin(4), 3)
	h++
	pw.dOut = w.Tx(h, 1, []chain.OutPoint{pw.d[2].ID.Out(1)}, flowtest.Pay{To: fresh(), Value: w.Value(pw.d[2].ID.Out(1)) - 1000})
	pw.e = steps(coin(5), 2)
	pw.ep = steps(pw.e[0].ID.Out(0), 3)
	// F: a step, an even split of its remainder, a step on one half, a
	// 45% payment, a step: no three in a row.
	f := steps(coin(6), 1)
	h++
	half := w.Value(f[0].ID.Out(1)) / 2
	even := w.Tx(h, 1, []chain.OutPoint{f[0].ID.Out(1)}, flowtest.Pay{To: fresh(), Value: half - 1000}, flowtest.Pay{To: fresh(), Value: half - 1000})
	g := steps(even.ID.Out(1), 1)
	h++
	v := w.Value(g[0].ID.Out(1))
	pw.breaks = w.Tx(h, 1, []chain.OutPoint{g[0].ID.Out(1)}, flowtest.Pay{To: fresh(), Value: v * 45 / 100}, flowtest.Pay{To: fresh(), Value: v - v*45/100 - 1000})
	steps(pw.breaks.ID.Out(1), 1)
	return pw
}

func ids(txs []*chain.Tx) []chain.TxID {
	var out []chain.TxID
	for _, tx := range txs {
		out = append(out, tx.ID)
	}
	return out
}

func TestPeelChainsConstructed(t *testing.T) {
	pw := newPeelWorld()
	dOut := pw.dOut.ID
	res, err := trace.Follow(context.Background(), regionFlow(pw.w), pw.seeds, trace.Options{
		Params: chain.Regtest,
		Stop:   func(tx *chain.Tx, i int) bool { return tx.SpentBy[i].Tx == dOut },
	})
	if err != nil {
		t.Fatal(err)
	}
	chains := trace.PeelChains(res.Flow, trace.PeelOptions{})
	type want struct {
		txs     []*chain.Tx
		state   trace.RemainderState
		spender chain.TxID
	}
	// Longest first; equal lengths in chain order of their first step.
	wants := []want{
		{pw.a, trace.RemainderInFlow, pw.split.ID},
		{pw.c, trace.RemainderUnspent, 0},
		{pw.d, trace.RemainderOutside, dOut},
		{pw.ep, trace.RemainderUnspent, 0},
	}
	if len(chains) != len(wants) {
		for _, c := range chains {
			t.Logf("chain %v", ids(c.Txs))
		}
		t.Fatalf("%d chains, want %d", len(chains), len(wants))
	}
	for k, w := range wants {
		c := chains[k]
		if !slices.Equal(ids(c.Txs), ids(w.txs)) {
			t.Errorf("chain %d: %v, want %v", k, ids(c.Txs), ids(w.txs))
			continue
		}
		last := w.txs[len(w.txs)-1]
		r := c.Remainder
		if r.State != w.state || r.Spender != w.spender || r.Out != last.ID.Out(1) || r.Value != last.Msg.TxOut[1].Value || r.Taint != 0 {
			t.Errorf("chain %d remainder %+v (%v), want %v spent by %v", k, r, r.State, w.state, w.spender)
		}
		var peeled int64
		for s, p := range c.Payments {
			if p.Out != w.txs[s].ID.Out(0) || p.Value != w.txs[s].Msg.TxOut[0].Value || p.Addr != w.txs[s].OutAddr(0) {
				t.Errorf("chain %d step %d payment %+v", k, s, p)
			}
			peeled += p.Value
		}
		if c.Peeled != peeled || c.In != w.txs[0].Prevouts[0].Value {
			t.Errorf("chain %d: in %d peeled %d", k, c.In, c.Peeled)
		}
	}
	// Two-step chains appear with MinLength 2, after the longer ones.
	two := trace.PeelChains(res.Flow, trace.PeelOptions{MinLength: 2})
	var got [][]chain.TxID
	for _, c := range two[len(wants):] {
		got = append(got, ids(c.Txs))
	}
	if want := [][]chain.TxID{ids(pw.b), ids(pw.e)}; len(got) != 2 || !slices.Equal(got[0], want[0]) || !slices.Equal(got[1], want[1]) {
		t.Errorf("two-step chains %v, want %v", got, want)
	}
	for _, c := range trace.PeelChains(res.Flow, trace.PeelOptions{MinLength: 1}) {
		if slices.Contains(c.Txs, pw.breaks) {
			t.Errorf("a 45%% payment is a step of chain %v", ids(c.Txs))
		}
	}
}

// TestPreferRemainder traces the real 2009 chain following only the
// remainders: the spends of the payments of blocks 182, 183 and 248 (by
// 221, 187 and 496) are left out and counted as stopped; the unspent
// payments of 170 and 181 have no link to skip.
func TestPreferRemainder(t *testing.T) {
	rc := loadReal(t)
	ctx := context.Background()
	seed := []trace.Seed{trace.OutSeed(mustHash(t, block9Coinbase), 0)}
	res, err := trace.Follow(ctx, rc.db, seed, trace.Options{PreferRemainder: true})
	if err != nil {
		t.Fatal(err)
	}
	want := map[chain.TxID]int{chain.MakeTxID(9, 0): 0}
	for k, h := range []int32{170, 181, 182, 183, 248} {
		want[chain.MakeTxID(h, 1)] = k + 1
	}
	if got := hopsOf(res); !maps.Equal(got, want) || res.Stopped != 3 {
		t.Errorf("flow %v, stopped %d; want %v, 3 stopped", got, res.Stopped, want)
	}
	t.Run("seed payments are followed", func(t *testing.T) {
		// Block 182's payment, 1 BTC to 1LzBz…, spent in block 221.
		r, err := trace.Follow(ctx, rc.db, []trace.Seed{trace.OutSeed(rc.txs[chain.MakeTxID(182, 1)].TxHash(), 0)}, trace.Options{PreferRemainder: true})
		if err != nil {
			t.Fatal(err)
		}
		if !r.Contains(chain.MakeTxID(221, 1)) || r.Stopped != 0 {
			t.Errorf("seeded payment: %v, stopped %d", hopsOf(r), r.Stopped)
		}
	})
	t.Run("backward is unchanged", func(t *testing.T) {
		back := []trace.Seed{trace.TxSeed(mustHash(t, tx248))}
		a, err := trace.Follow(ctx, rc.db, back, trace.Options{Direction: trace.Backward, PreferRemainder: true})
		if err != nil {
			t.Fatal(err)
		}
		b, err := trace.Follow(ctx, rc.db, back, trace.Options{Direction: trace.Backward})
		if err != nil {
			t.Fatal(err)
		}
		if !maps.Equal(hopsOf(a), hopsOf(b)) || a.Stopped != b.Stopped {
			t.Errorf("backward with PreferRemainder %v, without %v", hopsOf(a), hopsOf(b))
		}
	})
	t.Run("constructed", func(t *testing.T) {
		// Chain E's first payment starts chain E'; preferring remainders
		// leaves E' out, and its one link counts as stopped.
		pw := newPeelWorld()
		all := follow(t, regionFlow(pw.w), pw.seeds...)
		r, err := trace.Follow(ctx, regionFlow(pw.w), pw.seeds, trace.Options{Params: chain.Regtest, PreferRemainder: true})
		if err != nil {
			t.Fatal(err)
		}
		// The 45% payment of F is no peel step: both its outputs are
		// followed. No payment in these worlds is spent except E's first,
		// so exactly one link is skipped.
		if !all.Contains(pw.ep[0].ID) || r.Contains(pw.ep[0].ID) || r.Stopped != 1 || r.Len() != all.Len()-len(pw.ep) {
			t.Errorf("with PreferRemainder %d txs (stopped %d), without %d", r.Len(), r.Stopped, all.Len())
		}
	})
}
