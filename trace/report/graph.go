package report

import (
	"cmp"
	"slices"
	"strconv"
	"strings"

	"github.com/plumetrace/plume/chain"
	"github.com/plumetrace/plume/graph"
)

// Graph is the flow as the HTML report draws it: transactions, and the
// outputs that end a path (held, dormant, exit, beyond) as nodes of their
// own; an edge from a transaction to each transaction it pays (parallel
// spends folded into one) and to each such output. A large flow is cut to
// MaxNodes nodes, keeping the seeds, the exits and the paths to the most
// stolen value (see Options.MaxNodes).
type Graph struct {
	Nodes []Node `json:"nodes"`
	Edges []Edge `json:"edges"`
	// FlowNodes is how many nodes the whole flow has; Capped is true when
	// fewer are drawn, at most MaxNodes (0: no cap).
	FlowNodes int  `json:"flow_nodes"`
	MaxNodes  int  `json:"max_nodes"`
	Capped    bool `json:"capped"`
}

// has reports whether the graph draws node id.
func (g Graph) has(id string) bool {
	return slices.ContainsFunc(g.Nodes, func(n Node) bool { return n.ID == id })
}

// Node is a transaction ("tx") or an output that ends a path (a
// destination kind). X and Y place it: hops run left to right.
type Node struct {
	ID      string   `json:"id"`
	Kind    string   `json:"kind"`
	Label   string   `json:"label"`
	TxID    string   `json:"txid"`
	Vout    *int     `json:"vout,omitempty"` // outputs only
	Block   BlockRef `json:"block"`
	Hop     int      `json:"hop"`
	Seed    bool     `json:"seed,omitempty"`
	Address string   `json:"address,omitempty"` // outputs only
	Exit    string   `json:"exit,omitempty"`    // the exit's label
	// Value is the output's value, or the sum of the transaction's
	// outputs; Taint its stolen part and Share Taint/Value.
	Value int64    `json:"value"`
	Taint *int64   `json:"taint,omitempty"`
	Share *float64 `json:"share,omitempty"`
	// Transactions only: the number of inputs, the fee when every input
	// is known, how the taint moved, and the outputs (the first
	// maxListedOutputs; MoreOutputs counts the rest).
	Inputs      int      `json:"inputs,omitempty"`
	Fee         *int64   `json:"fee,omitempty"`
	TxTaint     *TxTaint `json:"tx_taint,omitempty"`
	Outputs     []Output `json:"outputs,omitempty"`
	MoreOutputs int      `json:"more_outputs,omitempty"`
	X           float64  `json:"x"`
	Y           float64  `json:"y"`
}

// TxTaint is trace.TxTaint: In + Absorbed + Injected = Out + Fee.
type TxTaint struct {
	In       int64 `json:"in"`
	Out      int64 `json:"out"`
	Fee      int64 `json:"fee"`
	Injected int64 `json:"injected"`
	Absorbed int64 `json:"absorbed"`
}

// Output is one output of a drawn transaction.
type Output struct {
	Vout    int    `json:"vout"`
	Address string `json:"address"`
	Value   int64  `json:"value"`
	Taint   *int64 `json:"taint,omitempty"`
	// To says where it went: "flow" (a transaction of the flow spends it)
	// or a destination kind. Spender is then that transaction's txid.
	To      string `json:"to"`
	Spender string `json:"spender,omitempty"`
	// Node is the drawn node it leads to (its own, or its spender's); ""
	// when that node is not drawn.
	Node string `json:"node,omitempty"`
}

// Edge carries value from a transaction to a transaction or an output.
type Edge struct {
	ID     string `json:"id"`
	Source string `json:"source"`
	Target string `json:"target"`
	Value  int64  `json:"value"`
	Taint  *int64 `json:"taint,omitempty"`
}

// maxListedOutputs bounds the outputs a node lists: a payout transaction
// with thousands would swell the page.
const maxListedOutputs = 50

// Node IDs carry the chain node ID, so the same transaction or output has
// the same ID in every report of the chain.
func txNodeID(id chain.TxID) string     { return "t" + strconv.FormatInt(id.Node(), 10) }
func outNodeID(o chain.OutPoint) string { return "o" + strconv.FormatInt(o.Node(), 10) }
func edgeID(from, to string) string     { return "e" + from + "-" + to }

func itoa(i int) string { return strconv.Itoa(i) }

// shorten keeps the start of a txid or address for a node's label.
func shorten(s string) string { return s[:min(len(s), 10)] + "…" }

func (b *builder) outIndex(i, v int) int { return b.f.OutBase(i) + v }

// txWeight ranks transactions when the graph must cut: the stolen value
// they pass on, or their value without a taint.
func (b *builder) txWeight(i int) int64 {
	if b.taint == nil {
		return b.f.At(i).OutValue()
	}
	return b.taint.Tx(i).Out
}

func (b *builder) maxNodes() int {
	if b.opts.MaxNodes == 0 {
		return DefaultMaxNodes
	}
	return b.opts.MaxNodes
}

// parents picks, for every transaction, the neighbour at an earlier hop
// that brought it the most (stolen) value: the path the graph keeps when
// it must cut. -1 for a transaction at hop 0 or with no such neighbour.
func (b *builder) parents() []int32 {
	f := b.f
	parent := make([]int32, f.Len())
	for i := range f.Len() {
		parent[i] = -1
		best := int64(-1)
		consider := func(j int32, w int64) {
			if j >= 0 && f.Hop(int(j)) < f.Hop(i) && w > best {
				parent[i], best = j, w
			}
		}
		if f.Forward() {
			for k, j := range f.Funders(i) {
				if j >= 0 {
					consider(j, b.weight(int(j), int(f.At(i).Prevouts[k].Out.Vout)))
				}
			}
			continue
		}
		// Backward, a transaction was reached from the ones it funds.
		for v, j := range f.Spenders(i) {
			consider(j, b.weight(i, v))
		}
	}
	return parent
}

// selection is the set of nodes the graph draws.
type selection struct {
	b       *builder
	parent  []int32
	tx      []bool         // by flow index
	out     map[int]bool   // by flow output index
	index   map[string]int // drawn node ID -> flow index of its transaction
	n, max  int
	scratch []int32
}

// addTx keeps transaction i and its path back to a root if the nodes it
// needs fit with reserve more (or force). It returns whether i is kept.
// The walk stops at the first kept transaction: paths are kept whole, so
// its own path is kept already.
func (s *selection) addTx(i int, force bool, reserve int) bool {
	need := s.scratch[:0]
	for j := int32(i); j >= 0 && !s.tx[j]; j = s.parent[j] {
		need = append(need, j)
		if !force && s.n+len(need)+reserve > s.max {
			return false
		}
	}
	for _, j := range need {
		s.tx[j] = true
	}
	s.n += len(need)
	s.scratch = need
	return true
}

// addOut keeps output v of transaction i, with its transaction's path.
func (s *selection) addOut(i, v int) {
	k := s.b.outIndex(i, v)
	if s.out[k] {
		return
	}
	if s.n+1 > s.max || !s.addTx(i, false, 1) {
		return
	}
	s.out[k] = true
	s.n++
}

func (b *builder) graph() Graph {
	f := b.f
	type term struct {
		i, v int
		w    int64
		exit bool
	}
	var terms []term
	for i := range f.Len() {
		for v := range f.At(i).Msg.TxOut {
			if k := b.outIndex(i, v); f.Forward() && b.kinds[k].terminal() {
				terms = append(terms, term{i, v, b.weight(i, v), b.kinds[k] == outExit})
			}
		}
	}
	total := f.Len() + len(terms)
	s := &selection{b: b, parent: b.parents(), tx: make([]bool, f.Len()), out: map[int]bool{}, index: map[string]int{}, max: b.maxNodes()}
	g := Graph{FlowNodes: total, MaxNodes: max(b.maxNodes(), 0), Nodes: []Node{}, Edges: []Edge{}}
	if b.maxNodes() < 0 || total <= b.maxNodes() {
		s.max = total
		for i := range f.Len() {
			s.addTx(i, true, 0)
		}
		for _, t := range terms {
			s.addOut(t.i, t.v)
		}
	} else {
		// The seeds always; then the exits and the outputs holding the
		// most stolen value, each with its path; then the rest by hop, so
		// that every kept transaction's path is kept too.
		for _, o := range f.Seeds() {
			s.addTx(f.Index(o.Tx), true, 0)
		}
		slices.SortStableFunc(terms, func(x, y term) int {
			if x.exit != y.exit {
				if x.exit {
					return -1
				}
				return 1
			}
			return cmp.Compare(y.w, x.w)
		})
		for _, t := range terms {
			s.addOut(t.i, t.v)
		}
		order := make([]int, f.Len())
		for i := range order {
			order[i] = i
		}
		slices.SortStableFunc(order, func(x, y int) int {
			if c := cmp.Compare(f.Hop(x), f.Hop(y)); c != 0 {
				return c
			}
			return cmp.Compare(b.txWeight(y), b.txWeight(x))
		})
		for _, i := range order {
			if s.n >= s.max {
				break
			}
			s.addTx(i, false, 0)
		}
	}
	g.Capped = s.n < total
	b.nodes(&g, s)
	b.edges(&g, s)
	layout(g.Nodes, s, b)
	return g
}

// nodes fills g with the selected nodes in chain order, each transaction
// followed by its drawn outputs.
func (b *builder) nodes(g *Graph, s *selection) {
	f := b.f
	seedTx := map[chain.TxID]bool{}
	for _, o := range f.Seeds() {
		seedTx[o.Tx] = true
	}
	for i := range f.Len() {
		if !s.tx[i] {
			continue
		}
		tx := f.At(i)
		n := Node{ID: txNodeID(tx.ID), Kind: "tx", TxID: tx.Hash.String(), Block: blockOf(tx), Hop: f.Hop(i),
			Seed: seedTx[tx.ID], Value: tx.OutValue(), Inputs: len(tx.Msg.TxIn)}
		// Two short lines: labels must fit between the columns.
		n.Label = itoa(int(tx.Height())) + "\n" + shorten(n.TxID)
		if fee, ok := tx.Fee(); ok {
			n.Fee = &fee
		}
		if b.taint != nil {
			tt := b.taint.Tx(i)
			n.TxTaint = &TxTaint{In: tt.In, Out: tt.Out, Fee: tt.Fee, Injected: tt.Injected, Absorbed: tt.Absorbed}
			n.Taint, n.Share = ptr(tt.Out), ptr(b.taint.TxShare(i))
		}
		spenders := f.Spenders(i)
		for v, o := range tx.Msg.TxOut {
			if v == maxListedOutputs {
				n.MoreOutputs = len(tx.Msg.TxOut) - v
				break
			}
			k := b.outIndex(i, v)
			out := Output{Vout: v, Address: b.p.Format(tx.OutAddr(v)), Value: o.Value, To: outKindNames[b.kinds[k]]}
			if t, ok := b.outTaint(i, v); ok {
				out.Taint = &t
			}
			if j := spenders[v]; j >= 0 {
				out.Spender = f.At(int(j)).Hash.String()
				if s.tx[j] {
					out.Node = txNodeID(f.At(int(j)).ID)
				}
			}
			if s.out[k] {
				out.Node = outNodeID(tx.ID.Out(uint32(v)))
			}
			n.Outputs = append(n.Outputs, out)
		}
		g.Nodes = append(g.Nodes, n)
		s.index[n.ID] = i
		for v, o := range tx.Msg.TxOut {
			k := b.outIndex(i, v)
			if !s.out[k] {
				continue
			}
			a := tx.OutAddr(v)
			on := Node{ID: outNodeID(tx.ID.Out(uint32(v))), Kind: outKindNames[b.kinds[k]], TxID: n.TxID, Vout: ptr(v),
				Block: n.Block, Hop: n.Hop, Address: b.p.Format(a), Value: o.Value}
			on.Exit, _ = b.exitLabel(tx, v)
			if t, ok := b.outTaint(i, v); ok {
				on.Taint, on.Share = &t, ptr(ratio(t, o.Value))
			}
			on.Label = shorten(on.Address) + "\n" + btcShort(o.Value)
			g.Nodes = append(g.Nodes, on)
			s.index[on.ID] = i
		}
	}
}

func ratio(a, b int64) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// btcShort writes satoshi as BTC without trailing zeros: "10 BTC".
func btcShort(sat int64) string {
	s := strings.TrimRight(strings.TrimRight(graph.BTC(sat), "0"), ".")
	return s + " BTC"
}

// edges folds the spends between drawn transactions into one edge per
// pair, and adds an edge to every drawn output.
func (b *builder) edges(g *Graph, s *selection) {
	f := b.f
	for j := range f.Len() {
		if !s.tx[j] {
			continue
		}
		to := f.At(j)
		type agg struct {
			value, taint int64
		}
		from := map[int32]*agg{}
		var order []int32
		for k, i := range f.Funders(j) {
			if i < 0 || !s.tx[i] {
				continue
			}
			a := from[i]
			if a == nil {
				a = &agg{}
				from[i] = a
				order = append(order, i)
			}
			p := to.Prevouts[k]
			a.value += p.Value
			if t, ok := b.outTaint(int(i), int(p.Out.Vout)); ok && b.kinds[b.outIndex(int(i), int(p.Out.Vout))] != outExit {
				a.taint += t
			}
		}
		slices.Sort(order)
		for _, i := range order {
			src, dst := txNodeID(f.At(int(i)).ID), txNodeID(to.ID)
			e := Edge{ID: edgeID(src, dst), Source: src, Target: dst, Value: from[i].value}
			if b.taint != nil {
				e.Taint = ptr(from[i].taint)
			}
			g.Edges = append(g.Edges, e)
		}
	}
	for i := range f.Len() {
		tx := f.At(i)
		for v, o := range tx.Msg.TxOut {
			if !s.out[b.outIndex(i, v)] {
				continue
			}
			src, dst := txNodeID(tx.ID), outNodeID(tx.ID.Out(uint32(v)))
			e := Edge{ID: edgeID(src, dst), Source: src, Target: dst, Value: o.Value}
			if t, ok := b.outTaint(i, v); ok {
				e.Taint = &t
			}
			g.Edges = append(g.Edges, e)
		}
	}
}
