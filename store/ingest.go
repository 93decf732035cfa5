package store

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"iter"
	"slices"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"
	badger "github.com/dgraph-io/badger/v4"
	"github.com/plumetrace/plume/chain"
	"github.com/plumetrace/plume/trace/heuristic"
)

// IngestStats counts what an Ingest call stored.
type IngestStats struct {
	Blocks     int
	Txs        int
	Inputs     int
	Outputs    int
	Entries    int // index entries written (keys set)
	Unresolved int // inputs whose previous output could not be found
	Skipped    int // blocks the store already held
	CoinJoins  int // transactions left out of clustering as CoinJoins
	Refused    int // change-based merges the cluster size guard refused
	// Tip is the durable tip: the last block flushed. Height is the last
	// block read, which progress reports show; it is durable once Tip
	// reaches it.
	Tip     Tip
	Height  int32
	Elapsed time.Duration
}

// Ingest stores a stream of blocks in chain order. Each block must extend
// the store's tip (blocks at or below the tip that match what is stored are
// skipped, so a stream may start at genesis on every run). Ingest resolves
// every input to the output it spends and writes the transaction, its
// txid, its spends and both sides of every address history.
//
// Writes are batched: every Options.BatchBytes the batch is flushed, synced,
// and only then is the watermark (the tip) advanced. A crash at any point
// therefore leaves a store whose tip is the last flushed block, and Open
// removes anything written above it; ingesting again resumes there.
//
// When a block is bad (it does not link, contradicts the store, or the
// stream yields an error), Ingest stores every block before it and returns
// a *BlockError or the stream's error; nothing of the bad block is stored.
// progress, if not nil, is called after each block.
func (db *DB) Ingest(ctx context.Context, blocks iter.Seq2[*chain.Block, error], progress func(IngestStats)) (IngestStats, error) {
	db.ingestMu.Lock()
	defer db.ingestMu.Unlock()
	if db.isClosed() {
		return IngestStats{}, ErrClosed
	}
	start := time.Now()
	if err := db.clustersLoaded(); err != nil {
		return IngestStats{}, err
	}
	if err := db.warmUTXO(); err != nil {
		return IngestStats{}, err
	}
	in := newIngester(ctx, db)
	err := in.run(blocks, progress)
	if err != nil {
		in.pending = in.pending[:0] // nothing of the failed block is written
	}
	if in.failed == nil {
		// What was staged before the error is whole blocks: store it.
		if cerr := in.commit(true); cerr != nil {
			err = errors.Join(err, cerr)
		}
	}
	in.view.Close()
	if in.failed != nil || in.torn {
		// The caches and the clustering hold what blocks that are not
		// stored added (a block cut short, or a batch the writer could
		// not store); the store holds everything else, so start them
		// afresh. An error of the block stream or of a block refused
		// before it was connected leaves them right.
		db.utxo.reset()
		db.addrs.reset()
		db.clusters.mu.Lock()
		db.clusters.loaded = false
		db.clusters.mu.Unlock()
	}
	if in.failed != nil {
		// Part of the failed batch may be in Badger above the watermark:
		// remove it now, as Open would, so that a retry in this process
		// (Sync's) starts from a clean tip.
		tip, ok := db.Tip()
		db.truncateTimes(tip.Height + 1)
		if !ok {
			db.truncateTimes(0)
		}
		if rerr := db.recover(); rerr != nil {
			err = errors.Join(err, rerr)
		}
	}
	in.stats.Elapsed = time.Since(start)
	in.stats.Tip, _ = db.Tip()
	return in.stats, err
}

func newIngester(ctx context.Context, db *DB) *ingester {
	in := &ingester{db: db, ctx: ctx, spent: make(map[wire.OutPoint]struct{}), staged: make(map[int32]chainhash.Hash)}
	in.tip, in.hasTip = db.Tip()
	in.nextID = db.nextID()
	in.stats.Tip = in.tip // what progress reports until this call flushes
	in.view = db.Snapshot()
	return in
}

// ingester is the state of one Ingest call. While it prepares one batch, a
// writer goroutine stores the previous one; at most one is in flight.
type ingester struct {
	db    *DB
	ctx   context.Context
	stats IngestStats

	view    *Snapshot // what is durable, for outputs the cache lacks
	buf     kvBuf
	pending []kv // the current block's writes, added to batch when it is whole
	batch   []kv // whole blocks' writes since the last commit
	flying  []kv // the batch the writer holds; its array is reused after
	batched int64
	tip     Tip // the last block staged
	hasTip  bool
	prevs   []chain.Prevout
	prevIDs []AddrID
	outIDs  []AddrID
	group   []AddrID
	groups  [][]AddrID
	nextID  AddrID // the next address ID to assign

	// spent and inflightSpent hold the outpoints spent in the current and
	// the in-flight batch, which Badger does not show yet, so that a second
	// spend of one is caught.
	spent, inflightSpent map[wire.OutPoint]struct{}
	inflight             chan error // the writer's result; nil when idle
	// failed is the writer's error: once a batch is not stored, no later
	// batch may be, or the watermark would pass blocks the store lacks.
	failed error
	// torn is set when a block failed part way through connect, which
	// may have changed the caches and the clustering.
	torn bool
	// staged holds the hashes of blocks staged by this call that the view
	// does not show yet, so that a stream repeating one is recognised.
	staged map[int32]chainhash.Hash
}

type kv struct {
	k, v   []byte
	prefix uint64 // the key's first 8 bytes, big-endian, to sort fast
}

// kvBuf hands out key and value bytes from large chunks. The loader keeps
// the slices until the batch is written, so chunks are never reused; they
// die with the batch.
type kvBuf struct{ chunk []byte }

func (b *kvBuf) alloc(n int) []byte {
	if cap(b.chunk)-len(b.chunk) < n {
		size := 1 << 20
		if n > size {
			size = n
		}
		b.chunk = make([]byte, 0, size)
	}
	s := b.chunk[len(b.chunk):len(b.chunk)]
	b.chunk = b.chunk[:len(b.chunk)+n]
	return s[:0:n]
}

func (in *ingester) run(blocks iter.Seq2[*chain.Block, error], progress func(IngestStats)) error {
	next, stop := prefetch(blocks, 8)
	defer stop()
	for {
		if err := in.ctx.Err(); err != nil {
			return err
		}
		blk, err, ok := next()
		if !ok {
			return nil
		}
		if err != nil {
			return err
		}
		if blk == nil {
			return errors.New("store: block stream yielded nil")
		}
		if err := in.block(blk); err != nil {
			return &BlockError{Height: blk.Height, Hash: blk.Hash, Err: err}
		}
		in.stats.Height = blk.Height
		if progress != nil {
			progress(in.stats)
		}
		if in.batched >= in.db.opts.BatchBytes {
			if err := in.commit(false); err != nil {
				return err
			}
		}
	}
}

// block checks that blk extends the tip and stages its writes.
func (in *ingester) block(blk *chain.Block) error {
	if in.hasTip && blk.Height <= in.tip.Height {
		stored, ok := in.staged[blk.Height]
		if !ok {
			var err error
			stored, err = in.view.blockHash(blk.Height)
			if errors.Is(err, ErrNotFound) {
				return fmt.Errorf("%w: the store begins above this height", ErrNotLinked)
			}
			if err != nil {
				return err
			}
		}
		if stored == blk.Hash {
			in.stats.Skipped++
			return nil
		}
		return fmt.Errorf("%w: the store holds block %v at this height (a reorganisation needs Disconnect first)", ErrConflict, stored)
	}
	if in.hasTip {
		if blk.Height != in.tip.Height+1 || blk.Header.PrevBlock != in.tip.Hash {
			return fmt.Errorf("%w: its parent is %v, the tip is block %d (%v)", ErrNotLinked, blk.Header.PrevBlock, in.tip.Height, in.tip.Hash)
		}
	} else if blk.Height == 0 && blk.Hash != in.db.params.GenesisHash {
		return fmt.Errorf("%w: block at height 0 is not %s's genesis %v", ErrWrongNetwork, in.db.params.Name, in.db.params.GenesisHash)
	}
	in.pending = in.pending[:0]
	c := &in.db.clusters
	firstID := in.nextID
	c.mu.Lock()
	err := in.connect(blk)
	c.mu.Unlock()
	if err != nil {
		in.nextID = firstID // the block's new IDs are not written
		in.torn = true
		return err
	}
	for _, e := range in.pending {
		in.batched += int64(len(e.k) + len(e.v))
	}
	in.batch = append(in.batch, in.pending...)
	in.stats.Entries += len(in.pending)
	in.stats.Blocks++
	in.tip, in.hasTip = Tip{Height: blk.Height, Hash: blk.Hash}, true
	in.staged[blk.Height] = blk.Hash
	in.db.appendTime(blk.Height, blk.Header.Timestamp.Unix())
	return nil
}

func (in *ingester) put(k, v []byte) {
	var p [8]byte
	copy(p[:], k)
	in.pending = append(in.pending, kv{k: k, v: v, prefix: binary.BigEndian.Uint64(p[:])})
}

func (in *ingester) key(n int) []byte { return in.buf.alloc(n) }

// connect stages every write of blk. Keys and values depend on the block
// and the outputs it spends only, so writing a block twice writes the same
// entries (see doc.go on crash safety).
func (in *ingester) connect(blk *chain.Block) error {
	firstID := in.nextID
	c := &in.db.clusters
	c.begin(blk.Height)
	in.groups = in.groups[:0]
	for i, tx := range blk.Txs {
		id := blk.TxID(i)
		if cb := chain.IsCoinbase(tx); cb != (i == 0) {
			return fmt.Errorf("%w: transaction %d %v: a block has exactly one coinbase, first", ErrConflict, i, blk.TxHashes[i])
		}
		in.prevs, in.prevIDs = in.prevs[:0], in.prevIDs[:0]
		if i > 0 {
			for vin, txin := range tx.TxIn {
				p, aid, err := in.resolve(txin.PreviousOutPoint, chain.InPoint{Tx: id, Vin: uint32(vin)})
				if err != nil {
					return fmt.Errorf("transaction %d %v input %d: %w", i, blk.TxHashes[i], vin, err)
				}
				in.prevs, in.prevIDs = append(in.prevs, p), append(in.prevIDs, aid)
			}
		}
		hash := &blk.TxHashes[i]
		txFresh := in.nextID
		in.outIDs = in.outIDs[:0]
		for vout, out := range tx.TxOut {
			aid, err := in.idFor(chain.AddressOf(out.PkScript), id.Out(uint32(vout)))
			if err != nil {
				return err
			}
			in.outIDs = append(in.outIDs, aid)
		}
		raw := blk.RawTx(i)
		size := 1 + 32 + 10 + len(raw) + 5*len(in.outIDs)
		for j := range in.prevs {
			size += 1 + 10 + 10 + 5 + len(in.prevs[j].Script)
		}
		in.put(nodeKey(in.key(9), id.Node()), appendTxRecord(in.key(size), hash, raw, in.prevs, in.outIDs))
		in.put(hashKey(in.key(41), hash, id), nil)
		for vin := range in.prevs {
			p := &in.prevs[vin]
			ip := chain.InPoint{Tx: id, Vin: uint32(vin)}
			if !p.Resolved {
				in.put(pendingKey(in.key(13), id, ip.Vin), appendPending(in.key(36), tx.TxIn[vin].PreviousOutPoint))
				in.stats.Unresolved++
				continue
			}
			if !p.Out.IsZero() {
				in.put(nodeKey(in.key(9), p.Out.Node()), appendSpend(in.key(12), ip))
			}
			in.put(addrKey(in.key(46), p.Addr, id, dirSpend, ip.Vin), appendAddrValue(in.key(20), p.Value, p.Out))
		}
		for vout, out := range tx.TxOut {
			a := chain.AddressOf(out.PkScript)
			in.put(addrKey(in.key(46), a, id, dirReceive, uint32(vout)), appendAddrValue(in.key(10), out.Value, chain.OutPoint{}))
			if a.Kind != chain.KindOpReturn {
				in.db.utxo.add(wire.OutPoint{Hash: *hash, Index: uint32(vout)}, id.Out(uint32(vout)), out.Value, out.PkScript, in.outIDs[vout])
			}
		}
		in.cluster(tx, id, txFresh)
		in.stats.Txs++
		in.stats.Inputs += len(in.prevs)
		in.stats.Outputs += len(tx.TxOut)
	}
	if len(in.groups) > 0 {
		size := 10
		for _, g := range in.groups {
			size += 10 + 5*len(g)
		}
		in.put(joinKey(in.key(5), blk.Height), appendGroups(in.key(size), in.groups))
	}
	in.put(blockKey(in.key(5), blk.Height), appendBlockRecord(in.key(124), blk, firstID))
	return nil
}

// cluster joins the addresses that fund tx (common-input ownership), unless
// tx has fewer than two of them or is a CoinJoin, where inputs have many
// owners and joining them would collapse clusters. With Options.ChangeRules
// it also joins them with the output the rules name as change, unless that
// would make a cluster larger than Options.MaxClusterSize. fresh is the
// first address ID tx assigned. It runs with the clustering locked.
func (in *ingester) cluster(tx *wire.MsgTx, id chain.TxID, fresh AddrID) {
	g := in.group[:0]
	for k, p := range in.prevs {
		if !p.Resolved {
			// An input of unknown value and owner: the CoinJoin detectors
			// cannot rule out a CoinJoin, and a merge of its participants
			// would join strangers for good. Such a transaction (an
			// ingest above genesis without a Resolver) joins nothing.
			return
		}
		g = append(g, in.prevIDs[k])
	}
	slices.Sort(g)
	g = slices.Compact(g)
	in.group = g
	rules := in.db.opts.ChangeRules
	if len(g) == 0 || (len(g) < 2 && rules == 0) {
		return
	}
	ctx := &chain.Tx{ID: id, Msg: tx, Prevouts: in.prevs}
	if isCoinJoin(ctx) {
		in.stats.CoinJoins++
		return
	}
	c := &in.db.clusters
	c.grow(in.nextID)
	if len(g) >= 2 {
		for _, m := range g[1:] {
			c.union(uint32(g[0]), uint32(m))
		}
		in.groups = append(in.groups, slices.Clone(g))
	}
	if rules == 0 {
		return
	}
	ch, ok := rules.Any(ctx, &heuristic.Options{History: txHistory{id: id, tx: tx, ids: in.outIDs, fresh: fresh}})
	if !ok {
		return
	}
	change := uint32(in.outIDs[ch.Index])
	ra, rb := c.find(uint32(g[0])), c.find(change)
	if ra == rb {
		return
	}
	if size := int(c.size[ra] + c.size[rb]); size > in.db.opts.MaxClusterSize {
		in.stats.Refused++
		if f := in.db.opts.OnRefused; f != nil {
			f(RefusedMerge{Tx: id, Change: ch.Index, Size: size})
		}
		return
	}
	c.union(uint32(g[0]), change)
	pair := []AddrID{g[0], AddrID(change)}
	slices.Sort(pair)
	in.groups = append(in.groups, pair)
}

// RefusedMerge is a change-based merge the cluster size guard refused.
type RefusedMerge struct {
	Tx     chain.TxID
	Change int // the output the rules named as change
	Size   int // the size the merged cluster would have had
}

// txHistory answers the one-time change rules at ingest: an output's
// address is new if tx assigned its ID. For an older address it answers
// an earlier transaction, not necessarily the first one.
type txHistory struct {
	id    chain.TxID
	tx    *wire.MsgTx
	ids   []AddrID
	fresh AddrID
}

func (h txHistory) FirstSeen(a chain.Address) (chain.TxID, bool) {
	for v, o := range h.tx.TxOut {
		if chain.AddressOf(o.PkScript) == a {
			if h.ids[v] >= h.fresh {
				return h.id, true
			}
			return h.id - 1, true
		}
	}
	return 0, false
}

// resolve finds the output op that input ip spends: from the cache, else
// from the store, else from the Resolver; unresolved if none has it.
func (in *ingester) resolve(op wire.OutPoint, ip chain.InPoint) (chain.Prevout, AddrID, error) {
	if p, aid, ok := in.db.utxo.take(op); ok {
		in.spent[op] = struct{}{}
		return p, aid, nil
	}
	_, dup := in.spent[op]
	if _, dup2 := in.inflightSpent[op]; dup || dup2 {
		return chain.Prevout{}, 0, fmt.Errorf("%w: output %v is already spent", ErrConflict, op)
	}
	p, aid, err := in.view.prevout(op, ip)
	if err == nil {
		in.spent[op] = struct{}{}
		return p, aid, nil
	}
	if !errors.Is(err, ErrNotFound) {
		return chain.Prevout{}, 0, err
	}
	if r := in.db.opts.Resolver; r != nil {
		p, err := r.PrevOut(in.ctx, op)
		if err == nil && p.Resolved {
			in.spent[op] = struct{}{}
			p.Addr = chain.AddressOf(p.Script)
			// An output from below the store's first block: its address
			// first appears here, unless a later output already named it.
			aid, err := in.idFor(p.Addr, chain.OutPoint{})
			return p, aid, err
		}
		// A resolver reports absence with chain.ErrNotFound (which
		// store.ErrNotFound wraps too): the input stays unresolved.
		if err != nil && !errors.Is(err, chain.ErrNotFound) {
			return chain.Prevout{}, 0, fmt.Errorf("resolver: %w", err)
		}
	}
	return chain.Prevout{}, 0, nil
}

// commit hands the batch to the writer, after the previous one is
// durable; with wait it also waits for this one. The writer stores the
// entries, syncs, and only then advances the watermark: the tip never
// names a block whose entries could be lost.
//
// The batch is sorted here, before the wait, so that sorting overlaps the
// previous write: the writer is the slower stage of ingest.
func (in *ingester) commit(wait bool) error {
	if in.failed != nil {
		return in.failed
	}
	sortForLoad(in.batch)
	if err := in.wait(); err != nil {
		return err
	}
	// Everything cached before this batch is now durable, so the cache may
	// drop its old generation, and a new view sees all of it.
	in.db.utxo.maybeRotate()
	in.view.Close()
	in.view = in.db.Snapshot()
	for h := range in.staged {
		if h <= in.view.Tip() {
			delete(in.staged, h)
		}
	}
	// The previous batch is written: its array takes the next batch, so
	// that a batch of millions of entries does not regrow from nothing.
	free := in.flying
	clear(free) // drop the references to written keys and values
	in.flying = nil
	if old, _ := in.db.Tip(); in.hasTip && old != in.tip {
		batch, mark := in.batch, watermark{tip: in.tip, next: in.nextID}
		in.inflight = make(chan error, 1)
		go func(done chan<- error) { done <- in.db.write(batch, mark) }(in.inflight)
		in.flying = batch
	} else {
		free = in.batch
		clear(free)
	}
	if cap(free) == 0 {
		free = make([]kv, 0, cap(in.batch))
	}
	in.batch, in.batched = free[:0], 0
	in.inflightSpent, in.spent = in.spent, make(map[wire.OutPoint]struct{})
	if wait {
		return in.wait()
	}
	return nil
}

func (in *ingester) wait() error {
	if in.inflight == nil {
		return nil
	}
	err := <-in.inflight
	in.inflight = nil
	if err != nil {
		in.failed = err
	}
	if err == nil {
		in.stats.Tip, _ = in.db.Tip()
	}
	return err
}

// write stores a batch of whole blocks, then moves the watermark to the
// batch's last block.
func (db *DB) write(batch []kv, mark watermark) error {
	if f := db.writeFault; f != nil {
		if part, err := f(batch); err != nil {
			return errors.Join(err, db.load(part))
		}
	}
	if err := db.load(batch); err != nil {
		return err
	}
	if err := db.setWatermark(mark); err != nil {
		return err
	}
	return nil
}

func (db *DB) setWatermark(mark watermark) error {
	v := appendWatermark(nil, mark)
	if err := db.bdb.Update(func(txn *badger.Txn) error { return txn.Set(keyTip, v) }); err != nil {
		return fmt.Errorf("store: watermark: %w", err)
	}
	db.mark.Store(&mark)
	return nil
}

// prefetch runs the block stream in its own goroutine, n blocks ahead, so
// that decoding the next blocks overlaps with indexing this one.
func prefetch(blocks iter.Seq2[*chain.Block, error], n int) (next func() (*chain.Block, error, bool), stop func()) {
	type item struct {
		b   *chain.Block
		err error
	}
	ch := make(chan item, n)
	done := make(chan struct{})
	go func() {
		defer close(ch)
		for b, err := range blocks {
			select {
			case ch <- item{b, err}:
			case <-done:
				return
			}
			if err != nil {
				return
			}
		}
	}()
	next = func() (*chain.Block, error, bool) {
		it, ok := <-ch
		return it.b, it.err, ok
	}
	stop = func() {
		close(done)
		for range ch {
		}
	}
	return next, stop
}
