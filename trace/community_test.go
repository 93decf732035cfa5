package trace_test

import (
	"context"
	"fmt"
	"reflect"
	"testing"

	gograph "gonum.org/v1/gonum/graph"
	"gonum.org/v1/gonum/graph/community"

	"github.com/plumetrace/plume/chain"
	"github.com/plumetrace/plume/internal/flowtest"
	"github.com/plumetrace/plume/trace"
)

func communities(t testing.TB, res *trace.Result, opts trace.CommunityOptions) *trace.Partition {
	t.Helper()
	p, err := trace.Communities(context.Background(), res.Flow, opts)
	if err != nil {
		t.Fatal(err)
	}
	if sum := p.Reduced.CoSpend + p.Reduced.Clusters + p.Reduced.PeelChains + p.Reduced.Pendants; p.Addresses != p.Nodes+sum {
		t.Errorf("%d addresses, %d nodes, %+v merged", p.Addresses, p.Nodes, p.Reduced)
	}
	return p
}

// TestCommunitiesSeparate finds two groups of six addresses that pass
// 10 BTC around a ring three times each, joined by a single payment of
// 0.01 BTC from one ring to the other.
func TestCommunitiesSeparate(t *testing.T) {
	const btc = flowtest.BTC
	w := flowtest.NewWorld()
	ring := func(first int) []chain.Address {
		var as []chain.Address
		for i := range 6 {
			as = append(as, flowtest.Addr(first+i))
		}
		return as
	}
	a, b := ring(10), ring(20)
	ca := w.Tx(1, 1, nil, flowtest.Pay{To: a[0], Value: 10 * btc})
	cb := w.Tx(1, 2, nil, flowtest.Pay{To: b[0], Value: 10 * btc})
	oa, ob := ca.ID.Out(0), cb.ID.Out(0)
	h := int32(2)
	for step := 1; step <= 18; step++ {
		h++
		if step == 8 { // a[1] -> a[2] also pays b[0] a little
			tx := w.Tx(h, 1, []chain.OutPoint{oa}, flowtest.Pay{To: a[2], Value: w.Value(oa) - btc/100 - 1000}, flowtest.Pay{To: b[0], Value: btc / 100})
			oa = tx.ID.Out(0)
		} else {
			oa = w.Tx(h, 1, []chain.OutPoint{oa}, flowtest.Pay{To: a[step%6], Value: w.Value(oa) - 1000}).ID.Out(0)
		}
		ob = w.Tx(h, 2, []chain.OutPoint{ob}, flowtest.Pay{To: b[step%6], Value: w.Value(ob) - 1000}).ID.Out(0)
	}
	res := follow(t, regionFlow(w), trace.OutSeed(ca.Hash, 0), trace.OutSeed(cb.Hash, 0))
	p := communities(t, res, trace.CommunityOptions{})
	if len(p.Groups) != 2 || p.Nodes != 12 || p.Capped {
		t.Fatalf("%d groups of %d nodes: %+v", len(p.Groups), p.Nodes, p.Groups)
	}
	for _, ring := range [][]chain.Address{a, b} {
		g := p.Of(ring[0])
		for _, x := range ring {
			if p.Of(x) != g {
				t.Errorf("%v in group %d, %v in %d", x, p.Of(x), ring[0], g)
			}
		}
		if len(p.Groups[g].Addrs) != 6 || !p.Groups[g].Seed {
			t.Errorf("group %d: %+v", g, p.Groups[g])
		}
	}
	if p.Of(a[0]) == p.Of(b[0]) || p.Of(flowtest.Addr(99)) != -1 {
		t.Errorf("rings in groups %d and %d; an address outside the flow in %d", p.Of(a[0]), p.Of(b[0]), p.Of(flowtest.Addr(99)))
	}
	// Ring A received the 0.01 BTC less: B ranks first.
	if p.Of(b[0]) != 0 || p.Groups[0].Received <= p.Groups[1].Received-btc {
		t.Errorf("order: %d then %d received", p.Groups[0].Received, p.Groups[1].Received)
	}
	if q := p.Modularity; q < 0.45 || q > 0.5 {
		t.Errorf("modularity %v, want about 0.5", q)
	}
}

// TestCommunitiesReduction checks each reduction on a hand-made flow: a
// co-spend of x1..x3 into y, a generic CoinJoin of j1..j3 (not merged),
// a 4-step peel chain from p0 with payees q1..q4, and a cluster lookup
// that puts j1 and j2 together.
func TestCommunitiesReduction(t *testing.T) {
	const btc = flowtest.BTC
	w := flowtest.NewWorld()
	var seeds []trace.Seed
	coin := func(pos int, a chain.Address, v int64) chain.OutPoint {
		tx := w.Tx(1, pos, nil, flowtest.Pay{To: a, Value: v})
		seeds = append(seeds, trace.OutSeed(tx.Hash, 0))
		return tx.ID.Out(0)
	}
	addr := func(name string, i int) chain.Address {
		base := map[string]int{"x": 10, "y": 20, "j": 30, "k": 40, "p": 50, "q": 60}[name]
		return flowtest.Addr(base + i)
	}
	xs := []chain.OutPoint{coin(1, addr("x", 1), btc), coin(2, addr("x", 2), btc), coin(3, addr("x", 3), btc)}
	w.Tx(2, 1, xs, flowtest.Pay{To: addr("y", 0), Value: 3*btc - 1000})
	js := []chain.OutPoint{coin(4, addr("j", 1), 2*btc), coin(5, addr("j", 2), 2*btc), coin(6, addr("j", 3), 2*btc)}
	w.Tx(2, 2, js, flowtest.Pay{To: addr("k", 1), Value: btc}, flowtest.Pay{To: addr("k", 2), Value: btc}, flowtest.Pay{To: addr("k", 3), Value: btc},
		flowtest.Pay{To: addr("k", 4), Value: 90_000_000}, flowtest.Pay{To: addr("k", 5), Value: 80_000_000})
	o := coin(7, addr("p", 0), 50*btc)
	for i := 1; i <= 4; i++ {
		v := w.Value(o)
		o = w.Tx(2+int32(i), 1, []chain.OutPoint{o}, flowtest.Pay{To: addr("q", i), Value: v / 10}, flowtest.Pay{To: addr("p", i), Value: v - v/10 - 1000}).ID.Out(1)
	}
	res := follow(t, regionFlow(w), seeds...)
	clusters := trace.ClusterFunc(func(ctx context.Context, a chain.Address) (uint64, int, error) {
		if a == addr("j", 1) || a == addr("j", 2) {
			return 5, 2, nil
		}
		return 0, 0, fmt.Errorf("%v: %w", a, chain.ErrNotFound)
	})

	none := communities(t, res, trace.CommunityOptions{NoCoSpend: true, NoPeelChains: true, NoPendants: true})
	if none.Addresses != 21 || none.Nodes != 21 || none.Reduced != (trace.Reduction{}) {
		t.Errorf("unreduced: %d addresses, %d nodes, %+v", none.Addresses, none.Nodes, none.Reduced)
	}
	p := communities(t, res, trace.CommunityOptions{Clusters: clusters})
	if want := (trace.Reduction{CoSpend: 2, Clusters: 1, PeelChains: 4, Pendants: 5}); p.Reduced != want || p.Nodes != 9 {
		t.Errorf("reduced to %d nodes by %+v, want 9 by %+v", p.Nodes, p.Reduced, want)
	}
	same := func(names ...string) {
		t.Helper()
		g := -2
		for _, n := range names {
			a := addr(n[:1], int(n[1]-'0'))
			if g == -2 {
				g = p.Of(a)
			} else if p.Of(a) != g || g < 0 {
				t.Errorf("%s in group %d, %s in %d", n, p.Of(a), names[0], g)
			}
		}
	}
	same("x1", "x2", "x3", "y0")
	same("p0", "p1", "p2", "p3", "p4", "q1", "q2", "q3", "q4")
	same("j1", "j2")
	if g := p.Of(addr("x", 1)); p.Groups[g].Nodes != 1 || len(p.Groups[g].Addrs) != 4 {
		t.Errorf("co-spend group: %+v", p.Groups[g])
	}
	// The peel chain holds 50 BTC, the most: it ranks first, as one node.
	if g := p.Groups[0]; p.Of(addr("p", 0)) != 0 || g.Nodes != 1 || len(g.Addrs) != 9 || g.Held != w.Value(o)+sumPayees(res) {
		t.Errorf("peel-chain group: %+v", g)
	}
}

// sumPayees is the value held by the payees of the peel chain in
// TestCommunitiesReduction: output 0 of its one-input, two-output
// transactions, which are the chain's steps.
func sumPayees(res *trace.Result) int64 {
	var s int64
	for _, tx := range res.Txs() {
		if len(tx.Msg.TxOut) == 2 && len(tx.Msg.TxIn) == 1 {
			s += tx.Msg.TxOut[0].Value
		}
	}
	return s
}

// TestCommunitiesDispersion runs on a generated Zaif-like dispersion of
// about 4,000 addresses: the same seed gives the same groups, the reduced
// graph is a fraction of the addresses, value and taint add up, the
// modularity reported is gonum's Q of the groups on the unreduced
// projection, and a cap leaves nodes out and says so.
func TestCommunitiesDispersion(t *testing.T) {
	d := dispersal{Seed: 3, Chains: 60, Steps: 30, Fanout: 4, DepositEvery: 10, OnwardEvery: 7, Exchanges: 2,
		SweepThief: 5, SweepOthers: 10, TxsPerBlock: 100}.build()
	res := d.trace(t, trace.Options{})
	tn := taintOf(t, res, trace.Haircut, nil)
	opts := trace.CommunityOptions{Seed: 7, Taint: tn}
	p := communities(t, res, opts)
	again := communities(t, res, opts)
	if !reflect.DeepEqual(p.Groups, again.Groups) || p.Modularity != again.Modularity {
		t.Error("the same seed gave different communities")
	}
	if p.Addresses < 3500 || p.Nodes*5 > p.Addresses || len(p.Groups) < 10 || p.Capped {
		t.Errorf("%d addresses reduced to %d nodes in %d groups (capped %v)", p.Addresses, p.Nodes, len(p.Groups), p.Capped)
	}
	// Every peel chain is one node, so all its remainder addresses share
	// a group.
	for _, c := range trace.PeelChains(res.Flow, trace.PeelOptions{}) {
		g := p.Of(c.Txs[0].Prevouts[0].Addr)
		if p.Of(c.Remainder.Addr) != g {
			t.Fatalf("chain %v split between groups %d and %d", c.Txs[0].ID, g, p.Of(c.Remainder.Addr))
		}
	}
	var recv, held, taint, taintHeld int64
	for i := range res.Len() {
		tx := res.At(i)
		for v, o := range tx.Msg.TxOut {
			recv += o.Value
			taint += tn.Output(tx.ID.Out(uint32(v)))
			if tx.SpentBy[v].IsZero() {
				held += o.Value
				taintHeld += tn.Output(tx.ID.Out(uint32(v)))
			}
		}
	}
	var gRecv, gHeld, gTaint, gTaintHeld int64
	addrs := 0
	for _, g := range p.Groups {
		gRecv, gHeld, gTaint, gTaintHeld = gRecv+g.Received, gHeld+g.Held, gTaint+g.Taint, gTaintHeld+g.TaintHeld
		addrs += len(g.Addrs)
	}
	if gRecv != recv || gHeld != held || gTaint != taint || gTaintHeld != taintHeld || addrs != p.Addresses {
		t.Errorf("groups: received %d held %d taint %d/%d over %d addresses; flow %d %d %d/%d over %d",
			gRecv, gHeld, gTaint, gTaintHeld, addrs, recv, held, taint, taintHeld, p.Addresses)
	}
	// gonum's own Q, on the whole projection taken as undirected.
	ag := res.Addresses()
	var parts [][]gograph.Node
	for _, g := range p.Groups {
		var part []gograph.Node
		for _, a := range g.Addrs {
			part = append(part, ag.Lookup(a))
		}
		parts = append(parts, part)
	}
	und := gograph.UndirectWeighted{G: ag, Merge: func(x, y float64, _, _ gograph.Edge) float64 { return x + y }}
	if q := community.Q(und, parts, 1); abs(q-p.Modularity) > 1e-9 || q < 0.5 {
		t.Errorf("modularity %v, gonum's Q %v", p.Modularity, q)
	}

	capped := communities(t, res, trace.CommunityOptions{Seed: 7, MaxNodes: 50})
	nodes, in := 0, 0
	for _, g := range capped.Groups {
		nodes += g.Nodes
		in += len(g.Addrs)
	}
	if !capped.Capped || nodes != 50 || capped.Dropped != capped.Nodes-50 || in+capped.DroppedAddrs != capped.Addresses || capped.DroppedValue <= 0 {
		t.Errorf("capped at 50: %d nodes in groups, %d dropped of %d, %d addresses out", nodes, capped.Dropped, capped.Nodes, capped.DroppedAddrs)
	}
	if capped.Of(d.thief) < 0 {
		t.Error("the cap dropped the thief's address, the one that moved the most")
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := trace.Communities(ctx, res.Flow, trace.CommunityOptions{}); err == nil {
		t.Error("a cancelled context went unnoticed")
	}
}

// TestCommunitiesStoreClusters collapses the real 2009 flow of the
// block-9 coinbase by the store's common-input clusters, through the
// ClusterFunc adapter, instead of the flow's own co-spending: block 496
// spends three addresses together, which the store's clustering joins.
func TestCommunitiesStoreClusters(t *testing.T) {
	rc := loadReal(t)
	ctx := context.Background()
	res, err := trace.Follow(ctx, rc.db, []trace.Seed{trace.OutSeed(mustHash(t, block9Coinbase), 0)}, trace.Options{})
	if err != nil {
		t.Fatal(err)
	}
	clusters := trace.ClusterFunc(func(ctx context.Context, a chain.Address) (uint64, int, error) {
		c, err := rc.db.Cluster(ctx, a)
		return uint64(c.ID), c.Size, err
	})
	byFlow := communities(t, res, trace.CommunityOptions{})
	byStore := communities(t, res, trace.CommunityOptions{NoCoSpend: true, Clusters: clusters})
	if byFlow.Reduced.CoSpend != 2 || byStore.Reduced.Clusters < 2 || byStore.Reduced.CoSpend != 0 {
		t.Errorf("co-spend merged %d, clusters %d", byFlow.Reduced.CoSpend, byStore.Reduced.Clusters)
	}
	t.Logf("flow co-spend %+v; store clusters %+v; %d addresses, %d and %d nodes", byFlow.Reduced, byStore.Reduced, byStore.Addresses, byFlow.Nodes, byStore.Nodes)
	// The peel chain of 12cbQ… is one node.
	peel, _ := chain.Mainnet.Parse(peelAddress)
	if g := byStore.Of(peel); g < 0 || byStore.Groups[g].Received < 50e8 {
		t.Errorf("12cbQ… in group %d", g)
	}
	for _, tx := range res.Txs() {
		if tx.Height() != 496 {
			continue
		}
		for _, p := range tx.Prevouts {
			if byStore.Of(p.Addr) != byStore.Of(tx.Prevouts[0].Addr) {
				t.Errorf("block 496's inputs in groups %d and %d", byStore.Of(p.Addr), byStore.Of(tx.Prevouts[0].Addr))
			}
		}
	}
}
