package publish

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/jackc/pgx/v5"

	"leadmart/config"
	"leadmart/internal/quote"
	"leadmart/publish/postgres"
	"leadmart/workdb"
)

// PostgresTarget publishes into a PostgreSQL schema through
// publish/postgres. It reads a DuckDB publication file attached to the
// work database: the one being built (BuildCatalog) during a run, a kept
// version on rollback or repair. So PostgreSQL always holds exactly a
// version that the file publication holds too.
type PostgresTarget struct {
	Config config.PostgresTarget
	// Hook, when set, runs after each table is created and before it is
	// loaded; tests use it to make a load fail midway.
	Hook func(ctx context.Context, conn *pgx.Conn, schema, table string) error

	pub *postgres.Publisher
}

func (p *PostgresTarget) Where() string {
	return fmt.Sprintf("schema %s (database from $%s)", p.Config.Schema, p.Config.DSNEnv)
}

func (p *PostgresTarget) connect(ctx context.Context) error {
	if p.pub != nil {
		return nil
	}
	dsn := os.Getenv(p.Config.DSNEnv)
	if dsn == "" {
		return fmt.Errorf("publish.postgres.dsn_env: environment variable %s is empty", p.Config.DSNEnv)
	}
	p.pub = &postgres.Publisher{Schema: p.Config.Schema, ReadRole: p.Config.ReadRole, Hook: p.Hook}
	if err := p.pub.Connect(ctx, dsn); err != nil {
		p.pub = nil
		return err
	}
	return nil
}

// Prepare loads every table of the publication file attached as catalog
// into the staging schema, with its keys and comments.
func (p *PostgresTarget) Prepare(ctx context.Context, w *workdb.Warehouse, catalog string) error {
	if err := p.connect(ctx); err != nil {
		return err
	}
	tables, err := fileTables(ctx, w, catalog)
	if err != nil {
		return err
	}
	return p.pub.Prepare(ctx, w.Conn(), tables)
}

// fileTables reads the tables of an attached publication file: columns
// and comments from DuckDB's catalog, keys from its mart.publication.
func fileTables(ctx context.Context, w *workdb.Warehouse, catalog string) ([]postgres.Table, error) {
	byName := map[string]*postgres.Table{}
	var order []string
	_, rows, err := w.QueryAll(ctx, fmt.Sprintf(`select t.table_name, coalesce(t.comment, ''), c.column_name, c.data_type, coalesce(c.comment, '')
		from duckdb_tables() t join duckdb_columns() c using (database_name, schema_name, table_name)
		where t.database_name = %s and t.schema_name = 'mart' order by t.table_name = 'publication' desc, t.table_name, c.column_index`, quote.Lit(catalog)))
	if err != nil {
		return nil, fmt.Errorf("read the publication's tables: %w", err)
	}
	for _, row := range rows {
		r := strs(row)
		t := byName[r[0]]
		if t == nil {
			t = &postgres.Table{Name: r[0], Description: r[1], Source: catalog + ".mart." + quote.Ident(r[0])}
			byName[r[0]] = t
			order = append(order, r[0])
		}
		t.Columns = append(t.Columns, postgres.Column{Name: r[2], Type: r[3], Description: r[4]})
	}
	if len(order) == 0 {
		return nil, fmt.Errorf("the publication file %s holds no tables", catalog)
	}
	_, keys, err := w.QueryAll(ctx, fmt.Sprintf(`select table_name, coalesce(primary_key, ''), coalesce(key_kind, ''), coalesce(foreign_keys, '')
		from %s.mart.publication`, catalog))
	if err != nil {
		return nil, fmt.Errorf("read the publication's keys: %w", err)
	}
	byName["publication"].Key, byName["publication"].PrimaryKey = []string{"table_name"}, true
	for _, row := range keys {
		k := strs(row)
		t := byName[k[0]]
		if t == nil {
			return nil, fmt.Errorf("mart.publication lists %s, which the file does not hold", k[0])
		}
		if k[1] != "" {
			t.Key, t.PrimaryKey = strings.Split(k[1], ", "), k[2] == "primary key"
		}
		for _, fk := range strings.Split(k[3], "; ") {
			col, ref, ok := strings.Cut(fk, " -> ")
			table, to, ok2 := strings.Cut(ref, ".")
			if fk == "" {
				continue
			}
			if !ok || !ok2 {
				return nil, fmt.Errorf("mart.publication: foreign key %q of %s is not column -> table.column", fk, k[0])
			}
			t.References = append(t.References, postgres.Reference{Column: col, Table: table, To: to})
		}
	}
	out := make([]postgres.Table, len(order))
	for i, n := range order {
		out[i] = *byName[n]
	}
	return out, nil
}

// Switch swaps the prepared schema in, in one transaction.
func (p *PostgresTarget) Switch(ctx context.Context) error {
	defer p.Close()
	return p.pub.Switch(ctx)
}

// Abort drops the prepared schema; the published one is untouched.
func (p *PostgresTarget) Abort() {
	if p.pub != nil {
		p.pub.Abort()
	}
	p.Close()
}

// Close closes the connection.
func (p *PostgresTarget) Close() {
	if p.pub != nil {
		p.pub.Close()
		p.pub = nil
	}
}

// RunID is the run whose publication PostgreSQL holds, "" when none.
func (p *PostgresTarget) RunID(ctx context.Context) (string, error) {
	if err := p.connect(ctx); err != nil {
		return "", err
	}
	id, err := p.pub.RunID(ctx)
	if errors.Is(err, postgres.ErrNotPublished) {
		return "", nil
	}
	return id, err
}

// PublishVersion loads the kept file version runID into PostgreSQL and
// switches to it: rollback, and the repair of a PostgreSQL publication
// left behind the files by a run that stopped between the two switches.
func (p *PostgresTarget) PublishVersion(ctx context.Context, w *workdb.Warehouse, dir, runID string) error {
	const catalog = "kept"
	file := filepath.Join(dir, VersionsDir, runID, PublishedFile)
	if err := w.Exec(ctx, fmt.Sprintf("attach %s as %s (read_only)", quote.Lit(file), catalog)); err != nil {
		return fmt.Errorf("open version %s: %w", runID, err)
	}
	defer func() { _ = w.Exec(context.WithoutCancel(ctx), "detach "+catalog) }()
	if err := p.Prepare(ctx, w, catalog); err != nil {
		p.Abort()
		return fmt.Errorf("prepare postgres publication of %s: %w", runID, err)
	}
	if err := p.Switch(ctx); err != nil {
		return fmt.Errorf("switch postgres publication to %s: %w", runID, err)
	}
	return nil
}

func strs(row []any) []string {
	out := make([]string, len(row))
	for i, v := range row {
		out[i] = fmt.Sprint(v)
	}
	return out
}
