// Package modeltest tests SQL models the way dbt's unit tests do: given
// rows for the tables a model reads, it builds the model in an in-memory
// DuckDB, without landing, checks or publication, and returns its rows.
//
// Given rows can be any table: a raw entity (typed by its declared
// columns), a staging or core model, or a fixture's extract files, typed
// by its configuration exactly as landing types them. Models the test
// does not give are built from their own SQL, in dependency order.
package modeltest

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"leadmart/config"
	"leadmart/connectors/file"
	"leadmart/internal/quote"
	"leadmart/internal/whtest"
	"leadmart/jobs"
	"leadmart/models"
	sqlmodels "leadmart/sql"
	"leadmart/workdb"
)

// DB is one in-memory warehouse with the run parameters of a config.
type DB struct {
	W     *workdb.Warehouse
	Cat   *models.Catalog
	cfg   *config.Config
	built map[string]bool // models built or given
	dir   string
}

// Open prepares an in-memory warehouse as of asOf (YYYY-MM-DD) with cfg's
// parameters and mappings (cfg.params, value maps, channel classes).
func Open(t testing.TB, cfg *config.Config, asOf string) *DB {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	w, err := workdb.OpenPlain(ctx, cfg, ":memory:")
	if err != nil {
		t.Fatalf("open in-memory warehouse: %v", err)
	}
	t.Cleanup(func() { w.Close() })
	cat, err := models.LoadCatalog(sqlmodels.FS)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"create schema if not exists staging", "set preserve_insertion_order = true"} {
		if err := w.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	if err := jobs.Prepare(ctx, w, cfg, sqlmodels.FS, jobs.Params{RunID: "modeltest", AsOf: whtest.Date(t, asOf)}); err != nil {
		t.Fatalf("prepare run parameters: %v", err)
	}
	return &DB{W: w, Cat: cat, cfg: cfg, built: map[string]bool{}, dir: dir}
}

// Fixture opens the fixture folder dir's leadmart.yaml as of asOf and
// loads every source's extract files into the raw tables.
func Fixture(t testing.TB, dir, asOf string) *DB {
	t.Helper()
	cfg, err := config.Load(filepath.Join(dir, "leadmart.yaml"))
	if err != nil {
		t.Fatalf("load fixture config: %v", err)
	}
	d := Open(t, cfg, asOf)
	d.LoadSources(t)
	return d
}

// LoadSources types the files of every file source into its raw table
// through landing's own typing (jobs.TypedSelect, strict), with the
// lineage columns the staging models read.
func (d *DB) LoadSources(t testing.TB) {
	t.Helper()
	ctx := context.Background()
	loaded := time.Now().UTC().Format("2006-01-02 15:04:05")
	for _, s := range d.cfg.Sources {
		r, err := d.cfg.Open(s, nil)
		if err != nil {
			t.Fatal(err)
		}
		src, ok := r.(*file.Source)
		if !ok {
			t.Fatalf("source %s: modeltest loads file sources only", s.Name)
		}
		files, err := src.Files()
		if err != nil {
			t.Fatal(err)
		}
		for i, f := range files {
			scan, ok, err := src.Scan(ctx, d.W.Conn(), f)
			if err != nil || !ok {
				t.Fatalf("source %s: scan %s: %v", s.Name, f, err)
			}
			scan = fmt.Sprintf("(select *, row_number() over () as _row from %s)", scan)
			table, names, sels, err := jobs.TypedSelect(ctx, d.W, s, scan, f, true)
			if err != nil {
				t.Fatalf("source %s: %v", s.Name, err)
			}
			q := fmt.Sprintf(`insert into %s (%s, source_system, _source, _batch_id, _source_file, _source_row, _loaded_at)
				select %s, %s, %s, %s, %s, _row, timestamp %s from %s`, table, strings.Join(names, ", "),
				strings.Join(sels, ", "), quote.Lit(s.SourceSystem), quote.Lit(s.Name), quote.Lit(fmt.Sprintf("%s-%d", s.Name, i)),
				quote.Lit(f), quote.Lit(loaded), scan)
			if err := d.W.Exec(ctx, q); err != nil {
				t.Fatalf("source %s: load %s: %v", s.Name, f, err)
			}
			// the batch record the data-quality mart reads, as landing writes it
			batch := fmt.Sprintf("%s-%d", s.Name, i)
			q = fmt.Sprintf(`insert into ops.batches (batch_id, run_id, source, system, entity, file, content_hash, rows, rejected,
				duplicate_keys, load_date, parquet_path, loaded_at, extracted_at) select %[1]s, 'modeltest', %[2]s, %[3]s, %[4]s, %[5]s, '', count(*), 0,
				count(*) - count(distinct (%[6]s)), current_date, '', timestamp %[7]s, timestamp %[7]s from %[8]s where _batch_id = %[1]s`,
				quote.Lit(batch), quote.Lit(s.Name), quote.Lit(s.System), quote.Lit(s.Entity), quote.Lit(f),
				strings.Join(s.PrimaryKey, ", "), quote.Lit(loaded), table)
			if err := d.W.Exec(ctx, q); err != nil {
				t.Fatalf("source %s: record batch: %v", s.Name, err)
			}
		}
	}
}

// Given replaces table (e.g. raw.crm__lead, core.fct_lead,
// history.kpi_funnel_monthly) with the rows of csvText, a header line
// first. Every table keeps the columns and types it has in a run: a raw or
// ops table its declared ones, a model those its SQL gives (it is built
// first, from what is there), a history table its mart's. Columns not given
// are NULL; a header written name:TYPE is read as name. Empty cells are NULL.
func (d *DB) Given(t testing.TB, table, csvText string) {
	t.Helper()
	header, body, _ := strings.Cut(strings.TrimLeft(csvText, "\n"), "\n")
	var names []string
	for _, h := range strings.Split(header, ",") {
		name, _, _ := strings.Cut(strings.TrimSpace(h), ":")
		names = append(names, name)
	}
	f := filepath.Join(d.dir, strings.ReplaceAll(table, ".", "__")+".csv")
	if err := os.WriteFile(f, []byte(strings.Join(names, ",")+"\n"+dedent(body)), 0o644); err != nil {
		t.Fatal(err)
	}
	d.GivenFile(t, table, f)
}

// GivenFile is Given with the rows in a CSV file.
func (d *DB) GivenFile(t testing.TB, table, csvPath string) {
	t.Helper()
	ctx := context.Background()
	target := table
	schema, name, _ := strings.Cut(table, ".")
	switch schema {
	case "raw", "ops", "cfg": // declared by the entities, the work database and the run parameters
	case "history":
		h, ok := d.history(name)
		if !ok {
			t.Fatalf("given %s: no model publishes the snapshots of mart.%s", table, name)
		}
		d.Build(t, h.Meta.HistoryOf)
		if err := jobs.EnsureHistory(ctx, d.W, h); err != nil {
			t.Fatalf("given %s: %v", table, err)
		}
	default:
		m, ok := d.model(table)
		if !ok {
			t.Fatalf("given %s: no such model", table)
		}
		// built from what is there, for its columns and types
		d.Build(t, m.Qualified())
		target = m.Qualified()
	}
	q := fmt.Sprintf("delete from %s; insert into %s by name select * from read_csv(%s, header=true, all_varchar=true)",
		target, target, quote.Lit(csvPath))
	if err := d.W.Exec(ctx, q); err != nil {
		t.Fatalf("given %s: %v", table, err)
	}
}

// model finds a model by its qualified or published name.
func (d *DB) model(name string) (models.Model, bool) {
	for _, m := range d.Cat.Models {
		if m.Qualified() == name || m.Published() && m.PublishedName() == name {
			return m, true
		}
	}
	return models.Model{}, false
}

// history finds the model that publishes the snapshots of mart.<name>.
func (d *DB) history(name string) (models.Model, bool) {
	for _, m := range d.Cat.Histories() {
		if m.Meta.HistoryOf == "mart."+name {
			return m, true
		}
	}
	return models.Model{}, false
}

// dedent removes the indentation of inline CSV in Go raw strings.
func dedent(s string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n") + "\n"
}

// Build builds model (qualified, e.g. mart.kpi_funnel_monthly; a core
// model may be named mart.<name> as it is published) after every model it
// reads that was neither given nor built. Published models also get a view
// mart.<name>, so queries read them by their published names.
func (d *DB) Build(t testing.TB, model string) {
	t.Helper()
	byName := map[string]models.Model{}
	for _, m := range d.Cat.Models {
		byName[m.Qualified()] = m
		if m.Published() {
			byName[m.PublishedName()] = m
		}
	}
	m, ok := byName[model]
	if !ok {
		t.Fatalf("no model %s", model)
	}
	need := map[string]bool{}
	var visit func(m models.Model)
	visit = func(m models.Model) {
		if d.built[m.Qualified()] || need[m.Qualified()] {
			return
		}
		need[m.Qualified()] = true
		for _, dep := range m.Deps {
			visit(byName[dep])
		}
	}
	visit(m)
	ctx := context.Background()
	for _, m := range d.Cat.Models { // catalog order is dependency order
		if !need[m.Qualified()] {
			continue
		}
		query, err := jobs.ModelQuery(ctx, d.W, m)
		if err != nil {
			t.Fatalf("model %s (sql/%s): %v", m.Qualified(), m.Path, err)
		}
		stmts := []string{fmt.Sprintf("create or replace table %s as\n%s", m.Qualified(), query)}
		if m.Published() && m.Schema != "mart" {
			stmts = append(stmts, fmt.Sprintf("create or replace view %s as select * from %s", m.PublishedName(), m.Qualified()))
		}
		for _, q := range stmts {
			if err := d.W.Exec(ctx, q); err != nil {
				t.Fatalf("model %s (sql/%s): %v", m.Qualified(), m.Path, err)
			}
		}
		d.built[m.Qualified()] = true
	}
}

// BuildAll builds every model of the catalog that was neither given nor built.
func (d *DB) BuildAll(t testing.TB) {
	t.Helper()
	for _, m := range d.Cat.Models {
		d.Build(t, m.Qualified())
	}
}

// Query returns a header row and the rows as whtest formats them.
func (d *DB) Query(t testing.TB, q string) [][]string {
	t.Helper()
	rows, err := d.W.Conn().QueryContext(context.Background(), q)
	if err != nil {
		t.Fatalf("query %s: %v", q, err)
	}
	return whtest.Rows(t, rows)
}

// Metric runs the query of the metric name that a model's metadata
// declares, as the run reports it; NaN when it returns NULL.
func (d *DB) Metric(t testing.TB, name string) float64 {
	t.Helper()
	for _, m := range d.Cat.Models {
		for _, mt := range m.Meta.Metrics {
			if mt.Name != name {
				continue
			}
			var v sql.NullFloat64
			if err := d.W.QueryRow(context.Background(), mt.SQL).Scan(&v); err != nil {
				t.Fatalf("metric %s: %v", name, err)
			}
			if !v.Valid {
				return math.NaN()
			}
			return v.Float64
		}
	}
	t.Fatalf("no model declares the metric %s", name)
	return 0
}
