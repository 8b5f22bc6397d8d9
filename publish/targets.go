package publish

import (
	"context"

	"github.com/jackc/pgx/v5"

	"leadmart/config"
)

// Hooks are the test hooks of a publication, set by the tests that need them.
type Hooks struct {
	// Stage runs at named moments of building and publishing.
	Stage Hook
	// Postgres runs after each PostgreSQL table is created, before it is loaded.
	Postgres func(ctx context.Context, conn *pgx.Conn, schema, table string) error
}

// Targets is the registry of publication targets: one line per kind. The
// DuckDB file, which the models are built in, is returned on its own too,
// and prepared last: the other targets read the models from it, and its
// Prepare closes it. A new target kind is its file here and one line below.
func Targets(cfg *config.Config, h Hooks) ([]Target, *DuckDBTarget) {
	var out []Target
	if cfg.Publish.Parquet.On() {
		out = append(out, &ParquetTarget{Keep: cfg.Publish.Parquet.Keep, Level: cfg.Publish.Parquet.CompressionLevel, Hook: h.Stage})
	}
	if cfg.Publish.Postgres.DSNEnv != "" {
		out = append(out, &PostgresTarget{Config: cfg.Publish.Postgres, Hook: h.Postgres})
	}
	file := &DuckDBTarget{Keep: cfg.Publish.DuckDB.Keep}
	return append(out, file), file
}
