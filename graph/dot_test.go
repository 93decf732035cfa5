package graph

import (
	"bytes"
	"math/rand/v2"
	"strconv"
	"testing"
	"time"

	gg "gonum.org/v1/gonum/graph"
	"gonum.org/v1/gonum/graph/encoding"
	"gonum.org/v1/gonum/graph/encoding/dot"
	"gonum.org/v1/gonum/graph/simple"

	"github.com/plumetrace/plume/chain"
)

// DOT output is checked by reading it back with gonum's decoder into a
// plain directed graph that keeps every attribute, then comparing with
// the transactions.

type dotGraph struct {
	*simple.DirectedGraph
	byID map[string]*dotNode
}

func newDotGraph() *dotGraph {
	return &dotGraph{DirectedGraph: simple.NewDirectedGraph(), byID: make(map[string]*dotNode)}
}

func (g *dotGraph) NewNode() gg.Node {
	return &dotNode{Node: g.DirectedGraph.NewNode(), g: g, attrs: make(map[string]string)}
}

func (g *dotGraph) NewEdge(from, to gg.Node) gg.Edge {
	return &dotEdge{Edge: g.DirectedGraph.NewEdge(from, to), attrs: make(map[string]string)}
}

type dotNode struct {
	gg.Node
	g     *dotGraph
	dotID string
	attrs map[string]string
}

func (n *dotNode) SetDOTID(id string) {
	n.dotID = id
	n.g.byID[id] = n
}

func (n *dotNode) SetAttribute(a encoding.Attribute) error {
	n.attrs[a.Key] = a.Value
	return nil
}

type dotEdge struct {
	gg.Edge
	attrs map[string]string
}

func (e *dotEdge) SetAttribute(a encoding.Attribute) error {
	e.attrs[a.Key] = a.Value
	return nil
}

func parseDOT(t *testing.T, b []byte) *dotGraph {
	t.Helper()
	g := newDotGraph()
	if err := dot.Unmarshal(b, g); err != nil {
		t.Fatalf("dot.Unmarshal: %v\n%s", err, b)
	}
	return g
}

func countEdges(g gg.Graph) int {
	n := 0
	for u := g.Nodes(); u.Next(); {
		n += g.From(u.Node().ID()).Len()
	}
	return n
}

// outDOTID is an output's DOT ID, from the world's transactions: the
// creator's txid and the output index.
func outDOTID(w *world, o chain.OutPoint) string {
	return w.Txs[o.Tx].Hash.String() + ":" + strconv.Itoa(int(o.Vout))
}

func TestFlowDOT(t *testing.T) {
	for _, c := range []struct {
		name string
		r    *randFlow
	}{
		{"hand", func() *randFlow {
			h := newHandFlow()
			return &randFlow{w: h.w, flow: h.flow(), members: []*chain.Tx{h.T1, h.T2, h.T3}, seeds: []chain.OutPoint{h.seed}}
		}()},
		{"random", randomFlow(9, 150)},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := c.r.flow
			b, err := f.DOT("flow")
			if err != nil {
				t.Fatal(err)
			}
			if again, _ := f.DOT("flow"); !bytes.Equal(b, again) {
				t.Errorf("two DOT calls differ")
			}
			g := parseDOT(t, b)
			s := specOf(c.r.members)
			if g.Nodes().Len() != len(s.nodes) || countEdges(g) != len(s.edges) {
				t.Errorf("read back %d nodes, %d edges; want %d, %d", g.Nodes().Len(), countEdges(g), len(s.nodes), len(s.edges))
			}
			seeds := make(map[chain.OutPoint]bool)
			for _, o := range c.r.seeds {
				seeds[o] = true
			}
			hop := make(map[chain.TxID]string)
			for i := range f.Len() {
				hop[f.At(i).ID] = strconv.Itoa(f.Hop(i))
			}
			node := func(id int64) *dotNode {
				o, out := chain.NodeOf(id)
				name := c.r.w.Txs[o.Tx].Hash.String()
				if out {
					name = outDOTID(c.r.w, o)
				}
				n := g.byID[name]
				if n == nil {
					t.Fatalf("node %s missing from the DOT", name)
				}
				return n
			}
			for _, id := range s.nodes {
				n := node(id)
				o, out := chain.NodeOf(id)
				creator := c.r.w.Txs[o.Tx]
				want := map[string]string{
					"shape": "box",
					"block": strconv.Itoa(int(o.Tx.Height())),
					"time":  blockTime(o.Tx.Height()).Format(time.RFC3339),
					"hop":   hop[o.Tx],
				}
				if out {
					txo := creator.Msg.TxOut[o.Vout]
					want = map[string]string{
						"shape":   "ellipse",
						"value":   strconv.FormatInt(txo.Value, 10),
						"address": f.Params().Format(chain.AddressOf(txo.PkScript)),
					}
					if seeds[o] {
						want["seed"] = "true"
					}
				}
				for k, v := range want {
					if n.attrs[k] != v {
						t.Errorf("%s: %s=%q, want %q", n.dotID, k, n.attrs[k], v)
					}
				}
				if _, ok := n.attrs["seed"]; ok && !seeds[o] {
					t.Errorf("%s: marked seed", n.dotID)
				}
				if n.attrs["label"] == "" {
					t.Errorf("%s: no label", n.dotID)
				}
			}
			for k, w := range s.edges {
				u, v := node(k[0]), node(k[1])
				e, _ := g.Edge(u.ID(), v.ID()).(*dotEdge)
				if e == nil {
					t.Errorf("edge %s -> %s missing", u.dotID, v.dotID)
					continue
				}
				if got := e.attrs["value"]; got != strconv.FormatInt(w, 10) {
					t.Errorf("edge %s -> %s: value=%q, want %d", u.dotID, v.dotID, got, w)
				}
				if got := e.attrs["label"]; got != BTC(w) {
					t.Errorf("edge %s -> %s: label=%q, want %q", u.dotID, v.dotID, got, BTC(w))
				}
			}
		})
	}
}

// The same region handed over in any order writes the same bytes.
func TestFlowDOTDeterministic(t *testing.T) {
	r := randomFlow(4, 100)
	want, err := r.flow.DOT("x")
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(4, 4))
	for range 3 {
		ms := make([]Member, r.flow.Len())
		for i := range ms {
			ms[i] = Member{Tx: r.flow.At(i), Hop: r.flow.Hop(i)}
		}
		rng.Shuffle(len(ms), func(i, j int) { ms[i], ms[j] = ms[j], ms[i] })
		got, _ := New(chain.Regtest, true, r.seeds, ms).DOT("x")
		if !bytes.Equal(got, want) {
			t.Fatalf("DOT of the same region differs")
		}
	}
}

func TestAddrGraphDOT(t *testing.T) {
	r := randomFlow(12, 150)
	ag := r.flow.Addresses()
	b, err := ag.DOT("addresses")
	if err != nil {
		t.Fatal(err)
	}
	// The address graph is gonum's map-backed simple graph; its DOT must
	// still come out the same every time.
	for range 5 {
		if again, _ := r.flow.Addresses().DOT("addresses"); !bytes.Equal(b, again) {
			t.Fatalf("two DOT calls differ")
		}
	}
	g := parseDOT(t, b)
	if g.Nodes().Len() != ag.Nodes().Len() || countEdges(g) != ag.WeightedEdges().Len() {
		t.Errorf("read back %d nodes, %d edges; want %d, %d", g.Nodes().Len(), countEdges(g), ag.Nodes().Len(), ag.WeightedEdges().Len())
	}
	for _, n := range ag.AddrNodes() {
		d := g.byID[chain.Regtest.Format(n.Addr)]
		if d == nil {
			t.Fatalf("address %v missing", n.Addr)
		}
		want := map[string]string{
			"received": strconv.FormatInt(n.Received, 10),
			"sent":     strconv.FormatInt(n.Sent, 10),
			"txs":      strconv.Itoa(n.Txs),
		}
		if n.Seed {
			want["seed"] = "true"
		}
		for k, v := range want {
			if d.attrs[k] != v {
				t.Errorf("%s: %s=%q, want %q", d.dotID, k, d.attrs[k], v)
			}
		}
		for to := ag.From(n.ID()); to.Next(); {
			m := to.Node().(*AddrNode)
			w, _ := ag.Weight(n.ID(), m.ID())
			e, _ := g.Edge(d.ID(), g.byID[chain.Regtest.Format(m.Addr)].ID()).(*dotEdge)
			if e == nil {
				t.Errorf("edge %v -> %v missing", n.Addr, m.Addr)
				continue
			}
			if got, want := e.attrs["value"], strconv.FormatInt(int64(w+0.5), 10); got != want {
				t.Errorf("edge %v -> %v: value=%q, want %q", n.Addr, m.Addr, got, want)
			}
		}
	}
}

func TestBTC(t *testing.T) {
	for _, c := range []struct {
		sat  int64
		want string
	}{
		{0, "0.00000000"},
		{1, "0.00000001"},
		{btc, "1.00000000"},
		{2_100_000_000_000_000, "21000000.00000000"},
		{-150_000_000, "-1.50000000"},
		{-1, "-0.00000001"},
	} {
		if got := BTC(c.sat); got != c.want {
			t.Errorf("BTC(%d) = %q, want %q", c.sat, got, c.want)
		}
	}
}

// Two coinbases share a txid (BIP30). When a flow holds both, DOT must
// keep them apart.
func TestFlowDOTDuplicateTxid(t *testing.T) {
	w := newWorld()
	first := w.Tx(91812, 0, nil, pay(addr(1), 50*btc))
	again := *first
	again.ID = chain.MakeTxID(91842, 0)
	again.Time = blockTime(91842)
	f := New(nil, true, nil, append(at(0, first), at(0, &again)...))
	b, err := f.DOT("bip30")
	if err != nil {
		t.Fatal(err)
	}
	g := parseDOT(t, b)
	if g.Nodes().Len() != f.NumNodes() {
		t.Errorf("read back %d nodes, want %d", g.Nodes().Len(), f.NumNodes())
	}
	for _, c := range []struct {
		id   int64
		want string
	}{
		{first.ID.Node(), first.Hash.String() + "@91812:0"},
		{again.ID.Out(0).Node(), first.Hash.String() + "@91842:0:0"},
	} {
		if got := f.Node(c.id).(Node).DOTID(); got != c.want {
			t.Errorf("DOTID = %q, want %q", got, c.want)
		}
	}
	// A txid the flow holds once stays bare.
	h := newHandFlow()
	if got := h.flow().Node(h.T1.ID.Node()).(Node).DOTID(); got != h.T1.Hash.String() {
		t.Errorf("DOTID = %q, want the txid", got)
	}
}
