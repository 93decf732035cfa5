package store_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/plumetrace/plume/store"
)

// envCrashDisconnect makes TestCrashChild's sibling TestDisconnectChild
// disconnect the store to this height.
const envCrashDisconnect = "PLUME_CRASH_DISCONNECT"

// TestDisconnectChild is the process TestDisconnectCrash kills: it opens
// the store, prints "open <tip>", disconnects to the height it is given
// and prints "done <ms>".
func TestDisconnectChild(t *testing.T) {
	h := os.Getenv(envCrashDisconnect)
	if h == "" {
		t.Skip("run by TestDisconnectCrash")
	}
	to, err := strconv.Atoi(h)
	if err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(os.Getenv(envCrashDir), crashOpts)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Println("open", tipOf(db))
	start := time.Now()
	if err := db.Disconnect(context.Background(), int32(to)); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	fmt.Println("done", time.Since(start).Milliseconds())
}

// TestDisconnectCrash kills processes in the middle of a Disconnect (a
// reorganisation's first half) of the real chain down to height 7000.
// Disconnect moves the watermark first and deletes after, and Open
// completes a deletion a kill cut short: after every kill the store must
// reopen, pass Verify, and be exactly the whole chain (killed before the
// watermark moved) or exactly the chain to 7000; a last run completes it.
func TestDisconnectCrash(t *testing.T) {
	if os.Getenv(envCrashDir) != "" {
		t.Skip("inside a crash child")
	}
	const to = 7000
	rng := rand.New(rand.NewPCG(*crashSeed, 7))
	dir := t.TempDir()
	db := openDB(t, dir, crashOpts)
	ingest(t, db, seq(realBlocks(t)))
	db.Close()
	whole, short := realDump(t, realTip), realDump(t, to)

	run := func(dir string) *child {
		t.Helper()
		cmd := exec.Command(os.Args[0], "-test.run=^TestDisconnectChild$", "-test.count=1", "-test.timeout=5m")
		cmd.Env = append(os.Environ(), envCrashDir+"="+dir, envCrashDisconnect+"="+strconv.Itoa(to))
		return startCmd(t, cmd)
	}
	// How long an uninterrupted Disconnect takes, on a copy: the kills
	// spread over it.
	probe := t.TempDir()
	if err := os.CopyFS(probe, os.DirFS(dir)); err != nil {
		t.Fatal(err)
	}
	c := run(probe)
	line, ok := c.waitFor("done", time.Minute)
	var ms int
	if _, err := fmt.Sscanf(line, "done %d", &ms); !ok || err != nil || c.cmd.Wait() != nil {
		t.Fatalf("disconnect without a kill: %q\n%s", line, c.output())
	}

	kills := 10
	if testing.Short() {
		kills = 4
	}
	moved, died := 0, 0
	for k := range kills {
		// Every round starts from the whole chain.
		round := t.TempDir()
		if err := os.CopyFS(round, os.DirFS(dir)); err != nil {
			t.Fatal(err)
		}
		c := run(round)
		if _, ok := c.waitFor("open", time.Minute); !ok {
			c.cmd.Process.Kill()
			c.cmd.Wait()
			t.Fatalf("child %d never opened the store:\n%s", k, c.output())
		}
		time.Sleep(time.Duration(rng.IntN(ms+2)) * time.Millisecond)
		c.cmd.Process.Signal(syscall.SIGKILL)
		err := c.cmd.Wait()
		for range c.lines {
		}
		killed := false
		if ee, ok := err.(*exec.ExitError); ok {
			killed = ee.Sys().(syscall.WaitStatus).Signal() == syscall.SIGKILL
		}
		if killed {
			died++
		}
		if err != nil && !killed {
			t.Fatalf("child %d: %v\n%s", k, err, c.output())
		}
		db := openDB(t, round, crashOpts)
		verify(t, db)
		switch tip := tipOf(db); {
		case tip == realTip && killed:
			sameDump(t, db, whole)
		case tip == to:
			sameDump(t, db, short)
			moved++
		default:
			t.Fatalf("kill %d (killed %v): tip %d, want %d or %d", k, killed, tip, realTip, to)
		}
		db.Close()
	}
	t.Logf("disconnect takes %d ms; %d of %d children killed before they finished; %d stores left at %d", ms, died, kills, moved, to)
	if moved == 0 || died < kills/2 {
		t.Fatalf("%d of %d kills landed while the disconnect ran, %d after the watermark moved: the test shows little", died, kills, moved)
	}
}
