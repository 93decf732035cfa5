// Package esplora traces on demand through the REST API of an Esplora
// server (Blockstream's electrs, as run by blockstream.info and
// mempool.space, or your own): a *Client satisfies trace.Source without
// importing trace, so a trace needs no local index of the chain.
//
//	c, err := esplora.New(esplora.Options{URL: "http://127.0.0.1:3000"})
//	res, err := trace.Follow(ctx, c, seeds, trace.Options{})
//
// Wrap the client in store.Cache to keep what it fetched: a second trace
// of the same case then sends no request at all.
//
// # Privacy
//
// No server is contacted unless the caller names it: Options.URL has no
// default. Whoever runs the server you name learns the investigation: the
// seed addresses, every transaction the trace reads, and when; a public
// explorer may log them, and a thief watching his own addresses on it may
// notice. Trace confidential cases through your own Esplora instance (or
// a store built from your own node).
//
// # From Esplora to plume
//
// plume identifies a transaction by its chain position (chain.TxID), which
// Esplora does not report; the client derives it from block txid lists:
//
//	Tx(id)      /block-height/:h, /block/:hash/txids and /header, /tx/:txid,
//	            /tx/:txid/outspends; for each input, the status of the
//	            transaction it spends (/tx/:txid/status)
//	TxIDs(hash) /tx/:txid/status and that block's txid list
//	History(a)  /scripthash/:hash/txs/chain[/:last_seen_txid], newest
//	            first, until an empty page (see Client.History)
//
// A block's txid list is checked against its header's merkle root and the
// header against the block's hash, so the positions are the block's own;
// the transaction is rebuilt from its JSON form and checked against its
// txid (falling back to /tx/:txid/raw). The lists are kept in memory, up
// to Options.BlockCache txids, least recently used first out; a trace
// that reads many transactions of a few blocks costs little more than the
// transactions themselves.
//
// Only confirmed transactions have a chain position, so only they are
// traced: an unconfirmed transaction is in no History, TxIDs reports it
// with ErrUnconfirmed (and chain.ErrNotFound), and an output whose only
// spender is in the mempool has a zero SpentBy. Watch the mempool with
// source/rpc. The client assumes the blocks it has read stay in the best
// chain; answers that disagree about a block fail with ErrChainChanged.
// BIP30's two duplicated mainnet coinbases are placed at both heights by
// TxIDs and Tx, with the earlier copies' outputs never spent (the later
// copies overwrote them).
//
// Pay-to-pubkey outputs, nearly every output of 2009, are shown by plume
// (and by most explorers) as the P2PKH address of their key, but Esplora
// indexes them under their own script, which the address does not
// determine. History therefore finds them for the keys in
// Options.PubKeys, and for keys the address's own P2PKH spends reveal;
// without the key, the history of an address that only ever received
// pay-to-pubkey outputs is empty. A seed given as a transaction or an
// output (trace.TxSeed, trace.OutSeed) needs no key.
//
// # Requests, limits and retries
//
// Requests are paced by a token bucket (Options.RateLimit per second,
// shared by all goroutines). Each attempt is bounded by Options.Timeout.
// A request is repeated, up to Options.Retries times, waiting
// Options.Backoff, doubled for each further retry:
//
//	answer                                retried  error
//	200                                   -        -
//	404                                   no       chain.ErrNotFound
//	429 Too Many Requests                 yes      ErrRateLimited
//	5xx                                   yes      ErrUnavailable
//	no answer, connection refused/broken  yes      ErrUnreachable (ErrTimeout)
//	any other status                      no       *StatusError
//
// A Retry-After header (seconds or a date) on a 429 or 503 lengthens the
// wait to what the server asks, up to 5 minutes, and holds every other
// request of the client meanwhile. The caller's context cancels a call at
// any point, including during a wait.
//
// # Errors
//
// Every failed request is an *Error naming the HTTP method and the path
// below Options.URL (never the URL itself, which may hold credentials),
// wrapping a sentinel to branch on with errors.Is: ErrRateLimited,
// ErrUnavailable, ErrUnreachable, ErrTimeout, ErrWrongNetwork,
// ErrBadResponse, ErrUnconfirmed, ErrChainChanged, or chain.ErrNotFound.
//
// # Concurrency
//
// A Client is safe for concurrent use (trace.Follow reads a hop's
// transactions from several goroutines); concurrent requests for the same
// block share one fetch. Transactions and slices returned are new and the
// caller's.
package esplora
