package sqlmodels_test

import (
	"testing"

	"leadmart/internal/modeltest"
	"leadmart/internal/whtest"
)

// A missing source is unknown, not 0: the golden fixtures with one source
// emptied, and the figure that depends on it NULL where it was a number.
func TestMissingSourceIsNullNotZero(t *testing.T) {
	cases := []struct {
		name, fixture string
		empty         map[string]string // raw table -> its header, given without rows
		model, query  string
		want          [][]string
	}{
		{"no activities: response share unknown", "../testdata/crm_en",
			map[string]string{"raw.crm__activity": "activity_id,type,occurred_at,source_system,_source,_batch_id,_loaded_at"}, "mart.kpi_funnel_monthly",
			"select count(*) as rows, count(response_within_sla_share) as known from mart.kpi_funnel_monthly",
			[][]string{{"rows", "known"}, {"6", "0"}}},
		{"no sales cost and no campaigns: cost per win unknown", "../testdata/kpis", map[string]string{
			"raw.erp__sales_cost": "business_unit,month,cost_type,amount,source_system,_source,_batch_id,_loaded_at",
			"raw.crm__campaign":   "campaign_id,source_system,_source,_batch_id,_loaded_at"}, "mart.kpi_potential_acquisition_monthly",
			"select reactive_cost, reactive_cost_per_win, proactive_cost_per_win from mart.kpi_potential_acquisition_monthly where month = '2026-02-01' and business_unit = 'all'",
			[][]string{{"reactive_cost", "reactive_cost_per_win", "proactive_cost_per_win"}, {"", "", ""}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			db := modeltest.Fixture(t, c.fixture, asOf)
			for table, header := range c.empty {
				db.Given(t, table, header)
			}
			db.Build(t, c.model)
			whtest.Equal(t, db.Query(t, c.query), c.want)
		})
	}
}
