package sqlmodels_test

import (
	"path/filepath"
	"testing"

	"leadmart/config"

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
			"raw.crm__campaign":   "campaign_id,source_system,_source,_batch_id,_loaded_at"}, "mart.kpi_potential_acquisition_monthly_total",
			"select reactive_cost, reactive_cost_per_win, proactive_cost_per_win from mart.kpi_potential_acquisition_monthly_total where month = '2026-02-01'",
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

// Freshness is data age: the newest updated_at where the entity has one,
// else when the extract was written; won deals without an account are
// counted, since they can never become new customers.
func TestDataQualityFreshnessAndAccountlessWins(t *testing.T) {
	cfg, err := config.Load(filepath.Join("..", "testdata", "crm_en", "leadmart.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	db := modeltest.Open(t, cfg, asOf)
	db.Given(t, "ops.batches", `
		batch_id,run_id,source,system,entity,file,content_hash,rows,rejected,duplicate_keys,load_date,parquet_path,loaded_at,extracted_at
		b1,r1,crm_leads,crm,lead,leads.csv,h1,2,0,0,2026-03-31,p1,2026-03-31 02:00:00,2026-03-30 23:00:00
		b2,r1,crm_opportunities,crm,opportunity,opps.csv,h2,2,0,0,2026-03-31,p2,2026-03-31 02:00:00,2026-03-30 23:00:00
		b3,r0,crm_reps,crm,rep,reps.csv,h3,1,0,0,2026-03-20,p3,2026-03-20 02:00:00,2026-03-19 23:00:00`)
	db.Given(t, "raw.crm__lead", `
		lead_id,created_at,updated_at,source_system,_source,_batch_id,_loaded_at
		L1,2026-01-01 09:00:00,2026-03-01 09:00:00,crm,crm_leads,b1,2026-03-31 02:00:00
		L2,2026-01-02 09:00:00,2026-03-21 09:00:00,crm,crm_leads,b1,2026-03-31 02:00:00`)
	db.Given(t, "raw.crm__opportunity", `
		opportunity_id,account_id,created_at,stage,closed_at,source_system,_source,_batch_id,_loaded_at
		O1,,2026-01-05 09:00:00,won,2026-02-01 09:00:00,crm,crm_opportunities,b2,2026-03-31 02:00:00
		O2,A1,2026-01-06 09:00:00,won,2026-02-02 09:00:00,crm,crm_opportunities,b2,2026-03-31 02:00:00`)
	db.Given(t, "raw.crm__rep", `
		rep_id,business_unit,source_system,_source,_batch_id,_loaded_at
		R1,BU_A,crm,crm_reps,b3,2026-03-20 02:00:00`)
	db.Build(t, "mart.kpi_data_quality")
	whtest.Equal(t, db.Query(t, "select system, entity, row_count, won_without_account, newest_at, freshness_days from mart.kpi_data_quality order by all"), [][]string{
		{"system", "entity", "row_count", "won_without_account", "newest_at", "freshness_days"},
		{"crm", "lead", "2", "", "2026-03-21 09:00:00", "10"},
		{"crm", "opportunity", "2", "1", "2026-03-30 23:00:00", "1"},
		{"crm", "rep", "1", "", "2026-03-19 23:00:00", "12"},
	})
}

// A lead without an account is estimated like an account: a lead with an
// industry but no employee count takes the industry's median employees,
// and potential_source names the method that estimated it.
func TestLeadPotentialFallback(t *testing.T) {
	db := modeltest.Fixture(t, "../testdata/kpis", asOf)
	db.Given(t, "raw.crm__lead", `
		lead_id,created_at,channel,industry,employees,source_system,_source,_batch_id,_loaded_at
		L5,2026-02-06 09:00:00,web_form,machinery,20,crm,crm_leads,b1,2026-03-31 02:00:00
		L6,2026-02-07 09:00:00,web_form,Machinery,,crm,crm_leads,b1,2026-03-31 02:00:00
		L7,2026-02-08 09:00:00,web_form,,,crm,crm_leads,b1,2026-03-31 02:00:00`)
	db.Build(t, "mart.fct_lead")
	// machinery: 100 per employee; accounts' median employees (10, 50, 100, 500, 1000) = 100;
	// class B starts at 12000 (A4), so both estimates are C
	whtest.Equal(t, db.Query(t, "select lead_id, potential_revenue, potential_source, potential_class from mart.fct_lead order by lead_id"), [][]string{
		{"lead_id", "potential_revenue", "potential_source", "potential_class"},
		{"L5", "2000", "benchmark", "C"},
		{"L6", "10000", "benchmark", "C"},
		{"L7", "", "", "unclassified"},
	})
}
