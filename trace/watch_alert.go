package trace

import (
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"

	"github.com/plumetrace/plume/chain"
)

// AlertKind names what happened to watched coins.
type AlertKind string

const (
	// SpentUnconfirmed: a transaction in the mempool spends watched coins.
	SpentUnconfirmed AlertKind = "spent_unconfirmed"
	// Confirmed: a block holds a spend seen in the mempool before (or one
	// whose earlier block left the chain).
	Confirmed AlertKind = "confirmed"
	// SpentConfirmed: a block holds a spend the mempool never showed.
	SpentConfirmed AlertKind = "spent_confirmed"
	// Replaced: a transaction spends watched coins that an unconfirmed
	// transaction, named in Replaces, spent before: a fee bump or a double
	// spend, in the mempool (Height 0) or in a block. It takes the place
	// of the new transaction's spend alert.
	Replaced AlertKind = "replaced"
	// Reorged: the block that held a spend left the chain and the new
	// branch does not hold it: it is unconfirmed again.
	Reorged AlertKind = "reorged"
	// Dropped: a spend left the mempool without being mined, or spent an
	// output of a transaction that was dropped or replaced; its coins are
	// watched again.
	Dropped AlertKind = "dropped"
	// ReachedExit: a spend pays tainted value to an exit (a tagged
	// entity or an address of the case's exit set).
	ReachedExit AlertKind = "reached_exit"
	// DormantMoved: coins that sat untouched for Case.DormantAfter move.
	DormantMoved AlertKind = "dormant_moved"
)

// Alert reports watched coins moving. Every alert about a transaction
// carries what its spend alert said: the watched outputs it spends, its
// outputs, its taint and share, and the path.
type Alert struct {
	Kind   AlertKind `json:"kind"`
	Time   time.Time `json:"time"`
	TxID   string    `json:"txid"`
	Height int32     `json:"height,omitempty"` // 0 in the mempool
	// Spent lists the watched outputs the transaction spends.
	Spent []AlertOutput `json:"spent"`
	// Taint is the stolen value the transaction moves, and Share the
	// stolen fraction of all its inputs' value: Taint / InputValue. When
	// the value of some inputs could not be found (Unresolved lists them),
	// the inputs are taken to be worth at least the outputs, so Share is
	// then an upper bound.
	Taint int64   `json:"taint"`
	Share float64 `json:"share"`
	// InputValue is the value of the inputs, those in Unresolved left out.
	InputValue int64    `json:"input_value"`
	Unresolved []string `json:"unresolved,omitempty"`
	// Outputs are all the transaction's outputs, each with the stolen
	// value the case's model gives it.
	Outputs []AlertOutput `json:"outputs"`
	// Replaces names the transactions a Replaced alert's one replaces.
	Replaces []string `json:"replaces,omitempty"`
	// Exit and ExitAddress name the exit a ReachedExit alert reports, and
	// ExitTaint the stolen value paid to it.
	Exit        string `json:"exit,omitempty"`
	ExitAddress string `json:"exit_address,omitempty"`
	ExitTaint   int64  `json:"exit_taint,omitempty"`
	// Path is the transactions from a seed's to this one, by way of its
	// first watched input: its other watched inputs may have come by
	// other paths.
	Path []string `json:"path"`
}

// AlertOutput is an output in an alert.
type AlertOutput struct {
	Outpoint string `json:"outpoint"`
	Address  string `json:"address"`
	Value    int64  `json:"value"`
	Taint    int64  `json:"taint"`
}

// spendAlert makes the alert of a spend: in are its inputs' values, dst
// the taint of each of its outputs.
func (w *watcher) spendAlert(kind AlertKind, h chainhash.Hash, height int32, at time.Time, spent []*Watched, tx *wire.MsgTx, in *inputs, dst []int64) Alert {
	a := Alert{Kind: kind, Time: at.UTC(), TxID: h.String(), Height: height, InputValue: in.total, Unresolved: in.unresolved}
	for _, s := range spent {
		a.Spent = append(a.Spent, AlertOutput{Outpoint: s.Out.String(), Address: w.opts.Params.Format(s.Addr), Value: s.Value, Taint: s.Taint})
		a.Taint += s.Taint
	}
	var outVal int64
	for v, o := range tx.TxOut {
		op := wire.OutPoint{Hash: h, Index: uint32(v)}
		a.Outputs = append(a.Outputs, AlertOutput{Outpoint: op.String(), Address: w.opts.Params.Format(chain.AddressOf(o.PkScript)), Value: o.Value, Taint: dst[v]})
		outVal += o.Value
	}
	whole := in.total
	if len(in.unresolved) > 0 {
		whole = max(whole, outVal)
	}
	if whole > 0 {
		a.Share = float64(a.Taint) / float64(whole)
	}
	for _, p := range spent[0].Path {
		a.Path = append(a.Path, p.String())
	}
	a.Path = append(a.Path, h.String())
	return a
}

// again is r's spend alert as kind, at height and time at.
func (r *spendTx) again(kind AlertKind, height int32, at time.Time) Alert {
	a := r.alert
	a.Kind, a.Height, a.Time, a.Replaces = kind, height, at.UTC(), nil
	return a
}
