package graph

import (
	"io"
	"strconv"
)

// GEXF 1.3 (http://gexf.net/1.3) is Gephi's own format. What Gephi's
// importer does, and so what this writer does about it:
//
//   - Attribute columns are keyed by the <attribute> id, typed by its
//     type; ids "id", "label" and "weight" would collide with Gephi's own
//     columns, so none is used. Types are from the 1.3 schema: integer is
//     32-bit (heights, hops, counts), long 64-bit (satoshi). Times are
//     strings: GEXF attributes have no date type, and Gephi's dynamic-graph
//     time model is more than a static flow needs.
//   - The edge weight is the weight attribute of <edge>, a double in the
//     schema, which Gephi parses as a 32-bit float: exact only to 2^24
//     satoshi (0.17 BTC). The exact value is also written, as the long
//     attribute "value".
//   - Gephi drops edges whose weight is 0 and reports an error for each,
//     which would lose the zero-value outputs of OP_RETURN data carriers
//     and dust; those edges get gexfZeroWeight, and value stays 0.
//   - Node IDs are strings (idtype="string") holding chain node IDs:
//     Gephi's integer IDs are 32-bit.
//   - Seeds are coloured with <viz:color>, which Gephi shows at once.

const (
	gexfNS    = "http://gexf.net/1.3"
	gexfVizNS = "http://gexf.net/1.3/viz"
	gexfXSD   = "http://gexf.net/1.3/gexf.xsd"

	// gexfZeroWeight stands for a weight of 0 satoshi, far below the
	// smallest real weight of the transaction view (1 satoshi).
	gexfZeroWeight = "1e-9"
)

// Seeds are red; nothing else is coloured, so Gephi's palette stays free
// for partitions the investigator makes.
var gexfSeedColor = []string{"r", "220", "g", "38", "b", "38"}

// WriteGEXF writes the flow in GEXF 1.3 for Gephi, with the nodes, edges
// and attributes of WriteGraphML; the node label (what Gephi shows) is
// the txid or the output's address, edge weights are satoshi, and seed
// outputs are red. The document is streamed.
func (f *Flow) WriteGEXF(w io.Writer, opt ExportOptions) error {
	return writeGEXF(w, newFlowView(f, opt), opt.Name)
}

// WriteGEXF writes the address projection in GEXF 1.3 for Gephi, with the
// attributes of WriteGraphML; edge weights are the value moved in
// satoshi, unrounded, and seed addresses are red.
func (g *AddrGraph) WriteGEXF(w io.Writer, opt ExportOptions) error {
	return writeGEXF(w, newAddrView(g, opt), opt.Name)
}

func writeGEXF(w io.Writer, v view, name string) error {
	info := v.info()
	x := newXMLStream(w)
	x.start("gexf", "xmlns", gexfNS, "xmlns:viz", gexfVizNS, "xmlns:xsi", xsiNS,
		"xsi:schemaLocation", gexfNS+" "+gexfXSD, "version", "1.3")
	// No lastmodifieddate: the same flow must give the same bytes.
	x.start("meta")
	x.text("creator", "plume")
	desc := "plume " + info.id
	if name != "" {
		desc = name
	}
	x.text("description", desc)
	kw := info.network
	if info.direction != "" {
		kw += ", " + info.direction
	}
	x.text("keywords", kw)
	x.end("meta")

	x.start("graph", "mode", "static", "defaultedgetype", "directed", "idtype", "string")
	x.start("attributes", "class", "node")
	x.empty("attribute", "id", "kind", "title", "kind", "type", "string")
	for _, fl := range info.fields {
		x.empty("attribute", "id", fl.name, "title", fl.name, "type", gexfTypes[fl.typ])
	}
	x.end("attributes")
	x.start("attributes", "class", "edge")
	x.empty("attribute", "id", "value", "title", "value", "type", "long")
	x.end("attributes")
	if x.err != nil {
		return x.err
	}

	x.start("nodes", "count", strconv.Itoa(info.nodes))
	err := v.eachNode(func(n *nodeRec) error {
		x.start("node", "id", strconv.FormatInt(n.id, 10), "label", n.label)
		x.start("attvalues")
		x.empty("attvalue", "for", "kind", "value", kindNames[n.kind])
		for i, val := range n.vals {
			if val != "" {
				x.empty("attvalue", "for", info.fields[i].name, "value", val)
			}
		}
		x.end("attvalues")
		if n.seed {
			x.empty("viz:color", gexfSeedColor...)
		}
		x.end("node")
		return x.err
	})
	if err != nil {
		return err
	}
	x.end("nodes")

	x.start("edges", "count", strconv.Itoa(info.edges))
	err = v.eachEdge(func(e *edgeRec) error {
		weight := gexfZeroWeight
		if e.weight > 0 {
			weight = strconv.FormatFloat(e.weight, 'f', -1, 64)
		}
		x.start("edge", "source", strconv.FormatInt(e.from, 10), "target", strconv.FormatInt(e.to, 10), "weight", weight)
		x.start("attvalues")
		x.empty("attvalue", "for", "value", "value", strconv.FormatInt(e.value, 10))
		x.end("attvalues")
		x.end("edge")
		return x.err
	})
	if err != nil {
		return err
	}
	x.end("edges")
	x.end("graph")
	x.end("gexf")
	return x.close()
}
