package bench

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"time"

	_ "github.com/duckdb/duckdb-go/v2" // registers the "duckdb" driver
)

// deltaFiles are the extracts of an incremental night, beside the full ones;
// the demo configuration's globs pick them up.
var deltaFiles = []string{"crm/accounts_delta.csv", "crm/leads_delta.csv", "crm/lead_status_history_delta.csv",
	"crm/opportunities_delta.csv", "crm/activities_delta.ndjson", "erp/invoice_lines_delta.parquet"}

// WriteDelta writes the next night's extracts: 1 % of the rows of the big
// entities changed (updated the next day) and 0.5 % new, dated day.
func WriteDelta(ctx context.Context, extracts string, day time.Time) error {
	db, err := sql.Open("duckdb", "")
	if err != nil {
		return err
	}
	defer db.Close()
	p := func(rel string) string { return "'" + filepath.Join(extracts, rel) + "'" }
	ts := fmt.Sprintf("'%s 09:00:00'", day.Format(time.DateOnly))
	d := fmt.Sprintf("'%s'", day.Format(time.DateOnly))
	csv := "header=true, all_varchar=true, ignore_errors=true"
	stmts := []string{
		fmt.Sprintf(`copy (
			select * replace (%[2]s as updated_at) from read_csv(%[1]s, %[3]s) where hash(account_id) %% 100 = 0
		) to %[4]s (header)`, p("crm/accounts.csv"), ts, csv, p("crm/accounts_delta.csv")),
		fmt.Sprintf(`copy (
			select * replace (%[2]s as updated_at) from read_csv(%[1]s, %[3]s) where hash(lead_id) %% 100 = 0
			union all
			select * replace (lead_id || 'N' as lead_id, %[2]s as created_at, %[2]s as updated_at, 'New' as status,
				null as converted_at, null as opportunity_id) from read_csv(%[1]s, %[3]s) where hash(lead_id) %% 200 = 1
		) to %[4]s (header)`, p("crm/leads.csv"), ts, csv, p("crm/leads_delta.csv")),
		fmt.Sprintf(`copy (
			select lead_id || 'N' as lead_id, %[2]s as entered_at, 'New' as status
			from read_csv(%[1]s, %[3]s) where hash(lead_id) %% 200 = 1
		) to %[4]s (header)`, p("crm/leads.csv"), ts, csv, p("crm/lead_status_history_delta.csv")),
		fmt.Sprintf(`copy (
			select * replace (%[2]s as updated_at) from read_csv(%[1]s, %[3]s) where hash(opportunity_id) %% 100 = 0
		) to %[4]s (header)`, p("crm/opportunities.csv"), ts, csv, p("crm/opportunities_delta.csv")),
		fmt.Sprintf(`copy (
			select * replace (duration_minutes + 5 as duration_minutes) from read_json(%[1]s, format='newline_delimited') where hash(activity_id) %% 100 = 0
			union all
			select * replace (activity_id || 'N' as activity_id, %[2]s as occurred_at, %[2]s as logged_at)
			from read_json(%[1]s, format='newline_delimited') where hash(activity_id) %% 200 = 1
		) to %[3]s (format json)`, p("crm/activities.ndjson"), ts, p("crm/activities_delta.ndjson")),
		fmt.Sprintf(`copy (
			select * replace (net_revenue * 1.01 as net_revenue) from read_parquet(%[1]s) where hash(invoice_id, line_no) %% 100 = 0
			union all
			select * replace (invoice_id || 'N' as invoice_id, %[2]s::date as invoice_date)
			from read_parquet(%[1]s) where hash(invoice_id, line_no) %% 200 = 1
		) to %[3]s (format parquet, compression zstd)`, p("erp/invoice_lines.parquet"), d, p("erp/invoice_lines_delta.parquet")),
	}
	for _, q := range stmts {
		if _, err := db.ExecContext(ctx, q); err != nil {
			return err
		}
	}
	return nil
}

// RemoveDelta removes the delta extracts.
func RemoveDelta(extracts string) error {
	for _, f := range deltaFiles {
		if err := os.Remove(filepath.Join(extracts, f)); err != nil && !os.IsNotExist(err) {
			return err
		}
	}
	return nil
}
