package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/btcsuite/btcd/wire"

	"github.com/plumetrace/plume/chain"
	"github.com/plumetrace/plume/internal/btcdtest"
	"github.com/plumetrace/plume/trace"
)

// TestNode syncs from a real btcd node with `ingest rpc`, traces a coin,
// and watches it with `watch`: spending it gives the mempool alert as a
// JSON line, mining it the confirmation; an interrupt ends the watch with
// exit 0.
func TestNode(t *testing.T) {
	node := btcdtest.Start(t, btcdtest.Options{ChangeKind: chain.KindP2PKH})
	node.Generate(150)
	theft := node.Spend(wire.NewTxOut(5e8, node.Key.Script(chain.KindP2PKH)))
	node.Generate(1)
	data := t.TempDir()
	rpcFlags := []string{"--rpc", node.URL, "--rpc-user", node.User, "--rpc-pass", node.Pass}
	global := []string{"--data", data, "--network", "regtest"}

	var synced struct {
		TipHeight int32 `json:"tip_height"`
		Blocks    int
		Txs       int
	}
	okJSON(t, &synced, append(append(global, "ingest", "rpc"), rpcFlags...)...)
	if synced.TipHeight != 151 || synced.Blocks != 152 || synced.Txs != 153 {
		t.Fatalf("ingest rpc: %+v, want tip 151, 152 blocks, 153 txs", synced)
	}
	var s caseSummary
	okJSON(t, &s, append(global, "trace", "--case", "theft", "--seed", theft.TxHash().String()+":0", "--model", "haircut")...)
	if s.Txs != 1 || s.Taint == nil || s.Taint.Totals.Held != 5e8 {
		t.Fatalf("trace: %+v", s)
	}

	// The address the stolen coin will pay is an exchange's, tagged after
	// the trace: no trace met it, the store's tags name it.
	deposit := btcdtest.TestKey(60)
	pack := filepath.Join(t.TempDir(), "pack.yaml")
	if err := os.WriteFile(pack, []byte("title: deposits\ncreator: plume test\ncurrency: BTC\nnetwork: regtest\nconfidence: forensic\nsource: https://example.org/plume-test\n"+
		"tags:\n  - address: "+chain.Regtest.Format(chain.AddressOf(deposit.Script(chain.KindP2PKH)))+"\n    label: exchange-b\n    category: exchange\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ok(t, append(global, "--quiet", "tags", "import", pack)...)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, append(append(global, "watch", "--case", "theft", "--poll", "50ms", "--tags"), rpcFlags...), pw, io.Discard)
		pw.Close()
	}()
	lines := make(chan trace.Alert)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			var a trace.Alert
			if err := json.Unmarshal(sc.Bytes(), &a); err != nil {
				t.Errorf("not a JSON alert: %q", sc.Text())
				continue
			}
			lines <- a
		}
		close(lines)
	}()
	time.Sleep(300 * time.Millisecond) // the watch's first look at the mempool
	spend := node.SpendCoins(node.Coins(theft)[:1], wire.NewTxOut(4e8, deposit.Script(chain.KindP2PKH)))
	for _, want := range []trace.AlertKind{trace.SpentUnconfirmed, trace.ReachedExit, trace.Confirmed} {
		select {
		case a := <-lines:
			if a.Kind != want || a.TxID != spend.TxHash().String() || a.Taint != 5e8 {
				t.Fatalf("alert %+v, want %s of %v", a, want, spend.TxHash())
			}
			if want == trace.ReachedExit && (a.Exit != "exchange-b" || a.ExitTaint != 4e8) {
				t.Errorf("exit alert %+v, want 4 BTC to exchange-b", a)
			}
		case <-time.After(15 * time.Second):
			t.Fatalf("no %s alert", want)
		}
		if want == trace.SpentUnconfirmed {
			node.Generate(1)
		}
	}
	interruptOK(t, cancel, done, "the watch")
	// Run again, ingest resumes at the store's tip: only the block that
	// confirmed the spend is new.
	okJSON(t, &synced, append(append(global, "ingest", "rpc"), rpcFlags...)...)
	if synced.TipHeight != 152 || synced.Blocks != 1 || synced.Txs != 2 {
		t.Errorf("second ingest rpc: %+v, want tip 152, 1 block, 2 txs", synced)
	}

	// ingest rpc --follow takes a new block as it comes, and an interrupt
	// ends it cleanly: exit 0, with what it did.
	ctx, cancel = context.WithCancel(context.Background())
	defer cancel()
	pr, pw = io.Pipe()
	go func() {
		done <- run(ctx, append(append(global, "ingest", "rpc", "--follow"), rpcFlags...), pw, io.Discard)
		pw.Close()
	}()
	text := make(chan string)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			text <- sc.Text()
		}
		close(text)
	}()
	node.Generate(1)
	select {
	case line := <-text:
		if !strings.HasPrefix(line, "at tip 153 ") {
			t.Errorf("following: %q, want the new tip 153", line)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("ingest rpc --follow did not take the new block")
	}
	interruptOK(t, cancel, done, "ingest rpc --follow")
	if line := <-text; !strings.Contains(line, "at height 153") {
		t.Errorf("interrupted ingest rpc --follow said %q", line)
	}
}

// interruptOK interrupts a command that runs until interrupted, with
// cancel, and fails unless it stops with exit 0, which it sends on done.
func interruptOK(t *testing.T, cancel context.CancelFunc, done <-chan int, what string) {
	t.Helper()
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("interrupted %s: exit %d, want 0", what, code)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("%s did not stop", what)
	}
}
