package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"github.com/spf13/cobra"

	"github.com/plumetrace/plume/chain"
	"github.com/plumetrace/plume/internal/cmdmain"
	"github.com/plumetrace/plume/store"
	"github.com/plumetrace/plume/trace/report"
)

// app is what every command shares: the global flags and the streams.
type app struct {
	data    string
	network string
	json    bool
	quiet   bool
	stdout  io.Writer
	stderr  io.Writer
}

func newRoot(stdout, stderr io.Writer) *cobra.Command {
	a := &app{stdout: stdout, stderr: stderr}
	root := &cobra.Command{
		Use:   "plume",
		Short: "Follow stolen coins: index blocks, trace, cluster, report, export, watch",
		Long: `plume indexes blocks into a local store, traces stolen coins through it from
seed addresses, transactions or outputs, and writes reports and graph exports.
A trace is saved as a named case in the store; report, export and watch reuse it.

Exit codes: 0 success, 1 failure, 2 usage (bad flag, seed, address, case name
or network), 3 not found (no store, case, address or transaction), 4 store
held by another process, 130 interrupted before the work was done. watch and
ingest rpc --follow run until interrupted, then stop cleanly and exit 0.`,
		Version:       report.Version(),
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	pf := root.PersistentFlags()
	pf.StringVar(&a.data, "data", envOr("PLUME_DATA", "plume-data"), "the store's directory ($PLUME_DATA)")
	pf.StringVar(&a.network, "network", envOr("PLUME_NETWORK", "mainnet"), "mainnet, testnet3, testnet4, signet or regtest ($PLUME_NETWORK)")
	pf.BoolVar(&a.json, "json", false, "print one JSON document instead of text")
	pf.BoolVar(&a.quiet, "quiet", false, "no progress bars, even on a terminal")
	root.AddCommand(newIngest(a), newTrace(a), newCluster(a), newTags(a), newReport(a), newExport(a), newWatch(a), newCase(a))
	return root
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func (a *app) params() (*chain.Params, error) {
	p, err := chain.ByName(a.network)
	if err != nil {
		return nil, usageError{err}
	}
	return p, nil
}

// open opens the store in --data. Only ingest creates one: every other
// command on a missing directory would index nothing and find nothing.
func (a *app) open(create bool, opts store.Options) (*store.DB, error) {
	p, err := a.params()
	if err != nil {
		return nil, err
	}
	if !create {
		if _, err := os.Stat(a.data); errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%w in %s: run `plume ingest` first, or pass --data", errNoStore, a.data)
		}
	}
	opts.Params = p
	db, err := store.Open(a.data, opts)
	if errors.Is(err, store.ErrWrongNetwork) {
		return nil, fmt.Errorf("%w; pass --network for it", err)
	}
	return db, err
}

// openAt parses an address of --network, then opens the store, so that a
// mistyped address is a usage error whatever the store.
func (a *app) openAt(text string) (*store.DB, chain.Address, error) {
	p, err := a.params()
	if err != nil {
		return nil, chain.Address{}, err
	}
	addr, err := p.Parse(text)
	if err != nil {
		return nil, chain.Address{}, err
	}
	db, err := a.open(false, store.Options{})
	return db, addr, err
}

func (a *app) progress() *cmdmain.Progress {
	return cmdmain.NewProgress(!a.quiet && cmdmain.IsTerminal(a.stderr), a.stderr)
}

// printJSON writes v as the command's one JSON document.
func (a *app) printJSON(v any) error {
	enc := json.NewEncoder(a.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func (a *app) printf(format string, args ...any) { fmt.Fprintf(a.stdout, format, args...) }
