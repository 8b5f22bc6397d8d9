package schedule

import (
	"testing"
	"time"

	"leadmart/config"
)

func berlin(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func wallClock(t *testing.T, expr string) WallClock {
	t.Helper()
	spec, err := config.CronParser().Parse(expr)
	if err != nil {
		t.Fatal(err)
	}
	return WallClock{Spec: spec, Loc: berlin(t)}
}

// firings steps a fake clock through a schedule: each firing is the next
// after the one before, as cron asks after every run.
func firings(s WallClock, from time.Time, n int) []string {
	var out []string
	t := from
	for range n {
		t = s.Next(t)
		out = append(out, t.In(s.Loc).Format("2006-01-02 15:04 MST")+" = "+t.UTC().Format("15:04Z"))
	}
	return out
}

func TestFiringAcrossDaylightSaving(t *testing.T) {
	loc := berlin(t)
	cases := []struct {
		name, expr string
		from       time.Time
		want       []string
	}{
		{"nightly at 02:00 across spring forward: the missing 02:00 fires at 03:00, once", "0 2 * * *",
			time.Date(2026, 3, 28, 12, 0, 0, 0, loc), []string{
				"2026-03-29 03:00 CEST = 01:00Z", "2026-03-30 02:00 CEST = 00:00Z", "2026-03-31 02:00 CEST = 00:00Z"}},
		{"nightly at 02:30 across spring forward", "30 2 * * *",
			time.Date(2026, 3, 28, 12, 0, 0, 0, loc), []string{
				"2026-03-29 03:00 CEST = 01:00Z", "2026-03-30 02:30 CEST = 00:30Z"}},
		{"nightly at 02:30 across fall back: the repeated hour fires once", "30 2 * * *",
			time.Date(2026, 10, 24, 12, 0, 0, 0, loc), []string{
				"2026-10-25 02:30 CEST = 00:30Z", "2026-10-26 02:30 CET = 01:30Z", "2026-10-27 02:30 CET = 01:30Z"}},
		{"nightly at 02:00 across fall back", "0 2 * * *",
			time.Date(2026, 10, 24, 12, 0, 0, 0, loc), []string{
				"2026-10-25 02:00 CEST = 00:00Z", "2026-10-26 02:00 CET = 01:00Z"}},
		{"monthly report at 06:00 on the 1st, across both changes", "0 6 1 * *",
			time.Date(2026, 2, 15, 0, 0, 0, 0, loc), []string{
				"2026-03-01 06:00 CET = 05:00Z", "2026-04-01 06:00 CEST = 04:00Z", "2026-05-01 06:00 CEST = 04:00Z",
				"2026-06-01 06:00 CEST = 04:00Z", "2026-07-01 06:00 CEST = 04:00Z", "2026-08-01 06:00 CEST = 04:00Z",
				"2026-09-01 06:00 CEST = 04:00Z", "2026-10-01 06:00 CEST = 04:00Z", "2026-11-01 06:00 CET = 05:00Z"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := firings(wallClock(t, c.expr), c.from, len(c.want))
			for i := range c.want {
				if got[i] != c.want[i] {
					t.Errorf("firing %d: got %s, want %s", i+1, got[i], c.want[i])
				}
			}
		})
	}
}

// A daemon started inside the repeated hour, after the job's first
// occurrence, does not run it again in the second.
func TestRepeatedHourAfterRestart(t *testing.T) {
	s := wallClock(t, "30 2 * * *")
	// 02:15 CET, the second 02:15 of 25 October 2026 (00:15 UTC was the first)
	restart := time.Date(2026, 10, 25, 1, 15, 0, 0, time.UTC)
	if got := s.Next(restart).In(s.Loc).Format("2006-01-02 15:04 MST"); got != "2026-10-26 02:30 CET" {
		t.Errorf("next after a restart at the second 02:15: %s, want the next day", got)
	}
}

func TestCatchUpAfterThreeDaysDown(t *testing.T) {
	s := wallClock(t, "0 2 * * *")
	loc := s.Loc
	last := time.Date(2026, 3, 27, 2, 0, 5, 0, loc) // the last success, Friday night
	now := time.Date(2026, 3, 30, 9, 0, 0, 0, loc)  // back on Monday morning
	missed := Missed(s, last, now)
	if len(missed) != 3 {
		t.Fatalf("missed %v, want the three nights 28, 29 (at 03:00, spring forward) and 30 March", missed)
	}
	cases := []struct {
		policy string
		runs   int
		why    string
	}{
		{"latest", 1, "3 missed since 2026-03-28T02:00:00+01:00; catch_up latest: running the newest once"},
		{"none", 0, "3 missed since 2026-03-28T02:00:00+01:00; catch_up none: waiting for the next time"},
		{"all", 3, "3 missed since 2026-03-28T02:00:00+01:00; catch_up all: running each, oldest first"},
	}
	for _, c := range cases {
		runs, why := CatchUp(c.policy, missed)
		if len(runs) != c.runs || why != c.why {
			t.Errorf("%s: %d runs (%s), want %d (%s)", c.policy, len(runs), why, c.runs, c.why)
		}
	}
	if runs, _ := CatchUp("latest", missed); !runs[0].Equal(missed[2]) {
		t.Errorf("latest runs %s, want the newest %s", runs[0], missed[2])
	}
	if got := Missed(s, time.Time{}, now); got != nil {
		t.Errorf("with no run on record: %v, want none missed", got)
	}
}
