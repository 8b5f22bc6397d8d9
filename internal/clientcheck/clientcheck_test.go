// Package clientcheck holds a test that reads leadmart's publications with
// independent clients (read.mjs: @duckdb/node-api and hyparquet).
package clientcheck

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"leadmart/internal/whtest"
)

type seen struct {
	RunID       []string `json:"run_id"`
	LeadsWorked struct {
		Detail, Total int64
	} `json:"leads_worked"`
	Tables map[string]struct {
		Rows    int64    `json:"rows"`
		Columns []string `json:"columns"`
		// Parquet only: each column's type in the files, and in the manifest
		Types, Manifest map[string]string
	} `json:"tables"`
	// DuckDB only: the key each table declares
	Keys map[string]struct{ Kind, Columns string } `json:"keys"`
}

// Another DuckDB build and a pure-JS Parquet reader see exactly the tables,
// row counts and column names that mart.publication and the file declare.
func TestIndependentClientsReadThePublication(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("SKIPPING: node is not installed; CI installs it to run this test")
	}
	if _, err := os.Stat("node_modules/@duckdb/node-api"); err != nil {
		t.Skip("SKIPPING: run `npm ci --prefix internal/clientcheck` first (CI does)")
	}
	dir := whtest.CopyFixture(t, "../../testdata/crm_en")
	res := whtest.MustRun(t, dir, "2026-03-31")
	out, err := exec.Command(node, "read.mjs", filepath.Join(dir, "warehouse")).Output()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			t.Fatalf("read.mjs: %v\n%s", err, ee.Stderr)
		}
		t.Fatal(err)
	}
	var got struct{ DuckDB, Parquet seen }
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("read.mjs output: %v\n%s", err, out)
	}

	// a plain sum() over the detail table counts no total row twice
	if lw := got.DuckDB.LeadsWorked; lw.Total == 0 || lw.Detail != lw.Total {
		t.Errorf("leads worked: sum over kpi_potential_acquisition_monthly %d, kpi_potential_acquisition_monthly_total %d; want equal and above 0", lw.Detail, lw.Total)
	}
	db := whtest.Published(dir)
	// the keys a BI tool detects are the ones mart.publication states
	keys := whtest.Query(t, db, "select table_name, primary_key, key_kind from mart.publication where primary_key is not null order by 1")
	if len(keys) < 30 || len(got.DuckDB.Keys) != len(keys) {
		t.Errorf("@duckdb/node-api sees keys on %d tables, mart.publication states %d", len(got.DuckDB.Keys), len(keys)-1)
	}
	for _, r := range keys[1:] {
		if k := got.DuckDB.Keys[r[0]]; k.Columns != r[1] || k.Kind != r[2] {
			t.Errorf("%s: @duckdb/node-api sees key %+v, mart.publication states %s (%s)", r[0], k, r[1], r[2])
		}
	}
	// the manifest's types are the files' types, column for column
	for name, tb := range got.Parquet.Tables {
		if len(tb.Types) == 0 {
			t.Errorf("hyparquet read no column types of %s", name)
		}
		for col, typ := range tb.Manifest {
			if tb.Types[col] != typ {
				t.Errorf("%s.%s: the manifest says %s, the files hold %q", name, col, typ, tb.Types[col])
			}
		}
	}
	pub := whtest.Query(t, db, "select table_name, row_count from mart.publication order by 1")
	cols := whtest.Query(t, db, `select table_name, string_agg(column_name, ',' order by column_index)
		from duckdb_columns() where schema_name = 'mart' group by 1`)
	want := map[string]string{}
	for _, r := range cols[1:] {
		want[r[0]] = r[1]
	}
	for name, client := range map[string]seen{"@duckdb/node-api": got.DuckDB, "hyparquet": got.Parquet} {
		if len(client.RunID) != 1 || client.RunID[0] != res.RunID {
			t.Errorf("%s sees run %v, want %s", name, client.RunID, res.RunID)
		}
		if len(client.Tables) != len(pub)-1 {
			t.Errorf("%s sees %d tables, mart.publication lists %d", name, len(client.Tables), len(pub)-1)
		}
		for _, r := range pub[1:] {
			tb, ok := client.Tables[r[0]]
			if !ok {
				t.Errorf("%s does not see %s", name, r[0])
				continue
			}
			if got := strings.Join(tb.Columns, ","); got != want[r[0]] {
				t.Errorf("%s %s columns:\n got %s\nwant %s", name, r[0], got, want[r[0]])
			}
			if rows := whtest.Format(tb.Rows); rows != r[1] {
				t.Errorf("%s %s: %s rows, mart.publication says %s", name, r[0], rows, r[1])
			}
		}
	}
}
