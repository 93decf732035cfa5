package store

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"

	badger "github.com/dgraph-io/badger/v4"
	"github.com/plumetrace/plume/chain"
)

// AddrID numbers an address by its first appearance in the chain: the
// first address the store meets is 0, the next new one 1, and so on. Being
// dense and in chain order, the same chain gives the same IDs in every
// store, and clustering keeps its state in flat arrays indexed by them.
type AddrID uint64

// maxAddrID leaves room in the clustering arrays' uint32 indexes.
const maxAddrID = 1<<32 - 2

// nameKey: 'N' address(1+20|32) -> ID(8)
func nameKey(b []byte, a chain.Address) []byte { return a.AppendKey(append(b, tName)) }

func decodeNameKey(k []byte) (chain.Address, error) {
	if len(k) < 2 || k[0] != tName {
		return chain.Address{}, &keyError{tName, k}
	}
	a, n, err := chain.AddressFromKey(k[1:])
	if err != nil || len(k) != 1+n {
		return chain.Address{}, &keyError{tName, k}
	}
	return a, nil
}

// idKey: 'I' ID(8) -> address(1+20|32), node of the output it first
// appeared at (8; 0 when unknown)
func idKey(b []byte, id AddrID) []byte { return appendU64(append(b, tID), uint64(id)) }

func decodeIDKey(k []byte) (AddrID, error) {
	if len(k) != 9 || k[0] != tID {
		return 0, &keyError{tID, k}
	}
	return AddrID(binary.BigEndian.Uint64(k[1:])), nil
}

func appendIDValue(b []byte, a chain.Address, first chain.OutPoint) []byte {
	node := uint64(0)
	if !first.IsZero() {
		node = uint64(first.Node())
	}
	return appendU64(a.AppendKey(b), node)
}

func decodeIDValue(v []byte) (chain.Address, chain.OutPoint, error) {
	a, n, err := chain.AddressFromKey(v)
	if err != nil || len(v) != n+8 {
		return a, chain.OutPoint{}, errRecord
	}
	node := binary.BigEndian.Uint64(v[n:])
	if node == 0 {
		return a, chain.OutPoint{}, nil
	}
	o, isOut := chain.NodeOf(int64(node))
	if !isOut || node > 1<<63-1 {
		return a, chain.OutPoint{}, errRecord
	}
	return a, o, nil
}

// addrCache remembers recent address IDs so ingest rarely asks Badger.
// Like the unspent-output cache it has two generations and rotates only
// when everything in it is durable: IDs assigned in unflushed batches are
// found nowhere else.
type addrCache struct {
	cur, old map[chain.Address]AddrID
	limit    int
}

// addrEntryBytes approximates what an entry costs: a 33-byte key, an
// 8-byte ID and the map's slack.
const addrEntryBytes = 72

func newAddrCache(bytes int64) *addrCache {
	return &addrCache{cur: make(map[chain.Address]AddrID), limit: int(bytes / addrEntryBytes)}
}

func (c *addrCache) get(a chain.Address) (AddrID, bool) {
	if id, ok := c.cur[a]; ok {
		return id, true
	}
	id, ok := c.old[a]
	if ok {
		c.cur[a] = id
	}
	return id, ok
}

func (c *addrCache) add(a chain.Address, id AddrID) { c.cur[a] = id }

func (c *addrCache) maybeRotate() {
	if len(c.cur) > c.limit/2 {
		c.old, c.cur = c.cur, make(map[chain.Address]AddrID, len(c.cur))
	}
}

func (c *addrCache) reset() { c.old, c.cur = nil, make(map[chain.Address]AddrID) }

// errNoAddress is addrID's answer for an address the snapshot does not
// hold: a sentinel, not a formatted error, because ingest asks about
// every new address and labellers about every output.
var errNoAddress = fmt.Errorf("%w: address", ErrNotFound)

// addrID returns a's ID as of the snapshot, or errNoAddress. It is a point
// read rather than an iterator seek: most calls come from ingest asking
// about an address that is new, and Badger answers "absent" from its bloom
// filters, where a seek visits every table.
func (s *Snapshot) addrID(a chain.Address) (AddrID, error) {
	if !s.db.acquire() {
		return 0, ErrClosed
	}
	defer s.db.release()
	s.mu.Lock()
	closed := s.closed
	s.mu.Unlock()
	if closed {
		return 0, ErrClosed
	}
	var kb [34]byte
	item, err := s.txn.Get(nameKey(kb[:0], a))
	if errors.Is(err, badger.ErrKeyNotFound) {
		return 0, errNoAddress
	}
	if err != nil {
		return 0, err
	}
	var id AddrID
	err = item.Value(func(v []byte) error {
		if len(v) != 8 {
			return corrupt(item.Key(), errRecord)
		}
		id = AddrID(binary.BigEndian.Uint64(v))
		return nil
	})
	if err == nil && id >= s.nextID {
		err = errNoAddress
	}
	return id, err
}

// AddressID returns the ID of address a: its rank among the addresses in
// order of first appearance.
func (s *Snapshot) AddressID(ctx context.Context, a chain.Address) (AddrID, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	id, err := s.addrID(a)
	if err == errNoAddress {
		err = fmt.Errorf("%w: address %v", ErrNotFound, a)
	}
	return id, err
}

// Address returns the address with ID id and the output where it first
// appeared (zero when it first appeared as a spent output below the
// store's first block).
func (s *Snapshot) Address(ctx context.Context, id AddrID) (chain.Address, chain.OutPoint, error) {
	if err := ctx.Err(); err != nil {
		return chain.Address{}, chain.OutPoint{}, err
	}
	if id >= s.nextID {
		return chain.Address{}, chain.OutPoint{}, fmt.Errorf("%w: address ID %d", ErrNotFound, id)
	}
	var (
		a     chain.Address
		first chain.OutPoint
	)
	err := s.use(func(it *badger.Iterator) error {
		key := idKey(nil, id)
		it.Seek(key)
		if !it.Valid() || string(it.Item().Key()) != string(key) {
			return corrupt(key, errors.New("missing address ID entry"))
		}
		return it.Item().Value(func(v []byte) (err error) {
			a, first, err = decodeIDValue(v)
			if err != nil {
				err = corrupt(key, err)
			}
			return err
		})
	})
	return a, first, err
}

// idFor returns the ID of address a, first seen at output at (zero when
// unknown), assigning the next one if a is new. New IDs are written with
// the block.
func (in *ingester) idFor(a chain.Address, at chain.OutPoint) (AddrID, error) {
	c := in.db.addrs
	if id, ok := c.get(a); ok {
		return id, nil
	}
	if f := in.db.filter; f == nil || f.maybe(a) {
		id, err := in.view.addrID(a)
		if err == nil {
			c.add(a, id)
			return id, nil
		}
		if err != errNoAddress {
			return 0, err
		}
		if f == nil {
			if in.db.newLookups++; in.db.newLookups >= in.db.filterAfter(in.nextID) {
				if err := in.buildFilter(); err != nil {
					return 0, err
				}
			}
		}
	}
	id := in.nextID
	if id > maxAddrID {
		return 0, fmt.Errorf("store: more than %d addresses", uint64(maxAddrID)+1)
	}
	in.nextID++
	in.put(nameKey(in.key(34), a), appendU64(in.key(8), uint64(id)))
	in.put(idKey(in.key(9), id), appendIDValue(in.key(41), a, at))
	c.add(a, id)
	if f := in.db.filter; f != nil {
		f.add(a)
	}
	return id, nil
}
