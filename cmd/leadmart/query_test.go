package main

import (
	"bytes"
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// query's three formats on every kind of value a published table holds:
// dates as dates, timestamps without a zone, decimals digit for digit and
// never in scientific notation, NULL, text that needs quoting.
func TestQueryFormats(t *testing.T) {
	t.Parallel()
	db := filepath.Join(t.TempDir(), "q.duckdb")
	conn, err := sql.Open("duckdb", db)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`create schema mart`,
		`create table mart.t (month date, seen_at timestamp, amount decimal(38,10), share double, n bigint, name varchar, ok boolean)`,
		`insert into mart.t values
			(date '2026-11-01', timestamp '2026-11-03 09:30:00', 3764367.1234560000, 0.125, 30, 'Müller, "Die" GmbH', true),
			(date '2026-10-01', null, -0.5, 12345678912.5, 0, null, false),
			(null, timestamp '2026-10-31 23:59:59.5', 1000000000000000, 1e-7, -7, '', null)`,
	} {
		if _, err := conn.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	conn.Close()
	for _, format := range []string{"table", "csv", "json"} {
		t.Run(format, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := run(context.Background(), []string{"query", "--db", db, "--format", format, "select * from mart.t order by n desc"}, &out, &errb)
			if code != exitOK {
				t.Fatalf("exit %d: %s", code, errb.String())
			}
			golden := filepath.Join("testdata", "query."+format)
			if os.Getenv("LEADMART_UPDATE_GOLDEN") != "" {
				if err := os.WriteFile(golden, out.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if out.String() != string(want) {
				t.Errorf("got:\n%s\nwant:\n%s", out.String(), want)
			}
		})
	}
}

// --help on every command prints its usage and exits 0; --version names the build.
func TestHelpAndVersion(t *testing.T) {
	for _, cmd := range []string{"run", "rebuild", "batches", "status", "rollback", "docs", "query", "bench", "baseline", "demo"} {
		var out, errb bytes.Buffer
		if code := run(context.Background(), []string{cmd, "--help"}, &out, &errb); code != exitOK {
			t.Errorf("%s --help: exit %d, want 0\n%s", cmd, code, errb.String())
		}
		if !strings.Contains(out.String()+errb.String(), "-") {
			t.Errorf("%s --help printed no flags", cmd)
		}
	}
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"--version"}, &out, &errb); code != exitOK || !strings.HasPrefix(out.String(), "leadmart ") {
		t.Errorf("--version: exit %d, %q", code, out.String())
	}

}
