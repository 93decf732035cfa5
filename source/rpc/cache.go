package rpc

import (
	"container/list"
	"sync"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
)

// blockTxs is what PrevOut needs of a block to place a transaction: its
// height and its txids in order. Both are facts of the block itself, so an
// entry never goes stale, even across a reorganisation.
type blockTxs struct {
	height int32
	txids  []chainhash.Hash
}

// blockCache keeps the most recently used blockTxs. Two calls that miss
// on the same block at once both fetch it; the second put wins, harmlessly.
type blockCache struct {
	mu    sync.Mutex
	max   int
	order *list.List // of chainhash.Hash, most recent first
	items map[chainhash.Hash]*cacheItem
}

type cacheItem struct {
	txs *blockTxs
	el  *list.Element
}

func newBlockCache(max int) *blockCache {
	return &blockCache{max: max, order: list.New(), items: make(map[chainhash.Hash]*cacheItem)}
}

func (c *blockCache) get(h chainhash.Hash) (*blockTxs, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	it, ok := c.items[h]
	if !ok {
		return nil, false
	}
	c.order.MoveToFront(it.el)
	return it.txs, true
}

func (c *blockCache) put(h chainhash.Hash, txs *blockTxs) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if it, ok := c.items[h]; ok {
		it.txs = txs
		c.order.MoveToFront(it.el)
		return
	}
	c.items[h] = &cacheItem{txs: txs, el: c.order.PushFront(h)}
	for c.order.Len() > c.max {
		old := c.order.Remove(c.order.Back()).(chainhash.Hash)
		delete(c.items, old)
	}
}
