package publish

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"leadmart/internal/quote"
	"leadmart/workdb"
)

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

	w                 *workdb.Warehouse
	dir, tmp, version string
	attached, live    bool
}

var _ Target = (*DuckDBTarget)(nil)

// BuildCatalog is the name the file being built is attached as during a run.
const BuildCatalog = "pub"

func (d *DuckDBTarget) Name() string { return "duckdb" }

func (d *DuckDBTarget) Where(pub Publication) string {
	return fmt.Sprintf("%s (publish/duckdb/leadmart-%s.duckdb)", PublishedFile, pub.RunID)
}

func (d *DuckDBTarget) versions() string { return filepath.Join(d.dir, "publish", "duckdb") }

// Begin creates the run's publication file and attaches it as BuildCatalog.
// The work database's core and mart schemas then hold views only.
func (d *DuckDBTarget) Begin(ctx context.Context, w *workdb.Warehouse, runID string) error {
	d.w, d.dir = w, w.Dir
	if err := os.MkdirAll(d.versions(), 0o755); err != nil {
		return err
	}
	cleanLeftovers(d.versions(), w.Dir)
	d.version = filepath.Join(d.versions(), "leadmart-"+runID+".duckdb")
	d.tmp = d.version + ".tmp"
	if err := w.Exec(ctx, fmt.Sprintf("attach %s as %s", quote.Lit(d.tmp), BuildCatalog)); err != nil {
		return fmt.Errorf("create publication file: %w", err)
	}
	d.attached = true
	if err := w.Exec(ctx, "create schema "+BuildCatalog+".mart"); err != nil {
		return fmt.Errorf("create publication file: %w", err)
	}
	// A warehouse from before in-place building holds the models as tables.
	_, old, err := w.QueryAll(ctx, "select schema_name || '.' || table_name from duckdb_tables() where database_name = current_database() and schema_name in ('core', 'mart')")
	if err != nil {
		return err
	}
	for _, t := range old {
		if err := w.Exec(ctx, fmt.Sprintf("drop table %s", t[0])); err != nil {
			return err
		}
	}
	return nil
}

// Prepare completes the file built since Begin: the publication table and
// every comment in one transaction, a checkpoint, then closed and renamed.
func (d *DuckDBTarget) Prepare(ctx context.Context, w *workdb.Warehouse, pub Publication) error {
	if !d.attached {
		return errors.New("the publication file was not begun before the models ran")
	}
	if err := describePublication(ctx, w, pub); err != nil {
		return err
	}
	// A checkpoint folds the WAL into the file; after detach nothing is left beside it.
	if err := w.Exec(ctx, "checkpoint "+BuildCatalog); err != nil {
		return fmt.Errorf("checkpoint publication: %w", err)
	}
	if err := w.Exec(ctx, "detach "+BuildCatalog); err != nil {
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
	return prune(d.dir, d.Keep)
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
		_ = d.w.Exec(context.Background(), "detach "+BuildCatalog)
	}
	for _, f := range []string{d.tmp, d.tmp + ".wal", d.version} {
		if f != "" {
			os.Remove(f)
		}
	}
}

// describePublication writes mart.publication and every comment into the
// file being built, in one transaction: one commit instead of hundreds.
func describePublication(ctx context.Context, w *workdb.Warehouse, pub Publication) (err error) {
	if err := w.Exec(ctx, "begin transaction"); err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = w.Exec(context.WithoutCancel(ctx), "rollback")
			return
		}
		err = w.Exec(ctx, "commit")
	}()
	meta, err := publicationMeta()
	if err != nil {
		return err
	}
	schema := BuildCatalog + ".mart"
	stmts := []string{"create table " + schema + ".publication as select * from cfg.publication",
		"comment on table " + schema + ".publication is " + quote.Lit(meta.Description)}
	for _, c := range meta.Columns {
		stmts = append(stmts, fmt.Sprintf("comment on column %s.publication.%s is %s", schema, c.Name, quote.Lit(c.Description)))
	}
	for _, t := range pub.Tables {
		target := schema + "." + t.Model.Name
		stmts = append(stmts, fmt.Sprintf("comment on table %s is %s", target, quote.Lit(t.Model.Meta.Description)))
		for _, c := range t.Columns {
			if c.Description != "" {
				stmts = append(stmts, fmt.Sprintf("comment on column %s.%s is %s", target, quote.Ident(c.Name), quote.Lit(c.Description)))
			}
		}
	}
	for _, q := range stmts {
		if err := w.Exec(ctx, q); err != nil {
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

func syncFile(p string) error {
	f, err := os.Open(p)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}

func syncDir(p string) error { return syncFile(p) }
