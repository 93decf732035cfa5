package esplora

import (
	"errors"
	"fmt"
)

// Sentinel errors, for errors.Is. Every error a Client returns is an
// *Error naming the request; these say what went wrong. A transaction,
// block or output the server does not have wraps chain.ErrNotFound
// instead (HTTP 404, or a position past the end of a block).
var (
	// ErrRateLimited: the server still answered 429 Too Many Requests
	// after every retry, or asked (Retry-After) for a longer wait than the
	// client makes.
	ErrRateLimited = errors.New("rate limited")
	// ErrUnavailable: the server answered 5xx after every retry.
	ErrUnavailable = errors.New("server unavailable")
	// ErrUnreachable: no answer after every retry: the connection failed,
	// broke, or timed out (then ErrTimeout is wrapped too).
	ErrUnreachable = errors.New("server unreachable")
	// ErrTimeout: an attempt had no answer within Options.Timeout.
	ErrTimeout = errors.New("timed out")
	// ErrWrongNetwork: the server's genesis block is not Options.Params's.
	ErrWrongNetwork = errors.New("server is on another network")
	// ErrBadResponse: the answer is not what the request returns
	// (malformed JSON, a transaction whose txid does not match its
	// content, a txid list that does not match its block's merkle root).
	ErrBadResponse = errors.New("bad response")
	// ErrUnconfirmed: the transaction is in no block yet, so it has no
	// chain position; it is wrapped together with chain.ErrNotFound.
	ErrUnconfirmed = errors.New("not confirmed")
	// ErrChainChanged: answers that must agree place a transaction in
	// different blocks: the server's chain was reorganised meanwhile.
	ErrChainChanged = errors.New("chain changed")
)

// Error is the error every failed request returns: the HTTP method, the
// path below Options.URL (never the URL, which may carry credentials),
// how many attempts were made, and why. Err wraps the sentinels above, a
// *StatusError for an HTTP status, or the context's error.
type Error struct {
	Method   string
	Path     string
	Attempts int
	Err      error
}

func (e *Error) Error() string {
	if e.Attempts > 1 {
		return fmt.Sprintf("esplora: %s %s (%d attempts): %v", e.Method, e.Path, e.Attempts, e.Err)
	}
	return fmt.Sprintf("esplora: %s %s: %v", e.Method, e.Path, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// StatusError is an HTTP status other than 200 and the start of the body
// that came with it (Esplora explains errors in plain text).
type StatusError struct {
	Status int
	Body   string
}

func (e *StatusError) Error() string {
	if e.Body == "" {
		return fmt.Sprintf("HTTP %d", e.Status)
	}
	return fmt.Sprintf("HTTP %d: %q", e.Status, e.Body)
}
