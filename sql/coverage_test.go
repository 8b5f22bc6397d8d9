package sqlmodels_test

import (
	"database/sql"
	"fmt"
	"io/fs"
	"testing"

	_ "github.com/duckdb/duckdb-go/v2" // registers the "duckdb" driver

	sqlmodels "leadmart/sql"
)

// The A-class potential coverage of kpi_potential_acquisition_monthly, on
// hand-made core tables: which month ends each span covers, overlapping
// spans counted once, spans before the window, customers, and classes
// other than A left out.
//
// BU1's A accounts, potential 1000 + 100 + 10 + 5 = 1115:
//   - X1 (1000): a lead open 2026-01-10 to exactly 2026-03-01 00:00, an
//     opportunity inside it and one covering the same two month ends:
//     covered at the ends of January and February (ended >= month end), not
//     March;
//   - X2 (100): a lead opened exactly 2026-02-01 00:00 and never closed, and
//     another from March: not January (opened < month end fails), then
//     every month, once;
//   - X3 (10): a customer from 2026-03-15, and a lead of 2025 closed long
//     before the window: March and April;
//   - X5 (5): nothing open: never covered.
//
// X4 (class B) has an open lead and counts nowhere.
func TestPotentialCoverage(t *testing.T) {
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	setup := []string{
		"create schema core", "create schema staging", "create schema cfg",
		`create table cfg.params as select date '2026-04-30' as as_of, date '2026-05-01' as as_of_end, date '2026-01-01' as history_start,
			50 as size_small, 250 as size_medium, 1000 as size_large`,
		"create table cfg.channel_class (channel varchar, channel_class varchar)",
		`create table core.dim_date as select unnest(generate_series(date '2025-01-01', date '2026-04-30', interval 1 month))::date as month`,
		`create table core.dim_account as select * from (values ('X1', 'BU1'), ('X2', 'BU1'), ('X3', 'BU1'), ('X4', 'BU1'), ('X5', 'BU1'))
			as t(account_key, business_unit)`,
		`create table core.account_potential as select * from (values ('X1', 1000.0, 'A'), ('X2', 100.0, 'A'), ('X3', 10.0, 'A'),
			('X4', 1.0, 'B'), ('X5', 5.0, 'A')) as t(account_key, potential_revenue, potential_class)`,
		`create table core.fct_lead (lead_id varchar, account_key varchar, business_unit varchar, potential_class varchar,
			potential_revenue double, channel_class varchar, created_at timestamp, won_at timestamp, lost_at timestamp, disqualified_at timestamp)`,
		`insert into core.fct_lead values
			('L1', 'X1', 'BU1', 'A', 1000, 'reactive', '2026-01-10 09:00', null, '2026-03-01 00:00', null),
			('L2', 'X2', 'BU1', 'A', 100, 'reactive', '2026-02-01 00:00', null, null, null),
			('L3', 'X2', 'BU1', 'A', 100, 'proactive', '2026-03-05 09:00', null, null, null),
			('L4', 'X3', 'BU1', 'A', 10, 'reactive', '2025-06-01 09:00', null, null, '2025-07-01 09:00'),
			('L5', 'X4', 'BU1', 'B', 1, 'reactive', '2026-01-05 09:00', null, null, null)`,
		`create table core.fct_opportunity as select * from (values
			('X1', timestamp '2026-02-15 09:00', timestamp '2026-02-20 09:00'),
			('X1', timestamp '2026-01-20 09:00', timestamp '2026-03-15 09:00')) as t(account_key, created_at, closed_at)`,
		`create table core.fct_activity (lead_id varchar, month date, business_unit varchar, is_customer_facing boolean,
			is_automated boolean, duration_minutes integer)`,
		`create table core.fct_customer_acquisition as select 'X3' as account_key, date '2026-03-15' as became_customer_on,
			date '2026-03-01' as month, 'BU1' as business_unit, 'A' as potential_class, 10.0 as potential_revenue,
			'unattributed' as acquisition_class`,
		"create table core.acquisition_cost (month date, business_unit varchar, channel_class varchar, acquisition_cost double)",
	}
	for _, name := range []string{"macros.sql", "core/potential_acquisition.sql"} {
		b, err := fs.ReadFile(sqlmodels.FS, name)
		if err != nil {
			t.Fatal(err)
		}
		q := string(b)
		if name != "macros.sql" {
			q = "create table result as " + q
		}
		setup = append(setup, q)
	}
	for _, q := range setup {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	rows, err := db.Query(`select strftime(month, '%Y-%m'), a_potential, a_potential_covered, round(potential_coverage_a, 6)
		from result where business_unit = 'BU1' order by month`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []string
	for rows.Next() {
		var month string
		var potential, covered, coverage float64
		if err := rows.Scan(&month, &potential, &covered, &coverage); err != nil {
			t.Fatal(err)
		}
		got = append(got, fmt.Sprintf("%s %g %g %g", month, potential, covered, coverage))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"2026-01 1115 1000 0.896861",
		"2026-02 1115 1100 0.986547",
		"2026-03 1115 110 0.098655",
		"2026-04 1115 110 0.098655",
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("coverage by month:\n got %q\nwant %q", got, want)
	}
}
