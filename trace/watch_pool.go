package trace

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"

	"github.com/plumetrace/plume/chain"
)

// poolTx is a mempool transaction not looked at before.
type poolTx struct {
	hash chainhash.Hash
	tx   *wire.MsgTx
}

// mempool looks at the transactions new in the mempool, then declares
// dropped the unconfirmed spends it no longer holds after DropAfter
// blocks: only now, with the mempool just read, is a spend known to be
// gone.
func (w *watcher) mempool(ctx context.Context) error {
	pool, err := w.feed.Mempool(ctx)
	if err != nil {
		return fmt.Errorf("trace: watch: %w", err)
	}
	inPool := make(map[chainhash.Hash]bool, len(pool))
	for _, h := range pool {
		inPool[h] = true
	}
	now := time.Now()
	// A node may list a child before its parent (btcd does): a child whose
	// parent is new too waits until the parent has been looked at, or it
	// would be looked at before the parent's outputs are watched.
	var waiting []poolTx
	unread := map[chainhash.Hash]bool{}
	for _, h := range pool {
		if w.seen[h] || w.spends[h] != nil {
			continue
		}
		tx, err := w.feed.MempoolTx(ctx, h)
		if errors.Is(err, chain.ErrNotFound) {
			continue // mined or evicted meanwhile
		}
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			// One transaction the node will not serve must not blind the
			// watch to the others: it stays unseen, to be tried again
			// next poll, and OnError hears of it once.
			if !w.unread[h] {
				w.report(fmt.Errorf("trace: watch: mempool tx %v: %w", h, err))
			}
			unread[h] = true
			continue
		}
		if w.newParent(tx, inPool) {
			waiting = append(waiting, poolTx{h, tx})
			continue
		}
		if err := w.look(ctx, poolTx{h, tx}, now); err != nil {
			return err
		}
	}
	for len(waiting) > 0 {
		next := waiting[:0]
		for _, p := range waiting {
			if w.newParent(p.tx, inPool) {
				next = append(next, p)
			} else if err := w.look(ctx, p, now); err != nil {
				return err
			}
		}
		if len(next) == len(waiting) {
			// Parents that could not be read (or a cycle, which valid
			// data cannot make): look at the rest as they are.
			for _, p := range next {
				if err := w.look(ctx, p, now); err != nil {
					return err
				}
			}
			break
		}
		waiting = next
	}
	w.unread = unread
	for h := range w.seen {
		if !inPool[h] {
			delete(w.seen, h) // keep the set to the mempool's size
		}
	}
	for p, kids := range w.kids {
		if kids = slices.DeleteFunc(kids, func(k chainhash.Hash) bool { return !w.seen[k] }); len(kids) == 0 {
			delete(w.kids, p)
		} else {
			w.kids[p] = kids
		}
	}
	w.dropGone(inPool, now)
	return nil
}

// newParent says whether tx spends an output of a mempool transaction not
// yet looked at.
func (w *watcher) newParent(tx *wire.MsgTx, inPool map[chainhash.Hash]bool) bool {
	return slices.ContainsFunc(tx.TxIn, func(in *wire.TxIn) bool {
		h := in.PreviousOutPoint.Hash
		return inPool[h] && !w.seen[h] && w.spends[h] == nil
	})
}

// look looks at a new mempool transaction.
func (w *watcher) look(ctx context.Context, p poolTx, now time.Time) error {
	if err := w.spend(ctx, p.tx, p.hash, 0, 0, now); err != nil {
		return err
	}
	w.seen[p.hash] = true
	for k, in := range p.tx.TxIn {
		parent := in.PreviousOutPoint.Hash
		if !slices.ContainsFunc(p.tx.TxIn[:k], func(o *wire.TxIn) bool { return o.PreviousOutPoint.Hash == parent }) {
			w.kids[parent] = append(w.kids[parent], p.hash)
		}
	}
	return nil
}

// rewatch makes the mempool children of h, which spend outputs that are
// watched only now, new again: the next poll looks at them. A child is
// seen before its parent's outputs are watched when the parent is mined
// between Watch's reads of the tip and of the mempool.
func (w *watcher) rewatch(h chainhash.Hash) {
	for _, k := range w.kids[h] {
		delete(w.seen, k)
	}
	delete(w.kids, h)
}

// dropGone declares dropped the unconfirmed spends absent from the
// mempool (inPool) while DropAfter blocks were mined.
func (w *watcher) dropGone(inPool map[chainhash.Hash]bool, now time.Time) {
	var gone []*spendTx
	for h, r := range w.spends {
		switch {
		case r.height != 0:
		case inPool[h]:
			r.absent = 0
		case r.absent >= w.opts.DropAfter:
			gone = append(gone, r)
		}
	}
	slices.SortFunc(gone, func(a, b *spendTx) int { return bytes.Compare(a.hash[:], b.hash[:]) })
	for _, r := range gone {
		if w.spends[r.hash] != r {
			continue // dropped already, as an orphan of another
		}
		orphans := w.undo(r, nil)
		w.emit(r.again(Dropped, 0, now))
		for _, o := range orphans {
			w.emit(o.again(Dropped, 0, now))
		}
	}
}
