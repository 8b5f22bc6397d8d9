// Package schedule is the daemon behind `leadmart schedule`: robfig/cron
// fires the configured jobs in the business time zone, with what cron
// itself leaves out: daylight-saving changes handled by the wall clock,
// catch-up of missed runs, no overlap, panic recovery, retries of a held
// lock, a clean stop, and Prometheus metrics.
package schedule

import (
	"time"

	"leadmart/config"
	"leadmart/jobs"

	"github.com/robfig/cron/v3"
)

// WallClock fires a cron schedule by the wall clock of loc. robfig/cron
// skips a time that a spring-forward change leaves out (02:30 on the last
// Sunday of March in Europe/Berlin) and can fire twice in the hour an
// autumn change repeats. WallClock evaluates the expression on wall-clock
// time, which has no such changes, then places the result in loc: a
// missing time fires at the first minute after the gap (03:00), once,
// and a repeated hour fires once, at its first occurrence.
type WallClock struct {
	Spec cron.Schedule // parsed without a time zone
	Loc  *time.Location
}

// Next is the first firing after t.
func (w WallClock) Next(t time.Time) time.Time {
	local := t.In(w.Loc)
	wall := asUTC(local)
	for {
		next := w.Spec.Next(wall)
		if next.IsZero() {
			return next
		}
		at := place(next, w.Loc)
		if at.After(t) {
			return at
		}
		// the wall time maps to an instant not after t: the repeated hour
		// of an autumn change, which fired in its first occurrence
		wall = next
	}
}

// asUTC is the same wall-clock reading as a UTC time.
func asUTC(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.UTC)
}

// place is the instant loc's clocks show wall (a UTC reading) at: the first
// of two in a repeated hour, and for a reading a spring-forward change
// skips, the first instant after the gap.
func place(wall time.Time, loc *time.Location) time.Time {
	t := time.Date(wall.Year(), wall.Month(), wall.Day(), wall.Hour(), wall.Minute(), wall.Second(), 0, loc)
	if asUTC(t).Equal(wall) {
		// in a repeated hour Go may choose the second occurrence: take the first
		if earlier := t.Add(-time.Hour); asUTC(earlier.In(loc)).Equal(wall) {
			return earlier
		}
		return t
	}
	// in a gap: the first instant whose reading is past wall (Go may have
	// placed the reading before the gap or after it)
	t = t.Truncate(time.Minute)
	for !asUTC(t.In(loc)).After(wall) {
		t = t.Add(time.Minute)
	}
	for asUTC(t.Add(-time.Minute).In(loc)).After(wall) {
		t = t.Add(-time.Minute)
	}
	return t
}

// NextRuns are the next firing of each configured job after now.
func NextRuns(cfg *config.Config, now time.Time) []jobs.NextRun {
	var out []jobs.NextRun
	for _, j := range cfg.Schedule.Jobs {
		spec, err := config.CronParser().Parse(j.Cron)
		if err != nil {
			continue // the config was validated: not reached
		}
		out = append(out, jobs.NextRun{Job: j.Name, At: WallClock{Spec: spec, Loc: cfg.Location()}.Next(now)})
	}
	return out
}
