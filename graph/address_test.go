package graph

import (
	"slices"
	"testing"

	"github.com/plumetrace/plume/chain"
)

// haircutFlow is one transaction with inputs from A (3 BTC) and B (1 BTC)
// paying C 2 BTC and D 1.9 BTC (fee 0.1), then a second where C pays A
// 0.5 and itself the rest.
type haircutFlow struct {
	w             *world
	fa, fb        *chain.Tx // outside: fund A and B
	t1, t2        *chain.Tx
	A, B, C, D, X chain.Address
}

func newHaircutFlow() *haircutFlow {
	h := &haircutFlow{w: newWorld(), A: addr(10), B: addr(11), C: addr(12), D: addr(13), X: addr(14)}
	h.fa = h.w.Tx(300, 4, nil, pay(h.X, 1*btc), pay(h.A, 3*btc))
	h.fb = h.w.Tx(300, 9, nil, pay(h.B, 1*btc))
	h.t1 = h.w.Tx(301, 1, ins(h.fa.ID.Out(1), h.fb.ID.Out(0)), pay(h.C, 2*btc), pay(h.D, 190_000_000))
	h.t2 = h.w.Tx(302, 3, ins(h.t1.ID.Out(0)), pay(h.A, 50_000_000), pay(h.C, 149_990_000))
	return h
}

func TestAddressesHaircut(t *testing.T) {
	h := newHaircutFlow()
	t.Run("one transaction", func(t *testing.T) {
		f := New(nil, true, []chain.OutPoint{h.t1.ID.Out(0)}, at(0, h.t1))
		g := f.Addresses()
		if got := g.Nodes().Len(); got != 4 {
			t.Errorf("%d address nodes, want 4", got)
		}
		for _, c := range []struct {
			from, to chain.Address
			w        float64
		}{
			{h.A, h.C, 150_000_000},
			{h.A, h.D, 142_500_000},
			{h.B, h.C, 50_000_000},
			{h.B, h.D, 47_500_000},
		} {
			u, v := g.Lookup(c.from), g.Lookup(c.to)
			if u == nil || v == nil {
				t.Fatalf("no node for %v or %v", c.from, c.to)
			}
			e := g.WeightedEdge(u.ID(), v.ID())
			if e == nil {
				t.Errorf("no edge %v -> %v", c.from, c.to)
				continue
			}
			if e.Weight() != c.w {
				t.Errorf("edge %v -> %v weighs %v, want %v", c.from, c.to, e.Weight(), c.w)
			}
			if ae := e.(AddrEdge); ae.F != u || ae.T != v {
				t.Errorf("edge %v -> %v has ends %v, %v", c.from, c.to, ae.F, ae.T)
			}
			if g.HasEdgeFromTo(v.ID(), u.ID()) {
				t.Errorf("edge %v -> %v goes both ways", c.from, c.to)
			}
		}
		if n := g.WeightedEdges().Len(); n != 4 {
			t.Errorf("%d edges, want 4", n)
		}
		for _, c := range []struct {
			a                    chain.Address
			id                   int64
			received, sent, self int64
			txs                  int
			seed                 bool
		}{
			// A and B appear in the flow only at the outside outputs it
			// spends.
			{h.A, h.fa.ID.Out(1).Node(), 0, 3 * btc, 0, 1, false},
			{h.B, h.fb.ID.Out(0).Node(), 0, 1 * btc, 0, 1, false},
			{h.C, h.t1.ID.Out(0).Node(), 2 * btc, 0, 0, 1, true},
			{h.D, h.t1.ID.Out(1).Node(), 190_000_000, 0, 0, 1, false},
		} {
			n := g.Lookup(c.a)
			if n.ID() != c.id || n.Received != c.received || n.Sent != c.sent || n.SelfValue != c.self || n.Txs != c.txs || n.Seed != c.seed || n.Addr != c.a {
				t.Errorf("%v: ID %d, Received %d, Sent %d, SelfValue %d, Txs %d, Seed %v; want %d, %d, %d, %d, %d, %v",
					c.a, n.ID(), n.Received, n.Sent, n.SelfValue, n.Txs, n.Seed, c.id, c.received, c.sent, c.self, c.txs, c.seed)
			}
		}
		if g.Lookup(h.X) != nil {
			t.Errorf("X, paid by an outside output the flow does not spend, has a node")
		}
		if g.Params() != chain.Mainnet {
			t.Errorf("Params = %v", g.Params())
		}
	})
	t.Run("two transactions", func(t *testing.T) {
		f := New(chain.Regtest, true, []chain.OutPoint{h.t1.ID.Out(0)}, slices.Concat(at(1, h.t2), at(0, h.t1)))
		g := f.Addresses()
		a, c := g.Lookup(h.A), g.Lookup(h.C)
		// C pays itself 1.4999 BTC: kept apart, no loop.
		if c.SelfValue != 149_990_000 || g.HasEdgeFromTo(c.ID(), c.ID()) {
			t.Errorf("C: SelfValue %d, loop %v; want 149990000, false", c.SelfValue, g.HasEdgeFromTo(c.ID(), c.ID()))
		}
		if w, ok := g.Weight(c.ID(), a.ID()); !ok || w != 50_000_000 {
			t.Errorf("C -> A = %v, %v; want 50000000", w, ok)
		}
		if c.Received != 2*btc+149_990_000 || c.Sent != 2*btc || c.Txs != 2 {
			t.Errorf("C: Received %d, Sent %d, Txs %d", c.Received, c.Sent, c.Txs)
		}
		// A's smallest output node is still the outside one it spends,
		// though it is paid again later.
		if a.ID() != h.fa.ID.Out(1).Node() || a.Received != 50_000_000 || a.Txs != 2 {
			t.Errorf("A: ID %d, Received %d, Txs %d", a.ID(), a.Received, a.Txs)
		}
		ids := make([]int64, 0)
		for _, n := range g.AddrNodes() {
			ids = append(ids, n.ID())
		}
		if !slices.IsSorted(ids) || len(ids) != 4 {
			t.Errorf("AddrNodes IDs %v, want 4 in order", ids)
		}
	})
}

// An address's ID is the smallest output node at which it appears, so it
// depends on the flow alone: checked on random regions against the
// transactions.
func TestAddressIDs(t *testing.T) {
	r := randomFlow(21, 400)
	want := make(map[chain.Address]int64)
	see := func(a chain.Address, o chain.OutPoint) {
		if id, ok := want[a]; !ok || o.Node() < id {
			want[a] = o.Node()
		}
	}
	for _, tx := range r.members {
		for _, p := range tx.Prevouts {
			see(p.Addr, p.Out)
		}
		for v := range tx.Msg.TxOut {
			see(tx.OutAddr(v), tx.ID.Out(uint32(v)))
		}
	}
	g := r.flow.Addresses()
	if g.Nodes().Len() != len(want) {
		t.Errorf("%d address nodes, want %d", g.Nodes().Len(), len(want))
	}
	for a, id := range want {
		if n := g.Lookup(a); n == nil || n.ID() != id {
			t.Errorf("%v: node %v, want ID %d", a, n, id)
		}
	}
	// The same region given in another order and with other seeds gives
	// the same IDs.
	ms := make([]Member, len(r.members))
	for i, tx := range slices.Backward(r.members) {
		ms[i] = Member{Tx: tx, Hop: i}
	}
	g2 := New(nil, false, nil, ms).Addresses()
	for _, n := range g.AddrNodes() {
		if m := g2.Lookup(n.Addr); m == nil || m.ID() != n.ID() {
			t.Errorf("%v: ID %d in one flow, %v in the same region", n.Addr, n.ID(), m)
		}
	}
}

// Stores that resolve inputs below their first block know the spent
// output's value and script but not its position (Prevout.Out zero). Two
// such addresses must not share an ID (gonum panics on the collision),
// and an address also paid at a known output takes that output's ID.
func TestAddressesUnknownPosition(t *testing.T) {
	h := newHaircutFlow()
	t1 := *h.t1
	t1.Prevouts = slices.Clone(t1.Prevouts)
	for i := range t1.Prevouts {
		t1.Prevouts[i].Out = chain.OutPoint{}
	}
	t2 := *h.t2
	t2.Prevouts = slices.Clone(t2.Prevouts)
	t2.Prevouts[0].Out = chain.OutPoint{}
	f := New(nil, true, nil, slices.Concat(at(0, &t1), at(1, &t2)))
	var g *AddrGraph
	func() {
		defer func() {
			if p := recover(); p != nil {
				t.Fatalf("Addresses panicked: %v", p)
			}
		}()
		g = f.Addresses()
	}()
	a, b := g.Lookup(h.A), g.Lookup(h.B)
	if a == nil || b == nil || a.ID() == b.ID() {
		t.Fatalf("A, B = %v, %v; want distinct nodes", a, b)
	}
	// A is paid at T2:0, a node of the flow.
	if a.ID() != t2.ID.Out(0).Node() {
		t.Errorf("A: ID %d, want %d, its output in the flow", a.ID(), t2.ID.Out(0).Node())
	}
	// B appears only at an input of unknown position: an ID that is no
	// output node of the flow.
	if f.Node(b.ID()) != nil || b.ID() == (chain.OutPoint{}).Node() {
		t.Errorf("B: ID %d is a node of the flow", b.ID())
	}
	if w, _ := g.Weight(b.ID(), g.Lookup(h.D).ID()); w != 47_500_000 {
		t.Errorf("B -> D = %v, want 47500000", w)
	}
	// IDs do not depend on the order members come in.
	g2 := New(nil, true, nil, slices.Concat(at(1, &t2), at(0, &t1))).Addresses()
	for _, n := range g.AddrNodes() {
		if m := g2.Lookup(n.Addr); m == nil || m.ID() != n.ID() {
			t.Errorf("%v: ID %d, then %v", n.Addr, n.ID(), m)
		}
	}
}
