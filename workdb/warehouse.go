// Package workdb is the work database a run builds in: one DuckDB
// session under the warehouse folder's lock, the ops and raw schemas, and
// the small query helpers every stage uses.
package workdb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	_ "github.com/duckdb/duckdb-go/v2" // registers the "duckdb" driver

	"leadmart/config"
	"leadmart/internal/quote"
	"leadmart/models"
)

// ErrLocked: another leadmart process is running on the same warehouse.
var ErrLocked = errors.New("warehouse is locked by another run")

// Warehouse is the work database the job builds into. Readers never open it:
// they read the published file (see Publish).
type Warehouse struct {
	Dir  string
	db   *sql.DB
	conn *sql.Conn // one session: SET VARIABLE and temp state are per connection
	lock *os.File
}

// WorkFile is the work database inside the warehouse folder.
const WorkFile = "work.duckdb"

// Open locks the warehouse folder and opens the work database.
func Open(ctx context.Context, cfg *config.Config) (*Warehouse, error) {
	dir := cfg.WarehouseDir()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create warehouse folder: %w", err)
	}
	lock, err := os.OpenFile(filepath.Join(dir, ".lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open lock file: %w", err)
	}
	// flock, not a pid file: the kernel releases it when a run dies, even by SIGKILL.
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		lock.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("%w: %s", ErrLocked, dir)
		}
		return nil, fmt.Errorf("lock warehouse: %w", err)
	}
	w := &Warehouse{Dir: dir, lock: lock}
	if err := w.open(ctx, cfg, filepath.Join(dir, WorkFile)); err != nil {
		w.Close()
		return nil, err
	}
	if err := w.tune(ctx); err != nil {
		w.Close()
		return nil, err
	}
	return w, nil
}

// OpenPlain opens the DuckDB database file path with the work database's
// schemas and the configured resources, DuckDB's defaults otherwise, and
// no lock: the engine baseline of the benchmarks.
func OpenPlain(ctx context.Context, cfg *config.Config, path string) (*Warehouse, error) {
	w := &Warehouse{Dir: filepath.Dir(path)}
	if err := w.open(ctx, cfg, path); err != nil {
		w.Close()
		return nil, err
	}
	return w, nil
}

func (w *Warehouse) open(ctx context.Context, cfg *config.Config, path string) error {
	if err := w.connect(ctx, cfg, path); err != nil {
		return err
	}
	return w.migrate(ctx)
}

func (w *Warehouse) connect(ctx context.Context, cfg *config.Config, path string) error {
	db, err := sql.Open("duckdb", path)
	if err != nil {
		return fmt.Errorf("open work database: %w", err)
	}
	w.db = db
	if w.conn, err = db.Conn(ctx); err != nil {
		return fmt.Errorf("open work database: %w", err)
	}
	tmp := cfg.Warehouse.TempDir
	if tmp == "" {
		tmp = filepath.Join(w.Dir, "tmp")
	} else {
		tmp = cfg.Resolve(tmp)
	}
	// The resources the configuration grants; landing relies on DuckDB's
	// default of preserving insertion order (the data row of an error).
	settings := []string{"set temp_directory = " + quote.Lit(tmp), "set preserve_insertion_order = true"}
	if limit := cfg.Warehouse.DuckDBMemoryLimit(); limit != "" {
		settings = append(settings, "set memory_limit = "+quote.Lit(limit))
	}
	if cfg.Warehouse.Threads > 0 {
		settings = append(settings, fmt.Sprintf("set threads = %d", cfg.Warehouse.Threads))
	}
	if cfg.Warehouse.VerifyParallelism {
		settings = append(settings, "pragma verify_parallelism")
	}
	for _, s := range settings {
		if err := w.Exec(ctx, s); err != nil {
			return fmt.Errorf("configure DuckDB (%s): %w", s, err)
		}
	}
	return nil
}

// AfterLanding lets DuckDB write model and publication tables in any row
// order: only landing needs the file's order (the data row of an error), and
// order-preserving inserts cost parallelism and memory.
func (w *Warehouse) AfterLanding(ctx context.Context) error {
	if err := w.Exec(ctx, "set preserve_insertion_order = false"); err != nil {
		return fmt.Errorf("configure DuckDB: %w", err)
	}
	return nil
}

// tune makes leadmart's choices of how the job writes; the engine baseline
// keeps DuckDB's defaults. Staging is an in-memory database attached as
// "staging": its tables are rebuilt every run and read within it, so
// writing them to disk with compression (twice the time of the query at M)
// buys nothing. DuckDB spills them to temp_directory under its memory limit.
func (w *Warehouse) tune(ctx context.Context) error {
	for _, q := range []string{
		// one checkpoint at the end of the run instead of one per large insert
		"set checkpoint_threshold = '1GB'",
		"drop schema if exists staging cascade", // staging was a schema of the work database before
		"attach if not exists ':memory:' as staging",
	} {
		if err := w.Exec(ctx, q); err != nil {
			return fmt.Errorf("configure DuckDB (%s): %w", q, err)
		}
	}
	return nil
}

// migrate creates the schemas, the ops tables and one raw table per entity.
// Every raw table exists even without a source, so models can always run.
func (w *Warehouse) migrate(ctx context.Context) error {
	ddl := []string{
		"create schema if not exists raw", "create schema if not exists core",
		"create schema if not exists mart", "create schema if not exists ops", "create schema if not exists cfg",
		"create schema if not exists landing",
		// as-of snapshots of the monthly marts (leadmart backfill, the monthly job)
		"create schema if not exists history",
		"create table if not exists history.snapshots (as_of date, run_id varchar, taken_at timestamp)",
		`create table if not exists ops.runs (run_id varchar, as_of date, started_at timestamp, ended_at timestamp,
			status varchar, models integer, rows bigint, published boolean, error varchar)`,
		`create table if not exists ops.model_runs (run_id varchar, model varchar, layer varchar, started_at timestamp,
			ended_at timestamp, duration_ms bigint, rows bigint, status varchar, error varchar)`,
		`create table if not exists ops.batches (batch_id varchar, run_id varchar, source varchar, system varchar,
			entity varchar, file varchar, content_hash varchar, rows bigint, rejected bigint, duplicate_keys bigint,
			load_date date, parquet_path varchar, loaded_at timestamp)`,
		// the process a run is and the step it is in (leadmart status)
		"alter table ops.runs add column if not exists pid integer",
		"alter table ops.runs add column if not exists step varchar",
		// what started the run (manual, or a scheduled job's name) and the
		// transient failures it retried
		"alter table ops.runs add column if not exists job varchar",
		"alter table ops.runs add column if not exists retries bigint",
		// when the extract was written (a file's modification time): the
		// data's age where the entity has no updated_at
		"alter table ops.batches add column if not exists extracted_at timestamp",
		// how the batch was read and typed, whether it is landed or dropped,
		// and its columns as read (for schema drift)
		"alter table ops.batches add column if not exists fingerprint varchar",
		"alter table ops.batches add column if not exists read_fingerprint varchar",
		"alter table ops.batches add column if not exists status varchar",
		"alter table ops.batches add column if not exists columns varchar",
		"alter table ops.batches add column if not exists typed_at timestamp",
		"alter table ops.batches add column if not exists dropped_at timestamp",
		"alter table ops.batches add column if not exists quarantine_path varchar",
		`create table if not exists ops.publication_events (event_at timestamp, action varchar, version varchar)`,
		`create table if not exists ops.batch_events (event_at timestamp, batch_id varchar, action varchar, detail varchar)`,
		`create table if not exists ops.rejected_rows (run_id varchar, batch_id varchar, source varchar, file varchar,
			line bigint, message varchar, text varchar)`,
		`create table if not exists ops.watermarks (source varchar, watermark varchar, run_id varchar, updated_at timestamp)`,
		`create table if not exists ops.check_results (run_id varchar, model varchar, check_name varchar, status varchar,
			failing_rows bigint, detail varchar)`,
		// landed rows flagged by a row check (range, future date,
		// relationship), each with its lineage; those of severity
		// quarantine are also in ops.quarantine for the run being built
		`create table if not exists ops.row_issues (run_id varchar, check_name varchar, severity varchar, system varchar,
			entity varchar, record_key varchar, detail varchar, source_file varchar, source_row bigint, batch_id varchar)`,
		`create table if not exists ops.quarantine (batch_id varchar, source_row bigint)`,
		`create or replace view ops.quarantined_rows as
			select run_id, check_name, system, entity, record_key, detail, source_file, source_row, batch_id
			from ops.row_issues where severity = 'quarantine' and run_id = (select max(run_id) from ops.row_issues)`,
		"create schema if not exists screened",
	}
	for _, e := range models.All() {
		var cols []string
		for _, c := range rawColumns(e) {
			cols = append(cols, c.Name+" "+c.Type)
		}
		ddl = append(ddl, fmt.Sprintf("create table if not exists %s (%s)", e.RawTable(), strings.Join(cols, ", ")))
	}
	for _, q := range ddl {
		if err := w.Exec(ctx, q); err != nil {
			return fmt.Errorf("migrate work database: %w", err)
		}
	}
	for _, e := range models.All() {
		if err := w.upgradeRaw(ctx, e); err != nil {
			return fmt.Errorf("migrate work database: %s: %w", e.RawTable(), err)
		}
	}
	// The staging models read the raw tables through these views: a row
	// the run quarantined is not there.
	for _, e := range models.All() {
		q := fmt.Sprintf(`create or replace view screened.%s__%s as select * from %s as r
			where not exists (select 1 from ops.quarantine as q where q.batch_id = r._batch_id and q.source_row = r._source_row)`,
			e.System, e.Name, e.RawTable())
		if err := w.Exec(ctx, q); err != nil {
			return fmt.Errorf("migrate work database: %w", err)
		}
	}
	if err := w.Exec(ctx, fieldCountsView()); err != nil {
		return fmt.Errorf("migrate work database: ops.field_counts: %w", err)
	}
	return nil
}

// rawColumns are the columns of an entity's raw table: its fields, then the
// lineage every raw row carries.
func rawColumns(e models.Entity) []Column {
	cols := make([]Column, 0, len(e.Fields)+6)
	for _, f := range e.Fields {
		cols = append(cols, Column{Name: f.Name, Type: f.Type.SQLType()})
	}
	return append(cols, Column{"source_system", "VARCHAR"}, Column{"_source", "VARCHAR"}, Column{"_batch_id", "VARCHAR"},
		Column{"_source_file", "VARCHAR"}, Column{"_source_row", "BIGINT"}, Column{"_loaded_at", "TIMESTAMP"})
}

// upgradeRaw brings a raw table that an older leadmart created up to the
// entity's declaration: a column added since is added (NULL in the rows
// landed before), and a field whose type changed (decimals became fixed
// point) is cast in place.
func (w *Warehouse) upgradeRaw(ctx context.Context, e models.Entity) error {
	cols, err := w.Columns(ctx, e.RawTable())
	if err != nil {
		return err
	}
	have := map[string]string{}
	for _, c := range cols {
		have[c.Name] = c.Type
	}
	for _, c := range rawColumns(e) {
		typ, ok := have[c.Name]
		var q string
		switch {
		case !ok:
			q = fmt.Sprintf("alter table %s add column %s %s", e.RawTable(), c.Name, c.Type)
		case typ != c.Type:
			q = fmt.Sprintf("alter table %s alter column %s type %s", e.RawTable(), c.Name, c.Type)
		default:
			continue
		}
		if err := w.Exec(ctx, q); err != nil {
			return err
		}
	}
	return nil
}

// fieldCountsView is ops.field_counts: per entity, landed batch and field,
// the rows and the non-NULL values, with the newest update time of the
// batch's rows for entities that have updated_at. Generated from the entity
// declarations, so that a new entity needs no edit to the data-quality mart.
func fieldCountsView() string {
	var parts []string
	for _, e := range models.All() {
		updated := "null::timestamp"
		if _, ok := e.Field("updated_at"); ok {
			updated = "max(updated_at)::timestamp"
		}
		parts = append(parts, fmt.Sprintf(`select '%s' as system, '%s' as entity, _batch_id, row_count, newest_update_at, field, non_null
    from (
        unpivot (
            select _batch_id, count(*) as row_count, %s as newest_update_at,
                count(columns(* exclude (source_system, _source, _batch_id, _source_file, _source_row, _loaded_at)))
            from %s
            group by _batch_id
        ) on columns(* exclude (_batch_id, row_count, newest_update_at)) into name field value non_null
    )`, e.System, e.Name, updated, e.RawTable()))
	}
	return "create or replace view ops.field_counts as\n" + strings.Join(parts, "\nunion all\n")
}

// QueryAll runs a small query and returns its column names and rows.
func (w *Warehouse) QueryAll(ctx context.Context, q string) ([]string, [][]any, error) {
	rows, err := w.conn.QueryContext(ctx, q)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, nil, err
	}
	var out [][]any
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, nil, err
		}
		out = append(out, vals)
	}
	return cols, out, rows.Err()
}

// Conn is the run's single DuckDB session, for the connectors and targets
// that stream through it.
func (w *Warehouse) Conn() *sql.Conn { return w.conn }

// Exec runs a statement in the session.
func (w *Warehouse) Exec(ctx context.Context, q string, args ...any) error {
	_, err := w.conn.ExecContext(ctx, q, args...)
	return err
}

// QueryRow runs a query that returns one row.
func (w *Warehouse) QueryRow(ctx context.Context, q string, args ...any) *sql.Row {
	return w.conn.QueryRowContext(ctx, q, args...)
}

// Begin starts a transaction in the session.
func (w *Warehouse) Begin(ctx context.Context) (*sql.Tx, error) { return w.conn.BeginTx(ctx, nil) }

// Column is a column of a scan, table or view as DuckDB reads it.
type Column struct{ Name, Type string }

// Columns lists the columns of a scan, table or view, in order.
func (w *Warehouse) Columns(ctx context.Context, scan string) ([]Column, error) {
	_, rows, err := w.QueryAll(ctx, "describe select * from "+scan)
	if err != nil {
		return nil, err
	}
	out := make([]Column, len(rows))
	for i, r := range rows {
		out[i] = Column{Name: fmt.Sprint(r[0]), Type: fmt.Sprint(r[1])}
	}
	return out, nil
}

// Close checkpoints and closes the work database and releases the lock.
func (w *Warehouse) Close() error {
	var errs []error
	if w.conn != nil {
		_, _ = w.conn.ExecContext(context.Background(), "checkpoint")
		errs = append(errs, w.conn.Close())
	}
	if w.db != nil {
		errs = append(errs, w.db.Close())
	}
	if w.lock != nil {
		errs = append(errs, w.lock.Close())
	}
	return errors.Join(errs...)
}

// StateFile is a copy of the run records that anyone can read at any time,
// also while a run holds work.duckdb: leadmart query --db warehouse/state.duckdb.
const StateFile = "state.duckdb"

// stateTables are the ops tables the state file mirrors.
var stateTables = []string{"runs", "model_runs", "check_results", "batches", "batch_events", "rejected_rows",
	"row_issues", "quarantined_rows", "watermarks", "publication_events"}

// MirrorState writes the run records to StateFile: a new file, renamed
// over the old one, so that a reader that has the old one open keeps
// reading it and no reader ever blocks the run.
func (w *Warehouse) MirrorState(ctx context.Context) error {
	final := filepath.Join(w.Dir, StateFile)
	tmp := final + ".tmp"
	os.Remove(tmp)
	os.Remove(tmp + ".wal")
	// Small blocks (16 kB, not 256): ten small tables fill a quarter of the
	// bytes. No WAL: the file is whole once detached, and a copy cut short
	// is a .tmp the next one removes. A third less time per copy.
	if err := w.Exec(ctx, "attach "+quote.Lit(tmp)+" as state_mirror (block_size 16384, recovery_mode no_wal_writes)"); err != nil {
		return fmt.Errorf("write %s: %w", StateFile, err)
	}
	// one transaction: one commit to the new file, not one per table
	err := w.Transaction(ctx, func() error {
		for _, t := range stateTables {
			if err := w.Exec(ctx, fmt.Sprintf("create table state_mirror.main.%s as select * from ops.%s", t, t)); err != nil {
				return fmt.Errorf("%s: %w", t, err)
			}
		}
		return nil
	})
	if err != nil {
		w.Exec(context.WithoutCancel(ctx), "detach state_mirror")
		return fmt.Errorf("write %s: %w", StateFile, err)
	}
	if err := w.Exec(ctx, "detach state_mirror"); err != nil {
		return fmt.Errorf("write %s: %w", StateFile, err)
	}
	return os.Rename(tmp, final)
}

// Transaction runs fn in one transaction: committed when fn succeeds,
// rolled back when it fails.
func (w *Warehouse) Transaction(ctx context.Context, fn func() error) error {
	if err := w.Exec(ctx, "begin transaction"); err != nil {
		return err
	}
	if err := fn(); err != nil {
		_ = w.Exec(context.WithoutCancel(ctx), "rollback")
		return err
	}
	return w.Exec(ctx, "commit")
}

// Execer runs a statement: the session, or a transaction of it.
type Execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// Insert appends rows to table in the session (see InsertRows).
func (w *Warehouse) Insert(ctx context.Context, table string, rows [][]any) error {
	return InsertRows(ctx, w.conn, table, rows)
}

// InsertRows appends rows to table in as few statements as it can: each
// statement is prepared once in DuckDB, so a check's result, a model's
// record or a rejected line costs no statement of its own (426 single-row
// inserts took a third of a second of a small run).
func InsertRows(ctx context.Context, db Execer, table string, rows [][]any) error {
	const perStatement = 500
	for len(rows) > 0 {
		n := min(len(rows), perStatement)
		var b strings.Builder
		b.WriteString("insert into " + table + " values ")
		args := make([]any, 0, n*len(rows[0]))
		for i, r := range rows[:n] {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString("(" + strings.TrimSuffix(strings.Repeat("?, ", len(r)), ", ") + ")")
			args = append(args, r...)
		}
		if _, err := db.ExecContext(ctx, b.String(), args...); err != nil {
			return fmt.Errorf("insert into %s: %w", table, err)
		}
		rows = rows[n:]
	}
	return nil
}
