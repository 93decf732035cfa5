package store

import (
	"fmt"
	"hash/maphash"

	badger "github.com/dgraph-io/badger/v4"
	"github.com/plumetrace/plume/chain"
)

// addrFilter is a Bloom filter over every address the store has given an
// ID. Most outputs on the chain pay an address never seen before, and
// without the filter each one costs ingest a Badger lookup that misses:
// memtables and every level's bloom filter, a fifth of ingest's time on a
// million transactions. The filter answers "new" for nearly all of them
// from memory: each part errs about once in a hundred, and a lookup asks
// every part, so a store that grew through n parts errs up to n in a
// hundred.
//
// It may say "maybe" for an address the store lacks (a false positive,
// or one a failed batch or a disconnect removed); ingest then asks Badger
// as before. It never says "new" for an address the store holds, which is
// all that correctness needs.
//
// It grows as a scalable Bloom filter: when a part has taken as many
// addresses as it was sized for, a part twice as large takes the next
// ones, so ingest never rescans the store. Past its byte budget it turns
// itself off and every lookup says "maybe".
type addrFilter struct {
	parts  []filterPart
	budget int64 // bytes the parts may use
	used   int64
	off    bool
}

// filterPart is a blocked Bloom filter: each address sets filterProbes
// bits within one 512-bit block, so a lookup touches one cache line.
type filterPart struct {
	blocks   [][8]uint64
	cap, len int
}

const (
	filterBitsPerAddr = 12 // with 8 probes in a block: about 1% false positives
	filterProbes      = 8
	filterMinAddrs    = 1 << 20
)

var filterSeed = maphash.MakeSeed()

func filterHash(a chain.Address) uint64 {
	return maphash.Comparable(filterSeed, a)
}

func newFilterPart(addrs int) filterPart {
	n := max(1, addrs*filterBitsPerAddr/512)
	return filterPart{blocks: make([][8]uint64, n), cap: addrs}
}

// probes yields the block of hash h and the filterProbes bits to test in
// it, by double hashing: the block from the high half, bit positions
// a, a+b, a+2b... from the low half, so the two do not correlate.
func (p *filterPart) probes(h uint64) (b *[8]uint64, a, step uint32) {
	b = &p.blocks[(h>>32)*uint64(len(p.blocks))>>32]
	lo := uint32(h)
	return b, lo, lo>>9 | 1
}

func (p *filterPart) add(h uint64) {
	b, a, step := p.probes(h)
	for range filterProbes {
		b[a>>6&7] |= 1 << (a & 63)
		a += step
	}
	p.len++
}

func (p *filterPart) has(h uint64) bool {
	b, a, step := p.probes(h)
	for range filterProbes {
		if b[a>>6&7]&(1<<(a&63)) == 0 {
			return false
		}
		a += step
	}
	return true
}

// maybe reports whether the store may hold a. False means it does not.
func (f *addrFilter) maybe(a chain.Address) bool {
	if f.off {
		return true
	}
	h := filterHash(a)
	for i := range f.parts {
		if f.parts[i].has(h) {
			return true
		}
	}
	return false
}

// add records a, which the store now holds or is about to.
func (f *addrFilter) add(a chain.Address) {
	if f.off {
		return
	}
	last := len(f.parts) - 1
	if last < 0 || f.parts[last].len >= f.parts[last].cap {
		n := filterMinAddrs
		if last >= 0 {
			n = 2 * f.parts[last].cap
		}
		if !f.grow(n) {
			return
		}
		last++
	}
	f.parts[last].add(filterHash(a))
}

// grow adds a part sized for n addresses, or turns the filter off when it
// would pass the budget.
func (f *addrFilter) grow(n int) bool {
	p := newFilterPart(n)
	size := int64(len(p.blocks)) * 64
	if f.used+size > f.budget {
		f.off, f.parts = true, nil
		return false
	}
	f.parts = append(f.parts, p)
	f.used += size
	return true
}

// filterAfter is how many lookups of new addresses ingest makes in Badger
// before it builds the filter: reading the store's names costs about a
// tenth of a lookup each, so the filter pays once ingest has met a tenth
// as many new addresses as the store holds. A short ingest into a large
// store (a few new blocks) never pays to read them all.
func (db *DB) filterAfter(held AddrID) int {
	if db.filterAt > 0 {
		return db.filterAt
	}
	return int(held/10) + 1<<16
}

// buildFilter builds the filter in the middle of an ingest, from the
// store's names and the address cache, which holds every address of the
// batches not yet stored (it rotates only once they are).
func (in *ingester) buildFilter() error {
	db := in.db
	f, err := db.loadAddrFilter(db.opts.AddrFilterBytes, int(in.nextID))
	if err != nil {
		return err
	}
	for _, g := range [...]map[chain.Address]AddrID{db.addrs.cur, db.addrs.old} {
		for a := range g {
			f.add(a)
		}
	}
	db.filter = f
	return nil
}

// loadAddrFilter builds the filter from the store's 'N' keys, in one part
// sized for a quarter more than the held addresses, so that ingest adds to
// it for a while before it grows. budget <= 0 leaves the filter off.
func (db *DB) loadAddrFilter(budget int64, held int) (*addrFilter, error) {
	f := &addrFilter{budget: budget}
	if budget <= 0 || !f.grow(max(filterMinAddrs, held+held/4)) {
		return &addrFilter{off: true}, nil
	}
	err := db.bdb.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte{tName}})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			a, err := decodeNameKey(it.Item().Key())
			if err != nil {
				return corrupt(it.Item().KeyCopy(nil), err)
			}
			f.add(a)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: address filter: %w", err)
	}
	return f, nil
}
