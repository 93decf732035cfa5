// Command live traces stolen coins on the real chain, read from a node or
// an Esplora server that you name; without one it says what to pass.
//
//	go run ./examples/live -rpc http://127.0.0.1:8332 -rpc-cookie ~/.bitcoin/.cookie -from 541000 -to 542000
//	go run ./examples/live -rpc https://127.0.0.1:8334 -rpc-cert ~/.btcd/rpc.cert -rpc-user U -rpc-pass P -from 541000 -to 542000
//	go run ./examples/live -esplora https://blockstream.info/api -hops 3
//	go run ./examples/live -rpc 127.0.0.1:18443 -rpc-user u -rpc-pass p -network regtest -seed TXID:0 -watch
//	go run ./examples/live -esplora https://blockstream.info/api -model haircut -report zaif.html -json
//
// With no -seed on mainnet it follows the thief's first address of the
// Zaif theft of 14 September 2018, 1FmwHh6pgkf4meCMoqo8fHH3GNRF571f9w
// (theft transaction c3b9a4a0…4280; see examples/zaif). Seeds are
// addresses, txids or txid:vout; -seed repeats.
//
// With -rpc (Bitcoin Core, btcd, or a node speaking their JSON-RPC) the
// node's blocks are synced into a store in -data and traced there. A
// whole mainnet index takes days, so a new store ingests a window: from
// -from (needed unless the node's chain is short, as on regtest) up to
// -to, or the node's tip. Coins spent from below the window are asked of
// the node, one getrawtransaction each (run it with -txindex), which
// makes the first run on a mainnet window slow: a thousand blocks of 2018
// hold about two million transactions. The next run resumes where the
// store stopped and undoes blocks the node has reorganised away; a store
// keeps its window, so give each case its own -data. -from 541000 -to
// 542000 covers the Zaif theft: block 541000 is about two days before it,
// 542000 some five days after. With -watch, the tainted coins still
// unspent are then watched on the node, and each time they move an alert
// is printed as a JSON line, until interrupted.
//
// With -esplora the transactions are fetched on demand, at most -rate
// requests a second (10 by default, which public servers expect: a trace
// of a thousand transactions then takes minutes), and kept in a cache in
// -data, so tracing the case again sends no request; answers that can
// change, such as whether an output is spent yet, are fetched again after
// -cache-age. The server's operator learns every address and transaction
// traced: trace confidential cases on your own node or Esplora. Esplora
// lists pay-to-pubkey outputs, nearly all of 2009-2010, under their key
// rather than their address: give the key with -pubkey to follow such an
// address, or seed with a txid.
//
// -hops, -max-txs (1000 by default) and -min-value keep a trace of real,
// busy coins bounded; stderr says when a limit stopped it. -model adds
// each output's stolen share; -report writes the HTML case report. The
// output is a table, or with -json one document whose seeds and txs have
// the form examples/genesis prints, with where the data came from.
// Progress bars appear on stderr when it is a terminal.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/plumetrace/plume/internal/cmdmain"
)

func main() { cmdmain.Run("live", run) }

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c, err := parseFlags(args, stderr)
	if err != nil {
		if errors.Is(err, errNoSource) {
			fmt.Fprint(stderr, noSourceHelp)
		}
		return err
	}
	return execute(ctx, c, stdout, stderr)
}

// execute does what the flags say.
func execute(ctx context.Context, c *config, stdout, stderr io.Writer) error {
	var o *outcome
	var err error
	if c.rpcURL != "" {
		o, err = traceNode(ctx, c, stderr)
	} else {
		o, err = traceEsplora(ctx, c, stderr)
	}
	if err != nil {
		return err
	}
	explain(c, o, stderr)
	if c.report != "" {
		if err := writeHTMLReport(c.report, o, stderr); err != nil {
			return err
		}
	}
	if c.asJSON {
		err = o.doc.writeJSON(stdout)
	} else {
		err = o.doc.writeText(stdout)
	}
	if err != nil || !c.watch {
		return err
	}
	return watch(ctx, c, o, stdout, stderr)
}
