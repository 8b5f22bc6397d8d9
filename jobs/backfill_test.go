package jobs_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"leadmart/config"
	"leadmart/internal/whtest"
	"leadmart/jobs"
	"leadmart/workdb"
)

// Backfill over 12 months writes 12 snapshots; interrupted after 5 and
// started again, it does the other 7. The next run publishes them.
func TestBackfillResumes(t *testing.T) {
	whtest.WholeJob(t)
	t.Parallel()
	dir := whtest.CopyFixture(t, "../testdata/crm_en")
	cfg, err := config.Load(filepath.Join(dir, "leadmart.yaml"))
	must(t, err)
	dates, err := jobs.BackfillDates(whtest.Date(t, "2025-04-01"), whtest.Date(t, "2026-03-01"), "month")
	must(t, err)
	if len(dates) != 12 || dates[0].Format(time.DateOnly) != "2025-04-30" || dates[11].Format(time.DateOnly) != "2026-03-31" {
		t.Fatalf("dates: %v", dates)
	}
	ctx, cancel := context.WithCancel(context.Background())
	stopAfter5 := func(stage string) {
		if stage == "snapshot:2025-08-31" {
			cancel() // the backfill is interrupted after its fifth snapshot
		}
	}
	first, err := jobs.Backfill(ctx, cfg, jobs.BackfillOptions{Dates: dates, Log: zerolog.New(io.Discard), Hook: stopAfter5})
	if !errors.Is(err, context.Canceled) || len(first.Done) != 5 {
		t.Fatalf("interrupted backfill: %d done, %v", len(first.Done), err)
	}
	second, err := jobs.Backfill(context.Background(), cfg, jobs.BackfillOptions{Dates: dates, Log: zerolog.New(io.Discard)})
	must(t, err)
	if len(second.Skipped) != 5 || len(second.Done) != 7 || second.Done[0].Format(time.DateOnly) != "2025-09-30" {
		t.Errorf("resumed backfill: skipped %v, done %v; want 5 and 7 from 2025-09-30", second.Skipped, second.Done)
	}
	work := filepath.Join(dir, "warehouse", workdb.WorkFile)
	whtest.Equal(t, whtest.Query(t, work, "select count(distinct as_of) as snapshots, min(as_of) as first, max(as_of) as last from history.snapshots"),
		[][]string{{"snapshots", "first", "last"}, {"12", "2025-04-30", "2026-03-31"}})
	// each date builds the four monthly marts and what they read, not a
	// mart no snapshot needs (5 dates, then 7)
	whtest.Equal(t, whtest.Query(t, work, `select count(*) // count(distinct model) as dates,
			count(distinct model) filter (where model in ('mart.kpi_funnel_monthly', 'mart.kpi_sales_efficiency_monthly',
				'mart.kpi_potential_acquisition_monthly', 'mart.kpi_potential_acquisition_monthly_total')) as monthly,
			count(*) filter (where model in ('mart.kpi_pipeline_daily', 'mart.kpi_data_quality')) as others
		from ops.model_runs join ops.runs using (run_id) where job = 'backfill' group by run_id order by min(ops.runs.started_at)`),
		[][]string{{"dates", "monthly", "others"}, {"5", "4", "0"}, {"7", "4", "0"}})
	// the fixture's leads start in January 2026: the snapshots before hold no funnel rows
	whtest.Equal(t, whtest.Query(t, work, "select count(distinct as_of) as with_rows, min(as_of) as first from history.kpi_funnel_monthly"),
		[][]string{{"with_rows", "first"}, {"3", "2026-01-31"}})
	whtest.Equal(t, whtest.Query(t, work, `select status, job from ops.runs order by started_at`),
		[][]string{{"status", "job"}, {"cancelled", "backfill"}, {"success", "backfill"}})

	// January as of its own end and as of March's: the history keeps both
	got := whtest.Query(t, work, `select cast(as_of as varchar) as as_of, sum(leads) as leads, bool_and(month_complete) as complete
		from history.kpi_funnel_monthly where month = date '2026-01-01' group by all order by 1`)
	whtest.Equal(t, got, [][]string{{"as_of", "leads", "complete"}, {"2026-01-31", "6", "true"}, {"2026-02-28", "6", "true"}, {"2026-03-31", "6", "true"}})

	whtest.MustRun(t, dir, "2026-03-31")
	pub := whtest.Query(t, whtest.Published(dir), `select count(distinct as_of) as snapshots from mart.kpi_potential_acquisition_monthly_total_history`)
	whtest.Equal(t, pub, [][]string{{"snapshots"}, {"3"}})
}

// retry.attempts holds for a backfill as for a run: a source that answers
// 503 twice is retried, the backfill succeeds, and ops.runs counts the
// retries of the backfill itself. A 400 is not retried.
func TestBackfillRetriesSources(t *testing.T) {
	whtest.WholeJob(t)
	t.Parallel()
	dir := whtest.CopyFixture(t, "../testdata/crm_en")
	reps, err := os.ReadFile(filepath.Join(dir, "reps.csv"))
	must(t, err)
	api := whtest.ServeFlaky(t, reps)
	api.Fail(2, http.StatusServiceUnavailable)
	cfg := whtest.RepsOverHTTP(t, dir, api, "retry: {attempts: 4, max_delay: 200ms}\n")
	dates := []time.Time{whtest.Date(t, "2026-03-31")}
	res, err := jobs.Backfill(context.Background(), cfg, jobs.BackfillOptions{Dates: dates, Log: zerolog.New(io.Discard)})
	if err != nil {
		t.Fatalf("backfill with a source that answers 503 twice: %v", err)
	}
	if len(res.Done) != 1 || api.Requests() != 3 {
		t.Errorf("%d snapshots after %d requests, want 1 after 3", len(res.Done), api.Requests())
	}
	work := filepath.Join(dir, "warehouse", workdb.WorkFile)
	whtest.Equal(t, whtest.Query(t, work, "select job, status, retries from ops.runs"), [][]string{{"job", "status", "retries"}, {"backfill", "success", "2"}})

	// a client error: one request, no retry, a failed backfill
	api.Fail(1, http.StatusBadRequest)
	before := api.Requests()
	if _, err := jobs.Backfill(context.Background(), cfg, jobs.BackfillOptions{Dates: dates, Log: zerolog.New(io.Discard)}); err == nil || !strings.Contains(err.Error(), "400") {
		t.Errorf("backfill after a 400: got %v, want the 400", err)
	}
	if n := api.Requests() - before; n != 1 {
		t.Errorf("%d requests after a 400, want 1", n)
	}
	whtest.Equal(t, whtest.Query(t, work, "select status, retries from ops.runs order by started_at"),
		[][]string{{"status", "retries"}, {"success", "2"}, {"failed", "0"}})
}
