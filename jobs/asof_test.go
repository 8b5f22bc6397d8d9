package jobs

import (
	"testing"
	"time"
)

func TestAsOfFromDataAndWindowWarning(t *testing.T) {
	d := func(s string) time.Time {
		v, err := time.Parse(time.DateOnly, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	yesterday := d("2026-11-28")
	cases := []struct {
		name               string
		data               DataRange
		wantAsOf           string
		historyStart, asOf string
		wantWarning        string
	}{
		{"old data: as of its last day", DataRange{d("2016-10-14"), d("2017-12-31")}, "2017-12-31", "2024-12-01", "2026-11-28",
			"no landed data falls in the KPI window 2024-12-01 to 2026-11-28: the data runs from 2016-10-14 to 2017-12-31, so the monthly and daily marts are empty; run with --as-of 2017-12-31 (or --as-of data)"},
		{"future dates: yesterday", DataRange{d("2026-01-01"), d("2027-03-01")}, "2026-11-28", "2024-12-01", "2026-11-28", ""},
		{"no data: yesterday, no warning", DataRange{}, "2026-11-28", "2024-12-01", "2026-11-28", ""},
		{"data after the window", DataRange{d("2026-12-01"), d("2026-12-05")}, "2026-11-28", "2024-12-01", "2026-11-28",
			"no landed data falls in the KPI window 2024-12-01 to 2026-11-28: the data runs from 2026-12-01 to 2026-12-05, so the monthly and daily marts are empty; run with --as-of 2026-12-05 (or --as-of data)"},
		{"overlap at the window's first day", DataRange{d("2020-01-01"), d("2024-12-01")}, "2024-12-01", "2024-12-01", "2026-11-28", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := asOfFromData(c.data, yesterday).Format(time.DateOnly); got != c.wantAsOf {
				t.Errorf("as of: got %s, want %s", got, c.wantAsOf)
			}
			if got := windowWarning(c.data, d(c.historyStart), d(c.asOf)); got != c.wantWarning {
				t.Errorf("warning:\n got %q\nwant %q", got, c.wantWarning)
			}
		})
	}
}
