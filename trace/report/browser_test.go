package report_test

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/plumetrace/plume/trace/report"
)

// browserEnv set to 1 makes the browser test mandatory: without a browser
// it fails instead of skipping (CI sets it after installing Chromium).
const browserEnv = "PLUME_BROWSER_TESTS"

// browserPath finds Chromium: $PLUME_CHROMIUM, else the usual names on
// $PATH. Without one the test skips, or fails when browserEnv=1.
func browserPath(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("PLUME_CHROMIUM"); p != "" {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	msg := "no Chromium on this machine. To run the browser test: apt-get install -y chromium (Debian), " +
		"or set PLUME_CHROMIUM to a Chrome binary; then " + browserEnv + "=1 go test ./trace/report -run TestBrowser"
	if os.Getenv(browserEnv) == "1" {
		t.Fatal(browserEnv + "=1 requires the browser test, but " + msg)
	}
	t.Skip(msg)
	return ""
}

// artifactDir is where the screenshots go: the test's artifact directory
// with go test -artifacts, else a fixed directory under os.TempDir() that
// outlives the test, so that a person can look at them.
func artifactDir(t *testing.T) string {
	if f := flag.Lookup("test.artifacts"); f != nil && f.Value.String() == "true" {
		return t.ArtifactDir()
	}
	dir := filepath.Join(os.TempDir(), "plume-report-artifacts")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// pageLog records what a page says and asks for while the test runs.
type pageLog struct {
	mu       sync.Mutex
	errors   []string // console errors, uncaught exceptions, browser log errors
	requests []string // URLs of every request the page made
}

func (l *pageLog) listen(ev any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	switch e := ev.(type) {
	case *runtime.EventConsoleAPICalled:
		if e.Type == runtime.ConsoleAPICalledTypeError || e.Type == runtime.ConsoleAPICalledTypeAssert {
			var args []string
			for _, a := range e.Args {
				args = append(args, string(a.Value)+a.Description)
			}
			l.errors = append(l.errors, "console."+string(e.Type)+": "+strings.Join(args, " "))
		}
	case *runtime.EventExceptionThrown:
		d := e.ExceptionDetails
		text := d.Text
		if d.Exception != nil {
			text += " " + d.Exception.Description
		}
		l.errors = append(l.errors, fmt.Sprintf("exception at %s:%d: %s", d.URL, d.LineNumber, text))
	case *log.EventEntryAdded:
		if e.Entry.Level == log.EntryLevelError {
			l.errors = append(l.errors, fmt.Sprintf("browser log (%s): %s %s", e.Entry.Source, e.Entry.Text, e.Entry.URL))
		}
	case *network.EventRequestWillBeSent:
		l.requests = append(l.requests, e.Request.URL)
	}
}

// TestBrowser opens the HTML report of the real 2009 flow from a file://
// URL in headless Chromium, as an investigator would, and checks that it
// loads with no console errors and no request off the file, that the
// graph holds the expected nodes, that zoom and pan work, and that a
// click on a transaction shows its details. It saves screenshots.
func TestBrowser(t *testing.T) {
	exe := browserPath(t)
	rep, res, _ := haircutExit.build(t)
	dir := t.TempDir()
	page := filepath.Join(dir, "report.html")
	f, err := os.Create(page)
	if err != nil {
		t.Fatal(err)
	}
	if err := report.WriteHTML(f, rep); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}

	// Chromium's helpers can write to the profile for a moment after it
	// stops, so the profile is removed with retries, not by t.TempDir.
	profile, err := os.MkdirTemp("", "plume-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for range 50 {
			if os.RemoveAll(profile) == nil {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
	})
	// The flags that work on the development machines: headless, no
	// sandbox (tests run as root) and nothing that calls the network.
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(exe), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck, chromedp.UserDataDir(profile), chromedp.WindowSize(1280, 1000),
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true))
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(allocCtx)
	defer cancel()
	if err := chromedp.Do(ctx); err != nil { // starts the browser, with no timeout (see chromedp.Run)
		t.Fatalf("starting %s: %v", exe, err)
	}
	var pl pageLog
	if err := chromedp.Listen(ctx, pl.listen); err != nil {
		t.Fatal(err)
	}
	ctx, cancelRun := context.WithTimeout(ctx, 90*time.Second)
	defer cancelRun()

	url := "file://" + filepath.ToSlash(page)
	if err := chromedp.Do(ctx, chromedp.Navigate(url)); err != nil {
		t.Fatalf("loading %s: %v", url, err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Poll[chromedp.Void](`window.plumeReport !== undefined`, chromedp.WithPollingTimeout(20*time.Second))); err != nil {
		t.Fatalf("the viewer did not start: %v (page errors: %q)", err, pl.errors)
	}

	// The graph: every node and edge of the report, which for this flow is
	// the whole flow: 9 transactions, 4 held outputs and Hal's exit.
	nodes, err := chromedp.Run(ctx, chromedp.Evaluate[int](`cy.nodes().length`))
	if err != nil {
		t.Fatal(err)
	}
	edges, err := chromedp.Run(ctx, chromedp.Evaluate[int](`cy.edges().length`))
	if err != nil {
		t.Fatal(err)
	}
	if nodes != len(rep.Graph.Nodes) || nodes != res.Len()+5 || edges != len(rep.Graph.Edges) {
		t.Errorf("the page draws %d nodes and %d edges, want %d (%d transactions + 5 outputs) and %d",
			nodes, edges, len(rep.Graph.Nodes), res.Len(), len(rep.Graph.Edges))
	}
	exits, err := chromedp.Run(ctx, chromedp.Evaluate[int](`cy.nodes('[kind = "exit"]').length`))
	if err != nil || exits != 1 {
		t.Errorf("exit nodes: %d, %v; want 1", exits, err)
	}

	// Zoom with the wheel and pan by dragging the background, as a person
	// would.
	box, err := chromedp.Run(ctx, chromedp.Evaluate[struct{ X, Y, W, H float64 }](
		`(() => { const c = document.getElementById('cy'); c.scrollIntoView({block: 'center'});
		 const r = c.getBoundingClientRect(); return {X: r.left, Y: r.top, W: r.width, H: r.height}; })()`))
	if err != nil {
		t.Fatal(err)
	}
	// Cytoscape ignores the wheel for 250 ms after the page scrolls (it
	// takes the wheel for the page's then), and the scroll just happened.
	time.Sleep(400 * time.Millisecond)
	zoom0, _ := chromedp.Run(ctx, chromedp.Evaluate[float64](`cy.zoom()`))
	// The protocol wants both deltas, and a zero one is left out: move
	// a pixel sideways too.
	wheel := func(p *input.DispatchMouseEventParams) { p.DeltaX, p.DeltaY = 1, -400 }
	if err := chromedp.Do(ctx, chromedp.MouseEvent(chromedp.MouseWheel, box.X+box.W/2, box.Y+box.H/2, wheel)); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Poll[chromedp.Void](fmt.Sprintf(`cy.zoom() > %g`, zoom0), chromedp.WithPollingTimeout(5*time.Second))); err != nil {
		t.Errorf("the wheel did not zoom in (zoom %g): %v", zoom0, err)
	}
	pan0, _ := chromedp.Run(ctx, chromedp.Evaluate[float64](`cy.pan().x`))
	x, y := box.X+8, box.Y+8 // a corner: background, not a node
	err = chromedp.Do(ctx,
		chromedp.MouseEvent(chromedp.MousePressed, x, y, chromedp.ButtonLeft, chromedp.ClickCount(1)),
		chromedp.MouseEvent(chromedp.MouseMoved, x+60, y+30, chromedp.ButtonLeft),
		chromedp.MouseEvent(chromedp.MouseMoved, x+120, y+60, chromedp.ButtonLeft),
		chromedp.MouseEvent(chromedp.MouseReleased, x+120, y+60, chromedp.ButtonLeft, chromedp.ClickCount(1)))
	if err != nil {
		t.Fatal(err)
	}
	if pan1, _ := chromedp.Run(ctx, chromedp.Evaluate[float64](`cy.pan().x`)); pan1 <= pan0 {
		t.Errorf("dragging the background did not pan: x %g -> %g", pan0, pan1)
	}

	// Click Hal Finney's transaction (block 170) where the page draws it.
	if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`void cy.fit(undefined, 30)`)); err != nil {
		t.Fatal(err)
	}
	id := ""
	for _, n := range rep.Graph.Nodes {
		if n.TxID == halTxID && n.Kind == "tx" {
			id = n.ID
		}
	}
	at, err := chromedp.Run(ctx, chromedp.Evaluate[struct{ X, Y float64 }](fmt.Sprintf(
		`(() => { const p = cy.$id(%q).renderedPosition(); const r = document.getElementById('cy').getBoundingClientRect();
		 return {X: r.left + p.x, Y: r.top + p.y}; })()`, id)))
	if err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.MouseClickXY(at.X, at.Y)); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Poll[chromedp.Void](fmt.Sprintf(`document.getElementById('details').textContent.includes(%q)`, halTxID),
		chromedp.WithPollingTimeout(5*time.Second))); err != nil {
		t.Errorf("clicking the node at (%.0f, %.0f) did not show transaction %s: %v", at.X, at.Y, halTxID, err)
	}
	details, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#details")))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{halTxID, "170", halAddress, "10.00000000", "exit"} {
		if !strings.Contains(details, want) {
			t.Errorf("the details panel lacks %q:\n%s", want, details)
		}
	}

	shots := artifactDir(t)
	for name, shot := range map[string]chromedp.Action[[]byte]{
		"report-page.png":  chromedp.FullScreenshot(100),
		"report-graph.png": chromedp.Screenshot(chromedp.CSS("#flow")),
	} {
		png, err := chromedp.Run(ctx, shot)
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(shots, name)
		if err := os.WriteFile(path, png, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("screenshot: %s", path)
	}

	pl.mu.Lock()
	defer pl.mu.Unlock()
	for _, e := range pl.errors {
		t.Errorf("page error: %s", e)
	}
	for _, u := range pl.requests {
		if !strings.HasPrefix(u, "file://") && !strings.HasPrefix(u, "data:") {
			t.Errorf("the page requested %s: a report must need no network", u)
		}
	}
}
