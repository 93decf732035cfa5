package store

import (
	"context"
	"errors"
	"testing"
)

// TestFailedWrite: a batch the writer cannot store (the disk filled part
// way through) ends the Ingest with its error, and no later batch is
// stored past it: the store is exactly the blocks up to the watermark,
// and a retry in the same process (as Sync's) completes it.
func TestFailedWrite(t *testing.T) {
	ctx := context.Background()
	blocks := realBlocksFrom(t, 0, 400)
	db := openIn(t, t.TempDir(), Options{BatchBytes: 16 << 10})
	full := errors.New("disk full")
	writes := 0
	db.writeFault = func(batch []kv) ([]kv, error) {
		if writes++; writes == 2 {
			return batch[:len(batch)/2], full
		}
		return nil, nil
	}
	if _, err := db.Ingest(ctx, sliceSeq(blocks), nil); !errors.Is(err, full) {
		t.Fatalf("Ingest: %v, want the write's error", err)
	}
	if writes != 2 {
		t.Fatalf("%d writes: a batch was written after the failed one", writes)
	}
	if err := db.Verify(ctx); err != nil {
		t.Fatalf("Verify after the failed write: %v", err)
	}
	tip, ok := db.Tip()
	if !ok || tip.Height <= 0 || tip.Height >= 400 {
		t.Fatalf("tip %v (%v): want the first batch's last block", tip, ok)
	}
	sameAs(t, db, ingestInMemory(t, blocks[:tip.Height+1]))

	db.writeFault = nil
	if _, err := db.Ingest(ctx, sliceSeq(blocks), nil); err != nil {
		t.Fatalf("retry: %v", err)
	}
	sameAs(t, db, ingestInMemory(t, blocks))
}
