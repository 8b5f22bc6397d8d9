// Command leadmart runs the lead-management warehouse jobs.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"syscall"
	"time"

	"github.com/rs/zerolog"

	"leadmart/internal/demo"
	"leadmart/jobs"
)

// Exit codes, documented in the README.
const (
	exitOK      = 0
	exitFailed  = 1
	exitUsage   = 2
	exitChecks  = 3
	exitLocked  = 4
	exitBadData = 5
)

const usage = `leadmart: a batch warehouse for B2B lead management

usage:
  leadmart run   [--config FILE] [--as-of YYYY-MM-DD]   run the nightly job
  leadmart demo  --out DIR [--seed N] [--scale S] [--end YYYY-MM-DD]
                                                        write the demo extracts
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	log := zerolog.New(zerolog.ConsoleWriter{Out: stderr, TimeFormat: time.TimeOnly}).With().Timestamp().Logger()
	var err error
	switch args[0] {
	case "run":
		_ = log
	err = errors.New("todo")
	case "demo":
		err = cmdDemo(args[1:], stdout)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return exitOK
	default:
		fmt.Fprintf(stderr, "leadmart: unknown command %q\n\n%s", args[0], usage)
		return exitUsage
	}
	if err == nil {
		return exitOK
	}
	fmt.Fprintf(stderr, "leadmart %s: %v\n", args[0], err)
	switch {
	case errors.Is(err, flag.ErrHelp), errors.Is(err, errUsage):
		return exitUsage
	case errors.Is(err, jobs.ErrChecksFailed):
		return exitChecks
	case errors.Is(err, jobs.ErrLocked):
		return exitLocked
	case errors.Is(err, jobs.ErrBadInput):
		return exitBadData
	}
	return exitFailed
}

var errUsage = errors.New("usage")

func cmdDemo(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	out := fs.String("out", "", "output folder (required)")
	seed := fs.Uint64("seed", 42, "random seed")
	scale := fs.Float64("scale", 1, "data volume; 1 is about 20k leads")
	end := fs.String("end", demo.DefaultEnd.Format(time.DateOnly), "last day of the extracts")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *out == "" {
		return fmt.Errorf("%w: --out is required", errUsage)
	}
	endDate, err := time.Parse(time.DateOnly, *end)
	if err != nil {
		return fmt.Errorf("%w: --end: %v", errUsage, err)
	}
	sum, err := demo.Generate(*out, demo.Options{Seed: *seed, Scale: *scale, End: endDate})
	if err != nil {
		return err
	}
	for _, name := range sortedKeys(sum) {
		fmt.Fprintf(stdout, "%-40s %9d rows\n", name, sum[name])
	}
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
