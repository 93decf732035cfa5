package main

import (
	"time"

	"github.com/spf13/cobra"
)

func newCluster(a *app) *cobra.Command {
	var limit int
	cmd := &cobra.Command{
		Use:   "cluster ADDRESS",
		Short: "Show the common-input cluster of an address: its size, tags and members",
		Long: `Show who controls an address, as far as common-input ownership says: the
addresses that ever funded one transaction together with it (CoinJoins left
out), transitively. Tags of the address and those its cluster inherits from
cluster-defining tags are listed with it.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			db, addr, err := a.openAt(args[0])
			if err != nil {
				return err
			}
			defer db.Close()
			p := db.Params()
			c, err := db.Cluster(ctx, addr)
			if err != nil {
				return err
			}
			tags, err := db.Tags(ctx, addr)
			if err != nil {
				return err
			}
			var members []string
			for m, err := range db.Members(ctx, c.ID) {
				if err != nil {
					return err
				}
				if limit > 0 && len(members) == limit {
					break
				}
				members = append(members, p.Format(m))
			}
			out := clusterDoc{Address: p.Format(addr), ID: uint64(c.ID), Size: c.Size, First: p.Format(c.First),
				FirstTime: c.FirstTime, Tags: tagDocs(tags), Members: members}
			if a.json {
				return a.printJSON(out)
			}
			a.printf("%s is in cluster %d: %d addresses, first %s", out.Address, out.ID, out.Size, out.First)
			if !c.FirstTime.IsZero() {
				a.printf(" (%s)", c.FirstTime.UTC().Format(time.DateTime))
			}
			a.printf("\n")
			a.printTags(out.Tags)
			a.printf("members")
			if len(members) < c.Size {
				a.printf(" (first %d; --limit 0 lists all)", len(members))
			}
			a.printf("\n")
			for _, m := range members {
				a.printf("  %s\n", m)
			}
			return nil
		},
	}
	cmd.Flags().IntVar(&limit, "limit", 100, "list at most this many members (0: all)")
	return cmd
}

type clusterDoc struct {
	Address   string    `json:"address"`
	ID        uint64    `json:"cluster"`
	Size      int       `json:"size"`
	First     string    `json:"first_address"`
	FirstTime time.Time `json:"first_seen,omitzero"`
	Tags      []tagDoc  `json:"tags"`
	Members   []string  `json:"members"`
}
