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

	"github.com/rs/zerolog"

	"leadmart/models"
)

// PublishedFile is the DuckDB file BI tools open.
const PublishedFile = "leadmart.duckdb"

// Publication is one consistent set of published tables.
type Publication struct {
	RunID       string
	AsOf        time.Time
	PublishedAt time.Time
	Tables      []PublishedTable
}

// PublishedTable is a model with what publication learned about it.
type PublishedTable struct {
	Model   models.Model
	Rows    int64
	Columns []Column
}

// Column is a published column with its DuckDB type and description.
type Column struct {
	Name, Type, Description string
}

// Target is one place BI tools read from. Publishing is two-phase: every
// target prepares its new version beside the live one, and only when all
// have prepared does each switch, atomically for its readers.
type Target interface {
	Name() string
	// Prepare writes the publication without touching what readers see.
	Prepare(ctx context.Context, w *Warehouse, pub Publication) error
	// Switch makes the prepared publication the live one.
	Switch(ctx context.Context) error
	// Abort removes what Prepare wrote; the live publication stays.
	Abort()
}

var _ Target = (*DuckDBTarget)(nil)

// PublishHook, when set, runs at named moments of publication; tests use it
// to kill a run at the worst moment.
var PublishHook func(stage string)

func hook(stage string) {
	if PublishHook != nil {
		PublishHook(stage)
	}
}

// publicationColumns describe mart.publication, in every target.
var publicationColumns = []Column{
	{Name: "run_id", Type: "VARCHAR", Description: "The run that published this version."},
	{Name: "as_of", Type: "DATE", Description: "The date every KPI of this publication is computed as of."},
	{Name: "published_at", Type: "TIMESTAMP", Description: "When the publication was written (UTC)."},
	{Name: "table_name", Type: "VARCHAR", Description: "A published table."},
	{Name: "row_count", Type: "BIGINT", Description: "Its number of rows."},
	{Name: "description", Type: "VARCHAR", Description: "What the table is."},
}

const publicationDescription = "One row per published table: the run that published it, its as_of date and row count."

// writePublicationTable builds cfg.publication in the work database; every
// target publishes it as publication beside the tables it describes.
func writePublicationTable(ctx context.Context, w *Warehouse, pub Publication) error {
	defs := make([]string, len(publicationColumns))
	for i, c := range publicationColumns {
		defs[i] = c.Name + " " + c.Type
	}
	if err := w.exec(ctx, "create or replace table cfg.publication ("+strings.Join(defs, ", ")+")"); err != nil {
		return err
	}
	var vals []string
	var args []any
	for _, t := range pub.Tables {
		vals = append(vals, "(?, ?, ?, ?, ?, ?)")
		args = append(args, pub.RunID, pub.AsOf, pub.PublishedAt.UTC(), t.Model.Name, t.Rows, t.Model.Meta.Description)
	}
	if len(vals) == 0 {
		return nil
	}
	return w.exec(ctx, "insert into cfg.publication values "+strings.Join(vals, ", "), args...)
}

// Publish prepares every target, then switches them. A failure before the
// switch leaves every live publication as it was.
func Publish(ctx context.Context, w *Warehouse, pub Publication, targets []Target, log zerolog.Logger) error {
	if err := writePublicationTable(ctx, w, pub); err != nil {
		return fmt.Errorf("record publication: %w", err)
	}
	for i, t := range targets {
		start := time.Now()
		err := t.Prepare(ctx, w, pub)
		log.Debug().Str("target", t.Name()).Int64("duration_ms", time.Since(start).Milliseconds()).Msg("publication prepared")
		if err != nil {
			for _, p := range targets[:i+1] {
				p.Abort()
			}
			return fmt.Errorf("prepare %s publication: %w", t.Name(), err)
		}
	}
	hook("before-switch")
	for _, t := range targets {
		if err := t.Switch(ctx); err != nil {
			return fmt.Errorf("switch %s publication: %w", t.Name(), err)
		}
	}
	return nil
}

// describe fills in each table's columns from the work database, and its
// row count from rows (what Transform counted); a table missing there is counted.
func describe(ctx context.Context, w *Warehouse, ms []models.Model, rows map[string]int64) ([]PublishedTable, error) {
	var out []PublishedTable
	for _, m := range ms {
		t := PublishedTable{Model: m}
		if n, ok := rows[m.Qualified()]; ok {
			t.Rows = n
		} else if err := w.conn.QueryRowContext(ctx, "select count(*) from "+m.Qualified()).Scan(&t.Rows); err != nil {
			return nil, err
		}
		cols, err := w.conn.QueryContext(ctx, `select column_name, data_type from duckdb_columns()
			where database_name = current_database() and schema_name = ? and table_name = ? order by column_index`, m.Schema, m.Name)
		if err != nil {
			return nil, err
		}
		for cols.Next() {
			var c Column
			if err := cols.Scan(&c.Name, &c.Type); err != nil {
				cols.Close()
				return nil, err
			}
			c.Description = m.Meta.Columns[c.Name]
			t.Columns = append(t.Columns, c)
		}
		cols.Close()
		out = append(out, t)
	}
	return out, nil
}

// DuckDBTarget publishes warehouse/leadmart.duckdb: a new versioned file,
// checkpointed and closed, then hard-linked and renamed onto the published
// path. Readers that hold the old file keep reading it; the next reader
// that opens the path gets the new one.
//
// The file is built in place: Begin attaches it before the models run, and
// Transform creates the core and mart models in it (as mart.<name>), with
// a view of the same name in the work database for the models, checks and
// other targets that read them. Publication then adds the publication
// table and the comments; no table is copied.
type DuckDBTarget struct {
	Keep int

	w                 *Warehouse
	dir, tmp, version string
	attached, live    bool
}

var _ Target = (*DuckDBTarget)(nil)

// BuildCatalog is the name the file being built is attached as during a run.
const BuildCatalog = "pub"

func (d *DuckDBTarget) Name() string { return "duckdb" }

func (d *DuckDBTarget) versions() string { return filepath.Join(d.dir, "publish", "duckdb") }

// Begin creates the run's publication file and attaches it as BuildCatalog.
// The work database's core and mart schemas then hold views only.
func (d *DuckDBTarget) Begin(ctx context.Context, w *Warehouse, runID string) error {
	d.w, d.dir = w, w.Dir
	if err := os.MkdirAll(d.versions(), 0o755); err != nil {
		return err
	}
	cleanLeftovers(d.versions(), w.Dir)
	d.version = filepath.Join(d.versions(), "leadmart-"+runID+".duckdb")
	d.tmp = d.version + ".tmp"
	if err := w.exec(ctx, fmt.Sprintf("attach %s as %s", quote(d.tmp), BuildCatalog)); err != nil {
		return fmt.Errorf("create publication file: %w", err)
	}
	d.attached = true
	if err := w.exec(ctx, "create schema "+BuildCatalog+".mart"); err != nil {
		return fmt.Errorf("create publication file: %w", err)
	}
	// A warehouse from before in-place building holds the models as tables.
	_, old, err := w.queryAll(ctx, "select schema_name || '.' || table_name from duckdb_tables() where database_name = current_database() and schema_name in ('core', 'mart')")
	if err != nil {
		return err
	}
	for _, t := range old {
		if err := w.exec(ctx, fmt.Sprintf("drop table %s", t[0])); err != nil {
			return err
		}
	}
	return nil
}

// Prepare completes the file built since Begin: the publication table and
// every comment in one transaction, a checkpoint, then closed and renamed.
func (d *DuckDBTarget) Prepare(ctx context.Context, w *Warehouse, pub Publication) error {
	if !d.attached {
		return errors.New("the publication file was not begun before the models ran")
	}
	if err := describePublication(ctx, w, pub); err != nil {
		return err
	}
	// A checkpoint folds the WAL into the file; after detach nothing is left beside it.
	if err := w.exec(ctx, "checkpoint "+BuildCatalog); err != nil {
		return fmt.Errorf("checkpoint publication: %w", err)
	}
	if err := w.exec(ctx, "detach "+BuildCatalog); err != nil {
		return fmt.Errorf("close publication: %w", err)
	}
	d.attached = false
	if _, err := os.Stat(d.tmp + ".wal"); err == nil {
		return fmt.Errorf("publication %s left a WAL behind", d.tmp)
	}
	if err := syncFile(d.tmp); err != nil {
		return err
	}
	return os.Rename(d.tmp, d.version)
}

func (d *DuckDBTarget) Switch(context.Context) error {
	if err := switchTo(d.dir, d.version); err != nil {
		return err
	}
	d.live = true
	return prune(d.versions(), d.dir, d.Keep)
}

// Abort closes and removes the file being built, or the prepared version
// unless it is already live.
func (d *DuckDBTarget) Abort() {
	if d.live {
		return
	}
	if d.attached {
		d.attached = false
		// the connection may be gone with the run; the file is removed either way
		_ = d.w.exec(context.Background(), "detach "+BuildCatalog)
	}
	for _, f := range []string{d.tmp, d.tmp + ".wal", d.version} {
		if f != "" {
			os.Remove(f)
		}
	}
}

// describePublication writes mart.publication and every comment into the
// file being built, in one transaction: one commit instead of hundreds.
func describePublication(ctx context.Context, w *Warehouse, pub Publication) (err error) {
	if err := w.exec(ctx, "begin transaction"); err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = w.exec(context.WithoutCancel(ctx), "rollback")
			return
		}
		err = w.exec(ctx, "commit")
	}()
	schema := BuildCatalog + ".mart"
	stmts := []string{"create table " + schema + ".publication as select * from cfg.publication",
		"comment on table " + schema + ".publication is " + quote(publicationDescription)}
	for _, c := range publicationColumns {
		stmts = append(stmts, fmt.Sprintf("comment on column %s.publication.%s is %s", schema, c.Name, quote(c.Description)))
	}
	for _, t := range pub.Tables {
		target := schema + "." + t.Model.Name
		stmts = append(stmts, fmt.Sprintf("comment on table %s is %s", target, quote(t.Model.Meta.Description)))
		for _, c := range t.Columns {
			if c.Description != "" {
				stmts = append(stmts, fmt.Sprintf("comment on column %s.%s is %s", target, ident(c.Name), quote(c.Description)))
			}
		}
	}
	for _, q := range stmts {
		if err := w.exec(ctx, q); err != nil {
			return fmt.Errorf("describe publication: %w", err)
		}
	}
	return nil
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

// Versions lists the kept DuckDB publications, newest first.
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

// Rollback switches the published DuckDB file back to the version before
// the current one and returns that version's path.
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
