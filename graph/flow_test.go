package graph

import (
	"bytes"
	"context"
	"math"
	"slices"
	"sync"
	"testing"

	gg "gonum.org/v1/gonum/graph"
	"gonum.org/v1/gonum/graph/topo"

	"github.com/plumetrace/plume/chain"
)

func TestNewSortsAndDedupes(t *testing.T) {
	h := newHandFlow()
	f := h.flow()
	want := []struct {
		tx  *chain.Tx
		hop int
	}{{h.T1, 0}, {h.T2, 1}, {h.T3, 2}}
	if f.Len() != len(want) {
		t.Fatalf("Len = %d, want %d", f.Len(), len(want))
	}
	for i, w := range want {
		if f.At(i) != w.tx {
			t.Errorf("At(%d) = %v, want %v", i, f.At(i).ID, w.tx.ID)
		}
		if f.Hop(i) != w.hop {
			t.Errorf("Hop(%d) = %d, want %d (the smallest hop given)", i, f.Hop(i), w.hop)
		}
		if f.Index(w.tx.ID) != i {
			t.Errorf("Index(%v) = %d, want %d", w.tx.ID, f.Index(w.tx.ID), i)
		}
	}
	if got := f.Txs(); !slices.Equal(got, []*chain.Tx{h.T1, h.T2, h.T3}) {
		t.Errorf("Txs = %v", got)
	}
	// New must not reorder the caller's slice.
	if h.members[0].Tx != h.T3 || h.members[1].Hop != 3 {
		t.Errorf("New modified its members argument")
	}
	if f.Params() != chain.Mainnet || !f.Forward() {
		t.Errorf("Params, Forward = %v, %v; want mainnet (nil given), true", f.Params(), f.Forward())
	}
	back := New(chain.Testnet4, false, []chain.OutPoint{h.seed, h.T2.ID.Out(1), h.seed}, h.members)
	if back.Params() != chain.Testnet4 || back.Forward() {
		t.Errorf("backward flow: Params, Forward = %v, %v", back.Params(), back.Forward())
	}
	if got, want := back.Seeds(), []chain.OutPoint{h.seed, h.T2.ID.Out(1)}; !slices.Equal(got, want) {
		t.Errorf("Seeds = %v, want %v (sorted, deduplicated)", got, want)
	}
}

func TestFlowAccessors(t *testing.T) {
	h := newHandFlow()
	f := h.flow()
	t.Run("Contains", func(t *testing.T) {
		for _, c := range []struct {
			tx   *chain.Tx
			want bool
		}{{h.T1, true}, {h.T2, true}, {h.T3, true}, {h.E, false}, {h.O, false}} {
			if got := f.Contains(c.tx.ID); got != c.want {
				t.Errorf("Contains(%v) = %v, want %v", c.tx.ID, got, c.want)
			}
			if !c.want && f.Index(c.tx.ID) != -1 {
				t.Errorf("Index(%v) = %d, want -1", c.tx.ID, f.Index(c.tx.ID))
			}
		}
	})
	t.Run("Spender", func(t *testing.T) {
		for _, c := range []struct {
			name string
			out  chain.OutPoint
			want int
		}{
			{"spent in the flow", h.T1.ID.Out(0), 1},
			{"second spend", h.T2.ID.Out(0), 2},
			{"spent outside", h.T1.ID.Out(1), -1},
			{"unspent", h.T2.ID.Out(1), -1},
			{"unspent, last", h.T3.ID.Out(0), -1},
			{"outside output spent in the flow", h.E.ID.Out(0), 0},
			{"outside output spent in the flow, second input", h.E.ID.Out(1), 1},
			{"no such output", h.T1.ID.Out(7), -1},
			{"outside transaction", h.O.ID.Out(0), -1},
		} {
			if got := f.Spender(c.out); got != c.want {
				t.Errorf("%s: Spender(%v) = %d, want %d", c.name, c.out, got, c.want)
			}
		}
	})
	t.Run("IsSeed", func(t *testing.T) {
		if !f.IsSeed(h.seed) {
			t.Errorf("IsSeed(%v) = false", h.seed)
		}
		for _, o := range []chain.OutPoint{h.T1.ID.Out(1), h.T2.ID.Out(0), h.E.ID.Out(0), {}} {
			if f.IsSeed(o) {
				t.Errorf("IsSeed(%v) = true", o)
			}
		}
		if got := f.Seeds(); !slices.Equal(got, []chain.OutPoint{h.seed}) {
			t.Errorf("Seeds = %v", got)
		}
	})
	t.Run("counts", func(t *testing.T) {
		// 3 transactions, 5 outputs, 2 outside outputs (E:0, E:1).
		if got := f.NumNodes(); got != 10 {
			t.Errorf("NumNodes = %d, want 10", got)
		}
		// 5 tx->output, plus E:0->T1, T1:0->T2, E:1->T2, T2:0->T3.
		if got := f.NumEdges(); got != 9 {
			t.Errorf("NumEdges = %d, want 9", got)
		}
	})
	t.Run("Nodes", func(t *testing.T) {
		want := []int64{
			h.E.ID.Out(0).Node(), h.E.ID.Out(1).Node(),
			h.T1.ID.Node(), h.T1.ID.Out(0).Node(), h.T1.ID.Out(1).Node(),
			h.T2.ID.Node(), h.T2.ID.Out(0).Node(), h.T2.ID.Out(1).Node(),
			h.T3.ID.Node(), h.T3.ID.Out(0).Node(),
		}
		var got []int64
		for it := f.Nodes(); it.Next(); {
			got = append(got, it.Node().ID())
		}
		if !slices.Equal(got, want) {
			t.Errorf("Nodes = %v\nwant %v (outside outputs included, in ID order)", got, want)
		}
		for _, id := range []int64{h.E.ID.Node(), h.E.ID.Out(2).Node(), h.O.ID.Node(), h.O.ID.Out(0).Node(), h.T1.ID.Out(2).Node(), -1, 0, 1} {
			if f.Node(id) != nil {
				t.Errorf("Node(%d) = %v, want nil", id, f.Node(id))
			}
		}
	})
	t.Run("Node", func(t *testing.T) {
		for _, c := range []struct {
			name  string
			id    int64
			isTx  bool
			out   chain.OutPoint
			value int64
			addr  chain.Address
			tx    *chain.Tx
		}{
			{"transaction", h.T1.ID.Node(), true, chain.OutPoint{Tx: h.T1.ID}, 3*btc + 199_990_000, chain.Address{}, h.T1},
			{"output", h.T1.ID.Out(1).Node(), false, h.T1.ID.Out(1), 199_990_000, h.D, h.T1},
			{"seed output", h.seed.Node(), false, h.seed, 3 * btc, h.C, h.T1},
			{"last output", h.T3.ID.Out(0).Node(), false, h.T3.ID.Out(0), 199_990_000, h.H, h.T3},
			{"outside output", h.E.ID.Out(1).Node(), false, h.E.ID.Out(1), 1 * btc, h.B, nil},
		} {
			gn := f.Node(c.id)
			if gn == nil {
				t.Errorf("%s: Node(%d) = nil", c.name, c.id)
				continue
			}
			n := gn.(Node)
			if n.ID() != c.id || n.IsTx() != c.isTx || n.Value() != c.value || n.Address() != c.addr || n.Tx() != c.tx {
				t.Errorf("%s: ID, IsTx, Value, Address, Tx = %d, %v, %d, %v, %v; want %d, %v, %d, %v, %v",
					c.name, n.ID(), n.IsTx(), n.Value(), n.Address(), n.Tx(), c.id, c.isTx, c.value, c.addr, c.tx)
			}
			o, ok := n.OutPoint()
			if ok == c.isTx || (!c.isTx && o != c.out) {
				t.Errorf("%s: OutPoint = %v, %v; want %v, %v", c.name, o, ok, c.out, !c.isTx)
			}
		}
	})
	t.Run("edges", func(t *testing.T) {
		for _, c := range []struct {
			name     string
			from, to int64
			w        float64
		}{
			{"tx to output", h.T1.ID.Node(), h.T1.ID.Out(1).Node(), 199_990_000},
			{"output to spender", h.T1.ID.Out(0).Node(), h.T2.ID.Node(), 3 * btc},
			{"outside output to spender", h.E.ID.Out(1).Node(), h.T2.ID.Node(), 1 * btc},
			{"self", h.T2.ID.Node(), h.T2.ID.Node(), 0},
			{"backwards", h.T2.ID.Node(), h.T1.ID.Out(0).Node(), math.Inf(1)},
			{"spent outside", h.T1.ID.Out(1).Node(), h.O.ID.Node(), math.Inf(1)},
			{"other tx's output", h.T1.ID.Node(), h.T2.ID.Out(0).Node(), math.Inf(1)},
			{"unrelated spender", h.T1.ID.Out(0).Node(), h.T3.ID.Node(), math.Inf(1)},
		} {
			w, ok := f.Weight(c.from, c.to)
			if w != c.w || ok != !math.IsInf(c.w, 1) {
				t.Errorf("%s: Weight = %v, %v; want %v", c.name, w, ok, c.w)
			}
			has := c.from != c.to && !math.IsInf(c.w, 1)
			if f.HasEdgeFromTo(c.from, c.to) != has || (has && !f.HasEdgeBetween(c.to, c.from)) || (f.Edge(c.from, c.to) != nil) != has {
				t.Errorf("%s: HasEdgeFromTo, HasEdgeBetween, Edge disagree with %v", c.name, has)
			}
			if has {
				e := f.WeightedEdge(c.from, c.to).(Edge)
				if e.F.ID() != c.from || e.T.ID() != c.to || e.Weight() != c.w {
					t.Errorf("%s: WeightedEdge = %v", c.name, e)
				}
				r := e.ReversedEdge()
				if r.From().ID() != c.to || r.To().ID() != c.from {
					t.Errorf("%s: ReversedEdge = %v", c.name, r)
				}
			}
		}
		ids := func(it gg.Nodes) []int64 {
			var s []int64
			for it.Next() {
				s = append(s, it.Node().ID())
			}
			return s
		}
		if got, want := ids(f.To(h.T2.ID.Node())), []int64{h.T1.ID.Out(0).Node(), h.E.ID.Out(1).Node()}; !slices.Equal(got, want) {
			t.Errorf("To(T2) = %v, want %v (input order)", got, want)
		}
		if got, want := ids(f.From(h.E.ID.Out(0).Node())), []int64{h.T1.ID.Node()}; !slices.Equal(got, want) {
			t.Errorf("From(E:0) = %v, want %v", got, want)
		}
		if got := ids(f.To(h.E.ID.Out(0).Node())); got != nil {
			t.Errorf("To(E:0) = %v, want none: its transaction is outside", got)
		}
		if got := f.From(h.T1.ID.Out(1).Node()); got != gg.Empty {
			t.Errorf("From(T1:1), spent outside, = %v, want graph.Empty", got)
		}
	})
}

// A source that does not know spends leaves SpentBy nil (chain.Tx), and a
// live store may hand over a creator read before its spender was. Spend
// edges between transactions of the flow come from the spenders' own
// Prevouts, so the flow is the same either way.
func TestFlowWithoutSpentBy(t *testing.T) {
	for _, c := range []struct {
		name  string
		strip func(*chain.Tx) *chain.Tx
	}{
		{"nil SpentBy", func(tx *chain.Tx) *chain.Tx { c := *tx; c.SpentBy = nil; return &c }},
		{"stale SpentBy", func(tx *chain.Tx) *chain.Tx {
			c := *tx
			c.SpentBy = make([]chain.InPoint, len(tx.Msg.TxOut))
			return &c
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := randomFlow(7, 60)
			full := r.flow
			ms := make([]Member, full.Len())
			for i := range ms {
				ms[i] = Member{Tx: c.strip(full.At(i)), Hop: full.Hop(i)}
			}
			f := New(chain.Regtest, true, r.seeds, ms)
			if f.NumNodes() != full.NumNodes() || f.NumEdges() != full.NumEdges() {
				t.Errorf("NumNodes, NumEdges = %d, %d; want %d, %d", f.NumNodes(), f.NumEdges(), full.NumNodes(), full.NumEdges())
			}
			checkConsistent(t, f)
			s := specOf(r.members)
			for k, w := range s.edges {
				if got, ok := f.Weight(k[0], k[1]); !ok || got != float64(w) {
					t.Errorf("Weight(%d, %d) = %v, %v; want %d", k[0], k[1], got, ok, w)
				}
			}
			if f.NumEdges() != len(s.edges) {
				t.Errorf("NumEdges = %d, want %d", f.NumEdges(), len(s.edges))
			}
			for i := range f.Len() {
				for v := range f.At(i).Msg.TxOut {
					o := f.At(i).ID.Out(uint32(v))
					if got, want := f.Spender(o), full.Spender(o); got != want {
						t.Errorf("Spender(%v) = %d, want %d", o, got, want)
					}
				}
			}
		})
	}
}

// Some stores resolve inputs whose spent output lies below their first
// block without knowing its position: Prevout.Out is zero. Such inputs
// have no node and no edge, and are not mistaken for the genesis output.
func TestFlowUnknownPosition(t *testing.T) {
	h := newHandFlow()
	t2 := *h.T2
	t2.Prevouts = slices.Clone(t2.Prevouts)
	t2.Prevouts[1].Out = chain.OutPoint{} // E:1, position unknown
	f := New(nil, true, []chain.OutPoint{h.seed}, slices.Concat(at(0, h.T1), at(1, &t2), at(2, h.T3)))
	if got := f.NumNodes(); got != 9 {
		t.Errorf("NumNodes = %d, want 9 (E:1 has no node)", got)
	}
	if got := f.NumEdges(); got != 8 {
		t.Errorf("NumEdges = %d, want 8", got)
	}
	if f.Node(chain.OutPoint{}.Node()) != nil || f.Node(h.E.ID.Out(1).Node()) != nil {
		t.Errorf("an input of unknown position has a node")
	}
	if got := f.To(t2.ID.Node()).Len(); got != 1 {
		t.Errorf("To(T2) has %d nodes, want 1", got)
	}
}

// checkConsistent checks that the gonum methods of f tell one story:
// Nodes and Node, From, To and the edge queries agree, and NumNodes and
// NumEdges count what they list.
func checkConsistent(t *testing.T, f *Flow) {
	t.Helper()
	nodes, from, to := 0, 0, 0
	for u := f.Nodes(); u.Next(); {
		nodes++
		uid := u.Node().ID()
		if f.Node(uid) == nil {
			t.Errorf("Nodes lists %d, Node(%d) is nil", uid, uid)
		}
		for v := f.From(uid); v.Next(); {
			from++
			vid := v.Node().ID()
			if f.Node(vid) == nil || !f.HasEdgeFromTo(uid, vid) || f.WeightedEdge(uid, vid) == nil || uid >= vid {
				t.Errorf("From(%d) lists %d: no such node or edge, or against ID order", uid, vid)
			}
		}
		for v := f.To(uid); v.Next(); {
			to++
			vid := v.Node().ID()
			if f.Node(vid) == nil || !f.HasEdgeFromTo(vid, uid) {
				t.Errorf("To(%d) lists %d: no such node or edge", uid, vid)
			}
		}
	}
	if nodes != f.NumNodes() || from != f.NumEdges() || to != f.NumEdges() {
		t.Errorf("Nodes lists %d, From %d edges, To %d; NumNodes %d, NumEdges %d", nodes, from, to, f.NumNodes(), f.NumEdges())
	}
}

// Data from outside the process may be inconsistent: two transactions of
// the flow naming the same spent output, or an input naming an output its
// transaction does not have, or a later one. The flow stays one consistent
// DAG, the same
// whatever order the members come in: the first spender in chain order
// keeps the edge.
func TestFlowInconsistentData(t *testing.T) {
	h := newHandFlow()
	// T3 also claims E:1 (spent by T2) and T1:0 (spent by T2), and an
	// output T1:5 that does not exist.
	t3 := *h.T3
	t3.Prevouts = append(slices.Clone(t3.Prevouts),
		chain.Prevout{Out: h.E.ID.Out(1), Value: 1, Resolved: true, Addr: h.B},
		chain.Prevout{Out: h.T1.ID.Out(0), Value: 1, Resolved: true, Addr: h.C},
		chain.Prevout{Out: h.T1.ID.Out(5), Value: 1, Resolved: true, Addr: h.C},
	)
	// T1 claims T3:0, a later output, and T1:1, its own: a cycle if
	// believed.
	t1 := *h.T1
	t1.Prevouts = append(slices.Clone(t1.Prevouts),
		chain.Prevout{Out: h.T3.ID.Out(0), Value: 1, Resolved: true, Addr: h.H},
		chain.Prevout{Out: h.T1.ID.Out(1), Value: 1, Resolved: true, Addr: h.D},
	)
	ms := slices.Concat(at(0, &t1), at(1, h.T2), at(2, &t3))
	var first []byte
	for i := range 4 {
		slices.Reverse(ms)
		if i == 2 {
			ms[0], ms[1] = ms[1], ms[0]
		}
		f := New(nil, true, []chain.OutPoint{h.seed}, ms)
		checkConsistent(t, f)
		if f.NumNodes() != 10 || f.NumEdges() != 9 {
			t.Errorf("NumNodes, NumEdges = %d, %d; want 10, 9 as without the bad inputs", f.NumNodes(), f.NumEdges())
		}
		if _, err := topo.Sort(f); err != nil {
			t.Errorf("topo.Sort: %v", err)
		}
		if f.Spender(h.E.ID.Out(1)) != 1 || f.Spender(h.T1.ID.Out(0)) != 1 || f.Spender(h.T3.ID.Out(0)) != -1 {
			t.Errorf("Spender(E:1), Spender(T1:0) = %d, %d; want T2 (1), the first", f.Spender(h.E.ID.Out(1)), f.Spender(h.T1.ID.Out(0)))
		}
		b, err := f.DOT("x")
		if err != nil {
			t.Fatal(err)
		}
		if first == nil {
			first = b
		} else if !bytes.Equal(b, first) {
			t.Errorf("DOT depends on member order")
		}
	}
}

// A Flow builds its indexes lazily; the first uses may come from several
// goroutines at once (run with -race).
func TestFlowConcurrentFirstUse(t *testing.T) {
	r := randomFlow(17, 200)
	f := New(chain.Regtest, true, r.seeds, func() []Member {
		ms := make([]Member, r.flow.Len())
		for i := range ms {
			ms[i] = Member{Tx: r.flow.At(i), Hop: r.flow.Hop(i)}
		}
		return ms
	}())
	want := r.flow.NumEdges()
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			switch i % 4 {
			case 0:
				if f.NumEdges() != want {
					t.Errorf("NumEdges = %d, want %d", f.NumEdges(), want)
				}
			case 1:
				if _, err := f.DOT("x"); err != nil {
					t.Error(err)
				}
			case 2:
				f.Addresses()
			case 3:
				for range f.History(context.Background(), r.members[0].OutAddr(0)) {
				}
			}
		})
	}
	wg.Wait()
}
