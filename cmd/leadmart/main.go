// Command leadmart runs the lead-management warehouse jobs.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"math"
	"os"
	"os/signal"
	"path"
	"path/filepath"
	"runtime/debug"
	"slices"
	"syscall"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/rs/zerolog"

	"leadmart/config"
	"leadmart/internal/demo"
	"leadmart/jobs"
	"leadmart/publish"
	"leadmart/workdb"
)

// Exit codes, documented in the README.
const (
	exitOK      = jobs.ExitOK
	exitFailed  = jobs.ExitFailed
	exitUsage   = jobs.ExitUsage
	exitChecks  = jobs.ExitChecks
	exitLocked  = jobs.ExitLocked
	exitBadData = jobs.ExitBadInput
)

const usage = `leadmart: a batch warehouse for B2B lead management

usage:
  leadmart run   [--config FILE] [--as-of YYYY-MM-DD]   run the nightly job
  leadmart rebuild [--source NAME] [--config FILE] [--as-of DATE]
                                                        type every landed batch again from its as-read copy, then run
  leadmart batches [list [--source NAME] | show ID | drop ID [--reason TEXT] | restore ID] [--config FILE]
                                                        list, inspect, drop or restore landed batches
  leadmart schedule [--config FILE]                     the daemon: run the scheduled jobs, serve /metrics and /healthz
  leadmart backfill --from YYYY-MM --to YYYY-MM [--every month|day] [--config FILE]
                                                        snapshot the monthly marts as of past dates into *_history, then publish
  leadmart report [--month YYYY-MM|last] [--lang de|en] [--format html|pdf] [--partial] [--send] [--config FILE]
                                                        the monthly potential-vs-acquisition report for management
  leadmart status [--config FILE] [--json] [--runs N]   the last runs, the sources, the next scheduled runs and the
                                                        run in progress (works during a run)
  leadmart rollback [--config FILE] [--to RUN_ID] [--list]
                                                        switch every target back to a kept publication that was live
  leadmart docs [--config FILE] [--out DIR | --static FILE]
                                                        write the data dictionary
  leadmart query [--db FILE] [--format table|csv|json] SQL
                                                        query the published warehouse (read-only)
  leadmart --version                                    the build
  leadmart bench [--scales S,M] [--runs N] [--memory-limit 4GB]
                                                        benchmark full, incremental and baseline runs
  leadmart baseline [--config FILE] [--as-of DATE]      the engine baseline of the benchmarks
  leadmart demo  --out DIR [--seed N] [--scale S] [--end YYYY-MM-DD]
                                                        write the demo extracts

exit codes: 0 ok, 1 failure (the machine or leadmart), 2 usage or config error,
            3 data checks failed, 4 the warehouse is locked, 5 bad input
`

func main() {
	os.Exit(runWithSignals(os.Args[1:]))
}

// runWithSignals runs a command that SIGTERM or SIGINT cancels: a run stops
// cleanly. Once the first signal has cancelled, the default action
// returns, so a second signal ends the process at once.
func runWithSignals(args []string) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		stop()
	}()
	return run(ctx, args, os.Stdout, os.Stderr)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	log := newLogger(stderr)
	var err error
	switch args[0] {
	case "run":
		err = cmdRun(ctx, args[1:], stdout, stderr, log, false)
	case "rebuild":
		err = cmdRun(ctx, args[1:], stdout, stderr, log, true)
	case "batches":
		err = cmdBatches(ctx, args[1:], stdout)
	case "status":
		err = cmdStatus(ctx, args[1:], stdout)
	case "schedule":
		err = cmdSchedule(ctx, args[1:], stdout, log)
	case "backfill":
		err = cmdBackfill(ctx, args[1:], stdout, stderr, log)
	case "report":
		err = cmdReport(ctx, args[1:], stdout)
	case "demo":
		err = cmdDemo(args[1:], stdout)
	case "rollback":
		err = cmdRollback(ctx, args[1:], stdout)
	case "docs":
		err = cmdDocs(args[1:], stdout)
	case "query":
		err = cmdQuery(ctx, args[1:], stdout)
	case "bench":
		err = cmdBench(ctx, args[1:], stdout)
	case "baseline":
		err = cmdBaseline(ctx, args[1:], stdout)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return exitOK
	case "version", "--version":
		fmt.Fprintln(stdout, version())
		return exitOK
	default:
		fmt.Fprintf(stderr, "leadmart: unknown command %q\n\n%s", args[0], usage)
		return exitUsage
	}
	if err == nil {
		return exitOK
	}
	if errors.Is(err, flag.ErrHelp) {
		return exitOK // the flag package printed the command's usage
	}
	fmt.Fprintf(stderr, "leadmart %s: %v\n", args[0], err)
	return exitCode(err)
}

// exitCode is the documented exit code of a failed command.
func exitCode(err error) int {
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return exitOK
	case errors.Is(err, errUsage):
		return exitUsage
	}
	return jobs.ExitCode(err)
}

var errUsage = errors.New("usage")

// version names the build from what the Go toolchain stamped into the
// binary: the module version, else the VCS revision and time.
func version() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "leadmart (unknown build)"
	}
	v := bi.Main.Version
	settings := map[string]string{}
	for _, s := range bi.Settings {
		settings[s.Key] = s.Value
	}
	if rev := settings["vcs.revision"]; rev != "" {
		v += " " + rev[:min(12, len(rev))]
		if settings["vcs.modified"] == "true" {
			v += "+modified"
		}
		if at := settings["vcs.time"]; at != "" {
			v += " " + at
		}
	}
	return fmt.Sprintf("leadmart %s (%s)", v, bi.GoVersion)
}

func cmdDemo(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(stdout) // --help is asked for: it goes to stdout, exit 0
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
	for _, name := range slices.Sorted(maps.Keys(sum)) {
		fmt.Fprintf(stdout, "%-40s %9d rows\n", name, sum[name])
	}
	return nil
}

// cmdRun runs the job; rebuild first types every landed batch (of
// --source) again from its as-read copy.
func cmdRun(ctx context.Context, args []string, stdout, stderr io.Writer, log zerolog.Logger, rebuild bool) error {
	name := "run"
	if rebuild {
		name = "rebuild"
	}
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stdout) // --help is asked for: it goes to stdout, exit 0
	source := "*"
	if rebuild {
		fs.StringVar(&source, "source", "*", "rebuild this source only (default: every source)")
	}
	cfgPath := fs.String("config", "", "config file (default: the built-in demo configuration)")
	asOf := fs.String("as-of", "", "compute everything as of this date, YYYY-MM-DD, or \"data\": the newest date in the landed data (default: yesterday)")
	verbose := fs.Bool("v", false, "log every model")
	summary := fs.String("summary-json", "", "also write the run's summary as JSON to this file (for benchmarks)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if !*verbose {
		log = log.Level(zerolog.InfoLevel)
	}
	opt := jobs.Options{Log: log}
	if rebuild {
		opt.Rebuild = []string{source}
	}
	if *asOf == "data" {
		opt.AsOfData = true
	} else if *asOf != "" {
		d, err := time.Parse(time.DateOnly, *asOf)
		if err != nil {
			return fmt.Errorf("%w: --as-of: want YYYY-MM-DD or data, got %q", errUsage, *asOf)
		}
		opt.AsOf = d
	}
	cfg, err := loadConfig(*cfgPath, opt.AsOf, stdout)
	if err != nil {
		return err
	}
	if source != "*" && !slices.ContainsFunc(cfg.Sources, func(s config.Source) bool { return s.Name == source }) {
		return fmt.Errorf("%w: --source: the config has no source %q", errUsage, source)
	}
	if isTerminal(stderr) && !*verbose {
		// a person watching sees one line with the step and the model;
		// warnings and errors still print, a log (not a terminal) keeps every line
		bar := progressbar.NewOptions(-1, progressbar.OptionSetWriter(stderr), progressbar.OptionSpinnerType(14),
			progressbar.OptionClearOnFinish(), progressbar.OptionSetElapsedTime(true))
		opt.Progress = func(step, model string) {
			bar.Describe(fmt.Sprintf("%-9s %s", step, model))
			_ = bar.Add(1)
		}
		opt.Log = log.Level(zerolog.WarnLevel)
		defer bar.Finish()
	}
	res, err := jobs.Run(ctx, cfg, opt)
	if *summary != "" {
		// written whatever the outcome: a scheduler reads why a run failed here
		if werr := writeSummaryJSON(*summary, res, err); werr != nil && err == nil {
			return werr
		}
	}
	if err != nil {
		return err
	}
	printSummary(stdout, res)
	return nil
}

// loadConfig reads --config, or returns the demo configuration after
// generating the demo extracts on first use.
func loadConfig(path string, asOf time.Time, stdout io.Writer) (*config.Config, error) {
	if path != "" {
		return config.Load(path)
	}
	cfg, err := config.Demo(".")
	if err != nil {
		return nil, err
	}
	dir := filepath.Join(cfg.WarehouseDir(), "demo")
	if _, err := os.Stat(filepath.Join(dir, "crm", "leads.csv")); err == nil {
		return cfg, nil
	}
	// The demo data ends on as_of, so that the first run has fresh data.
	end := asOf
	if end.IsZero() {
		end = jobs.DefaultAsOf(time.Now(), cfg.Location())
	}
	fmt.Fprintf(stdout, "no --config: generating demo extracts into %s (seed 42, scale 1, ending %s)\n", dir, end.Format(time.DateOnly))
	if _, err := demo.Generate(dir, demo.Options{Seed: 42, Scale: 1, End: end}); err != nil {
		return nil, fmt.Errorf("generate demo data: %w", err)
	}
	return cfg, nil
}

func printSummary(w io.Writer, res *jobs.Result) {
	fmt.Fprintf(w, "\nrun %s as of %s: success in %.1fs\n", res.RunID, res.AsOf.Format(time.DateOnly), res.Duration.Seconds())
	for _, c := range res.Cleaned {
		fmt.Fprintf(w, "cleaned: %s\n", c)
	}
	fmt.Fprintf(w, "landed: %d new files, %d unchanged, %d rows, %d rejected lines", res.Land.Files, res.Land.Skipped, res.Land.Rows, res.Land.Rejected)
	if res.Land.Retyped > 0 {
		fmt.Fprintf(w, "; %d batches typed again", res.Land.Retyped)
	}
	fmt.Fprintln(w)
	passed := 0
	warned := 0
	for _, c := range res.Checks {
		if c.Warn && !c.Passed() {
			warned++
		}
		if c.Passed() {
			passed++
		}
	}
	fmt.Fprintf(w, "models: %d built; checks: %d/%d passed", len(res.Models), passed, len(res.Checks))
	if warned > 0 {
		fmt.Fprintf(w, ", %d warned (see the warnings below)", warned)
	}
	fmt.Fprintln(w)
	st := func(name string) float64 { return res.Stages[name].Seconds() }
	fmt.Fprintf(w, "stages: land %.1fs, screen %.1fs, transform %.1fs (staging %.1f, core %.1f, marts %.1f), check %.1fs, publish %.1fs\n",
		st("land"), st("screen"), st("transform"), st("staging"), st("core"), st("marts"), st("check"), st("publish"))
	for _, m := range res.Metrics {
		if math.IsNaN(m.Value) {
			continue
		}
		if m.Percent {
			fmt.Fprintf(w, "%s: %.1f%% %s (%s)\n", m.Label, m.Value*100, m.Of, m.Model)
		} else {
			fmt.Fprintf(w, "%s: %g %s (%s)\n", m.Label, m.Value, m.Of, m.Model)
		}
	}
	if !res.Data.Empty() {
		fmt.Fprintf(w, "data: %s to %s\n", res.Data.First.Format(time.DateOnly), res.Data.Last.Format(time.DateOnly))
	}
	for _, msg := range res.Warnings {
		fmt.Fprintf(w, "WARNING: %s\n", msg)
	}
	fmt.Fprintf(w, "published run %s to %d targets in %s, version %s (the same tables and rows in each):\n",
		res.RunID, len(res.Targets), filepath.Dir(res.Published), path.Join(publish.VersionsDir, res.RunID))
	for _, t := range res.Targets {
		fmt.Fprintf(w, "  %-8s %s\n", t.Name, t.Where)
	}
	// one column for the names, as wide as the longest (the history marts pass 40)
	width := 40
	for _, t := range res.Tables {
		width = max(width, len(t.Model))
	}
	for _, t := range res.Tables {
		fmt.Fprintf(w, "  %-*s %10d rows %7.2fs\n", width, t.Model, t.Rows, t.Duration.Seconds())
	}
}

// cmdRollback switches every publication target back to a kept version
// that was live, under the warehouse lock (a run in progress would publish
// over it seconds later: exit 4), and records it in ops.publication_events.
func cmdRollback(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("rollback", flag.ContinueOnError)
	fs.SetOutput(stdout) // --help is asked for: it goes to stdout, exit 0
	cfgPath := fs.String("config", "", "config file (default: the built-in demo configuration)")
	to := fs.String("to", "", "the run id of a kept publication that was live (default: the newest one older than the live one)")
	list := fs.Bool("list", false, "list the kept publications a rollback can switch to, and change nothing")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: rollback takes no arguments, got %q", errUsage, fs.Args())
	}
	cfg, w, err := openWarehouse(ctx, *cfgPath)
	if err != nil {
		return err
	}
	defer w.Close()
	if *list {
		cands, err := publish.Candidates(ctx, w)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "live: %s\n", publish.Live(w.Dir))
		for _, c := range cands {
			info, err := publish.ReadVersion(w.Dir, c)
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "  %s  as of %s, published %s\n", c, info.AsOf, info.PublishedAt.Format(time.RFC3339))
		}
		return nil
	}
	version, err := publish.Rollback(ctx, w, *to, publish.PostgresFor(cfg, publish.Hooks{}))
	if version != "" {
		if merr := w.MirrorState(ctx); merr != nil && err == nil {
			err = merr
		}
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "published %s again: %s, %s and %s", version, publish.PublishedFile, publish.ParquetLink, publish.DocsDir)
	if cfg.Publish.Postgres.DSNEnv != "" {
		fmt.Fprintf(stdout, ", and PostgreSQL schema %s", cfg.Publish.Postgres.Schema)
	}
	fmt.Fprintln(stdout)
	return nil
}

// writeSummaryJSON writes the run's summary, with its status, exit code
// and error, for benchmarks and schedulers.
func writeSummaryJSON(path string, res *jobs.Result, runErr error) error {
	stages := map[string]float64{}
	for k, v := range res.Stages {
		stages[k] = v.Seconds()
	}
	status, msg := jobs.StatusOf(runErr), ""
	if runErr != nil {
		msg = runErr.Error()
	}
	b, err := json.MarshalIndent(map[string]any{
		"run_id": res.RunID, "as_of": res.AsOf.Format(time.DateOnly), "seconds": res.Duration.Seconds(),
		"stages": stages, "landed_rows": res.Land.Rows, "landed_files": res.Land.Files,
		"status": status, "exit_code": exitCode(runErr), "error": msg, "warnings": res.Warnings,
	}, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o644)
}

// openWarehouse loads the config and opens its warehouse under the lock:
// a command that changes the warehouse never runs beside a run (exit 4).
func openWarehouse(ctx context.Context, cfgPath string) (*config.Config, *workdb.Warehouse, error) {
	cfg, err := configOrDemo(cfgPath)
	if err != nil {
		return nil, nil, err
	}
	w, err := workdb.Open(ctx, cfg)
	return cfg, w, err
}

// configOrDemo loads path, or the built-in demo configuration without one.
func configOrDemo(path string) (*config.Config, error) {
	if path != "" {
		return config.Load(path)
	}
	return config.Demo(".")
}

// newLogger logs for people on a terminal and JSON lines otherwise (cron,
// schedulers, log collectors), with the same structured fields.
func newLogger(stderr io.Writer) zerolog.Logger {
	if isTerminal(stderr) {
		return zerolog.New(zerolog.ConsoleWriter{Out: stderr, TimeFormat: time.TimeOnly}).With().Timestamp().Logger()
	}
	return zerolog.New(stderr).With().Timestamp().Logger()
}

// isTerminal says whether w is a terminal (a person watching) rather than
// a file or a pipe (a log).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
