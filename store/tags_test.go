package store_test

import (
	"context"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/plumetrace/plume/chain"
	"github.com/plumetrace/plume/source/tagpack"
	"github.com/plumetrace/plume/store"
)

// TestTags imports the Zaif TagPack of source/tagpack's test data, tags a
// cluster of the real 2009 chain with a cluster-defining tag, and reads
// them back: an address's own tags first, then its cluster's.
func TestTags(t *testing.T) {
	ctx := context.Background()
	db := memDB(t)
	ingest(t, db, seq(realBlocks(t)))

	_, file, _, _ := runtime.Caller(0)
	pack, err := tagpack.Load(filepath.Join(filepath.Dir(file), "..", "source", "tagpack", "testdata", "zaif.yaml"), tagpack.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var tags []store.Tag
	for _, tg := range pack.Tags {
		if tg.Params != chain.Mainnet || tg.IsTx() {
			continue // other chains, and transaction tags, are not address tags of this store
		}
		tags = append(tags, store.Tag{Address: tg.Address, Label: tg.Label, Category: tg.Category, Abuse: tg.Abuse,
			Source: tg.Source, Confidence: tg.Confidence.Level, ClusterDefiner: tg.IsClusterDefiner, Pack: pack.Title})
	}
	if len(tags) < 2 {
		t.Fatalf("%d BTC address tags in the pack", len(tags))
	}
	// The block-187 cluster of the real chain: three addresses.
	var members []chain.Address
	for a, err := range db.Members(ctx, 192) {
		if err != nil {
			t.Fatal(err)
		}
		members = append(members, a)
	}
	if len(members) != 3 {
		t.Fatalf("cluster 192 has %d members", len(members))
	}
	tags = append(tags,
		store.Tag{Address: members[0], Label: "early miner", Category: "miner", Confidence: 50, ClusterDefiner: true, Pack: "test"},
		store.Tag{Address: members[2], Label: "named by hand", Confidence: 90, Pack: "test"},
		// A second definer in the same cluster: each inherits the other's
		// tag, once.
		store.Tag{Address: members[1], Label: "same miner", Category: "miner", Confidence: 40, ClusterDefiner: true, Pack: "test"})
	if err := db.AddTags(ctx, tags); err != nil {
		t.Fatal(err)
	}
	if err := db.AddTags(ctx, tags); err != nil { // again: nothing doubles
		t.Fatal(err)
	}

	thief, _ := chain.Mainnet.Parse("1FmwHh6pgkf4meCMoqo8fHH3GNRF571f9w")
	got, err := db.Tags(ctx, thief)
	if err != nil || len(got) != 1 || got[0].Label != "Zaif hack 2018" || got[0].Category != "perpetrator" || got[0].Inherited {
		t.Errorf("Tags(thief) = %+v, %v", got, err)
	}
	got, err = db.Tags(ctx, members[2])
	if err != nil || len(got) != 3 || got[0].Label != "named by hand" || got[1].Label != "early miner" || !got[1].Inherited || got[2].Label != "same miner" {
		t.Errorf("Tags(member 2) = %+v, %v; want its own tag, then the cluster's two", got, err)
	}
	if got, _ := db.Tags(ctx, members[1]); len(got) != 2 || got[0].Label != "same miner" || got[0].Inherited || got[1].Label != "early miner" || !got[1].Inherited {
		t.Errorf("Tags(member 1) = %+v, want its own, then the other definer's", got)
	}
	if l, ok := db.Label(ctx, members[0]); !ok || l != "early miner" {
		t.Errorf("Label(member 0) = %q, %v", l, ok)
	}
	labels, err := db.Labels(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer labels.Close()
	for _, c := range []struct {
		a    chain.Address
		want string
	}{{thief, "Zaif hack 2018"}, {members[0], "early miner"}, {members[1], "same miner"}, {members[2], "named by hand"}} {
		if l, ok := labels.Label(c.a); !ok || l != c.want {
			t.Errorf("Labels.Label(%v) = %q, %v; want %q", c.a, l, ok, c.want)
		}
	}
	if tg, ok := labels.Tag(mustAddr(t, "12cbQLTFMXRnSzktFkuoG3eHoMeFtpTu3S")); ok {
		t.Errorf("Labels.Tag of an untagged address: %+v", tg)
	}
	if got, _ := db.Tags(ctx, mustAddr(t, "12cbQLTFMXRnSzktFkuoG3eHoMeFtpTu3S")); len(got) != 0 {
		t.Errorf("an untagged address has tags %+v", got)
	}
	if err := db.AddTags(ctx, []store.Tag{{Label: "no address"}}); err == nil {
		t.Error("a tag without an address was accepted")
	}
}
