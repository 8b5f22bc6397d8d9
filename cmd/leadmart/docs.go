package main

import (
	"database/sql"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"leadmart/internal/dictionary"
	"leadmart/models"
	"leadmart/publish"
	sqlmodels "leadmart/sql"
)

// cmdDocs writes the data dictionary of the live publication into a folder
// (every publication writes its own into publish/docs, read-only), or with
// --static the declarations alone.
func cmdDocs(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("docs", flag.ContinueOnError)
	fs.SetOutput(stdout) // --help is asked for: it goes to stdout, exit 0
	cfgPath := fs.String("config", "", "config file (default: the built-in demo configuration)")
	static := fs.String("static", "", "write only the declared tables and columns, as Markdown, to this file")
	entities := fs.String("entities", "", "write the canonical entities' reference, as Markdown, to this file")
	outDir := fs.String("out", "", "write the live publication's dictionary (index.html, docs.md) into this folder")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *entities != "" {
		if err := os.WriteFile(*entities, models.EntitiesMarkdown(), 0o644); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "wrote %s\n", *entities)
		if *static == "" {
			return nil
		}
	}
	cat, err := models.LoadCatalog(sqlmodels.FS)
	if err != nil {
		return err
	}
	if *static != "" {
		d := dictionary.New(cat, "", "", time.Time{}, nil, nil)
		if err := os.WriteFile(*static, d.Markdown(), 0o644); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "wrote %s\n", *static)
		return nil
	}
	if *outDir == "" {
		return fmt.Errorf("%w: docs needs --out DIR, --static FILE or --entities FILE (each run already writes its publication's dictionary to %s)", errUsage, publish.DocsDir)
	}
	cfg, err := configOrDemo(*cfgPath)
	if err != nil {
		return err
	}
	dir := cfg.WarehouseDir()
	db, err := sql.Open("duckdb", filepath.Join(dir, publish.PublishedFile)+"?access_mode=read_only")
	if err != nil {
		return err
	}
	defer db.Close()
	var runID string
	var asOf, publishedAt time.Time
	if err := db.QueryRow("select any_value(run_id), any_value(as_of), any_value(published_at) from mart.publication").Scan(&runID, &asOf, &publishedAt); err != nil {
		return fmt.Errorf("read the publication in %s: %w", dir, err)
	}
	rows := map[string]int64{}
	r, err := db.Query("select table_name, row_count from mart.publication")
	if err != nil {
		return err
	}
	for r.Next() {
		var name string
		var n int64
		if err := r.Scan(&name, &n); err != nil {
			return err
		}
		rows[name] = n
	}
	r.Close()
	cols := map[string][]dictionary.Column{}
	r, err = db.Query("select table_name, column_name, data_type, coalesce(comment, '') from duckdb_columns() where schema_name = 'mart' order by table_name, column_index")
	if err != nil {
		return err
	}
	for r.Next() {
		var t string
		var c dictionary.Column
		if err := r.Scan(&t, &c.Name, &c.Type, &c.Description); err != nil {
			return err
		}
		cols[t] = append(cols[t], c)
	}
	r.Close()
	d := dictionary.New(cat, runID, asOf.Format(time.DateOnly), publishedAt, cols, rows)
	out := *outDir
	if err := d.Write(out); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s and %s\n", filepath.Join(out, "index.html"), filepath.Join(out, "docs.md"))
	return nil
}
