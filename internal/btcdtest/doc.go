// Package btcdtest runs real btcd nodes in regtest for tests: it builds
// btcd from the module cache (the version plume's go.mod records as a
// tool), starts nodes on loopback, mines, and makes and signs real
// transactions with a deterministic test key.
//
//	n := btcdtest.Start(t, btcdtest.Options{})
//	n.Generate(btcdtest.CoinbaseMaturity)       // the first coinbase is now spendable
//	tx := n.Spend(wire.NewTxOut(1e8, btcdtest.TestKey(1).Script(chain.KindP2WPKH)))
//	n.Generate(1)                                // tx is mined
//	c, err := rpc.Dial(ctx, rpc.Options{URL: n.URL, User: n.User, Password: n.Pass, Params: chain.Regtest})
//
// # Nodes
//
// Each node runs btcd --regtest with --txindex --addrindex (unless
// Options.NoTxIndex), --notls on a free 127.0.0.1 RPC port, --nolisten or
// a free P2P port (Options.Listen), --nocfilters, a small UTXO cache, and
// its mining address; its data, logs and HOME (btcd creates ~/.btcd
// whatever it is told) are in a directory of the test's. Start returns
// when the RPC server answers (about half a second); the node is killed
// when the test ends, and on Linux also when the test process dies
// without cleaning up.
//
// Kill stops a node as a crash would, Stop cleanly, Restart starts it
// again on the same ports. btcd deletes a regtest chain whenever it
// starts, so Stop and Kill first save the blocks and Restart submits them
// again: the node comes back with the same chain and an empty mempool.
//
// # Mining and spending
//
// Generate mines to the node's key (Options.Key, TestKey(0) by default).
// Regtest's rules shape a test chain: a coinbase can be spent 100 blocks
// later (CoinbaseMaturity); the subsidy halves every 150 blocks; segwit
// and taproot are BIP 9 deployments that activate at height 432
// (SegwitHeight), before which btcd rejects spends of P2WPKH and P2TR
// coins (paying them works at any height).
//
// Spend pays outputs from the key's mature coinbases with change back to
// the key; SpendCoins spends given coins of the key (P2PKH, P2WPKH or
// P2TR, such as those Coins finds in an earlier transaction) and so makes
// chains of spends. Both sign with txscript, check the signatures with
// btcd's script engine and send the transaction with sendrawtransaction.
// Signatures are deterministic (RFC 6979), but block times are not, so
// block hashes differ between runs.
//
// # Reorganisations
//
// Two nodes started with Listen make a reorganisation of any depth:
//
//	a := btcdtest.Start(t, btcdtest.Options{Listen: true})
//	k := btcdtest.TestKey(1) // another key, so the branches' coinbases differ
//	b := btcdtest.Start(t, btcdtest.Options{Listen: true, Key: &k})
//	a.Connect(b); a.Generate(10); a.WaitSync(b)
//	a.Disconnect(b); a.Generate(3); b.Generate(5)
//	a.Connect(b); a.WaitSync(b) // a has dropped its 3 blocks for b's 5
//
// Connections made by Connect are not permanent: once parted, neither
// node dials the other again.
//
// # The btcd binary
//
// Binary builds btcd with `go build` (skipping the test when the go
// command is not on PATH) and keeps the binary under os.TempDir(), keyed
// by btcd version, Go version and platform: the first run on a machine
// spends about 30 s building, later runs none. A file lock makes test
// processes running at once (go test ./...) build it only once.
//
// # Concurrency
//
// Nodes are independent; tests using them may run in parallel. A Node's
// methods fail the test with t.Fatal and so belong to the test's
// goroutine, except Call, which returns errors and may be used anywhere.
package btcdtest
