package jobs

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"leadmart/config"
	"leadmart/models"
	"leadmart/workdb"
)

// rowRule is one check of landed rows, made before the models run: a
// predicate on a raw table (alias r) and the sentence that says what is
// wrong with a row that matches it.
type rowRule struct {
	name, kind, severity string
	ent                  models.Entity
	where, detail        string
	// needs is a raw table that must have rows for the rule to mean
	// anything (a reference into an entity no source provides is skipped).
	needs string
}

// Row check kinds, the keys quality.severity takes for all checks of a kind.
const (
	kindRange        = "range"
	kindFutureDate   = "future_date"
	kindRelationship = "relationship"
)

// rowRules derives the row checks from the entity declarations and the
// config's overrides, with each check's severity.
func rowRules(cfg *config.Config) []rowRule {
	severity := func(kind, name string) string {
		if s, ok := cfg.Quality.Severity[name]; ok {
			return s
		}
		if s, ok := cfg.Quality.Severity[kind]; ok {
			return s
		}
		return "warn"
	}
	var out []rowRule
	ranges := map[string]models.Range{}
	for _, r := range models.Ranges() {
		ranges[r.Entity+"."+r.Field] = r
	}
	for k, b := range cfg.Quality.Ranges { // validated: system.entity.field
		parts := strings.SplitN(k, ".", 3)
		ranges[k] = models.Range{Entity: parts[0] + "." + parts[1], Field: parts[2], Min: b.Min, Max: b.Max}
	}
	for _, k := range slices.Sorted(maps.Keys(ranges)) {
		r := ranges[k]
		if r.Min == nil && r.Max == nil {
			continue
		}
		ent := entity(r.Entity)
		f := "r." + r.Field
		if fld, _ := ent.Field(r.Field); fld.Type == models.Decimal {
			f = "r." + r.Field + "::double" // -5000.0, not -5000.000000
		}
		var conds, whens []string
		if r.Min != nil {
			conds = append(conds, fmt.Sprintf("r.%s < %s", r.Field, num(*r.Min)))
			whens = append(whens, fmt.Sprintf("when r.%s < %s then '%s ' || %s || ' is below the minimum %s'", r.Field, num(*r.Min), r.Field, f, num(*r.Min)))
		}
		if r.Max != nil {
			conds = append(conds, fmt.Sprintf("r.%s > %s", r.Field, num(*r.Max)))
			whens = append(whens, fmt.Sprintf("when r.%s > %s then '%s ' || %s || ' is above the maximum %s'", r.Field, num(*r.Max), r.Field, f, num(*r.Max)))
		}
		name := fmt.Sprintf("range(%s)", k)
		out = append(out, rowRule{name: name, kind: kindRange, severity: severity(kindRange, name), ent: ent,
			where: strings.Join(conds, " or "), detail: "case " + strings.Join(whens, " ") + " end"})
	}
	nf := models.NotFuture()
	for _, e := range slices.Sorted(maps.Keys(nf)) {
		ent := entity(e)
		for _, field := range nf[e] {
			// a date after the day its batch was landed (or as_of, when
			// running as of a later day), plus one day for time zones
			limit := "(greatest((select as_of from cfg.params), r._loaded_at::date) + interval 1 day)"
			name := fmt.Sprintf("future_date(%s.%s)", e, field)
			out = append(out, rowRule{name: name, kind: kindFutureDate, severity: severity(kindFutureDate, name), ent: ent,
				where:  fmt.Sprintf("r.%s >= %s", field, limit),
				detail: fmt.Sprintf("'%[1]s ' || r.%[1]s || ' is after the day it was landed (' || r._loaded_at::date || ')'", field)})
		}
	}
	for _, ref := range models.References() {
		ent, to := entity(ref.Entity), entity(ref.To)
		name := fmt.Sprintf("relationship(%s.%s)", ref.Entity, ref.Field)
		out = append(out, rowRule{name: name, kind: kindRelationship, severity: severity(kindRelationship, name), ent: ent,
			where: fmt.Sprintf("r.%[1]s is not null and not exists (select 1 from %[2]s as t where t.%[3]s = r.%[1]s and t.source_system = r.source_system)",
				ref.Field, to.RawTable(), ref.ToField),
			detail: fmt.Sprintf("'%s ' || r.%s || ' is no %s of ' || r.source_system", ref.Field, ref.Field, ref.To),
			needs:  to.RawTable()})
	}
	return out
}

func entity(name string) models.Entity {
	sys, n, _ := strings.Cut(name, ".")
	e, err := models.Lookup(sys, n)
	if err != nil {
		panic(err) // the declarations name only declared entities (models tests)
	}
	return e
}

func num(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// checkSeverityKeys fails on a quality.severity key that names no check:
// a misspelt key would otherwise leave a check at its default, silently.
func checkSeverityKeys(cfg *config.Config, cat *models.Catalog, rules []rowRule) error {
	known := []string{kindRange, kindFutureDate, kindRelationship}
	for _, r := range rules {
		known = append(known, r.name)
	}
	for _, m := range cat.Models {
		for _, c := range checksFor(m) {
			known = append(known, c.model+"."+c.name)
		}
	}
	for _, k := range slices.Sorted(maps.Keys(cfg.Quality.Severity)) {
		if !slices.Contains(known, k) {
			return fmt.Errorf("%w: quality.severity.%s: no check has this name%s (a kind: range, future_date, relationship; a row check such as range(crm.opportunity.amount); or schema.model.check)",
				config.ErrInvalid, k, nearestOf(k, known))
		}
		if cfg.Quality.Severity[k] == "quarantine" && !slices.ContainsFunc(rules, func(r rowRule) bool { return r.name == k || r.kind == k }) {
			return fmt.Errorf("%w: quality.severity.%s: a model's check cannot quarantine rows (only row checks can): want error or warn", config.ErrInvalid, k)
		}
	}
	return nil
}

func nearestOf(k string, known []string) string {
	if n := config.Nearest(k, known); n != "" {
		return fmt.Sprintf(" (did you mean %s?)", n)
	}
	return ""
}

// Screen makes the row checks on the landed rows. Every flagged row is
// recorded in ops.row_issues with its key, what is wrong, and its source
// file and row (the lineage); quarantined rows go to ops.quarantine, which
// the screened views the staging models read leave out. A row check of
// severity error fails the run like a failed model check.
func Screen(ctx context.Context, w *workdb.Warehouse, rules []rowRule, runID string, log zerolog.Logger) (out []CheckResult, err error) {
	if err := w.Exec(ctx, "delete from ops.quarantine"); err != nil {
		return nil, fmt.Errorf("screen: %w", err)
	}
	var failed []string
	// every result, also those before a check that failed to run, in one statement
	var records [][]any
	defer func() {
		if rerr := w.Insert(context.WithoutCancel(ctx), "ops.check_results", records); rerr != nil && err == nil {
			err = rerr
		}
	}()
	for _, r := range rules {
		if r.needs != "" {
			var any bool
			if err := w.QueryRow(ctx, "select exists (select 1 from "+r.needs+")").Scan(&any); err != nil {
				return out, fmt.Errorf("screen %s: %w", r.name, err)
			}
			if !any {
				continue
			}
		}
		start := time.Now()
		key := "concat_ws('|', " + strings.Join(prefixed("r.", r.ent.Key), ", ") + ")"
		q := fmt.Sprintf(`insert into ops.row_issues select ?, ?, ?, '%s', '%s', %s, %s, r._source_file, r._source_row, r._batch_id from %s as r where %s`,
			r.ent.System, r.ent.Name, key, r.detail, r.ent.RawTable(), r.where)
		res, err := w.Conn().ExecContext(ctx, q, runID, r.name, r.severity)
		if err != nil {
			return out, fmt.Errorf("screen %s: %w", r.name, err)
		}
		n, _ := res.RowsAffected()
		log.Debug().Str("check", r.name).Int64("rows", n).Int64("duration_ms", time.Since(start).Milliseconds()).Msg("screened")
		c := CheckResult{Model: r.ent.RawTable(), Name: r.name, FailingRows: n, Detail: "rows", Warn: r.severity != "error"}
		status := "pass"
		if n > 0 {
			var sample []string
			_, rows, err := w.QueryAll(ctx, fmt.Sprintf(`select distinct detail || ' (' || source_file || ' row ' || source_row || ', key ' || record_key || ')'
				from ops.row_issues where run_id = '%s' and check_name = '%s' order by 1 limit 3`, runID, strings.ReplaceAll(r.name, "'", "''")))
			if err != nil {
				return out, err
			}
			for _, s := range rows {
				sample = append(sample, fmt.Sprint(s[0]))
			}
			c.Detail = "rows, e.g. " + strings.Join(sample, "; ")
			status = r.severity
			if r.severity == "quarantine" {
				status = "quarantined"
				c.Detail = "rows quarantined (ops.quarantined_rows), e.g. " + strings.Join(sample, "; ")
				if err := w.Exec(ctx, `insert into ops.quarantine select distinct batch_id, source_row from ops.row_issues
					where run_id = ? and check_name = ?`, runID, r.name); err != nil {
					return out, err
				}
			}
			if r.severity == "error" {
				status = "fail"
				failed = append(failed, fmt.Sprintf("%s %s: %d %s", c.Model, c.Name, n, c.Detail))
			}
		}
		records = append(records, []any{runID, c.Model, c.Name, status, n, c.Detail})
		out = append(out, c)
	}
	if len(failed) > 0 {
		return out, fmt.Errorf("%w:\n  %s", ErrChecksFailed, strings.Join(failed, "\n  "))
	}
	return out, nil
}

func prefixed(p string, names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = p + n
	}
	return out
}
