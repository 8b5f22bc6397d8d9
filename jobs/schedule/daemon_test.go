package schedule_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/rs/zerolog"

	"leadmart/config"
	"leadmart/internal/retry"
	"leadmart/internal/whtest"
	"leadmart/jobs"
	"leadmart/jobs/schedule"
	"leadmart/publish"
	"leadmart/workdb"
)

// nightlyAt is the firing whose run is as of 2026-03-31, the fixtures' day.
var nightlyAt = time.Date(2026, 4, 1, 2, 0, 0, 0, mustLoc("Europe/Berlin"))

func mustLoc(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// runnerFunc is a Runner of a test.
type runnerFunc func(ctx context.Context, job config.ScheduledJob) (*jobs.Result, error)

func (f runnerFunc) Run(ctx context.Context, job config.ScheduledJob, _ time.Time, _ *retry.Retrier) (*jobs.Result, error) {
	return f(ctx, job)
}

func emptyWarehouse(t *testing.T) *config.Config {
	t.Helper()
	cfg, err := config.Parse([]byte("version: 1\nsources: [{name: crm_reps, system: crm, entity: rep, path: reps.csv}]\nschedule: {listen: off}\n"), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// A firing while a run goes on is skipped and logged; a panic is recovered
// and recorded as a failed run; the daemon goes on.
func TestNoOverlapAndPanicRecovery(t *testing.T) {
	cfg := emptyWarehouse(t)
	var logs bytes.Buffer
	started, release := make(chan struct{}), make(chan struct{})
	d := &schedule.Daemon{Config: cfg, Metrics: schedule.NewMetrics(), Log: zerolog.New(&logs),
		Runner: runnerFunc(func(ctx context.Context, job config.ScheduledJob) (*jobs.Result, error) {
			if job.Name == "panics" {
				var m map[string]int
				m["boom"]++ // a nil map: a bug in a job
			}
			close(started)
			<-release
			return &jobs.Result{}, nil
		})}
	ctx := context.Background()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); d.Fire(ctx, config.ScheduledJob{Name: "nightly", Run: "nightly"}, nightlyAt) }()
	<-started
	d.Fire(ctx, config.ScheduledJob{Name: "nightly", Run: "nightly"}, nightlyAt.Add(24*time.Hour)) // its next time comes
	close(release)
	wg.Wait()
	if !strings.Contains(logs.String(), `"job":"nightly"`) || !strings.Contains(logs.String(), "skipped: a run is still going") {
		t.Errorf("no skip logged:\n%s", logs.String())
	}

	d.Fire(ctx, config.ScheduledJob{Name: "panics", Run: "nightly"}, nightlyAt)
	work := filepath.Join(cfg.WarehouseDir(), workdb.WorkFile)
	got := whtest.Query(t, work, "select job, status, error like 'job panics panicked: assignment to entry in nil map%' as panicked from ops.runs")
	whtest.Equal(t, got, [][]string{{"job", "status", "panicked"}, {"panics", "failed", "true"}})

	fams := gather(t, d.Metrics)
	want := map[string]float64{
		`leadmart_job_skipped_total{job="nightly"}`:               1,
		`leadmart_job_runs_total{job="nightly",status="success"}`: 1,
		`leadmart_job_runs_total{job="panics",status="failed"}`:   1,
		`leadmart_run_failures_total{exit_code="1"}`:              1,
	}
	for k, v := range want {
		if fams[k] != v {
			t.Errorf("%s = %v, want %v", k, fams[k], v)
		}
	}
}

// gather renders the registry as /metrics does and parses it back with
// the Prometheus text parser, keyed name{labels}.
func gather(t *testing.T, m *schedule.Metrics) map[string]float64 {
	t.Helper()
	srv := httptest.NewServer(m.Handler())
	defer srv.Close()
	return scrape(t, srv.URL+"/metrics")
}

func scrape(t *testing.T, url string) map[string]float64 {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	parser := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("parse %s: %v", url, err)
	}
	out := map[string]float64{}
	for name, f := range fams {
		for _, m := range f.Metric {
			out[name+labels(m)] = value(m)
		}
	}
	return out
}

func labels(m *dto.Metric) string {
	if len(m.Label) == 0 {
		return ""
	}
	var ls []string
	for _, l := range m.Label {
		ls = append(ls, fmt.Sprintf("%s=%q", l.GetName(), l.GetValue()))
	}
	return "{" + strings.Join(ls, ",") + "}"
}

func value(m *dto.Metric) float64 {
	switch {
	case m.Counter != nil:
		return m.Counter.GetValue()
	case m.Gauge != nil:
		return m.Gauge.GetValue()
	case m.Untyped != nil:
		return m.Untyped.GetValue()
	}
	return 0
}

// A source that answers 503 twice and then the file is retried, and the
// run succeeds; the retries show in the log, ops.runs and /metrics. A 400
// is not retried.
func TestRetriedSourceShowsEverywhere(t *testing.T) {
	whtest.WholeJob(t)
	t.Parallel()
	dir := whtest.CopyFixture(t, "../../testdata/crm_en")
	reps, err := os.ReadFile(filepath.Join(dir, "reps.csv"))
	if err != nil {
		t.Fatal(err)
	}
	api := whtest.ServeFlaky(t, reps)
	api.Fail(2, http.StatusServiceUnavailable)
	cfg := whtest.RepsOverHTTP(t, dir, api, "retry: {attempts: 4, max_delay: 200ms}\nschedule: {listen: \"127.0.0.1:0\", catch_up: none}\n")
	var logs syncBuffer
	addr := make(chan string, 1)
	d := &schedule.Daemon{Config: cfg, Log: zerolog.New(&logs), Started: addr}
	ctx, stop := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- d.Serve(ctx) }()
	url := "http://" + <-addr

	nightly := config.ScheduledJob{Name: "nightly", Cron: "0 2 * * *", Run: "nightly"}
	d.Fire(ctx, nightly, nightlyAt)
	if n := strings.Count(logs.String(), "transient failure, retrying"); n != 2 || !strings.Contains(logs.String(), "503 Service Unavailable") {
		t.Errorf("%d retries logged, want 2 naming the 503:\n%s", n, logs.String())
	}
	state := filepath.Join(cfg.WarehouseDir(), workdb.StateFile)
	whtest.Equal(t, whtest.Query(t, state, "select job, status, retries from runs"), [][]string{{"job", "status", "retries"}, {"nightly", "success", "2"}})
	m := scrape(t, url+"/metrics")
	for k, v := range map[string]float64{
		`leadmart_retries_total{source="crm_reps"}`:               2,
		`leadmart_job_runs_total{job="nightly",status="success"}`: 1,
		`leadmart_model_rows{model="mart.fct_lead"}`:              15,
		`leadmart_rejected_rows`:                                  0,
		`leadmart_quarantined_rows`:                               0,
	} {
		if got, ok := m[k]; !ok || got != v {
			t.Errorf("%s = %v (present: %v), want %v", k, got, ok, v)
		}
	}
	for _, k := range []string{`leadmart_job_last_success_timestamp_seconds{job="nightly"}`, `leadmart_source_last_landed_timestamp_seconds{source="crm_reps"}`, `leadmart_stage_duration_seconds{stage="transform"}`} {
		if m[k] <= 0 {
			t.Errorf("%s = %v, want a value", k, m[k])
		}
	}
	if resp, err := http.Get(url + "/healthz"); err != nil || resp.StatusCode != http.StatusOK {
		t.Errorf("/healthz: %v %v", resp, err)
	}

	// a 400 is not retried: one request, and the run fails
	before := api.Requests()
	api.Fail(-1, http.StatusBadRequest)
	d.Fire(ctx, nightly, nightlyAt.Add(24*time.Hour))
	if n := api.Requests() - before; n != 1 {
		t.Errorf("a 400 was requested %d times, want once", n)
	}
	got := whtest.Query(t, state, "select status, retries, error like '%400 Bad Request%' as bad_request from runs order by started_at desc limit 1")
	whtest.Equal(t, got, [][]string{{"status", "retries", "bad_request"}, {"failed", "0", "true"}})
	// a source that refuses the request fails landing, as a missing file does: exit code 5
	if v := scrape(t, url+"/metrics")[`leadmart_run_failures_total{exit_code="5"}`]; v != 1 {
		t.Errorf("failures with exit code 5: %v, want 1", v)
	}
	stop()
	if err := <-served; err != nil {
		t.Errorf("serve: %v", err)
	}
}

// SIGTERM (the daemon's context ends) during a run: the run is cancelled
// and recorded so, the previous publication is untouched, the daemon
// stops within its grace period, and the next run succeeds.
func TestStopDuringARun(t *testing.T) {
	t.Parallel()
	dir := whtest.CopyFixture(t, "../../testdata/crm_en")
	first := whtest.MustRun(t, dir, "2026-03-31")
	before, err := os.ReadFile(whtest.Published(dir))
	if err != nil {
		t.Fatal(err)
	}
	yaml, err := os.ReadFile(filepath.Join(dir, "leadmart.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Parse(append(yaml, "schedule: {listen: off, catch_up: none, grace_period: 20s}\n"...), dir)
	if err != nil {
		t.Fatal(err)
	}
	reached, stopped := make(chan struct{}), make(chan struct{})
	var once sync.Once
	hold := func(stage string) {
		if stage == "duckdb-table:fct_lead" {
			once.Do(func() { close(reached) })
			<-stopped
		}
	}
	runner := schedule.JobRunner{Config: cfg, Log: zerolog.New(io.Discard), Hooks: publish.Hooks{Stage: hold}}
	d := &schedule.Daemon{Config: cfg, Log: zerolog.New(io.Discard), Runner: runner}
	ctx, term := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- d.Serve(ctx) }()
	go d.Fire(ctx, config.ScheduledJob{Name: "nightly", Run: "nightly"}, nightlyAt)
	<-reached
	term() // SIGTERM
	close(stopped)
	start := time.Now()
	if err := <-served; err != nil {
		t.Fatalf("serve: %v", err)
	}
	if took := time.Since(start); took > cfg.Schedule.GracePeriod {
		t.Errorf("stopped after %s, beyond the grace period", took)
	}
	after, err := os.ReadFile(whtest.Published(dir))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(before, after) || publish.Live(filepath.Join(dir, "warehouse")) != first.RunID {
		t.Error("the cancelled run changed the publication")
	}
	state := filepath.Join(dir, "warehouse", workdb.StateFile)
	whtest.Equal(t, whtest.Query(t, state, "select job, status from runs order by started_at"),
		[][]string{{"job", "status"}, {"manual", "success"}, {"nightly", "cancelled"}})
	next := whtest.MustRun(t, dir, "2026-03-31")
	if publish.Live(filepath.Join(dir, "warehouse")) != next.RunID {
		t.Error("the next run did not publish")
	}
}

// syncBuffer is a log buffer the daemon's goroutines write to.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
