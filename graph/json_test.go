package graph

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/plumetrace/plume/chain"
)

// The JSON documents are decoded into structs written here from the
// documented field names, not the package's own types, and compared with
// the transactions.

type flowDoc struct {
	Network   string   `json:"network"`
	Direction string   `json:"direction"`
	Seeds     []string `json:"seeds"`
	Nodes     []struct {
		ID       int64      `json:"id"`
		Type     string     `json:"type"`
		TxID     string     `json:"txid"`
		Height   *int32     `json:"height"`
		Time     *time.Time `json:"time"`
		Hop      *int       `json:"hop"`
		Outpoint string     `json:"outpoint"`
		Address  string     `json:"address"`
		Value    *int64     `json:"value"`
		Seed     bool       `json:"seed"`
	} `json:"nodes"`
	Edges []edgeDoc `json:"edges"`
}

type edgeDoc struct {
	From  int64 `json:"from"`
	To    int64 `json:"to"`
	Value int64 `json:"value"`
}

func decode(t *testing.T, b []byte, v any) {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		t.Fatalf("decode: %v\n%s", err, b)
	}
}

func TestFlowJSON(t *testing.T) {
	for _, forward := range []bool{true, false} {
		r := randomFlow(13, 120)
		f := r.flow
		if !forward {
			ms := make([]Member, f.Len())
			for i := range ms {
				ms[i] = Member{Tx: f.At(i), Hop: f.Hop(i)}
			}
			f = New(chain.Regtest, false, r.seeds, ms)
		}
		var buf, again bytes.Buffer
		if err := f.WriteJSON(&buf); err != nil {
			t.Fatal(err)
		}
		if err := f.WriteJSON(&again); err != nil || !bytes.Equal(buf.Bytes(), again.Bytes()) {
			t.Errorf("two WriteJSON calls differ (%v)", err)
		}
		var doc flowDoc
		decode(t, buf.Bytes(), &doc)
		wantDir := map[bool]string{true: "forward", false: "backward"}[forward]
		if doc.Network != "regtest" || doc.Direction != wantDir {
			t.Errorf("network, direction = %q, %q; want regtest, %q", doc.Network, doc.Direction, wantDir)
		}
		if len(doc.Seeds) != len(r.seeds) {
			t.Errorf("%d seeds, want %d", len(doc.Seeds), len(r.seeds))
		}
		for i, o := range r.seeds {
			if i < len(doc.Seeds) && doc.Seeds[i] != outDOTID(r.w, o) {
				t.Errorf("seed %d = %q, want %q", i, doc.Seeds[i], outDOTID(r.w, o))
			}
		}
		s := specOf(r.members)
		if len(doc.Nodes) != len(s.nodes) {
			t.Fatalf("%d nodes, want %d", len(doc.Nodes), len(s.nodes))
		}
		seeds := make(map[chain.OutPoint]bool)
		for _, o := range r.seeds {
			seeds[o] = true
		}
		for i, n := range doc.Nodes {
			if n.ID != s.nodes[i] {
				t.Fatalf("node %d has ID %d, want %d (chain order)", i, n.ID, s.nodes[i])
			}
			o, out := chain.NodeOf(n.ID)
			creator := r.w.Txs[o.Tx]
			if !out {
				j := f.Index(o.Tx)
				if n.Type != "tx" || n.TxID != creator.Hash.String() || n.Height == nil || *n.Height != o.Tx.Height() ||
					n.Time == nil || !n.Time.Equal(creator.Time) || n.Hop == nil || *n.Hop != f.Hop(j) ||
					n.Outpoint != "" || n.Address != "" || n.Value != nil || n.Seed {
					t.Errorf("tx node %d = %+v", n.ID, n)
				}
				continue
			}
			txo := creator.Msg.TxOut[o.Vout]
			if n.Type != "output" || n.Outpoint != outDOTID(r.w, o) || n.Address != chain.Regtest.Format(chain.AddressOf(txo.PkScript)) ||
				n.Value == nil || *n.Value != txo.Value || n.Seed != seeds[o] ||
				n.TxID != "" || n.Height != nil || n.Time != nil || n.Hop != nil {
				t.Errorf("output node %d = %+v", n.ID, n)
			}
		}
		if len(doc.Edges) != len(s.edges) {
			t.Errorf("%d edges, want %d", len(doc.Edges), len(s.edges))
		}
		seen := make(map[[2]int64]bool)
		for _, e := range doc.Edges {
			k := [2]int64{e.From, e.To}
			if w, ok := s.edges[k]; !ok || w != e.Value || seen[k] {
				t.Errorf("edge %+v: want %d, %v, not seen before", e, w, ok)
			}
			seen[k] = true
		}
	}
}

type addrDoc struct {
	Network string `json:"network"`
	Nodes   []struct {
		ID        int64  `json:"id"`
		Address   string `json:"address"`
		Received  int64  `json:"received"`
		Sent      int64  `json:"sent"`
		SelfValue int64  `json:"self_value"`
		Txs       int    `json:"txs"`
		Seed      bool   `json:"seed"`
	} `json:"nodes"`
	Edges []edgeDoc `json:"edges"`
}

func TestAddrGraphJSON(t *testing.T) {
	r := randomFlow(14, 120)
	g := r.flow.Addresses()
	var buf bytes.Buffer
	if err := g.WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	for range 5 {
		var again bytes.Buffer
		if err := r.flow.Addresses().WriteJSON(&again); err != nil || !bytes.Equal(buf.Bytes(), again.Bytes()) {
			t.Fatalf("two WriteJSON calls differ (%v)", err)
		}
	}
	var doc addrDoc
	decode(t, buf.Bytes(), &doc)
	if doc.Network != "regtest" {
		t.Errorf("network %q", doc.Network)
	}
	ns := g.AddrNodes()
	if len(doc.Nodes) != len(ns) {
		t.Fatalf("%d nodes, want %d", len(doc.Nodes), len(ns))
	}
	selfSeen := false
	for i, n := range ns {
		d := doc.Nodes[i]
		if d.ID != n.ID() || d.Address != chain.Regtest.Format(n.Addr) || d.Received != n.Received || d.Sent != n.Sent ||
			d.SelfValue != n.SelfValue || d.Txs != n.Txs || d.Seed != n.Seed {
			t.Errorf("node %d = %+v, want %+v", i, d, n)
		}
		selfSeen = selfSeen || n.SelfValue != 0
	}
	if !selfSeen {
		t.Logf("no address pays itself in this region")
	}
	want := make(map[[2]int64]int64)
	for e := g.WeightedEdges(); e.Next(); {
		we := e.WeightedEdge()
		want[[2]int64{we.From().ID(), we.To().ID()}] = int64(we.Weight() + 0.5)
	}
	if len(doc.Edges) != len(want) {
		t.Errorf("%d edges, want %d", len(doc.Edges), len(want))
	}
	for i, e := range doc.Edges {
		if w, ok := want[[2]int64{e.From, e.To}]; !ok || w != e.Value {
			t.Errorf("edge %+v: want %d, %v", e, w, ok)
		}
		if i > 0 {
			p := doc.Edges[i-1]
			if p.From > e.From || p.From == e.From && p.To >= e.To {
				t.Errorf("edges out of order: %+v then %+v", p, e)
			}
		}
	}
}
