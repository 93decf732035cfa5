package esplora

import (
	"bytes"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/plumetrace/plume/chain"
)

// FuzzTxJSON feeds the transaction decoder arbitrary JSON: it must never
// panic, and a transaction it rebuilds must serialize.
func FuzzTxJSON(f *testing.F) {
	f.Add([]byte(`{"txid":"f4184fc596403b9d638783cf57adfe4c75c605f6356fbc91338530e9831e9e16","version":1,"locktime":0,` +
		`"vin":[{"txid":"0437cd7f8525ceed2324359c2d0ba26006d92d856a9c20fa0241106ee5a597c9","vout":0,` +
		`"prevout":{"scriptpubkey":"4104ac","value":5000000000},"scriptsig":"47304402","is_coinbase":false,"sequence":4294967295}],` +
		`"vout":[{"scriptpubkey":"4104ae1a","value":1000000000}],"status":{"confirmed":true,"block_height":170,` +
		`"block_hash":"00000000d1145790a8694403d4063f323d499e655c83426834d4ce2f8dd4a2ee","block_time":1231731025}}`))
	f.Add([]byte(`{"version":4294967295,"vin":[{"txid":"","witness":["00","zz"]}],"vout":[{"value":-1}],"status":{"confirmed":true}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var j txJSON
		if json.Unmarshal(data, &j) != nil {
			return
		}
		j.Status.confirmed()
		for i := range j.Vin {
			prevout(j.Vin[i].Prevout, chain.OutPoint{})
		}
		msg, err := j.msgTx()
		if err != nil {
			return
		}
		var b bytes.Buffer
		if err := msg.Serialize(&b); err != nil {
			t.Fatalf("a rebuilt transaction does not serialize: %v", err)
		}
	})
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		header string
		want   time.Duration
	}{
		{"", 0},
		{"7", 7 * time.Second},
		{"0", 0},
		{"-3", 0},
		{"soon", 0},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second},
		{now.Add(-time.Hour).Format(http.TimeFormat), 0},
	} {
		h := http.Header{}
		if tc.header != "" {
			h.Set("Retry-After", tc.header)
		}
		if got := retryAfter(h, now); got != tc.want {
			t.Errorf("Retry-After %q: %v, want %v", tc.header, got, tc.want)
		}
	}
}

func TestLimiter(t *testing.T) {
	t0 := time.Unix(1000, 0)
	l := &limiter{rate: 2, burst: 2, tokens: 2, last: t0}
	for i, want := range []time.Duration{0, 0, 500 * time.Millisecond} {
		if got := l.take(t0); got != want {
			t.Errorf("take %d at once: wait %v, want %v", i, got, want)
		}
	}
	if got := l.take(t0.Add(500 * time.Millisecond)); got != 0 {
		t.Errorf("after half a second: wait %v", got)
	}
	l.pause(t0.Add(10 * time.Second))
	if got := l.take(t0.Add(4 * time.Second)); got != 6*time.Second {
		t.Errorf("paused: wait %v, want 6s", got)
	}
	if got := l.take(t0.Add(10 * time.Second)); got != 0 {
		t.Errorf("after the pause: wait %v", got)
	}
	unlimited := newLimiter(-1)
	for range 1000 {
		if unlimited.take(t0) != 0 {
			t.Fatal("an unlimited limiter waits")
		}
	}
}
