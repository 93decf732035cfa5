package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"

	gg "gonum.org/v1/gonum/graph"

	"github.com/plumetrace/plume/chain"
	"github.com/plumetrace/plume/store"
	"github.com/plumetrace/plume/trace"
)

// edge is a directed edge by node IDs.
type edge struct{ from, to int64 }

// graphIDs returns the node IDs and edges of g.
func graphIDs(g gg.Directed) (map[int64]bool, map[edge]bool) {
	nodes, edges := map[int64]bool{}, map[edge]bool{}
	for ns := g.Nodes(); ns.Next(); {
		u := ns.Node().ID()
		nodes[u] = true
		for to := g.From(u); to.Next(); {
			edges[edge{u, to.Node().ID()}] = true
		}
	}
	return nodes, edges
}

// readCSV reads an export's CSV file: its header and rows.
func readCSV(t *testing.T, path string) ([]string, [][]string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil || len(rows) == 0 {
		t.Fatalf("%s: %v, %d rows", path, err, len(rows))
	}
	return rows[0], rows[1:]
}

func atoi(t *testing.T, s string) int64 {
	t.Helper()
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// restored is the saved case's flow, as report and export rebuild it.
func restored(t *testing.T, data, name string) *trace.Result {
	t.Helper()
	doc := savedCase(t, data, name)
	db, err := store.Open(data, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	res, err := trace.Restore(context.Background(), db, doc.Trace, chain.Mainnet)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// TestExport parses back what export writes as CSV (Neo4j's nodes and
// relationships files) and JSON, at transaction and address level, and
// compares every node ID and edge with the saved case's flow.
func TestExport(t *testing.T) {
	data := realStore(t)
	tagHal(t, data)
	ok(t, "--data", data, "trace", "--case", "hal", "--seed", hal, "--model", "haircut")
	res := restored(t, data, "hal")
	exits := map[chain.Address]string{}
	for a, l := range savedCase(t, data, "hal").Exits {
		addr, err := chain.Mainnet.Parse(a)
		if err != nil {
			t.Fatal(err)
		}
		exits[addr] = l
	}
	taint, err := trace.ComputeTaint(res, trace.TaintOptions{Model: trace.Haircut, Exits: exits})
	if err != nil {
		t.Fatal(err)
	}
	addrs := res.Addresses()
	dir := t.TempDir()
	for _, c := range []struct {
		level string
		g     gg.Directed
		// labels are the node labels the level's CSV uses.
		labels []string
	}{
		{"tx", res.Flow, []string{"Output", "Tx"}},
		{"address", addrs, []string{"Address"}},
	} {
		wantNodes, wantEdges := graphIDs(c.g)
		if len(wantNodes) < 10 || len(wantEdges) < 8 {
			t.Fatalf("%s: a graph of %d nodes and %d edges proves little", c.level, len(wantNodes), len(wantEdges))
		}

		out := filepath.Join(dir, c.level+"-csv")
		ok(t, "--data", data, "export", "--case", "hal", "--format", "csv", "--level", c.level, "-o", out)
		head, rows := readCSV(t, filepath.Join(out, "nodes.csv"))
		if head[0] != "id:ID" || head[1] != ":LABEL" || !slices.Contains(head, "taint:long") {
			t.Errorf("%s: nodes header %q", c.level, head)
		}
		nodes, labels := map[int64]bool{}, map[string]bool{}
		taintCol := slices.Index(head, "taint:long")
		var stolen int64
		for _, r := range rows {
			id := atoi(t, r[0])
			nodes[id] = true
			labels[r[1]] = true
			// Each output carries the haircut taint the library gives it.
			if o, isOut := chain.NodeOf(id); c.level == "tx" && isOut && taintCol > 0 {
				if got, want := atoi(t, r[taintCol]), taint.Output(o); got != want {
					t.Errorf("csv: output %v taint %d, library %d", o, got, want)
				}
				stolen += atoi(t, r[taintCol])
			}
		}
		if c.level == "tx" && stolen == 0 {
			t.Error("csv: no output carries taint")
		}
		if len(rows) != len(wantNodes) || !maps.Equal(nodes, wantNodes) {
			t.Errorf("%s csv: %d node rows, %d IDs; the flow has %d", c.level, len(rows), len(nodes), len(wantNodes))
		}
		if got := slices.Sorted(maps.Keys(labels)); !slices.Equal(got, c.labels) {
			t.Errorf("%s csv: labels %q, want %q", c.level, got, c.labels)
		}
		head, rows = readCSV(t, filepath.Join(out, "relationships.csv"))
		if !slices.Equal(head, []string{":START_ID", ":END_ID", ":TYPE", "value:long"}) {
			t.Errorf("%s: relationships header %q", c.level, head)
		}
		edges := map[edge]bool{}
		for _, r := range rows {
			e := edge{atoi(t, r[0]), atoi(t, r[1])}
			if !nodes[e.from] || !nodes[e.to] {
				t.Errorf("%s csv: relationship %v to a node not in nodes.csv", c.level, e)
			}
			edges[e] = true
		}
		if len(rows) != len(wantEdges) || !maps.Equal(edges, wantEdges) {
			t.Errorf("%s csv: %d relationship rows, %d edges; the flow has %d", c.level, len(rows), len(edges), len(wantEdges))
		}

		out = filepath.Join(dir, c.level+".json")
		ok(t, "--data", data, "export", "--case", "hal", "--format", "json", "--level", c.level, "-o", out)
		body, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		var doc struct {
			Nodes []struct {
				ID      int64
				Type    string
				TxID    string
				Address string
			}
			Edges []struct{ From, To int64 }
		}
		if err := json.Unmarshal(body, &doc); err != nil {
			t.Fatalf("%s json: %v", c.level, err)
		}
		nodes, edges = map[int64]bool{}, map[edge]bool{}
		var txids, addresses []string
		for _, n := range doc.Nodes {
			nodes[n.ID] = true
			if n.Type == "tx" {
				txids = append(txids, n.TxID)
			}
			if c.level == "address" {
				addresses = append(addresses, n.Address)
			}
		}
		for _, e := range doc.Edges {
			edges[edge{e.From, e.To}] = true
		}
		if len(doc.Nodes) != len(wantNodes) || !maps.Equal(nodes, wantNodes) || len(doc.Edges) != len(wantEdges) || !maps.Equal(edges, wantEdges) {
			t.Errorf("%s json: %d nodes, %d edges; the flow has %d, %d", c.level, len(doc.Nodes), len(doc.Edges), len(wantNodes), len(wantEdges))
		}
		switch c.level {
		case "tx":
			var want []string
			for _, tx := range res.Txs() {
				want = append(want, tx.Hash.String())
			}
			if !slices.Equal(txids, want) {
				t.Errorf("tx json: transactions %q, want %q", txids, want)
			}
		case "address":
			var want []string
			for _, n := range addrs.AddrNodes() {
				want = append(want, chain.Mainnet.Format(n.Addr))
			}
			slices.Sort(addresses)
			slices.Sort(want)
			if !slices.Equal(addresses, want) || !slices.Contains(addresses, halTo) {
				t.Errorf("address json: addresses %q, want %q", addresses, want)
			}
		}
	}
}
