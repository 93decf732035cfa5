package rpc

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// maxResponse bounds what one answer may hold. The largest is a block in
// hex: 8 MB for Bitcoin's 4 MB blocks; the margin is for forks with
// bigger blocks. A node cannot make the client allocate more.
const maxResponse = 64 << 20

type request struct {
	JSONRPC string `json:"jsonrpc"`
	ID      uint64 `json:"id"`
	Method  string `json:"method"`
	Params  []any  `json:"params"`
}

type response struct {
	Result json.RawMessage `json:"result"`
	Error  *RPCError       `json:"error"`
	ID     json.RawMessage `json:"id"`
}

// call sends method with params and decodes the result into result (nil
// discards it). Every error is an *Error.
func (c *Client) call(ctx context.Context, method string, result any, params ...any) error {
	raw, err := c.do(ctx, method, params)
	if err != nil {
		return err
	}
	if result == nil {
		return nil
	}
	if err := json.Unmarshal(raw, result); err != nil {
		return c.fail(method, 1, fmt.Errorf("%w: result: %v", ErrBadResponse, err))
	}
	return nil
}

// callHex calls a method whose result is a hex string (a raw block or
// transaction) and returns the bytes. It decodes the hex straight from
// the response, without an intermediate Go string: blocks are megabytes.
func (c *Client) callHex(ctx context.Context, method string, params ...any) ([]byte, error) {
	raw, err := c.do(ctx, method, params)
	if err != nil {
		return nil, err
	}
	b, err := decodeHexResult(raw)
	if err != nil {
		return nil, c.fail(method, 1, err)
	}
	return b, nil
}

// decodeHexResult decodes a JSON string of hex digits. Hex digits need no
// escaping, so a node never sends a backslash in one; one that does is
// answered through encoding/json all the same.
func decodeHexResult(raw json.RawMessage) ([]byte, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) < 2 || raw[0] != '"' || raw[len(raw)-1] != '"' {
		return nil, fmt.Errorf("%w: result is not a hex string", ErrBadResponse)
	}
	digits := raw[1 : len(raw)-1]
	if bytes.IndexByte(digits, '\\') >= 0 {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, fmt.Errorf("%w: result: %v", ErrBadResponse, err)
		}
		digits = []byte(s)
	}
	b := make([]byte, hex.DecodedLen(len(digits)))
	if _, err := hex.Decode(b, digits); err != nil {
		return nil, fmt.Errorf("%w: result is not hex: %v", ErrBadResponse, err)
	}
	return b, nil
}

// do sends one call, repeating it as Options.Retries allows, and returns
// the raw result.
func (c *Client) do(ctx context.Context, method string, params []any) (json.RawMessage, error) {
	if params == nil {
		params = []any{} // Core rejects "params": null
	}
	id := c.id.Add(1)
	body, err := json.Marshal(request{JSONRPC: "1.0", ID: id, Method: method, Params: params})
	if err != nil {
		return nil, c.fail(method, 0, err)
	}
	reloaded := false
	for attempt := 0; ; attempt++ {
		if err := ctx.Err(); err != nil {
			return nil, c.fail(method, attempt, err)
		}
		res, ae := c.attempt(ctx, body, id)
		if ae == nil {
			return res, nil
		}
		if err := ctx.Err(); err != nil {
			return nil, c.fail(method, attempt+1, err)
		}
		// Core writes a new cookie at every start: one fresh read lets a
		// long-running client survive a node restart.
		if errors.Is(ae.err, ErrAuth) && !reloaded && c.reloadCookie() {
			reloaded = true
			attempt--
			continue
		}
		if !ae.retry || attempt >= c.opts.Retries {
			return nil, c.fail(method, attempt+1, ae.err)
		}
		wait := c.opts.Backoff
		for i := 0; i < attempt && wait < maxBackoff; i++ {
			wait *= 2
		}
		wait = min(wait, maxBackoff)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, c.fail(method, attempt+1, ctx.Err())
		case <-t.C:
		}
	}
}

// attempt makes one HTTP round trip within Options.Timeout.
func (c *Client) attempt(ctx context.Context, body []byte, id uint64) (json.RawMessage, *attemptError) {
	actx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(actx, http.MethodPost, c.url, bytes.NewReader(body))
	if err != nil {
		return nil, &attemptError{err, false}
	}
	req.Header.Set("Content-Type", "application/json")
	if user, pass := c.credentials(); user != "" || pass != "" {
		req.SetBasicAuth(user, pass)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, c.netError(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse+1))
	if err != nil {
		return nil, c.netError(err)
	}
	if len(data) > maxResponse {
		return nil, &attemptError{fmt.Errorf("%w: answer larger than %d bytes", ErrBadResponse, maxResponse), false}
	}
	return c.interpret(resp.StatusCode, data, id)
}

// interpret reads the answer to request id: its HTTP status and body.
func (c *Client) interpret(code int, data []byte, id uint64) (json.RawMessage, *attemptError) {
	status := &StatusError{Status: code, Body: prefix(data)}
	switch code {
	case http.StatusUnauthorized:
		return nil, &attemptError{fmt.Errorf("%w: %w%s", ErrAuth, status, c.authHint()), false}
	case http.StatusForbidden:
		return nil, &attemptError{fmt.Errorf("%w: %w (the node does not allow this client's address: rpcallowip)", ErrAuth, status), false}
	}
	// Core answers errors of JSON-RPC 1.0 requests with HTTP 500 or 404
	// and a JSON-RPC body, so the body decides before the status does.
	var r response
	jsonErr := json.Unmarshal(data, &r)
	switch {
	case jsonErr == nil && r.Error != nil:
		ae := classify(r.Error)
		return nil, &ae
	case jsonErr == nil && code == http.StatusOK:
		if len(r.Result) == 0 {
			return nil, &attemptError{fmt.Errorf("%w: no result in the answer", ErrBadResponse), false}
		}
		if len(r.ID) > 0 && string(r.ID) != "null" && string(r.ID) != strconv.FormatUint(id, 10) {
			return nil, &attemptError{fmt.Errorf("%w: answer to request %s, not %d", ErrBadResponse, r.ID, id), false}
		}
		return r.Result, nil
	case code >= 500:
		return nil, &attemptError{fmt.Errorf("%w: %w", ErrUnavailable, status), true}
	case code != http.StatusOK:
		return nil, &attemptError{status, false}
	}
	return nil, &attemptError{fmt.Errorf("%w: not a JSON-RPC answer: %v", ErrBadResponse, jsonErr), false}
}

// netError classifies a failed round trip; the caller has checked that
// its own context is still live, so a deadline here is Options.Timeout
// (or the HTTPClient's).
func (c *Client) netError(err error) *attemptError {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err // it repeats the URL that Error already names
	}
	var ne net.Error
	if errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout() {
		return &attemptError{fmt.Errorf("%w: %w: no answer within %v", ErrUnreachable, ErrTimeout, c.opts.Timeout), true}
	}
	return &attemptError{fmt.Errorf("%w: %w", ErrUnreachable, err), true}
}

// prefix returns the start of an HTTP body for an error message.
func prefix(b []byte) string {
	const n = 200
	b = bytes.TrimSpace(b)
	if len(b) > n {
		return string(b[:n]) + "..."
	}
	return string(b)
}

func (c *Client) fail(method string, attempts int, err error) error {
	return &Error{Method: method, URL: c.url, Attempts: attempts, Err: err}
}

// credentials returns the user and password to send.
func (c *Client) credentials() (string, string) {
	c.authMu.Lock()
	defer c.authMu.Unlock()
	return c.user, c.pass
}

// reloadCookie rereads the cookie file and reports whether the
// credentials changed.
func (c *Client) reloadCookie() bool {
	if c.cookie == "" {
		return false
	}
	user, pass, err := readCookie(c.cookie)
	if err != nil {
		return false
	}
	c.authMu.Lock()
	defer c.authMu.Unlock()
	if user == c.user && pass == c.pass {
		return false
	}
	c.user, c.pass = user, pass
	return true
}

// authHint says where the credentials came from, for a 401.
func (c *Client) authHint() string {
	switch {
	case c.cookie != "":
		return " (credentials from cookie file " + c.cookie + ")"
	case c.noCredentials != "":
		return " (" + c.noCredentials + ")"
	}
	return ""
}
