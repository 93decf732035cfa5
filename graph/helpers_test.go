package graph

import (
	"math/rand/v2"
	"slices"
	"time"

	"github.com/plumetrace/plume/chain"
	"github.com/plumetrace/plume/internal/flowtest"
)

// Test data: hand-made resolved transactions from internal/flowtest.

type world = flowtest.World

func pay(to chain.Address, value int64) flowtest.Pay { return flowtest.Pay{To: to, Value: value} }

const btc = flowtest.BTC

func addr(i int) chain.Address { return flowtest.Addr(i) }

func blockTime(h int32) time.Time { return flowtest.BlockTime(h) }

func newWorld() *world { return flowtest.NewWorld() }

// ins is shorthand for a list of spent outputs.
func ins(os ...chain.OutPoint) []chain.OutPoint { return os }

// at returns members of the given hop.
func at(hop int, txs ...*chain.Tx) []Member {
	ms := make([]Member, len(txs))
	for i, tx := range txs {
		ms[i] = Member{Tx: tx, Hop: hop}
	}
	return ms
}

// handFlow is a small region with every case the gonum view has:
//
//	E (100:1, outside)  A 5 BTC, B 1 BTC
//	T1 (101:2, hop 0)   spends E:0; pays C 3 BTC (the seed), D 1.9999
//	O (101:3, outside)  spends T1:1; pays F
//	T2 (102:1, hop 1)   spends T1:0 and E:1; pays G 2 BTC, C 1.9998
//	T3 (103:5, hop 2)   spends T2:0; pays H 1.9999
//
// so E:0 and E:1 are outside outputs the flow spends, T1:1 is spent
// outside the flow, and T2:1 and T3:0 are unspent.
type handFlow struct {
	w                *world
	E, T1, O, T2, T3 *chain.Tx
	A, B, C, D, F    chain.Address
	G, H             chain.Address
	members          []Member
	seed             chain.OutPoint
}

func newHandFlow() *handFlow {
	h := &handFlow{w: newWorld(), A: addr(1), B: addr(2), C: addr(3), D: addr(4), F: addr(5), G: addr(6), H: addr(7)}
	w := h.w
	h.E = w.Tx(100, 1, nil, pay(h.A, 5*btc), pay(h.B, 1*btc))
	h.T1 = w.Tx(101, 2, ins(h.E.ID.Out(0)), pay(h.C, 3*btc), pay(h.D, 199_990_000))
	h.O = w.Tx(101, 3, ins(h.T1.ID.Out(1)), pay(h.F, 199_980_000))
	h.T2 = w.Tx(102, 1, ins(h.T1.ID.Out(0), h.E.ID.Out(1)), pay(h.G, 2*btc), pay(h.C, 199_980_000))
	h.T3 = w.Tx(103, 5, ins(h.T2.ID.Out(0)), pay(h.H, 199_990_000))
	h.seed = h.T1.ID.Out(0)
	// Out of order, with duplicates at larger hops, as a trace may hand
	// them over.
	h.members = slices.Concat(at(2, h.T3), at(3, h.T2), at(0, h.T1), at(1, h.T2), at(2, h.T1))
	return h
}

func (h *handFlow) flow() *Flow {
	return New(nil, true, []chain.OutPoint{h.seed}, h.members)
}

// randFlow is a random region: seed transactions funded from outside,
// then transactions that each spend at least one earlier output of the
// region, some also spending outside outputs, and outside transactions
// spending some of the region's outputs.
type randFlow struct {
	w       *world
	flow    *Flow
	members []*chain.Tx // chain order
	seeds   []chain.OutPoint
}

// randomFlow makes a random region of n transactions (see
// flowtest.Random) and its flow, members handed over in random order, the
// same for the same seed.
func randomFlow(seed uint64, n int) *randFlow {
	reg := flowtest.Random(seed, n)
	r := &randFlow{w: reg.World, members: reg.Txs, seeds: reg.Seeds}
	ms := make([]Member, len(r.members))
	for i, tx := range r.members {
		ms[i] = Member{Tx: tx, Hop: reg.Hops[tx.ID]}
	}
	rng := rand.New(rand.NewPCG(seed, 1))
	rng.Shuffle(len(ms), func(i, j int) { ms[i], ms[j] = ms[j], ms[i] })
	r.flow = New(chain.Regtest, true, r.seeds, ms)
	return r
}

// spec is the gonum view of a region worked out from the transactions
// alone, without the Flow.
type spec struct {
	nodes []int64            // ascending
	edges map[[2]int64]int64 // from, to -> value in satoshi
	ext   map[chain.OutPoint]chain.Prevout
}

func specOf(members []*chain.Tx) spec {
	in := make(map[chain.TxID]*chain.Tx, len(members))
	for _, tx := range members {
		in[tx.ID] = tx
	}
	s := spec{edges: make(map[[2]int64]int64), ext: make(map[chain.OutPoint]chain.Prevout)}
	for _, tx := range members {
		s.nodes = append(s.nodes, tx.ID.Node())
		for v, o := range tx.Msg.TxOut {
			out := tx.ID.Out(uint32(v)).Node()
			s.nodes = append(s.nodes, out)
			s.edges[[2]int64{tx.ID.Node(), out}] = o.Value
		}
		for _, p := range tx.Prevouts {
			if p.Out.IsZero() {
				continue
			}
			if in[p.Out.Tx] == nil {
				s.ext[p.Out] = p
				s.nodes = append(s.nodes, p.Out.Node())
			}
			s.edges[[2]int64{p.Out.Node(), tx.ID.Node()}] = p.Value
		}
	}
	slices.Sort(s.nodes)
	return s
}

// downstream returns the node IDs reachable from output o by following
// spends within the region, o included, walking SpentBy.
func downstream(members []*chain.Tx, o chain.OutPoint) map[int64]bool {
	in := make(map[chain.TxID]*chain.Tx, len(members))
	for _, tx := range members {
		in[tx.ID] = tx
	}
	seen := map[int64]bool{o.Node(): true}
	for stack := []chain.OutPoint{o}; len(stack) > 0; {
		o := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		creator := in[o.Tx]
		if creator == nil {
			continue
		}
		by := creator.SpentBy[o.Vout]
		spender := in[by.Tx]
		if by.IsZero() || spender == nil || seen[spender.ID.Node()] {
			continue
		}
		seen[spender.ID.Node()] = true
		for v := range spender.Msg.TxOut {
			next := spender.ID.Out(uint32(v))
			seen[next.Node()] = true
			stack = append(stack, next)
		}
	}
	return seen
}
