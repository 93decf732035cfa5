package rpc_test

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"

	"github.com/plumetrace/plume/chain"
	"github.com/plumetrace/plume/internal/btcdtest"
	"github.com/plumetrace/plume/source/rpc"
)

// A Client is the block source and the resolver store consumes. The
// interfaces are restated here so that the test does not import store.
var _ interface {
	Tip(context.Context) (int32, chainhash.Hash, error)
	BlockHash(context.Context, int32) (chainhash.Hash, error)
	Block(context.Context, int32) (*chain.Block, error)
	BlockByHash(context.Context, chainhash.Hash) (*chain.Block, error)
	PrevOut(context.Context, wire.OutPoint) (chain.Prevout, error)
} = (*rpc.Client)(nil)

// history is what a test chain holds, read from btcd by the harness (its
// own RPC calls and btcd's wire decoding): the oracle the client is
// checked against.
type history struct {
	hashes []chainhash.Hash // by height
	blocks []*wire.MsgBlock
	pos    map[chainhash.Hash]chain.TxID
}

// buildChain mines a chain of about 100+blocks blocks on n in which every
// block after the first hundred carries real signed transactions: one
// paying from a coinbase to another key and back to n's key in P2PKH,
// P2WPKH and P2TR, one spending an older P2PKH coin, and from
// btcdtest.SegwitHeight on one spending older P2WPKH and P2TR coins
// together. It leaves nothing in the mempool.
func buildChain(t testing.TB, n *btcdtest.Node, blocks int) *history {
	t.Helper()
	other := btcdtest.TestKey(1)
	n.Generate(btcdtest.CoinbaseMaturity)
	var legacy, witness []btcdtest.Coin
	keep := func(tx *wire.MsgTx) {
		for _, c := range n.Coins(tx) {
			if kind, _ := n.Key.Owns(c.Script); kind == chain.KindP2PKH {
				legacy = append(legacy, c)
			} else {
				witness = append(witness, c)
			}
		}
	}
	for i := range blocks {
		tip, _ := n.Tip()
		keep(n.Spend(
			wire.NewTxOut(int64(1e8+i), other.Script(btcdtest.Kinds[i%3])),
			wire.NewTxOut(2e7, n.Key.Script(chain.KindP2PKH)),
			wire.NewTxOut(3e7, n.Key.Script(chain.KindP2WPKH)),
			wire.NewTxOut(4e7, n.Key.Script(chain.KindP2TR)),
		))
		if len(legacy) > 3 {
			c := legacy[0]
			legacy = legacy[1:]
			keep(n.SpendCoins([]btcdtest.Coin{c}, wire.NewTxOut(c.Value/3, other.Script(chain.KindP2PKH))))
		}
		if tip+1 >= btcdtest.SegwitHeight && len(witness) > 4 {
			cs := witness[:2]
			witness = witness[2:]
			keep(n.SpendCoins(cs, wire.NewTxOut(1e6, other.Script(chain.KindP2WPKH))))
		}
		n.Generate(1)
	}
	tip, _ := n.Tip()
	h := &history{pos: map[chainhash.Hash]chain.TxID{}}
	for height := range tip + 1 {
		hash := n.BlockHash(height)
		b := n.Block(hash)
		h.hashes = append(h.hashes, hash)
		h.blocks = append(h.blocks, b)
		for i, tx := range b.Transactions {
			h.pos[tx.TxHash()] = chain.MakeTxID(height, i)
		}
	}
	return h
}

func connect(t testing.TB, n *btcdtest.Node, o rpc.Options) *rpc.Client {
	t.Helper()
	o.URL, o.User, o.Password, o.Params = n.URL, n.User, n.Pass, chain.Regtest
	c, err := rpc.Dial(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// TestNode reads a chain of 480 blocks with over a thousand signed
// transactions from btcd and compares every block, transaction and
// previous output with what the harness read.
func TestNode(t *testing.T) {
	t.Parallel()
	n := btcdtest.Start(t, btcdtest.Options{})
	start := time.Now()
	h := buildChain(t, n, 380)
	tip := int32(len(h.hashes) - 1)
	t.Logf("built %d blocks with %d transactions in %v", tip+1, len(h.pos), time.Since(start))
	c := connect(t, n, rpc.Options{})
	ctx := context.Background()

	t.Run("WrongNetwork", func(t *testing.T) {
		_, err := rpc.Dial(ctx, rpc.Options{URL: n.URL, User: n.User, Password: n.Pass, Params: chain.Mainnet})
		if !errors.Is(err, rpc.ErrWrongNetwork) || !strings.Contains(err.Error(), "regtest") {
			t.Fatalf("Dial a regtest node for mainnet: %v, want ErrWrongNetwork", err)
		}
		if strings.Contains(err.Error(), n.Pass) {
			t.Errorf("the error shows the password: %v", err)
		}
	})

	t.Run("Tip", func(t *testing.T) {
		height, hash, err := c.Tip(ctx)
		if err != nil || height != tip || hash != h.hashes[tip] {
			t.Fatalf("Tip = %d %v %v, want %d %v", height, hash, err, tip, h.hashes[tip])
		}
	})

	t.Run("BlockHash", func(t *testing.T) {
		for _, height := range []int32{0, 1, tip / 2, tip} {
			if got, err := c.BlockHash(ctx, height); err != nil || got != h.hashes[height] {
				t.Errorf("BlockHash(%d) = %v %v, want %v", height, got, err, h.hashes[height])
			}
		}
		if _, err := c.BlockHash(ctx, tip+1); !errors.Is(err, chain.ErrNotFound) {
			t.Errorf("BlockHash above the tip: %v, want chain.ErrNotFound", err)
		}
	})

	t.Run("Blocks", func(t *testing.T) {
		next, txs, witness := int32(0), 0, 0
		for b, err := range c.Blocks(ctx, 0) {
			if err != nil {
				t.Fatal(err)
			}
			if b.Height != next || b.Hash != h.hashes[next] {
				t.Fatalf("block %d %v, want %d %v", b.Height, b.Hash, next, h.hashes[next])
			}
			want := h.blocks[next]
			var raw bytes.Buffer
			want.Serialize(&raw)
			if !bytes.Equal(b.Raw, raw.Bytes()) || len(b.Txs) != len(want.Transactions) {
				t.Fatalf("block %d differs from btcd's", next)
			}
			for i, tx := range want.Transactions {
				if b.TxHashes[i] != tx.TxHash() {
					t.Fatalf("block %d tx %d: %v, want %v", next, i, b.TxHashes[i], tx.TxHash())
				}
				if tx.HasWitness() {
					witness++
				}
			}
			txs += len(b.Txs)
			next++
		}
		if next != tip+1 || txs != len(h.pos) || witness == 0 {
			t.Fatalf("Blocks gave %d blocks, %d transactions (%d with witnesses); want %d, %d and some", next, txs, witness, tip+1, len(h.pos))
		}
		t.Logf("%d blocks, %d transactions, %d with witness data", next, txs, witness)
	})

	t.Run("BlocksBreak", func(t *testing.T) {
		got := 0
		for b, err := range c.Blocks(ctx, tip-10) {
			if err != nil || b.Height != tip-10+int32(got) {
				t.Fatalf("block %v: %v", b, err)
			}
			if got++; got == 3 {
				break
			}
		}
		for b, err := range c.Blocks(ctx, tip+1) {
			t.Fatalf("Blocks above the tip yielded %v %v", b, err)
		}
	})

	t.Run("BlockByHash", func(t *testing.T) {
		b, err := c.BlockByHash(ctx, h.hashes[tip-1])
		if err != nil || b.Height != tip-1 || b.Hash != h.hashes[tip-1] {
			t.Fatalf("BlockByHash: %v %v", b, err)
		}
		if _, err := c.BlockByHash(ctx, chainhash.Hash{1}); !errors.Is(err, chain.ErrNotFound) {
			t.Errorf("BlockByHash of no block: %v, want chain.ErrNotFound", err)
		}
	})

	t.Run("RawTx", func(t *testing.T) {
		want := h.blocks[tip].Transactions[1]
		tx, err := c.RawTx(ctx, want.TxHash())
		if err != nil || tx.TxHash() != want.TxHash() || tx.WitnessHash() != want.WitnessHash() {
			t.Fatalf("RawTx: %v %v", tx, err)
		}
		if _, err := c.RawTx(ctx, chainhash.Hash{1}); !errors.Is(err, chain.ErrNotFound) {
			t.Errorf("RawTx of no transaction: %v, want chain.ErrNotFound", err)
		}
	})

	t.Run("PrevOut", func(t *testing.T) {
		kinds := map[chain.Kind]int{}
		for _, b := range h.blocks {
			for _, tx := range b.Transactions[1:] {
				for _, in := range tx.TxIn {
					op := in.PreviousOutPoint
					id := h.pos[op.Hash]
					out := h.blocks[id.Height()].Transactions[id.Pos()].TxOut[op.Index]
					want := chain.Prevout{Out: id.Out(op.Index), Value: out.Value, Script: out.PkScript, Addr: chain.AddressOf(out.PkScript), Resolved: true}
					got, err := c.PrevOut(ctx, op)
					if err != nil || got.Out != want.Out || got.Value != want.Value || !bytes.Equal(got.Script, want.Script) || got.Addr != want.Addr || !got.Resolved {
						t.Fatalf("PrevOut(%v) = %+v %v, want %+v", op, got, err, want)
					}
					kinds[got.Addr.Kind]++
				}
			}
		}
		for _, k := range btcdtest.Kinds {
			if kinds[k] == 0 {
				t.Errorf("no %v output was spent", k)
			}
		}
		t.Logf("resolved spent outputs by kind: %v", kinds)

		spend := h.blocks[tip].Transactions[1]
		if _, err := c.PrevOut(ctx, wire.OutPoint{Hash: spend.TxHash(), Index: uint32(len(spend.TxOut))}); !errors.Is(err, chain.ErrNotFound) {
			t.Errorf("PrevOut past the last output: %v, want chain.ErrNotFound", err)
		}
		if _, err := c.PrevOut(ctx, wire.OutPoint{Hash: chainhash.Hash{1}}); !errors.Is(err, chain.ErrNotFound) {
			t.Errorf("PrevOut of no transaction: %v, want chain.ErrNotFound", err)
		}
		skip := connect(t, n, rpc.Options{SkipPositions: true})
		op := spend.TxIn[0].PreviousOutPoint
		if p, err := skip.PrevOut(ctx, op); err != nil || !p.Out.IsZero() || !p.Resolved {
			t.Errorf("PrevOut with SkipPositions = %+v %v, want Out zero", p, err)
		}
	})

	t.Run("Mempool", func(t *testing.T) {
		if ids, err := c.Mempool(ctx); err != nil || len(ids) != 0 {
			t.Fatalf("Mempool = %v %v, want empty", ids, err)
		}
		tx := n.Spend(wire.NewTxOut(5e7, btcdtest.TestKey(2).Script(chain.KindP2WPKH)))
		child := n.SpendCoins(n.Coins(tx), wire.NewTxOut(1e7, btcdtest.TestKey(2).Script(chain.KindP2TR)))
		ids, err := c.Mempool(ctx)
		want := []chainhash.Hash{tx.TxHash(), child.TxHash()}
		slices.SortFunc(ids, func(a, b chainhash.Hash) int { return slices.Compare(a[:], b[:]) })
		slices.SortFunc(want, func(a, b chainhash.Hash) int { return slices.Compare(a[:], b[:]) })
		if err != nil || !slices.Equal(ids, want) {
			t.Fatalf("Mempool = %v %v, want %v", ids, err, want)
		}
		got, err := c.MempoolTx(ctx, child.TxHash())
		if err != nil || got.WitnessHash() != child.WitnessHash() {
			t.Fatalf("MempoolTx = %v %v", got, err)
		}
		// An unconfirmed output has no chain position yet.
		p, err := c.PrevOut(ctx, child.TxIn[0].PreviousOutPoint)
		if err != nil || !p.Out.IsZero() || !p.Resolved || p.Value != tx.TxOut[child.TxIn[0].PreviousOutPoint.Index].Value {
			t.Fatalf("PrevOut of a mempool output = %+v %v", p, err)
		}
		if _, err := c.MempoolTx(ctx, chainhash.Hash{1}); !errors.Is(err, chain.ErrNotFound) {
			t.Errorf("MempoolTx of no transaction: %v, want chain.ErrNotFound", err)
		}
		n.Generate(1)
		if ids, err := c.Mempool(ctx); err != nil || len(ids) != 0 {
			t.Fatalf("Mempool after mining = %v %v, want empty", ids, err)
		}
	})
}

// TestNoTxIndex: a node without a transaction index says so for mined
// transactions, and still serves its mempool.
func TestNoTxIndex(t *testing.T) {
	t.Parallel()
	n := btcdtest.Start(t, btcdtest.Options{NoTxIndex: true})
	n.Generate(btcdtest.CoinbaseMaturity)
	mined := n.Spend(wire.NewTxOut(1e8, btcdtest.TestKey(1).Script(chain.KindP2PKH)))
	n.Generate(1)
	pending := n.Spend(wire.NewTxOut(1e8, btcdtest.TestKey(1).Script(chain.KindP2PKH)))
	c := connect(t, n, rpc.Options{})
	ctx := context.Background()
	if _, err := c.RawTx(ctx, mined.TxHash()); !errors.Is(err, rpc.ErrNoTxIndex) {
		t.Errorf("RawTx: %v, want ErrNoTxIndex", err)
	}
	if _, err := c.PrevOut(ctx, wire.OutPoint{Hash: mined.TxHash()}); !errors.Is(err, rpc.ErrNoTxIndex) || errors.Is(err, chain.ErrNotFound) {
		t.Errorf("PrevOut: %v, want ErrNoTxIndex", err)
	}
	if tx, err := c.MempoolTx(ctx, pending.TxHash()); err != nil || tx.TxHash() != pending.TxHash() {
		t.Errorf("MempoolTx: %v %v", tx, err)
	}
	if _, err := c.MempoolTx(ctx, mined.TxHash()); !errors.Is(err, chain.ErrNotFound) {
		t.Errorf("MempoolTx of a mined transaction: %v, want chain.ErrNotFound", err)
	}
}

// TestAuth: wrong credentials fail at once with ErrAuth; Core's cookie
// file works against a node whose user and password are the cookie's.
func TestAuth(t *testing.T) {
	t.Parallel()
	n := btcdtest.Start(t, btcdtest.Options{RPCUser: "__cookie__", RPCPass: "secret"})
	ctx := context.Background()
	_, err := rpc.Dial(ctx, rpc.Options{URL: n.URL, User: "__cookie__", Password: "wrong", Params: chain.Regtest})
	var e *rpc.Error
	if !errors.Is(err, rpc.ErrAuth) || !errors.As(err, &e) || e.Attempts != 1 || strings.Contains(err.Error(), "wrong") {
		t.Fatalf("Dial with a wrong password: %v, want ErrAuth after one attempt, without the password", err)
	}

	cookie := t.TempDir() + "/.cookie"
	if err := writeFile(cookie, "__cookie__:secret"); err != nil {
		t.Fatal(err)
	}
	c, err := rpc.Dial(ctx, rpc.Options{URL: n.URL, CookieFile: cookie, Params: chain.Regtest})
	if err != nil {
		t.Fatalf("Dial with the cookie: %v", err)
	}
	if _, _, err := c.Tip(ctx); err != nil {
		t.Fatal(err)
	}
	if err := writeFile(cookie, "__cookie__:stale"); err != nil {
		t.Fatal(err)
	}
	if _, err := rpc.Dial(ctx, rpc.Options{URL: n.URL, CookieFile: cookie, Params: chain.Regtest}); !errors.Is(err, rpc.ErrAuth) || !strings.Contains(err.Error(), cookie) {
		t.Fatalf("Dial with a stale cookie: %v, want ErrAuth naming the cookie file", err)
	}
}

// TestRestart: a call made while the node is down succeeds once it is
// back, through the retries.
func TestRestart(t *testing.T) {
	t.Parallel()
	n := btcdtest.Start(t, btcdtest.Options{})
	n.Generate(5)
	c := connect(t, n, rpc.Options{Retries: 10, Backoff: 20 * time.Millisecond})
	n.Kill()
	type tip struct {
		height int32
		err    error
	}
	done := make(chan tip, 1)
	go func() {
		h, _, err := c.Tip(context.Background())
		done <- tip{h, err}
	}()
	time.Sleep(100 * time.Millisecond) // let it fail a few times
	n.Restart()
	if got := <-done; got.err != nil || got.height != 5 {
		t.Fatalf("Tip across a restart = %d %v, want 5", got.height, got.err)
	}
}

// TestBlocksReorg: Blocks notices when the node's chain is reorganised
// under it. Node A mines 3 blocks alone, Blocks yields the first, then A
// joins B, which has mined 5: the next block A serves is B's.
func TestBlocksReorg(t *testing.T) {
	t.Parallel()
	k1 := btcdtest.TestKey(1)
	a := btcdtest.Start(t, btcdtest.Options{Listen: true})
	b := btcdtest.Start(t, btcdtest.Options{Listen: true, Key: &k1})
	a.Connect(b)
	a.Generate(10)
	a.WaitSync(b)
	a.Disconnect(b)
	a.Generate(3)
	b.Generate(5)

	c := connect(t, a, rpc.Options{Prefetch: 1})
	var got []int32
	var err error
	for blk, e := range c.Blocks(context.Background(), 11) {
		if e != nil {
			err = e
			break
		}
		got = append(got, blk.Height)
		if len(got) == 1 {
			a.Connect(b)
			a.WaitSync(b)
		}
	}
	if !slices.Equal(got, []int32{11}) || !errors.Is(err, rpc.ErrChainChanged) {
		t.Fatalf("Blocks yielded %v then %v, want [11] then ErrChainChanged", got, err)
	}
	t.Log(err)
}

// BenchmarkBlocks reads a regtest chain of 200 blocks, most with a few
// transactions, through Blocks: on blocks this small it measures the
// round trips (getblockhash, getblock) per block more than decoding.
func BenchmarkBlocks(b *testing.B) {
	n := btcdtest.Start(b, btcdtest.Options{})
	buildChain(b, n, 100)
	c := connect(b, n, rpc.Options{})
	ctx := context.Background()
	var blocks, size int64
	b.ReportAllocs()
	for b.Loop() {
		for blk, err := range c.Blocks(ctx, 0) {
			if err != nil {
				b.Fatal(err)
			}
			blocks++
			size += int64(len(blk.Raw))
		}
	}
	b.SetBytes(size / int64(b.N))
	b.ReportMetric(float64(blocks)/b.Elapsed().Seconds(), "blocks/s")
}
