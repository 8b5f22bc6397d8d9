package jobs_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"

	"leadmart/config"
	"leadmart/internal/whtest"
	"leadmart/models"
	"leadmart/publish"
	sqlmodels "leadmart/sql"
	"leadmart/workdb"
)

// Publishing twice while a reader queries in a loop: the reader never sees
// a missing table or two run_ids at once, and a publication that fails
// midway leaves the previous one in place.
func TestPostgresPublication(t *testing.T) {
	dsn := pg.DSN(t)
	t.Setenv("LEADMART_TEST_PUBLISH_DSN", dsn)
	dir := whtest.CopyFixture(t, "../testdata/crm_en")
	appendTo(t, dir+"/leadmart.yaml", "publish:\n  postgres: {dsn_env: LEADMART_TEST_PUBLISH_DSN, schema: mart, read_role: bi_reader}\n")

	first := whtest.MustRun(t, dir, asOf)
	db, err := sql.Open("pgx", dsn)
	must(t, err)
	defer db.Close()
	assertPublished(t, db, first.RunID)

	// A reader that queries in a loop while we publish again.
	var stop atomic.Bool
	var wg sync.WaitGroup
	var reads atomic.Int64
	var readErr atomic.Value
	seen := sync.Map{}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for !stop.Load() {
			var pubRun, dqRun string
			var leads int
			// One statement, one snapshot: the publication's run_id, a mart
			// table's own run_id and a fact table must agree.
			err := db.QueryRow(`select (select min(run_id) || '/' || max(run_id) from mart.publication),
				(select min(run_id) from mart.kpi_data_quality), (select count(*) from mart.fct_lead)`).Scan(&pubRun, &dqRun, &leads)
			if err != nil {
				readErr.Store(err)
				return
			}
			ids := strings.Split(pubRun, "/")
			if ids[0] != ids[1] || ids[0] != dqRun || leads != 15 {
				readErr.Store(fmt.Errorf("mixed publication: publication %s, kpi_data_quality %s, %d leads", pubRun, dqRun, leads))
				return
			}
			seen.Store(dqRun, true)
			reads.Add(1)
		}
	}()
	second := whtest.MustRun(t, dir, asOf)
	third := whtest.MustRun(t, dir, asOf)
	time.Sleep(100 * time.Millisecond)
	stop.Store(true)
	wg.Wait()
	if err, _ := readErr.Load().(error); err != nil {
		t.Fatalf("reader after %d reads: %v", reads.Load(), err)
	}
	if reads.Load() < 5 {
		t.Errorf("the reader only read %d times", reads.Load())
	}
	assertPublished(t, db, third.RunID)
	_, sawSecond := seen.Load(second.RunID)
	t.Logf("reader: %d consistent reads; saw the second publication: %v", reads.Load(), sawSecond)

	// A load that fails midway (a column of the wrong type) leaves the third publication.
	failLoad := func(ctx context.Context, conn *pgx.Conn, schema, table string) error {
		if table != "fct_lead" {
			return nil
		}
		_, err := conn.Exec(ctx, fmt.Sprintf(`alter table %q.fct_lead alter column lead_id type integer using null`, schema))
		return err
	}
	_, err = whtest.RunWith(context.Background(), t, dir, asOf, publish.Hooks{Postgres: failLoad})
	if err == nil || !strings.Contains(err.Error(), "table fct_lead") {
		t.Fatalf("got %v, want a failed fct_lead load", err)
	}
	if strings.Contains(err.Error(), dsn) {
		t.Error("the error shows the DSN")
	}
	assertPublished(t, db, third.RunID)
	var leftover bool
	must(t, db.QueryRow("select exists (select from pg_namespace where nspname = 'mart__next')").Scan(&leftover))
	if leftover {
		t.Error("the staging schema mart__next was left behind")
	}
}

func assertPublished(t *testing.T, db *sql.DB, runID string) {
	t.Helper()
	var got string
	var tables int
	must(t, db.QueryRow("select min(run_id), count(*) from mart.publication").Scan(&got, &tables))
	if got != runID {
		t.Errorf("published run_id %s, want %s", got, runID)
	}
	var comment sql.NullString
	must(t, db.QueryRow(`select col_description('mart.fct_lead'::regclass, attnum) from pg_attribute
		where attrelid = 'mart.fct_lead'::regclass and attname = 'mql_at'`).Scan(&comment))
	if !strings.HasPrefix(comment.String, "First entered MQL") {
		t.Errorf("column comment on mart.fct_lead.mql_at: %q", comment.String)
	}
	var idx, granted bool
	must(t, db.QueryRow(`select exists (select from pg_indexes where schemaname = 'mart' and tablename = 'fct_lead'),
		has_table_privilege('bi_reader', 'mart.kpi_funnel_monthly', 'select')`).Scan(&idx, &granted))
	if !idx || !granted {
		t.Errorf("index on fct_lead: %v; bi_reader may select: %v", idx, granted)
	}
	var rows int64
	must(t, db.QueryRow("select row_count from mart.publication where table_name = 'fct_lead'").Scan(&rows))
	if rows != 15 {
		t.Errorf("mart.publication says fct_lead has %d rows, want 15", rows)
	}
}

// Rollback puts every target back on the previous live publication, the
// DuckDB file, Parquet, the dictionary and PostgreSQL, table for table; it
// never offers a version that a killed run sealed but never switched to.
// A run killed between the file switch and the PostgreSQL switch leaves
// the files on one run and PostgreSQL on the one before; the next run
// repairs PostgreSQL before it does anything else.
func TestRollbackEveryTarget(t *testing.T) {
	dsn := pg.DSN(t)
	t.Setenv("LEADMART_TEST_PUBLISH_DSN", dsn)
	dir := whtest.CopyFixture(t, "../testdata/crm_en")
	appendTo(t, dir+"/leadmart.yaml", "publish:\n  postgres: {dsn_env: LEADMART_TEST_PUBLISH_DSN, schema: mart}\n")
	wh := filepath.Join(dir, "warehouse")
	db, err := sql.Open("pgx", dsn)
	must(t, err)
	defer db.Close()
	pgRun := func() string {
		var id string
		must(t, db.QueryRow("select max(run_id) from mart.publication").Scan(&id))
		return id
	}

	first := whtest.MustRun(t, dir, asOf)
	sums := publishedSums(t, wh, dsn)
	appendTo(t, filepath.Join(dir, "leads.csv"), "L17,2026-03-30 09:00:00,web_form,,Rho GmbH,food,10,,New,R1,,,,2026-03-30 09:00:00\n")
	second := whtest.MustRun(t, dir, asOf)
	if later := publishedSums(t, wh, dsn); later["postgres:fct_lead"] == sums["postgres:fct_lead"] || later["parquet:fct_lead"] == sums["parquet:fct_lead"] {
		t.Fatal("the second publication did not change fct_lead")
	}
	holdAt(t, dir, "before-switch")() // a sealed version that never goes live

	cfg, err := config.Load(filepath.Join(dir, "leadmart.yaml"))
	must(t, err)
	ctx := context.Background()
	w, err := workdb.Open(ctx, cfg)
	must(t, err)
	cands, err := publish.Candidates(ctx, w)
	must(t, err)
	if len(cands) != 1 || cands[0] != first.RunID {
		t.Errorf("rollback candidates: %v, want only the once-live %s", cands, first.RunID)
	}
	kept, err := publish.Kept(wh)
	must(t, err)
	if len(kept) != 3 {
		t.Fatalf("kept versions: %v, want the sealed one of the killed run too", kept)
	}
	if _, err := publish.Rollback(ctx, w, kept[0], publish.PostgresFor(cfg, publish.Hooks{})); err == nil ||
		err.Error() != kept[0]+" is not a kept publication that was live (those are: "+first.RunID+")" {
		t.Errorf("rollback to the never-live %s: %v", kept[0], err)
	}
	to, err := publish.Rollback(ctx, w, "", publish.PostgresFor(cfg, publish.Hooks{}))
	must(t, err)
	w.Close()
	if to != first.RunID {
		t.Errorf("rolled back to %s, want %s", to, first.RunID)
	}
	back := publishedSums(t, wh, dsn)
	if len(back) != len(sums) {
		t.Errorf("%d tables after the rollback, %d before", len(back), len(sums))
	}
	for table, sum := range sums {
		if back[table] != sum {
			t.Errorf("%s after the rollback differs from the first publication", table)
		}
	}
	if got := fileRuns(t, dir); got != first.RunID || pgRun() != first.RunID {
		t.Errorf("after the rollback: files %s, PostgreSQL %s, want %s", got, pgRun(), first.RunID)
	}
	_ = second

	// killed between the switches: the files on the new run, PostgreSQL behind
	holdAt(t, dir, "between-switches")()
	killed := fileRuns(t, dir)
	if killed == first.RunID || pgRun() != first.RunID {
		t.Fatalf("killed between the switches: files %s, PostgreSQL %s", killed, pgRun())
	}
	next := whtest.MustRun(t, dir, asOf)
	want := "PostgreSQL held " + first.RunID + ", the files " + killed + ": PostgreSQL now holds " + killed
	if !slices.Contains(next.Cleaned, want) {
		t.Errorf("the next run's repairs: %q, want %q", next.Cleaned, want)
	}
	if got := fileRuns(t, dir); got != next.RunID || pgRun() != next.RunID {
		t.Errorf("after the next run: files %s, PostgreSQL %s, want %s", got, pgRun(), next.RunID)
	}
	var pk, fk int
	must(t, db.QueryRow(`select count(*) filter (where contype = 'p'), count(*) filter (where contype = 'f') from pg_constraint c
		join pg_namespace n on n.oid = c.connamespace where n.nspname = 'mart'`).Scan(&pk, &fk))
	cat, err := models.LoadCatalog(sqlmodels.FS)
	must(t, err)
	refs := 0
	for _, m := range cat.Published() {
		refs += len(m.Refs())
	}
	if pk < 20 || fk != refs || refs < 6 {
		t.Errorf("PostgreSQL declares %d primary keys and %d foreign keys, want at least 20 and the %d the models declare", pk, fk, refs)
	}
}
