package graph

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// neo4jColumn is one column of a neo4j-admin import header: name:type,
// where type is a property type (string if absent) or one of the import's
// own fields (ID, LABEL, START_ID, END_ID, TYPE, IGNORE), which may name
// an ID space in parentheses.
type neo4jColumn struct {
	name, typ string
}

var (
	neo4jHeaderRe  = regexp.MustCompile(`^([^:]*)(?::([A-Za-z_]+)(?:\(([A-Za-z0-9_]+)\))?(\[\])?)?$`)
	neo4jSpecial   = map[string]bool{"ID": true, "LABEL": true, "START_ID": true, "END_ID": true, "TYPE": true, "IGNORE": true}
	neo4jPropTypes = map[string]bool{
		"int": true, "long": true, "float": true, "double": true, "boolean": true, "byte": true, "short": true,
		"char": true, "string": true, "point": true, "date": true, "localtime": true, "time": true,
		"localdatetime": true, "datetime": true, "duration": true,
	}
)

// parseNeo4jHeader checks a header against neo4j-admin's header format: a
// nodes file has one ID column, a relationships file one each of
// START_ID, END_ID and TYPE and no ID; property columns are named and
// typed with the import's type names.
func parseNeo4jHeader(header []string, rels bool) ([]neo4jColumn, error) {
	cols := make([]neo4jColumn, len(header))
	count := make(map[string]int)
	names := make(map[string]bool)
	for i, h := range header {
		m := neo4jHeaderRe.FindStringSubmatch(h)
		if m == nil {
			return nil, fmt.Errorf("column %q: not name:type", h)
		}
		name, typ := m[1], m[2]
		switch {
		case neo4jSpecial[typ]:
			count[typ]++
		case typ == "":
			if name == "" {
				return nil, fmt.Errorf("column %d: no name and no type", i)
			}
			typ = "string"
		case !neo4jPropTypes[typ]:
			return nil, fmt.Errorf("column %q: unknown type %q", h, typ)
		}
		if !neo4jSpecial[typ] || typ == "ID" && name != "" {
			if names[name] {
				return nil, fmt.Errorf("property %q twice", name)
			}
			names[name] = true
			if name == "" {
				return nil, fmt.Errorf("column %q: property without a name", h)
			}
		}
		cols[i] = neo4jColumn{name, typ}
	}
	want := map[string]int{"ID": 1, "START_ID": 0, "END_ID": 0, "TYPE": 0}
	if rels {
		want = map[string]int{"ID": 0, "START_ID": 1, "END_ID": 1, "TYPE": 1, "LABEL": 0}
	}
	for typ, n := range want {
		if count[typ] != n {
			return nil, fmt.Errorf("%d %s columns, want %d", count[typ], typ, n)
		}
	}
	return cols, nil
}

// checkNeo4jValue reports whether v is valid for a property of type typ as
// neo4j-admin parses it; empty means no property.
func checkNeo4jValue(typ, v string) error {
	switch typ {
	case "datetime":
		_, err := time.Parse(time.RFC3339, v)
		return err
	case "int", "long", "boolean", "string":
		return checkTyped(typ, v)
	}
	return fmt.Errorf("type %s not expected in plume's export", typ)
}

// parseNeo4jCSV reads the two files back, checking headers, values, that
// IDs are unique and that relationships join existing nodes. Labels read
// back as the kind attribute, relationship types as attrType.
func parseNeo4jCSV(t *testing.T, nodes, rels []byte) exported {
	t.Helper()
	e := newExported()
	read := func(b []byte, isRels bool, row func(cols []neo4jColumn, rec []string)) {
		r := csv.NewReader(bytes.NewReader(b))
		header, err := r.Read()
		if err != nil {
			t.Fatalf("csv header: %v", err)
		}
		cols, err := parseNeo4jHeader(header, isRels)
		if err != nil {
			t.Fatalf("neo4j header %q: %v", header, err)
		}
		for {
			rec, err := r.Read()
			if err == io.EOF {
				return
			}
			if err != nil {
				t.Fatalf("csv: %v", err)
			}
			row(cols, rec)
		}
	}
	kinds := map[string]string{"Tx": "tx", "Output": "output", "Address": "address"}
	read(nodes, false, func(cols []neo4jColumn, rec []string) {
		var id string
		m := make(map[string]string)
		for i, c := range cols {
			switch v := rec[i]; {
			case c.typ == "ID":
				id = v
			case c.typ == "LABEL":
				m["kind"] = kinds[v]
				if kinds[v] == "" {
					t.Errorf("label %q", v)
				}
			case v == "":
			default:
				if err := checkNeo4jValue(c.typ, v); err != nil {
					t.Errorf("node %s: %s: %v", rec[0], c.name, err)
				}
				m[c.name] = v
			}
		}
		if _, dup := e.nodes[id]; dup || id == "" {
			t.Errorf("node ID %q empty or twice", id)
		}
		e.nodes[id] = m
	})
	read(rels, true, func(cols []neo4jColumn, rec []string) {
		var k [2]string
		m := make(map[string]string)
		for i, c := range cols {
			switch v := rec[i]; c.typ {
			case "START_ID":
				k[0] = v
			case "END_ID":
				k[1] = v
			case "TYPE":
				m[attrType] = v
			default:
				if err := checkNeo4jValue(c.typ, v); err != nil {
					t.Errorf("relationship: %s: %v", c.name, err)
				}
				m[c.name] = v
			}
		}
		if e.nodes[k[0]] == nil || e.nodes[k[1]] == nil {
			t.Errorf("relationship %s -> %s joins missing nodes", k[0], k[1])
		}
		if _, dup := e.edges[k]; dup {
			t.Errorf("relationship %s -> %s twice", k[0], k[1])
		}
		e.edges[k] = m
	})
	return e
}

func TestNeo4jHeaderCheck(t *testing.T) {
	for _, c := range []struct {
		header []string
		rels   bool
		ok     bool
	}{
		{[]string{"id:ID", ":LABEL", "txid", "height:int", "time:datetime"}, false, true},
		{[]string{"personId:ID(Person)", "name", ":LABEL"}, false, true},
		{[]string{":START_ID", ":END_ID", ":TYPE", "value:long"}, true, true},
		{[]string{"id", ":LABEL"}, false, false},                          // no ID column
		{[]string{"id:ID", "height:integer"}, false, false},               // not neo4j's type name
		{[]string{"id:ID", ":long"}, false, false},                        // property without a name
		{[]string{":START_ID", ":TYPE", "value:long"}, true, false},       // no END_ID
		{[]string{"id:ID", ":START_ID", ":END_ID", ":TYPE"}, true, false}, // ID in relationships
	} {
		if _, err := parseNeo4jHeader(c.header, c.rels); (err == nil) != c.ok {
			t.Errorf("%q: error %v, want ok=%v", c.header, err, c.ok)
		}
	}
}

func TestNeo4jCSV(t *testing.T) {
	for _, c := range exportCases(func(f *Flow, g *AddrGraph) (flow, addrs func(io.Writer, ExportOptions) error) {
		// Both files into one writer, split below at the second header.
		return func(w io.Writer, opt ExportOptions) error { return f.WriteCSV(w, w, opt) },
			func(w io.Writer, opt ExportOptions) error { return g.WriteCSV(w, w, opt) }
	}) {
		t.Run(c.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := c.write(&b, c.opt); err != nil {
				t.Fatal(err)
			}
			nodes, rels, ok := bytes.Cut(b.Bytes(), []byte("\n:START_ID"))
			if !ok {
				t.Fatalf("no relationships header")
			}
			got := parseNeo4jCSV(t, append(nodes, '\n'), append([]byte(":START_ID"), rels...))
			compareExported(t, c.want.without([]string{attrLabel, attrColor}, []string{attrWeight}), got)
		})
	}
}

func TestNeo4jCSVDir(t *testing.T) {
	r := randomFlow(46, 150)
	g := r.flow.Addresses()
	opt := ExportOptions{Taint: testTaint}
	for _, c := range []struct {
		name      string
		toDir     func(string) error
		toWriters func(n, r io.Writer) error
	}{
		{"flow", func(d string) error { return r.flow.WriteCSVDir(d, opt) }, func(n, rl io.Writer) error { return r.flow.WriteCSV(n, rl, opt) }},
		{"addresses", func(d string) error { return g.WriteCSVDir(d, opt) }, func(n, rl io.Writer) error { return g.WriteCSV(n, rl, opt) }},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "case", c.name)
			for range 2 { // the second time replaces the files
				if err := c.toDir(dir); err != nil {
					t.Fatal(err)
				}
			}
			var wn, wr bytes.Buffer
			if err := c.toWriters(&wn, &wr); err != nil {
				t.Fatal(err)
			}
			for name, want := range map[string][]byte{NodesCSV: wn.Bytes(), RelationshipsCSV: wr.Bytes()} {
				got, err := os.ReadFile(filepath.Join(dir, name))
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got, want) {
					t.Errorf("%s differs from what WriteCSV writes", name)
				}
			}
			// A file where the directory should be.
			file := filepath.Join(t.TempDir(), "file")
			if err := os.WriteFile(file, nil, 0o644); err != nil {
				t.Fatal(err)
			}
			if err := c.toDir(file); err == nil {
				t.Errorf("writing into a file: no error")
			}
		})
	}
}

func TestNeo4jCSVDeterministic(t *testing.T) {
	opt := ExportOptions{Taint: testTaint}
	checkDeterministic(t, func(f *Flow, _ *AddrGraph, w io.Writer) error { return f.WriteCSV(w, w, opt) })
	checkDeterministic(t, func(_ *Flow, g *AddrGraph, w io.Writer) error { return g.WriteCSV(w, w, opt) })
}

func TestNeo4jCSVWriteError(t *testing.T) {
	ok := io.Discard
	checkWriteError(t, func(f *Flow, _ *AddrGraph, w io.Writer) error { return f.WriteCSV(w, ok, ExportOptions{}) })
	checkWriteError(t, func(f *Flow, _ *AddrGraph, w io.Writer) error { return f.WriteCSV(ok, w, ExportOptions{}) })
	checkWriteError(t, func(_ *Flow, g *AddrGraph, w io.Writer) error { return g.WriteCSV(w, ok, ExportOptions{}) })
	checkWriteError(t, func(_ *Flow, g *AddrGraph, w io.Writer) error { return g.WriteCSV(ok, w, ExportOptions{}) })
}

// Every property column is typed for neo4j-admin, and the exports' column
// names are those of the XML formats.
func TestNeo4jCSVHeaders(t *testing.T) {
	r := randomFlow(47, 20)
	var n, rl bytes.Buffer
	if err := r.flow.WriteCSV(&n, &rl, ExportOptions{Taint: testTaint}); err != nil {
		t.Fatal(err)
	}
	first, _, _ := strings.Cut(n.String(), "\n")
	if want := "id:ID,:LABEL,txid,height:int,time:datetime,hop:int,outpoint,address,value:long,seed:boolean,taint:long"; first != want {
		t.Errorf("nodes header %q, want %q", first, want)
	}
	first, _, _ = strings.Cut(rl.String(), "\n")
	if want := ":START_ID,:END_ID,:TYPE,value:long"; first != want {
		t.Errorf("relationships header %q, want %q", first, want)
	}
	n.Reset()
	if err := r.flow.Addresses().WriteCSV(&n, io.Discard, ExportOptions{}); err != nil {
		t.Fatal(err)
	}
	first, _, _ = strings.Cut(n.String(), "\n")
	if want := "id:ID,:LABEL,address,received:long,sent:long,self_value:long,txs:int,seed:boolean"; first != want {
		t.Errorf("address nodes header %q, want %q", first, want)
	}
}
