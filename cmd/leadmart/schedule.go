package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/rs/zerolog"

	"leadmart/jobs/schedule"
)

// cmdSchedule runs the daemon until SIGTERM or SIGINT (main's context);
// a second signal ends the process at once.
func cmdSchedule(ctx context.Context, args []string, stdout io.Writer, log zerolog.Logger) error {
	fs := flag.NewFlagSet("schedule", flag.ContinueOnError)
	fs.SetOutput(stdout) // --help is asked for: it goes to stdout, exit 0
	cfgPath := fs.String("config", "", "config file (default: the built-in demo configuration)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: schedule takes no arguments, got %q", errUsage, fs.Args())
	}
	cfg, err := configOrDemo(*cfgPath)
	if err != nil {
		return err
	}
	// the monthly job writes the report in every configured language and
	// mails it when report.email is set
	monthly := func(ctx context.Context, month time.Time) error {
		files, err := writeReport(ctx, cfg, month, false, cfg.Report.Languages, nil, cfg.Report.Email.On(), io.Discard)
		for _, f := range files {
			log.Info().Str("file", f).Msg("report written")
		}
		return err
	}
	d := &schedule.Daemon{Config: cfg, Log: log, Runner: schedule.JobRunner{Config: cfg, Log: log, Report: monthly}}
	return d.Serve(ctx)
}
