package main

import (
	"context"
	"flag"
	"fmt"
	"io"

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
	d := &schedule.Daemon{Config: cfg, Log: log}
	return d.Serve(ctx)
}
