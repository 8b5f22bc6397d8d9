package jobs_test

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"leadmart/config"
	"leadmart/internal/demo"
	"leadmart/internal/whtest"
	"leadmart/jobs"
	"leadmart/publish"
)

// Two runs over the same extracts, each in a fresh warehouse with more
// threads than cores, publish the same values in every table of all three
// targets: DuckDB, Parquet and PostgreSQL. Only run_id and the
// publication's own timestamps may differ.
//
// DuckDB gives each thread a row group (122,880 rows) of a table, so the
// demo's tables, smaller than one, are each added up by one thread in one
// order however many threads there are: a floating-point sum put back into
// kpi_pipeline_daily's weighted amount passed this test even at scale 1.
// verify_parallelism gives each thread a vector (2,048 rows) instead, and
// with it that sum fails the test at scale 0.25 in all three targets.
func TestDeterministicPublication(t *testing.T) {
	whtest.WholeJob(t)
	t.Parallel()
	dsn := pg.DSN(t)
	env := "LEADMART_TEST_DETERMINISM_DSN"
	os.Setenv(env, dsn) // a name no other test reads, so parallel tests are unaffected
	t.Cleanup(func() { os.Unsetenv(env) })
	end := whtest.Date(t, "2026-10-31")
	// The same extract files for both runs (a link, so that their
	// modification times, the data's age where there is no updated_at, agree).
	extracts := t.TempDir()
	if _, err := demo.Generate(extracts, demo.Options{Seed: 7, Scale: 0.25, End: end}); err != nil {
		t.Fatal(err)
	}
	var sums [2]map[string]string
	var dirs [2]string
	for i := range sums {
		dir := t.TempDir()
		dirs[i] = dir
		if err := os.MkdirAll(filepath.Join(dir, "warehouse"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(extracts, filepath.Join(dir, "warehouse", "demo")); err != nil {
			t.Fatal(err)
		}
		cfg, err := config.Demo(dir)
		if err != nil {
			t.Fatal(err)
		}
		cfg.Warehouse.Threads = 4
		cfg.Warehouse.VerifyParallelism = true
		cfg.Publish.Postgres.DSNEnv = env
		if _, err := jobs.Run(context.Background(), cfg, jobs.Options{AsOf: end, Log: zerolog.New(io.Discard)}); err != nil {
			t.Fatalf("run %d: %v", i+1, err)
		}
		sums[i] = publishedSums(t, filepath.Join(dir, "warehouse"), dsn)
	}
	if len(sums[0]) < 3*25 {
		t.Fatalf("only %d published tables hashed, want every table in three targets", len(sums[0]))
	}
	for table, sum := range sums[0] {
		if sums[1][table] != sum {
			t.Errorf("%s differs between two runs over the same extracts", table)
			if name, ok := strings.CutPrefix(table, "duckdb:"); ok {
				logDifferingRows(t, dirs, name)
			}
		}
	}
}

// logDifferingRows shows, for a table that differs, the rows of either
// run's Parquet publication that the other lacks, every value as text.
func logDifferingRows(t *testing.T, dirs [2]string, table string) {
	t.Helper()
	scan := func(dir string) string {
		return fmt.Sprintf("select columns(c -> c <> 'run_id')::varchar from read_parquet('%s')",
			filepath.Join(dir, "warehouse", "publish", "versions", "*", "parquet", table, "**", "*.parquet"))
	}
	q := fmt.Sprintf("with a as (%s), b as (%s) select * from ((from a except from b) union all (from b except from a)) order by all limit 4", scan(dirs[0]), scan(dirs[1]))
	for _, r := range whtest.Query(t, filepath.Join(dirs[0], "warehouse", "leadmart.duckdb"), q) {
		t.Logf("%v", r)
	}
}

// publishedSums hashes every published table (without run_id) in the
// DuckDB file, its Parquet files and PostgreSQL, keyed target:table.
func publishedSums(t *testing.T, warehouse, dsn string) map[string]string {
	t.Helper()
	db := filepath.Join(warehouse, "leadmart.duckdb")
	out := map[string]string{}
	for table, sum := range tableChecksums(t, db) {
		out["duckdb:"+table] = sum
	}
	for table, sum := range checksums(t, db, func(table string) string {
		return fmt.Sprintf("read_parquet('%s', hive_partitioning = true)", filepath.Join(warehouse, publish.ParquetLink, table, "**", "*.parquet"))
	}) {
		out["parquet:"+table] = sum
	}
	tables := whtest.Query(t, db, "select table_name from mart.publication where table_name <> 'publication'")
	pg, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close()
	for _, r := range tables[1:] {
		var cols string
		if err := pg.QueryRow(`select string_agg(quote_ident(column_name), ', ' order by ordinal_position) from information_schema.columns
			where table_schema = 'mart' and table_name = $1 and column_name <> 'run_id'`, r[0]).Scan(&cols); err != nil {
			t.Fatalf("postgres columns of %s: %v", r[0], err)
		}
		var sum string
		q := fmt.Sprintf("select md5(coalesce(string_agg(t::text, E'\\n' order by t::text), '')) from (select %s from mart.%s) as t", cols, r[0])
		if err := pg.QueryRow(q).Scan(&sum); err != nil {
			t.Fatalf("postgres %s: %v", r[0], err)
		}
		out["postgres:"+r[0]] = sum
	}
	return out
}
