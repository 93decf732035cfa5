package trace_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/btcsuite/btcd/wire"

	"github.com/plumetrace/plume/chain"
	"github.com/plumetrace/plume/internal/flowtest"
	"github.com/plumetrace/plume/trace"
)

// errLog collects what OnError hears.
type errLog struct {
	mu   sync.Mutex
	errs []error
}

func (l *errLog) add(err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.errs = append(l.errs, err)
}

// count returns how many errors contain s.
func (l *errLog) count(s string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, err := range l.errs {
		if strings.Contains(err.Error(), s) {
			n++
		}
	}
	return n
}

// startWatchErrs is startWatch with OnError's calls kept in the errLog
// it returns.
func startWatchErrs(t *testing.T, feed *fakeFeed, c *trace.Case, opts trace.WatchOptions) (<-chan trace.Alert, *errLog) {
	t.Helper()
	errs := &errLog{}
	opts.OnError = errs.add
	return startWatch(t, feed, c, opts), errs
}

// TestWatchHookStalled: a webhook that does not answer holds up neither
// the alerts nor the watch. Its queue keeps the newest alerts, OnError
// hears of each one dropped, and once the hook answers it gets the alert
// it was sent and those queued.
func TestWatchHookStalled(t *testing.T) {
	release := make(chan struct{})
	var mu sync.Mutex
	var got []string
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-release
		var a trace.Alert
		body, _ := io.ReadAll(r.Body)
		if err := json.Unmarshal(body, &a); err == nil {
			mu.Lock()
			got = append(got, a.TxID)
			mu.Unlock()
		}
	}))
	defer hook.Close()
	defer close(release) // before Close, which waits for the handlers

	c := stolenCase(4)
	feed := newFakeFeed(100)
	var errs errLog
	alerts := startWatch(t, feed, c, trace.WatchOptions{Webhook: hook.URL, WebhookQueue: 2, OnError: errs.add})
	var txids []string
	for i, o := range c.Outputs {
		tx := spendOf([]wire.OutPoint{o.Out}, payTo(flowtest.Addr(i), 9e7))
		txids = append(txids, txid(tx))
		start := time.Now()
		feed.send(tx)
		expect(t, alerts, trace.SpentUnconfirmed)
		if d := time.Since(start); d > 2*time.Second {
			t.Fatalf("alert %d after %v: the stalled webhook holds up the watch", i, d)
		}
		if i == 0 { // let the sender take the first alert and stall on it
			time.Sleep(50 * time.Millisecond)
		}
	}
	// One alert stalled in the POST, two queued, the oldest queued dropped
	// (just after the fourth alert's OnAlert).
	eventually(func() bool { return errs.count("dropped") > 0 })
	if n := errs.count("the oldest dropped (1 so far)"); n != 1 {
		t.Errorf("OnError heard %d drops, want 1: %v", n, errs.errs)
	}
	release <- struct{}{} // the stalled POST
	release <- struct{}{}
	release <- struct{}{}
	eventually(func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(got) >= 3
	})
	mu.Lock()
	defer mu.Unlock()
	want := []string{txids[0], txids[2], txids[3]}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("the hook got %v, want %v (the second dropped)", got, want)
	}
}

// TestWatchHookCancel: ending the watch ends the webhook's retries at
// once, and OnError hears how many alerts were not sent.
func TestWatchHookCancel(t *testing.T) {
	var mu sync.Mutex
	tries := 0
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		tries++
		mu.Unlock()
		http.Error(w, "down", http.StatusBadGateway)
	}))
	defer hook.Close()
	c := stolenCase(2)
	feed := newFakeFeed(100)
	var errs errLog
	alerts := make(chan trace.Alert, 8)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- trace.Watch(ctx, feed, c, trace.WatchOptions{Poll: 5 * time.Millisecond, Webhook: hook.URL, Retries: 20,
			OnError: errs.add, OnAlert: func(a trace.Alert) { alerts <- a }})
	}()
	<-feed.polled
	for i, o := range c.Outputs {
		feed.send(spendOf([]wire.OutPoint{o.Out}, payTo(flowtest.Addr(i), 9e7)))
		expect(t, alerts, trace.SpentUnconfirmed)
	}
	time.Sleep(100 * time.Millisecond) // the first POST fails; its retry waits
	cancel()
	start := time.Now()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("the watch did not end with its context: the webhook's backoff ignores it")
	}
	t.Logf("ended %v after the cancel", time.Since(start))
	mu.Lock()
	defer mu.Unlock()
	if tries != 1 {
		t.Errorf("%d POSTs, want 1 before the cancel", tries)
	}
	// The first alert, waiting to be tried again, and the second, queued.
	if n := errs.count("2 alerts not sent"); n != 1 {
		t.Errorf("OnError: %v, want the unsent alerts counted", errs.errs)
	}
}

// TestWatchNodeDown: the watch survives a node that stops answering: it
// reports the failures to OnError, keeps trying, and alerts once the node
// is back.
func TestWatchNodeDown(t *testing.T) {
	c := stolenCase(1)
	feed := newFakeFeed(100)
	alerts, errs := startWatchErrs(t, feed, c, trace.WatchOptions{})
	feed.mu.Lock()
	feed.down = true
	feed.mu.Unlock()
	eventually(func() bool { return errs.count(errDown.Error()) >= 3 })
	if n := errs.count(errDown.Error()); n < 3 {
		t.Fatalf("OnError heard %d failures", n)
	}
	errs.mu.Lock()
	if !errors.Is(errs.errs[0], errDown) {
		t.Errorf("OnError got %v, which does not wrap the node's error", errs.errs[0])
	}
	errs.mu.Unlock()
	spend := spendOf([]wire.OutPoint{c.Outputs[0].Out}, payTo(flowtest.Addr(1), 9e7))
	feed.mu.Lock()
	feed.down = false
	feed.mineLocked(time.Now(), spend)
	feed.mu.Unlock()
	if a := expect(t, alerts, trace.SpentConfirmed); a.TxID != txid(spend) || a.Height != 101 {
		t.Errorf("after the outage: %+v", a)
	}
}

// TestWatchHookCancelMidPoll: alerts queued for the webhook after ctx
// ended, by the poll that was running, are counted as not sent too.
func TestWatchHookCancelMidPoll(t *testing.T) {
	posted := make(chan struct{}, 1)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case posted <- struct{}{}:
		default:
		}
		io.Copy(io.Discard, r.Body) // so that the server sees the client go
		<-r.Context().Done()        // a hook that never answers
	}))
	defer hook.Close()
	c := stolenCase(1)
	exit := flowtest.Addr(7)
	c.Exits = map[chain.Address]string{exit: "exchange"}
	feed := newFakeFeed(100)
	var errs errLog
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// The spend's second alert, its exit, comes once the first is being
	// posted; ctx ends before it is queued, and the hook's sender stops.
	onAlert := func(a trace.Alert) {
		if a.Kind != trace.ReachedExit {
			return
		}
		select {
		case <-posted:
		case <-time.After(5 * time.Second):
			t.Error("the first alert was never posted")
		}
		cancel()
		time.Sleep(100 * time.Millisecond)
	}
	done := make(chan error, 1)
	go func() {
		done <- trace.Watch(ctx, feed, c, trace.WatchOptions{Poll: 5 * time.Millisecond, Webhook: hook.URL,
			OnError: errs.add, OnAlert: onAlert, Params: chain.Regtest})
	}()
	<-feed.polled
	feed.send(spendOf([]wire.OutPoint{c.Outputs[0].Out}, payTo(exit, 9e7)))
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	// The first alert, given up in its POST, and the second, queued.
	if n := errs.count("2 alerts not sent"); n != 1 {
		t.Errorf("OnError: %v, want both alerts counted as not sent", errs.errs)
	}
}
