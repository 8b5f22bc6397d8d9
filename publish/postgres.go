package publish

import (
	"context"
	"fmt"
	"os"

	"github.com/jackc/pgx/v5"

	"leadmart/config"
	"leadmart/publish/postgres"
	"leadmart/workdb"
)

// PostgresTarget publishes into a PostgreSQL schema through publish/postgres.
type PostgresTarget struct {
	Config config.PostgresTarget
	// Hook, when set, runs after each table is created and before it is
	// loaded; tests use it to make a load fail midway.
	Hook func(ctx context.Context, conn *pgx.Conn, schema, table string) error

	pub *postgres.Publisher
}

var _ Target = (*PostgresTarget)(nil)

func (p *PostgresTarget) Name() string { return "postgres" }

func (p *PostgresTarget) Where(pub Publication) string {
	return fmt.Sprintf("schema %s (database from $%s)", p.Config.Schema, p.Config.DSNEnv)
}

func (p *PostgresTarget) Prepare(ctx context.Context, w *workdb.Warehouse, pub Publication) error {
	dsn := os.Getenv(p.Config.DSNEnv)
	if dsn == "" {
		return fmt.Errorf("publish.postgres.dsn_env: environment variable %s is empty", p.Config.DSNEnv)
	}
	p.pub = &postgres.Publisher{Schema: p.Config.Schema, ReadRole: p.Config.ReadRole, Hook: p.Hook}
	if err := p.pub.Connect(ctx, dsn); err != nil {
		return err
	}
	// mart.publication travels with the tables it describes (Publish built it).
	meta, err := publicationMeta()
	if err != nil {
		return err
	}
	pubTable := postgres.Table{Name: "publication", Source: "cfg.publication", Key: []string{"table_name"},
		Description: meta.Description}
	for _, c := range meta.Columns {
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
	return p.pub.Prepare(ctx, w.Conn(), tables)
}

func (p *PostgresTarget) Switch(ctx context.Context) error {
	defer p.pub.Close()
	return p.pub.Switch(ctx)
}

func (p *PostgresTarget) Abort() {
	if p.pub != nil {
		p.pub.Abort()
		p.pub.Close()
	}
}
