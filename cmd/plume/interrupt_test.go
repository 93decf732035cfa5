package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/plumetrace/plume/internal/btcdata"
)

// interruptCtx is interrupted (cancelled) once dir exists, that is once
// the store is open, and after more calls of Err: in the middle of an
// ingest, which asks Err between blocks.
type interruptCtx struct {
	context.Context
	cancel context.CancelFunc
	dir    string
	after  atomic.Int64
}

func (c *interruptCtx) Err() error {
	if _, err := os.Stat(c.dir); err == nil && c.after.Add(-1) == 0 {
		c.cancel()
	}
	return c.Context.Err()
}

// TestInterrupted: an ingest interrupted halfway exits 130 and says so; the
// store keeps what it indexed, and the next run resumes from there.
func TestInterrupted(t *testing.T) {
	path, err := btcdata.Path(btcdata.Blocks0To14131)
	if err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(t.TempDir(), "data")
	base, cancel := context.WithCancel(context.Background())
	defer cancel()
	ctx := &interruptCtx{Context: base, cancel: cancel, dir: data}
	ctx.after.Store(2000)
	var out, errs bytes.Buffer
	if code := run(ctx, []string{"ingest", "blocks", path, "--data", data}, &out, &errs); code != exitInterrupted || errs.String() != "plume: interrupted\n" {
		t.Fatalf("interrupted ingest: exit %d, %q", code, errs.String())
	}

	var st struct {
		TipHeight int32 `json:"tip_height"`
		Blocks    int
	}
	okJSON(t, &st, "ingest", "blocks", path, "--data", data)
	// Blocks 0 to 14131 are 14132: the interrupted ingest kept some, and
	// was interrupted well before the end.
	if st.TipHeight != 14131 || st.Blocks < 1000 || st.Blocks >= 14132 {
		t.Errorf("resumed ingest: %+v; want tip 14131, and only the blocks the interrupted one did not index", st)
	}
	t.Logf("the interrupted ingest indexed %d blocks", 14132-st.Blocks)
}
