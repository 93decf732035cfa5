package main

import (
	"bufio"
	"cmp"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/plumetrace/plume/chain"
	"github.com/plumetrace/plume/store"
	"github.com/plumetrace/plume/trace"
)

func newWatch(a *app) *cobra.Command {
	var n nodeFlags
	var name, model, exitsFile, webhook string
	var poll time.Duration
	var tags bool
	cmd := &cobra.Command{
		Use:   "watch --case NAME",
		Short: "Alert, as JSON lines, the moment a case's stolen coins move (mempool and blocks)",
		Long: `Watch a node's mempool and new blocks for the unspent stolen outputs of a
saved case, and print an alert as one JSON line when one is spent (unconfirmed,
then confirmed, replaced by another spend, or dropped; a reorganisation that
takes a spend's block off the chain says so), when stolen value reaches an exit
(the case's, those --exits lists, and with --tags any address the store's tags
name, directly or through a cluster-defining tag on a cluster the store knows),
and when coins dormant for 30 days move.
Each alert gives the transaction's outputs and the stolen share of its inputs.
The coins are followed as they move on. --webhook also POSTs each alert, from a
queue that drops the oldest when the hook falls 1000 behind. Node errors are
printed and retried. Runs until interrupted, then exits 0.

The case's taint model decides what counts as stolen in new transactions;
--model overrides it, and a case traced without one is watched under poison:
every output the coins touch.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			if name == "" {
				return usagef("--case is required (plume case list shows the saved cases)")
			}
			if model != "" {
				if _, err := trace.ParseModel(model); err != nil {
					return usageError{err}
				}
			}
			client, err := n.dial(ctx, a)
			if err != nil {
				return err
			}
			defer client.Close()
			var c *trace.Case
			db, err := a.open(false, store.Options{})
			if err != nil {
				return err
			}
			defer func() {
				if db != nil {
					db.Close()
				}
			}()
			err = caseIn(ctx, db, name, func(_ *store.DB, inv *investigation) error {
				extra, err := readExits(exitsFile, inv.params)
				if err != nil {
					return err
				}
				if model != "" || inv.doc.Model == "" {
					inv.doc.Model = cmp.Or(model, trace.Poison.String())
				}
				for addr, l := range extra {
					inv.exits[addr] = l
				}
				if err := inv.computeTaint(); err != nil {
					return err
				}
				c = trace.CaseFrom(inv.taint)
				return nil
			})
			if err != nil {
				return err
			}
			if !a.json {
				fmt.Fprintf(a.stderr, "watching %d outputs of case %q on %s; alerts follow as JSON lines\n", len(c.Outputs), name, client.URL())
			}
			if tags {
				// The store stays open for its tags: an exchange's
				// deposit address a TagPack names is an exit though no
				// trace met it.
				labels, err := db.Labels(ctx)
				if err != nil {
					return err
				}
				defer labels.Close()
				c.Label = labels.Label
			} else {
				// Watching needs only the node; closing the store lets
				// an ingest run beside the watch.
				db.Close()
				db = nil
			}
			return trace.Watch(ctx, client, c, trace.WatchOptions{
				Poll: poll, Out: a.stdout, Webhook: webhook, Params: client.Params(),
				OnError: func(err error) { fmt.Fprintln(a.stderr, "plume watch:", err) },
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&name, "case", "", "the saved case")
	f.StringVar(&model, "model", "", "taint model for the coins' next moves (default: the case's, else poison)")
	f.StringVar(&exitsFile, "exits", "", "file of further exit addresses, one per line: ADDRESS [LABEL]")
	f.StringVar(&webhook, "webhook", "", "URL to POST each alert to, retried with backoff")
	f.DurationVar(&poll, "poll", time.Second, "how often to ask the node")
	f.BoolVar(&tags, "tags", false, "also count as an exit a payment to any address the store's tags name (keeps the store open, so no ingest can run beside the watch)")
	n.register(cmd)
	return cmd
}

// readExits reads an exits file: lines of an address and an optional
// label; blank lines and lines starting with # are skipped.
func readExits(path string, p *chain.Params) (map[chain.Address]string, error) {
	exits := map[chain.Address]string{}
	if path == "" {
		return exits, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		addrText, label, _ := strings.Cut(text, " ")
		addr, err := p.Parse(addrText)
		if err != nil {
			return nil, usagef("%s:%d: %w", path, line, err)
		}
		exits[addr] = cmp.Or(strings.TrimSpace(label), "watched address")
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return exits, nil
}
