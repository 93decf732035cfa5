package store

import (
	"bytes"
	"context"
	"errors"
	"iter"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"

	"github.com/plumetrace/plume/chain"
	"github.com/plumetrace/plume/internal/btcdata"
	"github.com/plumetrace/plume/trace"
)

// cacheRemote is a store of the real blocks 0..14131, standing in for a
// remote source, shared by the cache tests, which only read it.
var cacheRemote = sync.OnceValues(func() (*DB, error) {
	ctx := context.Background()
	db, err := Open("", Options{InMemory: true})
	if err != nil {
		return nil, err
	}
	if _, err := db.Ingest(ctx, btcdata.Blocks2009(ctx), nil); err != nil {
		return nil, err
	}
	return db, nil
})

// cacheCounter counts the calls that reach a remote source.
type cacheCounter struct {
	RemoteSource
	calls atomic.Int64
}

func (c *cacheCounter) Tx(ctx context.Context, id chain.TxID) (*chain.Tx, error) {
	c.calls.Add(1)
	return c.RemoteSource.Tx(ctx, id)
}

func (c *cacheCounter) TxIDs(ctx context.Context, h chainhash.Hash) ([]chain.TxID, error) {
	c.calls.Add(1)
	return c.RemoteSource.TxIDs(ctx, h)
}

func (c *cacheCounter) History(ctx context.Context, a chain.Address) iter.Seq2[chain.Appearance, error] {
	c.calls.Add(1)
	return c.RemoteSource.History(ctx, a)
}

// newCacheFixture returns the remote store, a counter in front of it, and
// an empty in-memory store to cache in.
func newCacheFixture(t *testing.T) (remote *DB, counter *cacheCounter, db *DB) {
	t.Helper()
	remote, err := cacheRemote()
	if err != nil {
		t.Fatal(err)
	}
	db, err = Open("", Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return remote, &cacheCounter{RemoteSource: remote}, db
}

// cacheSameTx reports how two transactions differ, or "".
func cacheSameTx(a, b *chain.Tx) string {
	var wa, wb bytes.Buffer
	a.Msg.Serialize(&wa)
	b.Msg.Serialize(&wb)
	switch {
	case a.ID != b.ID || a.Hash != b.Hash || !a.Time.Equal(b.Time):
		return "identity or time"
	case !bytes.Equal(wa.Bytes(), wb.Bytes()):
		return "bytes"
	case (a.Prevouts == nil) != (b.Prevouts == nil) || len(a.Prevouts) != len(b.Prevouts):
		return "prevout count"
	case (a.SpentBy == nil) != (b.SpentBy == nil) || len(a.SpentBy) != len(b.SpentBy):
		return "spender count"
	}
	for i, p := range a.Prevouts {
		q := b.Prevouts[i]
		if p.Out != q.Out || p.Value != q.Value || !bytes.Equal(p.Script, q.Script) || p.Addr != q.Addr || p.Resolved != q.Resolved {
			return "prevout"
		}
	}
	for i := range a.SpentBy {
		if a.SpentBy[i] != b.SpentBy[i] {
			return "spender"
		}
	}
	return ""
}

// cacheSameFlow reports how two traces differ, or "".
func cacheSameFlow(a, b *trace.Result) string {
	if a.Len() != b.Len() || a.Hops != b.Hops {
		return "size or hops"
	}
	for i := range a.Len() {
		if a.Hop(i) != b.Hop(i) {
			return "hop of " + a.At(i).ID.String()
		}
		if d := cacheSameTx(a.At(i), b.At(i)); d != "" {
			return d + " of " + a.At(i).ID.String()
		}
	}
	return ""
}

// TestCacheFollowTwice traces the 2009 peel chain through the cache
// twice: the second trace asks the remote nothing, and both give the
// flow a trace of the remote itself gives.
func TestCacheFollowTwice(t *testing.T) {
	ctx := context.Background()
	for _, dir := range []trace.Direction{trace.Forward, trace.Backward} {
		remote, counter, db := newCacheFixture(t)
		seed, err := trace.ParseSeed(chain.Mainnet, "12cbQLTFMXRnSzktFkuoG3eHoMeFtpTu3S")
		if err != nil {
			t.Fatal(err)
		}
		opts := trace.Options{Direction: dir, MaxHops: 6}
		want, err := trace.Follow(ctx, remote, []trace.Seed{seed}, opts)
		if err != nil {
			t.Fatal(err)
		}
		cache := Cache(db, counter, CacheOptions{})
		for round := range 2 {
			counter.calls.Store(0)
			got, err := trace.Follow(ctx, cache, []trace.Seed{seed}, opts)
			if err != nil {
				t.Fatal(err)
			}
			if d := cacheSameFlow(got, want); d != "" {
				t.Fatalf("%v trace %d through the cache: %s differs", dir, round+1, d)
			}
			n := counter.calls.Load()
			if round == 0 && n < int64(want.Len()) || round == 1 && n != 0 {
				t.Errorf("%v trace %d of %d transactions asked the remote %d times", dir, round+1, want.Len(), n)
			}
		}
		if err := db.Verify(ctx); err != nil {
			t.Errorf("Verify of a store holding only a cache: %v", err)
		}
	}
}

// TestCacheRoundTrip caches every transaction of the real chain (and
// forms a store never gives) and reads each back.
func TestCacheRoundTrip(t *testing.T) {
	remote, _, db := newCacheFixture(t)
	ctx := context.Background()
	hal, _ := remote.Tx(ctx, chain.MakeTxID(170, 1))
	odd := *hal
	odd.Time = time.Time{}
	odd.SpentBy = nil
	odd.Prevouts = []chain.Prevout{{}}
	odd.ID = chain.MakeTxID(170, 9)
	txs := map[chain.TxID]*chain.Tx{odd.ID: &odd}
	fake := &cacheFake{txs: txs, remote: remote}
	cache := Cache(db, fake, CacheOptions{})
	ids := []chain.TxID{odd.ID}
	for h := int32(0); h <= 14131; h += 7 {
		ids = append(ids, chain.MakeTxID(h, 0))
	}
	for _, id := range ids {
		want, err := fake.Tx(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := cache.Tx(ctx, id); err != nil {
			t.Fatal(err)
		}
		fake.calls = 0
		got, err := cache.Tx(ctx, id)
		if err != nil || fake.calls != 0 {
			t.Fatalf("cached Tx(%v): %v after %d remote calls", id, err, fake.calls)
		}
		if d := cacheSameTx(got, want); d != "" {
			t.Fatalf("Tx(%v): %s differs after the round trip", id, d)
		}
	}
}

// cacheFake answers from txs, else from the remote store.
type cacheFake struct {
	txs    map[chain.TxID]*chain.Tx
	remote RemoteSource
	calls  int
	err    error
}

func (f *cacheFake) Tx(ctx context.Context, id chain.TxID) (*chain.Tx, error) {
	f.calls++
	if f.err != nil {
		return nil, f.err
	}
	if tx, ok := f.txs[id]; ok {
		return tx, nil
	}
	return f.remote.Tx(ctx, id)
}

func (f *cacheFake) TxIDs(ctx context.Context, h chainhash.Hash) ([]chain.TxID, error) {
	f.calls++
	if f.err != nil {
		return nil, f.err
	}
	return f.remote.TxIDs(ctx, h)
}

func (f *cacheFake) History(ctx context.Context, a chain.Address) iter.Seq2[chain.Appearance, error] {
	f.calls++
	if f.err != nil {
		return func(yield func(chain.Appearance, error) bool) { yield(chain.Appearance{}, f.err) }
	}
	return f.remote.History(ctx, a)
}

// TestCacheMaxAge checks which cached answers are fetched again once
// older than MaxAge: histories and transactions with an unspent output,
// not transactions whose outputs are all spent, nor positions.
func TestCacheMaxAge(t *testing.T) {
	_, counter, db := newCacheFixture(t)
	ctx := context.Background()
	now := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	cache := Cache(db, counter, CacheOptions{MaxAge: time.Hour, Now: func() time.Time { return now }})
	hal := chain.MakeTxID(170, 1) // pays Hal Finney 10 BTC he had not spent by block 14131
	spent := chain.MakeTxID(9, 0) // its one output is spent in block 170
	addr, _ := chain.Mainnet.Parse("12cbQLTFMXRnSzktFkuoG3eHoMeFtpTu3S")
	txid, _ := chainhash.NewHashFromStr("f4184fc596403b9d638783cf57adfe4c75c605f6356fbc91338530e9831e9e16")
	read := func() {
		t.Helper()
		for _, id := range []chain.TxID{hal, spent} {
			if _, err := cache.Tx(ctx, id); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := cache.TxIDs(ctx, *txid); err != nil {
			t.Fatal(err)
		}
		for _, err := range cache.History(ctx, addr) {
			if err != nil {
				t.Fatal(err)
			}
		}
	}
	read()
	fetched, ok, err := cache.TxFetched(hal)
	if err != nil || !ok || !fetched.Equal(now) {
		t.Fatalf("TxFetched = %v, %v, %v; want %v", fetched, ok, err, now)
	}
	for _, step := range []struct {
		advance time.Duration
		want    int64
	}{
		{30 * time.Minute, 0}, // all fresh
		{31 * time.Minute, 2}, // 61 minutes: Hal's tx and the history again
		{10 * time.Minute, 0}, // fresh again
	} {
		now = now.Add(step.advance)
		counter.calls.Store(0)
		read()
		if got := counter.calls.Load(); got != step.want {
			t.Errorf("after %v more: %d remote calls, want %d", step.advance, got, step.want)
		}
	}
	if fetched, ok, _ := cache.HistoryFetched(addr); !ok || !fetched.Equal(now.Add(-10*time.Minute)) {
		t.Errorf("HistoryFetched = %v, %v", fetched, ok)
	}
}

// TestCacheBesideChain caches into a store that also indexes blocks: the
// chain's entries, Verify and the store's own answers are untouched, and
// Forget removes exactly the cache.
func TestCacheBesideChain(t *testing.T) {
	_, counter, _ := newCacheFixture(t)
	ctx := context.Background()
	db, err := Open("", Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Ingest(ctx, sliceSeq(realBlocksFrom(t, 0, 200)), nil); err != nil {
		t.Fatal(err)
	}
	before, err := Dump(db)
	if err != nil {
		t.Fatal(err)
	}
	cache := Cache(db, counter, CacheOptions{})
	seed, _ := trace.ParseSeed(chain.Mainnet, "12cbQLTFMXRnSzktFkuoG3eHoMeFtpTu3S")
	if _, err := trace.Follow(ctx, cache, []trace.Seed{seed}, trace.Options{}); err != nil {
		t.Fatal(err)
	}
	after, _ := Dump(db)
	var chainPart []KV
	cached := 0
	for _, kv := range after {
		if kv.Key[0] == cacheTable {
			cached++
			continue
		}
		chainPart = append(chainPart, kv)
	}
	if d := diffKV(chainPart, before); d != "" || cached == 0 {
		t.Fatalf("%d cache entries; the chain's entries changed: %s", cached, d)
	}
	if err := db.Verify(ctx); err != nil {
		t.Fatal(err)
	}
	// The store still answers for what it indexed, and only that.
	if _, err := db.Tx(ctx, chain.MakeTxID(248, 1)); !errors.Is(err, chain.ErrNotFound) {
		t.Errorf("the store answers for block 248, which only the cache holds: %v", err)
	}
	if err := cache.Forget(ctx); err != nil {
		t.Fatal(err)
	}
	if after, _ := Dump(db); diffKV(after, before) != "" {
		t.Errorf("Forget left %s", diffKV(after, before))
	}
}

// TestCacheErrors checks that failures are passed on and not kept.
func TestCacheErrors(t *testing.T) {
	remote, _, db := newCacheFixture(t)
	ctx := context.Background()
	boom := errors.New("remote down")
	fake := &cacheFake{remote: remote, err: boom}
	cache := Cache(db, fake, CacheOptions{})
	addr, _ := chain.Mainnet.Parse("12cbQLTFMXRnSzktFkuoG3eHoMeFtpTu3S")
	if _, err := cache.Tx(ctx, chain.MakeTxID(170, 1)); !errors.Is(err, boom) {
		t.Errorf("Tx = %v", err)
	}
	if _, err := cache.TxIDs(ctx, chainhash.Hash{1}); !errors.Is(err, boom) {
		t.Errorf("TxIDs = %v", err)
	}
	for _, err := range cache.History(ctx, addr) {
		if !errors.Is(err, boom) {
			t.Errorf("History = %v", err)
		}
	}
	fake.err = nil
	if _, err := cache.TxIDs(ctx, chainhash.Hash{1}); !errors.Is(err, chain.ErrNotFound) {
		t.Errorf("TxIDs(unknown) = %v, want chain.ErrNotFound", err)
	}
	fake.calls = 0
	if _, err := cache.Tx(ctx, chain.MakeTxID(170, 1)); err != nil || fake.calls != 1 {
		t.Errorf("Tx after a failure: %v, %d remote calls", err, fake.calls)
	}
	db.Close()
	if _, err := cache.Tx(ctx, chain.MakeTxID(170, 1)); !errors.Is(err, ErrClosed) {
		t.Errorf("Tx after Close = %v", err)
	}
}

// TestCacheConcurrent reads and rewrites the same entries from many
// goroutines (run with -race).
func TestCacheConcurrent(t *testing.T) {
	remote, counter, db := newCacheFixture(t)
	ctx := context.Background()
	now := time.Unix(0, 0)
	var clock sync.Mutex
	cache := Cache(db, counter, CacheOptions{MaxAge: time.Nanosecond, Now: func() time.Time {
		clock.Lock()
		defer clock.Unlock()
		now = now.Add(time.Second) // every answer is stale at once: every read rewrites
		return now
	}})
	addr, _ := chain.Mainnet.Parse("12cbQLTFMXRnSzktFkuoG3eHoMeFtpTu3S")
	want := collectCacheHistory(t, remote, addr)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 20 {
				got := collectCacheHistory(t, cache, addr)
				if len(got) != len(want) {
					t.Errorf("goroutine %d read %d: %d appearances, want %d", g, i, len(got), len(want))
					return
				}
				if _, err := cache.Tx(ctx, chain.MakeTxID(170, 1)); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
}

func collectCacheHistory(t *testing.T, src RemoteSource, a chain.Address) []chain.Appearance {
	var out []chain.Appearance
	for ap, err := range src.History(context.Background(), a) {
		if err != nil {
			t.Error(err)
			return nil
		}
		out = append(out, ap)
	}
	return out
}

// FuzzCacheTx checks that any bytes under a cached transaction's key
// decode without panicking, and that what decodes encodes back to itself.
func FuzzCacheTx(f *testing.F) {
	remote, err := cacheRemote()
	if err != nil {
		f.Fatal(err)
	}
	for _, id := range []chain.TxID{chain.MakeTxID(170, 1), chain.MakeTxID(9, 0)} {
		tx, err := remote.Tx(context.Background(), id)
		if err != nil {
			f.Fatal(err)
		}
		b, err := appendCacheTx(nil, tx, time.Unix(1, 2))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, v []byte) {
		tx, fetched, err := decodeCacheTx(chain.MakeTxID(1, 1), v)
		if err != nil {
			return
		}
		b, err := appendCacheTx(nil, tx, fetched)
		if err != nil {
			return // a transaction btcd decodes but will not encode
		}
		again, _, err := decodeCacheTx(chain.MakeTxID(1, 1), b)
		if err != nil {
			t.Fatalf("re-encoded record does not decode: %v", err)
		}
		if d := cacheSameTx(again, tx); d != "" {
			t.Fatalf("round trip changes %s", d)
		}
	})
}
