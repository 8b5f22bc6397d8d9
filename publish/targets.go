package publish

import (
	"context"

	"github.com/jackc/pgx/v5"

	"leadmart/config"
	"leadmart/models"
	"leadmart/workdb"
)

// Hooks are the test hooks of a publication, set by the tests that need them.
type Hooks struct {
	// Stage runs at named moments of building and publishing.
	Stage Hook
	// Postgres runs after each PostgreSQL table is created, before it is loaded.
	Postgres func(ctx context.Context, conn *pgx.Conn, schema, table string) error
}

// NewPublisher is the registry of publication targets: the DuckDB file
// (always), the file parts that switch with it, one line per kind, and
// PostgreSQL. A new file target kind is its file here and one line below.
func NewPublisher(cfg *config.Config, w *workdb.Warehouse, cat *models.Catalog, runID string, h Hooks) *Publisher {
	p := &Publisher{File: &DuckDBTarget{}, Version: &Version{Dir: w.Dir, RunID: runID}, Keep: cfg.Publish.Keep, Hook: h.Stage}
	if cfg.Publish.Parquet.On() {
		p.Parts = append(p.Parts, &ParquetTarget{Level: cfg.Publish.Parquet.CompressionLevel, Hook: h.Stage})
	}
	p.Parts = append(p.Parts, &DictionaryPart{Catalog: cat})
	p.Postgres = PostgresFor(cfg, h)
	return p
}

// PostgresFor is the PostgreSQL target, nil when none is configured.
func PostgresFor(cfg *config.Config, h Hooks) *PostgresTarget {
	if cfg.Publish.Postgres.DSNEnv == "" {
		return nil
	}
	return &PostgresTarget{Config: cfg.Publish.Postgres, Hook: h.Postgres}
}

// Begin creates the run's version folder and the DuckDB file in it, which
// the models are then built in.
func (p *Publisher) Begin(ctx context.Context, w *workdb.Warehouse) error {
	if err := p.Version.Begin(); err != nil {
		return err
	}
	return p.File.Begin(ctx, w, p.Version.Path())
}

// Where lists every target and where readers find what this run published.
func (p *Publisher) Where() [][2]string {
	out := [][2]string{{"duckdb", PublishedFile}}
	for _, part := range p.Parts {
		out = append(out, [2]string{part.Name(), part.Where()})
	}
	if p.Postgres != nil {
		out = append(out, [2]string{"postgres", p.Postgres.Where()})
	}
	return out
}
