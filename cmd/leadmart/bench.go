package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"leadmart/config"
	"leadmart/internal/bench"
	"leadmart/jobs"
)

func cmdBench(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stdout) // --help is asked for: it goes to stdout, exit 0
	scales := fs.String("scales", "S", "comma-separated scales: S (demo), M (~1M leads), L (10 x M)")
	runs := fs.Int("runs", 3, "repetitions per scale; medians are reported")
	cache := fs.String("cache", "bench/cache", "where generated extracts are kept between invocations")
	out := fs.String("out", "bench/results", "where results are written")
	mem := fs.String("memory-limit", "", "warehouse.memory_limit, the job's memory budget, e.g. 4GB (default: none)")
	threads := fs.Int("threads", 0, "DuckDB threads (default: all cores)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	bin, err := os.Executable()
	if err != nil {
		return err
	}
	_, err = bench.Run(ctx, bench.Options{Scales: strings.Split(*scales, ","), Runs: *runs, Cache: *cache, Out: *out,
		MemoryLimit: *mem, Threads: *threads, Binary: bin, Stdout: stdout})
	return err
}

// cmdBaseline runs the engine baseline once and prints its seconds.
func cmdBaseline(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("baseline", flag.ContinueOnError)
	fs.SetOutput(stdout) // --help is asked for: it goes to stdout, exit 0
	cfgPath := fs.String("config", "", "config file (required)")
	asOf := fs.String("as-of", "", "as-of date, YYYY-MM-DD (required)")
	summary := fs.String("summary-json", "", "also write the seconds and stages as JSON to this file (for benchmarks)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	d, err := time.Parse(time.DateOnly, *asOf)
	if err != nil || *cfgPath == "" {
		return fmt.Errorf("%w: baseline needs --config and --as-of YYYY-MM-DD", errUsage)
	}
	cfg, err := config.Load(*cfgPath)
	if err != nil {
		return err
	}
	took, stages, err := bench.Baseline(ctx, cfg, d, nil)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "baseline: %.2fs (land %.2fs, transform %.2fs)\n", took.Seconds(), stages["land"].Seconds(), stages["transform"].Seconds())
	if *summary == "" {
		return nil
	}
	return writeSummaryJSON(*summary, &jobs.Result{RunID: "baseline", AsOf: d, Duration: took, Stages: stages}, nil)
}
