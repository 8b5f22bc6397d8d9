package jobs

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"leadmart/internal/retry"

	"github.com/rs/zerolog"

	"leadmart/config"
	"leadmart/models"
	"leadmart/publish"
	sqlmodels "leadmart/sql"
	"leadmart/workdb"
)

// Options of one run.
type Options struct {
	// AsOf is the date everything is computed as of. Zero: yesterday in the
	// configured time zone.
	AsOf time.Time
	// AsOfData computes as of the newest business date in the landed data
	// (at most yesterday) instead of AsOf.
	AsOfData bool
	// SQL holds the models. Nil: the embedded ones.
	SQL fs.FS
	Log zerolog.Logger
	// Hooks are the publication's test hooks; zero in production.
	Hooks publish.Hooks
	// Rebuild re-derives the typed raw rows of these sources ("*": all)
	// from their as-read copies before the run goes on as usual.
	Rebuild []string
	// Job names what started the run in ops.runs: a scheduled job's name.
	// Default "manual".
	Job string
	// Retry retries the sources' transient failures. Nil: one from the
	// config's retry settings, logging to Log.
	Retry *retry.Retrier
	// Progress, when set, hears of each step as it starts and of each
	// model as it is built (a terminal's progress line).
	Progress func(step, model string)
}

// Result summarises a run.
type Result struct {
	RunID  string
	AsOf   time.Time
	Land   LandStats
	Models []ModelResult
	Checks []CheckResult
	// Metrics are the figures the models' metadata asks every run to report.
	Metrics []Metric
	// Data is the span of business dates in the landed data.
	Data DataRange
	// Warnings are what the run noticed that makes figures doubtful, e.g.
	// a KPI window that holds none of the data. The run still publishes.
	Warnings []string
	// Retries counts the transient failures retried, by source.
	Retries map[string]int
	// Cleaned is what the run found left over by an earlier one that was
	// killed, and repaired: interrupted runs, stray raw and temporary files.
	Cleaned   []string
	Published string
	// Targets are where this run published, each with its new version.
	Targets []PublishedTarget
	Tables  []ModelResult // the published tables, their rows and build time
	// Stages times land, transform (and within it staging, core and marts),
	// check and publish.
	Stages   map[string]time.Duration
	Duration time.Duration
}

// PublishedTarget is one publication target of a run and where its new
// version is.
type PublishedTarget struct{ Name, Where string }

// mirrorState copies the run records to warehouse/state.duckdb after each
// step, so they can be read while the run holds work.duckdb. A failure to
// write it is logged, not fatal: the run's own records are in work.duckdb.
func mirrorState(ctx context.Context, w *workdb.Warehouse, log zerolog.Logger) {
	if err := w.MirrorState(ctx); err != nil {
		log.Warn().Err(err).Msg("run records not mirrored to " + workdb.StateFile)
	}
}

// flaggedRows describes the row checks that flagged landed rows and let
// them through (warn).
func flaggedRows(checks []CheckResult) []string {
	var out []string
	for _, c := range checks {
		if c.Warn && !c.Passed() {
			out = append(out, fmt.Sprintf("%s %s: %d %s", c.Model, c.Name, c.FailingRows, c.Detail))
		}
	}
	return out
}

// NewRetrier retries the sources' transient failures (and the daemon's
// lock waits) as the config's retry settings say, logging each retry to log.
// Every command that lands uses it: retry.attempts holds for all of them.
func NewRetrier(cfg *config.Config, log zerolog.Logger) *retry.Retrier {
	return &retry.Retrier{Policy: retry.Policy{Attempts: cfg.Retry.Attempts, Initial: time.Second, MaxDelay: cfg.Retry.MaxDelay}, Log: log}
}

// recordStart records a run in ops.runs as running, at its first step.
func recordStart(ctx context.Context, w *workdb.Warehouse, runID string, asOf, start time.Time, job, step string) error {
	if err := w.Exec(ctx, "insert into ops.runs (run_id, as_of, started_at, status, published, pid, step, job, retries) values (?, ?, ?, 'running', false, ?, ?, ?, 0)",
		runID, asOf, start.UTC(), os.Getpid(), step, job); err != nil {
		return fmt.Errorf("record run: %w", err)
	}
	return nil
}

// retryCount is the number of retries r made, over all sources.
func retryCount(r *retry.Retrier) int {
	n := 0
	for _, c := range r.Counts() {
		n += c
	}
	return n
}

// DefaultAsOf is yesterday in loc.
func DefaultAsOf(now time.Time, loc *time.Location) time.Time {
	y := now.In(loc).AddDate(0, 0, -1)
	return time.Date(y.Year(), y.Month(), y.Day(), 0, 0, 0, 0, time.UTC)
}

// StatusOf is how ops.runs records a run that ended with err: success,
// failed, checks_failed or cancelled.
func StatusOf(err error) string {
	switch {
	case err == nil:
		return "success"
	case errors.Is(err, ErrChecksFailed):
		return "checks_failed"
	case errors.Is(err, context.Canceled):
		return "cancelled"
	}
	return "failed"
}

// NewRunID is sortable by start time and unique.
func NewRunID(start time.Time) string {
	b := make([]byte, 3)
	_, _ = rand.Read(b)
	return start.UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(b)
}

// Run is the nightly job: land, transform, check, publish. A run that fails
// at any step publishes nothing: the last good publication stays in place.
func Run(ctx context.Context, cfg *config.Config, opt Options) (*Result, error) {
	start := time.Now()
	if opt.SQL == nil {
		opt.SQL = sqlmodels.FS
	}
	if opt.AsOf.IsZero() {
		opt.AsOf = DefaultAsOf(start, cfg.Location())
	}
	res := &Result{RunID: NewRunID(start), AsOf: opt.AsOf}
	if opt.Job == "" {
		opt.Job = "manual"
	}
	// as_of is added to the run's logger once, and again after --as-of data
	// has resolved it: a repeated key would make two as_of fields in one line.
	base := opt.Log.With().Str("run_id", res.RunID).Logger()
	log := base.With().Str("as_of", opt.AsOf.Format(time.DateOnly)).Logger()

	cat, err := models.LoadCatalog(opt.SQL)
	if err != nil {
		return res, err
	}
	if err := checkSeverityKeys(cfg, cat, rowRules(cfg)); err != nil {
		return res, err
	}
	w, err := workdb.Open(ctx, cfg)
	if err != nil {
		return res, err
	}
	defer w.Close()
	if opt.Retry == nil {
		opt.Retry = NewRetrier(cfg, log)
	}
	// a retrier may serve a job's earlier steps too (the monthly job's snapshot)
	retriedBefore := retryCount(opt.Retry)
	if err := recordStart(ctx, w, res.RunID, opt.AsOf, start, opt.Job, "start"); err != nil {
		return res, err
	}
	log.Info().Msg("run started")
	// the state file gets the run with its first step, land, at once
	err = runSteps(ctx, w, cfg, cat, opt, res, base)
	log = base.With().Str("as_of", res.AsOf.Format(time.DateOnly)).Logger()
	res.Duration = time.Since(start)
	status, msg := StatusOf(err), ""
	if err != nil {
		msg = err.Error()
	}
	res.Retries = opt.Retry.Counts()
	retries := retryCount(opt.Retry) - retriedBefore
	var rows int64
	for _, t := range res.Tables {
		rows += t.Rows
	}
	if rerr := w.Exec(context.WithoutCancel(ctx), "update ops.runs set ended_at = ?, status = ?, models = ?, rows = ?, published = ?, error = ?, retries = ? where run_id = ?",
		time.Now().UTC(), status, len(res.Models), rows, res.Published != "", nullable(msg), retries, res.RunID); rerr != nil && err == nil {
		err = fmt.Errorf("record run: %w", rerr)
	}
	mirrorState(context.WithoutCancel(ctx), w, log)
	if err != nil {
		log.Error().Err(err).Str("status", status).Msg("run failed")
		return res, err
	}
	log.Info().Int64("duration_ms", res.Duration.Milliseconds()).Msg("run finished")
	return res, nil
}

func runSteps(ctx context.Context, w *workdb.Warehouse, cfg *config.Config, cat *models.Catalog, opt Options, res *Result, base zerolog.Logger) error {
	var err error
	log := base.With().Str("as_of", res.AsOf.Format(time.DateOnly)).Logger()
	res.Stages = map[string]time.Duration{}
	// Each step is recorded in ops.runs as it starts, and the records are
	// mirrored to the state file: leadmart status shows where a run is.
	if opt.Progress != nil {
		stage := opt.Hooks.Stage
		opt.Hooks.Stage = func(s string) {
			if model, ok := strings.CutPrefix(s, "built:"); ok {
				opt.Progress("transform", model)
			}
			stage.Fire(s)
		}
	}
	step := func(name string) func() {
		if opt.Progress != nil {
			opt.Progress(name, "")
		}
		if err := w.Exec(ctx, "update ops.runs set step = ? where run_id = ?", name, res.RunID); err != nil {
			log.Warn().Err(err).Msg("step not recorded")
		}
		mirrorState(ctx, w, log)
		t := time.Now()
		return func() {
			res.Stages[name] = time.Since(t)
			log.Info().Str("step", name).Int64("duration_ms", time.Since(t).Milliseconds()).
				Int64("peak_rss_mib", workdb.PeakRSSMiB()).Msg("step done")
		}
	}
	done := step("land")
	if res.Cleaned, err = cleanup(ctx, w, res.RunID, log); err != nil {
		return err
	}
	repaired, err := publish.Repair(ctx, w, cfg.Publish.Keep, publish.PostgresFor(cfg, opt.Hooks))
	for _, r := range repaired {
		log.Warn().Msg(r)
	}
	res.Cleaned = append(res.Cleaned, repaired...)
	if err != nil {
		return fmt.Errorf("repair the publication: %w", err)
	}
	res.Land, err = Land(ctx, w, cfg, LandOptions{RunID: res.RunID, LoadedAt: time.Now(), Rebuild: opt.Rebuild, Hook: opt.Hooks.Stage, Retry: opt.Retry}, log)
	res.Warnings = append(res.Warnings, res.Land.Warnings...)
	if err != nil {
		return err
	}
	done()
	if err := w.AfterLanding(ctx); err != nil {
		return err
	}
	if res.Data, err = dataRange(ctx, w); err != nil {
		return err
	}
	if opt.AsOfData {
		res.AsOf = asOfFromData(res.Data, res.AsOf)
		log = base.With().Str("as_of", res.AsOf.Format(time.DateOnly)).Logger()
		log.Info().Str("data_first", res.Data.First.Format(time.DateOnly)).Str("data_last", res.Data.Last.Format(time.DateOnly)).Msg("as of the newest data date")
		if err := w.Exec(ctx, "update ops.runs set as_of = ? where run_id = ?", res.AsOf, res.RunID); err != nil {
			return fmt.Errorf("record run: %w", err)
		}
	}
	if err := Prepare(ctx, w, cfg, opt.SQL, Params{RunID: res.RunID, AsOf: res.AsOf}); err != nil {
		return err
	}
	done = step("screen")
	if res.Checks, err = Screen(ctx, w, rowRules(cfg), res.RunID, log); err != nil {
		return err
	}
	done()
	// The DuckDB file the models are built in begins now; a run that does
	// not publish aborts it, leaving the live publication alone.
	pubr := publish.NewPublisher(cfg, w, cat, res.RunID, opt.Hooks)
	pubr.Log = log
	defer func() {
		if res.Published == "" {
			pubr.File.Abort()
			pubr.Version.Abort()
		}
	}()
	if err := pubr.Begin(ctx, w); err != nil {
		return fmt.Errorf("begin publication: %w", err)
	}
	var historyStart time.Time
	if err := w.QueryRow(ctx, "select history_start from cfg.params").Scan(&historyStart); err != nil {
		return fmt.Errorf("read the KPI window: %w", err)
	}
	if msg := windowWarning(res.Data, historyStart, res.AsOf); msg != "" {
		res.Warnings = append(res.Warnings, msg)
		log.Warn().Msg(msg)
	}
	done = step("transform")
	if res.Models, err = Transform(ctx, w, cat, res.RunID, publish.BuildCatalog, opt.Hooks.Stage, log); err != nil {
		return err
	}
	done()
	// transform's share per layer: the time of its models
	for _, m := range res.Models {
		res.Stages[m.Layer] += m.Duration
	}
	done = step("check")
	flagged := flaggedRows(res.Checks)
	checked, err := Check(ctx, w, cat, res.RunID, cfg.Quality.Severity, log)
	res.Checks = append(res.Checks, checked...)
	if err != nil {
		if errors.Is(err, ErrChecksFailed) && len(flagged) > 0 {
			// a flagged landed row is the likelier cause of a failed model check
			return fmt.Errorf("%w\nlanded rows that row checks flagged before the models ran:\n  %s", err, strings.Join(flagged, "\n  "))
		}
		return err
	}
	for _, c := range res.Checks {
		if c.Warn && !c.Passed() {
			res.Warnings = append(res.Warnings, fmt.Sprintf("check %s %s: %d %s", c.Model, c.Name, c.FailingRows, c.Detail))
		}
	}
	done()
	if res.Metrics, err = measure(ctx, w, cat); err != nil {
		return err
	}
	done = step("publish")
	built := map[string]ModelResult{}
	rows := map[string]int64{}
	for _, m := range res.Models {
		built[m.Model], rows[m.Model] = m, m.Rows
	}
	tables, err := publish.Describe(ctx, w, cat.Published(), rows)
	if err != nil {
		return fmt.Errorf("describe published tables: %w", err)
	}
	pub := publish.Publication{RunID: res.RunID, AsOf: res.AsOf, PublishedAt: time.Now(), Tables: tables}
	if err := pubr.Publish(ctx, w, pub); err != nil {
		return fmt.Errorf("publish: %w", err)
	}
	res.Published = filepath.Join(w.Dir, publish.PublishedFile)
	for _, tg := range pubr.Where() {
		res.Targets = append(res.Targets, PublishedTarget{Name: tg[0], Where: tg[1]})
	}
	done()
	for _, t := range pub.Tables {
		b := built[t.Model.Qualified()]
		res.Tables = append(res.Tables, ModelResult{Model: "mart." + t.Model.Name, Rows: t.Rows, Duration: b.Duration})
	}
	return nil
}
