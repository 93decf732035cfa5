// Package graph holds the flow graph of a traced region and its views.
//
// A Flow is what a trace returns: the transactions it reached, each with
// the hop at which it was reached, every output they create and every
// output they spend. It is three things at once:
//
//   - an ordered list of transactions for hot loops such as taint, which
//     walk indexes in chain order (a topological order of the flow);
//   - a gonum graph (graph.Directed and graph.Weighted): transactions point
//     to their outputs, outputs to the transaction that spends them, and
//     every edge weighs the value it carries in satoshi, so gonum's
//     traverse, topo, path, network and community packages run on it
//     unchanged;
//   - a source of transactions (it satisfies trace.Source), so a region
//     loaded once can be traced again in memory.
//
// Addresses gives the address-level projection, where value flows from the
// addresses that fund a transaction to the addresses it pays.
//
// # Exports
//
// Either view is written for other tools as DOT (Graphviz), JSON, GraphML
// (yEd, Cytoscape, networkx), GEXF 1.3 (Gephi) or CSV for Neo4j's bulk
// importer; the last three carry the same typed attributes under the same
// names. Every writer takes an ExportOptions, whose zero value writes the
// graph as it is; its Taint hook annotates outputs with a taint model's
// result without this package importing trace. GraphML, GEXF and CSV are
// streamed: writing a flow takes memory for a buffer, not for the
// document.
//
// Node IDs are chain node IDs (see package chain): the same transaction
// has the same ID in every flow and every store.
//
// A Flow is immutable once built and safe for concurrent use.
package graph
