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
// Spends between the flow's transactions are read from the spenders'
// Prevouts, never from the creators' SpentBy: SpentBy says only what the
// source knew when it read the creator (nil from a source that does not
// track spends, zero for a spend it had not yet seen), while an input's
// previous output never changes.
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

	// The adjacency, built on first use: for every output of the flow (the
	// outputs of txs[i] start at outBase[i]) the input of the flow that
	// spends it (zero if none) and that input's transaction index (-1); for
	// every input (those of txs[i] start at inBase[i]) the index of the
	// transaction whose output it spends (-1 if outside the flow).
	adjOnce  sync.Once
	outBase  []int32
	inBase   []int32
	spentBy  []chain.InPoint
	spender  []int32
	funder   []int32
	internal int // spends between flow transactions

	once sync.Once
	ext  []extOut // spent outputs whose transaction is outside the region, by node
	// nodes lists every node ID in order; built on first use by the gonum
	// interface, which most callers never touch.
	nodes []int64
	edges int

	hashOnce, addrOnce sync.Once
	byHash             map[[32]byte][]chain.TxID
	byAddr             map[chain.Address][]chain.Appearance
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
	// Sort keys held inline, not through the Tx pointers: comparisons that
	// chase a pointer each miss the cache on large flows.
	type key struct {
		id  chain.TxID
		hop int32
		i   int32
	}
	keys := make([]key, len(members))
	for i, m := range members {
		keys[i] = key{m.Tx.ID, int32(m.Hop), int32(i)}
	}
	cmpKey := func(a, b key) int {
		if c := cmp.Compare(a.id, b.id); c != 0 {
			return c
		}
		return cmp.Compare(a.hop, b.hop)
	}
	if !slices.IsSortedFunc(keys, cmpKey) {
		slices.SortFunc(keys, cmpKey)
	}
	keys = slices.CompactFunc(keys, func(a, b key) bool { return a.id == b.id })
	f := &Flow{
		params:  p,
		forward: forward,
		seeds:   slices.Clone(seeds),
		txs:     make([]*chain.Tx, len(keys)),
		ids:     make([]chain.TxID, len(keys)),
		hops:    make([]int32, len(keys)),
	}
	slices.SortFunc(f.seeds, cmpOut)
	f.seeds = slices.Compact(f.seeds)
	for i, k := range keys {
		f.txs[i], f.ids[i], f.hops[i] = members[k.i].Tx, k.id, k.hop
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
// output o, which may be an output of the flow or one it spends from
// outside, or -1 when no transaction of the flow spends o.
func (f *Flow) Spender(o chain.OutPoint) int {
	by := f.spenderOf(o)
	if by.IsZero() {
		return -1
	}
	return f.Index(by.Tx)
}

// adjacency builds the flow's spend links from the spenders' Prevouts.
func (f *Flow) adjacency() {
	f.adjOnce.Do(func() {
		n := len(f.txs)
		f.outBase = make([]int32, n+1)
		f.inBase = make([]int32, n+1)
		for i, tx := range f.txs {
			f.outBase[i+1] = f.outBase[i] + int32(len(tx.Msg.TxOut))
			f.inBase[i+1] = f.inBase[i] + int32(len(tx.Prevouts))
		}
		f.spentBy = make([]chain.InPoint, f.outBase[n])
		f.spender = make([]int32, f.outBase[n])
		f.funder = make([]int32, f.inBase[n])
		for k := range f.spender {
			f.spender[k] = -1
		}
		for j, tx := range f.txs {
			for vin := range tx.Prevouts {
				o := tx.Prevouts[vin].Out
				f.funder[int(f.inBase[j])+vin] = -1
				i := f.Index(o.Tx)
				// Transactions walk in chain order, so if inconsistent data
				// names an output twice the first spender keeps it; data
				// naming a missing, own or later output is left out, and
				// the flow stays a DAG.
				if o.IsZero() || i < 0 || i >= j || int(o.Vout) >= len(f.txs[i].Msg.TxOut) {
					continue
				}
				if k := int(f.outBase[i]) + int(o.Vout); f.spentBy[k].IsZero() {
					f.spentBy[k] = chain.InPoint{Tx: tx.ID, Vin: uint32(vin)}
					f.spender[k] = int32(j)
					f.funder[int(f.inBase[j])+vin] = int32(i)
					f.internal++
				}
			}
		}
	})
}

// Spenders returns, for each output of the transaction at index i, the
// index of the flow transaction that spends it, or -1. Together with
// Funders it is the flow's adjacency in flow indexes, for loops that must
// not pay for maps or searches. The slice is shared: do not modify it.
func (f *Flow) Spenders(i int) []int32 {
	f.adjacency()
	return f.spender[f.outBase[i]:f.outBase[i+1]]
}

// OutBase returns the flow-wide index of output 0 of the transaction at
// index i: outputs are numbered 0..NumOutputs()-1 in chain order, so a
// per-output array indexed by OutBase(i)+vout is how hot loops such as
// taint keep state.
func (f *Flow) OutBase(i int) int {
	f.adjacency()
	return int(f.outBase[i])
}

// NumOutputs returns the number of outputs of the flow's transactions.
func (f *Flow) NumOutputs() int {
	f.adjacency()
	return int(f.outBase[len(f.txs)])
}

// Funders returns, for each input of the transaction at index i, the index
// of the flow transaction whose output it spends, or -1 when that output
// is outside the flow. The slice is shared: do not modify it.
func (f *Flow) Funders(i int) []int32 {
	f.adjacency()
	return f.funder[f.inBase[i]:f.inBase[i+1]]
}

// index builds the lookup structures of the gonum view.
func (f *Flow) index() {
	f.once.Do(func() {
		f.adjacency()
		for _, tx := range f.txs {
			for vin := range tx.Prevouts {
				p := &tx.Prevouts[vin]
				if !p.Out.IsZero() && f.Index(p.Out.Tx) < 0 {
					f.ext = append(f.ext, extOut{out: p.Out, prev: p, by: chain.InPoint{Tx: tx.ID, Vin: uint32(vin)}})
				}
			}
		}
		// The same external output can be spent only once; keep the first
		// spender even if inconsistent data names it twice (the sort is
		// stable, so the result does not depend on it).
		slices.SortStableFunc(f.ext, func(a, b extOut) int { return cmpOut(a.out, b.out) })
		f.ext = slices.CompactFunc(f.ext, func(a, b extOut) bool { return a.out == b.out })
		f.edges = len(f.spentBy) + f.internal + len(f.ext) // tx -> output, output -> spender
		f.nodes = make([]int64, 0, len(f.txs)+len(f.spentBy)+len(f.ext))
		for _, tx := range f.txs {
			f.nodes = append(f.nodes, tx.ID.Node())
			for vout := range tx.Msg.TxOut {
				f.nodes = append(f.nodes, tx.ID.Out(uint32(vout)).Node())
			}
		}
		for _, e := range f.ext {
			f.nodes = append(f.nodes, e.out.Node())
		}
		slices.Sort(f.nodes)
	})
}

func (f *Flow) extIndex(o chain.OutPoint) int {
	f.index()
	if i, ok := slices.BinarySearchFunc(f.ext, o, func(e extOut, o chain.OutPoint) int { return cmpOut(e.out, o) }); ok {
		return i
	}
	return -1
}

// inSpender returns the input of the flow that spends output vout of
// txs[i], zero if none.
func (f *Flow) inSpender(i int, vout uint32) chain.InPoint {
	f.adjacency()
	if int(vout) >= len(f.txs[i].Msg.TxOut) {
		return chain.InPoint{}
	}
	return f.spentBy[int(f.outBase[i])+int(vout)]
}

// spenderOf returns the input of the flow that spends o, an output of the
// flow or one it spends from outside; zero if none.
func (f *Flow) spenderOf(o chain.OutPoint) chain.InPoint {
	if i := f.Index(o.Tx); i >= 0 {
		return f.inSpender(i, o.Vout)
	}
	if j := f.extIndex(o); j >= 0 {
		return f.ext[j].by
	}
	return chain.InPoint{}
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
