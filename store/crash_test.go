package store_test

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/plumetrace/plume/source/blkfile"
	"github.com/plumetrace/plume/store"
)

// The crash test runs ingest in child processes (this test binary, running
// TestCrashChild) and kills them with SIGKILL.
const (
	envCrashDir    = "PLUME_CRASH_DIR"    // the store; TestCrashChild runs only when set
	envCrashBlocks = "PLUME_CRASH_BLOCKS" // the record file to ingest
	envCrashPause  = "PLUME_CRASH_PAUSE"  // stop staging at this height and wait to be killed
	envCrashFrom0  = "PLUME_CRASH_FROM0"  // stream from genesis, not from the tip
)

var (
	crashSeed  = flag.Uint64("crash.seed", 1, "seed of the crash test's kill schedule")
	crashKills = flag.Int("crash.kills", 24, "processes the crash test kills")
)

// crashOpts are the options of the killed ingests: small batches, so that
// the watermark moves often and kills land in every phase of a flush.
var crashOpts = store.Options{BatchBytes: 64 << 10}

// TestCrashChild is the process TestCrashRecovery kills. It opens the
// store, prints "open <tip>", ingests the real blocks from its tip (or from
// genesis), printing "tip <height>" as the watermark moves, and prints
// "done <skipped> <blocks> <tip>". With a pause height it prints "paused
// <height>" once it has staged that block and waits.
func TestCrashChild(t *testing.T) {
	dir := os.Getenv(envCrashDir)
	if dir == "" {
		t.Skip("run by TestCrashRecovery")
	}
	ctx := context.Background()
	pause := int32(-1)
	if s := os.Getenv(envCrashPause); s != "" {
		p, err := strconv.Atoi(s)
		if err != nil {
			t.Fatal(err)
		}
		pause = int32(p)
	}
	db, err := store.Open(dir, crashOpts)
	if err != nil {
		t.Fatal(err)
	}
	tip := tipOf(db)
	fmt.Println("open", tip)
	r, err := blkfile.Open(ctx, os.Getenv(envCrashBlocks), blkfile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	from := tip + 1
	if os.Getenv(envCrashFrom0) != "" {
		from = 0
	}
	staged, flushed := from-1, tip
	st, err := db.Ingest(ctx, r.Blocks(ctx, from), func(st store.IngestStats) {
		if st.Tip.Height != flushed {
			flushed = st.Tip.Height
			fmt.Println("tip", flushed)
		}
		if staged++; staged == pause {
			fmt.Println("paused", staged)
			time.Sleep(time.Hour)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	fmt.Println("done", st.Skipped, st.Blocks, st.Tip.Height)
}

// child is a running TestCrashChild.
type child struct {
	cmd   *exec.Cmd
	lines chan string // its stdout
	mu    sync.Mutex
	out   strings.Builder // everything it wrote
	last  string          // its last line
}

func startChild(t *testing.T, dir string, pause int32, from0 bool) *child {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1", "-test.timeout=5m")
	cmd.Env = append(os.Environ(), envCrashDir+"="+dir, envCrashBlocks+"="+realPath(t))
	if pause >= 0 {
		cmd.Env = append(cmd.Env, envCrashPause+"="+strconv.Itoa(int(pause)))
	}
	if from0 {
		cmd.Env = append(cmd.Env, envCrashFrom0+"=1")
	}
	return startCmd(t, cmd)
}

// startCmd starts a child test process and collects its output.
func startCmd(t *testing.T, cmd *exec.Cmd) *child {
	t.Helper()
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	c := &child{cmd: cmd, lines: make(chan string, 1024)}
	cmd.Stderr = &lockedWriter{c}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		defer close(c.lines)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			c.mu.Lock()
			c.out.WriteString(sc.Text() + "\n")
			c.last = sc.Text()
			c.mu.Unlock()
			c.lines <- sc.Text()
		}
	}()
	return c
}

type lockedWriter struct{ c *child }

func (w *lockedWriter) Write(p []byte) (int, error) {
	w.c.mu.Lock()
	defer w.c.mu.Unlock()
	return w.c.out.Write(p)
}

func (c *child) output() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.out.String()
}

// waitFor waits for a line starting with prefix; false if the child
// ended or the time ran out first.
func (c *child) waitFor(prefix string, timeout time.Duration) (string, bool) {
	deadline := time.After(timeout)
	for {
		select {
		case l, ok := <-c.lines:
			if !ok {
				return "", false
			}
			if strings.HasPrefix(l, prefix) {
				return l, true
			}
		case <-deadline:
			return "", false
		}
	}
}

// TestCrashRecovery kills ingesting processes at random moments, from
// before Open to the middle of a flush, across the whole real chain. After
// each kill the store must reopen, pass Verify and hold a tip no lower
// than before; a final uninterrupted run must leave exactly the store one
// clean ingest builds. The first kill lands while the first batch is
// staged, so the store it leaves has no tip at all.
func TestCrashRecovery(t *testing.T) {
	if os.Getenv(envCrashDir) != "" {
		t.Skip("inside a crash child")
	}
	ctx := context.Background()
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(*crashSeed, 0x9e3779b97f4a7c15))
	kills := *crashKills
	if testing.Short() {
		kills = min(kills, 8)
	}
	// Each child stops staging at the next pause height, so every round
	// ends in a kill, and the kills spread over the whole chain. The first
	// pause is inside the first 64 KiB batch.
	pauses := []int32{20}
	for len(pauses) < kills {
		if p := 100 + rng.Int32N(realTip-200); !slices.Contains(pauses, p) {
			pauses = append(pauses, p)
		}
	}
	slices.Sort(pauses)

	// Rounds take turns at three ways of timing the kill, with seeded
	// random delays: from the start of the process (a few ms to a few
	// hundred: in Open, in recovery, while ingesting or paused), from its
	// "open" line (while ingesting and flushing), and from its "paused"
	// line (while the last batch may still be flushing).
	modes := []struct {
		name, after string
		max         int // ms
	}{{"start", "", 300}, {"open", "open", 20}, {"paused", "paused", 3}}
	type round struct {
		mode  string
		pause int32
		delay time.Duration
		phase string // the child's last line when it died
		tip   int32
	}
	var rounds []round
	prev := int32(-1)
	for k, pause := range pauses {
		m := modes[k%len(modes)]
		if k == 0 {
			m = modes[2]
		}
		c := startChild(t, dir, pause, false)
		delay := time.Duration(rng.IntN(m.max+1)) * time.Millisecond
		if m.after == "" {
			delay += 2 * time.Millisecond
		} else if _, ok := c.waitFor(m.after, time.Minute); !ok {
			c.cmd.Process.Kill()
			c.cmd.Wait()
			t.Fatalf("child %d never printed %q:\n%s", k, m.after, c.output())
		}
		time.Sleep(delay)
		if err := c.cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		err := c.cmd.Wait()
		if ee, ok := err.(*exec.ExitError); !ok || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
			t.Fatalf("child %d ended with %v before the kill:\n%s", k, err, c.output())
		}
		for range c.lines {
		}

		db, err := store.Open(dir, crashOpts)
		if err != nil {
			t.Fatalf("reopening after kill %d: %v", k, err)
		}
		tip := tipOf(db)
		if err := db.Verify(ctx); err != nil {
			db.Close()
			t.Fatalf("kill %d (pause %d, %v, last line %q): Verify: %v", k, pause, delay, c.last, err)
		}
		db.Close()
		if tip < prev || tip > pause {
			t.Fatalf("kill %d: tip %d, was %d, pause at %d", k, tip, prev, pause)
		}
		if k == 0 && tip != -1 {
			t.Fatalf("killed in the first batch, the store has tip %d", tip)
		}
		phase := c.last
		if phase == "" {
			phase = "starting"
		}
		rounds = append(rounds, round{m.name, pause, delay, phase, tip})
		prev = tip
	}

	// The last child runs to the end, from genesis: it must skip exactly
	// the blocks the kills left and add the rest.
	c := startChild(t, dir, -1, true)
	done, _ := c.waitFor("done", 5*time.Minute)
	if err := c.cmd.Wait(); err != nil {
		t.Fatalf("final child: %v\n%s", err, c.output())
	}
	var skipped, added, tip int
	if _, err := fmt.Sscanf(done, "done %d %d %d", &skipped, &added, &tip); err != nil {
		t.Fatalf("final child: %v\n%s", err, c.output())
	}
	if skipped != int(prev)+1 || added != realTip-int(prev) || tip != realTip {
		t.Fatalf("final child skipped %d and added %d blocks up to %d; the store had tip %d", skipped, added, tip, prev)
	}
	db := openDB(t, dir, crashOpts)
	verify(t, db)
	sameDump(t, db, realDump(t, realTip))

	var b strings.Builder
	phases := map[string]int{}
	for k, r := range rounds {
		fmt.Fprintf(&b, "\n  kill %2d: pause at %5d, %3dms after %-6s last line %-13q → tip %d", k, r.pause, r.delay.Milliseconds(), r.mode, r.phase, r.tip)
		phases[strings.Fields(r.phase)[0]]++
	}
	t.Logf("seed %d, %d kills (by the child's last line: %v); final child skipped %d, added %d:%s",
		*crashSeed, len(rounds), phases, skipped, added, b.String())
}

// TestOpenAfterKillInLogCreate reproduces the states a kill can leave in
// Badger's files: Badger creates a value log file on every open and a
// memtable file on every open and memtable rotation, and sizes each right
// after creating it, so a process killed between the two leaves an empty
// NNNNNN.vlog or NNNNN.mem, which Badger v4.9.6 then refuses to open
// ("Create a new file"). The crash test hit each about once in 600 kills.
// The store must open, unchanged, and carry on.
func TestOpenAfterKillInLogCreate(t *testing.T) {
	for _, tc := range []struct{ ext, format string }{{".vlog", "%06d.vlog"}, {".mem", "%05d.mem"}} {
		t.Run(tc.ext, func(t *testing.T) {
			dir := t.TempDir()
			db := openDB(t, dir, store.Options{})
			ingest(t, db, seq(realBlocks(t)[:101]))
			want := dump(t, db)
			db.Close()
			files, err := filepath.Glob(filepath.Join(dir, "*"+tc.ext))
			if err != nil {
				t.Fatal(err)
			}
			last := 0
			for _, f := range files {
				if n, err := strconv.Atoi(strings.TrimSuffix(filepath.Base(f), tc.ext)); err == nil {
					last = max(last, n)
				}
			}
			empty := filepath.Join(dir, fmt.Sprintf(tc.format, last+1))
			if err := os.WriteFile(empty, nil, 0o644); err != nil {
				t.Fatal(err)
			}
			db = openDB(t, dir, store.Options{})
			verify(t, db)
			sameDump(t, db, want)
			ingest(t, db, seq(realBlocks(t)[:201]))
			sameDump(t, db, realDump(t, 200))
		})
	}
}
