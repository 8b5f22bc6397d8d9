package schedule

import (
	"fmt"
	"time"

	"github.com/robfig/cron/v3"
)

// Missed lists the firings of s after last and up to now: the runs a
// daemon that was down missed. A zero last (no run on record) misses none.
func Missed(s cron.Schedule, last, now time.Time) []time.Time {
	if last.IsZero() {
		return nil
	}
	var out []time.Time
	for t := s.Next(last); !t.IsZero() && !t.After(now); t = s.Next(t) {
		out = append(out, t)
	}
	return out
}

// CatchUp decides which missed firings run now under a policy: latest
// (the newest only), none, or all (each, oldest first); and says why.
func CatchUp(policy string, missed []time.Time) ([]time.Time, string) {
	if len(missed) == 0 {
		return nil, "no run missed"
	}
	span := fmt.Sprintf("%d missed since %s", len(missed), missed[0].Format(time.RFC3339))
	switch policy {
	case "none":
		return nil, span + "; catch_up none: waiting for the next time"
	case "all":
		return missed, span + "; catch_up all: running each, oldest first"
	default:
		return missed[len(missed)-1:], span + "; catch_up latest: running the newest once"
	}
}
