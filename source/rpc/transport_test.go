package rpc_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"

	"github.com/plumetrace/plume/chain"
	"github.com/plumetrace/plume/source/rpc"
)

// fake is a JSON-RPC server whose answers a test scripts: it counts the
// requests and hands each to answer, which returns the HTTP status and
// body. Requests for getblockhash 0 that answer does not handle (status
// 0) get the regtest genesis hash, so Dial works.
type fake struct {
	*httptest.Server
	calls  atomic.Int32
	answer func(n int32, method string, r *http.Request) (int, string)
}

func newFake(t *testing.T, answer func(n int32, method string, r *http.Request) (int, string)) *fake {
	f := &fake{answer: answer}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := f.calls.Add(1)
		var req struct {
			ID     json.RawMessage `json:"id"`
			Method string          `json:"method"`
		}
		json.NewDecoder(r.Body).Decode(&req)
		status, body := f.answer(n, req.Method, r)
		if status == 0 {
			status, body = 200, result(req.ID, chain.Regtest.GenesisHash.String())
		}
		body = strings.ReplaceAll(body, `"id":ID`, `"id":`+string(req.ID))
		w.WriteHeader(status)
		fmt.Fprint(w, body)
	}))
	t.Cleanup(f.Close)
	return f
}

func result(id json.RawMessage, v any) string {
	b, _ := json.Marshal(map[string]any{"result": v, "error": nil, "id": id})
	return string(b)
}

func rpcErr(code int, msg string) string {
	return fmt.Sprintf(`{"result":null,"error":{"code":%d,"message":%q},"id":ID}`, code, msg)
}

// fast are options for fake servers: short waits, regtest, a password.
func fast() rpc.Options {
	return rpc.Options{Params: chain.Regtest, User: "u", Password: "p", Backoff: time.Millisecond, Timeout: 2 * time.Second}
}

func dial(t *testing.T, url string, o rpc.Options) (*rpc.Client, error) {
	t.Helper()
	o.URL = url
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return rpc.Dial(ctx, o)
}

// TestRetries checks which answers are tried again and which are not, and
// what error each gives.
func TestRetries(t *testing.T) {
	const coreNoIndex = "No such mempool transaction. Use -txindex or provide a block hash to enable blockchain transaction queries. Use gettransaction for wallet transactions."
	tests := []struct {
		name   string
		answer func(n int32) (int, string)
		calls  int32
		ok     bool
		want   []error
	}{
		{"503 twice then ok", func(n int32) (int, string) {
			if n <= 2 {
				return 503, "Work queue depth exceeded"
			}
			return 0, ""
		}, 3, true, nil},
		{"warming up twice then ok", func(n int32) (int, string) {
			if n <= 2 {
				return 500, rpcErr(-28, "Loading block index...")
			}
			return 0, ""
		}, 3, true, nil},
		{"503 always", func(int32) (int, string) { return 503, "" }, 4, false, []error{rpc.ErrUnavailable}},
		{"warming up always", func(int32) (int, string) { return 500, rpcErr(-28, "Loading") }, 4, false, []error{rpc.ErrUnavailable}},
		{"401", func(int32) (int, string) { return 401, "" }, 1, false, []error{rpc.ErrAuth}},
		{"403", func(int32) (int, string) { return 403, "" }, 1, false, []error{rpc.ErrAuth}},
		{"method not found, Core style", func(int32) (int, string) { return 404, rpcErr(-32601, "Method not found") }, 1, false, []error{rpc.ErrUnsupported}},
		{"method not found, btcd style", func(int32) (int, string) { return 200, rpcErr(-32601, "Method not found") }, 1, false, []error{rpc.ErrUnsupported}},
		{"other node error", func(int32) (int, string) { return 500, rpcErr(-1, "boom") }, 1, false, nil},
		{"400 without JSON", func(int32) (int, string) { return 400, "bad request" }, 1, false, nil},
		{"not JSON-RPC", func(int32) (int, string) { return 200, "<html>" }, 1, false, []error{rpc.ErrBadResponse}},
		{"no result", func(int32) (int, string) { return 200, `{"id":ID}` }, 1, false, []error{rpc.ErrBadResponse}},
		{"wrong id", func(int32) (int, string) { return 200, `{"result":"00","error":null,"id":99}` }, 1, false, []error{rpc.ErrBadResponse}},
		{"no index", func(int32) (int, string) { return 500, rpcErr(-5, coreNoIndex) }, 1, false, []error{rpc.ErrNoTxIndex}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t, func(n int32, _ string, _ *http.Request) (int, string) { return tt.answer(n) })
			o := fast()
			o.Retries = 3
			_, err := dial(t, f.URL, o)
			if got := f.calls.Load(); got != tt.calls {
				t.Errorf("%d requests, want %d", got, tt.calls)
			}
			if tt.ok {
				if err != nil {
					t.Fatalf("Dial: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("Dial succeeded")
			}
			var e *rpc.Error
			if !errors.As(err, &e) || e.Method != "getblockhash" || e.URL != f.URL || e.Attempts != int(tt.calls) {
				t.Errorf("error %#v does not name the call, the node and %d attempts", err, tt.calls)
			}
			for _, w := range tt.want {
				if !errors.Is(err, w) {
					t.Errorf("error %q is not %q", err, w)
				}
			}
			t.Log(err)
		})
	}
}

// TestTimeout: a node that never answers costs Timeout per attempt, and
// the error says so.
func TestTimeout(t *testing.T) {
	f := newFake(t, func(_ int32, _ string, r *http.Request) (int, string) {
		<-r.Context().Done()
		return 500, ""
	})
	o := fast()
	o.Timeout = 100 * time.Millisecond
	o.Retries = 1
	start := time.Now()
	_, err := dial(t, f.URL, o)
	if el := time.Since(start); el > 2*time.Second {
		t.Errorf("took %v, want about 200 ms", el)
	}
	if !errors.Is(err, rpc.ErrTimeout) || !errors.Is(err, rpc.ErrUnreachable) {
		t.Fatalf("error %v, want a timeout", err)
	}
	if n := f.calls.Load(); n != 2 {
		t.Errorf("%d attempts, want 2", n)
	}
	t.Log(err)
}

// TestCancel: cancelling the caller's context ends a call that waits to
// retry, with the context's error.
func TestCancel(t *testing.T) {
	f := newFake(t, func(int32, string, *http.Request) (int, string) { return 503, "" })
	o := fast()
	o.URL = f.URL
	o.Backoff = time.Hour
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := rpc.Dial(ctx, o)
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 5*time.Second {
		t.Fatalf("error %v after %v, want the context's deadline soon", err, time.Since(start))
	}
}

// TestUnreachable: nothing listens at the URL.
func TestUnreachable(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + l.Addr().String()
	l.Close()
	o := fast()
	o.Retries = 2
	_, err = dial(t, url, o)
	var e *rpc.Error
	if !errors.Is(err, rpc.ErrUnreachable) || !errors.As(err, &e) || e.Attempts != 3 {
		t.Fatalf("error %v, want ErrUnreachable after 3 attempts", err)
	}
	t.Log(err)
}

// TestWrongNetwork: the node's genesis block is mainnet's.
func TestWrongNetwork(t *testing.T) {
	f := newFake(t, func(_ int32, _ string, r *http.Request) (int, string) {
		return 200, `{"result":"` + chain.Mainnet.GenesisHash.String() + `","error":null,"id":ID}`
	})
	_, err := dial(t, f.URL, fast())
	if !errors.Is(err, rpc.ErrWrongNetwork) || !strings.Contains(err.Error(), "mainnet") || !strings.Contains(err.Error(), "regtest") {
		t.Fatalf("error %v, want ErrWrongNetwork naming mainnet and regtest", err)
	}
	t.Log(err)
}

// TestCredentials: a password in the URL is used and never shown; a
// cookie file is reread when the node rejects it, as after Core restarts.
func TestCredentials(t *testing.T) {
	var want atomic.Value
	want.Store("__cookie__:one")
	f := newFake(t, func(_ int32, _ string, r *http.Request) (int, string) {
		u, p, _ := r.BasicAuth()
		if u+":"+p != want.Load().(string) {
			return 401, ""
		}
		return 0, ""
	})

	want.Store("alice:s3cret")
	_, err := dial(t, strings.Replace(f.URL, "http://", "http://alice:s3cret@", 1), rpc.Options{Params: chain.Regtest})
	if err != nil {
		t.Fatalf("password in URL: %v", err)
	}
	_, err = dial(t, strings.Replace(f.URL, "http://", "http://alice:wrong@", 1), rpc.Options{Params: chain.Regtest})
	if !errors.Is(err, rpc.ErrAuth) || strings.Contains(err.Error(), "wrong") {
		t.Fatalf("wrong password in URL: %v, want ErrAuth without the password", err)
	}

	cookie := filepath.Join(t.TempDir(), ".cookie")
	write := func(s string) {
		if err := os.WriteFile(cookie, []byte(s+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		want.Store(s)
	}
	write("__cookie__:one")
	c, err := dial(t, f.URL, rpc.Options{Params: chain.Regtest, CookieFile: cookie})
	if err != nil {
		t.Fatalf("cookie: %v", err)
	}
	write("__cookie__:two") // the node restarted
	if _, err := c.BlockHash(context.Background(), 0); err != nil {
		t.Fatalf("after the cookie changed: %v", err)
	}
	want.Store("__cookie__:three") // a cookie the client cannot read
	_, err = c.BlockHash(context.Background(), 0)
	if !errors.Is(err, rpc.ErrAuth) || !strings.Contains(err.Error(), cookie) {
		t.Fatalf("stale cookie: %v, want ErrAuth naming the cookie file", err)
	}
	if _, err := dial(t, f.URL, rpc.Options{Params: chain.Regtest, CookieFile: cookie, Password: "x"}); err == nil {
		t.Error("Dial accepted a password and a cookie file")
	}
}

// TestCoreErrors: the errors Core's dialect gives for absent things.
func TestCoreErrors(t *testing.T) {
	const notFound = "No such mempool or blockchain transaction. Use gettransaction for wallet transactions."
	f := newFake(t, func(_ int32, method string, _ *http.Request) (int, string) {
		switch method {
		case "getblockhash":
			return 0, ""
		case "getrawtransaction":
			return 500, rpcErr(-5, notFound)
		case "getblock":
			return 500, rpcErr(-1, "Block not available (pruned data)")
		case "getblockheader":
			return 500, rpcErr(-5, "Block not found")
		}
		return 404, rpcErr(-32601, "Method not found")
	})
	c, err := dial(t, f.URL, fast())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var h chainhash.Hash
	if _, err := c.RawTx(ctx, h); !errors.Is(err, chain.ErrNotFound) {
		t.Errorf("RawTx: %v, want chain.ErrNotFound", err)
	}
	if _, err := c.MempoolTx(ctx, h); !errors.Is(err, chain.ErrNotFound) {
		t.Errorf("MempoolTx: %v, want chain.ErrNotFound", err)
	}
	if _, err := c.Block(ctx, 0); !errors.Is(err, rpc.ErrPruned) || errors.Is(err, chain.ErrNotFound) {
		t.Errorf("Block: %v, want ErrPruned", err)
	}
	if _, err := c.BlockByHash(ctx, h); !errors.Is(err, chain.ErrNotFound) {
		t.Errorf("BlockByHash: %v, want chain.ErrNotFound", err)
	}
	if _, err := c.Mempool(ctx); !errors.Is(err, rpc.ErrUnsupported) {
		t.Errorf("Mempool: %v, want ErrUnsupported", err)
	}
}

func writeFile(path, s string) error { return os.WriteFile(path, []byte(s), 0o600) }
