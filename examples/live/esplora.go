package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync/atomic"

	"github.com/plumetrace/plume/internal/cmdmain"
	"github.com/plumetrace/plume/source/esplora"
	"github.com/plumetrace/plume/store"
)

// traceEsplora traces through the Esplora server, keeping its answers in
// a cache in -data.
func traceEsplora(ctx context.Context, c *config, stderr io.Writer) (*outcome, error) {
	// The client counts nothing, so its transport does: every request the
	// server saw, retries included, goes in the output, and a run the
	// cache answered whole shows 0.
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 16 // a trace reads with several goroutines
	counter := &countingTransport{next: tr}
	defer tr.CloseIdleConnections()
	client, err := esplora.New(esplora.Options{URL: c.esploraURL, Params: c.params, RateLimit: c.rate, Retries: c.retries,
		PubKeys: c.pubKeys, HTTPClient: &http.Client{Transport: counter}})
	if err != nil {
		return nil, fmt.Errorf("-esplora: %w", err)
	}
	fmt.Fprintf(stderr, "warning: whatever is not cached in %s is fetched from %s, whose operator then sees the seeds and every transaction traced, from your address; trace confidential cases through your own node (-rpc) or Esplora\n",
		c.data, client.URL())

	db, err := store.Open(c.data, store.Options{Params: c.params})
	if err != nil {
		return nil, fmt.Errorf("-data %s: %w", c.data, err)
	}
	defer db.Close()
	src := store.Cache(db, client, store.CacheOptions{MaxAge: c.cacheAge})
	p := cmdmain.NewProgress(c.progress, stderr)
	res, taint, err := follow(ctx, src, c, p)
	if err != nil {
		return nil, esploraError(c, client.URL(), err)
	}
	si := sourceInfo{Kind: "esplora", URL: client.URL(), Data: c.data}
	doc, err := newReport(ctx, src, c, res, taint, si)
	if err != nil {
		return nil, esploraError(c, client.URL(), err)
	}
	n := counter.n.Load()
	doc.Source.Requests = &n
	return &outcome{res: res, taint: taint, doc: doc}, nil
}

// esploraError adds to a failure of the server where it happened (the
// client's errors name only the path) and what to change. base is the
// URL without the credentials it may carry.
func esploraError(c *config, base string, err error) error {
	var e *esplora.Error
	if errors.As(err, &e) {
		err = fmt.Errorf("%s: %w", base, err)
	}
	switch {
	case errors.Is(err, esplora.ErrWrongNetwork):
		return fmt.Errorf("%w (-network is %s: pass the server's network)", err, c.params.Name)
	case errors.Is(err, esplora.ErrUnreachable):
		return fmt.Errorf("%w (is the server up, and is -esplora its API's base URL, as in https://blockstream.info/api?)", err)
	case errors.Is(err, esplora.ErrRateLimited):
		return fmt.Errorf("%w (lower -rate; what was fetched is cached, so running again continues)", err)
	case errors.Is(err, esplora.ErrUnconfirmed):
		return fmt.Errorf("%w (only confirmed transactions have a place in the chain to trace from)", err)
	}
	return err
}

// countingTransport counts the requests sent through it.
type countingTransport struct {
	next http.RoundTripper
	n    atomic.Int64
}

func (t *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	t.n.Add(1)
	return t.next.RoundTrip(r)
}
