package publish

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"leadmart/internal/quote"
	"leadmart/models"
	"leadmart/workdb"
)

// DuckDBTarget builds the publication's DuckDB file, leadmart.duckdb in the
// run's version folder, in place: Begin attaches it before the models run,
// and Transform creates the core and mart models in it (as mart.<name>),
// with a view of the same name in the work database for the models, checks
// and other targets that read them. Publication then adds the publication
// table, the keys and the comments; no table is copied.
type DuckDBTarget struct {
	w        *workdb.Warehouse
	file     string
	attached bool
}

// BuildCatalog is the name the file being built is attached as during a run.
const BuildCatalog = "pub"

// Begin creates the file in the version folder and attaches it as
// BuildCatalog. The work database's core and mart schemas then hold views only.
func (d *DuckDBTarget) Begin(ctx context.Context, w *workdb.Warehouse, versionDir string) error {
	d.w = w
	d.file = filepath.Join(versionDir, PublishedFile)
	if err := w.Exec(ctx, fmt.Sprintf("attach %s as %s", quote.Lit(d.file), BuildCatalog)); err != nil {
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

// Describe adds the publication table, every table's primary key and every
// comment to the file, in one transaction: one commit instead of hundreds.
func (d *DuckDBTarget) Describe(ctx context.Context, pub Publication) error {
	if !d.attached {
		return errors.New("the publication file was not begun before the models ran")
	}
	return d.w.Transaction(ctx, func() error { return describe(ctx, d.w, pub) })
}

func describe(ctx context.Context, w *workdb.Warehouse, pub Publication) error {
	meta, err := publicationMeta()
	if err != nil {
		return err
	}
	schema := BuildCatalog + ".mart"
	stmts := []string{"create table " + schema + ".publication as select * from cfg.publication",
		"alter table " + schema + ".publication add primary key (table_name)",
		"comment on table " + schema + ".publication is " + quote.Lit(meta.Description)}
	for _, c := range meta.Columns {
		stmts = append(stmts, fmt.Sprintf("comment on column %s.publication.%s is %s", schema, c.Name, quote.Lit(c.Description)))
	}
	for _, t := range pub.Tables {
		target := schema + "." + t.Model.Name
		stmts = append(stmts, fmt.Sprintf("comment on table %s is %s", target, quote.Lit(t.Model.Meta.Description)))
		if k := keyDDL(t, target); k != "" {
			stmts = append(stmts, k)
		}
		for _, c := range t.Columns {
			if c.Description != "" {
				stmts = append(stmts, fmt.Sprintf("comment on column %s.%s is %s", target, quote.Ident(c.Name), quote.Lit(c.Description)))
			}
		}
	}
	for _, q := range stmts {
		if err := w.Exec(ctx, q); err != nil {
			return fmt.Errorf("describe publication: %s: %w", firstWords(q), err)
		}
	}
	return nil
}

// keyDDL declares a table's key: a PRIMARY KEY when every key column is
// declared NOT NULL (DuckDB refuses NULL in one), a unique index otherwise
// (mart.publication and the dictionary say which). DuckDB cannot add a
// foreign key to a table that exists; those are declared in PostgreSQL,
// mart.publication and the dictionary.
func keyDDL(t PublishedTable, target string) string {
	key := models.PrimaryKey(t.Model.Meta)
	if len(key) == 0 {
		return ""
	}
	cols := make([]string, len(key))
	for i, k := range key {
		cols[i] = quote.Ident(k)
	}
	if models.KeyNotNull(t.Model.Meta) {
		return fmt.Sprintf("alter table %s add primary key (%s)", target, strings.Join(cols, ", "))
	}
	return fmt.Sprintf("create unique index %s on %s (%s)", quote.Ident(t.Model.Name+"_key"), target, strings.Join(cols, ", "))
}

func firstWords(q string) string {
	if len(q) > 80 {
		return q[:80] + "..."
	}
	return q
}

// Close checkpoints and detaches the file: what remains is one file, no WAL.
func (d *DuckDBTarget) Close(ctx context.Context) error {
	if !d.attached {
		return errors.New("the publication file was not begun before the models ran")
	}
	// A checkpoint folds the WAL into the file; after detach nothing is left beside it.
	if err := d.w.Exec(ctx, "checkpoint "+BuildCatalog); err != nil {
		return fmt.Errorf("checkpoint publication: %w", err)
	}
	if err := d.w.Exec(ctx, "detach "+BuildCatalog); err != nil {
		return fmt.Errorf("close publication: %w", err)
	}
	d.attached = false
	if _, err := os.Stat(d.file + ".wal"); err == nil {
		return fmt.Errorf("publication %s left a WAL behind", d.file)
	}
	return syncFile(d.file)
}

// Abort closes the file being built; the version folder holding it is removed with the version.
func (d *DuckDBTarget) Abort() {
	if d.attached {
		d.attached = false
		// the connection may be gone with the run; the file is removed either way
		_ = d.w.Exec(context.Background(), "detach "+BuildCatalog)
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
