package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"

	"github.com/btcsuite/btcd/chaincfg/chainhash"

	"github.com/plumetrace/plume/chain"
	"github.com/plumetrace/plume/internal/cmdmain"
	"github.com/plumetrace/plume/source/rpc"
	"github.com/plumetrace/plume/store"
	casereport "github.com/plumetrace/plume/trace/report"
)

// shortChain is the longest chain a new store syncs from genesis without
// -from: a regtest or young test chain takes seconds, mainnet days.
const shortChain = 10_000

// traceNode syncs the store in -data with the node and traces there.
func traceNode(ctx context.Context, c *config, stderr io.Writer) (*outcome, error) {
	hc, closeHTTP, err := nodeHTTP(c.rpcCert)
	if err != nil {
		return nil, err
	}
	defer closeHTTP()
	client, err := rpc.Dial(ctx, rpc.Options{URL: c.rpcURL, User: c.rpcUser, Password: c.rpcPass, CookieFile: c.rpcCookie,
		Params: c.params, Retries: c.retries, HTTPClient: hc,
		// Only outputs from below the store's first block are asked of the
		// node, and a forward trace never goes there: their chain
		// positions would cost a getblock each and serve nothing.
		SkipPositions: true})
	if err != nil {
		return nil, nodeError(c, err)
	}
	defer client.Close() // idle connections only: -watch goes on calling it
	db, err := store.Open(c.data, store.Options{Params: c.params, Resolver: client})
	if err != nil {
		return nil, fmt.Errorf("-data %s: %w", c.data, err)
	}
	defer db.Close()
	p := cmdmain.NewProgress(c.progress, stderr)
	si, err := syncStore(ctx, c, db, client, p)
	if err != nil {
		return nil, err
	}

	snap := db.Snapshot()
	defer snap.Close()
	res, taint, err := follow(ctx, snap, c, p)
	if errors.Is(err, chain.ErrNotFound) {
		return nil, fmt.Errorf("%w (the store in %s holds blocks %d..%d: a seed from before them needs a new -data synced from a lower -from)",
			err, c.data, si.Store.FirstBlock, si.Store.Tip.Height)
	}
	if err != nil {
		return nil, err
	}
	doc, err := newReport(ctx, snap, c, res, taint, si)
	if err != nil {
		return nil, err
	}
	tip, _ := db.Tip()
	return &outcome{res: res, taint: taint, doc: doc, tip: casereport.Tip(tip), feed: client}, nil
}

// nodeHTTP returns the HTTP client for the node: nil (the rpc client's
// own) unless -rpc-cert names a certificate to trust, as btcd's
// self-signed one, which no system store holds.
func nodeHTTP(certFile string) (*http.Client, func(), error) {
	if certFile == "" {
		return nil, func() {}, nil
	}
	pem, err := os.ReadFile(certFile)
	if err != nil {
		return nil, nil, fmt.Errorf("-rpc-cert: %w", err)
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(pem) {
		return nil, nil, fmt.Errorf("-rpc-cert: %s holds no PEM certificate", certFile)
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{RootCAs: roots}
	tr.MaxIdleConnsPerHost = 8 // the sync keeps blocks in flight
	return &http.Client{Transport: tr}, tr.CloseIdleConnections, nil
}

// syncStore brings the store to the node's tip, or to -to, and says what
// it holds.
func syncStore(ctx context.Context, c *config, db *store.DB, client *rpc.Client, p *cmdmain.Progress) (sourceInfo, error) {
	si := sourceInfo{Kind: "rpc", URL: client.URL(), Data: c.data}
	top, _, err := client.Tip(ctx)
	if err != nil {
		return si, nodeError(c, err)
	}
	start := c.from
	tip, has := db.Tip()
	switch {
	case !has && c.from < 0 && top > shortChain:
		return si, fmt.Errorf("the store in %s is empty and the node's chain is %d blocks long: pass -from HEIGHT to ingest from a block a little before the seeds' coins arrived (and -to HEIGHT to stop), e.g. -from 541000 -to 542000 for the Zaif theft",
			c.data, top+1)
	case !has && c.from < 0:
		start = 0
	case !has && c.from > top:
		return si, fmt.Errorf("-from %d is above the node's tip, block %d", c.from, top)
	case has:
		first, err := firstBlock(ctx, db, tip.Height)
		if err != nil {
			return si, err
		}
		if c.from >= 0 && c.from < first {
			return si, fmt.Errorf("the store in %s begins at block %d, so it cannot take blocks from %d: give a new -data to ingest that window", c.data, first, c.from)
		}
		start = first
	}
	if has && c.to >= 0 && tip.Height > c.to {
		// Syncing to a tip below the store's would disconnect the blocks
		// above it, the work of an earlier run.
		si.Store = &storeInfo{FirstBlock: start, Tip: tipInfo{Height: tip.Height, Hash: tip.Hash.String()}}
		return si, nil
	}
	st, err := db.Sync(ctx, window{client, c.to}, store.SyncOptions{From: start, Progress: func(is store.IngestStats) {
		last := top
		if c.to >= 0 {
			last = min(top, c.to)
		}
		p.Step("syncing blocks", int64(is.Height-start+1), int64(last-start+1))
	}})
	p.Done()
	if err != nil {
		if ctx.Err() != nil {
			if t, ok := db.Tip(); ok {
				return si, fmt.Errorf("interrupted; the store in %s keeps blocks up to %d, and the next run resumes there: %w", c.data, t.Height, err)
			}
		}
		return si, nodeError(c, err)
	}
	si.Store = &storeInfo{FirstBlock: start, Tip: tipInfo{Height: st.Tip.Height, Hash: st.Tip.Hash.String()},
		Connected: st.Connected, Disconnected: st.Disconnected}
	return si, nil
}

// firstBlock finds the lowest block the store holds: it holds every
// block from there to its tip, so a binary search over heights does.
func firstBlock(ctx context.Context, db *store.DB, tip int32) (int32, error) {
	lo, hi := int32(0), tip
	for lo < hi {
		mid := lo + (hi-lo)/2
		_, err := db.Block(ctx, mid)
		switch {
		case err == nil:
			hi = mid
		case errors.Is(err, store.ErrNotFound):
			lo = mid + 1
		default:
			return 0, err
		}
	}
	return lo, nil
}

// window is the node as the store's sync sees it, ending at -to: Sync
// ingests up to the tip its source reports.
type window struct {
	*rpc.Client
	to int32 // -1: the node's tip
}

func (w window) Tip(ctx context.Context) (int32, chainhash.Hash, error) {
	h, hash, err := w.Client.Tip(ctx)
	if err != nil || w.to < 0 || h <= w.to {
		return h, hash, err
	}
	hash, err = w.Client.BlockHash(ctx, w.to)
	return w.to, hash, err
}

// nodeError adds to a failure of the node what to change.
func nodeError(c *config, err error) error {
	switch {
	case errors.Is(err, rpc.ErrWrongNetwork):
		return fmt.Errorf("%w (-network is %s: pass the node's network)", err, c.params.Name)
	case errors.Is(err, rpc.ErrAuth):
		return fmt.Errorf("%w (pass -rpc-user and -rpc-pass, or -rpc-cookie with the node's .cookie file)", err)
	case errors.As(err, new(*tls.CertificateVerificationError)):
		return fmt.Errorf("%w (a node with its own certificate, such as btcd's, needs it named: -rpc-cert ~/.btcd/rpc.cert)", err)
	case errors.Is(err, rpc.ErrUnreachable):
		return fmt.Errorf("%w (is the node running, and is that its RPC address? Bitcoin Core listens on 127.0.0.1:8332 on mainnet, 18443 on regtest)", err)
	case errors.Is(err, rpc.ErrNoTxIndex):
		return fmt.Errorf("%w (coins spent from below the store's first block are looked up with getrawtransaction: restart the node with -txindex, btcd with --txindex)", err)
	case errors.Is(err, store.ErrReorgTooDeep):
		return fmt.Errorf("%w (if the store in %s was synced from another chain, such as another regtest node, give a new -data)", err, c.data)
	case errors.Is(err, rpc.ErrPruned):
		return fmt.Errorf("%w (a pruned node no longer has those blocks: pick a -from it still holds)", err)
	}
	return err
}
