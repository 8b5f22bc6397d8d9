package sqlmodels_test

import (
	"testing"

	"leadmart/internal/modeltest"
	"leadmart/internal/whtest"
)

// The current month of a monthly mart is marked partial: as of the 15th
// of March, March is not complete and February is; as of the last day of
// March, March is complete.
func TestMonthComplete(t *testing.T) {
	cases := []struct {
		asOf string
		want [][]string
	}{
		{"2026-03-15", [][]string{{"month", "month_complete"}, {"2026-02-01", "true"}, {"2026-03-01", "false"}}},
		{"2026-03-31", [][]string{{"month", "month_complete"}, {"2026-02-01", "true"}, {"2026-03-01", "true"}}},
	}
	for _, c := range cases {
		db := modeltest.Fixture(t, "../testdata/kpis", c.asOf)
		db.Build(t, "mart.kpi_potential_acquisition_monthly_total")
		whtest.Equal(t, db.Query(t, "select month, month_complete from mart.kpi_potential_acquisition_monthly_total where month >= '2026-02-01' order by 1"), c.want)
	}
}
