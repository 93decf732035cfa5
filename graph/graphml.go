package graph

import (
	"io"
	"strconv"
)

// GraphML (http://graphml.graphdrawing.org) is the XML graph format that
// yEd, Cytoscape, Gephi, networkx and igraph all read. Every attribute is
// declared in a <key> with its attr.type, so readers get numbers as
// numbers: satoshi as long, heights and hops as int, seed as boolean.
// Times are RFC 3339 strings, GraphML having no date type.
//
// Key IDs carry a prefix for what they describe (g_ graph, n_ node, e_
// edge) because a node's "value" and an edge's "value" are different keys
// that must not share an ID.

const (
	graphmlNS  = "http://graphml.graphdrawing.org/xmlns"
	graphmlXSD = "http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd"
	xsiNS      = "http://www.w3.org/2001/XMLSchema-instance"
)

// WriteGraphML writes the flow in GraphML: one node per transaction and
// per output, with a "kind" of "tx" or "output", a "label" (the txid, or
// the output's address) and the attributes txid, height, time and hop
// (transactions) or outpoint, address, value, seed and, with opt.Taint,
// taint (outputs); one edge per transaction -> output and output ->
// spender, with its value in satoshi. Node IDs are chain node IDs. The
// document is streamed: memory does not grow with the flow.
func (f *Flow) WriteGraphML(w io.Writer, opt ExportOptions) error {
	return writeGraphML(w, newFlowView(f, opt), opt.Name)
}

// WriteGraphML writes the address projection in GraphML: one node per
// address (kind "address") with address, received, sent, self_value, txs,
// seed and, with opt.Taint, the taint it received; one edge per pair of
// addresses with the value moved, rounded to the satoshi.
func (g *AddrGraph) WriteGraphML(w io.Writer, opt ExportOptions) error {
	return writeGraphML(w, newAddrView(g, opt), opt.Name)
}

func writeGraphML(w io.Writer, v view, name string) error {
	info := v.info()
	x := newXMLStream(w)
	x.start("graphml", "xmlns", graphmlNS, "xmlns:xsi", xsiNS, "xsi:schemaLocation", graphmlNS+" "+graphmlXSD)

	type graphAttr struct{ key, value string }
	var gattrs []graphAttr
	for _, a := range []graphAttr{{"name", name}, {"network", info.network}, {"direction", info.direction}} {
		if a.value != "" {
			gattrs = append(gattrs, a)
			x.empty("key", "id", "g_"+a.key, "for", "graph", "attr.name", a.key, "attr.type", "string")
		}
	}
	x.empty("key", "id", "n_kind", "for", "node", "attr.name", "kind", "attr.type", "string")
	x.empty("key", "id", "n_label", "for", "node", "attr.name", "label", "attr.type", "string")
	keys := make([]string, len(info.fields))
	for i, fl := range info.fields {
		keys[i] = "n_" + fl.name
		x.empty("key", "id", keys[i], "for", "node", "attr.name", fl.name, "attr.type", graphmlTypes[fl.typ])
	}
	x.empty("key", "id", "e_value", "for", "edge", "attr.name", "value", "attr.type", "long")

	x.start("graph", "id", info.id, "edgedefault", "directed")
	for _, a := range gattrs {
		x.text("data", a.value, "key", "g_"+a.key)
	}
	if x.err != nil {
		return x.err
	}
	err := v.eachNode(func(n *nodeRec) error {
		x.start("node", "id", strconv.FormatInt(n.id, 10))
		x.text("data", kindNames[n.kind], "key", "n_kind")
		x.text("data", n.label, "key", "n_label")
		for i, val := range n.vals {
			if val != "" {
				x.text("data", val, "key", keys[i])
			}
		}
		x.end("node")
		return x.err
	})
	if err != nil {
		return err
	}
	err = v.eachEdge(func(e *edgeRec) error {
		x.start("edge", "source", strconv.FormatInt(e.from, 10), "target", strconv.FormatInt(e.to, 10))
		x.text("data", strconv.FormatInt(e.value, 10), "key", "e_value")
		x.end("edge")
		return x.err
	})
	if err != nil {
		return err
	}
	x.end("graph")
	x.end("graphml")
	return x.close()
}
