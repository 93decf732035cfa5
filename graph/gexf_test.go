package graph

import (
	"bytes"
	"encoding/xml"
	"io"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// The GEXF document as encoding/xml reads it, names qualified with the
// GEXF 1.3 namespace (and viz:color with the viz namespace).
type gexfDoc struct {
	XMLName xml.Name `xml:"http://gexf.net/1.3 gexf"`
	Version string   `xml:"version,attr"`
	Meta    struct {
		Creator     string `xml:"http://gexf.net/1.3 creator"`
		Description string `xml:"http://gexf.net/1.3 description"`
		Keywords    string `xml:"http://gexf.net/1.3 keywords"`
	} `xml:"http://gexf.net/1.3 meta"`
	Graph struct {
		Mode            string `xml:"mode,attr"`
		DefaultEdgeType string `xml:"defaultedgetype,attr"`
		IDType          string `xml:"idtype,attr"`
		Attributes      []struct {
			Class string `xml:"class,attr"`
			Attrs []struct {
				ID    string `xml:"id,attr"`
				Title string `xml:"title,attr"`
				Type  string `xml:"type,attr"`
			} `xml:"http://gexf.net/1.3 attribute"`
		} `xml:"http://gexf.net/1.3 attributes"`
		Nodes struct {
			Count int        `xml:"count,attr"`
			Nodes []gexfNode `xml:"http://gexf.net/1.3 node"`
		} `xml:"http://gexf.net/1.3 nodes"`
		Edges struct {
			Count int        `xml:"count,attr"`
			Edges []gexfEdge `xml:"http://gexf.net/1.3 edge"`
		} `xml:"http://gexf.net/1.3 edges"`
	} `xml:"http://gexf.net/1.3 graph"`
}

type gexfAttValue struct {
	For   string `xml:"for,attr"`
	Value string `xml:"value,attr"`
}

type gexfNode struct {
	ID     string         `xml:"id,attr"`
	Label  string         `xml:"label,attr"`
	Values []gexfAttValue `xml:"http://gexf.net/1.3 attvalues>attvalue"`
	Colors []struct {
		R string `xml:"r,attr"`
		G string `xml:"g,attr"`
		B string `xml:"b,attr"`
	} `xml:"http://gexf.net/1.3/viz color"`
}

type gexfEdge struct {
	Source string         `xml:"source,attr"`
	Target string         `xml:"target,attr"`
	Weight string         `xml:"weight,attr"`
	Values []gexfAttValue `xml:"http://gexf.net/1.3 attvalues>attvalue"`
}

// gexfOrder checks the element order GEXF 1.3 prescribes and the
// unmarshalling above does not: meta before graph; in graph the
// attributes, then nodes, then edges.
func gexfOrder(t *testing.T, b []byte) {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(b))
	var path, seen []string
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("xml: %v", err)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			if len(path) == 1 || len(path) == 2 && path[1] == "graph" {
				seen = append(seen, strings.Join(path[1:], "/")+"/"+tok.Name.Local)
			}
			path = append(path, tok.Name.Local)
		case xml.EndElement:
			path = path[:len(path)-1]
		}
	}
	want := []string{"/meta", "/graph", "graph/attributes", "graph/attributes", "graph/nodes", "graph/edges"}
	if !slices.Equal(seen, want) {
		t.Errorf("element order %v, want %v", seen, want)
	}
}

// parseGEXF reads a GEXF export back, checking what Gephi's importer
// needs: version 1.3, typed attributes from the 1.3 schema with no id
// Gephi reserves, values valid for their types, counts that match,
// positive weights, edges between declared nodes.
func parseGEXF(t *testing.T, b []byte) (exported, gexfDoc) {
	t.Helper()
	gexfOrder(t, b)
	var doc gexfDoc
	if err := xml.Unmarshal(b, &doc); err != nil {
		t.Fatalf("xml: %v", err)
	}
	g := doc.Graph
	if doc.Version != "1.3" || g.DefaultEdgeType != "directed" || g.Mode != "static" || g.IDType != "string" {
		t.Errorf("gexf version %q, graph mode %q, defaultedgetype %q, idtype %q", doc.Version, g.Mode, g.DefaultEdgeType, g.IDType)
	}
	types := map[string]map[string]string{"node": {}, "edge": {}}
	for _, as := range g.Attributes {
		decl, ok := types[as.Class]
		if !ok {
			t.Fatalf("attributes of class %q", as.Class)
		}
		for _, a := range as.Attrs {
			switch strings.ToLower(a.ID) {
			case "id", "label", "weight":
				t.Errorf("%s attribute id %q collides with Gephi's own column", as.Class, a.ID)
			}
			switch a.Type {
			case "integer", "long", "double", "float", "boolean", "string":
			default:
				t.Errorf("%s attribute %q: type %q", as.Class, a.ID, a.Type)
			}
			if _, dup := decl[a.ID]; dup {
				t.Errorf("%s attribute %q declared twice", as.Class, a.ID)
			}
			decl[a.ID] = a.Type
		}
	}
	attrs := func(what, class string, vs []gexfAttValue) map[string]string {
		m := make(map[string]string)
		for _, v := range vs {
			typ, ok := types[class][v.For]
			if !ok {
				t.Errorf("%s: value for undeclared %s attribute %q", what, class, v.For)
				continue
			}
			if err := checkTyped(typ, v.Value); err != nil {
				t.Errorf("%s: %s: %v", what, v.For, err)
			}
			if _, dup := m[v.For]; dup {
				t.Errorf("%s: %s given twice", what, v.For)
			}
			m[v.For] = v.Value
		}
		return m
	}
	e := newExported()
	for _, n := range g.Nodes.Nodes {
		if _, dup := e.nodes[n.ID]; dup {
			t.Errorf("node %s twice", n.ID)
		}
		m := attrs("node "+n.ID, "node", n.Values)
		m[attrLabel] = n.Label
		for _, c := range n.Colors {
			m[attrColor] = c.R + "," + c.G + "," + c.B
		}
		e.nodes[n.ID] = m
	}
	for _, ed := range g.Edges.Edges {
		k := [2]string{ed.Source, ed.Target}
		if e.nodes[ed.Source] == nil || e.nodes[ed.Target] == nil {
			t.Errorf("edge %s -> %s between undeclared nodes", ed.Source, ed.Target)
		}
		if _, dup := e.edges[k]; dup {
			t.Errorf("edge %s -> %s twice", ed.Source, ed.Target)
		}
		// Gephi parses weights as float and drops those equal to 0.
		if w, err := strconv.ParseFloat(ed.Weight, 32); err != nil || !(w > 0) {
			t.Errorf("edge %s -> %s: weight %q is not a positive float", ed.Source, ed.Target, ed.Weight)
		}
		m := attrs("edge", "edge", ed.Values)
		m[attrWeight] = normWeight(ed.Weight)
		e.edges[k] = m
	}
	if g.Nodes.Count != len(g.Nodes.Nodes) || g.Edges.Count != len(g.Edges.Edges) {
		t.Errorf("counts say %d nodes, %d edges; the document has %d, %d", g.Nodes.Count, g.Edges.Count, len(g.Nodes.Nodes), len(g.Edges.Edges))
	}
	return e, doc
}

func TestGEXF(t *testing.T) {
	for _, c := range exportCases(func(f *Flow, g *AddrGraph) (flow, addrs func(io.Writer, ExportOptions) error) {
		return f.WriteGEXF, g.WriteGEXF
	}) {
		t.Run(c.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := c.write(&b, c.opt); err != nil {
				t.Fatal(err)
			}
			got, doc := parseGEXF(t, b.Bytes())
			compareExported(t, c.want.without(nil, []string{attrType}), got)
			desc := "plume " + c.view
			if c.opt.Name != "" {
				desc = c.opt.Name
			}
			kw := c.r.flow.Params().Name + ", " + direction(c.r.flow.Forward())
			if doc.Meta.Creator != "plume" || doc.Meta.Description != desc || doc.Meta.Keywords != kw {
				t.Errorf("meta %+v, want description %q, keywords %q", doc.Meta, desc, kw)
			}
		})
	}
}

// Zero-value outputs must survive Gephi, which drops edges of weight 0.
func TestGEXFZeroWeight(t *testing.T) {
	r := handRegion()
	var b bytes.Buffer
	if err := r.flow.WriteGEXF(&b, ExportOptions{}); err != nil {
		t.Fatal(err)
	}
	got, _ := parseGEXF(t, b.Bytes())
	zeros := 0
	for k, e := range got.edges {
		if e["value"] == "0" {
			zeros++
			if e[attrWeight] != "1e-09" {
				t.Errorf("edge %s -> %s of value 0 weighs %s", k[0], k[1], e[attrWeight])
			}
		}
	}
	if zeros != 2 { // t4 spends an outside zero-value output and pays one
		t.Errorf("%d zero-value edges, want 2", zeros)
	}
}

func TestGEXFDeterministic(t *testing.T) {
	opt := ExportOptions{Taint: testTaint}
	checkDeterministic(t, func(f *Flow, _ *AddrGraph, w io.Writer) error { return f.WriteGEXF(w, opt) })
	checkDeterministic(t, func(_ *Flow, g *AddrGraph, w io.Writer) error { return g.WriteGEXF(w, opt) })
}

func TestGEXFWriteError(t *testing.T) {
	checkWriteError(t, func(f *Flow, _ *AddrGraph, w io.Writer) error { return f.WriteGEXF(w, ExportOptions{}) })
	checkWriteError(t, func(_ *Flow, g *AddrGraph, w io.Writer) error { return g.WriteGEXF(w, ExportOptions{}) })
}
