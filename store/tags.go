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
	var tags []Tag
	var definers []chain.Address
	err := db.bdb.View(func(txn *badger.Txn) error {
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
	if err != nil {
		return nil, err
	}
	if len(definers) > 0 {
		inherited, err := db.clusterTags(ctx, a, definers)
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

// clusterTags returns the cluster-defining tags of the definers that share
// a's cluster.
func (db *DB) clusterTags(ctx context.Context, a chain.Address, definers []chain.Address) ([]Tag, error) {
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
		own, err := db.Tags(ctx, d)
		if err != nil {
			return nil, err
		}
		for _, t := range own {
			if t.ClusterDefiner && !t.Inherited {
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
