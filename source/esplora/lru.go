package esplora

import (
	"container/list"
	"context"
	"errors"
	"sync"
)

// lru keeps the most recently used values up to a total cost, so that the
// client's memory is bounded however long a trace runs. It is safe for
// concurrent use.
type lru[K comparable, V any] struct {
	mu    sync.Mutex
	max   int
	used  int
	order *list.List // of *lruItem, most recent first
	items map[K]*list.Element
}

type lruItem[K comparable, V any] struct {
	k    K
	v    V
	cost int
}

func newLRU[K comparable, V any](max int) *lru[K, V] {
	return &lru[K, V]{max: max, order: list.New(), items: make(map[K]*list.Element)}
}

func (c *lru[K, V]) get(k K) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.items[k]
	if !ok {
		var zero V
		return zero, false
	}
	c.order.MoveToFront(el)
	return el.Value.(*lruItem[K, V]).v, true
}

// put stores v at cost (at least 1), evicting the least recently used.
func (c *lru[K, V]) put(k K, v V, cost int) {
	cost = max(cost, 1)
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.items[k]; ok {
		it := el.Value.(*lruItem[K, V])
		c.used += cost - it.cost
		it.v, it.cost = v, cost
		c.order.MoveToFront(el)
	} else {
		c.items[k] = c.order.PushFront(&lruItem[K, V]{k, v, cost})
		c.used += cost
	}
	for c.used > c.max && c.order.Len() > 1 {
		it := c.order.Remove(c.order.Back()).(*lruItem[K, V])
		delete(c.items, it.k)
		c.used -= it.cost
	}
}

// flight makes concurrent requests for the same key share one fetch: a
// trace's workers often need the same block at once.
type flight[K comparable, V any] struct {
	mu    sync.Mutex
	calls map[K]*flightCall[V]
}

type flightCall[V any] struct {
	done chan struct{}
	v    V
	err  error
}

// do returns fn's result for k, calling it unless a call for k is running,
// whose result it then shares. A waiter whose own context is live does
// not take another caller's cancellation: it tries again.
func (f *flight[K, V]) do(ctx context.Context, k K, fn func() (V, error)) (V, error) {
	for {
		f.mu.Lock()
		if f.calls == nil {
			f.calls = make(map[K]*flightCall[V])
		}
		if c, ok := f.calls[k]; ok {
			f.mu.Unlock()
			select {
			case <-c.done:
			case <-ctx.Done():
				var zero V
				return zero, ctx.Err()
			}
			if c.err != nil && ctx.Err() == nil && (errors.Is(c.err, context.Canceled) || errors.Is(c.err, context.DeadlineExceeded)) {
				continue
			}
			return c.v, c.err
		}
		c := &flightCall[V]{done: make(chan struct{})}
		f.calls[k] = c
		f.mu.Unlock()
		func() {
			defer func() {
				f.mu.Lock()
				delete(f.calls, k)
				f.mu.Unlock()
				close(c.done)
			}()
			c.v, c.err = fn()
		}()
		return c.v, c.err
	}
}
