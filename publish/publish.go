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
	Name        string `yaml:"name"`
	Type        string `yaml:"type"`
	Description string `yaml:"description"`
}

// Target is one place BI tools read from. Publishing is two-phase: every
// target prepares its new version beside the live one, and only when all
// have prepared does each switch, atomically for its readers.
type Target interface {
	Name() string
	// Where says where readers find the version this run switched to.
	Where(pub Publication) string
	// Prepare writes the publication without touching what readers see.
	Prepare(ctx context.Context, w *workdb.Warehouse, pub Publication) error
	// Switch makes the prepared publication the live one.
	Switch(ctx context.Context) error
	// Abort removes what Prepare wrote; the live publication stays.
	Abort()
}

// Hook, when set, runs at named moments of building and publishing
// ("duckdb-table:<model>", "parquet-table:<model>", "before-switch"); tests
// use it to kill or cancel a run at the worst moment.
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
	var vals []string
	var args []any
	for _, t := range pub.Tables {
		vals = append(vals, "(?, ?, ?, ?, ?, ?)")
		args = append(args, pub.RunID, pub.AsOf, pub.PublishedAt.UTC(), t.Model.Name, t.Rows, t.Model.Meta.Description)
	}
	if len(vals) == 0 {
		return nil
	}
	return w.Exec(ctx, "insert into cfg.publication values "+strings.Join(vals, ", "), args...)
}

// Publisher publishes to its targets.
type Publisher struct {
	Targets []Target
	Hook    Hook
	Log     zerolog.Logger
}

// Publish prepares every target, then switches them. A failure before the
// switch leaves every live publication as it was.
func (p *Publisher) Publish(ctx context.Context, w *workdb.Warehouse, pub Publication) error {
	targets, log := p.Targets, p.Log
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
	p.Hook.Fire("before-switch")
	for _, t := range targets {
		if err := t.Switch(ctx); err != nil {
			return fmt.Errorf("switch %s publication: %w", t.Name(), err)
		}
	}
	return nil
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
