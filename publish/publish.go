// Package publish makes the built models what BI tools read, in every
// configured target at once: two-phase (prepare every target beside its
// live version, then switch each atomically), with rollback of the DuckDB
// file and the data dictionary of each publication.
package publish

import (
	"bytes"
	"context"
	_ "embed"
	"fmt"
	"strings"
	"time"

	"github.com/rs/zerolog"
	"go.yaml.in/yaml/v3"

	"leadmart/models"
	"leadmart/workdb"
)

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
	Name        string `yaml:"name"`
	Type        string `yaml:"type"`
	Description string `yaml:"description"`
}

// FilePart writes one file target into the run's version folder: the
// Parquet folder, the data dictionary. The DuckDB file is built in the
// folder while the models run (DuckDBTarget). All of them switch together.
type FilePart interface {
	Name() string
	// Where says where readers find it, relative to the warehouse.
	Where() string
	// Write writes the publication into the version folder dir.
	Write(ctx context.Context, w *workdb.Warehouse, pub Publication, dir string) error
}

// Hook, when set, runs at named moments of building and publishing
// ("duckdb-table:<model>", "parquet-table:<model>", "before-switch",
// "between-switches"); tests use it to kill or cancel a run at the worst moment.
type Hook func(stage string)

// Fire runs the hook if there is one.
func (h Hook) Fire(stage string) {
	if h != nil {
		h(stage)
	}
}

//go:embed publication.yml
var publicationYAML []byte

// publicationTable declares mart.publication: its description and columns.
type publicationTable struct {
	Description string   `yaml:"description"`
	Columns     []Column `yaml:"columns"`
}

// publicationMeta reads the declaration of mart.publication.
func publicationMeta() (publicationTable, error) {
	var t publicationTable
	dec := yaml.NewDecoder(bytes.NewReader(publicationYAML))
	dec.KnownFields(true)
	if err := dec.Decode(&t); err != nil {
		return t, fmt.Errorf("publication.yml: %w", err)
	}
	return t, nil
}

// writePublicationTable builds cfg.publication in the work database; every
// target publishes it as publication beside the tables it describes.
func writePublicationTable(ctx context.Context, w *workdb.Warehouse, pub Publication) error {
	meta, err := publicationMeta()
	if err != nil {
		return err
	}
	defs := make([]string, len(meta.Columns))
	for i, c := range meta.Columns {
		defs[i] = c.Name + " " + c.Type
	}
	if err := w.Exec(ctx, "create or replace table cfg.publication ("+strings.Join(defs, ", ")+")"); err != nil {
		return err
	}
	rows := make([][]any, 0, len(pub.Tables))
	for _, t := range pub.Tables {
		key, kind := strings.Join(models.PrimaryKey(t.Model.Meta), ", "), "primary key"
		if !models.KeyNotNull(t.Model.Meta) {
			kind = "unique index"
		}
		var fks []string
		for _, r := range t.Model.Refs() {
			fks = append(fks, r.Column+" -> "+r.Table+"."+r.To)
		}
		rows = append(rows, []any{pub.RunID, pub.AsOf, pub.PublishedAt.UTC(), t.Model.Name, t.Rows, t.Model.Meta.Description,
			nullable(key), nullable(map[bool]string{true: kind}[key != ""]), nullable(strings.Join(fks, "; "))})
	}
	return w.Insert(ctx, "cfg.publication", rows)
}

// Publisher publishes a run: the DuckDB file built during the run, the
// file parts beside it in one version folder, then PostgreSQL.
type Publisher struct {
	File     *DuckDBTarget
	Version  *Version
	Parts    []FilePart
	Postgres *PostgresTarget // nil when not configured
	Keep     int             // versions kept, the live one included
	Hook     Hook
	Log      zerolog.Logger
}

// Publish prepares every target, then switches the file publication with
// one rename and PostgreSQL right after, in its transaction. A failure
// before the file switch leaves every live publication as it was; a
// failure after it leaves PostgreSQL one run behind, which the next run
// or a rollback repairs (RepairPostgres).
func (p *Publisher) Publish(ctx context.Context, w *workdb.Warehouse, pub Publication) (err error) {
	log := p.Log
	defer func() {
		if err != nil {
			p.File.Abort()
			p.Version.Abort()
			if p.Postgres != nil {
				p.Postgres.Abort()
			}
		}
	}()
	if err := writePublicationTable(ctx, w, pub); err != nil {
		return fmt.Errorf("record publication: %w", err)
	}
	timed := func(name string, f func() error) error {
		start := time.Now()
		err := f()
		log.Debug().Str("target", name).Int64("duration_ms", time.Since(start).Milliseconds()).Msg("publication prepared")
		if err != nil {
			return fmt.Errorf("prepare %s publication: %w", name, err)
		}
		return nil
	}
	if err := timed("duckdb", func() error { return p.File.Describe(ctx, pub) }); err != nil {
		return err
	}
	for _, part := range p.Parts {
		if err := timed(part.Name(), func() error { return part.Write(ctx, w, pub, p.Version.Path()) }); err != nil {
			return err
		}
	}
	if p.Postgres != nil {
		if err := timed("postgres", func() error { return p.Postgres.Prepare(ctx, w, BuildCatalog) }); err != nil {
			return err
		}
	}
	if err := p.File.Close(ctx); err != nil {
		return err
	}
	if _, err := p.Version.Seal(pub); err != nil {
		return fmt.Errorf("seal publication: %w", err)
	}
	p.Hook.Fire("before-switch")
	if err := p.Version.Switch(); err != nil {
		return err
	}
	if err := recordLive(ctx, w, pub.RunID, "publish"); err != nil {
		return err
	}
	p.Hook.Fire("between-switches")
	if p.Postgres != nil {
		if err := p.Postgres.Switch(ctx); err != nil {
			return fmt.Errorf("switch postgres publication (the file publication is run %s; the next run or a rollback repairs PostgreSQL): %w", pub.RunID, err)
		}
	}
	removed, err := Prune(w.Dir, p.Keep, func(id string) bool { return wentLive(ctx, w, id) })
	if len(removed) > 0 {
		log.Debug().Strs("versions", removed).Msg("pruned publications")
	}
	return err
}

// recordLive records that a version went live (action publish, rollback or repair).
func recordLive(ctx context.Context, w *workdb.Warehouse, runID, action string) error {
	if err := w.Exec(ctx, "insert into ops.publication_events values (?, ?, ?)", time.Now().UTC(), action, runID); err != nil {
		return fmt.Errorf("record publication: %w", err)
	}
	return nil
}

// wentLive says whether a version was ever the live publication: only
// those are offered for rollback.
func wentLive(ctx context.Context, w *workdb.Warehouse, runID string) bool {
	var n int64
	err := w.QueryRow(ctx, "select count(*) from ops.publication_events where version = ? and action in ('publish', 'rollback', 'live')", runID).Scan(&n)
	return err == nil && n > 0
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// Describe fills in each table's columns from the work database, and its
// row count from rows (what Transform counted); a table missing there is counted.
func Describe(ctx context.Context, w *workdb.Warehouse, ms []models.Model, rows map[string]int64) ([]PublishedTable, error) {
	var out []PublishedTable
	for _, m := range ms {
		t := PublishedTable{Model: m}
		if n, ok := rows[m.Qualified()]; ok {
			t.Rows = n
		} else if err := w.QueryRow(ctx, "select count(*) from "+m.Qualified()).Scan(&t.Rows); err != nil {
			return nil, err
		}
		cols, err := w.Conn().QueryContext(ctx, `select column_name, data_type from duckdb_columns()
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
