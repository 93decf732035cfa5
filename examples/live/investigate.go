package main

import (
	"context"
	"fmt"
	"io"

	"github.com/plumetrace/plume/chain"
	"github.com/plumetrace/plume/internal/cmdmain"
	"github.com/plumetrace/plume/trace"
	casereport "github.com/plumetrace/plume/trace/report"
)

// outcome is what a trace found, from either source.
type outcome struct {
	res   *trace.Result
	taint *trace.Taint // nil without -model or -watch
	doc   *report
	// tip is the store's last block for the case report; zero through
	// Esplora, whose tip the trace never asks (a cached run asks nothing).
	tip casereport.Tip
	// feed is the node, for -watch.
	feed trace.Feed
}

// follow traces the seeds through src within the limits the flags set,
// and computes the taint if a model was asked for (-watch needs one: it
// watches tainted value).
func follow(ctx context.Context, src trace.Source, c *config, p *cmdmain.Progress) (*trace.Result, *trace.Taint, error) {
	res, err := trace.Follow(ctx, src, c.seeds, trace.Options{
		MaxHops: c.hops, MaxTxs: c.maxTxs, MinValue: c.minValue, Params: c.params,
		Progress: func(pr trace.Progress) { p.Step("tracing (transactions)", int64(pr.Txs), -1) },
	})
	p.Done()
	if err != nil {
		return nil, nil, err
	}
	model := c.model
	if model == nil && c.watch {
		m := trace.Haircut
		model = &m
	}
	if model == nil {
		return res, nil, nil
	}
	taint, err := trace.ComputeTaint(res, trace.TaintOptions{Model: *model})
	if err != nil {
		return nil, nil, err
	}
	return res, taint, nil
}

// explain tells on stderr what limited the trace, or why it may have
// found nothing: a real trace ends at a limit more often than at the end
// of the coins, and the reader must know which.
func explain(c *config, o *outcome, stderr io.Writer) {
	res := o.res
	if res.Truncated {
		fmt.Fprintf(stderr, "note: -max-txs %d stopped the trace at %d transactions (the seeds' own included); the coins go further (raise -max-txs, or 0 for no limit)\n", c.maxTxs, res.Len())
	}
	if n := beyondHops(c, res); n > 0 {
		fmt.Fprintf(stderr, "note: the trace stopped at -hops %d; %d outputs of the last hop were spent further\n", c.hops, n)
	}
	if res.Len() > 0 {
		return
	}
	fmt.Fprintf(stderr, "note: no transaction holds the seeds' coins")
	switch {
	case c.rpcURL != "":
		fmt.Fprintf(stderr, " in the store's blocks %d..%d: did they arrive before its first block (-from, in a new -data) or after its last (-to)?\n",
			o.doc.Source.Store.FirstBlock, o.doc.Source.Store.Tip.Height)
	case len(c.pubKeys) == 0 && hasP2PKH(c):
		fmt.Fprintf(stderr, "; if the address was paid to its public key (pay-to-pubkey, as nearly all coins of 2009-2010), Esplora lists those payments under the key: pass it with -pubkey, or seed with a txid or txid:vout\n")
	default:
		fmt.Fprintln(stderr)
	}
}

func hasP2PKH(c *config) bool {
	for _, s := range c.seedTexts {
		if a, err := c.params.Parse(s); err == nil && a.Kind == chain.KindP2PKH {
			return true
		}
	}
	return false
}

// beyondHops counts the outputs of the last hop -hops allowed that were
// spent outside the flow: Result.Stopped mixes every limit's links.
func beyondHops(c *config, res *trace.Result) int {
	if c.hops == 0 || res.Hops < c.hops {
		return 0
	}
	n := 0
	for i, tx := range res.Txs() {
		if res.Hop(i) != c.hops {
			continue
		}
		for _, by := range tx.SpentBy {
			if !by.IsZero() && !res.Contains(by.Tx) {
				n++
			}
		}
	}
	return n
}
