package esplora

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"

	"github.com/plumetrace/plume/chain"
)

// maxResponse bounds what one answer may hold: a page of 25 transactions
// with thousands of inputs each, or a block's txid list, fits many times
// over. A server cannot make the client allocate more.
const maxResponse = 64 << 20

// attemptError is the outcome of one failed attempt: the error to report,
// whether another attempt may succeed, and how long the server asked to
// wait first.
type attemptError struct {
	err   error
	retry bool
	after time.Duration
}

// get fetches path below the base URL, after checking once that the
// server is on the client's network.
func (c *Client) get(ctx context.Context, path string) ([]byte, error) {
	if err := c.Check(ctx); err != nil {
		return nil, err
	}
	return c.fetch(ctx, path)
}

// getJSON fetches path and decodes its JSON answer into v.
func (c *Client) getJSON(ctx context.Context, path string, v any) error {
	body, err := c.get(ctx, path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(body, v); err != nil {
		return c.bad(path, "%v", err)
	}
	return nil
}

// getHash fetches path, whose answer is one hash in hex.
func (c *Client) getHash(ctx context.Context, path string) (chainhash.Hash, error) {
	body, err := c.get(ctx, path)
	if err != nil {
		return chainhash.Hash{}, err
	}
	h, err := parseHash(string(bytes.TrimSpace(body)))
	if err != nil {
		return chainhash.Hash{}, c.bad(path, "%v", err)
	}
	return h, nil
}

// fetch sends GET path, repeating it as Options.Retries allows. Every
// error is an *Error.
func (c *Client) fetch(ctx context.Context, path string) ([]byte, error) {
	for attempt := 0; ; attempt++ {
		if err := c.limit.wait(ctx); err != nil {
			return nil, c.fail(path, attempt, err)
		}
		body, ae := c.attempt(ctx, path)
		if ae == nil {
			return body, nil
		}
		if err := ctx.Err(); err != nil {
			return nil, c.fail(path, attempt+1, err)
		}
		if !ae.retry || attempt >= c.opts.Retries {
			return nil, c.fail(path, attempt+1, ae.err)
		}
		wait := c.opts.Backoff
		for i := 0; i < attempt && wait < maxBackoff; i++ {
			wait *= 2
		}
		wait = min(wait, maxBackoff)
		if ae.after > 0 {
			if ae.after > maxRetryAfter {
				return nil, c.fail(path, attempt+1, fmt.Errorf("%w (the server asks to wait %v)", ae.err, ae.after))
			}
			wait = max(wait, ae.after)
			c.limit.pause(time.Now().Add(ae.after))
		}
		if err := sleep(ctx, wait); err != nil {
			return nil, c.fail(path, attempt+1, err)
		}
	}
}

// attempt makes one round trip within Options.Timeout.
func (c *Client) attempt(ctx context.Context, path string) ([]byte, *attemptError) {
	actx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(actx, http.MethodGet, c.base+path, nil)
	if err != nil {
		return nil, &attemptError{err: err}
	}
	if c.user != "" || c.pass != "" {
		req.SetBasicAuth(c.user, c.pass)
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
		return nil, &attemptError{err: fmt.Errorf("%w: answer larger than %d bytes", ErrBadResponse, maxResponse)}
	}
	code := resp.StatusCode
	if code == http.StatusOK {
		return data, nil
	}
	status := &StatusError{Status: code, Body: prefix(data)}
	switch {
	case code == http.StatusNotFound:
		return nil, &attemptError{err: fmt.Errorf("%w: %w", chain.ErrNotFound, status)}
	case code == http.StatusTooManyRequests:
		return nil, &attemptError{err: fmt.Errorf("%w: %w", ErrRateLimited, status), retry: true, after: retryAfter(resp.Header, time.Now())}
	case code >= 500:
		return nil, &attemptError{err: fmt.Errorf("%w: %w", ErrUnavailable, status), retry: true, after: retryAfter(resp.Header, time.Now())}
	}
	return nil, &attemptError{err: status}
}

// retryAfter reads a Retry-After header: seconds, or an HTTP date.
// Anything else, or nothing, is 0.
func retryAfter(h http.Header, now time.Time) time.Duration {
	v := h.Get("Retry-After")
	if v == "" {
		return 0
	}
	if s, err := strconv.ParseUint(v, 10, 32); err == nil {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// netError classifies a failed round trip; the caller's own context is
// live, so a deadline here is Options.Timeout's (or the HTTPClient's).
func (c *Client) netError(err error) *attemptError {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err // it repeats the URL, which Error leaves out
	}
	var ne net.Error
	if errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout() {
		return &attemptError{err: fmt.Errorf("%w: %w: no answer within %v", ErrUnreachable, ErrTimeout, c.opts.Timeout), retry: true}
	}
	return &attemptError{err: fmt.Errorf("%w: %w", ErrUnreachable, err), retry: true}
}

// prefix returns the start of a body for an error message.
func prefix(b []byte) string {
	const n = 200
	b = bytes.TrimSpace(b)
	if len(b) > n {
		return string(b[:n]) + "..."
	}
	return string(b)
}

func (c *Client) fail(path string, attempts int, err error) error {
	return &Error{Method: http.MethodGet, Path: path, Attempts: attempts, Err: err}
}

// bad reports an answer to path that is not what the request returns.
func (c *Client) bad(path, format string, args ...any) error {
	return c.fail(path, 1, fmt.Errorf("%w: %s", ErrBadResponse, fmt.Sprintf(format, args...)))
}
