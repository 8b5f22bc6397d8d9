package jobs

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"time"

	"github.com/rs/zerolog"

	"leadmart/config"
	"leadmart/internal/retry"
	"leadmart/models"
	"leadmart/publish"
	sqlmodels "leadmart/sql"
	"leadmart/workdb"
)

// BackfillOptions are what a backfill is asked.
type BackfillOptions struct {
	// Dates are the as-of dates to snapshot, oldest first.
	Dates []time.Time
	// Job names the run in ops.runs. Default "backfill".
	Job string
	Log zerolog.Logger
	// Progress, when set, hears of each date: done (a snapshot written) or
	// skipped (one was there already).
	Progress func(i, total int, asOf time.Time, skipped bool)
	// Hook fires "snapshot:<date>" after each snapshot (tests stop there).
	Hook publish.Hook
	SQL  fs.FS // nil: the embedded models
	// Retry retries the sources' transient failures as a run does. Nil:
	// one from the config's retry settings, logging to Log.
	Retry *retry.Retrier
}

// BackfillResult says which dates were written and which were there.
type BackfillResult struct {
	RunID         string
	Done, Skipped []time.Time
}

// Backfill computes the models as of each date and appends the monthly
// marts to their history tables: what each month looked like when it was
// reported. New extracts land first, as in a run. A date already in the
// history is skipped, so an interrupted backfill resumes where it
// stopped; each date's snapshot is one transaction. For each date it builds
// the monthly marts and the models they are built and checked from, and
// runs those models' checks; a failed one stops the backfill (exit 3). It
// publishes nothing: the next run publishes the history tables.
func Backfill(ctx context.Context, cfg *config.Config, opt BackfillOptions) (res BackfillResult, err error) {
	start := time.Now()
	if opt.SQL == nil {
		opt.SQL = sqlmodels.FS
	}
	if opt.Job == "" {
		opt.Job = "backfill"
	}
	if len(opt.Dates) == 0 {
		return res, errors.New("backfill: no dates")
	}
	res.RunID = NewRunID(start)
	log := opt.Log.With().Str("run_id", res.RunID).Logger()
	cat, err := models.LoadCatalog(opt.SQL)
	if err != nil {
		return res, err
	}
	w, err := workdb.Open(ctx, cfg)
	if err != nil {
		return res, err
	}
	defer w.Close()
	last := opt.Dates[len(opt.Dates)-1]
	if opt.Retry == nil {
		opt.Retry = NewRetrier(cfg, log)
	}
	retriedBefore := retryCount(opt.Retry)
	if err := recordStart(ctx, w, res.RunID, last, start, opt.Job, "land"); err != nil {
		return res, err
	}
	defer func() {
		status, msg := StatusOf(err), ""
		if err != nil {
			msg = err.Error()
		}
		if rerr := w.Exec(context.WithoutCancel(ctx), "update ops.runs set ended_at = ?, status = ?, error = ?, step = null, retries = ? where run_id = ?",
			time.Now().UTC(), status, nullable(msg), retryCount(opt.Retry)-retriedBefore, res.RunID); rerr != nil && err == nil {
			err = rerr
		}
		mirrorState(context.WithoutCancel(ctx), w, log)
	}()
	mirrorState(ctx, w, log)
	if _, err := cleanup(ctx, w, res.RunID, log); err != nil {
		return res, err
	}
	if _, err := Land(ctx, w, cfg, LandOptions{RunID: res.RunID, LoadedAt: time.Now(), Retry: opt.Retry}, log); err != nil {
		return res, err
	}
	if err := w.AfterLanding(ctx); err != nil {
		return res, err
	}
	done, err := Snapshotted(ctx, w)
	if err != nil {
		return res, err
	}
	// a snapshot needs the monthly marts and what they are built and
	// checked from, about half the models: the next run builds the rest
	var marts []string
	for _, h := range cat.Histories() {
		marts = append(marts, h.Meta.HistoryOf)
	}
	part, err := cat.Upstream(marts...)
	if err != nil {
		return res, err
	}
	// the published models are built into an in-memory catalog: a backfill
	// writes no publication file
	if err := w.Exec(ctx, "attach ':memory:' as "+publish.BuildCatalog); err != nil {
		return res, err
	}
	defer func() { _ = w.Exec(context.WithoutCancel(ctx), "detach "+publish.BuildCatalog) }()
	if err := w.Exec(ctx, "create schema "+publish.BuildCatalog+".mart"); err != nil {
		return res, err
	}
	if err := w.Exec(ctx, "update ops.runs set step = 'snapshots' where run_id = ?", res.RunID); err != nil {
		return res, err
	}
	for i, d := range opt.Dates {
		if done[d.Format(time.DateOnly)] {
			res.Skipped = append(res.Skipped, d)
			log.Info().Str("as_of", d.Format(time.DateOnly)).Msg("snapshot already taken; skipped")
			if opt.Progress != nil {
				opt.Progress(i+1, len(opt.Dates), d, true)
			}
			continue
		}
		t := time.Now()
		if err := snapshotAsOf(ctx, w, cfg, cat, part, opt.SQL, res.RunID, d, log); err != nil {
			return res, fmt.Errorf("as of %s: %w", d.Format(time.DateOnly), err)
		}
		res.Done = append(res.Done, d)
		log.Info().Str("as_of", d.Format(time.DateOnly)).Int64("duration_ms", time.Since(t).Milliseconds()).Msg("snapshot taken")
		opt.Hook.Fire("snapshot:" + d.Format(time.DateOnly))
		if opt.Progress != nil {
			opt.Progress(i+1, len(opt.Dates), d, false)
		}
	}
	return res, nil
}

// snapshotAsOf builds and checks the models of part as of one date, then
// appends the snapshot of cat's history models.
func snapshotAsOf(ctx context.Context, w *workdb.Warehouse, cfg *config.Config, cat, part *models.Catalog, sqlFS fs.FS, runID string, d time.Time, log zerolog.Logger) error {
	if err := Prepare(ctx, w, cfg, sqlFS, Params{RunID: runID, AsOf: d}); err != nil {
		return err
	}
	quiet := log.Level(zerolog.WarnLevel)
	if _, err := Screen(ctx, w, rowRules(cfg), runID, quiet); err != nil {
		return err
	}
	if _, err := Transform(ctx, w, part, runID, publish.BuildCatalog, nil, quiet); err != nil {
		return err
	}
	if _, err := Check(ctx, w, part, runID, cfg.Quality.Severity, quiet); err != nil {
		return err
	}
	return Snapshot(ctx, w, cat, d, runID)
}

// BackfillDates are the as-of dates from the month from to the month to:
// each month's last day (every "month"), or each day (every "day").
func BackfillDates(from, to time.Time, every string) ([]time.Time, error) {
	from = time.Date(from.Year(), from.Month(), 1, 0, 0, 0, 0, time.UTC)
	end := time.Date(to.Year(), to.Month()+1, 0, 0, 0, 0, 0, time.UTC)
	if end.Before(from) {
		return nil, fmt.Errorf("--to %s is before --from %s", to.Format("2006-01"), from.Format("2006-01"))
	}
	var out []time.Time
	switch every {
	case "month":
		for m := from; !m.After(end); m = m.AddDate(0, 1, 0) {
			out = append(out, m.AddDate(0, 1, -1))
		}
	case "day":
		for d := from; !d.After(end); d = d.AddDate(0, 0, 1) {
			out = append(out, d)
		}
	default:
		return nil, fmt.Errorf("--every %q: want month or day", every)
	}
	return out, nil
}
