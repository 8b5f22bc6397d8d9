package bench

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"leadmart/config"
	"leadmart/connectors/file"
	"leadmart/internal/quote"
	"leadmart/jobs"
	"leadmart/models"
	sqlmodels "leadmart/sql"
	"leadmart/workdb"
)

// Baseline runs the same SQL models over the same extracts as one plain
// DuckDB connection: each file typed straight into its raw table, then the
// models, each a table of the one database, with DuckDB's default settings
// (besides the configured memory, threads and temp folder). No hashing, raw
// Parquet, lineage, run records, checks or publication, and none of
// leadmart's choices of where and how tables are written (staging in
// memory, inserts in any order, models built into the publication file).
// The benchmarks divide leadmart's time by this one; its stages, "land"
// (the extracts typed into raw tables) and "transform" (the models), show
// where leadmart's own time goes.
func Baseline(ctx context.Context, cfg *config.Config, asOf time.Time, sqlFS fs.FS) (time.Duration, map[string]time.Duration, error) {
	if sqlFS == nil {
		sqlFS = sqlmodels.FS
	}
	start := time.Now()
	stages := map[string]time.Duration{}
	cat, err := models.LoadCatalog(sqlFS)
	if err != nil {
		return 0, nil, err
	}
	dir := filepath.Join(cfg.WarehouseDir(), "baseline")
	os.RemoveAll(dir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return 0, nil, err
	}
	defer os.RemoveAll(dir)
	w, err := workdb.OpenPlain(ctx, cfg, filepath.Join(dir, workdb.WorkFile))
	if err != nil {
		return 0, nil, err
	}
	defer w.Close()
	if err := w.Exec(ctx, "create schema staging"); err != nil {
		return 0, nil, err
	}
	for _, s := range cfg.Sources {
		if s.Connector != "file" {
			return 0, nil, fmt.Errorf("source %s: the engine baseline reads file sources only, not %s", s.Name, s.Connector)
		}
		r, err := cfg.Open(s, nil)
		if err != nil {
			return 0, nil, err
		}
		src := r.(*file.Source)
		files, err := src.Files()
		if err != nil {
			return 0, nil, err
		}
		for _, f := range files {
			scan, ok, err := src.Scan(ctx, w.Conn(), f)
			if err != nil {
				return 0, nil, fmt.Errorf("%s: %w", f, err)
			}
			if !ok {
				// Excel has no DuckDB reader: read it the way leadmart does.
				tmp := filepath.Join(dir, "xlsx.parquet")
				if _, err := src.Copy(ctx, w.Conn(), f, tmp); err != nil {
					return 0, nil, err
				}
				scan = fmt.Sprintf("read_parquet(%s)", quote.Lit(tmp))
			}
			// the same typing as landing's, without its strict error on a bad value
			table, names, sels, err := jobs.TypedSelect(ctx, w, s, scan, f, false)
			if err != nil {
				return 0, nil, err
			}
			q := fmt.Sprintf("insert into %s (%s, _source) select %s, %s from %s", table,
				strings.Join(names, ", "), strings.Join(sels, ", "), quote.Lit(s.Name), scan)
			if err := w.Exec(ctx, q); err != nil {
				return 0, nil, fmt.Errorf("%s: %w", f, err)
			}
		}
	}
	stages["land"] = time.Since(start)
	built := time.Now()
	if err := jobs.Prepare(ctx, w, cfg, sqlFS, jobs.Params{RunID: "baseline", AsOf: asOf}); err != nil {
		return 0, nil, err
	}
	for _, m := range cat.Models {
		if m.Meta.HistoryOf != "" {
			continue // a copy of kept snapshots, which a plain engine has none of
		}
		if err := w.Exec(ctx, fmt.Sprintf("create or replace table %s as\n%s", m.Qualified(), m.SQL)); err != nil {
			return 0, nil, fmt.Errorf("model %s: %w", m.Qualified(), err)
		}
	}
	stages["transform"] = time.Since(built)
	return time.Since(start), stages, nil
}
