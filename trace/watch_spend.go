package trace

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"

	"github.com/plumetrace/plume/chain"
)

// inputs are the values and taints of a transaction's inputs.
type inputs struct {
	vals, taints []int64
	prevs        []chain.Prevout
	// total is the value of the inputs, those in unresolved left out:
	// outpoints whose value the node could not give.
	total      int64
	unresolved []string
}

// inputs values tx's inputs: watched ones from the case, the others from
// the node. An input the node cannot value is listed as unresolved, and
// the failure, unless the node simply does not know the output, goes to
// OnError: the alert is worth more now than complete later. It fails only
// when ctx ends.
func (w *watcher) inputs(ctx context.Context, tx *wire.MsgTx, h chainhash.Hash) (*inputs, error) {
	n := len(tx.TxIn)
	in := &inputs{vals: make([]int64, n), taints: make([]int64, n), prevs: make([]chain.Prevout, n)}
	for k, ti := range tx.TxIn {
		if o := w.watched[ti.PreviousOutPoint]; o != nil {
			in.vals[k], in.taints[k] = o.Value, o.Taint
			in.prevs[k] = chain.Prevout{Value: o.Value, Script: o.Addr.Script(), Addr: o.Addr, Resolved: true}
			in.total += o.Value
			continue
		}
		p, err := w.feed.PrevOut(ctx, ti.PreviousOutPoint)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			if !errors.Is(err, chain.ErrNotFound) {
				w.report(fmt.Errorf("trace: watch: input %d of %v: %w", k, h, err))
			}
			in.unresolved = append(in.unresolved, ti.PreviousOutPoint.String())
			continue
		}
		in.vals[k], in.prevs[k] = p.Value, p
		in.total += p.Value
	}
	return in, nil
}

// spend checks whether tx spends watched coins and, if so, alerts and
// watches the outputs it taints. height is 0 for a mempool transaction,
// else pos is its place in the block. A coin that another transaction
// spends already makes this one a replacement of that one, which is
// undone first.
func (w *watcher) spend(ctx context.Context, tx *wire.MsgTx, h chainhash.Hash, height int32, pos int, at time.Time) error {
	var spent []*Watched
	var replaced []*spendTx
	for _, ti := range tx.TxIn {
		o := w.watched[ti.PreviousOutPoint]
		if o == nil {
			continue
		}
		spent = append(spent, o)
		if prev, ok := w.spender[o.Out]; ok && prev != h {
			if r := w.spends[prev]; r != nil && !slices.Contains(replaced, r) {
				replaced = append(replaced, r)
			}
		}
	}
	if len(spent) == 0 {
		return nil
	}
	in, err := w.inputs(ctx, tx, h)
	if err != nil {
		return err
	}
	// The stolen share of each output, under the case's model.
	outs := make([]int64, 0, len(tx.TxOut)+1)
	var outVal int64
	for _, o := range tx.TxOut {
		outs = append(outs, o.Value)
		outVal += o.Value
	}
	outs = append(outs, max(in.total-outVal, 0))
	if in.total < outVal { // unknown inputs: balance the lines as ComputeTaint does
		in.vals[0] += outVal - in.total
	}
	dst := make([]int64, len(outs))
	model := w.c.Model
	coinjoin := w.c.CoinJoins != CoinJoinIgnore && isCoinJoin(&chain.Tx{Msg: tx, Prevouts: in.prevs})
	if coinjoin {
		model = Haircut
	}
	model.split(in.vals, in.taints, outs, dst, &w.s)

	var orphans []*spendTx
	for _, r := range replaced {
		if w.spends[r.hash] == r { // not undone already, as another's orphan
			orphans = w.undo(r, orphans)
		}
	}
	kind := SpentUnconfirmed
	if height > 0 {
		kind = SpentConfirmed
	}
	if len(replaced) > 0 {
		kind = Replaced
	}
	a := w.spendAlert(kind, h, height, at, spent, tx, in, dst)
	for _, r := range replaced {
		a.Replaces = append(a.Replaces, r.hash.String())
	}
	r := &spendTx{hash: h, spent: spent, height: height, pos: pos, alert: a}
	w.spends[h] = r
	for _, s := range spent {
		w.spender[s.Out] = h
	}
	w.emit(a)
	for _, o := range orphans {
		w.emit(o.again(Dropped, 0, at))
	}
	// Coins move again after a replacement, a drop or a reorganisation:
	// their waking is reported once.
	woke := false
	for _, s := range spent {
		if !s.woke && at.Sub(s.Since) >= w.c.DormantAfter {
			s.woke, woke = true, true
		}
	}
	if woke {
		d := a
		d.Kind = DormantMoved
		w.emit(d)
	}
	if coinjoin && w.c.CoinJoins == CoinJoinStop {
		// The trail ends in the mix: report it as an exit, watch nothing.
		e := a
		e.Kind, e.Exit, e.ExitTaint = ReachedExit, CoinJoinLabel, a.Taint
		w.emit(e)
		return nil
	}
	path := append(slices.Clone(spent[0].Path), h)
	for v, o := range tx.TxOut {
		if dst[v] == 0 {
			continue
		}
		addr := chain.AddressOf(o.PkScript)
		if label, ok := w.c.exit(addr); ok {
			e := a
			e.Kind, e.Exit, e.ExitAddress, e.ExitTaint = ReachedExit, label, w.opts.Params.Format(addr), dst[v]
			w.emit(e)
			continue
		}
		op := wire.OutPoint{Hash: h, Index: uint32(v)}
		w.watched[op] = &Watched{Out: op, Addr: addr, Value: o.Value, Taint: dst[v], Since: at, Path: path}
		r.created = append(r.created, op)
	}
	if len(r.created) > 0 {
		w.rewatch(h)
	}
	return nil
}

// undo forgets spend r: the coins it spent are unspent again, and the
// outputs it made are watched no more, nor are the spends of those, which
// cannot be mined without r: undo forgets them too and appends them to
// orphans.
func (w *watcher) undo(r *spendTx, orphans []*spendTx) []*spendTx {
	delete(w.spends, r.hash)
	for _, s := range r.spent {
		if w.spender[s.Out] == r.hash {
			delete(w.spender, s.Out)
		}
	}
	for _, o := range r.created {
		if child, ok := w.spender[o]; ok {
			if c := w.spends[child]; c != nil {
				orphans = w.undo(c, append(orphans, c))
			}
		}
		delete(w.watched, o)
		delete(w.spender, o)
	}
	return orphans
}
