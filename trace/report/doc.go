// Package report turns a trace, and optionally a taint computed on it, into
// a case report for people and tools: one self-contained HTML page, the
// same content as Markdown, and as JSON.
//
// New builds a Report from a *trace.Result, a *trace.Taint (or nil) and
// Options that carry what the trace cannot know about itself: the store's
// tip, the plume version, the generation time and the exits the taint was
// given. WriteHTML, WriteMarkdown and WriteJSON write it.
//
//	res, _ := trace.Follow(ctx, snap, seeds, trace.Options{})
//	taint, _ := trace.ComputeTaint(res, trace.TaintOptions{Model: trace.Haircut, Exits: exits})
//	tip, _ := db.Tip()
//	rep, _ := report.New(res, taint, report.Options{Tip: report.Tip(tip), Exits: exits})
//	report.WriteHTML(f, rep)
//
// # What a report holds
//
// The summary (network, seeds, how many transactions and hops, and where
// the stolen value went: held, dormant, exited per exit label, paid as
// fees, beyond the trace); the destinations, by address; the dispersion
// timeline (trace.Taint.Timeline); the flow graph; and the provenance:
// store tip height and hash, plume version, generation time, the trace's
// options and outcome, the taint model and exits, and for each payment to
// an exit the path of transactions from the seed. Without a taint the
// amounts are the whole value of the outputs reached, and there is no
// timeline.
//
// # The HTML page
//
// One file that needs no network to view, now or in years: its styles,
// the timeline chart (SVG drawn with gonum/plot), the graph data and the
// viewer are inlined, with Cytoscape.js 3.34.4 (MIT; see
// assets/README.md for where it came from). Its Content Security Policy
// forbids every fetch. The flow graph pans, zooms, and shows a node's
// transaction, outputs and taint when clicked; a click on a destination
// finds it in the graph. A flow larger than Options.MaxNodes
// (DefaultMaxNodes) is cut: the seeds, the exits and the paths to the most
// stolen value are kept, and the page says how much is drawn. The page
// exposes the graph as window.cy for the curious and for tests.
//
// # JSON
//
// WriteJSON writes the Report struct: snake_case names, amounts in
// satoshi (integers), shares as fractions (0..1), times in RFC 3339 UTC,
// txids in the usual byte-reversed hex. Optional fields are left out when
// absent (the taint fields without a taint). schema is "plume.report/v1"
// (Schema); a field that changes meaning or goes away changes it, while new
// fields may appear without it.
//
//	schema, title
//	summary:
//	  network, direction ("forward" or "backward"), model (taint model, absent without one),
//	  transactions, outputs, hops,
//	  first, last: the flow's first and last blocks {height, time},
//	  seeds: the seed outputs [{outpoint ("txid:vout"), address, value, height, taint}],
//	  stolen: the total the totals account for (taint put in plus value poison swept in;
//	    without a taint, the seeds' value),
//	  totals: [{kind, label (exits), amount, share (of stolen)}], kind one of
//	    "stolen", "swept", "held", "dormant", "exit", "fees", "beyond"
//	destinations: by address, most first: [{kind ("held", "dormant", "exit", "beyond", "fees"),
//	  label (the exit's), address, outputs, value, taint, share, last {height, time} (the newest
//	  output's block), node (its graph node, if drawn)}]
//	timeline: {bucket ("block", "hour" or "day"), steps: [{height (-1 for hour and day), start,
//	  end, holders, utxos, held, exited, beyond, gini, entropy (bits)}]}
//	graph: what the page draws:
//	  flow_nodes (nodes in the whole flow), max_nodes (the cap; 0: none), capped,
//	  nodes: [{id, kind ("tx", "held", "dormant", "exit", "beyond"), label, txid, vout (outputs),
//	    block {height, time}, hop, seed, address (outputs), exit (the exit's label), value, taint,
//	    share, x, y (the layout), and for transactions: inputs, fee (when known),
//	    tx_taint {in, out, fee, injected, absorbed}, outputs [{vout, address, value, taint,
//	    to ("flow" or a destination kind), spender (txid, when a flow transaction spends it),
//	    node (the drawn node it leads to)}], more_outputs (outputs not listed)}]
//	  edges: [{id, source, target, value, taint}]: transaction to transaction (parallel spends
//	    folded) and transaction to output
//	provenance:
//	  tip {height, hash} (absent if unknown), version, generated, network,
//	  seeds: as given [{seed, from, to, amount}],
//	  trace: the options and outcome {direction, max_hops, min_value, from, to, max_txs,
//	    coinjoins (the CoinJoin policy: "ignore", "stop" or "haircut"), stop (whether a stop
//	    predicate was set), stop_predicate (what it did, when the caller said: Options.Stop),
//	    prefer_remainder (only peel chains' remainders were followed; absent when not), hops,
//	    edges, truncated, stopped, outside, coinjoins_stopped},
//	  model, coinjoins (the taint's CoinJoin policy, absent when it ignores them),
//	  settings: the caller's further choices, in words [{name, value}] (Options.Settings; absent
//	    when none),
//	  exits: [{label, address}] (configured, and any other label the taint exited at),
//	  exit_paths: [{label, address, outpoint, value, taint, hop, path: [{txid, height, hop}],
//	    block {height, time}, node}]
//
// Graph node IDs are "t" or "o" followed by the chain node ID of the
// transaction or output (see package chain), so they are stable across
// reports of the same chain.
//
// # Concurrency
//
// New reads the Result and Taint, which are immutable; a Report is plain
// data. The writers may run concurrently on the same Report.
package report
