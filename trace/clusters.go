package trace

import (
	"context"
	"errors"

	"github.com/plumetrace/plume/chain"
)

// Clusters answers who controls an address by common-input ownership:
// the ID of its cluster, shared by every member, and the cluster's size.
// DepositAddresses uses it to name the entity behind a sweep, Communities
// to collapse each cluster into one node. An address the implementation
// does not know is answered with an error wrapping chain.ErrNotFound and
// taken as a cluster of its own; any other error ends the call.
//
// store.DB's Cluster method returns a store.Cluster, which trace cannot
// name (trace never imports store); wrap it in a ClusterFunc:
//
//	trace.ClusterFunc(func(ctx context.Context, a chain.Address) (uint64, int, error) {
//		c, err := db.Cluster(ctx, a)
//		return uint64(c.ID), c.Size, err
//	})
type Clusters interface {
	Cluster(ctx context.Context, a chain.Address) (id uint64, size int, err error)
}

// ClusterFunc adapts a function to Clusters.
type ClusterFunc func(ctx context.Context, a chain.Address) (id uint64, size int, err error)

// Cluster implements Clusters.
func (f ClusterFunc) Cluster(ctx context.Context, a chain.Address) (uint64, int, error) {
	return f(ctx, a)
}

// clusterOf asks c for a's cluster; known is false for an address c does
// not know.
func clusterOf(ctx context.Context, c Clusters, a chain.Address) (id uint64, size int, known bool, err error) {
	id, size, err = c.Cluster(ctx, a)
	switch {
	case errors.Is(err, chain.ErrNotFound):
		return 0, 1, false, nil
	case err != nil:
		return 0, 0, false, err
	}
	return id, size, true, nil
}
