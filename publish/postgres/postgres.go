// Package postgres publishes the mart tables into a PostgreSQL schema for
// BI tools that read PostgreSQL (Power BI, Tableau, ...). Tables are loaded
// with COPY into a staging schema and swapped in with one transaction, so
// readers see either the old or the new publication, never a mix.
package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/duckdb/duckdb-go/v2"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"leadmart/internal/quote"
	"leadmart/internal/secret"
)

// Column is one published column.
type Column struct {
	Name, Type, Description string // Type is the DuckDB type
}

// Table is one table to publish, read from Source (a qualified DuckDB table).
type Table struct {
	Name, Description, Source string
	Key                       []string // the primary key, or a unique index
	PrimaryKey                bool     // Key is a PRIMARY KEY (no key column is NULL)
	References                []Reference
	Columns                   []Column
}

// Reference is a foreign key: Column refers to Table.To in the same schema.
type Reference struct {
	Column, Table, To string
}

// ErrNotPublished is RunID's error when the schema holds no publication.
var ErrNotPublished = errors.New("nothing is published in the schema")

// Publisher loads and swaps one publication.
type Publisher struct {
	Schema   string // the schema readers query
	ReadRole string // granted USAGE and SELECT; created when missing; "" for none
	// Hook runs after each table is created and before it is loaded; tests use it.
	Hook func(ctx context.Context, conn *pgx.Conn, schema, table string) error

	conn *pgx.Conn
}

// Connect opens the connection. The DSN is never put into errors or logs.
func (p *Publisher) Connect(ctx context.Context, dsn string) error {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return fmt.Errorf("connect to PostgreSQL: %w", secret.Redact(err, dsn))
	}
	p.conn = conn
	return nil
}

// Close closes the connection.
func (p *Publisher) Close() {
	if p.conn != nil {
		p.conn.Close(context.Background())
	}
}

func (p *Publisher) next() string { return p.Schema + "__next" }
func (p *Publisher) old() string  { return p.Schema + "__old" }

// Prepare creates the staging schema and loads every table into it with COPY.
func (p *Publisher) Prepare(ctx context.Context, src *sql.Conn, tables []Table) error {
	next := quote.Ident(p.next())
	if err := p.exec(ctx, "drop schema if exists "+next+" cascade", "create schema "+next); err != nil {
		return err
	}
	for _, t := range tables {
		if err := p.load(ctx, src, t); err != nil {
			return fmt.Errorf("table %s: %w", t.Name, err)
		}
	}
	// foreign keys once every table and its key exist
	for _, t := range tables {
		for _, r := range t.References {
			if err := p.exec(ctx, fmt.Sprintf("alter table %s.%s add foreign key (%s) references %s.%s (%s)",
				next, quote.Ident(t.Name), quote.Ident(r.Column), next, quote.Ident(r.Table), quote.Ident(r.To))); err != nil {
				return fmt.Errorf("table %s: %w", t.Name, err)
			}
		}
	}
	if p.ReadRole != "" {
		role := quote.Ident(p.ReadRole)
		if err := p.exec(ctx,
			fmt.Sprintf(`do $$ begin if not exists (select from pg_roles where rolname = %s) then create role %s nologin; end if; end $$`,
				quote.Lit(p.ReadRole), role),
			fmt.Sprintf("grant usage on schema %s to %s", next, role),
			fmt.Sprintf("grant select on all tables in schema %s to %s", next, role)); err != nil {
			return err
		}
	}
	return nil
}

func (p *Publisher) load(ctx context.Context, src *sql.Conn, t Table) error {
	target := quote.Ident(p.next()) + "." + quote.Ident(t.Name)
	defs := make([]string, len(t.Columns))
	sels := make([]string, len(t.Columns))
	names := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		pgType, cast := pgTypeOf(c.Type)
		defs[i] = quote.Ident(c.Name) + " " + pgType
		sels[i] = `"` + strings.ReplaceAll(c.Name, `"`, `""`) + `"`
		if cast != "" {
			sels[i] += "::" + cast
		}
		names[i] = c.Name
	}
	stmts := []string{fmt.Sprintf("create table %s (%s)", target, strings.Join(defs, ", ")),
		fmt.Sprintf("comment on table %s is %s", target, quote.Lit(t.Description))}
	for _, c := range t.Columns {
		if c.Description != "" {
			stmts = append(stmts, fmt.Sprintf("comment on column %s.%s is %s", target, quote.Ident(c.Name), quote.Lit(c.Description)))
		}
	}
	if err := p.exec(ctx, stmts...); err != nil {
		return err
	}
	if p.Hook != nil {
		if err := p.Hook(ctx, p.conn, p.next(), t.Name); err != nil {
			return err
		}
	}
	rows, err := src.QueryContext(ctx, fmt.Sprintf("select %s from %s", strings.Join(sels, ", "), t.Source))
	if err != nil {
		return fmt.Errorf("read %s: %w", t.Source, err)
	}
	defer rows.Close()
	vals := make([]any, len(t.Columns))
	ptrs := make([]any, len(t.Columns))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	var scanErr error
	source := pgx.CopyFromFunc(func() ([]any, error) {
		if !rows.Next() {
			scanErr = rows.Err()
			return nil, scanErr
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		for i, v := range vals {
			// fixed point stays fixed point: DECIMAL -> numeric, digit for digit
			if d, ok := v.(duckdb.Decimal); ok {
				vals[i] = pgtype.Numeric{Int: d.Value, Exp: -int32(d.Scale), Valid: true}
			}
		}
		return vals, nil
	})
	if _, err := p.conn.CopyFrom(ctx, pgx.Identifier{p.next(), t.Name}, names, source); err != nil {
		return fmt.Errorf("copy: %w", err)
	}
	if len(t.Key) > 0 {
		keys := make([]string, len(t.Key))
		for i, k := range t.Key {
			keys[i] = quote.Ident(k)
		}
		key := fmt.Sprintf("create unique index on %s (%s)", target, strings.Join(keys, ", "))
		if t.PrimaryKey {
			key = fmt.Sprintf("alter table %s add primary key (%s)", target, strings.Join(keys, ", "))
		}
		if err := p.exec(ctx, key, "analyze "+target); err != nil {
			return err
		}
	}
	return nil
}

// Switch swaps the staging schema in with one transaction.
func (p *Publisher) Switch(ctx context.Context) error {
	tx, err := p.conn.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	schema, next, old := quote.Ident(p.Schema), quote.Ident(p.next()), quote.Ident(p.old())
	var exists bool
	if err := tx.QueryRow(ctx, "select exists (select from pg_namespace where nspname = $1)", p.Schema).Scan(&exists); err != nil {
		return err
	}
	stmts := []string{"drop schema if exists " + old + " cascade"}
	if exists {
		stmts = append(stmts, "alter schema "+schema+" rename to "+old)
	}
	stmts = append(stmts, "alter schema "+next+" rename to "+schema, "drop schema if exists "+old+" cascade")
	for _, q := range stmts {
		if _, err := tx.Exec(ctx, q); err != nil {
			return fmt.Errorf("%s: %w", q, err)
		}
	}
	return tx.Commit(ctx)
}

// RunID reads the run whose publication the schema holds.
func (p *Publisher) RunID(ctx context.Context) (string, error) {
	var exists bool
	if err := p.conn.QueryRow(ctx, "select exists (select from pg_tables where schemaname = $1 and tablename = 'publication')", p.Schema).Scan(&exists); err != nil {
		return "", err
	}
	if !exists {
		return "", ErrNotPublished
	}
	var id *string
	if err := p.conn.QueryRow(ctx, "select max(run_id) from "+quote.Ident(p.Schema)+".publication").Scan(&id); err != nil {
		return "", err
	}
	if id == nil {
		return "", ErrNotPublished
	}
	return *id, nil
}

// Abort drops the staging schema; the published one is untouched.
func (p *Publisher) Abort() {
	if p.conn != nil && !p.conn.IsClosed() {
		_, _ = p.conn.Exec(context.Background(), "drop schema if exists "+quote.Ident(p.next())+" cascade")
	}
}

func (p *Publisher) exec(ctx context.Context, stmts ...string) error {
	for _, q := range stmts {
		if _, err := p.conn.Exec(ctx, q); err != nil {
			return fmt.Errorf("%s: %w", firstLine(q), err)
		}
	}
	return nil
}

// pgTypeOf maps a DuckDB type to a PostgreSQL type, and the cast that makes
// DuckDB return a value pgx can encode ("" for none).
func pgTypeOf(duck string) (pg, cast string) {
	switch t := strings.ToUpper(duck); {
	case t == "VARCHAR":
		return "text", ""
	case t == "BIGINT":
		return "bigint", ""
	case t == "INTEGER":
		return "integer", ""
	case t == "SMALLINT", t == "TINYINT":
		return "integer", "INTEGER"
	case t == "HUGEINT", t == "UBIGINT":
		return "numeric", "DOUBLE"
	case strings.HasPrefix(t, "DECIMAL"):
		return "numeric" + strings.TrimPrefix(t, "DECIMAL"), ""
	case t == "DOUBLE", t == "FLOAT":
		return "double precision", "DOUBLE"
	case t == "BOOLEAN":
		return "boolean", ""
	case t == "DATE":
		return "date", ""
	case t == "TIMESTAMP":
		return "timestamp", ""
	case t == "TIMESTAMP WITH TIME ZONE":
		return "timestamptz", ""
	}
	return "text", "VARCHAR"
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	if len(s) > 80 {
		s = s[:80] + "..."
	}
	return s
}
