// Package whtest helps tests run fixtures through the real job and compare
// query results with hand-computed CSV files.
package whtest

import (
	"context"
	"database/sql"
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/duckdb/duckdb-go/v2"

	_ "github.com/duckdb/duckdb-go/v2" // registers the "duckdb" driver
	"github.com/rs/zerolog"

	"leadmart/config"
	"leadmart/jobs"
	"leadmart/publish"
)

// CopyFixture copies the fixture folder (or a warehouse folder) into a
// fresh temp folder and returns it (see copyTree).
func CopyFixture(t testing.TB, src string) string {
	t.Helper()
	dst := t.TempDir()
	if err := copyTree(src, dst, false); err != nil {
		t.Fatalf("copy fixture %s: %v", src, err)
	}
	return dst
}

// Date parses YYYY-MM-DD or fails the test.
func Date(t testing.TB, s string) time.Time {
	t.Helper()
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// Run loads dir/leadmart.yaml and runs the job as of asOf (YYYY-MM-DD, or
// "data" for the newest data date).
func Run(t testing.TB, dir, asOf string) (*jobs.Result, error) {
	t.Helper()
	return RunWith(context.Background(), t, dir, asOf, publish.Hooks{})
}

// RunWith is Run with a context and the publication's test hooks.
func RunWith(ctx context.Context, t testing.TB, dir, asOf string, hooks publish.Hooks) (*jobs.Result, error) {
	t.Helper()
	WholeJob(t)
	cfg, err := config.Load(filepath.Join(dir, "leadmart.yaml"))
	if err != nil {
		t.Fatalf("load fixture config: %v", err)
	}
	opt := jobs.Options{Log: zerolog.New(io.Discard), Hooks: hooks}
	if asOf == "data" {
		opt.AsOfData = true
	} else {
		opt.AsOf = Date(t, asOf)
	}
	return jobs.Run(ctx, cfg, opt)
}

// MustRun is Run that fails the test on error.
func MustRun(t testing.TB, dir, asOf string) *jobs.Result {
	t.Helper()
	res, err := Run(t, dir, asOf)
	if err != nil {
		t.Fatalf("run %s as of %s: %v", dir, asOf, err)
	}
	return res
}

// Published is the published DuckDB file of a fixture run in dir.
func Published(dir string) string { return filepath.Join(dir, "warehouse", publish.PublishedFile) }

// Query runs q on the DuckDB file (read-only) and returns a header row and
// the rows as text: NULL as "", timestamps as YYYY-MM-DD[ HH:MM:SS], floats
// rounded to 6 decimals.
func Query(t testing.TB, dbPath, q string) [][]string {
	t.Helper()
	db, err := sql.Open("duckdb", dbPath+"?access_mode=read_only")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(q)
	if err != nil {
		t.Fatalf("query %s: %v", q, err)
	}
	return Rows(t, rows)
}

// Rows reads and closes rows: a header row, then each row as text (see Query).
func Rows(t testing.TB, rows *sql.Rows) [][]string {
	t.Helper()
	defer rows.Close()
	cols, _ := rows.Columns()
	out := [][]string{cols}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		rec := make([]string, len(cols))
		for i, v := range vals {
			rec[i] = Format(v)
		}
		out = append(out, rec)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// Format renders a scanned value the way expected CSV files write it.
func Format(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case time.Time:
		if x.Hour() == 0 && x.Minute() == 0 && x.Second() == 0 {
			return x.Format(time.DateOnly)
		}
		return x.Format(time.DateTime)
	case float64:
		return formatFloat(x)
	case float32:
		return formatFloat(float64(x))
	case duckdb.Decimal:
		// published numbers are fixed point; expected files write 6 decimals
		return formatFloat(x.Float64())
	}
	return fmt.Sprint(v)
}

func formatFloat(x float64) string {
	r := math.Round(x*1e6) / 1e6
	if r == 0 {
		r = 0 // no "-0"
	}
	return strconv.FormatFloat(r, 'f', -1, 64)
}

// ReadCSV reads an expected-results file.
func ReadCSV(t testing.TB, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	return recs
}

// Equal compares got with want cell by cell and reports every difference
// with its row key (the first column) and column name.
func Equal(t testing.TB, got, want [][]string) {
	t.Helper()
	if len(got) == 0 || len(want) == 0 {
		t.Fatalf("empty result: got %d rows, want %d", len(got), len(want))
	}
	if strings.Join(got[0], ",") != strings.Join(want[0], ",") {
		t.Fatalf("columns differ:\ngot  %v\nwant %v", got[0], want[0])
	}
	if len(got) != len(want) {
		t.Errorf("got %d rows, want %d", len(got)-1, len(want)-1)
	}
	for i := 1; i < min(len(got), len(want)); i++ {
		for j, col := range want[0] {
			if got[i][j] != want[i][j] {
				t.Errorf("row %d (%s) column %s: got %q, want %q", i, strings.Join(got[i][:min(3, len(got[i]))], "/"), col, got[i][j], want[i][j])
			}
		}
	}
}
