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
	// mart.publication travels with the tables it describes (Publish built it).
	pubTable := postgres.Table{Name: "publication", Source: "cfg.publication", Key: []string{"table_name"},
		Description: publicationDescription}
	for _, c := range publicationColumns {
		pubTable.Columns = append(pubTable.Columns, postgres.Column{Name: c.Name, Type: c.Type, Description: c.Description})
	}
	tables := []postgres.Table{pubTable}
	for _, t := range pub.Tables {
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
