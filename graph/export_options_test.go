package graph

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/plumetrace/plume/chain"
)

// ExportOptions on the writers that predate them: DOT and JSON take the
// same name and taint as the other formats, and without options write
// what they always wrote.

func TestWriteDOTOptions(t *testing.T) {
	r := handRegion()
	f, g := r.flow, r.flow.Addresses()
	opt := ExportOptions{Name: `case 7 "theft"`, Taint: testTaint}

	for _, c := range []struct {
		name  string
		write func(*bytes.Buffer, ExportOptions) error
		dot   func(string) ([]byte, error)
		want  exported
		dotID func(id string) string // export node ID -> DOT ID
	}{
		{"flow", func(b *bytes.Buffer, o ExportOptions) error { return f.WriteDOT(b, o) }, f.DOT, wantFlow(r, opt),
			func(id string) string {
				n, _ := strconv.ParseInt(id, 10, 64)
				return Node{f, n}.DOTID()
			}},
		{"addresses", func(b *bytes.Buffer, o ExportOptions) error { return g.WriteDOT(b, o) }, g.DOT, wantAddrs(r, g, opt),
			func(id string) string {
				n, _ := strconv.ParseInt(id, 10, 64)
				return g.Node(n).(*AddrNode).DOTID()
			}},
	} {
		t.Run(c.name, func(t *testing.T) {
			var plain bytes.Buffer
			if err := c.write(&plain, ExportOptions{}); err != nil {
				t.Fatal(err)
			}
			if old, _ := c.dot(""); !bytes.Equal(plain.Bytes(), old) {
				t.Errorf("WriteDOT without options differs from DOT")
			}
			var b bytes.Buffer
			if err := c.write(&b, opt); err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(b.String(), `strict digraph "case 7 \"theft\"" {`) {
				t.Errorf("DOT does not start with the quoted name:\n%.80s", b.String())
			}
			d := parseDOT(t, b.Bytes())
			tainted := 0
			for id, as := range c.want.nodes {
				n := d.byID[c.dotID(id)]
				if n == nil {
					t.Fatalf("node %s missing", c.dotID(id))
				}
				if got, want := n.attrs["taint"], as["taint"]; got != want {
					t.Errorf("%s: taint %q, want %q", n.dotID, got, want)
				}
				if as["taint"] != "" {
					tainted++
				}
			}
			if tainted == 0 {
				t.Errorf("no node carries taint")
			}
		})
	}
}

func TestWriteJSONOptions(t *testing.T) {
	r := handRegion()
	f, g := r.flow, r.flow.Addresses()
	opt := ExportOptions{Name: "case 7", Taint: testTaint}
	for _, c := range []struct {
		name  string
		write func(*bytes.Buffer, ...ExportOptions) error
		want  exported
	}{
		{"flow", func(b *bytes.Buffer, o ...ExportOptions) error { return f.WriteJSON(b, o...) }, wantFlow(r, opt)},
		{"addresses", func(b *bytes.Buffer, o ...ExportOptions) error { return g.WriteJSON(b, o...) }, wantAddrs(r, g, opt)},
	} {
		t.Run(c.name, func(t *testing.T) {
			var plain, zero bytes.Buffer
			if err := c.write(&plain); err != nil {
				t.Fatal(err)
			}
			if err := c.write(&zero, ExportOptions{}); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(plain.Bytes(), zero.Bytes()) {
				t.Errorf("zero options change the JSON")
			}
			if strings.Contains(plain.String(), `"taint"`) || strings.Contains(plain.String(), `"name"`) {
				t.Errorf("JSON without options has a name or taint")
			}
			if err := c.write(&zero, opt, opt); err == nil {
				t.Errorf("two options: no error")
			}

			var b bytes.Buffer
			if err := c.write(&b, opt); err != nil {
				t.Fatal(err)
			}
			var doc struct {
				Name  string `json:"name"`
				Nodes []struct {
					ID    int64  `json:"id"`
					Taint *int64 `json:"taint"`
				} `json:"nodes"`
			}
			if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
				t.Fatal(err)
			}
			if doc.Name != opt.Name {
				t.Errorf("name %q, want %q", doc.Name, opt.Name)
			}
			if len(doc.Nodes) != len(c.want.nodes) {
				t.Errorf("%d nodes, want %d", len(doc.Nodes), len(c.want.nodes))
			}
			for _, n := range doc.Nodes {
				id := strconv.FormatInt(n.ID, 10)
				got := ""
				if n.Taint != nil {
					got = strconv.FormatInt(*n.Taint, 10)
				}
				if want := c.want.nodes[id]["taint"]; got != want {
					t.Errorf("node %s: taint %q, want %q", id, got, want)
				}
			}
		})
	}
}

// The zero ExportOptions asks for no taint, so a nil hook is never called.
func TestExportOptionsZero(t *testing.T) {
	if _, ok := (ExportOptions{}).taint(chain.OutPoint{Tx: 5}); ok {
		t.Errorf("zero options report taint")
	}
}
