package jobs

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"leadmart/models"
)

// PublishedFile is the DuckDB file BI tools open.
const PublishedFile = "leadmart.duckdb"

// Publication is one consistent set of published tables.
type Publication struct {
	RunID       string
	AsOf        time.Time
	PublishedAt time.Time
	Tables      []models.Model
}

// PublishHook, when set, runs inside publication just before the switch;
// tests use it to kill a run at the worst moment.
var PublishHook func(stage string)

// PublishDuckDB writes the published tables into a new versioned file and
// switches it in atomically. Readers that hold the old file keep reading it;
// the next reader that opens the path gets the new one. It never writes into
// a file a reader may have open.
func PublishDuckDB(ctx context.Context, w *Warehouse, pub Publication, keep int) (string, error) {
	versions := filepath.Join(w.Dir, "publish", "duckdb")
	if err := os.MkdirAll(versions, 0o755); err != nil {
		return "", err
	}
	cleanLeftovers(versions, w.Dir)
	final := filepath.Join(versions, "leadmart-"+pub.RunID+".duckdb")
	tmp := final + ".tmp"
	if err := w.exec(ctx, fmt.Sprintf("attach %s as pub", quote(tmp))); err != nil {
		return "", fmt.Errorf("create publication file: %w", err)
	}
	attached := true
	defer func() {
		if attached {
			_ = w.exec(context.WithoutCancel(ctx), "detach pub")
			os.Remove(tmp)
		}
	}()
	if err := fillPublication(ctx, w, pub); err != nil {
		return "", err
	}
	// A checkpoint folds the WAL into the file; after detach nothing is left beside it.
	if err := w.exec(ctx, "checkpoint pub"); err != nil {
		return "", fmt.Errorf("checkpoint publication: %w", err)
	}
	if err := w.exec(ctx, "detach pub"); err != nil {
		return "", fmt.Errorf("close publication: %w", err)
	}
	attached = false
	if _, err := os.Stat(tmp + ".wal"); err == nil {
		return "", fmt.Errorf("publication %s left a WAL behind", tmp)
	}
	if err := syncFile(tmp); err != nil {
		return "", err
	}
	if err := os.Rename(tmp, final); err != nil {
		return "", err
	}
	if PublishHook != nil {
		PublishHook("before-switch")
	}
	if err := switchTo(w.Dir, final); err != nil {
		return "", err
	}
	return filepath.Join(w.Dir, PublishedFile), prune(versions, w.Dir, keep)
}

func fillPublication(ctx context.Context, w *Warehouse, pub Publication) error {
	stmts := []string{"create schema pub.mart",
		`create table pub.mart.publication (run_id varchar, as_of date, published_at timestamp, table_name varchar,
			row_count bigint, description varchar)`}
	for _, q := range stmts {
		if err := w.exec(ctx, q); err != nil {
			return fmt.Errorf("publish: %w", err)
		}
	}
	for _, m := range pub.Tables {
		target := "pub.mart." + m.Name
		if err := w.exec(ctx, fmt.Sprintf("create table %s as select * from %s", target, m.Qualified())); err != nil {
			return fmt.Errorf("publish %s: %w", m.Qualified(), err)
		}
		if PublishHook != nil {
			PublishHook("table:" + m.Name)
		}
		comments := []string{fmt.Sprintf("comment on table %s is %s", target, quote(m.Meta.Description))}
		cols, err := columnsOf(ctx, w.conn, m.Schema, m.Name)
		if err != nil {
			return err
		}
		for _, c := range cols {
			if d := m.Meta.Columns[c]; d != "" {
				comments = append(comments, fmt.Sprintf("comment on column %s.%s is %s", target, ident(c), quote(d)))
			}
		}
		for _, q := range comments {
			if err := w.exec(ctx, q); err != nil {
				return fmt.Errorf("describe %s: %w", target, err)
			}
		}
		if err := w.exec(ctx, fmt.Sprintf(`insert into pub.mart.publication
			select ?, ?, ?, ?, (select count(*) from %s), ?`, target),
			pub.RunID, pub.AsOf, pub.PublishedAt.UTC(), m.Name, m.Meta.Description); err != nil {
			return fmt.Errorf("record publication: %w", err)
		}
	}
	return w.exec(ctx, `comment on table pub.mart.publication is 'One row per published table: the run that published it, its as_of date and row count.'`)
}

// switchTo makes version the published file: a hard link to it under a
// temporary name, then rename(2) onto leadmart.duckdb, which is atomic on
// Linux. The version keeps its name, so rollback needs no copy.
func switchTo(dir, version string) error {
	link := filepath.Join(dir, "."+PublishedFile+".switch")
	os.Remove(link)
	if err := os.Link(version, link); err != nil {
		return fmt.Errorf("link publication: %w", err)
	}
	if err := os.Rename(link, filepath.Join(dir, PublishedFile)); err != nil {
		os.Remove(link)
		return fmt.Errorf("switch publication: %w", err)
	}
	return syncDir(dir)
}

// cleanLeftovers removes what a run killed during publication left behind.
func cleanLeftovers(versions, dir string) {
	for _, pattern := range []string{filepath.Join(versions, "*.tmp"), filepath.Join(versions, "*.tmp.wal"), filepath.Join(dir, "."+PublishedFile+".switch")} {
		matches, _ := filepath.Glob(pattern)
		for _, m := range matches {
			os.Remove(m)
		}
	}
}

// Versions lists the kept publications, newest first.
func Versions(dir string) ([]string, error) {
	files, err := filepath.Glob(filepath.Join(dir, "publish", "duckdb", "leadmart-*.duckdb"))
	if err != nil {
		return nil, err
	}
	// run ids start with a UTC timestamp, so names sort by age
	sort.Sort(sort.Reverse(sort.StringSlice(files)))
	return files, nil
}

// prune keeps the newest keep versions, and never the published one.
func prune(versions, dir string, keep int) error {
	files, err := Versions(dir)
	if err != nil {
		return err
	}
	current, _ := os.Stat(filepath.Join(dir, PublishedFile))
	var errs []error
	for i, f := range files {
		if i < keep {
			continue
		}
		if st, err := os.Stat(f); err == nil && current != nil && os.SameFile(st, current) {
			continue
		}
		errs = append(errs, os.Remove(f))
	}
	return errors.Join(errs...)
}

// Rollback switches the published file back to the version before the
// current one and returns that version's path.
func Rollback(dir string) (string, error) {
	files, err := Versions(dir)
	if err != nil {
		return "", err
	}
	current, err := os.Stat(filepath.Join(dir, PublishedFile))
	if err != nil {
		return "", fmt.Errorf("nothing is published in %s: %w", dir, err)
	}
	for i, f := range files {
		st, err := os.Stat(f)
		if err != nil || !os.SameFile(st, current) {
			continue
		}
		if i+1 >= len(files) {
			return "", fmt.Errorf("no publication older than %s is kept", filepath.Base(f))
		}
		return files[i+1], switchTo(dir, files[i+1])
	}
	return "", fmt.Errorf("the published file is none of the kept versions (%s)", strings.Join(files, ", "))
}

func syncFile(p string) error {
	f, err := os.Open(p)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}

func syncDir(p string) error { return syncFile(p) }
