package main

import (
	"context"
	"fmt"
	"io"

	"github.com/plumetrace/plume/graph"
	"github.com/plumetrace/plume/trace"
)

// watch keeps an eye on the tainted coins still unspent and prints an
// alert, one JSON line on stdout, each time they move: in the mempool,
// mined, paid on. It returns nil when ctx ends (an interrupt).
//
// The watch starts at the node's tip when it begins: a block mined in the
// moment between the sync and then is not looked at, since trace.Watch
// takes no starting height.
func watch(ctx context.Context, c *config, o *outcome, stdout, stderr io.Writer) error {
	cs := trace.CaseFrom(o.taint)
	if len(cs.Outputs) == 0 {
		fmt.Fprintln(stderr, "nothing to watch: every tainted output of the trace is spent")
		return nil
	}
	var held int64
	for _, w := range cs.Outputs {
		held += w.Taint
	}
	fmt.Fprintf(stderr, "watching %d unspent outputs holding %s stolen BTC (%s taint) on %s; alerts follow on stdout as JSON lines; interrupt to stop\n",
		len(cs.Outputs), graph.BTC(held), cs.Model, o.doc.Source.URL)
	return trace.Watch(ctx, o.feed, cs, trace.WatchOptions{Out: stdout, Params: c.params,
		OnError: func(err error) { fmt.Fprintf(stderr, "watch: %v\n", err) }})
}
