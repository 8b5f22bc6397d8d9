package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/rs/zerolog"
	"github.com/schollz/progressbar/v3"

	"leadmart/jobs"
)

// cmdBackfill snapshots the monthly marts as of each month's end (or each
// day) from --from to --to, skipping dates done before, then publishes.
// Progress goes to stderr: a bar on a terminal, a line per date otherwise.
func cmdBackfill(ctx context.Context, args []string, stdout, stderr io.Writer, log zerolog.Logger) error {
	fs := flag.NewFlagSet("backfill", flag.ContinueOnError)
	fs.SetOutput(stdout) // --help is asked for: it goes to stdout, exit 0
	cfgPath := fs.String("config", "", "config file (default: the built-in demo configuration)")
	from := fs.String("from", "", "the first month, YYYY-MM (required)")
	to := fs.String("to", "", "the last month, YYYY-MM (required)")
	every := fs.String("every", "month", "month: as of each month's last day; day: as of each day")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: backfill takes no arguments, got %q", errUsage, fs.Args())
	}
	first, err := time.Parse("2006-01", *from)
	if err != nil {
		return fmt.Errorf("%w: --from %q: want YYYY-MM", errUsage, *from)
	}
	last, err := time.Parse("2006-01", *to)
	if err != nil {
		return fmt.Errorf("%w: --to %q: want YYYY-MM", errUsage, *to)
	}
	dates, err := jobs.BackfillDates(first, last, *every)
	if err != nil {
		return fmt.Errorf("%w: %w", errUsage, err)
	}
	cfg, err := configOrDemo(*cfgPath)
	if err != nil {
		return err
	}
	if yesterday := jobs.DefaultAsOf(time.Now(), cfg.Location()); dates[len(dates)-1].After(yesterday) {
		return fmt.Errorf("%w: --to %s reaches past yesterday (%s): a snapshot is of days that have ended", errUsage, *to, yesterday.Format(time.DateOnly))
	}
	opt := jobs.BackfillOptions{Dates: dates, Log: log.Level(zerolog.WarnLevel)}
	if isTerminal(stderr) {
		bar := progressbar.NewOptions(len(dates), progressbar.OptionSetWriter(stderr), progressbar.OptionSetDescription("backfill"),
			progressbar.OptionShowCount(), progressbar.OptionSetPredictTime(true), progressbar.OptionClearOnFinish())
		opt.Progress = func(i, total int, asOf time.Time, skipped bool) {
			bar.Describe("backfill as of " + asOf.Format(time.DateOnly))
			_ = bar.Set(i)
		}
	} else {
		opt.Log = log
		opt.Progress = func(i, total int, asOf time.Time, skipped bool) {
			what := "snapshot written"
			if skipped {
				what = "snapshot there already, skipped"
			}
			log.Info().Int("done", i).Int("of", total).Str("as_of", asOf.Format(time.DateOnly)).Msg("backfill: " + what)
		}
	}
	res, err := jobs.Backfill(ctx, cfg, opt)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "backfill %s: %d snapshots written, %d there already (%s to %s, every %s)\n",
		res.RunID, len(res.Done), len(res.Skipped), dates[0].Format(time.DateOnly), dates[len(dates)-1].Format(time.DateOnly), *every)
	// the history tables reach readers with the next publication: this one
	run, err := jobs.Run(ctx, cfg, jobs.Options{Log: log.Level(zerolog.InfoLevel), Job: "backfill"})
	if err != nil {
		return fmt.Errorf("publish the snapshots: %w", err)
	}
	fmt.Fprintf(stdout, "published run %s with the history tables (mart.*_history)\n", run.RunID)
	return nil
}
