package report_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/plumetrace/plume/trace/report"
)

// page writes the HTML report of c and parses it as a browser would.
func page(t *testing.T, c genesisCase) (*report.Report, *html.Node, string) {
	t.Helper()
	rep, _, _ := c.build(t)
	var buf bytes.Buffer
	if err := report.WriteHTML(&buf, rep); err != nil {
		t.Fatal(err)
	}
	doc, err := html.Parse(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	return rep, doc, buf.String()
}

// find returns the elements under n that match.
func find(n *html.Node, match func(*html.Node) bool) []*html.Node {
	var out []*html.Node
	for d := range n.Descendants() {
		if d.Type == html.ElementNode && match(d) {
			out = append(out, d)
		}
	}
	return out
}

func attr(n *html.Node, key string) (string, bool) {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}

func byID(id string) func(*html.Node) bool {
	return func(n *html.Node) bool { v, _ := attr(n, "id"); return v == id }
}

func text(n *html.Node) string {
	var b strings.Builder
	for d := range n.Descendants() {
		if d.Type == html.TextNode {
			b.WriteString(d.Data)
		}
	}
	return b.String()
}

// TestHTMLSelfContained checks that the page refers to nothing outside
// itself: no src, no stylesheet link, no href but to its own sections, no
// url() or @import in its styles, and a policy that forbids fetching.
func TestHTMLSelfContained(t *testing.T) {
	_, doc, _ := page(t, haircutExit)
	for _, n := range find(doc, func(*html.Node) bool { return true }) {
		for _, a := range n.Attr {
			switch a.Key {
			case "src", "srcset", "action", "poster", "background", "formaction":
				t.Errorf("<%s %s=%q>: a report must not load anything", n.Data, a.Key, a.Val)
			case "href", "xlink:href":
				if !strings.HasPrefix(a.Val, "#") {
					t.Errorf("<%s %s=%q>: only links within the page", n.Data, a.Key, a.Val)
				}
			}
		}
		if n.DataAtom == atom.Link || n.DataAtom == atom.Iframe || n.DataAtom == atom.Object || n.DataAtom == atom.Embed {
			t.Errorf("<%s> in a report", n.Data)
		}
		if n.DataAtom == atom.Style {
			if css := text(n); strings.Contains(css, "url(") || strings.Contains(css, "@import") {
				t.Error("the styles load something")
			}
		}
	}
	csp := find(doc, func(n *html.Node) bool { v, _ := attr(n, "http-equiv"); return v == "Content-Security-Policy" })
	if len(csp) != 1 {
		t.Fatal("no Content-Security-Policy")
	}
	if v, _ := attr(csp[0], "content"); !strings.Contains(v, "default-src 'none'") || strings.Contains(v, "http") {
		t.Errorf("policy %q", v)
	}
}

// TestHTMLContent checks the page's parts: the graph data (the same as the
// report's graph), the chart as inline SVG, Cytoscape.js inlined, and the
// summary, destinations and provenance in the markup.
func TestHTMLContent(t *testing.T) {
	rep, doc, _ := page(t, haircutExit)
	data := find(doc, byID("plume-graph"))
	if len(data) != 1 {
		t.Fatal("no graph data")
	}
	if typ, _ := attr(data[0], "type"); typ != "application/json" {
		t.Errorf("graph data of type %q", typ)
	}
	var g report.Graph
	if err := json.Unmarshal([]byte(text(data[0])), &g); err != nil {
		t.Fatalf("graph data: %v", err)
	}
	if len(g.Nodes) != len(rep.Graph.Nodes) || len(g.Nodes) != 14 || len(g.Edges) != len(rep.Graph.Edges) {
		t.Errorf("graph data: %d nodes, %d edges; report %d, %d", len(g.Nodes), len(g.Edges), len(rep.Graph.Nodes), len(rep.Graph.Edges))
	}

	timeline := find(doc, byID("timeline"))
	svgs := find(timeline[0], func(n *html.Node) bool { return n.Data == "svg" })
	if len(svgs) != 1 {
		t.Fatalf("%d svg charts", len(svgs))
	}
	if paths := find(svgs[0], func(n *html.Node) bool { return n.Data == "path" }); len(paths) < 5 {
		t.Errorf("the chart has %d paths", len(paths))
	}
	if !strings.Contains(text(svgs[0]), "Stolen value by block") {
		t.Error("the chart has no title")
	}

	var scripts []string
	for _, s := range find(doc, func(n *html.Node) bool { return n.DataAtom == atom.Script }) {
		scripts = append(scripts, text(s))
	}
	if len(scripts) != 3 || !strings.Contains(scripts[1], "3.34.4") || !strings.Contains(scripts[2], "plumeReport") {
		t.Errorf("%d scripts; want the data, Cytoscape.js 3.34.4 and the viewer", len(scripts))
	}

	for id, want := range map[string][]string{
		"summary":      {"50.00000000", "Exited to Hal Finney (test exit)", "12cbQLTFMXRnSzktFkuoG3eHoMeFtpTu3S"},
		"destinations": {"1BBz9Z15YpELQ4QP5sEKb1SwxkcmPb5TMs", "11.00000000", "22.00 %"},
		"flow":         {"all 14 nodes"},
		"provenance":   {"block 14131", "00000000b3e750f37fdb42e1018799a9f44b546d393b130b369590a072430a1c", "v0.0.0-test", "haircut", halTxID + ":0"},
	} {
		s := find(doc, byID(id))
		if len(s) != 1 {
			t.Errorf("no section %s", id)
			continue
		}
		for _, w := range want {
			if !strings.Contains(text(s[0]), w) {
				t.Errorf("section %s lacks %q", id, w)
			}
		}
	}
	rows := find(doc, func(n *html.Node) bool { _, ok := attr(n, "data-node"); return ok && n.DataAtom == atom.Tr })
	if len(rows) != len(rep.Destinations) {
		t.Errorf("%d destination rows lead to the graph, want %d", len(rows), len(rep.Destinations))
	}
}

// TestHTMLEscapes gives an exit a label that is markup: it must stay text.
func TestHTMLEscapes(t *testing.T) {
	c := haircutExit
	c.exits = map[string]string{halAddress: `</script><script>alert("x")</script><b>`}
	c.ropts.Title = `<i>case</i>`
	_, doc, raw := page(t, c)
	if n := len(find(doc, func(n *html.Node) bool { return n.DataAtom == atom.Script })); n != 3 {
		t.Errorf("%d scripts: a label became markup", n)
	}
	if len(find(doc, func(n *html.Node) bool { return n.DataAtom == atom.B || n.DataAtom == atom.I })) != 0 {
		t.Error("a label or the title became markup")
	}
	if !strings.Contains(raw, `\u003c/script\u003e`) {
		t.Error("the graph data does not escape the label")
	}
}

// TestHTMLNoTaint checks the page of a trace without a taint model.
func TestHTMLNoTaint(t *testing.T) {
	_, doc, _ := page(t, genesisCase{seed: halTxID, opts: optsHops(2)})
	tl := text(find(doc, byID("timeline"))[0])
	if !strings.Contains(tl, "needs a taint model") {
		t.Errorf("timeline section: %q", tl)
	}
	if len(find(doc, func(n *html.Node) bool { return n.Data == "svg" })) != 0 {
		t.Error("a chart without a timeline")
	}
}

// TestVendoredCytoscape pins the vendored library: the file must be the
// one assets/README.md names, and must not close the script element it is
// inlined into.
func TestVendoredCytoscape(t *testing.T) {
	js, err := os.ReadFile("assets/cytoscape.min.js")
	if err != nil {
		t.Fatal(err)
	}
	const want = "081591ab735b2b6a3b31a3c60f8f3a3e2fee8c92939e0c7820ad1208571b6cd8"
	sum := sha256.Sum256(js)
	if got := hex.EncodeToString(sum[:]); got != want {
		t.Errorf("assets/cytoscape.min.js has sha256 %s, want %s (see assets/README.md)", got, want)
	}
	if bytes.Contains(bytes.ToLower(js), []byte("</script")) {
		t.Error("cytoscape.min.js contains </script")
	}
	readme, err := os.ReadFile("assets/README.md")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(readme, []byte(want)) || !bytes.Contains(readme, []byte("3.34.4")) {
		t.Error("assets/README.md does not name the vendored file's version and hash")
	}
	if _, err := os.Stat("assets/cytoscape.LICENSE"); err != nil {
		t.Error(err)
	}
}

// TestJSONDocumented checks that every field name of the JSON report is
// described in the package documentation.
func TestJSONDocumented(t *testing.T) {
	doc, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []genesisCase{haircutExit, {seed: halTxID, opts: optsHops(2)}} {
		rep, _, _ := c.build(t)
		var buf bytes.Buffer
		if err := report.WriteJSON(&buf, rep); err != nil {
			t.Fatal(err)
		}
		var v any
		if err := json.Unmarshal(buf.Bytes(), &v); err != nil {
			t.Fatal(err)
		}
		for k := range keys(v) {
			if !bytes.Contains(doc, []byte(k)) {
				t.Errorf("JSON field %q is not documented in doc.go", k)
			}
		}
	}
}

// keys yields every object key in a decoded JSON value.
func keys(v any) func(func(string) bool) {
	return func(yield func(string) bool) {
		var walk func(any) bool
		walk = func(v any) bool {
			switch x := v.(type) {
			case map[string]any:
				for k, e := range x {
					if !yield(k) || !walk(e) {
						return false
					}
				}
			case []any:
				for _, e := range x {
					if !walk(e) {
						return false
					}
				}
			}
			return true
		}
		walk(v)
	}
}
