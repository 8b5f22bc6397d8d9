package jobs

import (
	"context"
	"fmt"
	"io/fs"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"leadmart/config"
	"leadmart/internal/quote"
	"leadmart/models"
	"leadmart/publish"
	"leadmart/workdb"
)

// ModelResult is one model's build.
type ModelResult struct {
	Model    string
	Layer    string // staging, core or marts
	Rows     int64
	Duration time.Duration
}

// Params are the run's inputs that the SQL models read from cfg.params.
type Params struct {
	RunID string
	AsOf  time.Time
}

// Prepare writes cfg.params, the classification mappings and the
// macros: everything the models read besides data.
func Prepare(ctx context.Context, w *workdb.Warehouse, cfg *config.Config, sqlFS fs.FS, p Params) error {
	pot := cfg.Potential
	stmts := []string{
		paramsTable(runParams(cfg, p)),
		// quantile functions take constants only: getvariable folds at bind time
		fmt.Sprintf("set variable peer_quantile = %v::double", pot.PeerQuantile),
		"create or replace table cfg.channel_class (channel varchar, channel_class varchar)",
		"create or replace table cfg.maturity_factors (factor integer, factor_name varchar, weight double)",
		"create or replace table cfg.entity_fields (system varchar, entity varchar, field varchar, field_type varchar, is_required boolean, is_key boolean, is_personal boolean)",
		"create or replace table cfg.customer_facing (activity_type varchar, is_customer_facing boolean)",
	}
	var cc []string
	for _, ch := range slices.Sorted(maps.Keys(cfg.Mappings.ChannelClass)) {
		cc = append(cc, fmt.Sprintf("(%s, %s)", quote.Lit(strings.ToLower(ch)), quote.Lit(cfg.Mappings.ChannelClass[ch])))
	}
	if len(cc) > 0 {
		stmts = append(stmts, "insert into cfg.channel_class values "+strings.Join(cc, ", "))
	}
	var ef []string
	for _, e := range models.All() {
		for _, f := range e.Fields {
			ef = append(ef, fmt.Sprintf("(%s, %s, %s, %s, %t, %t, %t)", quote.Lit(e.System), quote.Lit(e.Name), quote.Lit(f.Name),
				quote.Lit(string(f.Type)), f.Required, slices.Contains(e.Key, f.Name), f.Personal))
		}
	}
	stmts = append(stmts, "insert into cfg.entity_fields values "+strings.Join(ef, ", "))
	var mf []string
	for i, f := range cfg.Maturity.Factors {
		mf = append(mf, fmt.Sprintf("(%d, %s, %v)", i+1, quote.Lit(f.Name), f.Weight))
	}
	stmts = append(stmts, "insert into cfg.maturity_factors values "+strings.Join(mf, ", "))
	var cf []string
	for _, t := range slices.Sorted(maps.Keys(cfg.Mappings.CustomerFacing)) {
		cf = append(cf, fmt.Sprintf("(%s, %t)", quote.Lit(strings.ToLower(t)), cfg.Mappings.CustomerFacing[t]))
	}
	if len(cf) > 0 {
		stmts = append(stmts, "insert into cfg.customer_facing values "+strings.Join(cf, ", "))
	}
	macros, err := fs.ReadFile(sqlFS, "macros.sql")
	if err != nil {
		return fmt.Errorf("read macros: %w", err)
	}
	stmts = append(stmts, string(macros))
	for _, q := range stmts {
		if err := w.Exec(ctx, q); err != nil {
			return fmt.Errorf("prepare run parameters: %w", err)
		}
	}
	return nil
}

// Transform materialises every model as a table, in dependency order, and
// records each build in ops.model_runs. With build set (an attached
// catalog: the publication file being built), the published models are
// created there as mart.<name>, each with a view of its own name in the
// work database, so that publication copies nothing.
func Transform(ctx context.Context, w *workdb.Warehouse, cat *models.Catalog, runID, build string, hook publish.Hook, log zerolog.Logger) (out []ModelResult, err error) {
	// The builds are recorded together when transform ends, failed or not:
	// one statement instead of a commit per model.
	var records [][]any
	defer func() {
		if rerr := w.Insert(context.WithoutCancel(ctx), "ops.model_runs", records); rerr != nil && err == nil {
			err = rerr
		}
	}()
	for _, m := range cat.Models {
		start := time.Now()
		target := m.Qualified()
		if build != "" && m.Published() {
			target = build + ".mart." + m.Name
		}
		query, err := ModelQuery(ctx, w, m)
		if err != nil {
			return out, fmt.Errorf("model %s (sql/%s): %w", m.Qualified(), m.Path, err)
		}
		err = w.Exec(ctx, fmt.Sprintf("create or replace table %s as\n%s", target, query))
		if err == nil && target != m.Qualified() {
			err = w.Exec(ctx, fmt.Sprintf("create or replace view %s as select * from %s", m.Qualified(), target))
			hook.Fire("duckdb-table:" + m.Name)
		}
		var rows int64
		if err == nil {
			err = w.QueryRow(ctx, "select count(*) from "+m.Qualified()).Scan(&rows)
		}
		d := time.Since(start)
		status, msg := "success", ""
		if err != nil {
			status, msg = "failed", err.Error()
		}
		records = append(records, []any{runID, m.Qualified(), m.Layer, start.UTC(), time.Now().UTC(), d.Milliseconds(), rows, status, nullable(msg)})
		if err != nil {
			return out, fmt.Errorf("model %s (sql/%s): %w", m.Qualified(), m.Path, err)
		}
		// the high-water mark after each model shows which one sets the run's peak
		log.Debug().Str("model", m.Qualified()).Int64("rows", rows).Int64("duration_ms", d.Milliseconds()).
			Func(workdb.LogPeakRSS).Msg("built")
		out = append(out, ModelResult{Model: m.Qualified(), Layer: m.Layer, Rows: rows, Duration: d})
		hook.Fire("built:" + m.Qualified())
	}
	return out, nil
}

// PublishedDecimal is the type of every non-integer number a published
// table holds: amounts, potentials, shares, ratios and durations
// (docs/kpis.md#numbers). Fixed point makes sums exact, so that two runs
// over the same extracts publish the same bytes whatever order DuckDB's
// threads add in.
const PublishedDecimal = "DECIMAL(38,10)"

// ModelQuery is the query a model's table is created from: its SQL, with
// fixed-point numbers when it is published (fixedPoint). Model tests build
// with it too.
func ModelQuery(ctx context.Context, w *workdb.Warehouse, m models.Model) (string, error) {
	if m.Meta.HistoryOf != "" {
		// the snapshots it reads exist from the first build on, empty
		if err := EnsureHistory(ctx, w, m); err != nil {
			return "", err
		}
	}
	if !m.Published() {
		return m.SQL, nil
	}
	return fixedPoint(ctx, w, m.SQL)
}

// fixedPoint wraps a published model's query so that its floating-point
// and other decimal columns become PublishedDecimal and its HUGEINT counts (DuckDB's sum of
// BIGINT) become BIGINT. Models downstream read the cast table, so their
// sums are exact too. The query is only bound, not run, to learn its types.
func fixedPoint(ctx context.Context, w *workdb.Warehouse, query string) (string, error) {
	cols, err := w.Columns(ctx, "("+query+")")
	if err != nil {
		return "", err
	}
	var sels []string
	cast := false
	for _, c := range cols {
		sel := quote.Ident(c.Name)
		switch {
		case c.Type == "DOUBLE", c.Type == "FLOAT",
			// one published scale: a product of decimals has the sum of their scales
			strings.HasPrefix(c.Type, "DECIMAL") && c.Type != PublishedDecimal:
			sel, cast = fmt.Sprintf("cast(%s as %s) as %s", sel, PublishedDecimal, sel), true
		case c.Type == "HUGEINT":
			sel, cast = fmt.Sprintf("cast(%s as BIGINT) as %s", sel, sel), true
		}
		sels = append(sels, sel)
	}
	if !cast {
		return query, nil
	}
	return fmt.Sprintf("select %s from (\n%s\n)", strings.Join(sels, ", "), query), nil
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}
