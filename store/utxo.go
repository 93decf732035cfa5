package store

import (
	"github.com/btcsuite/btcd/wire"
	"github.com/plumetrace/plume/chain"
)

// utxoCache resolves inputs at ingest without touching Badger: point reads
// run at ~100k/s, far below the ingest target, while half of all spends take
// outputs only a few blocks old.
//
// It holds two generations. New outputs go into cur; when cur outgrows half
// the budget (checked only after a flush, so every output of the unflushed
// batch stays findable), old is dropped and cur becomes old. Outputs that
// age out are resolved from the store, which holds every output in its
// transaction record. The cache is therefore never the source of truth.
// After a restart (or a disconnect, which empties it) the next Ingest
// reloads the unspent outputs of the last day of blocks (see warmUTXO).
//
// Scripts live in one arena per generation, so dropping a generation frees
// them in one go and the map holds no pointers for the GC to trace.
type utxoCache struct {
	cur, old utxoGen
	limit    int64 // bytes for both generations
}

type utxoGen struct {
	m     map[wire.OutPoint]utxoEntry
	arena []byte
}

type utxoEntry struct {
	node  int64 // chain.OutPoint.Node() of the output
	value int64
	off   uint32 // script position in the generation's arena
	n     uint32
	aid   uint32 // the output address's ID
}

// entryOverhead approximates the bytes a map entry costs beyond its script:
// 36-byte key, 32-byte value, and the map's slack.
const entryOverhead = 88

func newUTXOCache(limit int64) *utxoCache {
	c := &utxoCache{limit: limit}
	c.cur.m = make(map[wire.OutPoint]utxoEntry)
	return c
}

func (g *utxoGen) bytes() int64 { return int64(len(g.m))*entryOverhead + int64(len(g.arena)) }

func (c *utxoCache) bytes() int64 { return c.cur.bytes() + c.old.bytes() }

func (c *utxoCache) len() int { return len(c.cur.m) + len(c.old.m) }

func (c *utxoCache) add(op wire.OutPoint, out chain.OutPoint, value int64, script []byte, aid AddrID) {
	if c.old.m != nil {
		// A BIP30 duplicate txid replaces the older outputs; drop the stale
		// copy so a later spend cannot resurrect it.
		delete(c.old.m, op)
	}
	g := &c.cur
	if len(g.arena)+len(script) > 1<<32-1 {
		c.rotate()
	}
	g.m[op] = utxoEntry{node: out.Node(), value: value, off: uint32(len(g.arena)), n: uint32(len(script)), aid: uint32(aid)}
	g.arena = append(g.arena, script...)
}

// take removes and returns the output at op and its address's ID. The
// returned script aliases the cache's arena: it stays valid until the next
// rotate.
func (c *utxoCache) take(op wire.OutPoint) (chain.Prevout, AddrID, bool) {
	for _, g := range [2]*utxoGen{&c.cur, &c.old} {
		if e, ok := g.m[op]; ok {
			delete(g.m, op)
			s := g.arena[e.off : e.off+e.n : e.off+e.n]
			o, _ := chain.NodeOf(e.node)
			return chain.Prevout{Out: o, Value: e.value, Script: s, Addr: chain.AddressOf(s), Resolved: true}, AddrID(e.aid), true
		}
	}
	return chain.Prevout{}, 0, false
}

// maybeRotate ages the cache when the current generation outgrew its half
// of the budget. Call it only when every cached output is also flushed.
func (c *utxoCache) maybeRotate() {
	if c.cur.bytes() > c.limit/2 {
		c.rotate()
	}
}

func (c *utxoCache) rotate() {
	c.old = c.cur
	c.cur = utxoGen{m: make(map[wire.OutPoint]utxoEntry, len(c.old.m))}
}

// reset empties the cache, after an aborted ingest left it ahead of the
// store.
func (c *utxoCache) reset() {
	c.old = utxoGen{}
	c.cur = utxoGen{m: make(map[wire.OutPoint]utxoEntry)}
}
