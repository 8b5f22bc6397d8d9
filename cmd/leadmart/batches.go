package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"leadmart/jobs"
)

// cmdBatches lists, shows, drops and restores landed batches. Each takes
// the warehouse lock, so it never runs beside a run.
func cmdBatches(ctx context.Context, args []string, stdout io.Writer) error {
	action := "list"
	if len(args) > 0 && args[0] != "" && args[0][0] != '-' {
		action, args = args[0], args[1:]
	}
	fs := flag.NewFlagSet("batches "+action, flag.ContinueOnError)
	fs.SetOutput(stdout) // --help is asked for: it goes to stdout, exit 0
	cfgPath := fs.String("config", "", "config file (default: the built-in demo configuration)")
	source := fs.String("source", "", "list the batches of this source only")
	reason := fs.String("reason", "", "why the batch is dropped, kept in ops.batch_events")
	// flags may come before or after the batch id
	var id string
	if len(args) > 0 && args[0] != "" && args[0][0] != '-' {
		id, args = args[0], args[1:]
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if id == "" && fs.NArg() > 0 {
		id = fs.Arg(0)
	}
	// a flag of another action would be accepted and ignored: refuse it
	var misplaced error
	fs.Visit(func(f *flag.Flag) {
		if (f.Name == "source" && action != "list") || (f.Name == "reason" && action != "drop") {
			misplaced = fmt.Errorf("%w: batches %s takes no --%s", errUsage, action, f.Name)
		}
	})
	if misplaced != nil {
		return misplaced
	}
	needsID := action == "show" || action == "drop" || action == "restore"
	switch {
	case action != "list" && !needsID:
		return fmt.Errorf("%w: unknown action %q (list, show, drop, restore)", errUsage, action)
	case needsID && id == "":
		return fmt.Errorf("%w: batches %s needs a batch id (leadmart batches list shows them)", errUsage, action)
	}
	cfg, w, err := openWarehouse(ctx, *cfgPath)
	if err != nil {
		return err
	}
	defer w.Close()
	switch action {
	case "list":
		all, err := jobs.Batches(ctx, w, *source)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "BATCH\tSOURCE\tSTATUS\tROWS\tREJECTED\tLOADED\tFILE")
		for _, b := range all {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%s\t%s\n", b.ID, b.Source, b.Status, b.Rows, b.Rejected, b.LoadedAt.Format(time.DateTime), b.File)
		}
		return tw.Flush()
	case "show":
		b, err := jobs.FindBatch(ctx, w, id)
		if err != nil {
			return err
		}
		printBatch(stdout, b)
		return nil
	case "drop":
		b, err := jobs.DropBatch(ctx, w, id, *reason)
		if err != nil {
			return err
		}
		if err := w.MirrorState(ctx); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "dropped batch %s (%s, %d rows of %s); its as-read copy is in %s\n", b.ID, b.Source, b.Rows, b.File, b.Quarantine)
		fmt.Fprintln(stdout, "the file is not landed again while the batch is dropped; the next run publishes without it (leadmart batches restore undoes this)")
		return nil
	}
	b, err := jobs.RestoreBatch(ctx, w, cfg, id)
	if err != nil {
		return err
	}
	if err := w.MirrorState(ctx); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "restored batch %s (%s, %d rows of %s); the next run publishes it again\n", b.ID, b.Source, b.Rows, b.File)
	return nil
}

func printBatch(w io.Writer, b jobs.Batch) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	row := func(k string, v any) { fmt.Fprintf(tw, "%s\t%v\n", k, v) }
	row("batch", b.ID)
	row("source", fmt.Sprintf("%s (%s.%s)", b.Source, b.System, b.Entity))
	row("file", b.File)
	row("status", b.Status)
	row("rows", b.Rows)
	row("rejected lines", fmt.Sprintf("%d (ops.rejected_rows)", b.Rejected))
	row("duplicate keys", b.DuplicateKeys)
	row("landed", fmt.Sprintf("%s by run %s", b.LoadedAt.Format(time.DateTime), b.RunID))
	if b.Parquet != "" {
		row("as-read copy", b.Parquet)
	}
	if b.DroppedAt.Valid {
		row("dropped", fmt.Sprintf("%s; copy in %s", b.DroppedAt.Time.Format(time.DateTime), b.Quarantine))
	}
	tw.Flush()
}
