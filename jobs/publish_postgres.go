package jobs

import (
	"context"
	"fmt"
	"os"

	"github.com/jackc/pgx/v5"

	"leadmart/config"
	"leadmart/connectors/postgres"
)

// PostgresHook, when set, runs after each PostgreSQL table is created and
// before it is loaded; tests use it to make a load fail midway.
var PostgresHook func(ctx context.Context, conn *pgx.Conn, schema, table string) error

// postgresTarget adapts connectors/postgres to a publication target.
type postgresTarget struct {
	cfg config.PostgresTarget
	pub *postgres.Publisher
}

var _ Target = (*postgresTarget)(nil)

func (p *postgresTarget) Name() string { return "postgres" }

func (p *postgresTarget) Prepare(ctx context.Context, w *Warehouse, pub Publication) error {
	dsn := os.Getenv(p.cfg.DSNEnv)
	if dsn == "" {
		return fmt.Errorf("publish.postgres.dsn_env: environment variable %s is empty", p.cfg.DSNEnv)
	}
	p.pub = &postgres.Publisher{Schema: p.cfg.Schema, ReadRole: p.cfg.ReadRole, Hook: PostgresHook}
	if err := p.pub.Connect(ctx, dsn); err != nil {
		return err
	}
	// mart.publication travels with the tables it describes.
	if err := w.exec(ctx, "create or replace table cfg.publication (run_id varchar, as_of date, published_at timestamp, table_name varchar, row_count bigint, description varchar)"); err != nil {
		return err
	}
	tables := []postgres.Table{{
		Name: "publication", Source: "cfg.publication", Key: []string{"table_name"},
		Description: "One row per published table: the run that published it, its as_of date and row count.",
		Columns: []postgres.Column{
			{Name: "run_id", Type: "VARCHAR", Description: "The run that published this version."},
			{Name: "as_of", Type: "DATE", Description: "The date every KPI of this publication is computed as of."},
			{Name: "published_at", Type: "TIMESTAMP", Description: "When the publication was written (UTC)."},
			{Name: "table_name", Type: "VARCHAR", Description: "A published table."},
			{Name: "row_count", Type: "BIGINT", Description: "Its number of rows."},
			{Name: "description", Type: "VARCHAR", Description: "What the table is."},
		},
	}}
	for _, t := range pub.Tables {
		if err := w.exec(ctx, "insert into cfg.publication values (?, ?, ?, ?, ?, ?)",
			pub.RunID, pub.AsOf, pub.PublishedAt.UTC(), t.Model.Name, t.Rows, t.Model.Meta.Description); err != nil {
			return err
		}
		pt := postgres.Table{Name: t.Model.Name, Description: t.Model.Meta.Description, Source: t.Model.Qualified()}
		if len(t.Model.Meta.Unique) > 0 {
			pt.Key = t.Model.Meta.Unique[0]
		}
		for _, c := range t.Columns {
			pt.Columns = append(pt.Columns, postgres.Column{Name: c.Name, Type: c.Type, Description: c.Description})
		}
		tables = append(tables, pt)
	}
	return p.pub.Prepare(ctx, w.conn, tables)
}

func (p *postgresTarget) Switch(ctx context.Context) error {
	defer p.pub.Close()
	return p.pub.Switch(ctx)
}

func (p *postgresTarget) Abort() {
	if p.pub != nil {
		p.pub.Abort()
		p.pub.Close()
	}
}
