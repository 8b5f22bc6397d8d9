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
			dir, res := built.Copy(t, "../testdata/mql_closed_deals", c.asOf)
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

// A won date before the lead's creation, as real exports have in a few
// rows, does not block the publication: the warning check names the lead,
// the lead counts as won, and it has no duration.
func TestStageBeforeCreationWarns(t *testing.T) {
	t.Parallel()
	dir := whtest.CopyFixture(t, "../testdata/mql_closed_deals")
	replaceIn(t, dir+"/closed_deals.csv", "m06,s3,sdr1,sr1,06-02-2018 00:00", "m06,s3,sdr1,sr1,20-01-2018 00:00")
	res := whtest.MustRun(t, dir, "2018-06-30")
	want := "check core.fct_lead stages_in_order: 1 failing rows, e.g. (lead_id=m06, problem=sql_at 2018-01-20 00:00:00 is before mql_at 2018-02-01 00:00:00)"
	if len(res.Warnings) != 1 || res.Warnings[0] != want {
		t.Errorf("warnings:\n got %q\nwant [%q]", res.Warnings, want)
	}
	// organic_search: m01 won after 10.604167 days; m06 won, but 12 days before its creation
	whtest.Equal(t, whtest.Query(t, whtest.Published(dir), `select won, days_lead_won_p50 from mart.kpi_lead_outcomes
		where dimension = 'channel' and dimension_value = 'organic_search'`), [][]string{
		{"won", "days_lead_won_p50"},
		{"2", "10.604167"},
	})
}
