package jobs

import (
	"context"
	"fmt"
	"strings"
	"time"

	"leadmart/internal/quote"
	"leadmart/models"
	"leadmart/workdb"
)

// historyTable is where a history model's snapshots are kept, in the work
// database: history.<the mart's name>.
func historyTable(m models.Model) string {
	return "history." + strings.TrimPrefix(m.Meta.HistoryOf, "mart.")
}

// EnsureHistory creates the snapshot table of a history model when it is
// missing (as_of, snapshot_run_id, snapshot_at, then the mart's columns),
// and adds a column the mart has gained since; a snapshot taken before
// holds NULL there.
func EnsureHistory(ctx context.Context, w *workdb.Warehouse, m models.Model) error {
	table, base := historyTable(m), m.Meta.HistoryOf
	if err := w.Exec(ctx, fmt.Sprintf(`create table if not exists %s as select cast(null as date) as as_of,
		cast(null as varchar) as snapshot_run_id, cast(null as timestamp) as snapshot_at, * from %s limit 0`, table, base)); err != nil {
		return fmt.Errorf("create %s: %w", table, err)
	}
	_, missing, err := w.QueryAll(ctx, fmt.Sprintf(`select column_name, data_type from duckdb_columns()
		where database_name = current_database() and schema_name = 'mart' and table_name = %s
		and column_name not in (select column_name from duckdb_columns()
			where database_name = current_database() and schema_name = 'history' and table_name = %s)
		order by column_index`, quote.Lit(strings.TrimPrefix(base, "mart.")), quote.Lit(strings.TrimPrefix(table, "history."))))
	if err != nil {
		return err
	}
	for _, c := range missing {
		if err := w.Exec(ctx, fmt.Sprintf("alter table %s add column %s %s", table, quote.Ident(fmt.Sprint(c[0])), c[1])); err != nil {
			return fmt.Errorf("add %v to %s: %w", c[0], table, err)
		}
	}
	return nil
}

// Snapshotted lists the as-of dates already snapshotted (history.snapshots:
// a date whose marts had no rows is a snapshot too).
func Snapshotted(ctx context.Context, w *workdb.Warehouse) (map[string]bool, error) {
	done := map[string]bool{}
	_, rows, err := w.QueryAll(ctx, "select cast(as_of as varchar) from history.snapshots")
	if err != nil {
		return nil, err
	}
	for _, r := range rows {
		done[fmt.Sprint(r[0])] = true
	}
	return done, nil
}

// Snapshot appends the monthly marts as built now (as of asOf) to their
// history tables, in one transaction: a date is in every table or none.
func Snapshot(ctx context.Context, w *workdb.Warehouse, cat *models.Catalog, asOf time.Time, runID string) error {
	return w.Transaction(ctx, func() error { return snapshot(ctx, w, cat, asOf, runID) })
}

func snapshot(ctx context.Context, w *workdb.Warehouse, cat *models.Catalog, asOf time.Time, runID string) error {
	now := time.Now().UTC()
	for _, m := range cat.Histories() {
		if err := EnsureHistory(ctx, w, m); err != nil {
			return err
		}
		table := historyTable(m)
		if err := w.Exec(ctx, "delete from "+table+" where as_of = ?", asOf); err != nil {
			return err
		}
		if err := w.Exec(ctx, fmt.Sprintf("insert into %s by name select cast(? as date) as as_of, ? as snapshot_run_id, cast(? as timestamp) as snapshot_at, * from %s",
			table, m.Meta.HistoryOf), asOf, runID, now); err != nil {
			return fmt.Errorf("snapshot %s as of %s: %w", m.Meta.HistoryOf, asOf.Format(time.DateOnly), err)
		}
	}
	if err := w.Exec(ctx, "delete from history.snapshots where as_of = ?", asOf); err != nil {
		return err
	}
	return w.Exec(ctx, "insert into history.snapshots values (?, ?, ?)", asOf, runID, now)
}
