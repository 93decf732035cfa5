package rpc

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinel errors, for errors.Is. Every error a Client returns is an
// *Error naming the call and the node; these say what went wrong. An
// absent block or transaction wraps chain.ErrNotFound instead.
var (
	// ErrWrongNetwork: the node's genesis block is not Options.Params's.
	ErrWrongNetwork = errors.New("node is on another network")
	// ErrAuth: the node refused the credentials (HTTP 401), or refused the
	// client's address (HTTP 403, Core's -rpcallowip).
	ErrAuth = errors.New("authentication failed")
	// ErrUnreachable: no answer from the node after every retry: the
	// connection failed, broke, or timed out (then ErrTimeout is wrapped
	// too).
	ErrUnreachable = errors.New("node unreachable")
	// ErrTimeout: an attempt had no answer within Options.Timeout.
	ErrTimeout = errors.New("timed out")
	// ErrUnavailable: the node answered but could not serve the call yet,
	// after every retry: it is warming up (-28) or overloaded (HTTP 5xx
	// such as Core's 503 "work queue depth exceeded").
	ErrUnavailable = errors.New("node unavailable")
	// ErrUnsupported: the node does not know the method (-32601), as when a
	// fork or an old version lacks it.
	ErrUnsupported = errors.New("method not supported by the node")
	// ErrNoTxIndex: the node cannot look up confirmed transactions because
	// it runs without a transaction index (Core's -txindex, btcd's
	// --txindex), or its index is still being built.
	ErrNoTxIndex = errors.New("node has no transaction index")
	// ErrPruned: the node no longer holds the block (a pruned node).
	ErrPruned = errors.New("block pruned by the node")
	// ErrChainChanged: the node's best chain was reorganised while Blocks
	// ran, so the next block does not extend the last one yielded.
	ErrChainChanged = errors.New("best chain changed")
	// ErrBadResponse: the node answered with something that is not what
	// the call returns (not JSON-RPC, bad hex, a block or transaction with
	// another hash than asked for).
	ErrBadResponse = errors.New("bad response")
)

// Error is the error every failed call returns: which JSON-RPC method, at
// which node (the URL without credentials), after how many attempts, and
// why. Err wraps the sentinels above and, when the node answered with an
// error, an *RPCError or *StatusError to inspect with errors.As; a
// cancelled call wraps the context's error.
type Error struct {
	Method   string
	URL      string
	Attempts int
	Err      error
}

func (e *Error) Error() string {
	if e.Attempts > 1 {
		return fmt.Sprintf("rpc: %s at %s (%d attempts): %v", e.Method, e.URL, e.Attempts, e.Err)
	}
	return fmt.Sprintf("rpc: %s at %s: %v", e.Method, e.URL, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// RPCError is an error object the node returned in a JSON-RPC response.
type RPCError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

func (e *RPCError) Error() string {
	return fmt.Sprintf("node error %d: %s", e.Code, e.Message)
}

// Error codes of the Core dialect that the client branches on. btcd and
// Core's forks use the same numbers.
const (
	codeMisc           = -1     // RPC_MISC_ERROR; btcd's "out of range" too
	codeInvalidAddress = -5     // RPC_INVALID_ADDRESS_OR_KEY: no such tx or block
	codeInvalidParam   = -8     // RPC_INVALID_PARAMETER: e.g. height out of range
	codeWarmup         = -28    // RPC_IN_WARMUP: still loading, try again
	codeMethodNotFound = -32601 // RPC_METHOD_NOT_FOUND
)

// StatusError is an HTTP status the node answered with when the body held
// no JSON-RPC error. Body is the start of the body, for the message.
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

// attemptError is the outcome of one failed attempt: the error to report
// and whether another attempt may succeed.
type attemptError struct {
	err   error
	retry bool
}

// classify maps an RPC error object to the error to report. The codes
// alone cannot tell "no such transaction" from "no index to look it up
// in" (both -5 in Core and btcd), so for that one case the message is
// read: Core and its forks say "-txindex", btcd "--txindex", and Core
// while building the index "still in the process of being indexed".
func classify(re *RPCError) attemptError {
	switch re.Code {
	case codeWarmup:
		return attemptError{fmt.Errorf("%w: %w", ErrUnavailable, re), true}
	case codeMethodNotFound:
		return attemptError{fmt.Errorf("%w: %w", ErrUnsupported, re), false}
	}
	msg := strings.ToLower(re.Message)
	switch {
	case re.Code == codeInvalidAddress && (strings.Contains(msg, "txindex") || strings.Contains(msg, "being indexed")):
		return attemptError{fmt.Errorf("%w: %w", ErrNoTxIndex, re), false}
	case strings.Contains(msg, "pruned"):
		return attemptError{fmt.Errorf("%w: %w", ErrPruned, re), false}
	}
	return attemptError{re, false}
}

// rpcError returns the node's error object that err carries, or nil.
func rpcError(err error) *RPCError {
	var re *RPCError
	if errors.As(err, &re) {
		return re
	}
	return nil
}
