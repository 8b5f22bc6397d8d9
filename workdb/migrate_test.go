package workdb_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	_ "github.com/duckdb/duckdb-go/v2"

	"leadmart/config"
	"leadmart/workdb"
)

// A work database an older leadmart wrote (amounts as DOUBLE, no status_at,
// no extracted_at) is brought up to the declarations when it is opened,
// keeping its rows.
func TestOlderRawTablesAreUpgraded(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "work.duckdb")
	old, err := sql.Open("duckdb", path)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		"create schema raw", "create schema ops",
		"create table raw.crm__opportunity (opportunity_id varchar, amount double, created_at timestamp)",
		"insert into raw.crm__opportunity values ('O1', 1200.5, '2026-01-05 09:00:00')",
		"create table raw.crm__lead (lead_id varchar, created_at timestamp)",
		`create table ops.batches (batch_id varchar, run_id varchar, source varchar, system varchar,
			entity varchar, file varchar, content_hash varchar, rows bigint, rejected bigint, duplicate_keys bigint,
			load_date date, parquet_path varchar, loaded_at timestamp)`,
	} {
		if _, err := old.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	old.Close()
	cfg, err := config.Parse([]byte("version: 1\nsources:\n  - {name: x, system: crm, entity: lead, path: a.csv}\n"), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	w, err := workdb.OpenPlain(ctx, cfg, path)
	if err != nil {
		t.Fatalf("open the older work database: %v", err)
	}
	defer w.Close()
	types := map[string]string{}
	for _, table := range []string{"raw.crm__opportunity", "raw.crm__lead", "ops.batches"} {
		cols, err := w.Columns(ctx, table)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range cols {
			types[table+"."+c.Name] = c.Type
		}
	}
	for col, want := range map[string]string{
		"raw.crm__opportunity.amount":  "DECIMAL(38,6)",
		"raw.crm__opportunity.product": "VARCHAR",
		"raw.crm__lead.status_at":      "TIMESTAMP",
		"ops.batches.extracted_at":     "TIMESTAMP",
	} {
		if types[col] != want {
			t.Errorf("%s: got type %q, want %s", col, types[col], want)
		}
	}
	var amount string
	if err := w.QueryRow(ctx, "select amount::varchar from raw.crm__opportunity").Scan(&amount); err != nil || amount != "1200.500000" {
		t.Errorf("the landed amount after the upgrade: got %q (%v), want 1200.500000", amount, err)
	}
}
