package graph

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"

	"github.com/plumetrace/plume/chain"
)

// Export tests read every export back with a real parser (encoding/xml,
// encoding/csv) into an exported value, and compare it with one worked
// out from the region's transactions (the tx view) or from the AddrGraph
// (the address view, whose projection address_test.go checks).

// exported is a graph as read back from an export: attributes by node ID,
// and by edge (source ID, target ID), all as strings.
type exported struct {
	nodes map[string]map[string]string
	edges map[[2]string]map[string]string
}

func newExported() exported {
	return exported{nodes: make(map[string]map[string]string), edges: make(map[[2]string]map[string]string)}
}

// Attributes of the expectation that only some formats write: a format's
// test drops those it does not.
const (
	attrColor  = "viz:color" // GEXF seed colour, "r,g,b"
	attrWeight = "weight"    // GEXF edge weight, normalized by normWeight
	attrType   = "type"      // Neo4j relationship type
	attrLabel  = "label"     // display label (GraphML key, GEXF attribute)
)

// without returns a copy of e without the named node and edge attributes.
func (e exported) without(node, edge []string) exported {
	c := newExported()
	for id, as := range e.nodes {
		m := make(map[string]string, len(as))
		for k, v := range as {
			if !slices.Contains(node, k) {
				m[k] = v
			}
		}
		c.nodes[id] = m
	}
	for k, as := range e.edges {
		m := make(map[string]string, len(as))
		for a, v := range as {
			if !slices.Contains(edge, a) {
				m[a] = v
			}
		}
		c.edges[k] = m
	}
	return c
}

// compareExported reports every node, edge or attribute that differs.
func compareExported(t *testing.T, want, got exported) {
	t.Helper()
	bad := 0
	fail := func(format string, args ...any) {
		if bad++; bad <= 20 {
			t.Errorf(format, args...)
		}
	}
	for id, w := range want.nodes {
		g, ok := got.nodes[id]
		if !ok {
			fail("node %s missing", id)
			continue
		}
		compareAttrs(fail, "node "+id, w, g)
	}
	for id := range got.nodes {
		if _, ok := want.nodes[id]; !ok {
			fail("unexpected node %s", id)
		}
	}
	for k, w := range want.edges {
		g, ok := got.edges[k]
		if !ok {
			fail("edge %s -> %s missing", k[0], k[1])
			continue
		}
		compareAttrs(fail, "edge "+k[0]+" -> "+k[1], w, g)
	}
	for k := range got.edges {
		if _, ok := want.edges[k]; !ok {
			fail("unexpected edge %s -> %s", k[0], k[1])
		}
	}
	if bad > 20 {
		t.Errorf("... and %d more differences", bad-20)
	}
}

func compareAttrs(fail func(string, ...any), what string, want, got map[string]string) {
	for k, w := range want {
		if g, ok := got[k]; !ok {
			fail("%s: %s missing, want %q", what, k, w)
		} else if g != w {
			fail("%s: %s = %q, want %q", what, k, g, w)
		}
	}
	for k, g := range got {
		if _, ok := want[k]; !ok {
			fail("%s: unexpected %s = %q", what, k, g)
		}
	}
}

// normWeight writes a weight as the float it parses to, so that "3e8" and
// "300000000" compare equal.
func normWeight(s string) string {
	w, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return "bad weight " + strconv.Quote(s)
	}
	return strconv.FormatFloat(w, 'g', -1, 64)
}

// testTaint is a taint hook that knows two outputs in three.
func testTaint(o chain.OutPoint) (int64, bool) {
	n := o.Node()
	return n % 997, n%3 != 0
}

const seedColor = "220,38,38"

// wantFlow is the tx-level export of region r, worked out from its
// transactions and the world they live in, not from the Flow's walkers.
func wantFlow(r *randFlow, opt ExportOptions) exported {
	f := r.flow
	s := specOf(r.members)
	seeds := make(map[chain.OutPoint]bool)
	for _, o := range r.seeds {
		seeds[o] = true
	}
	e := newExported()
	id := func(n int64) string { return strconv.FormatInt(n, 10) }
	for _, n := range s.nodes {
		o, out := chain.NodeOf(n)
		creator := r.w.Txs[o.Tx]
		if !out {
			h := creator.Hash.String()
			e.nodes[id(n)] = map[string]string{
				"kind": "tx", attrLabel: h, "txid": h,
				"height": strconv.Itoa(int(o.Tx.Height())),
				"time":   blockTime(o.Tx.Height()).Format("2006-01-02T15:04:05Z"),
				"hop":    strconv.Itoa(f.Hop(f.Index(o.Tx))),
			}
			continue
		}
		txo := creator.Msg.TxOut[o.Vout]
		a := f.Params().Format(chain.AddressOf(txo.PkScript))
		as := map[string]string{
			"kind": "output", attrLabel: a,
			"outpoint": outDOTID(r.w, o), "address": a,
			"value": strconv.FormatInt(txo.Value, 10), "seed": strconv.FormatBool(seeds[o]),
		}
		if seeds[o] {
			as[attrColor] = seedColor
		}
		if t, ok := opt.taint(o); ok {
			as["taint"] = strconv.FormatInt(t, 10)
		}
		e.nodes[id(n)] = as
	}
	for k, v := range s.edges {
		typ := "SPENT_BY"
		if _, out := chain.NodeOf(k[0]); !out {
			typ = "PAYS"
		}
		w := float64(v)
		if v == 0 {
			w = 1e-9 // see gexfZeroWeight
		}
		e.edges[[2]string{id(k[0]), id(k[1])}] = map[string]string{
			"value": strconv.FormatInt(v, 10), attrWeight: normWeight(strconv.FormatFloat(w, 'g', -1, 64)), attrType: typ,
		}
	}
	return e
}

// wantAddrs is the address-level export of g, projected from region r.
func wantAddrs(r *randFlow, g *AddrGraph, opt ExportOptions) exported {
	taint := make(map[chain.Address]int64)
	tainted := make(map[chain.Address]bool)
	for _, tx := range r.members {
		for v, o := range tx.Msg.TxOut {
			if t, ok := opt.taint(tx.ID.Out(uint32(v))); ok {
				a := chain.AddressOf(o.PkScript)
				taint[a] += t
				tainted[a] = true
			}
		}
	}
	e := newExported()
	for _, n := range g.AddrNodes() {
		a := g.Params().Format(n.Addr)
		as := map[string]string{
			"kind": "address", attrLabel: a, "address": a,
			"received": strconv.FormatInt(n.Received, 10), "sent": strconv.FormatInt(n.Sent, 10),
			"self_value": strconv.FormatInt(n.SelfValue, 10), "txs": strconv.Itoa(n.Txs),
			"seed": strconv.FormatBool(n.Seed),
		}
		if n.Seed {
			as[attrColor] = seedColor
		}
		if tainted[n.Addr] {
			as["taint"] = strconv.FormatInt(taint[n.Addr], 10)
		}
		from := strconv.FormatInt(n.ID(), 10)
		e.nodes[from] = as
		for to := g.From(n.ID()); to.Next(); {
			m := to.Node().ID()
			w, _ := g.Weight(n.ID(), m)
			ws := strconv.FormatFloat(w, 'g', -1, 64)
			if w == 0 {
				ws = "1e-9"
			}
			e.edges[[2]string{from, strconv.FormatInt(m, 10)}] = map[string]string{
				"value": strconv.FormatInt(int64(w+0.5), 10), attrWeight: normWeight(ws), attrType: "SENT",
			}
		}
	}
	return e
}

// exportCase is one region to export, with what its exports must hold.
type exportCase struct {
	name  string
	r     *randFlow
	opt   ExportOptions
	view  string // "flow" or "addresses"
	write func(io.Writer, ExportOptions) error
	want  exported
}

// handRegion is newHandFlow as a randFlow, plus an outside transaction
// that pays a zero-value output which T3 spends (OP_RETURN outputs and
// dust weigh 0: see gexfZeroWeight).
func handRegion() *randFlow {
	h := newHandFlow()
	w := h.w
	z := w.Tx(102, 7, nil, pay(addr(8), 0), pay(addr(9), btc))
	t4 := w.Tx(104, 1, ins(h.T3.ID.Out(0), z.ID.Out(0)), pay(addr(10), 0), pay(addr(11), 199_980_000))
	members := []*chain.Tx{h.T1, h.T2, h.T3, t4}
	ms := slices.Concat(h.members, at(3, t4))
	return &randFlow{w: w, flow: New(chain.Regtest, true, []chain.OutPoint{h.seed}, ms), members: members, seeds: []chain.OutPoint{h.seed}}
}

// exportCases gives, for each region and both views, the write function
// a format's test picks with pick, with and without a taint hook.
func exportCases(pick func(f *Flow, g *AddrGraph) (flow, addrs func(io.Writer, ExportOptions) error)) []exportCase {
	var cs []exportCase
	for _, rc := range []struct {
		name string
		r    *randFlow
	}{
		{"hand", handRegion()},
		{"random", randomFlow(31, 1000)},
		{"backward", func() *randFlow {
			r := randomFlow(32, 120)
			ms := make([]Member, r.flow.Len())
			for i := range ms {
				ms[i] = Member{Tx: r.flow.At(i), Hop: r.flow.Hop(i)}
			}
			r.flow = New(chain.Mainnet, false, r.seeds, ms)
			return r
		}()},
	} {
		g := rc.r.flow.Addresses()
		fw, aw := pick(rc.r.flow, g)
		for _, opt := range []ExportOptions{{}, {Name: "case 7 <\"theft\">", Taint: testTaint}} {
			suffix := ""
			if opt.Taint != nil {
				suffix = "+taint"
			}
			cs = append(cs,
				exportCase{name: rc.name + "/flow" + suffix, r: rc.r, opt: opt, view: "flow", write: fw, want: wantFlow(rc.r, opt)},
				exportCase{name: rc.name + "/addresses" + suffix, r: rc.r, opt: opt, view: "addresses", write: aw, want: wantAddrs(rc.r, g, opt)},
			)
		}
	}
	return cs
}

// checkDeterministic checks that write gives the same bytes twice, for
// the same region handed over in another order, and for its address view
// built again (gonum's simple graphs iterate maps).
func checkDeterministic(t *testing.T, write func(f *Flow, g *AddrGraph, w io.Writer) error) {
	t.Helper()
	r := randomFlow(44, 200)
	out := func(f *Flow, g *AddrGraph) []byte {
		var b bytes.Buffer
		if err := write(f, g, &b); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	want := out(r.flow, r.flow.Addresses())
	if again := out(r.flow, r.flow.Addresses()); !bytes.Equal(want, again) {
		t.Fatalf("two calls differ")
	}
	rng := rand.New(rand.NewPCG(44, 1))
	for range 3 {
		ms := make([]Member, r.flow.Len())
		for i := range ms {
			ms[i] = Member{Tx: r.flow.At(i), Hop: r.flow.Hop(i)}
		}
		rng.Shuffle(len(ms), func(i, j int) { ms[i], ms[j] = ms[j], ms[i] })
		f := New(chain.Regtest, true, r.seeds, ms)
		if got := out(f, f.Addresses()); !bytes.Equal(got, want) {
			t.Fatalf("the same region handed over in another order writes other bytes")
		}
	}
}

// failWriter fails every write once it has taken n bytes.
type failWriter struct {
	n, calls int
}

var errFull = errors.New("disk full")

func (w *failWriter) Write(p []byte) (int, error) {
	if w.n <= 0 {
		w.calls++
		return 0, errFull
	}
	k := min(len(p), w.n)
	w.n -= k
	if k < len(p) {
		w.calls++
		return k, errFull
	}
	return k, nil
}

// checkWriteError checks that write returns the writer's error, and stops
// writing soon after it.
func checkWriteError(t *testing.T, write func(f *Flow, g *AddrGraph, w io.Writer) error) {
	t.Helper()
	r := randomFlow(45, 300)
	for _, n := range []int{0, 100, 5000} {
		w := &failWriter{n: n}
		if err := write(r.flow, r.flow.Addresses(), w); !errors.Is(err, errFull) {
			t.Errorf("after %d bytes: got %v, want %v", n, err, errFull)
		}
		if w.calls > 2 {
			t.Errorf("after %d bytes: %d writes after the first error", n, w.calls-1)
		}
	}
}
