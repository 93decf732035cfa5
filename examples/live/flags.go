package main

import (
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/plumetrace/plume/chain"
	"github.com/plumetrace/plume/internal/cmdmain"
	"github.com/plumetrace/plume/trace"
)

// zaifSeed is the thief's first address in the Zaif theft, the seed when
// none is given on mainnet.
const zaifSeed = "1FmwHh6pgkf4meCMoqo8fHH3GNRF571f9w"

// config is what the flags say, checked.
type config struct {
	rpcURL, rpcUser, rpcPass, rpcCookie string
	rpcCert                             string
	from, to                            int32 // -1: not given
	watch                               bool

	esploraURL string
	rate       float64 // requests per second; negative: no limit
	cacheAge   time.Duration
	pubKeys    [][]byte

	params    *chain.Params
	seeds     []trace.Seed
	seedTexts []string
	hops      int
	maxTxs    int
	minValue  int64
	model     *trace.Model // nil: no taint
	asJSON    bool
	report    string
	data      string
	progress  bool

	// retries is how often the clients repeat a failed request; 0 leaves
	// their default. Tests make it negative so that an unreachable server
	// fails at once rather than after seconds of backoff.
	retries int
}

// errNoSource is returned when neither -rpc nor -esplora names where the
// chain comes from; run then prints noSourceHelp.
var errNoSource = errors.New("no source of the chain: pass -rpc URL (a Bitcoin Core or btcd node) or -esplora URL (an Esplora API)")

const noSourceHelp = `live traces coins on a chain read from a node or an Esplora server you name.

Your own node (Bitcoin Core or btcd, with -txindex), syncing a window of blocks into a store:
    go run ./examples/live -rpc http://127.0.0.1:8332 -rpc-cookie ~/.bitcoin/.cookie -from 541000 -to 542000
    go run ./examples/live -rpc https://127.0.0.1:8334 -rpc-cert ~/.btcd/rpc.cert -rpc-user USER -rpc-pass PASS -from 541000 -to 542000

An Esplora API (blockstream.info, mempool.space, or your own electrs), asked on demand and cached;
its operator sees what you trace:
    go run ./examples/live -esplora https://blockstream.info/api

Without -seed these trace the Zaif theft's first address, ` + zaifSeed + `.
Run with -h for every flag.
`

func parseFlags(args []string, stderr io.Writer) (*config, error) {
	fs := flag.NewFlagSet("live", flag.ContinueOnError)
	fs.SetOutput(stderr)
	c := &config{}
	fs.StringVar(&c.rpcURL, "rpc", "", "JSON-RPC `URL` of a Bitcoin Core or btcd node, e.g. http://127.0.0.1:8332")
	fs.StringVar(&c.rpcUser, "rpc-user", "", "the node's rpcuser")
	fs.StringVar(&c.rpcPass, "rpc-pass", "", "the node's rpcpassword (-rpc-cookie keeps it out of the process list)")
	fs.StringVar(&c.rpcCookie, "rpc-cookie", "", "the node's .cookie `file` (default: Bitcoin Core's for -network, if it exists)")
	fs.StringVar(&c.rpcCert, "rpc-cert", "", "the node's TLS certificate `file`, to trust for an https -rpc URL (btcd's rpc.cert)")
	from := fs.Int("from", 0, "with -rpc, the `height` a new store starts at (needed unless the node's chain is short)")
	to := fs.Int("to", 0, "with -rpc, sync no further than this `height` (default: the node's tip)")
	fs.BoolVar(&c.watch, "watch", false, "with -rpc, then watch the tainted coins on the node and print an alert (a JSON line) whenever they move, until interrupted")
	fs.StringVar(&c.esploraURL, "esplora", "", "`URL` of an Esplora API, e.g. https://blockstream.info/api (it learns what you trace)")
	rate := fs.Float64("rate", 10, "with -esplora, at most this many requests a second (0: no limit, for your own server)")
	fs.DurationVar(&c.cacheAge, "cache-age", 24*time.Hour, "with -esplora, fetch again cached answers that can change (unspent outputs, histories) when older than this (0: never)")
	var pubKeys cmdmain.Strings
	fs.Var(&pubKeys, "pubkey", "with -esplora, a public key in `hex` whose pay-to-pubkey outputs count for its address (repeatable)")
	network := fs.String("network", "mainnet", "the `network`: mainnet, testnet3, testnet4, signet or regtest")
	fs.Var((*cmdmain.Strings)(&c.seedTexts), "seed", "a `seed` to follow: an address, txid or txid:vout (repeatable; default on mainnet: the Zaif thief's "+zaifSeed+")")
	fs.IntVar(&c.hops, "hops", 0, "follow at most this many hops (0: no limit)")
	fs.IntVar(&c.maxTxs, "max-txs", 1000, "stop once the trace holds this many transactions (0: no limit)")
	minValue := btcAmount{}
	fs.Var(&minValue, "min-value", "do not follow outputs worth less than this many `BTC`, e.g. 0.001")
	modelName := fs.String("model", "", "taint `model`: poison, haircut, fifo, lifo or tiho (default: none; haircut with -watch)")
	fs.BoolVar(&c.asJSON, "json", false, "print one JSON document instead of a table")
	fs.StringVar(&c.report, "report", "", "also write the HTML case report to this `file`")
	fs.StringVar(&c.data, "data", "", "the `directory` holding the store (-rpc) or the cache (-esplora); default: one per network and source under the user cache directory")
	quiet := fs.Bool("quiet", false, "no progress bars even on a terminal")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments %q (seeds go in -seed flags)", fs.Args())
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })

	switch {
	case c.rpcURL == "" && c.esploraURL == "":
		return nil, errNoSource
	case c.rpcURL != "" && c.esploraURL != "":
		return nil, errors.New("-rpc and -esplora both given: trace through one of them")
	}
	// A flag meant for the other source would be silently ignored.
	for _, f := range []struct {
		name, needs string
		on          bool
	}{
		{"rpc-user", "-rpc", c.rpcURL != ""}, {"rpc-pass", "-rpc", c.rpcURL != ""}, {"rpc-cookie", "-rpc", c.rpcURL != ""},
		{"rpc-cert", "-rpc", c.rpcURL != ""},
		{"from", "-rpc", c.rpcURL != ""}, {"to", "-rpc", c.rpcURL != ""},
		{"watch", "-rpc (Esplora shows plume no mempool to watch)", c.rpcURL != ""},
		{"rate", "-esplora", c.esploraURL != ""}, {"cache-age", "-esplora", c.esploraURL != ""},
		{"pubkey", "-esplora (a store from a node finds pay-to-pubkey outputs by address already)", c.esploraURL != ""},
	} {
		if set[f.name] && !f.on {
			return nil, fmt.Errorf("-%s works only with %s", f.name, f.needs)
		}
	}
	if c.rpcCookie != "" && (c.rpcUser != "" || c.rpcPass != "") {
		return nil, errors.New("-rpc-cookie and -rpc-user/-rpc-pass are two ways to log in: give one")
	}
	if (c.rpcUser == "") != (c.rpcPass == "") {
		return nil, errors.New("-rpc-user and -rpc-pass go together")
	}

	p, err := chain.ByName(*network)
	if err != nil {
		return nil, fmt.Errorf("-network: %w", err)
	}
	c.params = p
	if len(c.seedTexts) == 0 {
		if p != chain.Mainnet {
			return nil, fmt.Errorf("no -seed: the default seed, the Zaif thief's %s, is a mainnet address; pass -seed with an address, txid or txid:vout of %s", zaifSeed, p.Name)
		}
		c.seedTexts = []string{zaifSeed}
	}
	for _, s := range c.seedTexts {
		sd, err := trace.ParseSeed(p, s)
		if err != nil {
			return nil, fmt.Errorf("-seed: %w (-network is %s)", err, p.Name)
		}
		c.seeds = append(c.seeds, sd)
	}

	c.from, c.to = -1, -1
	for _, h := range []struct {
		name string
		v    int
		dst  *int32
	}{{"from", *from, &c.from}, {"to", *to, &c.to}} {
		if !set[h.name] {
			continue
		}
		if h.v < 0 || h.v >= chain.MaxHeight {
			return nil, fmt.Errorf("-%s %d is not a block height", h.name, h.v)
		}
		*h.dst = int32(h.v)
	}
	if c.from >= 0 && c.to >= 0 && c.to < c.from {
		return nil, fmt.Errorf("-to %d is below -from %d", c.to, c.from)
	}
	if c.watch && c.to >= 0 {
		return nil, errors.New("-watch follows the node's new blocks, so the store must reach the node's tip: drop -to")
	}

	switch {
	case *rate < 0:
		return nil, fmt.Errorf("-rate %g: give a number of requests a second, or 0 for no limit", *rate)
	case *rate == 0:
		c.rate = -1
	default:
		c.rate = *rate
	}
	if c.cacheAge < 0 {
		return nil, fmt.Errorf("-cache-age %v is negative", c.cacheAge)
	}
	for _, k := range pubKeys {
		b, err := hex.DecodeString(k)
		if err != nil || !(len(b) == 33 && (b[0] == 2 || b[0] == 3) || len(b) == 65 && b[0] == 4) {
			return nil, fmt.Errorf("-pubkey %q is not a public key in hex (33 bytes from 02 or 03, or 65 from 04)", k)
		}
		c.pubKeys = append(c.pubKeys, b)
	}

	if c.hops < 0 || c.maxTxs < 0 {
		return nil, errors.New("-hops and -max-txs count: give 0 for no limit, not a negative number")
	}
	c.minValue = minValue.sat
	if *modelName != "" {
		m, err := trace.ParseModel(*modelName)
		if err != nil {
			return nil, fmt.Errorf("-model: %w", err)
		}
		c.model = &m
	}
	if c.data == "" {
		kind := "node"
		if c.esploraURL != "" {
			kind = "esplora"
		}
		c.data = defaultData(p.Name + "-" + kind)
	}
	c.progress = !*quiet && cmdmain.IsTerminal(stderr)
	return c, nil
}

// defaultData is where a store lives when -data is not given: one per
// network and kind of source, since a store holds one network's chain.
func defaultData(name string) string {
	if d, err := os.UserCacheDir(); err == nil {
		return filepath.Join(d, "plume", "live", name)
	}
	return filepath.Join(os.TempDir(), "plume-live", name)
}

// btcAmount is a flag holding a BTC amount, read exactly into satoshi:
// through a float, 0.29 BTC would be 28999999 sat.
type btcAmount struct{ sat int64 }

func (a *btcAmount) String() string {
	if a == nil || a.sat == 0 {
		return ""
	}
	return strings.TrimRight(strings.TrimRight(fmt.Sprintf("%d.%08d", a.sat/1e8, a.sat%1e8), "0"), ".")
}

func (a *btcAmount) Set(s string) error {
	whole, frac, _ := strings.Cut(strings.TrimSpace(s), ".")
	bad := fmt.Errorf("%q is not an amount of BTC such as 0.001", s)
	if whole == "" && frac == "" {
		return bad
	}
	if whole == "" {
		whole = "0"
	}
	if len(frac) > 8 || !digits(whole) || frac != "" && !digits(frac) {
		return bad
	}
	w, err := strconv.ParseInt(whole, 10, 64)
	if err != nil || w > 21_000_000 {
		return bad
	}
	f, _ := strconv.ParseInt((frac + "00000000")[:8], 10, 64)
	a.sat = w*1e8 + f
	return nil
}

func digits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}
