package graph

import (
	"cmp"
	"encoding/json"
	"io"
	"slices"
	"time"

	"github.com/plumetrace/plume/chain"
)

// JSON forms of the two views, for tools that do not read DOT. Values are
// in satoshi; node IDs are chain node IDs.

type flowJSON struct {
	Name      string         `json:"name,omitempty"`
	Network   string         `json:"network"`
	Direction string         `json:"direction"`
	Seeds     []string       `json:"seeds"`
	Nodes     []flowNodeJSON `json:"nodes"`
	Edges     []edgeJSON     `json:"edges"`
}

type flowNodeJSON struct {
	ID   int64  `json:"id"`
	Type string `json:"type"` // "tx" or "output"
	// transactions
	TxID   string     `json:"txid,omitempty"`
	Height *int32     `json:"height,omitempty"`
	Time   *time.Time `json:"time,omitempty"`
	Hop    *int       `json:"hop,omitempty"`
	// outputs
	Outpoint string `json:"outpoint,omitempty"`
	Address  string `json:"address,omitempty"`
	Value    *int64 `json:"value,omitempty"`
	Seed     bool   `json:"seed,omitempty"`
	Taint    *int64 `json:"taint,omitempty"`
}

type edgeJSON struct {
	From  int64 `json:"from"`
	To    int64 `json:"to"`
	Value int64 `json:"value"`
}

// WriteJSON writes the flow as one JSON document: network, direction, seeds,
// nodes (transactions and outputs) and edges, in chain order. With
// options (at most one; variadic so that calls from before options
// compile), Name adds a "name" and Taint a "taint" on outputs.
func (f *Flow) WriteJSON(w io.Writer, opts ...ExportOptions) error {
	opt, err := optionsOf(opts)
	if err != nil {
		return err
	}
	f.index()
	doc := flowJSON{Name: opt.Name, Network: f.params.Name, Direction: "forward", Seeds: []string{}}
	if !f.forward {
		doc.Direction = "backward"
	}
	for _, s := range f.seeds {
		doc.Seeds = append(doc.Seeds, Node{f, s.Node()}.DOTID())
	}
	doc.Nodes = make([]flowNodeJSON, 0, len(f.nodes))
	doc.Edges = make([]edgeJSON, 0, f.edges)
	for _, id := range f.nodes {
		n := Node{f, id}
		o, out := chain.NodeOf(id)
		if !out {
			i := f.Index(o.Tx)
			tx := f.txs[i]
			h, t, hop := tx.Height(), tx.Time.UTC(), f.Hop(i)
			doc.Nodes = append(doc.Nodes, flowNodeJSON{ID: id, Type: "tx", TxID: tx.Hash.String(), Height: &h, Time: &t, Hop: &hop})
			for vout, txo := range tx.Msg.TxOut {
				doc.Edges = append(doc.Edges, edgeJSON{From: id, To: tx.ID.Out(uint32(vout)).Node(), Value: txo.Value})
			}
			continue
		}
		v, a, by := f.output(o)
		nj := flowNodeJSON{ID: id, Type: "output", Outpoint: n.DOTID(), Address: f.params.Format(a), Value: &v, Seed: f.IsSeed(o)}
		if t, ok := opt.taint(o); ok {
			nj.Taint = &t
		}
		doc.Nodes = append(doc.Nodes, nj)
		if !by.IsZero() && f.Contains(by.Tx) {
			doc.Edges = append(doc.Edges, edgeJSON{From: id, To: by.Tx.Node(), Value: v})
		}
	}
	return writeIndented(w, doc)
}

type addrJSON struct {
	Name    string         `json:"name,omitempty"`
	Network string         `json:"network"`
	Nodes   []addrNodeJSON `json:"nodes"`
	Edges   []edgeJSON     `json:"edges"`
}

type addrNodeJSON struct {
	ID        int64  `json:"id"`
	Address   string `json:"address"`
	Received  int64  `json:"received"`
	Sent      int64  `json:"sent"`
	SelfValue int64  `json:"self_value,omitempty"`
	Txs       int    `json:"txs"`
	Seed      bool   `json:"seed,omitempty"`
	Taint     *int64 `json:"taint,omitempty"`
}

// WriteJSON writes the address projection as one JSON document; edge values
// are rounded to the satoshi. Options work as for Flow.WriteJSON; Taint
// gives each address the taint it received.
func (g *AddrGraph) WriteJSON(w io.Writer, opts ...ExportOptions) error {
	opt, err := optionsOf(opts)
	if err != nil {
		return err
	}
	taint := g.taintReceived(opt.Taint)
	doc := addrJSON{Name: opt.Name, Network: g.params.Name, Nodes: []addrNodeJSON{}, Edges: []edgeJSON{}}
	for _, n := range g.AddrNodes() {
		nj := addrNodeJSON{ID: n.id, Address: g.params.Format(n.Addr), Received: n.Received, Sent: n.Sent, SelfValue: n.SelfValue, Txs: n.Txs, Seed: n.Seed}
		if t, ok := taint[n]; ok {
			nj.Taint = &t
		}
		doc.Nodes = append(doc.Nodes, nj)
		first := len(doc.Edges)
		for to := g.From(n.id); to.Next(); {
			t := to.Node().ID()
			w, _ := g.Weight(n.id, t)
			doc.Edges = append(doc.Edges, edgeJSON{From: n.id, To: t, Value: int64(w + 0.5)})
		}
		// gonum's simple graphs iterate maps; sort for stable output.
		slices.SortFunc(doc.Edges[first:], func(a, b edgeJSON) int { return cmp.Compare(a.To, b.To) })
	}
	return writeIndented(w, doc)
}

func writeIndented(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
