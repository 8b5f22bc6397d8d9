package jobs

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"leadmart/config"
	"leadmart/internal/dictionary"
	"leadmart/models"
	sqlmodels "leadmart/sql"
)

// Options of one run.
type Options struct {
	// AsOf is the date everything is computed as of. Zero: yesterday in the
	// configured time zone.
	AsOf time.Time
	// SQL holds the models. Nil: the embedded ones.
	SQL fs.FS
	Log zerolog.Logger
}

// Result summarises a run.
type Result struct {
	RunID     string
	AsOf      time.Time
	Land      LandStats
	Models    []ModelResult
	Checks    []CheckResult
	Published string
	Tables    []ModelResult // the published tables, their rows and build time
	// MatchRate is the share of ERP customers matched to a CRM account; NaN without ERP customers.
	MatchRate float64
	// Stages times land, transform (and within it staging, core and marts),
	// check and publish.
	Stages   map[string]time.Duration
	Duration time.Duration
}

// DefaultAsOf is yesterday in loc.
func DefaultAsOf(now time.Time, loc *time.Location) time.Time {
	y := now.In(loc).AddDate(0, 0, -1)
	return time.Date(y.Year(), y.Month(), y.Day(), 0, 0, 0, 0, time.UTC)
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
	log := opt.Log.With().Str("run_id", res.RunID).Str("as_of", opt.AsOf.Format(time.DateOnly)).Logger()

	cat, err := models.LoadCatalog(opt.SQL)
	if err != nil {
		return res, err
	}
	w, err := OpenWarehouse(ctx, cfg)
	if err != nil {
		return res, err
	}
	defer w.Close()
	if err := w.exec(ctx, "insert into ops.runs (run_id, as_of, started_at, status, published) values (?, ?, ?, 'running', false)",
		res.RunID, opt.AsOf, start.UTC()); err != nil {
		return res, fmt.Errorf("record run: %w", err)
	}
	log.Info().Msg("run started")
	err = runSteps(ctx, w, cfg, cat, opt.SQL, res, log)
	res.Duration = time.Since(start)
	status, msg := "success", ""
	if err != nil {
		status, msg = "failed", err.Error()
		if errors.Is(err, ErrChecksFailed) {
			status = "checks_failed"
		}
	}
	var rows int64
	for _, t := range res.Tables {
		rows += t.Rows
	}
	if rerr := w.exec(context.WithoutCancel(ctx), "update ops.runs set ended_at = ?, status = ?, models = ?, rows = ?, published = ?, error = ? where run_id = ?",
		time.Now().UTC(), status, len(res.Models), rows, res.Published != "", nullable(msg), res.RunID); rerr != nil && err == nil {
		err = fmt.Errorf("record run: %w", rerr)
	}
	if err != nil {
		log.Error().Err(err).Str("status", status).Msg("run failed")
		return res, err
	}
	log.Info().Int64("duration_ms", res.Duration.Milliseconds()).Msg("run finished")
	return res, nil
}

func runSteps(ctx context.Context, w *Warehouse, cfg *config.Config, cat *models.Catalog, sqlFS fs.FS, res *Result, log zerolog.Logger) error {
	var err error
	res.Stages = map[string]time.Duration{}
	step := func(name string) func() {
		t := time.Now()
		return func() {
			res.Stages[name] = time.Since(t)
			log.Info().Str("step", name).Int64("duration_ms", time.Since(t).Milliseconds()).
				Int64("peak_rss_mib", peakRSSMiB()).Msg("step done")
		}
	}
	done := step("land")
	if res.Land, err = Land(ctx, w, cfg, res.RunID, time.Now(), log); err != nil {
		return err
	}
	done()
	if err := afterLanding(ctx, w); err != nil {
		return err
	}
	if err := prepare(ctx, w, cfg, sqlFS, Params{RunID: res.RunID, AsOf: res.AsOf}); err != nil {
		return err
	}
	// The DuckDB file the models are built in begins now; a run that does
	// not publish aborts it, leaving the live publication alone.
	tgts, file := targets(cfg)
	defer func() {
		if res.Published == "" {
			file.Abort()
		}
	}()
	if err := file.Begin(ctx, w, res.RunID); err != nil {
		return fmt.Errorf("begin %s publication: %w", file.Name(), err)
	}
	done = step("transform")
	if res.Models, err = Transform(ctx, w, cat, res.RunID, BuildCatalog, log); err != nil {
		return err
	}
	done()
	// transform's share per layer: the time of its models
	for _, m := range res.Models {
		res.Stages[m.Layer] += m.Duration
	}
	done = step("check")
	res.Checks, err = Check(ctx, w, cat, res.RunID, log)
	if err != nil {
		return err
	}
	done()
	var rate sql.NullFloat64
	if err := w.conn.QueryRowContext(ctx, "select share_of_erp_customers from core.account_match_summary where match_method = 'matched'").Scan(&rate); err != nil {
		return fmt.Errorf("read match rate: %w", err)
	}
	res.MatchRate = math.NaN()
	if rate.Valid {
		res.MatchRate = rate.Float64
	}
	done = step("publish")
	built := map[string]ModelResult{}
	rows := map[string]int64{}
	for _, m := range res.Models {
		built[m.Model], rows[m.Model] = m, m.Rows
	}
	tables, err := describe(ctx, w, cat.Published(), rows)
	if err != nil {
		return fmt.Errorf("describe published tables: %w", err)
	}
	pub := Publication{RunID: res.RunID, AsOf: res.AsOf, PublishedAt: time.Now(), Tables: tables}
	if err := Publish(ctx, w, pub, tgts, log); err != nil {
		return fmt.Errorf("publish: %w", err)
	}
	res.Published = filepath.Join(w.Dir, PublishedFile)
	t := time.Now()
	if err := writeDictionary(w.Dir, cat, pub); err != nil {
		return fmt.Errorf("write data dictionary: %w", err)
	}
	log.Debug().Int64("duration_ms", time.Since(t).Milliseconds()).Msg("data dictionary written")
	done()
	for _, t := range pub.Tables {
		b := built[t.Model.Qualified()]
		res.Tables = append(res.Tables, ModelResult{Model: "mart." + t.Model.Name, Rows: t.Rows, Duration: b.Duration})
	}
	return nil
}

// targets is the registry of publication targets: one line per kind. The
// DuckDB file, which the models are built in, is returned on its own too,
// and prepared last: the other targets read the models from it, and its
// Prepare closes it.
func targets(cfg *config.Config) ([]Target, *DuckDBTarget) {
	var out []Target
	if cfg.Publish.Parquet.On() {
		out = append(out, &ParquetTarget{Keep: cfg.Publish.Parquet.Keep, Level: cfg.Publish.Parquet.CompressionLevel})
	}
	if cfg.Publish.Postgres.DSNEnv != "" {
		out = append(out, &postgresTarget{cfg: cfg.Publish.Postgres})
	}
	file := &DuckDBTarget{Keep: cfg.Publish.DuckDB.Keep}
	return append(out, file), file
}

// DocsDir is where every publication writes its data dictionary, relative to the warehouse.
const DocsDir = "publish/docs"

func writeDictionary(dir string, cat *models.Catalog, pub Publication) error {
	cols := map[string][]dictionary.Column{}
	rows := map[string]int64{}
	for _, t := range pub.Tables {
		rows[t.Model.Name] = t.Rows
		for _, c := range t.Columns {
			cols[t.Model.Name] = append(cols[t.Model.Name], dictionary.Column{Name: c.Name, Type: c.Type, Description: c.Description})
		}
	}
	d := dictionary.New(cat, pub.RunID, pub.AsOf.Format(time.DateOnly), pub.PublishedAt, cols, rows)
	return d.Write(filepath.Join(dir, DocsDir))
}

// logPeakRSS adds the peak RSS to a log event; zerolog calls it only for
// an event that is logged, so /proc is not read when -v is off.
func logPeakRSS(e *zerolog.Event) { e.Int64("peak_rss_mib", peakRSSMiB()) }

// peakRSSMiB is the process's resident-memory high-water mark so far
// (VmHWM), logged after each step to show which one sets the peak; 0 where
// /proc is not available.
func peakRSSMiB() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			var kb int64
			fmt.Sscanf(strings.TrimSpace(rest), "%d", &kb)
			return kb / 1024
		}
	}
	return 0
}
