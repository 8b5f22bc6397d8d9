package retry

import (
	"context"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/rs/zerolog"
)

func TestDo(t *testing.T) {
	transient, permanent := errors.New("503 Service Unavailable"), errors.New("400 Bad Request")
	cases := []struct {
		name     string
		failures []error // what the attempts return before success
		attempts int
		calls    int
		retries  int
		err      string
	}{
		{"succeeds at once", nil, 4, 1, 0, ""},
		{"two transient failures, then success", []error{transient, transient}, 4, 3, 2, ""},
		{"a permanent failure is not retried", []error{Permanent(permanent)}, 4, 1, 0, "400 Bad Request"},
		{"attempts run out", []error{transient, transient, transient, transient}, 3, 3, 2, "503 Service Unavailable (after 3 attempts)"},
		{"a server's wait is taken", []error{After(transient, time.Millisecond)}, 2, 2, 1, ""},
		{"one attempt never retries", []error{transient}, 1, 1, 0, "503 Service Unavailable"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := &Retrier{Policy: Policy{Attempts: c.attempts, Initial: time.Millisecond, MaxDelay: 5 * time.Millisecond}, Log: zerolog.New(io.Discard)}
			calls := 0
			err := r.Do(context.Background(), "crm", func() error {
				calls++
				if calls <= len(c.failures) {
					return c.failures[calls-1]
				}
				return nil
			})
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != c.err || calls != c.calls || r.Counts()["crm"] != c.retries {
				t.Errorf("error %q, %d calls, %d retries; want %q, %d, %d", got, calls, r.Counts()["crm"], c.err, c.calls, c.retries)
			}
		})
	}
}

// A nil retrier runs the operation once; a cancelled context stops the waits.
func TestNilAndCancelled(t *testing.T) {
	var r *Retrier
	calls := 0
	if err := r.Do(context.Background(), "x", func() error { calls++; return Permanent(errors.New("boom")) }); err == nil || err.Error() != "boom" || calls != 1 {
		t.Errorf("nil retrier: %v after %d calls", err, calls)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	live := &Retrier{Policy: Policy{Attempts: 5, Initial: time.Hour, MaxDelay: time.Hour}}
	if err := live.Do(ctx, "x", func() error { return errors.New("down") }); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v, want context.Canceled", err)
	}
}
