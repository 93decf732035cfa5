package main

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/pem"
	"errors"
	"io"
	"log"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/btcsuite/btcd/wire"

	"github.com/plumetrace/plume/chain"
	"github.com/plumetrace/plume/internal/btcdtest"
)

// theft is a regtest chain with a theft in it: coins paid to the node's
// key at height 151 and moved on to the thief's key at 152.
type theft struct {
	node  *btcdtest.Node
	theft *wire.MsgTx // output 0: the stolen 5 BTC
	hop   *wire.MsgTx // pays 4 BTC of them to the thief, the rest back to the node's key
	thief btcdtest.Key
}

func newTheft(t *testing.T) *theft {
	t.Helper()
	// P2PKH change, so that the node can spend the hop's change before
	// segwit activates on regtest.
	n := btcdtest.Start(t, btcdtest.Options{ChangeKind: chain.KindP2PKH})
	n.Generate(150)
	th := &theft{node: n, thief: btcdtest.TestKey(60)}
	th.theft = n.Spend(wire.NewTxOut(5e8, n.Key.Script(chain.KindP2PKH)))
	n.Generate(1)
	th.hop = n.SpendCoins(n.Coins(th.theft)[:1], wire.NewTxOut(4e8, th.thief.Script(chain.KindP2PKH)))
	n.Generate(1)
	return th
}

// args are the flags that name the node and the seed, the stolen output.
func (th *theft) args(data string, more ...string) []string {
	return append([]string{"-rpc", th.node.URL, "-rpc-user", th.node.User, "-rpc-pass", th.node.Pass,
		"-network", "regtest", "-seed", th.theft.TxHash().String() + ":0", "-data", data}, more...)
}

// TestNode syncs a real btcd node's chain into a store, traces the theft
// from it, resumes the sync on the next run, and ingests a window above
// genesis whose older inputs the node resolves.
func TestNode(t *testing.T) {
	th := newTheft(t)
	theftID, hopID := th.theft.TxHash().String(), th.hop.TxHash().String()
	data := t.TempDir()

	d, stderr := runJSON(t, th.args(data, "-model", "haircut")...)
	if stderr != "" {
		t.Errorf("stderr not quiet off a terminal: %q", stderr)
	}
	if s := d.Source; s.Kind != "rpc" || s.URL != th.node.URL || s.Store == nil || s.Requests != nil || d.Network != "regtest" {
		t.Fatalf("source %+v", s)
	}
	if s := d.Source.Store; s.FirstBlock != 0 || s.Tip.Height != 152 || s.Connected != 153 || s.Disconnected != 0 {
		t.Errorf("store %+v", *s)
	}
	txs := d.txs(t)
	if len(txs) != 2 || txs[0].TxID != theftID || txs[1].TxID != hopID || txs[0].Hop != 0 || txs[1].Hop != 1 || txs[0].Height != 151 || txs[1].Height != 152 {
		t.Fatalf("flow %+v, want the theft then the hop", txs)
	}
	if by := txs[0].Outputs[0].SpentBy; by == nil || *by != hopID {
		t.Errorf("the stolen output is spent by %v, want %s", by, hopID)
	}
	o := txs[1].Outputs[0]
	if o.Address != th.thief.Address(chain.KindP2PKH) || o.Value != 4e8 || o.SpentBy != nil || o.Taint == nil || *o.Taint != 4e8 {
		t.Errorf("the payment to the thief: %+v", o)
	}
	if in := txs[1].Inputs; len(in) != 1 || in[0].Prevout != theftID+":0" || in[0].Value == nil || *in[0].Value != 5e8 {
		t.Errorf("the hop's input: %+v", in)
	}

	// The next run syncs only the new blocks and finds the same flow.
	th.node.Generate(2)
	d, _ = runJSON(t, th.args(data)...)
	if s := d.Source.Store; s.Connected != 2 || s.FirstBlock != 0 || s.Tip.Height != 154 || len(d.txs(t)) != 2 {
		t.Errorf("resumed: store %+v, %d transactions", *s, len(d.txs(t)))
	}

	// A window from the theft's block: its inputs spend coinbases from
	// below, which the node looks up.
	window := t.TempDir()
	d, _ = runJSON(t, th.args(window, "-from", "151", "-to", "153")...)
	if s := d.Source.Store; s.FirstBlock != 151 || s.Tip.Height != 153 || s.Connected != 3 {
		t.Errorf("window: store %+v", *s)
	}
	txs = d.txs(t)
	if len(txs) != 2 || txs[0].TxID != theftID {
		t.Fatalf("window: flow %+v", txs)
	}
	var in int64
	for _, i := range txs[0].Inputs {
		if i.Value == nil || i.Address != th.node.Key.Address(chain.KindP2PKH) {
			t.Errorf("window: the theft's input %+v is not resolved to the node's coinbase", i)
			continue
		}
		in += *i.Value
	}
	if in <= 5e8 {
		t.Errorf("window: the theft's inputs add to %d sat, less than it pays", in)
	}
	// The store cannot grow downwards.
	var out, errs bytes.Buffer
	err := run(context.Background(), th.args(window, "-from", "100"), &out, &errs)
	if err == nil || !strings.Contains(err.Error(), "begins at block 151") || !strings.Contains(err.Error(), window) {
		t.Errorf("-from below the store: %v", err)
	}

	// A seed from before the window is not in the store, which says so
	// (after syncing on: no -to this time).
	early := th.node.Block(th.node.BlockHash(100)).Transactions[0].TxHash().String()
	err = run(context.Background(), append(th.args(window), "-seed", early), &out, &errs)
	if err == nil || !strings.Contains(err.Error(), "holds blocks 151..154") {
		t.Errorf("a seed below the window: %v", err)
	}
}

// TestNodeReorg: a run after the node has reorganised undoes the blocks
// it dropped, and a theft mined only in them is no longer in the store.
func TestNodeReorg(t *testing.T) {
	k1 := btcdtest.TestKey(1)
	a := btcdtest.Start(t, btcdtest.Options{Listen: true})
	b := btcdtest.Start(t, btcdtest.Options{Listen: true, Key: &k1})
	a.Connect(b)
	a.Generate(110)
	a.WaitSync(b)
	a.Disconnect(b)
	theft := a.Spend(wire.NewTxOut(1e8, btcdtest.TestKey(3).Script(chain.KindP2PKH)))
	a.Generate(3)
	b.Generate(5)

	data := t.TempDir()
	args := func(seed string) []string {
		return []string{"-rpc", a.URL, "-rpc-user", a.User, "-rpc-pass", a.Pass, "-network", "regtest", "-seed", seed, "-data", data}
	}
	stolen := theft.TxHash().String() + ":0"
	d, _ := runJSON(t, args(stolen)...)
	if txs := d.txs(t); len(txs) != 1 || txs[0].TxID != theft.TxHash().String() || txs[0].Height != 111 {
		t.Fatalf("before the reorganisation: %+v", txs)
	}

	a.Connect(b)
	a.WaitSync(b) // a drops its 3 blocks for b's 5
	shared := a.Block(a.BlockHash(5)).Transactions[0].TxHash().String()
	d, _ = runJSON(t, args(shared)...)
	_, bTip := b.Tip()
	if s := d.Source.Store; s.Disconnected != 3 || s.Connected != 5 || s.Tip.Height != 115 || s.Tip.Hash != bTip.String() {
		t.Errorf("after the reorganisation: store %+v, want 3 blocks undone, 5 added, b's tip %v", *s, bTip)
	}
	var out, errs bytes.Buffer
	err := run(context.Background(), args(stolen), &out, &errs)
	if err == nil || !strings.Contains(err.Error(), "not found") || !strings.Contains(err.Error(), "holds blocks 0..115") {
		t.Errorf("the theft after the reorganisation: %v, want it not found in blocks 0..115", err)
	}
}

// TestNodeWatch: after the trace, -watch alerts when the tainted coins
// left unspent move: in the mempool, then mined.
func TestNodeWatch(t *testing.T) {
	th := newTheft(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	pr, pw := io.Pipe()
	var errs syncBuffer
	done := make(chan error, 1)
	go func() {
		err := run(ctx, th.args(t.TempDir(), "-json", "-watch"), pw, &errs)
		pw.Close()
		done <- err
	}()
	defer func() {
		go io.Copy(io.Discard, pr) // alerts after the test's last read
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v\n%s", err, errs.String())
		}
	}()
	dec := json.NewDecoder(pr)
	var d doc
	if err := dec.Decode(&d); err != nil {
		t.Fatalf("no report: %v\n%s", err, errs.String())
	}
	if d.Model != "haircut" {
		t.Errorf("-watch without -model computed %q taint, want haircut", d.Model)
	}

	// The hop's change is tainted and the node's key can spend it.
	spend := th.node.SpendCoins(th.node.Coins(th.hop), wire.NewTxOut(5e7, btcdtest.TestKey(61).Script(chain.KindP2PKH)))
	next := func(want string) {
		t.Helper()
		var a struct {
			Kind   string `json:"kind"`
			TxID   string `json:"txid"`
			Height int32  `json:"height"`
			Taint  int64  `json:"taint"`
			Path   []string
		}
		if err := dec.Decode(&a); err != nil {
			t.Fatalf("waiting for a %s alert: %v\n%s", want, err, errs.String())
		}
		if a.Kind != want || a.TxID != spend.TxHash().String() || a.Taint <= 0 || len(a.Path) != 3 || a.Path[0] != th.theft.TxHash().String() {
			t.Fatalf("alert %+v, want %s of %v from the theft", a, want, spend.TxHash())
		}
		if want == "confirmed" && a.Height != 153 {
			t.Errorf("confirmed at height %d, want 153", a.Height)
		}
	}
	next("spent_unconfirmed")
	th.node.Generate(1)
	next("confirmed")
	if !strings.Contains(errs.String(), "watching 2 unspent outputs") {
		t.Errorf("stderr does not say what is watched: %q", errs.String())
	}
}

// syncBuffer is a bytes.Buffer that a run's goroutine writes while the
// test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestNodeErrors: the wrong network, wrong credentials and an untrusted
// certificate fail with what to pass; a trusted one works.
func TestNodeErrors(t *testing.T) {
	th := newTheft(t)
	n := th.node
	for _, tc := range []struct {
		name string
		args []string
		want []string
	}{
		{"mainnet flag, regtest node", []string{"-rpc", n.URL, "-rpc-user", n.User, "-rpc-pass", n.Pass}, []string{n.URL, "regtest", "mainnet", "-network"}},
		{"wrong password", []string{"-rpc", n.URL, "-rpc-user", n.User, "-rpc-pass", "wrong", "-network", "regtest", "-seed", th.theft.TxHash().String()}, []string{n.URL, "authentication failed", "-rpc-user"}},
	} {
		_, _, err := runOnce(t, append(tc.args, "-data", t.TempDir())...)
		for _, w := range tc.want {
			if err == nil || !strings.Contains(err.Error(), w) {
				t.Errorf("%s: %v, want an error saying %q", tc.name, err, w)
			}
		}
	}

	// The node behind TLS with a certificate of its own, as btcd serves
	// by default.
	target, err := url.Parse(n.URL)
	if err != nil {
		t.Fatal(err)
	}
	tlsNode := httptest.NewUnstartedServer(httputil.NewSingleHostReverseProxy(target))
	tlsNode.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake is the point
	tlsNode.StartTLS()
	defer tlsNode.Close()
	cert := filepath.Join(t.TempDir(), "rpc.cert")
	if err := os.WriteFile(cert, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: tlsNode.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	args := func(more ...string) []string {
		return append([]string{"-rpc", tlsNode.URL, "-rpc-user", n.User, "-rpc-pass", n.Pass, "-network", "regtest",
			"-seed", th.theft.TxHash().String() + ":0", "-data", t.TempDir()}, more...)
	}
	_, _, err = runOnce(t, args()...)
	if err == nil || !strings.Contains(err.Error(), "-rpc-cert") {
		t.Errorf("an untrusted certificate: %v, want an error suggesting -rpc-cert", err)
	}
	d, _ := runJSON(t, args("-rpc-cert", cert)...)
	if len(d.txs(t)) != 2 {
		t.Errorf("through TLS: %d transactions, want 2", len(d.txs(t)))
	}
	_, _, err = runOnce(t, args("-rpc-cert", filepath.Join(t.TempDir(), "none"))...)
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a missing -rpc-cert: %v", err)
	}
}
