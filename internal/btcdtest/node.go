package btcdtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/plumetrace/plume/chain"
)

// Options configure a node. The zero value is a lone regtest node that
// mines to TestKey(0)'s P2PKH address.
type Options struct {
	// Listen gives the node a P2P listener on a free loopback port
	// (Node.P2PAddr), which a node needs to be the target of Connect.
	// Without it the node runs with --nolisten.
	Listen bool
	// Key is the key mining pays and Spend signs with; nil means
	// TestKey(0). Give two nodes that mine competing branches different
	// keys, or their coinbases at equal heights are the same transaction.
	Key *Key
	// MiningKind is the kind of the mining address: chain.KindP2PKH (the
	// default), KindP2WPKH or KindP2TR.
	MiningKind chain.Kind
	// ChangeKind is the kind of the change outputs Spend makes;
	// chain.KindP2WPKH by default.
	ChangeKind chain.Kind
	// FeeRate is what Spend pays, in satoshi per virtual byte; 0 means 2.
	FeeRate int64
	// RPCUser and RPCPass are the node's credentials; "" means "plume".
	RPCUser string
	RPCPass string
	// NoTxIndex runs the node without --txindex and --addrindex, as a
	// node that cannot look up confirmed transactions.
	NoTxIndex bool
	// Args are more btcd flags, e.g. "--debuglevel=debug".
	Args []string
}

// Node is a btcd process in regtest on loopback, with a wallet of one
// key. Its methods fail the test on error, except Call; they may be used
// from one goroutine at a time (the test's), except Call, which is safe
// for concurrent use.
type Node struct {
	// URL is the JSON-RPC endpoint, http://127.0.0.1:PORT (no TLS). It
	// stays the same across restarts and refuses connections while the
	// node is down.
	URL string
	// User and Pass are the RPC credentials.
	User, Pass string
	// P2PAddr is the P2P listener, 127.0.0.1:PORT, or "" without
	// Options.Listen.
	P2PAddr string
	// Dir holds the node's data, logs and HOME; it is removed after the
	// test.
	Dir string
	// Key is the key mining pays.
	Key Key

	t       testing.TB
	opts    Options
	bin     string
	http    *http.Client
	id      atomic.Uint64
	proxy   *proxy
	rpcAddr string // btcd's own RPC listener, behind the proxy

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{} // closed when cmd has exited

	nextCoinbase int32 // lowest height whose coinbase Spend may still use
	peers        map[*Node]string
	saved        []string // blocks 1.. in hex, kept by Stop and Kill for Restart
}

// Start builds btcd if needed (see Binary), starts a node, waits until
// its RPC server answers, and kills it when the test ends.
func Start(t testing.TB, opts Options) *Node {
	t.Helper()
	bin := Binary(t)
	if opts.Key == nil {
		k := TestKey(0)
		opts.Key = &k
	}
	if opts.MiningKind == chain.KindNone {
		opts.MiningKind = chain.KindP2PKH
	}
	if opts.ChangeKind == chain.KindNone {
		opts.ChangeKind = chain.KindP2WPKH
	}
	if opts.FeeRate <= 0 {
		opts.FeeRate = 2
	}
	if opts.RPCUser == "" {
		opts.RPCUser = "plume"
	}
	if opts.RPCPass == "" {
		opts.RPCPass = "plume"
	}
	n := &Node{
		User: opts.RPCUser, Pass: opts.RPCPass, Dir: t.TempDir(), Key: *opts.Key,
		t: t, opts: opts, bin: bin, nextCoinbase: 1, peers: map[*Node]string{},
		http: &http.Client{Transport: &http.Transport{}},
	}
	px, err := newProxy()
	if err != nil {
		t.Fatal(err)
	}
	n.proxy, n.URL = px, "http://"+px.addr()
	// Registered after TempDir, so it runs before the directory goes.
	t.Cleanup(func() {
		n.kill()
		px.close()
	})
	if err := n.launch(true); err != nil {
		t.Fatal(err)
	}
	return n
}

var errPortTaken = errors.New("btcdtest: port taken")

// freePort returns a loopback address that was free a moment ago.
func freePort() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("btcdtest: finding a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// launch starts btcd on a fresh RPC port (and, the first time, a fresh
// P2P port), restores the saved blocks and opens the proxy to it. A port
// found free may be taken before btcd binds it, so it tries new ones.
func (n *Node) launch(first bool) error {
	var err error
	for range 3 {
		if n.rpcAddr, err = freePort(); err != nil {
			return err
		}
		if first && n.opts.Listen {
			if n.P2PAddr, err = freePort(); err != nil {
				return err
			}
		}
		if err = n.start(); !errors.Is(err, errPortTaken) {
			break
		}
	}
	if err != nil {
		return err
	}
	for i, b := range n.saved {
		var res any
		if err := n.Call(&res, "submitblock", b); err != nil || res != nil {
			return fmt.Errorf("btcdtest: restoring block %d after restart: %v %v", i+1, err, res)
		}
	}
	n.saved = nil
	n.proxy.set(n.rpcAddr)
	return nil
}

func (n *Node) args() []string {
	a := []string{
		"--regtest",
		"--datadir=" + filepath.Join(n.Dir, "data"),
		"--logdir=" + filepath.Join(n.Dir, "logs"),
		"--nocfilters", "--utxocachemaxsize=16",
		"--rpclisten=" + n.rpcAddr,
		"--notls", "--rpcuser=" + n.User, "--rpcpass=" + n.Pass,
		"--miningaddr=" + n.Key.Address(n.opts.MiningKind),
	}
	if !n.opts.NoTxIndex {
		a = append(a, "--txindex", "--addrindex")
	}
	if n.P2PAddr != "" {
		a = append(a, "--listen="+n.P2PAddr)
	} else {
		a = append(a, "--nolisten")
	}
	return append(a, n.opts.Args...)
}

// start runs btcd and waits for its RPC server.
func (n *Node) start() error {
	out, err := os.OpenFile(filepath.Join(n.Dir, "btcd.out"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("btcdtest: %w", err)
	}
	logStart, _ := out.Seek(0, io.SeekEnd) // where this run's output begins
	cmd := exec.Command(n.bin, n.args()...)
	// btcd creates ~/.btcd even when told where its data goes.
	cmd.Env = append(os.Environ(), "HOME="+n.Dir)
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = procAttr()
	if err := cmd.Start(); err != nil {
		out.Close()
		return fmt.Errorf("btcdtest: starting btcd: %w", err)
	}
	done := make(chan struct{})
	go func() {
		cmd.Wait()
		out.Close()
		close(done)
	}()
	n.mu.Lock()
	n.cmd, n.done = cmd, done
	n.mu.Unlock()

	deadline := time.Now().Add(60 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err := n.call(ctx, nil, "getblockcount")
		cancel()
		if err == nil {
			return nil
		}
		select {
		case <-done:
			b, _ := os.ReadFile(filepath.Join(n.Dir, "btcd.out"))
			if int64(len(b)) >= logStart && bytes.Contains(b[logStart:], []byte("address already in use")) {
				return errPortTaken
			}
			return fmt.Errorf("btcdtest: btcd exited at start: %s\n%s", cmd.ProcessState, n.Log())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			n.kill()
			return fmt.Errorf("btcdtest: btcd's RPC server did not answer within a minute: %v\n%s", err, n.Log())
		}
	}
}

// Kill stops the node at once (SIGKILL), as a crash would; Restart
// starts it again. Killing a stopped node does nothing.
func (n *Node) Kill() {
	n.t.Helper()
	n.save()
	n.kill()
}

// kill is Kill for the end of the test: nothing to keep.
func (n *Node) kill() {
	n.proxy.set("")
	n.signal(syscall.SIGKILL)
}

// Stop shuts the node down cleanly (SIGINT), killing it if that takes
// more than 30 s; Restart starts it again.
func (n *Node) Stop() {
	n.t.Helper()
	n.save()
	n.proxy.set("")
	if !n.signal(os.Interrupt) {
		return
	}
	n.mu.Lock()
	done := n.done
	n.mu.Unlock()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		n.kill()
		n.t.Errorf("btcdtest: btcd did not stop within 30 s; killed it")
	}
}

// signal sends sig to a running node and, for SIGKILL, waits for it to
// exit. It reports whether the node was running.
func (n *Node) signal(sig os.Signal) bool {
	n.mu.Lock()
	cmd, done := n.cmd, n.done
	n.mu.Unlock()
	if cmd == nil {
		return false
	}
	select {
	case <-done:
		return false
	default:
	}
	cmd.Process.Signal(sig)
	if sig == syscall.SIGKILL {
		<-done
	}
	return true
}

// Restart stops the node if it runs (cleanly) and starts it again, with
// the chain it had and an empty mempool, as a node that crashed or was
// stopped comes back. btcd wipes a regtest chain when it starts, so Stop
// and Kill save the blocks and Restart submits them again (the same
// blocks, indexed again) before URL lets clients in: they never see the
// chain half restored.
func (n *Node) Restart() {
	n.t.Helper()
	n.Stop()
	if err := n.launch(false); err != nil {
		n.t.Fatal(err)
	}
}

// save keeps the blocks of a running node for Restart (all but genesis).
func (n *Node) save() {
	n.t.Helper()
	if !n.running() {
		return
	}
	height, _ := n.Tip()
	n.saved = make([]string, 0, height)
	for h := int32(1); h <= height; h++ {
		var b string
		n.must(&b, "getblock", n.BlockHash(h).String(), 0)
		n.saved = append(n.saved, b)
	}
}

func (n *Node) running() bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.cmd == nil {
		return false
	}
	select {
	case <-n.done:
		return false
	default:
		return true
	}
}

// Log returns the tail of btcd's output, for failure messages.
func (n *Node) Log() string {
	b, _ := os.ReadFile(filepath.Join(n.Dir, "btcd.out"))
	const max = 4000
	if len(b) > max {
		b = b[len(b)-max:]
	}
	return string(b)
}
