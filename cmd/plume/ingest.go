package main

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/plumetrace/plume/source/blkfile"
	"github.com/plumetrace/plume/source/rpc"
	"github.com/plumetrace/plume/store"
)

func newIngest(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "ingest",
		Short: "Index blocks into the store: from a Core blocks directory, or from a node",
		Args:  cobra.NoArgs,
	}
	var from int32
	blocks := &cobra.Command{
		Use:   "blocks PATH",
		Short: "Index a Bitcoin Core blocks directory (blk*.dat) or one record file (plain or .bz2)",
		Long: `Index a Bitcoin Core blocks directory or record file. Blocks already in the
store are skipped after their hash is checked, so running it again resumes.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := a.params()
			if err != nil {
				return err
			}
			r, err := blkfile.Open(cmd.Context(), args[0], blkfile.Options{Params: p})
			if err != nil {
				return err
			}
			defer r.Close()
			db, err := a.open(true, store.Options{})
			if err != nil {
				return err
			}
			defer db.Close()
			top, _ := r.Tip()
			bar := a.progress()
			st, err := db.Ingest(cmd.Context(), r.Blocks(cmd.Context(), from), func(s store.IngestStats) {
				bar.Step("indexing blocks", int64(s.Height), int64(top))
			})
			bar.Done()
			if err != nil {
				return err
			}
			return a.ingested(st.Tip, st.Blocks, 0, st.Txs, st.Unresolved, st.Elapsed)
		},
	}
	blocks.Flags().Int32Var(&from, "from", 0, "first height to read (the store must already hold the blocks below)")

	var n nodeFlags
	var follow bool
	node := &cobra.Command{
		Use:   "rpc",
		Short: "Sync from a Bitcoin Core compatible JSON-RPC node (bitcoind, btcd), following reorganisations",
		Long: `Sync the store from a node: from --from when the store is empty (outputs spent
from below it are fetched from the node, which then needs -txindex), else from
the store's tip. Blocks that left the node's best chain are disconnected first.
With --follow it keeps following the tip until interrupted, then prints what it
did and exits 0.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			client, err := n.dial(ctx, a)
			if err != nil {
				return err
			}
			defer client.Close()
			db, err := a.open(true, store.Options{Resolver: client})
			if err != nil {
				return err
			}
			defer db.Close()
			top, _, err := client.Tip(ctx)
			if err != nil && !follow {
				return err
			}
			// Following, Sync waits for a node that stopped answering; the
			// tip only sizes the progress bar.
			bar := a.progress()
			start := time.Now()
			// Progress counts within one pass of Sync (one Ingest call),
			// whose counts start again from zero.
			var pass store.IngestStats
			txs, unresolved := 0, 0
			st, err := db.Sync(ctx, client, store.SyncOptions{
				From:   from,
				Follow: follow,
				Progress: func(s store.IngestStats) {
					if s.Blocks+s.Skipped <= pass.Blocks+pass.Skipped {
						txs, unresolved = txs+pass.Txs, unresolved+pass.Unresolved
					}
					pass = s
					bar.Step("syncing blocks", int64(s.Height), int64(max(top, s.Height)))
				},
				// Following, an unreachable node is waited for; say so on
				// stderr, where an operator watching the log sees it.
				OnError: func(err error, retryIn time.Duration) {
					bar.Done()
					fmt.Fprintf(a.stderr, "plume: %v; trying again in %v\n", err, retryIn.Round(time.Millisecond))
				},
				OnTip: func(s store.SyncStats) {
					bar.Done()
					if follow && !a.json {
						a.printf("at tip %d %v (+%d blocks, -%d reorganised)\n", s.Tip.Height, s.Tip.Hash, s.Connected, s.Disconnected)
					}
				},
			})
			bar.Done()
			if err != nil {
				return err
			}
			return a.ingested(st.Tip, st.Connected, st.Disconnected, txs+pass.Txs, unresolved+pass.Unresolved, time.Since(start))
		},
	}
	node.Flags().Int32Var(&from, "from", 0, "height to start at when the store is empty")
	node.Flags().BoolVar(&follow, "follow", false, "keep following the node's tip until interrupted")
	n.register(node)
	cmd.AddCommand(blocks, node)
	return cmd
}

func (a *app) ingested(tip store.Tip, blocks, disconnected, txs, unresolved int, elapsed time.Duration) error {
	if a.json {
		return a.printJSON(map[string]any{
			"tip_height": tip.Height, "tip_hash": tip.Hash.String(), "blocks": blocks, "disconnected": disconnected,
			"txs": txs, "unresolved_inputs": unresolved, "seconds": elapsed.Seconds(),
		})
	}
	a.printf("store %s at height %d (%v): %d blocks, %d transactions indexed in %v", a.data, tip.Height, tip.Hash, blocks, txs, elapsed.Round(time.Millisecond))
	if disconnected > 0 {
		a.printf(", %d blocks disconnected by reorganisations", disconnected)
	}
	a.printf("\n")
	if unresolved > 0 {
		a.printf("%d inputs spend outputs the store does not hold; their addresses and values are unknown\n", unresolved)
	}
	return nil
}

// nodeFlags name a JSON-RPC node.
type nodeFlags struct {
	url, user, pass, cookie string
	timeout                 time.Duration
}

func (n *nodeFlags) register(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&n.url, "rpc", "", "the node's JSON-RPC URL (default: 127.0.0.1 at Core's port for --network)")
	f.StringVar(&n.user, "rpc-user", "", "rpcuser")
	f.StringVar(&n.pass, "rpc-pass", "", "rpcpassword ($PLUME_RPC_PASS; a flag shows in the process list)")
	f.StringVar(&n.cookie, "rpc-cookie", "", "Core's .cookie file (default: Core's for --network, when no user is given)")
	f.DurationVar(&n.timeout, "rpc-timeout", 0, "bound on one call (default 30s)")
}

func (n *nodeFlags) dial(ctx context.Context, a *app) (*rpc.Client, error) {
	p, err := a.params()
	if err != nil {
		return nil, err
	}
	pass := n.pass
	if pass == "" {
		pass = envOr("PLUME_RPC_PASS", "")
	}
	return rpc.Dial(ctx, rpc.Options{URL: n.url, User: n.user, Password: pass, CookieFile: n.cookie, Params: p, Timeout: n.timeout})
}
