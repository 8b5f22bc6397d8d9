package publish

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"time"

	"leadmart/internal/quote"
	"leadmart/models"
	"leadmart/workdb"
)

// ParquetTarget publishes every table as zstd Parquet under
// parquet/<table>/ in the version folder, large facts Hive-partitioned by
// month, with a _manifest.json. Readers open publish/parquet, a link to
// the live version's folder.
type ParquetTarget struct {
	Level int // zstd level; 0 is DuckDB's default
	Hook  Hook
}

var _ FilePart = (*ParquetTarget)(nil)

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
	PrimaryKey  []string         `json:"primary_key,omitempty"`
	Columns     []ManifestColumn `json:"columns"`
	Files       []string         `json:"files"`
}

// ManifestColumn is a column with its DuckDB type and unit.
type ManifestColumn struct {
	Name        string `json:"name"`
	Type        string `json:"type"`
	Unit        string `json:"unit,omitempty"`
	Description string `json:"description"`
}

func (p *ParquetTarget) Name() string { return "parquet" }

func (p *ParquetTarget) Where() string { return ParquetLink }

func (p *ParquetTarget) Write(ctx context.Context, w *workdb.Warehouse, pub Publication, version string) error {
	tmp := filepath.Join(version, "parquet")
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
		mt := ManifestTable{Name: t.Model.Name, Description: t.Model.Meta.Description, Rows: t.Rows, PartitionBy: part,
			PrimaryKey: models.PrimaryKey(t.Model.Meta), Files: []string{}}
		for _, c := range t.Columns {
			mt.Columns = append(mt.Columns, ManifestColumn{c.Name, c.Type, models.Unit(t.Model.Meta, c.Name, c.Type), c.Description})
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
	return nil
}
