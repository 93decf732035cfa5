// Package rpc is a client for the JSON-RPC interface of Bitcoin Core and
// the nodes that speak its dialect: btcd, and Core's forks such as
// litecoind and monacoind. It reads what plume needs from a node: the tip,
// block hashes and raw blocks by height, raw transactions and the outputs
// they hold (to resolve the inputs of an ingest that starts above
// genesis), and the mempool.
//
//	c, err := rpc.Dial(ctx, rpc.Options{URL: "http://127.0.0.1:8332", CookieFile: "/home/me/.bitcoin/.cookie"})
//	height, hash, err := c.Tip(ctx)
//	for b, err := range c.Blocks(ctx, from) { ... }
//
// Blocks are fetched raw (getblock verbosity 0) and decoded and checked by
// chain.DecodeBlock at their height, so a node's blocks and a blocks
// directory's give the same chain.Block. A Client satisfies store's
// Resolver (PrevOut) and the block source its sync loop consumes (Tip,
// BlockHash, Block, BlockByHash); it does not import store.
//
// # The node
//
// Dial compares the node's genesis block with Options.Params's, so a
// client never reads a testnet node into a mainnet store. The methods
// used are getblockchaininfo, getblockhash, getblockheader, getblock,
// getrawtransaction and getrawmempool, which Core has had since 0.17 and
// btcd and the forks share. RawTx and PrevOut read confirmed transactions
// and need the node's transaction index (-txindex); without it they fail
// with ErrNoTxIndex. PrevOut's chain positions cost one getblock call per
// distinct block (see PrevOut and Options.SkipPositions). Blocks of
// Litecoin's MWEB extension have not been tried.
//
// # Retries and timeouts
//
// Every attempt of every call is bounded by Options.Timeout. A call is
// repeated, up to Options.Retries times with a doubling wait from
// Options.Backoff, when another attempt may succeed:
//
//	answer                                       retried  error
//	connection refused, reset, broken            yes      ErrUnreachable
//	no answer within Timeout                     yes      ErrUnreachable, ErrTimeout
//	HTTP 5xx without a JSON-RPC error (503 when   yes      ErrUnavailable
//	  Core's work queue is full)
//	JSON-RPC error -28 (warming up)              yes      ErrUnavailable
//	HTTP 401 or 403                              no       ErrAuth
//	JSON-RPC error -32601 (method not found)     no       ErrUnsupported
//	any other JSON-RPC error                     no       *RPCError (or chain.ErrNotFound,
//	                                                        ErrNoTxIndex, ErrPruned)
//	other HTTP status                            no       *StatusError
//
// Core answers JSON-RPC errors with HTTP 500 or 404 and a JSON body, so
// the body is read before the status. All the calls the client makes only
// read, which is what makes repeating them safe. The caller's context
// cancels a call at any point, including during a wait.
//
// # Why not btcd's rpcclient
//
// btcd's rpcclient speaks the dialect, but in HTTP POST mode it fits a
// library that must fail clearly and promptly: its calls take no context;
// it retries every network error ten times with waits growing to 4.5 s
// (over 20 s before an unreachable node is reported), while 503 and -28
// are not retried at all; a 401 comes back as a formatted string
// ("status code: 401, response: ...") that only string matching can tell
// from other failures; the HTTP timeout is fixed at one minute; one
// goroutine sends all requests in turn; it decodes blocks into wire
// values that chain.DecodeBlock would decode again; and it logs through a
// package-level logger. The JSON-RPC this package needs is a few hundred
// lines of net/http.
//
// # Errors
//
// Every error is an *Error naming the JSON-RPC method and the node's URL
// (never its credentials) and wrapping a sentinel to branch on with
// errors.Is: ErrWrongNetwork, ErrAuth, ErrUnreachable, ErrTimeout,
// ErrUnavailable, ErrUnsupported, ErrNoTxIndex, ErrPruned,
// ErrChainChanged, ErrBadResponse, or chain.ErrNotFound for a block,
// transaction or output the node does not have. The node's own error
// object is an *RPCError inside, for errors.As. Core and btcd give the
// same code, -5, for "no such transaction" and "no index to find it in";
// only there does the client read the message to tell them apart.
//
// # Authentication
//
// Options.User and Password (or credentials in the URL), or Core's cookie
// file, which Core rewrites at every start: the client rereads it when
// the node answers 401, so it survives a node restart. With none given,
// Dial looks for Core's default cookie for the network.
//
// # Concurrency
//
// A Client is safe for concurrent use; its connections are kept alive
// between calls. Blocks keeps Options.Prefetch calls in flight. Blocks,
// transactions and slices returned are new and the caller's.
package rpc
