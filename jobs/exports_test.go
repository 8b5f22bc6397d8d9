package jobs_test

import (
	"testing"
	"time"

	"leadmart/internal/whtest"
)

// Old data run as of the default date gives empty windows and says so; as
// of the newest data date it fills them.
func TestOldExportAsOfData(t *testing.T) {
	t.Parallel()
	cases := []struct {
		asOf, wantAsOf string
		wantWarnings   []string
		wantFunnelRows string
	}{
		{"2026-11-28", "2026-11-28", []string{"no landed data falls in the KPI window 2024-12-01 to 2026-11-28: the data runs from 2018-01-02 to 2018-03-20, so the monthly and daily marts are empty; run with --as-of 2018-03-20 (or --as-of data)"}, "0"},
		{"data", "2018-03-20", nil, "10"},
	}
	for _, c := range cases {
		t.Run(c.asOf, func(t *testing.T) {
			t.Parallel()
			dir := whtest.CopyFixture(t, "../testdata/mql_closed_deals")
			res := whtest.MustRun(t, dir, c.asOf)
			if got := res.AsOf.Format(time.DateOnly); got != c.wantAsOf {
				t.Errorf("as of: got %s, want %s", got, c.wantAsOf)
			}
			if len(res.Warnings) != len(c.wantWarnings) || (len(c.wantWarnings) > 0 && res.Warnings[0] != c.wantWarnings[0]) {
				t.Errorf("warnings:\n got %q\nwant %q", res.Warnings, c.wantWarnings)
			}
			whtest.Equal(t, whtest.Query(t, whtest.Published(dir), `select (select count(*) from mart.kpi_funnel_monthly),
				won, conversion_mql_won from mart.kpi_lead_outcomes where dimension = 'all'`), [][]string{
				{"(SELECT count_star() FROM mart.kpi_funnel_monthly)", "won", "conversion_mql_won"},
				{c.wantFunnelRows, "4", "0.333333"},
			})
		})
	}
}
