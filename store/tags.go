package store

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"slices"

	badger "github.com/dgraph-io/badger/v4"
	"github.com/plumetrace/plume/chain"
)

// Tag is what an investigator or a public source says about an address:
// the fields of a GraphSense TagPack tag that plume uses (source/tagpack
// parses the files; callers convert its tags). A tag whose ClusterDefiner
// is set speaks for the address's whole common-input cluster.
type Tag struct {
	Address        chain.Address `json:"-"`
	Label          string        `json:"label"`
	Category       string        `json:"category,omitempty"`
	Abuse          string        `json:"abuse,omitempty"`
	Actor          string        `json:"actor,omitempty"`
	Source         string        `json:"source,omitempty"`
	Confidence     int           `json:"confidence,omitempty"` // GraphSense's level, 0..100
	ClusterDefiner bool          `json:"cluster_definer,omitempty"`
	// Pack names the TagPack the tag came from.
	Pack string `json:"pack,omitempty"`
	// Inherited is set on a tag Tags returns for an address because a
	// cluster definer elsewhere in its cluster carries it.
	Inherited bool `json:"-"`
}

// tagKey: 'G' address(1+20|32) digest(8) -> the tag as JSON. The digest of
// label, source and pack makes re-importing a pack rewrite the same keys.
func tagKey(b []byte, t *Tag) []byte {
	d := sha256.Sum256([]byte(t.Label + "\x00" + t.Source + "\x00" + t.Pack))
	return append(t.Address.AppendKey(append(b, tTag)), d[:8]...)
}

// definerKey: 'K' address(1+20|32) -> empty: the addresses carrying
// cluster-defining tags, few enough to scan at every query.
func definerKey(b []byte, a chain.Address) []byte { return a.AppendKey(append(b, tDefiner)) }

// AddTags stores tags. Adding a tag again (same address, label, source and
// pack) replaces it.
func (db *DB) AddTags(ctx context.Context, tags []Tag) error {
	if !db.acquire() {
		return ErrClosed
	}
	defer db.release()
	wb := db.bdb.NewWriteBatch()
	defer wb.Cancel()
	for i := range tags {
		if err := ctx.Err(); err != nil {
			return err
		}
		t := &tags[i]
		if t.Address.IsZero() || t.Label == "" {
			return fmt.Errorf("store: tag %d: an address and a label are required", i)
		}
		v, err := json.Marshal(t)
		if err != nil {
			return err
		}
		if err := wb.Set(tagKey(nil, t), v); err != nil {
			return err
		}
		if t.ClusterDefiner {
			if err := wb.Set(definerKey(nil, t.Address), nil); err != nil {
				return err
			}
		}
	}
	return wb.Flush()
}

// Tags returns the tags of address a, highest confidence first: its own,
// then those of cluster definers in its common-input cluster (Inherited).
func (db *DB) Tags(ctx context.Context, a chain.Address) ([]Tag, error) {
	if !db.acquire() {
		return nil, ErrClosed
	}
	defer db.release()
	tags, definers, err := db.ownTags(a, true)
	if err != nil {
		return nil, err
	}
	if len(definers) > 0 {
		inherited, err := db.clusterTags(a, definers)
		if err != nil {
			return nil, err
		}
		tags = append(tags, inherited...)
	}
	slices.SortStableFunc(tags, func(x, y Tag) int {
		if x.Inherited != y.Inherited {
			if x.Inherited {
				return 1
			}
			return -1
		}
		return cmp.Compare(y.Confidence, x.Confidence)
	})
	return tags, nil
}

// ownTags reads a's own tags and, if asked, every other address carrying
// a cluster-defining tag.
func (db *DB) ownTags(a chain.Address, withDefiners bool) (tags []Tag, definers []chain.Address, err error) {
	err = db.bdb.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{PrefetchValues: true})
		defer it.Close()
		prefix := a.AppendKey([]byte{tTag})
		for it.Seek(prefix); it.ValidForPrefix(prefix); it.Next() {
			var t Tag
			if err := it.Item().Value(func(v []byte) error { return json.Unmarshal(v, &t) }); err != nil {
				return corrupt(it.Item().Key(), err)
			}
			t.Address = a
			tags = append(tags, t)
		}
		if !withDefiners {
			return nil
		}
		for it.Seek([]byte{tDefiner}); it.ValidForPrefix([]byte{tDefiner}); it.Next() {
			d, _, err := chain.AddressFromKey(it.Item().Key()[1:])
			if err != nil {
				return corrupt(it.Item().Key(), err)
			}
			if d != a {
				definers = append(definers, d)
			}
		}
		return nil
	})
	return tags, definers, err
}

// clusterTags returns the cluster-defining tags of the definers that share
// a's cluster.
func (db *DB) clusterTags(a chain.Address, definers []chain.Address) ([]Tag, error) {
	s := db.Snapshot()
	defer s.Close()
	id, err := s.addrID(a)
	if err != nil {
		return nil, nil // an address the chain has not shown: no cluster
	}
	if err := db.clustersLoaded(); err != nil {
		return nil, err
	}
	var same []chain.Address
	c := &db.clusters
	c.mu.RLock()
	for _, d := range definers {
		did, err := s.addrID(d)
		if err != nil || int(did) >= len(c.parent) || int(id) >= len(c.parent) {
			continue
		}
		if c.find(uint32(did)) == c.find(uint32(id)) {
			same = append(same, d)
		}
	}
	c.mu.RUnlock()
	var tags []Tag
	for _, d := range same {
		own, _, err := db.ownTags(d, false)
		if err != nil {
			return nil, err
		}
		for _, t := range own {
			if t.ClusterDefiner {
				t.Inherited = true
				tags = append(tags, t)
			}
		}
	}
	return tags, nil
}

// Label returns the label of a's most confident tag (its own before its
// cluster's), for exits and stop predicates: see trace.ExitsFrom.
func (db *DB) Label(ctx context.Context, a chain.Address) (string, bool) {
	tags, err := db.Tags(ctx, a)
	if err != nil || len(tags) == 0 {
		return "", false
	}
	return tags[0].Label, true
}

// Labels answers many label lookups fast: it reads every tag once and
// finds the cluster of each cluster definer once, so a lookup costs one
// address-ID read and a union-find walk. It reflects the tags and the
// clustering when it was made; make a new one after ingesting or tagging
// more. Close it when done.
type Labels struct {
	db     *DB
	snap   *Snapshot
	own    map[chain.Address]Tag
	byRoot map[uint32]Tag
}

// Labels returns a lookup of every address's best tag, its own or its
// cluster's.
func (db *DB) Labels(ctx context.Context) (*Labels, error) {
	if err := db.clustersLoaded(); err != nil {
		return nil, err
	}
	l := &Labels{db: db, own: map[chain.Address]Tag{}, byRoot: map[uint32]Tag{}}
	if !db.acquire() {
		return nil, ErrClosed
	}
	err := db.bdb.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte{tTag}, PrefetchValues: true})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			if err := ctx.Err(); err != nil {
				return err
			}
			k := it.Item().Key()
			a, _, err := chain.AddressFromKey(k[1:])
			if err != nil {
				return corrupt(k, err)
			}
			var t Tag
			if err := it.Item().Value(func(v []byte) error { return json.Unmarshal(v, &t) }); err != nil {
				return corrupt(k, err)
			}
			t.Address = a
			if best, ok := l.own[a]; !ok || t.Confidence > best.Confidence {
				l.own[a] = t
			}
		}
		return nil
	})
	db.release()
	if err != nil {
		return nil, err
	}
	l.snap = db.Snapshot()
	c := &db.clusters
	c.mu.RLock()
	defer c.mu.RUnlock()
	for a, t := range l.own {
		if !t.ClusterDefiner {
			continue
		}
		id, err := l.snap.addrID(a)
		if err != nil || int(id) >= len(c.parent) {
			continue
		}
		r := c.find(uint32(id))
		if best, ok := l.byRoot[r]; !ok || t.Confidence > best.Confidence {
			t.Inherited = true
			l.byRoot[r] = t
		}
	}
	return l, nil
}

// Tag returns a's best tag: its own, else its cluster's (Inherited).
func (l *Labels) Tag(a chain.Address) (Tag, bool) {
	if t, ok := l.own[a]; ok {
		return t, true
	}
	if len(l.byRoot) == 0 {
		return Tag{}, false
	}
	id, err := l.snap.addrID(a)
	if err != nil {
		return Tag{}, false
	}
	c := &l.db.clusters
	c.mu.RLock()
	defer c.mu.RUnlock()
	if int(id) >= len(c.parent) {
		return Tag{}, false
	}
	t, ok := l.byRoot[c.find(uint32(id))]
	return t, ok
}

// Label returns the label of a's best tag, for trace.ExitsFrom and
// trace.StopAt.
func (l *Labels) Label(a chain.Address) (string, bool) {
	t, ok := l.Tag(a)
	return t.Label, ok
}

// Close releases the snapshot the lookup reads address IDs from.
func (l *Labels) Close() error { return l.snap.Close() }
