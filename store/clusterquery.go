package store

import (
	"context"
	"fmt"
	"iter"
	"slices"
	"time"

	"github.com/plumetrace/plume/chain"
)

// Cluster is a set of addresses that common-input ownership puts under one
// owner: addresses that ever funded one transaction together (CoinJoins
// excluded), and the addresses those joined, transitively.
type Cluster struct {
	// ID is the cluster's smallest member's address ID: its first-seen
	// address. The same chain gives the same IDs however it was ingested.
	ID   AddrID
	Size int
	// First is that address and FirstSeen where and when it first
	// appeared (FirstSeen zero when it first appeared as an output from
	// below the store's first block).
	First     chain.Address
	FirstSeen chain.OutPoint
	FirstTime time.Time
}

// Cluster returns the cluster of address a. An address that never funded a
// transaction together with another is a cluster of one. The clustering
// reflects every block ingested so far, which may be a little ahead of a
// Snapshot taken earlier.
func (db *DB) Cluster(ctx context.Context, a chain.Address) (Cluster, error) {
	s := db.Snapshot()
	defer s.Close()
	id, err := s.AddressID(ctx, a)
	if err != nil {
		return Cluster{}, err
	}
	return db.clusterOf(ctx, s, id)
}

// ClusterByID returns the cluster with this ID (or the one holding the
// address with this ID).
func (db *DB) ClusterByID(ctx context.Context, id AddrID) (Cluster, error) {
	s := db.Snapshot()
	defer s.Close()
	return db.clusterOf(ctx, s, id)
}

func (db *DB) clusterOf(ctx context.Context, s *Snapshot, id AddrID) (Cluster, error) {
	if err := db.clustersLoaded(); err != nil {
		return Cluster{}, err
	}
	c := &db.clusters
	c.mu.RLock()
	cl := Cluster{ID: id, Size: 1}
	if int(id) < len(c.parent) {
		r := c.find(uint32(id))
		cl.ID, cl.Size = AddrID(c.min[r]), int(c.size[r])
	}
	c.mu.RUnlock()
	a, first, err := s.Address(ctx, cl.ID)
	if err != nil {
		return Cluster{}, err
	}
	cl.First, cl.FirstSeen = a, first
	if !first.IsZero() {
		cl.FirstTime = db.blockTime(first.Tx.Height())
	}
	return cl, nil
}

// Members streams the addresses of the cluster holding address ID id, in
// ID order (the order they first appeared).
func (db *DB) Members(ctx context.Context, id AddrID) iter.Seq2[chain.Address, error] {
	return func(yield func(chain.Address, error) bool) {
		if err := db.clustersLoaded(); err != nil {
			yield(chain.Address{}, err)
			return
		}
		ids, err := db.memberIDs(id)
		if err != nil {
			yield(chain.Address{}, err)
			return
		}
		s := db.Snapshot()
		defer s.Close()
		for _, m := range ids {
			a, _, err := s.Address(ctx, m)
			if !yield(a, err) || err != nil {
				return
			}
		}
	}
}

// memberIDs returns the IDs in the cluster of id, ascending.
func (db *DB) memberIDs(id AddrID) ([]AddrID, error) {
	c := &db.clusters
	c.mu.RLock()
	defer c.mu.RUnlock()
	if int(id) >= len(c.parent) {
		if id >= db.nextID() {
			return nil, fmt.Errorf("%w: address ID %d", ErrNotFound, id)
		}
		return []AddrID{id}, nil
	}
	r := c.find(uint32(id))
	ids := make([]AddrID, 0, c.size[r])
	for m := r; ; {
		ids = append(ids, AddrID(m))
		if m = c.next[m]; m == r {
			break
		}
	}
	slices.Sort(ids)
	return ids, nil
}
