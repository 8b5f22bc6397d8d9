package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"path"
	"strings"
	"text/tabwriter"
	"time"

	"leadmart/jobs/schedule"

	"leadmart/publish"

	"leadmart/jobs"
)

// cmdStatus shows the last runs, what has landed of each source, and the
// run holding the warehouse, from the state file: it works during a run.
func cmdStatus(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("status", flag.ContinueOnError)
	fs.SetOutput(stdout) // --help is asked for: it goes to stdout, exit 0
	cfgPath := fs.String("config", "", "config file (default: the built-in demo configuration)")
	asJSON := fs.Bool("json", false, "print the status as JSON")
	n := fs.Int("runs", 10, "how many runs to show, newest first")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *n < 1 {
		return fmt.Errorf("%w: --runs: want 1 or more, got %d", errUsage, *n)
	}
	cfg, err := configOrDemo(*cfgPath)
	if err != nil {
		return err
	}
	st, err := jobs.ReadStatus(ctx, cfg.WarehouseDir(), *n)
	if err != nil {
		return err
	}
	st.Next = schedule.NextRuns(cfg, time.Now())
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(st)
	}
	if st.Lock == nil {
		fmt.Fprintln(stdout, "no run holds the warehouse")
	} else if st.Lock.RunID == "" {
		fmt.Fprintln(stdout, "the warehouse is locked (a batches or rollback command)")
	} else {
		fmt.Fprintf(stdout, "run %s holds the warehouse: pid %d, started %s, in step %s\n",
			st.Lock.RunID, st.Lock.PID, st.Lock.StartedAt.Format(time.DateTime), st.Lock.Step)
	}
	if st.Published == "" {
		fmt.Fprintln(stdout, "nothing is published yet")
	} else {
		fmt.Fprintf(stdout, "published: run %s (%s), %d versions kept\n", st.Published, path.Join(publish.VersionsDir, st.Published), len(st.Kept))
	}
	fmt.Fprintln(stdout, "\nruns:")
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "RUN\tSTATUS\tAS OF\tSTARTED\tSECONDS\tROWS\tSTEP\tFAILED CHECKS / ERROR")
	for _, r := range st.Runs {
		secs, rows := "", ""
		if r.Seconds != nil {
			secs = fmt.Sprintf("%.1f", *r.Seconds)
		}
		if r.Rows != nil {
			rows = fmt.Sprint(*r.Rows)
		}
		step := r.Step // where a run that did not succeed stopped, or is
		if r.Status == "success" {
			step = ""
		}
		why := strings.Join(r.FailedChecks, "; ")
		if why == "" {
			why = r.Error
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.RunID, r.Status, r.AsOf, r.StartedAt.Format(time.DateTime), secs, rows, step, why)
	}
	tw.Flush()
	fmt.Fprintln(stdout, "\nsources:")
	tw = tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SOURCE\tBATCHES\tDROPPED\tLAST LANDED\tLAST EXTRACT WRITTEN\tAGE (HOURS)\tLAST BATCH ROWS")
	for _, s := range st.Sources {
		ext := ""
		if s.ExtractedAt != nil {
			ext = s.ExtractedAt.Format(time.DateTime)
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%s\t%s\t%.1f\t%d\n", s.Source, s.Batches, s.Dropped, s.LastLoadedAt.Format(time.DateTime), ext, s.AgeHours, s.LastRows)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\nnext scheduled runs (leadmart schedule, %s):\n", cfg.Warehouse.TimeZone)
	for _, r := range st.Next {
		fmt.Fprintf(stdout, "  %-16s %s\n", r.Job, r.At.In(cfg.Location()).Format("2006-01-02 15:04 MST"))
	}
	return nil
}
