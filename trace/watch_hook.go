package trace

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"time"
)

// hook posts alerts to the webhook from a goroutine of its own, so that a
// slow or dead hook never holds up the watch. Its queue is bounded: when
// it is full, the oldest alert waiting is dropped to make room.
type hook struct {
	url     string
	client  *http.Client
	retries int
	queue   chan []byte
	dropped int // alerts dropped from a full queue; the watch's goroutine's
	report  func(error)
	done    chan struct{}
	// lost is 1 if run gave up an alert as ctx ended, and ended is
	// ctx's error; run sets them before it closes done.
	lost  int
	ended error
}

func newHook(opts WatchOptions, report func(error)) (*hook, error) {
	// A URL that cannot make a request fails the watch at once rather
	// than every alert later.
	if _, err := http.NewRequest(http.MethodPost, opts.Webhook, nil); err != nil {
		return nil, fmt.Errorf("trace: watch: webhook: %w", err)
	}
	return &hook{url: opts.Webhook, client: opts.HTTP, retries: opts.Retries,
		queue: make(chan []byte, opts.WebhookQueue), report: report, done: make(chan struct{})}, nil
}

// send queues an alert, dropping the oldest waiting if the queue is full.
// Only the watch's goroutine sends.
func (k *hook) send(body []byte) {
	for {
		select {
		case k.queue <- body:
			return
		default:
		}
		select {
		case <-k.queue:
			k.dropped++
			k.report(fmt.Errorf("trace: watch: webhook: %d alerts waiting, the oldest dropped (%d so far)", cap(k.queue), k.dropped))
		default: // the sender took one meanwhile
		}
	}
}

// run posts the queued alerts until ctx ends.
func (k *hook) run(ctx context.Context) {
	defer close(k.done)
	for {
		select {
		case <-ctx.Done():
			k.ended = ctx.Err()
			return
		case body := <-k.queue:
			err := k.post(ctx, body)
			if ctx.Err() != nil {
				if err != nil {
					k.lost = 1
				}
				k.ended = ctx.Err()
				return
			}
			if err != nil {
				k.report(err)
			}
		}
	}
}

// wait returns when run has, and says how many alerts were not sent:
// the one run was sending and those queued. The watch's goroutine calls
// it once it sends no more, so the alerts it queued after run returned
// are counted too.
func (k *hook) wait() {
	<-k.done
	if n := len(k.queue) + k.lost; n > 0 {
		k.report(fmt.Errorf("trace: watch: webhook: %d alerts not sent: %w", n, k.ended))
	}
}

// post sends one alert, retrying 5xx, 429 and network failures with
// doubling waits that end with ctx.
func (k *hook) post(ctx context.Context, body []byte) error {
	wait := 500 * time.Millisecond
	var last error
	for try := 0; try <= k.retries; try++ {
		if try > 0 {
			if !sleep(ctx, wait) {
				return ctx.Err()
			}
			wait *= 2
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, k.url, bytes.NewReader(body))
		if err != nil {
			return fmt.Errorf("trace: watch: webhook: %w", err)
		}
		req.Header.Set("Content-Type", "application/json")
		resp, err := k.client.Do(req)
		if err != nil {
			last = err
			continue
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode < 300 {
			return nil
		}
		last = fmt.Errorf("HTTP %s", resp.Status)
		if resp.StatusCode < 500 && resp.StatusCode != http.StatusTooManyRequests {
			break // the hook refuses the alert; retrying will not change that
		}
	}
	return fmt.Errorf("trace: watch: webhook: %w", last)
}
