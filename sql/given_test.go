package sqlmodels_test

import (
	"path/filepath"
	"testing"

	"leadmart/config"
	"leadmart/internal/modeltest"
	"leadmart/internal/whtest"
)

// fct_lead on given raw rows, dbt-unit-test style: raw holds the values
// mapped at landing, in any case, and staging lowercases them; a channel without a class is "unclassified", and a lead outside the
// history window is still a row. Only the models fct_lead reads are built;
// every other raw table is empty.
func TestFctLeadOnGivenRows(t *testing.T) {
	cfg, err := config.Load(filepath.Join("..", "testdata", "crm_en", "leadmart.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	db := modeltest.Open(t, cfg, asOf)
	db.Given(t, "raw.crm__lead", `
		lead_id,created_at,channel,status,source_system,_source,_batch_id,_loaded_at
		G1,2026-02-03 08:00:00,Web_Form,Won,crm,crm_leads,b1,2026-03-31 02:00:00
		G2,2026-02-04 09:30:00,fax,lead,crm,crm_leads,b1,2026-03-31 02:00:00
		G3,2019-05-01 10:00:00,outbound_prospecting,MQL,crm,crm_leads,b1,2026-03-31 02:00:00`)
	db.Build(t, "mart.fct_lead")
	whtest.Equal(t, db.Query(t, "select lead_id, lead_at, channel_class, current_stage from mart.fct_lead order by lead_id"), [][]string{
		{"lead_id", "lead_at", "channel_class", "current_stage"},
		{"G1", "2026-02-03 08:00:00", "reactive", "won"},
		{"G2", "2026-02-04 09:30:00", "unclassified", "lead"},
		{"G3", "2019-05-01 10:00:00", "proactive", "mql"},
	})
}

// Two CRM instances that reuse the same ids (a company with two CRMs after
// an acquisition) never merge: the second instance's keys carry its
// source_system, and its history and opportunities join its own leads.
func TestTwoCRMInstancesDoNotMerge(t *testing.T) {
	cfg, err := config.Load(filepath.Join("..", "testdata", "crm_en", "leadmart.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	db := modeltest.Open(t, cfg, asOf)
	db.Given(t, "raw.crm__lead", `
		lead_id,created_at,channel,account_id,source_system,_source,_batch_id,_loaded_at
		L1,2026-02-01 09:00:00,web_form,A1,crm,crm_leads,b1,2026-03-31 02:00:00
		L2,2026-02-02 09:00:00,web_form,,crm,crm_leads,b1,2026-03-31 02:00:00
		L1,2026-02-05 09:00:00,outbound_prospecting,A1,crm_b,crm_b_leads,b2,2026-03-31 02:00:00`)
	db.Given(t, "raw.crm__lead_status_history", `
		lead_id,entered_at,status,source_system,_source,_batch_id,_loaded_at
		L1,2026-02-10 09:00:00,won,crm_b,crm_b_history,b3,2026-03-31 02:00:00`)
	db.Given(t, "raw.crm__account", `
		account_id,name,industry,source_system,_source,_batch_id,_loaded_at
		A1,Alpha GmbH,machinery,crm,crm_accounts,b4,2026-03-31 02:00:00
		A1,Beta AG,retail,crm_b,crm_b_accounts,b5,2026-03-31 02:00:00`)
	db.Build(t, "mart.fct_lead")
	whtest.Equal(t, db.Query(t, "select lead_id, account_key, channel, industry, outcome, won_at from mart.fct_lead order by lead_id"), [][]string{
		{"lead_id", "account_key", "channel", "industry", "outcome", "won_at"},
		{"L1", "crm:A1", "web_form", "machinery", "open", ""},
		{"L2", "", "web_form", "", "open", ""},
		{"crm_b:L1", "crm:crm_b:A1", "outbound_prospecting", "retail", "won", "2026-02-10 09:00:00"},
	})
}

// Four business units split 1/2/1, not 2/1/1: the top and bottom thirds
// that the study compares have the same size, published in business_units.
func TestMaturityThirdsOfEqualSize(t *testing.T) {
	cfg, err := config.Load(filepath.Join("..", "testdata", "kpis", "leadmart.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	db := modeltest.Open(t, cfg, "2026-03-31")
	db.Given(t, "mart.kpi_digital_maturity", `
		business_unit,assessed_on:DATE,maturity_index:DOUBLE,maturity_level:INTEGER
		B1,2026-01-15,90,5
		B2,2026-01-15,70,4
		B3,2026-01-15,50,3
		B4,2026-01-15,30,2`)
	db.Given(t, "staging.stg_finance__bu_financials", `
		business_unit,year:INTEGER,revenue:DOUBLE,ebitda:DOUBLE
		B1,2025,1000,120
		B2,2025,1000,100
		B3,2025,1000,80
		B4,2025,1000,60`)
	db.Build(t, "mart.kpi_maturity_vs_performance")
	whtest.Equal(t, db.Query(t, `select maturity_group, business_units, avg_maturity_index, avg_ebitda_margin
		from mart.kpi_maturity_vs_performance where grouping in ('tercile', 'difference') order by maturity_group`), [][]string{
		{"maturity_group", "business_units", "avg_maturity_index", "avg_ebitda_margin"},
		{"bottom_third", "1", "30", "0.06"},
		{"middle_third", "2", "60", "0.09"},
		{"top_minus_bottom", "", "60", "0.06"},
		{"top_third", "1", "90", "0.12"},
	})
}

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
