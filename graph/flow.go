package graph

import (
	"cmp"
	"slices"
	"sync"

	"github.com/plumetrace/plume/chain"
)

// Member is a transaction of a traced region and the hop at which the trace
// reached it (0 for the transactions holding the seeds).
type Member struct {
	Tx  *chain.Tx
	Hop int
}

// Flow is the flow of coins through a traced region: its transactions,
// every output they create, and every output they spend. Transactions are
// kept in chain order, so index i of At, Hop and friends is also a
// topological position: hot loops (taint, timelines) walk indexes, never
// the graph interface.
//
// A Flow is immutable once built and safe for concurrent use. Its
// transactions are shared, not copied: do not modify them.
type Flow struct {
	params  *chain.Params
	forward bool
	seeds   []chain.OutPoint // sorted
	txs     []*chain.Tx      // sorted by ID
	ids     []chain.TxID     // txs[i].ID, for cache-friendly search
	hops    []int32

	once sync.Once
	ext  []extOut // spent outputs whose transaction is outside the region, by node
	// nodes lists every node ID in order; built on first use by the gonum
	// interface, which most callers never touch.
	nodes []int64
	edges int

	srcOnce sync.Once
	byHash  map[[32]byte][]chain.TxID
	byAddr  map[chain.Address][]chain.Appearance
}

// extOut is an output spent by a region transaction but created outside
// the region.
type extOut struct {
	out  chain.OutPoint
	prev *chain.Prevout
	by   chain.InPoint
}

// New builds the flow of members. seeds are the traced outputs (or, for a
// backward trace, the outputs traced back from); forward says which way the
// hops count. p formats addresses in exports; nil means chain.Mainnet.
// Duplicate members keep the smallest hop.
func New(p *chain.Params, forward bool, seeds []chain.OutPoint, members []Member) *Flow {
	if p == nil {
		p = chain.Mainnet
	}
	ms := slices.Clone(members)
	slices.SortFunc(ms, func(a, b Member) int {
		if c := cmp.Compare(a.Tx.ID, b.Tx.ID); c != 0 {
			return c
		}
		return cmp.Compare(a.Hop, b.Hop)
	})
	ms = slices.CompactFunc(ms, func(a, b Member) bool { return a.Tx.ID == b.Tx.ID })
	f := &Flow{
		params:  p,
		forward: forward,
		seeds:   slices.Clone(seeds),
		txs:     make([]*chain.Tx, len(ms)),
		ids:     make([]chain.TxID, len(ms)),
		hops:    make([]int32, len(ms)),
	}
	slices.SortFunc(f.seeds, cmpOut)
	f.seeds = slices.Compact(f.seeds)
	for i, m := range ms {
		f.txs[i], f.ids[i], f.hops[i] = m.Tx, m.Tx.ID, int32(m.Hop)
	}
	return f
}

func cmpOut(a, b chain.OutPoint) int { return cmp.Compare(a.Node(), b.Node()) }

// Params returns the network the flow formats addresses for.
func (f *Flow) Params() *chain.Params { return f.params }

// Forward reports whether the flow was traced forward (hops count spends
// away from the seeds) or backward (hops count funding steps towards them).
func (f *Flow) Forward() bool { return f.forward }

// Seeds returns the seed outputs in chain order. Do not modify the slice.
func (f *Flow) Seeds() []chain.OutPoint { return f.seeds }

// IsSeed reports whether o is a seed output.
func (f *Flow) IsSeed(o chain.OutPoint) bool {
	_, ok := slices.BinarySearchFunc(f.seeds, o, cmpOut)
	return ok
}

// Len returns the number of transactions.
func (f *Flow) Len() int { return len(f.txs) }

// At returns the transaction at index i (chain order).
func (f *Flow) At(i int) *chain.Tx { return f.txs[i] }

// Hop returns the hop of the transaction at index i.
func (f *Flow) Hop(i int) int { return int(f.hops[i]) }

// Index returns the index of transaction id, or -1 if it is not in the
// flow.
func (f *Flow) Index(id chain.TxID) int {
	if i, ok := slices.BinarySearch(f.ids, id); ok {
		return i
	}
	return -1
}

// Txs returns the transactions in chain order. Do not modify the slice.
func (f *Flow) Txs() []*chain.Tx { return f.txs }

// Contains reports whether transaction id is in the flow.
func (f *Flow) Contains(id chain.TxID) bool { return f.Index(id) >= 0 }

// Spender returns the index of the transaction in the flow that spends
// output o, or -1 when o is unspent or spent outside the flow.
func (f *Flow) Spender(o chain.OutPoint) int {
	i := f.Index(o.Tx)
	if i < 0 || int(o.Vout) >= len(f.txs[i].SpentBy) {
		return -1
	}
	by := f.txs[i].SpentBy[o.Vout]
	if by.IsZero() {
		return -1
	}
	return f.Index(by.Tx)
}

// index builds the lookup structures of the gonum view.
func (f *Flow) index() {
	f.once.Do(func() {
		for _, tx := range f.txs {
			for vin := range tx.Prevouts {
				p := &tx.Prevouts[vin]
				if p.Out.IsZero() || f.Contains(p.Out.Tx) {
					continue
				}
				f.ext = append(f.ext, extOut{out: p.Out, prev: p, by: chain.InPoint{Tx: tx.ID, Vin: uint32(vin)}})
			}
		}
		slices.SortFunc(f.ext, func(a, b extOut) int { return cmpOut(a.out, b.out) })
		// The same external output can be spent only once; keep one entry
		// even if inconsistent data names it twice.
		f.ext = slices.CompactFunc(f.ext, func(a, b extOut) bool { return a.out == b.out })
		n := len(f.ext)
		for _, tx := range f.txs {
			n += 1 + len(tx.Msg.TxOut)
		}
		f.nodes = make([]int64, 0, n)
		for _, tx := range f.txs {
			f.nodes = append(f.nodes, tx.ID.Node())
			for vout := range tx.Msg.TxOut {
				f.nodes = append(f.nodes, tx.ID.Out(uint32(vout)).Node())
				f.edges++ // tx -> output
			}
			for vin := range tx.Prevouts {
				if o := tx.Prevouts[vin].Out; !o.IsZero() && (f.Contains(o.Tx) || f.extIndex(o) >= 0) {
					f.edges++ // output -> spender
				}
			}
		}
		for _, e := range f.ext {
			f.nodes = append(f.nodes, e.out.Node())
		}
		slices.Sort(f.nodes)
	})
}

func (f *Flow) extIndex(o chain.OutPoint) int {
	if i, ok := slices.BinarySearchFunc(f.ext, o, func(e extOut, o chain.OutPoint) int { return cmpOut(e.out, o) }); ok {
		return i
	}
	return -1
}

// NumNodes returns the number of nodes: transactions, their outputs, and
// the outputs they spend from outside the region.
func (f *Flow) NumNodes() int {
	f.index()
	return len(f.nodes)
}

// NumEdges returns the number of edges: one from each transaction to each
// of its outputs and one from each spent output in the flow to its spender.
func (f *Flow) NumEdges() int {
	f.index()
	return f.edges
}
