package trace

import (
	"cmp"
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	gograph "gonum.org/v1/gonum/graph"
	"gonum.org/v1/gonum/graph/community"

	"github.com/plumetrace/plume/chain"
	"github.com/plumetrace/plume/graph"
	"github.com/plumetrace/plume/trace/heuristic"
)

// DefaultMaxCommunityNodes caps the reduced graph Communities runs Louvain
// on. gonum's Louvain grows about as n^2.1 on address graphs (20,000
// nodes took 7.6 s and 80,000 took 139 s on the developers' 2-core
// machine, through gonum's map-based graphs; the compact graph here ran a
// 53,000-node dispersion unreduced in 5.5 s) and cannot be cancelled, so
// the cap keeps one call within seconds whatever the graph's shape.
const DefaultMaxCommunityNodes = 20_000

// CommunityOptions tune Communities. The zero value reduces by co-spending
// and peel chains and folds pendant addresses, at resolution 1 with seed 0.
type CommunityOptions struct {
	// Resolution is the modularity resolution γ; 0 means 1. Larger
	// values make smaller communities.
	Resolution float64
	// Seed drives Louvain's node order: the same flow, options and seed
	// give the same communities.
	Seed uint64
	// Clusters, when set, collapses the addresses of each common-input
	// cluster it knows, on top of the flow's own co-spending.
	Clusters Clusters
	// NoCoSpend, NoPeelChains and NoPendants turn reductions off (see
	// Communities).
	NoCoSpend, NoPeelChains, NoPendants bool
	// PeelMinLength is the shortest peel chain collapsed; 0 means
	// DefaultPeelMinLength.
	PeelMinLength int
	// MaxNodes caps the reduced graph; 0 means DefaultMaxCommunityNodes.
	// Past it, the nodes that moved the least value are left out
	// (Partition.Capped).
	MaxNodes int
	// Taint, when set, fills in each community's taint.
	Taint *Taint
}

// Partition is the communities of a flow's addresses.
type Partition struct {
	// Groups are the communities, most value received first.
	Groups []Community
	// Addresses counts the addresses of the flow's projection; Nodes the
	// nodes left after the reductions, Louvain's input; Reduced how many
	// addresses each reduction merged away (Addresses = Nodes + the sum).
	Addresses, Nodes int
	Reduced          Reduction
	// Capped is true when Nodes passed MaxNodes: Dropped nodes, holding
	// DroppedAddrs addresses that received DroppedValue, are in no group.
	Capped                bool
	Dropped, DroppedAddrs int
	DroppedValue          int64
	// Modularity is Q of the groups over the address projection's
	// undirected weights.
	Modularity float64
	// Louvain is the time gonum's Modularize took.
	Louvain time.Duration
	group   map[chain.Address]int
}

// Reduction counts the addresses each reduction merged into another node.
type Reduction struct {
	CoSpend    int // funded a flow transaction (not a CoinJoin) together
	Clusters   int // in one common-input cluster (CommunityOptions.Clusters)
	PeelChains int // along one peel chain
	Pendants   int // linked to one node only, folded into it
}

// Community is one group of addresses.
type Community struct {
	// Addrs are its addresses in order of first appearance in the flow.
	Addrs []chain.Address
	// Nodes counts the reduced nodes Louvain put together.
	Nodes int
	// Received is the value the flow paid its addresses, Held what of it
	// is unspent; Taint and TaintHeld the same in stolen value
	// (CommunityOptions.Taint).
	Received, Held   int64
	Taint, TaintHeld int64
	// Seed is true when a seed output pays one of its addresses.
	Seed bool
}

// Of returns the index in Groups of the community holding address a, or
// -1 (not in the flow, or left out by the cap).
func (p *Partition) Of(a chain.Address) int {
	if i, ok := p.group[a]; ok {
		return i
	}
	return -1
}

// Communities finds groups of addresses in a flow that move coins mostly
// among themselves: gonum's Louvain (community.Modularize) on the flow's
// address projection (graph.Flow.Addresses), taken as undirected (who
// paid whom says little about who belongs together) and reduced first.
//
// Louvain costs about n^2.1 in nodes, so the graph shrinks before it
// runs. Addresses one owner controls become one node: those that fund a
// flow transaction together (common-input ownership, CoinJoins excluded by
// heuristic.CoinJoin), those CommunityOptions.Clusters puts in one
// cluster, and those along a peel chain (each step's input and remainder
// addresses; its payees are other people). Then pendant nodes, linked to
// one node only and with no value moved inside them (the payees of a
// dispersion), fold into that node: moving such a node into its
// neighbour's community never lowers modularity at resolution <= 1, so
// some best partition has it there (skipped above 1). The value moved inside a node is kept as the weight
// of an edge to a twin node of its own, because gonum's Modularize reads no
// self-loops at its first level: modularity on the reduced graph is then
// modularity on the projection. If more than MaxNodes nodes remain, the
// ones that moved least value are left out and Capped says so.
//
// The context is checked between the steps and between cluster lookups;
// Louvain itself runs to the end.
func Communities(ctx context.Context, f *graph.Flow, opts CommunityOptions) (*Partition, error) {
	if opts.Resolution == 0 {
		opts.Resolution = 1
	}
	if opts.MaxNodes <= 0 {
		opts.MaxNodes = DefaultMaxCommunityNodes
	}
	ag := f.Addresses()
	addrs := ag.AddrNodes()
	n := len(addrs)
	index := make(map[chain.Address]int32, n)
	byID := make(map[int64]int32, n)
	for k, a := range addrs {
		index[a.Addr], byID[a.ID()] = int32(k), int32(k)
	}
	// The projection's edges in a fixed order: float sums must not depend
	// on map order if the same seed is to give the same groups.
	var edges []wedge
	for it := ag.WeightedEdges(); it.Next(); {
		e := it.WeightedEdge()
		edges = append(edges, wedge{byID[e.From().ID()], byID[e.To().ID()], e.Weight()})
	}
	slices.SortFunc(edges, func(x, y wedge) int {
		return cmp.Or(cmp.Compare(x.a, y.a), cmp.Compare(x.b, y.b))
	})
	p := &Partition{Addresses: n}
	u := newUnion(n)
	if !opts.NoCoSpend {
		p.Reduced.CoSpend = coSpend(f, index, u)
	}
	if opts.Clusters != nil {
		merged, err := lookupClusters(ctx, opts.Clusters, addrs, u)
		if err != nil {
			return nil, err
		}
		p.Reduced.Clusters = merged
	}
	if !opts.NoPeelChains {
		p.Reduced.PeelChains = collapseChains(f, opts.PeelMinLength, index, u)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	r := reduce(n, edges, u)
	if !opts.NoPendants && opts.Resolution <= 1 {
		p.Reduced.Pendants = r.foldPendants(u)
		r = reduce(n, edges, u)
	}
	p.Nodes = r.n
	keep := r.capTo(opts.MaxNodes)
	p.Capped = keep != nil
	g, back := r.louvainGraph(keep)
	start := time.Now()
	parts := community.Modularize(g, opts.Resolution, rand.NewPCG(opts.Seed, 0x706c756d65)).Communities()
	p.Louvain = time.Since(start)
	of := p.groups(f, addrs, r, parts, back, opts)
	p.Modularity = r.modularity(of, opts.Resolution)
	return p, nil
}

// coSpend merges the input addresses of every flow transaction that is
// not a CoinJoin and returns the merges.
func coSpend(f *graph.Flow, index map[chain.Address]int32, u *union) int {
	merged := 0
	for _, tx := range f.Txs() {
		if len(tx.Prevouts) < 2 {
			continue
		}
		if _, cj := heuristic.CoinJoin(tx); cj {
			continue
		}
		first := int32(-1)
		for _, p := range tx.Prevouts {
			if !p.Resolved {
				continue
			}
			k, ok := index[p.Addr]
			if !ok {
				continue
			}
			if first < 0 {
				first = k
			} else if u.join(first, k) {
				merged++
			}
		}
	}
	return merged
}

// lookupClusters merges the addresses c puts in one cluster.
func lookupClusters(ctx context.Context, c Clusters, addrs []*graph.AddrNode, u *union) (int, error) {
	merged := 0
	first := map[uint64]int32{}
	for k, a := range addrs {
		if k%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return 0, err
			}
		}
		id, _, known, err := clusterOf(ctx, c, a.Addr)
		if err != nil {
			return 0, fmt.Errorf("trace: cluster of %v: %w", a.Addr, err)
		}
		if !known {
			continue
		}
		if j, ok := first[id]; !ok {
			first[id] = int32(k)
		} else if u.join(j, int32(k)) {
			merged++
		}
	}
	return merged, nil
}

// collapseChains merges the input and remainder addresses along each peel
// chain.
func collapseChains(f *graph.Flow, minLen int, index map[chain.Address]int32, u *union) int {
	merged := 0
	for _, c := range PeelChains(f, PeelOptions{MinLength: minLen}) {
		first := int32(-1)
		for k, tx := range c.Txs {
			var ks []int32
			if x, ok := index[tx.OutAddr(int(1-c.Payments[k].Out.Vout))]; ok {
				ks = append(ks, x)
			}
			if x, ok := index[tx.Prevouts[0].Addr]; ok && tx.Prevouts[0].Resolved {
				ks = append(ks, x)
			}
			for _, x := range ks {
				if first < 0 {
					first = x
				} else if u.join(first, x) {
					merged++
				}
			}
		}
	}
	return merged
}

// groups turns Louvain's communities into Groups, ranked by value
// received (ties by first appearance, not by Louvain's numbering, which
// follows the seed's shuffles), and returns each reduced node's group (-1
// when left out by the cap).
func (p *Partition) groups(f *graph.Flow, addrs []*graph.AddrNode, r *reduced, parts [][]gograph.Node, back []int32, opts CommunityOptions) []int32 {
	of := make([]int32, r.n)
	for i := range of {
		of[i] = -1
	}
	for gi, part := range parts {
		for _, nd := range part {
			if x := back[nd.ID()]; x >= 0 { // not a twin
				of[x] = int32(gi)
			}
		}
	}
	gs := make([]Community, len(parts))
	first := make([]int, len(parts)) // each group's first address
	for k, a := range addrs {
		gi := of[r.node[k]]
		if gi < 0 {
			p.DroppedAddrs++
			p.DroppedValue += a.Received
			continue
		}
		g := &gs[gi]
		if len(g.Addrs) == 0 {
			first[gi] = k
		}
		g.Addrs = append(g.Addrs, a.Addr)
		g.Received += a.Received
		g.Seed = g.Seed || a.Seed
	}
	for x := range r.n {
		if of[x] >= 0 {
			gs[of[x]].Nodes++
		} else {
			p.Dropped++
		}
	}
	order := make([]int32, 0, len(gs))
	for gi := range gs {
		if len(gs[gi].Addrs) > 0 {
			order = append(order, int32(gi))
		}
	}
	slices.SortFunc(order, func(a, b int32) int {
		return cmp.Or(cmp.Compare(gs[b].Received, gs[a].Received), cmp.Compare(first[a], first[b]))
	})
	rank := make([]int32, len(gs))
	p.Groups = make([]Community, len(order))
	for i, gi := range order {
		rank[gi] = int32(i)
		p.Groups[i] = gs[gi]
	}
	p.group = make(map[chain.Address]int, len(addrs))
	for x := range of {
		if of[x] >= 0 {
			of[x] = rank[of[x]]
		}
	}
	for k, a := range addrs {
		if gi := of[r.node[k]]; gi >= 0 {
			p.group[a.Addr] = int(gi)
		}
	}
	for i := range f.Len() {
		tx := f.At(i)
		for v, o := range tx.Msg.TxOut {
			gi, ok := p.group[tx.OutAddr(v)]
			if !ok {
				continue
			}
			g := &p.Groups[gi]
			unspent := v < len(tx.SpentBy) && tx.SpentBy[v].IsZero()
			if unspent {
				g.Held += o.Value
			}
			if opts.Taint != nil {
				t := opts.Taint.Output(tx.ID.Out(uint32(v)))
				g.Taint += t
				if unspent {
					g.TaintHeld += t
				}
			}
		}
	}
	return of
}
