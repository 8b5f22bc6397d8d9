package sqlmodels_test

import (
	"testing"

	"leadmart/internal/modeltest"
	"leadmart/internal/whtest"
)

// Two exports in shapes no one here designed, mapped by their YAML alone;
// every expected figure is computed by hand in the fixture's README.md.

// An MQL-only leads file with dd-mm-yyyy dates and empty channels, and a
// closed-deals file keyed by lead id that marks those leads won.
func TestGoldenMQLsAndClosedDeals(t *testing.T) {
	db := modeltest.Fixture(t, "../testdata/mql_closed_deals", "2018-06-30")
	db.Build(t, "mart.kpi_lead_outcomes")
	db.Build(t, "mart.kpi_time_to_won")
	whtest.Equal(t, db.Query(t, `select dimension, dimension_value, leads, mqls, won, lost, open, win_rate_count,
		conversion_lead_won, conversion_mql_won, days_lead_won_p50, days_lead_won_p75
		from mart.kpi_lead_outcomes where dimension in ('all', 'channel', 'channel_class') order by all`), [][]string{
		{"dimension", "dimension_value", "leads", "mqls", "won", "lost", "open", "win_rate_count", "conversion_lead_won", "conversion_mql_won", "days_lead_won_p50", "days_lead_won_p75"},
		{"all", "all", "12", "12", "4", "0", "8", "1", "0.333333", "0.333333", "20.989583", "33.15625"},
		{"channel", "organic_search", "4", "4", "2", "0", "2", "1", "0.5", "0.5", "7.802083", "9.203125"},
		{"channel", "paid_search", "3", "3", "1", "0", "2", "1", "0.333333", "0.333333", "31.375", "31.375"},
		{"channel", "social", "2", "2", "0", "0", "2", "", "0", "0", "", ""},
		{"channel", "unknown", "3", "3", "1", "0", "2", "1", "0.333333", "0.333333", "38.5", "38.5"},
		{"channel_class", "reactive", "9", "9", "3", "0", "6", "1", "0.333333", "0.333333", "10.604167", "20.989583"},
		{"channel_class", "unclassified", "3", "3", "1", "0", "2", "1", "0.333333", "0.333333", "38.5", "38.5"},
	})
	whtest.Equal(t, db.Query(t, `select cohort_month, channel, cohort_leads, won, days_lead_won_p50
		from mart.kpi_time_to_won order by all`), [][]string{
		{"cohort_month", "channel", "cohort_leads", "won", "days_lead_won_p50"},
		{"2018-01-01", "organic_search", "2", "1", "10.604167"},
		{"2018-01-01", "paid_search", "1", "1", "31.375"},
		{"2018-01-01", "social", "1", "0", ""},
		{"2018-01-01", "unknown", "1", "0", ""},
		{"2018-02-01", "organic_search", "2", "1", "5"},
		{"2018-02-01", "paid_search", "1", "0", ""},
		{"2018-02-01", "social", "1", "0", ""},
		{"2018-02-01", "unknown", "1", "1", "38.5"},
		{"2018-03-01", "paid_search", "1", "0", ""},
		{"2018-03-01", "unknown", "1", "0", ""},
	})
}

// An opportunity-only export with text stages, accounts keyed by name with
// a sector typo, agents by name with manager and office, and products.
func TestGoldenTextStages(t *testing.T) {
	db := modeltest.Fixture(t, "../testdata/text_stages", "2017-06-30")
	db.Build(t, "mart.kpi_win_rate")
	whtest.Equal(t, db.Query(t, `select dimension, dimension_value, opportunities, open, won, lost, unknown_outcome,
		win_rate_count, won_amount, lost_amount, win_rate_amount, days_created_won_p50, days_created_won_p75
		from mart.kpi_win_rate order by dimension, dimension_value nulls first`), [][]string{
		{"dimension", "dimension_value", "opportunities", "open", "won", "lost", "unknown_outcome", "win_rate_count", "won_amount", "lost_amount", "win_rate_amount", "days_created_won_p50", "days_created_won_p75"},
		{"all", "all", "12", "3", "6", "3", "0", "0.666667", "6960", "0", "1", "14.5", "18.75"},
		{"business_unit", "Central", "4", "1", "1", "2", "0", "0.333333", "550", "0", "1", "15", "15"},
		{"business_unit", "East", "4", "1", "3", "0", "0", "1", "1090", "0", "1", "10", "20"},
		{"business_unit", "West", "4", "1", "2", "1", "0", "0.666667", "5320", "0", "1", "17", "18.5"},
		{"industry", "", "1", "1", "0", "0", "0", "", "0", "0", "", "", ""},
		{"industry", "medical", "2", "1", "1", "0", "0", "1", "520", "0", "1", "20", "20"},
		{"industry", "retail", "4", "0", "2", "2", "0", "0.5", "5330", "0", "1", "12", "13"},
		{"industry", "technology", "5", "1", "3", "1", "0", "0.75", "1110", "0", "1", "15", "22.5"},
		{"opportunity_type", "", "12", "3", "6", "3", "0", "0.666667", "6960", "0", "1", "14.5", "18.75"},
		{"product", "GTX Basic", "5", "1", "4", "0", "0", "1", "2100", "0", "1", "17.5", "22.5"},
		{"product", "GTX Pro", "4", "1", "1", "2", "0", "0.333333", "4800", "0", "1", "14", "14"},
		{"product", "MG Special", "3", "1", "1", "1", "0", "0.5", "60", "0", "1", "10", "10"},
	})
}

// A HubSpot-shaped export: internal stage ids, ISO timestamps with Z, an
// expected close date in the close-date column of open deals, an industry
// enum, and potential from annual revenue.
func TestGoldenHubSpotDeals(t *testing.T) {
	db := modeltest.Fixture(t, "../testdata/hubspot_deals", "2024-02-29")
	db.Build(t, "mart.kpi_win_rate")
	db.Build(t, "mart.account_potential")
	whtest.Equal(t, db.Query(t, `select dimension, dimension_value, opportunities, open, won, lost, win_rate_count, win_rate_amount
		from mart.kpi_win_rate where dimension in ('all', 'industry') order by dimension, dimension_value nulls first`), [][]string{
		{"dimension", "dimension_value", "opportunities", "open", "won", "lost", "win_rate_count", "win_rate_amount"},
		{"all", "all", "4", "2", "1", "1", "0.5", "0.6001"},
		{"industry", "", "1", "1", "0", "0", "", ""},
		{"industry", "software", "2", "1", "1", "0", "1", "1"},
		{"industry", "unknown", "1", "0", "0", "1", "0", "0"},
	})
	whtest.Equal(t, db.Query(t, "select account_key, potential_revenue, potential_method, potential_class from mart.account_potential order by account_key"), [][]string{
		{"account_key", "potential_revenue", "potential_method", "potential_class"},
		{"crm:9001", "150000", "revenue_share", "C"},
		{"crm:9002", "", "", "unclassified"},
	})
}
