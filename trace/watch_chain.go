package trace

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/plumetrace/plume/chain"
)

// errChainMoved: the node's chain changed while Watch read it back to a
// fork; the next poll reads it again.
var errChainMoved = errors.New("trace: watch: the node's chain changed while it was read")

// blocks reads the blocks the node added since the last poll. A block
// that does not extend the last one read, or a tip that is not the block
// read at its height, means a reorganisation: see reorg. The Reorged
// alerts wait until the node's chain is read up to its tip: a spend that
// the new branch holds higher up, in a block a failed read left for the
// next poll, is confirmed again rather than reorged.
func (w *watcher) blocks(ctx context.Context) error {
	tip, tipHash, err := w.feed.Tip(ctx)
	if err != nil {
		return fmt.Errorf("trace: watch: %w", err)
	}
	if tip < w.height {
		if known, ok := w.hashes[tip]; !ok || known == tipHash {
			w.behind(tip)
			return nil
		}
	}
	w.lagging = false
	if tip <= w.height && w.hashes[tip] != tipHash {
		b, err := w.block(ctx, tip)
		if b == nil || err != nil {
			return err
		}
		if b.Hash != w.hashes[tip] { // else the chain moved back meanwhile
			if err := w.reorg(ctx, b); err != nil {
				return err
			}
		}
	}
	for w.height < tip {
		b, err := w.block(ctx, w.height+1)
		if b == nil || err != nil {
			return err
		}
		if b.Header.PrevBlock != w.hashes[w.height] {
			if err := w.reorg(ctx, b); err != nil {
				return err
			}
			continue
		}
		if err := w.connect(ctx, b); err != nil {
			return err
		}
	}
	w.reportReorged()
	return nil
}

// behind handles a node whose tip is below the watch's last block and on
// its chain (or below the blocks it remembers): a node restarted or
// reindexing, not a reorganisation. Taking the watch's blocks off would
// raise a Reorged alert for every spend they hold, then a Confirmed one
// as the node catches up; the watch waits instead, and OnError hears of
// it once. A node that really lost its last blocks shows when it mines
// others in their place.
func (w *watcher) behind(tip int32) {
	if !w.lagging {
		w.report(fmt.Errorf("trace: watch: the node's tip, %d, is behind the last block read, %d: waiting for it to catch up", tip, w.height))
	}
	w.lagging = true
}

// block reads the node's block at height; nil, nil if the chain got
// shorter since its tip was read (the next poll sees the new tip).
func (w *watcher) block(ctx context.Context, height int32) (*chain.Block, error) {
	b, err := w.feed.Block(ctx, height)
	if errors.Is(err, chain.ErrNotFound) || (err == nil && b == nil) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("trace: watch: block %d: %w", height, err)
	}
	if len(b.TxHashes) != len(b.Txs) {
		return nil, fmt.Errorf("trace: watch: block %d: %d transactions, %d txids", height, len(b.Txs), len(b.TxHashes))
	}
	return b, nil
}

// reorg handles a reorganisation: b is a block of the node's chain that is
// not on the watch's. It reads the node's chain back from b to the last
// block the two share, disconnects the watch's blocks above that, and
// connects the new branch up to b.
func (w *watcher) reorg(ctx context.Context, b *chain.Block) error {
	branch := []*chain.Block{b} // from the top down
	for {
		last := branch[len(branch)-1]
		h := last.Height - 1
		if known, ok := w.hashes[h]; ok && known == last.Header.PrevBlock {
			break
		}
		p, err := w.block(ctx, h)
		if err != nil {
			return err
		}
		if p == nil || p.Hash != last.Header.PrevBlock {
			return errChainMoved
		}
		branch = append(branch, p)
		if h <= w.low {
			// The fork is below the blocks remembered: take the node's
			// block below p as shared, and say what may have been missed.
			w.report(fmt.Errorf("trace: watch: a reorganisation forks below height %d, the oldest block remembered: spends in the new branch's blocks below it are not seen", h))
			w.hashes[h-1] = p.Header.PrevBlock
			w.low = min(w.low, h-1)
			break
		}
	}
	w.disconnect(branch[len(branch)-1].Height - 1)
	for _, nb := range slices.Backward(branch) {
		if err := w.connect(ctx, nb); err != nil {
			return err
		}
	}
	return nil
}

// disconnect takes the watch's blocks above fork off its chain: their
// spends are unconfirmed again, to be reported as Reorged at the end of
// the poll unless the new branch holds them.
func (w *watcher) disconnect(fork int32) {
	var off []*spendTx
	for _, r := range w.spends {
		if r.height > fork {
			off = append(off, r)
		}
	}
	slices.SortFunc(off, func(a, b *spendTx) int { return cmp.Or(cmp.Compare(a.height, b.height), cmp.Compare(a.pos, b.pos)) })
	for _, r := range off {
		r.height, r.pos, r.absent = 0, 0, 0
		if !slices.Contains(w.reorged, r) { // pending from a failed poll
			w.reorged = append(w.reorged, r)
		}
	}
	for h := fork + 1; h <= w.height; h++ {
		delete(w.hashes, h)
	}
	w.height = fork
}

// reportReorged raises the Reorged alerts of the spends a reorganisation
// made unconfirmed and that are neither confirmed again nor undone.
func (w *watcher) reportReorged() {
	now := time.Now()
	for _, r := range w.reorged {
		if w.spends[r.hash] == r && r.height == 0 {
			w.emit(r.again(Reorged, 0, now))
		}
	}
	w.reorged = w.reorged[:0]
}

// connect processes a block that extends the watch's chain:
// confirmations, spends the mempool never showed, replacements.
func (w *watcher) connect(ctx context.Context, b *chain.Block) error {
	for i, tx := range b.Txs {
		h := b.TxHashes[i]
		if r := w.spends[h]; r != nil {
			if r.height == 0 {
				r.height, r.pos = b.Height, i
				w.emit(r.again(Confirmed, b.Height, b.Header.Timestamp))
			}
			continue
		}
		if i == 0 {
			continue
		}
		if err := w.spend(ctx, tx, h, b.Height, i, b.Header.Timestamp); err != nil {
			return err
		}
	}
	for _, r := range w.spends {
		if r.height == 0 {
			r.absent++
		}
	}
	w.hashes[b.Height] = b.Hash
	w.height = b.Height
	w.forget()
	return nil
}

// forget keeps the hashes of the last reorgWindow blocks and of the one
// below them, on which a reorganisation that deep forks, and forgets the
// spends confirmed below them, and their coins: no reorganisation the
// watch can see will bring those back.
func (w *watcher) forget() {
	for ; w.low < w.height-reorgWindow; w.low++ {
		delete(w.hashes, w.low)
	}
	for h, r := range w.spends {
		if r.height != 0 && r.height <= w.low {
			delete(w.spends, h)
			for _, s := range r.spent {
				delete(w.watched, s.Out)
				delete(w.spender, s.Out)
			}
		}
	}
}
