// Package retry retries transient failures (an unreachable source, HTTP
// 429 and 5xx, a refused database connection, a warehouse another command
// holds) with exponential backoff and jitter, through cenkalti/backoff,
// and counts and logs every retry.
package retry

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/cenkalti/backoff/v5"
	"github.com/rs/zerolog"
)

// Retrier runs operations under one policy and counts their retries by
// what was retried (a source's name, "lock").
type Retrier struct {
	Policy
	Log zerolog.Logger

	mu     sync.Mutex
	counts map[string]int
}

// Policy bounds the retries of one operation.
type Policy struct {
	// Attempts in all, the first included; 1 never retries.
	Attempts int
	// Initial is the first wait; it doubles, with ±50 % jitter, up to MaxDelay.
	Initial, MaxDelay time.Duration
}

// Permanent marks a failure a retry would not change: it is returned at once.
func Permanent(err error) error { return backoff.Permanent(err) }

// After marks a transient failure whose server asked for a wait (Retry-After).
func After(err error, wait time.Duration) error {
	return afterError{err, wait}
}

type afterError struct {
	error
	wait time.Duration
}

func (e afterError) Unwrap() error { return e.error }

// Do runs op until it succeeds, fails permanently, or the attempts are
// used up; what names it in logs and counts.
func (r *Retrier) Do(ctx context.Context, what string, op func() error) error {
	if r == nil {
		return unwrapPermanent(op())
	}
	return r.DoWith(ctx, r.Policy, what, op)
}

// DoWith is Do under another policy (a source's own attempts), counted
// and logged with the rest.
func (r *Retrier) DoWith(ctx context.Context, p Policy, what string, op func() error) error {
	b := &backoff.ExponentialBackOff{InitialInterval: max(p.Initial, time.Millisecond), RandomizationFactor: 0.5,
		Multiplier: 2, MaxInterval: max(p.MaxDelay, p.Initial, time.Millisecond)}
	attempt := 1
	_, err := backoff.Retry(ctx, func() (struct{}, error) {
		err := op()
		var after afterError
		if errors.As(err, &after) && after.wait > 0 {
			// the server's wait, bounded by ours
			return struct{}{}, errors.Join(err, backoff.RetryAfter(int(min(after.wait, max(p.MaxDelay, time.Second)).Seconds())))
		}
		return struct{}{}, err
	}, backoff.WithBackOff(b), backoff.WithMaxTries(uint(max(p.Attempts, 1))), backoff.WithMaxElapsedTime(0),
		backoff.WithNotify(func(err error, wait time.Duration) {
			r.count(what)
			r.Log.Warn().Str("retry", what).Int("attempt", attempt).Int("attempts", p.Attempts).
				Dur("wait", wait).Err(err).Msg("transient failure, retrying")
			attempt++
		}))
	if err != nil && attempt > 1 {
		return &ExhaustedError{Err: unwrapPermanent(err), Attempts: attempt}
	}
	return unwrapPermanent(err)
}

// ExhaustedError is a failure after retries.
type ExhaustedError struct {
	Err      error
	Attempts int
}

func (e *ExhaustedError) Error() string {
	return e.Err.Error() + fmt.Sprintf(" (after %d attempts)", e.Attempts)
}

func (e *ExhaustedError) Unwrap() error { return e.Err }

func unwrapPermanent(err error) error {
	var p *backoff.PermanentError
	if errors.As(err, &p) {
		return p.Unwrap()
	}
	return err
}

func (r *Retrier) count(what string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.counts == nil {
		r.counts = map[string]int{}
	}
	r.counts[what]++
}

// Counts are the retries so far, by what was retried.
func (r *Retrier) Counts() map[string]int {
	if r == nil {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make(map[string]int, len(r.counts))
	for k, v := range r.counts {
		out[k] = v
	}
	return out
}
