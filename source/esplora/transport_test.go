package esplora_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/plumetrace/plume/chain"
	"github.com/plumetrace/plume/source/esplora"
	"github.com/plumetrace/plume/source/esplora/esploratest"
)

// failFirst returns a Fault hook that answers the first n requests for
// paths containing part with f, and the rest normally.
func failFirst(part string, n int, f esploratest.Fault) func(int64, *http.Request) *esploratest.Fault {
	var mu sync.Mutex
	seen := 0
	return func(_ int64, r *http.Request) *esploratest.Fault {
		if !strings.Contains(r.URL.Path, part) {
			return nil
		}
		mu.Lock()
		defer mu.Unlock()
		if seen++; seen <= n {
			return &f
		}
		return nil
	}
}

// TestRetries checks which answers are retried, how long the client
// waits, and what it reports when it gives up.
func TestRetries(t *testing.T) {
	const outspends = "/outspends"
	id := chain.MakeTxID(170, 1)
	for _, tc := range []struct {
		name     string
		fault    esploratest.Fault
		times    int // how many answers to outspends are the fault
		retries  int
		wantErr  error // nil: Tx succeeds
		attempts int   // requests for outspends
		minWait  time.Duration
	}{
		{"429 with Retry-After", esploratest.Fault{Status: 429, RetryAfter: "1", Body: "Too Many Requests"}, 1, 0, nil, 2, time.Second},
		{"429 without Retry-After", esploratest.Fault{Status: 429}, 2, 0, nil, 3, 30 * time.Millisecond},
		{"500 then success", esploratest.Fault{Status: 500, Body: "boom"}, 2, 0, nil, 3, 30 * time.Millisecond},
		{"503 every time", esploratest.Fault{Status: 503}, 100, 2, esplora.ErrUnavailable, 3, 30 * time.Millisecond},
		{"429 every time", esploratest.Fault{Status: 429}, 100, 1, esplora.ErrRateLimited, 2, 10 * time.Millisecond},
		{"Retry-After too long", esploratest.Fault{Status: 429, RetryAfter: "3600"}, 100, 0, esplora.ErrRateLimited, 1, 0},
		{"404 is not retried", esploratest.Fault{Status: 404, Body: "Transaction not found"}, 100, 0, chain.ErrNotFound, 1, 0},
		{"400 is not retried", esploratest.Fault{Status: 400, Body: "Invalid hex string"}, 100, 0, &esplora.StatusError{}, 1, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, esploratest.Options{Fault: failFirst(outspends, tc.times, tc.fault)},
				esplora.Options{Backoff: 10 * time.Millisecond, Retries: tc.retries})
			start := time.Now()
			tx, err := f.c.Tx(context.Background(), id)
			elapsed := time.Since(start)
			attempts := 0
			for _, p := range f.srv.Paths() {
				if strings.HasSuffix(p, outspends) {
					attempts++
				}
			}
			if attempts != tc.attempts {
				t.Errorf("%d requests for outspends, want %d", attempts, tc.attempts)
			}
			if elapsed < tc.minWait {
				t.Errorf("done after %v, want at least %v", elapsed, tc.minWait)
			}
			if tc.wantErr == nil {
				if err != nil {
					t.Fatalf("Tx = %v", err)
				}
				want, _ := f.rc.db.Tx(context.Background(), id)
				if d := sameTx(tx, want); d != "" {
					t.Errorf("%s differs from the store's", d)
				}
				return
			}
			var se *esplora.StatusError
			if _, want := tc.wantErr.(*esplora.StatusError); want && !errors.As(err, &se) || !want && !errors.Is(err, tc.wantErr) {
				t.Fatalf("Tx = %v, want %v", err, tc.wantErr)
			}
			var e *esplora.Error
			if !errors.As(err, &e) || e.Method != "GET" || !strings.HasSuffix(e.Path, outspends) || e.Attempts != tc.attempts {
				t.Errorf("error %#v does not name the request and its attempts", e)
			}
		})
	}
}

// TestRetryAfterHoldsOthers checks that one request's Retry-After holds
// the client's other requests too.
func TestRetryAfterHoldsOthers(t *testing.T) {
	f := newFixture(t, esploratest.Options{Fault: failFirst(halFinneyTx+"/outspends", 1, esploratest.Fault{Status: 503, RetryAfter: "1"})},
		esplora.Options{Backoff: time.Millisecond})
	ctx := context.Background()
	if _, err := f.c.Tx(ctx, chain.MakeTxID(9, 0)); err != nil { // Check done, block 9 cached
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 1)
	wg.Go(func() {
		_, err := f.c.Tx(ctx, chain.MakeTxID(170, 1)) // meets the 503
		errs <- err
	})
	time.Sleep(300 * time.Millisecond)
	start := time.Now()
	if _, _, err := f.c.Tip(ctx); err != nil {
		t.Fatal(err)
	}
	if waited := time.Since(start); waited < 500*time.Millisecond {
		t.Errorf("a request during another's Retry-After went out after %v", waited)
	}
	wg.Wait()
	if err := <-errs; err != nil {
		t.Fatal(err)
	}
}

func TestTimeoutAndUnreachable(t *testing.T) {
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(2 * time.Second):
		case <-r.Context().Done():
		}
	}))
	defer slow.Close()
	c, _ := esplora.New(esplora.Options{URL: slow.URL, Timeout: 50 * time.Millisecond, Retries: 1, Backoff: time.Millisecond})
	_, err := c.TxIDs(context.Background(), mustHash(t, halFinneyTx))
	if !errors.Is(err, esplora.ErrTimeout) || !errors.Is(err, esplora.ErrUnreachable) {
		t.Errorf("slow server: %v, want ErrTimeout", err)
	}

	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	c, _ = esplora.New(esplora.Options{URL: closed.URL, Retries: -1})
	if _, err := c.Tx(context.Background(), 0); !errors.Is(err, esplora.ErrUnreachable) || errors.Is(err, esplora.ErrTimeout) {
		t.Errorf("closed server: %v, want ErrUnreachable", err)
	}
}

// TestCancel checks that a cancelled context ends a call during a retry
// wait.
func TestCancel(t *testing.T) {
	f := newFixture(t, esploratest.Options{Fault: failFirst("/", 100, esploratest.Fault{Status: 429, RetryAfter: "60"})}, esplora.Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := f.c.Tx(ctx, 0)
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 5*time.Second {
		t.Errorf("Tx = %v after %v, want the context's deadline", err, time.Since(start))
	}
}

// TestCredentials checks that credentials in the URL are sent and never
// shown.
func TestCredentials(t *testing.T) {
	rc := realChain(t)
	srv := esploratest.New(rc.blocks, esploratest.Options{})
	var sawAuth bool
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user, pass, ok := r.BasicAuth()
		sawAuth = ok && user == "investigator" && pass == "s3cret"
		srv.ServeHTTP(w, r)
	})
	ts := httptest.NewServer(h)
	defer ts.Close()
	url := strings.Replace(ts.URL, "http://", "http://investigator:s3cret@", 1) + "/"
	c, err := esplora.New(esplora.Options{URL: url, RateLimit: -1})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Tx(context.Background(), chain.MakeTxID(realTip+1, 0))
	if !errors.Is(err, chain.ErrNotFound) || !sawAuth {
		t.Fatalf("Tx = %v, basic auth sent: %v", err, sawAuth)
	}
	if strings.Contains(err.Error(), "s3cret") || strings.Contains(c.URL(), "s3cret") {
		t.Errorf("the password shows: %v, %s", err, c.URL())
	}
	if _, err := esplora.New(esplora.Options{URL: "http://u:s3cret@[::1"}); err == nil || strings.Contains(err.Error(), "s3cret") {
		t.Errorf("bad URL: %v", err)
	}
	if _, err := esplora.New(esplora.Options{}); err == nil {
		t.Error("New without a URL contacted a default server")
	}
}

// TestRateLimit checks the pace of a client limited to 50 requests a
// second: a second's burst, then one every 20 ms.
func TestRateLimit(t *testing.T) {
	f := newFixture(t, esploratest.Options{}, esplora.Options{RateLimit: 50})
	ctx := context.Background()
	start := time.Now()
	for f.srv.Requests() < 75 {
		if _, _, err := f.c.Tip(ctx); err != nil {
			t.Fatal(err)
		}
	}
	n := f.srv.Requests()
	if elapsed, min := time.Since(start), time.Duration(n-50)*20*time.Millisecond*9/10; elapsed < min {
		t.Errorf("%d requests in %v, want at least %v", n, elapsed, min)
	}
}
