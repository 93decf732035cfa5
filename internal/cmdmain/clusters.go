package cmdmain

import (
	"context"

	"github.com/plumetrace/plume/chain"
	"github.com/plumetrace/plume/store"
	"github.com/plumetrace/plume/trace"
)

// Clusters answers trace's cluster questions from db's common-input
// clusters; trace cannot name store.Cluster, so the commands adapt it.
func Clusters(db *store.DB) trace.Clusters {
	return trace.ClusterFunc(func(ctx context.Context, a chain.Address) (uint64, int, error) {
		c, err := db.Cluster(ctx, a)
		return uint64(c.ID), c.Size, err
	})
}
