package graph

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"strconv"
	"testing"

	"github.com/plumetrace/plume/chain"
)

// The GraphML document as encoding/xml reads it. Every element name is
// qualified with the GraphML namespace, so a document whose elements fall
// outside it (a missing or wrong xmlns) reads as empty and fails.
type graphmlDoc struct {
	XMLName xml.Name     `xml:"http://graphml.graphdrawing.org/xmlns graphml"`
	Keys    []graphmlKey `xml:"http://graphml.graphdrawing.org/xmlns key"`
	Graphs  []struct {
		ID          string        `xml:"id,attr"`
		EdgeDefault string        `xml:"edgedefault,attr"`
		Data        []graphmlData `xml:"http://graphml.graphdrawing.org/xmlns data"`
		Nodes       []graphmlNode `xml:"http://graphml.graphdrawing.org/xmlns node"`
		Edges       []graphmlEdge `xml:"http://graphml.graphdrawing.org/xmlns edge"`
	} `xml:"http://graphml.graphdrawing.org/xmlns graph"`
}

type graphmlKey struct {
	ID   string `xml:"id,attr"`
	For  string `xml:"for,attr"`
	Name string `xml:"attr.name,attr"`
	Type string `xml:"attr.type,attr"`
}

type graphmlData struct {
	Key   string `xml:"key,attr"`
	Value string `xml:",chardata"`
}

type graphmlNode struct {
	ID   string        `xml:"id,attr"`
	Data []graphmlData `xml:"http://graphml.graphdrawing.org/xmlns data"`
}

type graphmlEdge struct {
	Source string        `xml:"source,attr"`
	Target string        `xml:"target,attr"`
	Data   []graphmlData `xml:"http://graphml.graphdrawing.org/xmlns data"`
}

// checkTyped reports whether v is a valid value of a GraphML attr.type
// (GEXF's type names are accepted too).
func checkTyped(typ, v string) error {
	var err error
	switch typ {
	case "int", "integer":
		_, err = strconv.ParseInt(v, 10, 32)
	case "long":
		_, err = strconv.ParseInt(v, 10, 64)
	case "boolean":
		if v != "true" && v != "false" {
			err = fmt.Errorf("not a boolean")
		}
	case "float", "double":
		_, err = strconv.ParseFloat(v, 64)
	case "string":
	default:
		err = fmt.Errorf("unknown type %q", typ)
	}
	if err != nil {
		return fmt.Errorf("%q as %s: %w", v, typ, err)
	}
	return nil
}

// parseGraphML reads a GraphML export back, checking what GraphML readers
// rely on: every attribute declared once in a typed key for its domain,
// every value valid for its type, unique node IDs, edges between declared
// nodes.
func parseGraphML(t *testing.T, b []byte) (exported, map[string]string) {
	t.Helper()
	var doc graphmlDoc
	if err := xml.Unmarshal(b, &doc); err != nil {
		t.Fatalf("xml: %v", err)
	}
	if len(doc.Graphs) != 1 || doc.Graphs[0].EdgeDefault != "directed" {
		t.Fatalf("want one directed graph, got %d", len(doc.Graphs))
	}
	keys := make(map[string]graphmlKey)
	names := make(map[[2]string]bool)
	for _, k := range doc.Keys {
		if _, dup := keys[k.ID]; dup || names[[2]string{k.For, k.Name}] {
			t.Errorf("key %q (%s %s) declared twice", k.ID, k.For, k.Name)
		}
		switch k.Type {
		case "boolean", "int", "long", "float", "double", "string":
		default:
			t.Errorf("key %q: attr.type %q is not GraphML's", k.ID, k.Type)
		}
		keys[k.ID] = k
		names[[2]string{k.For, k.Name}] = true
	}
	attrs := func(what, domain string, data []graphmlData) map[string]string {
		m := make(map[string]string)
		for _, d := range data {
			k, ok := keys[d.Key]
			if !ok || k.For != domain {
				t.Errorf("%s: data for undeclared %s key %q", what, domain, d.Key)
				continue
			}
			if err := checkTyped(k.Type, d.Value); err != nil {
				t.Errorf("%s: %s: %v", what, k.Name, err)
			}
			if _, dup := m[k.Name]; dup {
				t.Errorf("%s: %s given twice", what, k.Name)
			}
			m[k.Name] = d.Value
		}
		return m
	}
	g := doc.Graphs[0]
	graphAttrs := attrs("graph", "graph", g.Data)
	graphAttrs["id"] = g.ID
	e := newExported()
	for _, n := range g.Nodes {
		if _, dup := e.nodes[n.ID]; dup {
			t.Errorf("node %s twice", n.ID)
		}
		e.nodes[n.ID] = attrs("node "+n.ID, "node", n.Data)
	}
	for _, ed := range g.Edges {
		k := [2]string{ed.Source, ed.Target}
		if e.nodes[ed.Source] == nil || e.nodes[ed.Target] == nil {
			t.Errorf("edge %s -> %s between undeclared nodes", ed.Source, ed.Target)
		}
		if _, dup := e.edges[k]; dup {
			t.Errorf("edge %s -> %s twice", ed.Source, ed.Target)
		}
		e.edges[k] = attrs("edge", "edge", ed.Data)
	}
	return e, graphAttrs
}

func graphMLWriters(f *Flow, g *AddrGraph) (flow, addrs func(io.Writer, ExportOptions) error) {
	return f.WriteGraphML, g.WriteGraphML
}

func TestGraphML(t *testing.T) {
	for _, c := range exportCases(graphMLWriters) {
		t.Run(c.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := c.write(&b, c.opt); err != nil {
				t.Fatal(err)
			}
			got, gattrs := parseGraphML(t, b.Bytes())
			compareExported(t, c.want.without([]string{attrColor}, []string{attrWeight, attrType}), got)
			want := map[string]string{"id": c.view, "network": c.r.flow.Params().Name, "direction": direction(c.r.flow.Forward())}
			if c.opt.Name != "" {
				want["name"] = c.opt.Name
			}
			for k, v := range want {
				if gattrs[k] != v {
					t.Errorf("graph %s = %q, want %q", k, gattrs[k], v)
				}
			}
		})
	}
}

func TestGraphMLDeterministic(t *testing.T) {
	opt := ExportOptions{Taint: testTaint}
	checkDeterministic(t, func(f *Flow, _ *AddrGraph, w io.Writer) error { return f.WriteGraphML(w, opt) })
	checkDeterministic(t, func(_ *Flow, g *AddrGraph, w io.Writer) error { return g.WriteGraphML(w, opt) })
}

func TestGraphMLWriteError(t *testing.T) {
	checkWriteError(t, func(f *Flow, _ *AddrGraph, w io.Writer) error { return f.WriteGraphML(w, ExportOptions{}) })
	checkWriteError(t, func(_ *Flow, g *AddrGraph, w io.Writer) error { return g.WriteGraphML(w, ExportOptions{}) })
}

// Two coinbases share a txid (BIP30): the exports keep them apart by node
// ID, give both the txid, and name their outputs as DOT does.
func TestExportDuplicateTxid(t *testing.T) {
	w := newWorld()
	first := w.Tx(91812, 0, nil, pay(addr(1), 50*btc))
	again := *first
	again.ID = chain.MakeTxID(91842, 0)
	again.Time = blockTime(91842)
	f := New(nil, true, nil, append(at(0, first), at(0, &again)...))
	var b bytes.Buffer
	if err := f.WriteGraphML(&b, ExportOptions{}); err != nil {
		t.Fatal(err)
	}
	got, _ := parseGraphML(t, b.Bytes())
	h := first.Hash.String()
	for id, want := range map[int64][2]string{
		first.ID.Node():        {"txid", h},
		again.ID.Node():        {"txid", h},
		first.ID.Out(0).Node(): {"outpoint", h + "@91812:0:0"},
		again.ID.Out(0).Node(): {"outpoint", h + "@91842:0:0"},
	} {
		if v := got.nodes[strconv.FormatInt(id, 10)][want[0]]; v != want[1] {
			t.Errorf("node %d: %s = %q, want %q", id, want[0], v, want[1])
		}
	}
}
