package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/plumetrace/plume/graph"
	"github.com/plumetrace/plume/trace"
)

// report is the example's output: every transaction the trace reached, in
// chain order, with its inputs and outputs.
type report struct {
	Seeds []string   `json:"seeds"`
	Model string     `json:"model,omitempty"`
	Txs   []reportTx `json:"txs"`
}

type reportTx struct {
	TxID    string      `json:"txid"`
	Height  int32       `json:"height"`
	Time    string      `json:"time"`
	Hop     int         `json:"hop"`
	Inputs  []reportIn  `json:"inputs"`
	Outputs []reportOut `json:"outputs"`
}

type reportIn struct {
	Coinbase bool   `json:"coinbase,omitempty"`
	Prevout  string `json:"prevout,omitempty"`
	Address  string `json:"address,omitempty"`
	Value    *int64 `json:"value,omitempty"`
}

type reportOut struct {
	Index   int     `json:"index"`
	Address string  `json:"address"`
	Value   int64   `json:"value"`
	SpentBy *string `json:"spent_by"`
	// Taint is the stolen part of the value under the report's model.
	Taint *int64 `json:"taint,omitempty"`
}

func newReport(ctx context.Context, src trace.Source, res *trace.Result, taint *trace.Taint, seeds []string) (*report, error) {
	p := res.Params()
	rep := &report{Seeds: seeds, Txs: make([]reportTx, 0, res.Len())}
	if taint != nil {
		rep.Model = taint.Model().String()
	}
	for i := range res.Len() {
		tx := res.At(i)
		rt := reportTx{
			TxID:   tx.Hash.String(),
			Height: tx.Height(),
			Time:   tx.Time.UTC().Format(time.RFC3339),
			Hop:    res.Hop(i),
		}
		if tx.IsCoinbase() {
			rt.Inputs = []reportIn{{Coinbase: true}}
		}
		for vin, prev := range tx.Prevouts {
			in := reportIn{Prevout: tx.Msg.TxIn[vin].PreviousOutPoint.String()}
			if prev.Resolved {
				v := prev.Value
				in.Address, in.Value = p.Format(prev.Addr), &v
			}
			rt.Inputs = append(rt.Inputs, in)
		}
		for vout, o := range tx.Msg.TxOut {
			out := reportOut{Index: vout, Address: p.Format(tx.OutAddr(vout)), Value: o.Value}
			if taint != nil {
				t := taint.Output(tx.ID.Out(uint32(vout)))
				out.Taint = &t
			}
			if by := tx.SpentBy[vout]; !by.IsZero() {
				// The spender may lie outside the flow (a limit stopped the
				// trace); the store still knows its txid.
				spender, err := src.Tx(ctx, by.Tx)
				if err != nil {
					return nil, err
				}
				h := spender.Hash.String()
				out.SpentBy = &h
			}
			rt.Outputs = append(rt.Outputs, out)
		}
		rep.Txs = append(rep.Txs, rt)
	}
	return rep, nil
}

func (r *report) writeJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

func (r *report) writeTable(w io.Writer) error {
	fmt.Fprintf(w, "seeds: %s\n%d transactions reached\n", strings.Join(r.Seeds, ", "), len(r.Txs))
	if r.Model != "" {
		fmt.Fprintf(w, "taint model: %s\n", r.Model)
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	head := "HOP\tHEIGHT\tTIME\tTXID\tOUT\tADDRESS\tBTC\tSPENT BY"
	if r.Model != "" {
		head += "\tSTOLEN BTC"
	}
	fmt.Fprintln(tw, head)
	for _, tx := range r.Txs {
		for i, o := range tx.Outputs {
			hop, height, when, id := "", "", "", ""
			if i == 0 {
				hop, height, when, id = fmt.Sprint(tx.Hop), fmt.Sprint(tx.Height), tx.Time, short(tx.TxID)
			}
			spent := "unspent"
			if o.SpentBy != nil {
				spent = short(*o.SpentBy)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\t%s\t%s", hop, height, when, id, o.Index, o.Address, graph.BTC(o.Value), spent)
			if o.Taint != nil {
				fmt.Fprintf(tw, "\t%s", graph.BTC(*o.Taint))
			}
			fmt.Fprintln(tw)
		}
	}
	return tw.Flush()
}

func short(txid string) string { return txid[:16] + "…" }
