package jobs

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"leadmart/models"
)

// ParquetTarget publishes every table as zstd Parquet under
// publish/parquet/<table>/, large facts Hive-partitioned by month, with a
// _manifest.json. publish/parquet is a symlink to one version folder; the
// switch replaces the symlink with rename(2), so a lake reader resolves
// either the old or the new publication, never half of one.
type ParquetTarget struct {
	Keep int

	dir, tmp, version string
	live              bool
	queue             chan models.Model // models built, to write
	done              chan error        // the worker's result
	cancel            context.CancelFunc
}

var _ Target = (*ParquetTarget)(nil)

// ParquetLink is the published Parquet path, relative to the warehouse.
const ParquetLink = "publish/parquet"

// Manifest describes one Parquet publication.
type Manifest struct {
	RunID       string          `json:"run_id"`
	AsOf        string          `json:"as_of"`
	PublishedAt time.Time       `json:"published_at"`
	Tables      []ManifestTable `json:"tables"`
}

// ManifestTable is one published table in the manifest.
type ManifestTable struct {
	Name        string           `json:"name"`
	Description string           `json:"description"`
	Rows        int64            `json:"rows"`
	PartitionBy string           `json:"partition_by,omitempty"`
	Columns     []ManifestColumn `json:"columns"`
	Files       []string         `json:"files"`
}

// ManifestColumn is a column with its DuckDB type.
type ManifestColumn struct {
	Name        string `json:"name"`
	Type        string `json:"type"`
	Description string `json:"description"`
}

func (p *ParquetTarget) Name() string { return "parquet" }

func (p *ParquetTarget) versions() string { return filepath.Join(p.dir, "publish", "parquet-versions") }

// Begin starts the publication while the models are built: a worker on a
// second connection writes each published model as soon as Built reports
// it, using the cores that the model builds leave idle.
func (p *ParquetTarget) Begin(ctx context.Context, w *Warehouse, runID string) error {
	p.dir = w.Dir
	if err := os.MkdirAll(p.versions(), 0o755); err != nil {
		return err
	}
	leftovers, _ := filepath.Glob(filepath.Join(p.versions(), "*.tmp"))
	for _, l := range leftovers {
		os.RemoveAll(l)
	}
	p.tmp = filepath.Join(p.versions(), runID+".tmp")
	conn, err := w.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("parquet publication: %w", err)
	}
	wctx, cancel := context.WithCancel(ctx)
	p.queue, p.done, p.cancel = make(chan models.Model, 64), make(chan error, 1), cancel
	go func() {
		defer conn.Close()
		var err error
		for m := range p.queue {
			if err == nil {
				err = p.write(wctx, conn, m)
			}
		}
		p.done <- err
	}()
	return nil
}

// Built queues a published model for writing.
func (p *ParquetTarget) Built(m models.Model) {
	if p.queue != nil {
		p.queue <- m
	}
}

// write copies one model to tmp/<name>/, Hive-partitioned when its
// metadata says so (unless it is empty: an unpartitioned file still carries
// the schema).
func (p *ParquetTarget) write(ctx context.Context, conn *sql.Conn, m models.Model) error {
	dir := filepath.Join(p.tmp, m.Name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	part := m.Meta.PartitionBy
	if part != "" {
		var hasRows bool
		if err := conn.QueryRowContext(ctx, "select exists (select 1 from "+m.Qualified()+")").Scan(&hasRows); err != nil {
			return fmt.Errorf("write %s: %w", m.Name, err)
		}
		if !hasRows {
			part = ""
		}
	}
	var q string
	if part != "" {
		// Hive partitions: <table>/<column>=YYYY-MM-DD/data_0.parquet
		q = fmt.Sprintf("copy (select * from %s) to %s (format parquet, compression zstd, partition_by (%s), overwrite_or_ignore true)",
			m.Qualified(), quote(dir), ident(part))
	} else {
		q = fmt.Sprintf("copy (select * from %s) to %s (format parquet, compression zstd)", m.Qualified(), quote(filepath.Join(dir, "data.parquet")))
	}
	if _, err := conn.ExecContext(ctx, q); err != nil {
		return fmt.Errorf("write %s: %w", m.Name, err)
	}
	hook("parquet-table:" + m.Name)
	return nil
}

// wait ends the worker and returns its error.
func (p *ParquetTarget) wait() error {
	if p.queue == nil {
		return nil
	}
	close(p.queue)
	p.queue = nil
	err := <-p.done
	p.cancel()
	return err
}

// Prepare waits for the worker, writes what it missed (tables that were
// not reported as built), then the manifest, and renames the folder into
// a version.
func (p *ParquetTarget) Prepare(ctx context.Context, w *Warehouse, pub Publication) error {
	if p.done == nil {
		if err := p.Begin(ctx, w, pub.RunID); err != nil {
			return err
		}
	}
	if err := p.wait(); err != nil {
		return err
	}
	tmp := p.tmp
	m := Manifest{RunID: pub.RunID, AsOf: pub.AsOf.Format(time.DateOnly), PublishedAt: pub.PublishedAt.UTC()}
	for _, t := range pub.Tables {
		dir := filepath.Join(tmp, t.Model.Name)
		if _, err := os.Stat(dir); err != nil {
			if err := p.write(ctx, w.conn, t.Model); err != nil {
				return err
			}
		}
		part := t.Model.Meta.PartitionBy
		if _, err := os.Stat(filepath.Join(dir, "data.parquet")); err == nil {
			part = ""
		}
		mt := ManifestTable{Name: t.Model.Name, Description: t.Model.Meta.Description, Rows: t.Rows, PartitionBy: part, Files: []string{}}
		for _, c := range t.Columns {
			mt.Columns = append(mt.Columns, ManifestColumn{c.Name, c.Type, c.Description})
		}
		err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				rel, _ := filepath.Rel(tmp, path)
				mt.Files = append(mt.Files, filepath.ToSlash(rel))
			}
			return err
		})
		if err != nil {
			return err
		}
		sort.Strings(mt.Files)
		m.Tables = append(m.Tables, mt)
	}
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(tmp, "_manifest.json"), b, 0o644); err != nil {
		return err
	}
	p.version = filepath.Join(p.versions(), pub.RunID)
	return os.Rename(tmp, p.version)
}

// Switch points publish/parquet at the new version: a new symlink, renamed
// over the old one.
func (p *ParquetTarget) Switch(context.Context) error {
	link := filepath.Join(p.dir, ParquetLink)
	tmp := link + ".switch"
	os.Remove(tmp)
	rel, err := filepath.Rel(filepath.Dir(link), p.version)
	if err != nil {
		return err
	}
	if err := os.Symlink(rel, tmp); err != nil {
		return err
	}
	if err := os.Rename(tmp, link); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("switch parquet publication: %w", err)
	}
	p.live = true
	return p.prune()
}

// Abort stops the worker and removes what it wrote, or the prepared
// version unless it is already live.
func (p *ParquetTarget) Abort() {
	if p.live {
		return
	}
	if p.cancel != nil {
		p.cancel()
	}
	_ = p.wait()
	for _, d := range []string{p.tmp, p.version} {
		if d != "" {
			os.RemoveAll(d)
		}
	}
}

// prune keeps the newest Keep versions and the live one.
func (p *ParquetTarget) prune() error {
	entries, err := os.ReadDir(p.versions())
	if err != nil {
		return err
	}
	var names []string
	for _, e := range entries {
		if e.IsDir() && !strings.HasSuffix(e.Name(), ".tmp") {
			names = append(names, e.Name())
		}
	}
	sort.Sort(sort.Reverse(sort.StringSlice(names)))
	live, _ := os.Readlink(filepath.Join(p.dir, ParquetLink))
	for i, n := range names {
		if i >= p.Keep && filepath.Base(live) != n {
			if err := os.RemoveAll(filepath.Join(p.versions(), n)); err != nil {
				return err
			}
		}
	}
	return nil
}
