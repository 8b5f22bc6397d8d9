package sqldb

import (
	"fmt"
	"strings"

	"leadmart/connectors/extract"
)

// Spec is a sql source's own key: `sql`, the query it extracts.
type Spec struct {
	SQL Query `yaml:"sql"`
}

// Query is a query against a SQL database, streamed to raw Parquet.
type Query struct {
	// Driver: pgx (PostgreSQL) or duckdb. Default pgx.
	Driver string `yaml:"driver"`
	// DSNEnv names the environment variable holding the connection string;
	// the string itself is never written to the config or the logs. Required.
	DSNEnv string `yaml:"dsn_env"`
	// Query selects the extract; its column names are the source columns. Required.
	Query string `yaml:"query"`
	// Watermark is a column of the query (a number or an ISO-8601 timestamp):
	// each run extracts only the rows where it is at least the largest value
	// landed before. Empty: the whole query every run.
	Watermark string `yaml:"watermark"`
}

var _ extract.Spec = (*Spec)(nil)

// Defaults: the pgx driver.
func (s *Spec) Defaults() {
	if s.SQL.Driver == "" {
		s.SQL.Driver = "pgx"
	}
}

// Validate requires a known driver, a dsn_env and a query.
func (s *Spec) Validate() []string {
	var out []string
	if s.SQL.Driver != "pgx" && s.SQL.Driver != "duckdb" {
		out = append(out, fmt.Sprintf("sql.driver: unknown driver %q (known: pgx, duckdb)", s.SQL.Driver))
	}
	if s.SQL.DSNEnv == "" {
		out = append(out, "sql.dsn_env: required (the environment variable holding the connection string)")
	}
	if strings.TrimSpace(s.SQL.Query) == "" {
		out = append(out, "sql.query: required")
	}
	return out
}

// Open returns the extractor; the extract lands as a Parquet file.
func (s *Spec) Open(env extract.Env) (extract.Reader, error) {
	src := New(env.Name, s.SQL, env.Location)
	src.retry = env.Retry
	return src, nil
}
