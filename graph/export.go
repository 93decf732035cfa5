package graph

import (
	"errors"

	"github.com/plumetrace/plume/chain"
)

// Exports: every writer of this package takes an ExportOptions. GraphML,
// GEXF and Neo4j CSV write one schema, the same attributes under the same
// names and types, so a column means the same thing in Gephi and in
// Neo4j; JSON's names match it, DOT keeps its own. This file holds the
// options and the schema; view.go walks the two views into records;
// graphml.go, gexf.go and csv.go write them.

// ExportOptions tune every writer of this package. The zero value writes
// the graph as it is.
type ExportOptions struct {
	// Name names the graph: the DOT graph name, a "name" attribute of the
	// GraphML graph, the GEXF description and a "name" field in JSON. The
	// CSV files have nowhere to put it.
	Name string
	// Taint, when set, annotates outputs with the satoshi of stolen value
	// they hold (a taint model's result): it is asked once per output node
	// (the flow's outputs and the outside outputs it spends), and ok false
	// leaves that output without the attribute. In the address view each
	// address gets the sum over the flow's outputs paying it, what it
	// received of the taint. A func, not a trace type, so that graph need
	// not import trace; trace.Taint.Output fits it with a closure.
	Taint func(o chain.OutPoint) (sat int64, ok bool)
}

func (o ExportOptions) taint(op chain.OutPoint) (int64, bool) {
	if o.Taint == nil {
		return 0, false
	}
	return o.Taint(op)
}

// optionsOf is for the writers that predate ExportOptions (WriteJSON),
// whose options are variadic so that existing calls keep compiling.
func optionsOf(opts []ExportOptions) (ExportOptions, error) {
	switch len(opts) {
	case 0:
		return ExportOptions{}, nil
	case 1:
		return opts[0], nil
	}
	return ExportOptions{}, errors.New("graph: more than one ExportOptions")
}

// exportTime is how block times are written: RFC 3339 in UTC, which
// Neo4j reads as a datetime and the XML formats keep as a string.
const exportTime = "2006-01-02T15:04:05Z"

// fieldType is the type of an exported attribute; each format names it in
// its own way.
type fieldType uint8

const (
	typString fieldType = iota
	typInt              // 32-bit: heights, hops, counts
	typLong             // 64-bit: satoshi
	typBool
	typTime // exportTime
)

// GraphML's attr.type, GEXF's attribute type and Neo4j's header type (""
// is Neo4j's default, string).
var (
	graphmlTypes    = [...]string{typString: "string", typInt: "int", typLong: "long", typBool: "boolean", typTime: "string"}
	gexfTypes       = [...]string{typString: "string", typInt: "integer", typLong: "long", typBool: "boolean", typTime: "string"}
	neo4jFieldTypes = [...]string{typString: "", typInt: "int", typLong: "long", typBool: "boolean", typTime: "datetime"}
)

// field is one node attribute of an export.
type field struct {
	name string
	typ  fieldType
}

// The node attributes of the transaction-level view. Transactions fill the
// first four, outputs the rest; the indexes below name them.
var flowFields = []field{
	{"txid", typString}, {"height", typInt}, {"time", typTime}, {"hop", typInt},
	{"outpoint", typString}, {"address", typString}, {"value", typLong}, {"seed", typBool},
	{"taint", typLong}, // only with ExportOptions.Taint
}

const (
	fTxid = iota
	fHeight
	fTime
	fHop
	fOutpoint
	fAddress
	fValue
	fSeed
	fTaint
)

// The node attributes of the address view, named as in JSON.
var addrFields = []field{
	{"address", typString}, {"received", typLong}, {"sent", typLong}, {"self_value", typLong},
	{"txs", typInt}, {"seed", typBool},
	{"taint", typLong}, // only with ExportOptions.Taint
}

const (
	aAddress = iota
	aReceived
	aSent
	aSelf
	aTxs
	aSeed
	aTaint
)

// nodeKind is what a node stands for. The XML formats write it as a
// "kind" attribute, the CSV files as the Neo4j label.
type nodeKind uint8

const (
	kindTx nodeKind = iota
	kindOutput
	kindAddress
)

var (
	kindNames   = [...]string{kindTx: "tx", kindOutput: "output", kindAddress: "address"}
	neo4jLabels = [...]string{kindTx: "Tx", kindOutput: "Output", kindAddress: "Address"}
)

// edgeKind is what an edge stands for; the CSV files write it as the
// Neo4j relationship type, the XML formats leave it to the end points'
// kinds.
type edgeKind uint8

const (
	edgePays    edgeKind = iota // transaction -> output it creates
	edgeSpentBy                 // output -> transaction that spends it
	edgeSent                    // address -> address
)

var neo4jRelTypes = [...]string{edgePays: "PAYS", edgeSpentBy: "SPENT_BY", edgeSent: "SENT"}

// nodeRec is one node as the writers see it. Walkers reuse one record for
// every node: writers must not keep it.
type nodeRec struct {
	id    int64
	kind  nodeKind
	label string // what a viewer shows: the txid, or the address
	seed  bool
	vals  []string // by field; "" where the field does not apply
}

// edgeRec is one edge; walkers reuse it too.
type edgeRec struct {
	from, to int64
	kind     edgeKind
	value    int64   // satoshi, rounded in the address view
	weight   float64 // the gonum weight: value, or the address view's exact share
}

// viewInfo is what a writer needs before it walks a view.
type viewInfo struct {
	id        string // the graph's ID in GraphML: "flow" or "addresses"
	network   string
	direction string // "forward" or "backward"; "" if unknown
	fields    []field
	nodes     int
	edges     int
}

// view is one graph as the writers see it: a schema, and its nodes and
// edges in ID order, streamed so that no writer holds the document. A
// walk stops at the first error fn returns and returns it.
type view interface {
	info() viewInfo
	eachNode(fn func(*nodeRec) error) error
	eachEdge(fn func(*edgeRec) error) error
}
