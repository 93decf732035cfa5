package sim

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/plumetrace/plume/chain"
	"github.com/plumetrace/plume/source/blkfile"
)

// TestRun writes a simulation, reads it back with source/blkfile as Core's
// blocks directory, and reuses it on the next Run unless it changed.
func TestRun(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	keep := filepath.Join(dir, "mine.txt") // Run must leave the caller's files alone
	if err := os.WriteFile(keep, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	o := Options{Seed: 1, Scale: 0.01, Dir: dir}
	res, err := Run(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	if res.Cached || res.Params != chain.Regtest {
		t.Errorf("first run: %+v", res)
	}
	want := simulate(t, 0.01)
	r, err := blkfile.Open(ctx, res.BlocksDir, blkfile.Options{Params: chain.Regtest})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	n := 0
	for b, err := range r.Blocks(ctx, 0) {
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(b.Raw, want.blocks[b.Height]) {
			t.Fatalf("block %d on disk differs from the in-memory simulation", b.Height)
		}
		n++
	}
	if h, hash := r.Tip(); n != len(want.blocks) || h != res.Tip || hash.String() != res.TipHash || len(r.Skipped()) != 0 {
		t.Errorf("read %d blocks to %d %v, want %d to %d %s", n, h, hash, len(want.blocks), res.Tip, res.TipHash)
	}
	js, _ := json.Marshal(want.truth)
	got, _ := json.Marshal(res.Truth)
	if !bytes.Equal(js, got) {
		t.Error("Run's truth differs from the in-memory simulation's")
	}

	// The same options again: nothing is simulated, the truth is read back.
	again, err := Run(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	got, _ = json.Marshal(again.Truth)
	if !again.Cached || !bytes.Equal(js, got) || again.TipHash != res.TipHash {
		t.Errorf("second run: cached %v, same truth %v", again.Cached, bytes.Equal(js, got))
	}
	// A damaged file, or another scale, makes Run simulate again.
	f := filepath.Join(res.BlocksDir, "blk00000.dat")
	if err := os.Truncate(f, 1000); err != nil {
		t.Fatal(err)
	}
	if res, err := Run(ctx, o); err != nil || res.Cached {
		t.Errorf("after damage: cached %v, %v", res != nil && res.Cached, err)
	}
	o.Scale = MinScale
	if res, err := Run(ctx, o); err != nil || res.Cached || res.Truth.Scale != MinScale {
		t.Errorf("another scale: %+v, %v", res, err)
	}
	if _, err := os.Stat(keep); err != nil {
		t.Error("Run removed a file it does not own")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 4 {
		t.Errorf("dir holds %d entries, want blocks, truth.json, sim.json and the caller's file", len(entries))
	}
}
