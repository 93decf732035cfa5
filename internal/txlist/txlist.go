// Package txlist is the transaction listing the examples print: every
// transaction a trace reached, in chain order, with its inputs, outputs,
// spenders and taint, as a table or as JSON. examples/genesis and
// examples/live print the same form, so their outputs compare directly.
package txlist

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/plumetrace/plume/chain"
	"github.com/plumetrace/plume/graph"
	"github.com/plumetrace/plume/trace"
)

// Tx is one transaction of the listing.
type Tx struct {
	TxID    string `json:"txid"`
	Height  int32  `json:"height"`
	Time    string `json:"time"`
	Hop     int    `json:"hop"`
	Inputs  []In   `json:"inputs"`
	Outputs []Out  `json:"outputs"`
}

// In is an input: the output it spends, with its address and value when
// resolved.
type In struct {
	Coinbase bool   `json:"coinbase,omitempty"`
	Prevout  string `json:"prevout,omitempty"`
	Address  string `json:"address,omitempty"`
	Value    *int64 `json:"value,omitempty"`
}

// Out is an output and the transaction that spent it, if any.
type Out struct {
	Index   int     `json:"index"`
	Address string  `json:"address"`
	Value   int64   `json:"value"`
	SpentBy *string `json:"spent_by"`
	// Taint is the stolen part of the value under the listing's model.
	Taint *int64 `json:"taint,omitempty"`
}

// List lists the flow of res with taint's values (taint may be nil). src
// answers the txids of spenders outside the flow (where a limit stopped
// the trace), so it must be the source the trace read.
func List(ctx context.Context, src trace.Source, res *trace.Result, taint *trace.Taint) ([]Tx, error) {
	p := res.Params()
	txs := make([]Tx, 0, res.Len())
	for i := range res.Len() {
		tx := res.At(i)
		rt := Tx{TxID: tx.Hash.String(), Height: tx.Height(), Time: tx.Time.UTC().Format(time.RFC3339), Hop: res.Hop(i)}
		if tx.IsCoinbase() {
			rt.Inputs = []In{{Coinbase: true}}
		}
		for vin, prev := range tx.Prevouts {
			in := In{Prevout: tx.Msg.TxIn[vin].PreviousOutPoint.String()}
			if prev.Resolved {
				v := prev.Value
				in.Address, in.Value = p.Format(prev.Addr), &v
			}
			rt.Inputs = append(rt.Inputs, in)
		}
		for vout, o := range tx.Msg.TxOut {
			out := Out{Index: vout, Address: p.Format(tx.OutAddr(vout)), Value: o.Value}
			if taint != nil {
				t := taint.Output(tx.ID.Out(uint32(vout)))
				out.Taint = &t
			}
			if by := tx.SpentBy[vout]; !by.IsZero() {
				h, err := spenderHash(ctx, src, res, by.Tx)
				if err != nil {
					return nil, fmt.Errorf("the spender of %v:%d: %w", tx.Hash, vout, err)
				}
				out.SpentBy = &h
			}
			rt.Outputs = append(rt.Outputs, out)
		}
		txs = append(txs, rt)
	}
	return txs, nil
}

func spenderHash(ctx context.Context, src trace.Source, res *trace.Result, id chain.TxID) (string, error) {
	if i := res.Index(id); i >= 0 {
		return res.At(i).Hash.String(), nil
	}
	tx, err := src.Tx(ctx, id)
	if err != nil {
		return "", err
	}
	return tx.Hash.String(), nil
}

// WriteTable writes the listing as a table, one row per output; with
// tainted, a column of each output's stolen value.
func WriteTable(w io.Writer, txs []Tx, tainted bool) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	head := "HOP\tHEIGHT\tTIME\tTXID\tOUT\tADDRESS\tBTC\tSPENT BY"
	if tainted {
		head += "\tSTOLEN BTC"
	}
	fmt.Fprintln(tw, head)
	for _, tx := range txs {
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
