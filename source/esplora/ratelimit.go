package esplora

import (
	"context"
	"sync"
	"time"
)

// limiter is a token bucket shared by every request of a Client: it holds
// up to burst tokens, gains rate a second, and a request takes one. A
// server's Retry-After pauses it, so that the other goroutines of a
// trace wait too instead of each earning its own 429.
type limiter struct {
	mu     sync.Mutex
	rate   float64 // tokens a second; <= 0 means no limit
	burst  float64
	tokens float64
	last   time.Time
	until  time.Time // no request before this
}

func newLimiter(rate float64) *limiter {
	burst := max(1, rate)
	return &limiter{rate: rate, burst: burst, tokens: burst, last: time.Now()}
}

// wait blocks until a request may be sent, or ctx ends.
func (l *limiter) wait(ctx context.Context) error {
	for {
		d := l.take(time.Now())
		if d <= 0 {
			return nil
		}
		if err := sleep(ctx, d); err != nil {
			return err
		}
	}
}

// take takes a token at now, or says how long to wait for one.
func (l *limiter) take(now time.Time) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Before(l.until) {
		return l.until.Sub(now)
	}
	if l.rate <= 0 {
		return 0
	}
	if now.After(l.last) {
		l.tokens = min(l.burst, l.tokens+now.Sub(l.last).Seconds()*l.rate)
		l.last = now
	}
	if l.tokens >= 1 {
		l.tokens--
		return 0
	}
	return time.Duration((1 - l.tokens) / l.rate * float64(time.Second))
}

// pause holds every request until t.
func (l *limiter) pause(t time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if t.After(l.until) {
		l.until = t
	}
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
