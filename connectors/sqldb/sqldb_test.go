package sqldb

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"leadmart/internal/parquettest"
	"leadmart/internal/pgtest"
)

const setup = `create table leads (lead_id varchar, created_on date, created_at timestamp, seen_at timestamptz,
	amount decimal(12, 2), employees bigint, score double precision, is_key boolean, note varchar);
insert into leads values
	('L1', '2026-01-05', '2026-01-05 09:00:00', '2026-01-05 09:00:00+00', 1000.50, 120, 0.25, true, null),
	('L2', '2026-01-06', '2026-01-06 09:30:15.25', '2026-07-06 09:00:00+00', null, null, null, false, 'x;y'),
	('L3', '2026-01-07', '2026-01-07 23:59:59', '2026-01-07 23:30:00+00', -0.05, 7, 1e-7, null, 'ü')`

// Both drivers give the same text for the same values: dates as dates,
// timestamps with a zone as Berlin wall clock, decimals as written.
var want = []string{
	"L1|2026-01-05|2026-01-05 09:00:00|2026-01-05 10:00:00|1000.50|120|0.25|true|∅",
	"L2|2026-01-06|2026-01-06 09:30:15.25|2026-07-06 11:00:00|∅|∅|∅|false|x;y",
	"L3|2026-01-07|2026-01-07 23:59:59|2026-01-08 00:30:00|-0.05|7|0.0000001|∅|ü",
}

func TestExtract(t *testing.T) {
	for _, tc := range []struct {
		driver string
		dsn    func(t *testing.T) string
	}{
		{"duckdb", func(t *testing.T) string { return filepath.Join(t.TempDir(), "crm.duckdb") }},
		{"pgx", func(t *testing.T) string { return pgtest.DSN(t) }},
	} {
		t.Run(tc.driver, func(t *testing.T) {
			dsn := tc.dsn(t)
			db := sqlx.MustConnect(tc.driver, dsn)
			defer db.Close()
			for _, q := range strings.Split(setup, ";\n") {
				db.MustExec(q)
			}
			t.Setenv("LEADMART_TEST_CRM_DSN", dsn)
			src := New("crm_db", Query{Driver: tc.driver, DSNEnv: "LEADMART_TEST_CRM_DSN",
				Query: "select * from leads order by lead_id;", Watermark: "created_at"}, berlin(t))
			path := filepath.Join(t.TempDir(), "e.parquet")
			res, err := src.Extract(context.Background(), path, "")
			if err != nil {
				t.Fatal(err)
			}
			if got := readBack(t, path); strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("extracted\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
			if res.Rows != 3 || res.Watermark != "2026-01-07T23:59:59.000000Z" {
				t.Errorf("result %+v, want 3 rows, watermark 2026-01-07T23:59:59.000000Z", res)
			}
			db.MustExec("insert into leads (lead_id, created_at) values ('L4', '2026-01-08 08:00:00'), ('L0', '2025-12-31 08:00:00')")
			res, err = src.Extract(context.Background(), filepath.Join(t.TempDir(), "next.parquet"), res.Watermark)
			if err != nil {
				t.Fatal(err)
			}
			if res.Rows != 2 || res.Watermark != "2026-01-08T08:00:00.000000Z" {
				t.Errorf("incremental extraction %+v, want 2 rows (L3 at the watermark, L4), watermark 2026-01-08T08:00:00.000000Z", res)
			}
		})
	}
}

func TestExtractErrors(t *testing.T) {
	dsn := filepath.Join(t.TempDir(), "crm.duckdb")
	db := sqlx.MustConnect("duckdb", dsn)
	db.MustExec("create table leads (lead_id varchar)")
	db.Close()
	t.Setenv("LEADMART_TEST_CRM_DSN", dsn)
	t.Setenv("LEADMART_TEST_EMPTY", "")
	t.Setenv("LEADMART_TEST_BAD_PG", "postgres://leadmart:pa55word@127.0.0.1:1/crm?connect_timeout=2")
	for _, tc := range []struct {
		cfg  Query
		want string
	}{
		{Query{Driver: "duckdb", DSNEnv: "LEADMART_TEST_EMPTY", Query: "select 1"},
			"source crm_db: environment variable LEADMART_TEST_EMPTY (sql.dsn_env) is not set"},
		{Query{Driver: "duckdb", DSNEnv: "LEADMART_TEST_CRM_DSN", Query: "select * from lead"},
			"source crm_db: query: Catalog Error: Table with name lead does not exist"},
		{Query{Driver: "duckdb", DSNEnv: "LEADMART_TEST_CRM_DSN", Query: "select * from leads", Watermark: "updated_at"},
			`source crm_db: sql.watermark: the query has no column "updated_at" (columns: lead_id)`},
		{Query{Driver: "pgx", DSNEnv: "LEADMART_TEST_BAD_PG", Query: "select 1"},
			"source crm_db: connect via LEADMART_TEST_BAD_PG: "},
	} {
		src := New("crm_db", tc.cfg, berlin(t))
		path := filepath.Join(t.TempDir(), "e.parquet")
		_, err := src.Extract(context.Background(), path, "")
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: error %v, want it to contain %q", tc.cfg, err, tc.want)
			continue
		}
		if strings.Contains(err.Error(), "pa55word") {
			t.Errorf("the error shows the password: %v", err)
		}
		if matches, _ := filepath.Glob(path + "*"); len(matches) > 0 {
			t.Errorf("a failed extraction left %q", matches)
		}
	}
}

func berlin(t *testing.T) *time.Location {
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func readBack(t *testing.T, path string) []string {
	t.Helper()
	return parquettest.Rows(t, path, `concat_ws('|', lead_id, created_on, created_at, seen_at, coalesce(amount, '∅'),
		coalesce(employees, '∅'), coalesce(score, '∅'), coalesce(is_key, '∅'), coalesce(note, '∅'))`)
}
