package publish

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"leadmart/internal/quote"
	"leadmart/workdb"
)

// ParquetTarget publishes every table as zstd Parquet under
// publish/parquet/<table>/, large facts Hive-partitioned by month, with a
// _manifest.json. publish/parquet is a symlink to one version folder; the
// switch replaces the symlink with rename(2), so a lake reader resolves
// either the old or the new publication, never half of one.
type ParquetTarget struct {
	Keep  int
	Level int // zstd level; 0 is DuckDB's default
	Hook  Hook

	dir, tmp, version string
	live              bool
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

func (p *ParquetTarget) Where(pub Publication) string {
	return fmt.Sprintf("%s -> parquet-versions/%s", ParquetLink, pub.RunID)
}

func (p *ParquetTarget) versions() string { return filepath.Join(p.dir, "publish", "parquet-versions") }

func (p *ParquetTarget) Prepare(ctx context.Context, w *workdb.Warehouse, pub Publication) error {
	p.dir = w.Dir
	if err := os.MkdirAll(p.versions(), 0o755); err != nil {
		return err
	}
	leftovers, _ := filepath.Glob(filepath.Join(p.versions(), "*.tmp"))
	for _, l := range leftovers {
		os.RemoveAll(l)
	}
	tmp := filepath.Join(p.versions(), pub.RunID+".tmp")
	p.tmp = tmp
	m := Manifest{RunID: pub.RunID, AsOf: pub.AsOf.Format(time.DateOnly), PublishedAt: pub.PublishedAt.UTC()}
	for _, t := range pub.Tables {
		dir := filepath.Join(tmp, t.Model.Name)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		part := t.Model.Meta.PartitionBy
		if t.Rows == 0 {
			// No partitions to write: an empty file still carries the schema.
			part = ""
		}
		opts := "format parquet, compression zstd"
		if p.Level > 0 {
			opts += fmt.Sprintf(", compression_level %d", p.Level)
		}
		var q string
		if part != "" {
			// Hive partitions: <table>/<column>=YYYY-MM-DD/data_0.parquet, the
			// column kept inside each file too: a reader of one file has it
			q = fmt.Sprintf("copy (select * from %s) to %s (%s, partition_by (%s), write_partition_columns true, overwrite_or_ignore true)",
				t.Model.Qualified(), quote.Lit(dir), opts, quote.Ident(part))
		} else {
			q = fmt.Sprintf("copy (select * from %s) to %s (%s)", t.Model.Qualified(), quote.Lit(filepath.Join(dir, "data.parquet")), opts)
		}
		if err := w.Exec(ctx, q); err != nil {
			return fmt.Errorf("write %s: %w", t.Model.Name, err)
		}
		p.Hook.Fire("parquet-table:" + t.Model.Name)
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

// Abort removes the prepared version unless it is already live, and a
// version that failed half-way: it may be large (a full disk, say), so it
// does not wait for the next run's cleanup.
func (p *ParquetTarget) Abort() {
	if p.tmp != "" {
		os.RemoveAll(p.tmp)
	}
	if p.version != "" && !p.live {
		os.RemoveAll(p.version)
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
