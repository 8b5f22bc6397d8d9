package jobs

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"leadmart/models"
	"leadmart/workdb"
)

// CheckResult is one data check of one run.
type CheckResult struct {
	Model       string
	Name        string
	FailingRows int64
	Detail      string
	// Warn: failing rows are reported, but do not stop the run.
	Warn bool
}

// Passed says whether no row failed.
func (c CheckResult) Passed() bool { return c.FailingRows == 0 }

// check is a query that counts failing rows; sample, when set, shows a few.
// pass, when set, is a cheaper query that returns 0 only when no row fails;
// anything else runs count.
type check struct {
	model, name, count, pass, detail, sample string
	warn                                     bool
}

// checksFor derives the checks a model's metadata declares.
func checksFor(m models.Model) []check {
	t := m.Qualified()
	var out []check
	for _, key := range m.Meta.Unique {
		k := strings.Join(key, ", ")
		dups := fmt.Sprintf("select %s from %s group by all having count(*) > 1", k, t)
		// As many distinct 64-bit hashes as rows proves the keys distinct, and
		// counts them faster and in a third less memory than the keys (at L,
		// 60M invoice lines: 6.2 -> 5.2 s, 2.5 -> 1.7 GB). A duplicate, or
		// two keys with one hash, falls back to the exact count.
		out = append(out, check{model: t, name: "unique(" + k + ")", count: "select count(*) from (" + dups + ")",
			pass:   fmt.Sprintf("select count(*) - count(distinct hash(%s)) from %s", k, t),
			detail: "key values that occur more than once", sample: dups + " limit 3"})
	}
	for _, c := range m.Meta.NotNull {
		out = append(out, check{model: t, name: "not_null(" + c + ")",
			count: fmt.Sprintf("select count(*) from %s where %s is null", t, c), detail: "NULL values"})
	}
	for _, c := range slices.Sorted(maps.Keys(m.Meta.Ranges)) {
		r := m.Meta.Ranges[c]
		var conds []string
		bounds := ""
		if r[0] != nil {
			conds = append(conds, fmt.Sprintf("%s < %v", c, *r[0]))
			bounds += fmt.Sprintf(">= %v", *r[0])
		}
		if r[1] != nil {
			conds = append(conds, fmt.Sprintf("%s > %v", c, *r[1]))
			bounds += fmt.Sprintf(" <= %v", *r[1])
		}
		if len(conds) > 0 {
			out = append(out, check{model: t, name: "range(" + c + ")",
				count:  fmt.Sprintf("select count(*) from %s where %s", t, strings.Join(conds, " or ")),
				detail: "values outside " + strings.TrimSpace(bounds)})
		}
	}
	if s := m.Meta.SameRowsAs; s != "" {
		out = append(out, check{model: t, name: "same_rows_as(" + s + ")",
			count:  fmt.Sprintf("select abs((select count(*) from %s) - (select count(*) from %s))", t, s),
			detail: "rows more or fewer than " + s + " (fan-out or loss in a join)"})
	}
	for _, r := range m.Refs() {
		orphans := fmt.Sprintf("select %s from %s where %s is not null and %s not in (select %s from %s)",
			r.Column, t, r.Column, r.Column, r.To, r.Qualified)
		out = append(out, check{model: t, name: "references(" + r.Column + ")", count: "select count(*) from (" + orphans + ")",
			detail: "values missing from " + r.Table + "." + r.To + " (the foreign key would not hold)", sample: orphans + " limit 3"})
	}
	for _, c := range m.Meta.Checks {
		out = append(out, check{model: t, name: c.Name, count: fmt.Sprintf("select count(*) from (%s)", c.SQL),
			detail: "failing rows", sample: fmt.Sprintf("select * from (%s) limit 3", c.SQL), warn: c.Severity == "warn"})
	}
	return out
}

// Check runs every declared check, records the results in ops.check_results
// and fails with ErrChecksFailed when any check found failing rows.
// severity overrides a check's own, keyed schema.model.check (error or warn).
func Check(ctx context.Context, w *workdb.Warehouse, cat *models.Catalog, runID string, severity map[string]string, log zerolog.Logger) (out []CheckResult, err error) {
	// The results are recorded in one transaction: one commit, not one per check.
	if err := w.Exec(ctx, "begin transaction"); err != nil {
		return nil, err
	}
	defer func() {
		if cerr := w.Exec(context.WithoutCancel(ctx), "commit"); cerr != nil && err == nil {
			err = cerr
		}
	}()
	var failed []string
	// every result, also those before a check that could not run, in one
	// statement (before the commit above: deferred calls run last first)
	var records [][]any
	defer func() {
		if rerr := w.Insert(context.WithoutCancel(ctx), "ops.check_results", records); rerr != nil && err == nil {
			err = rerr
		}
	}()
	for _, m := range cat.Models {
		for _, c := range checksFor(m) {
			if s, ok := severity[c.model+"."+c.name]; ok {
				c.warn = s == "warn"
			}
			r := CheckResult{Model: c.model, Name: c.name, Detail: c.detail, Warn: c.warn}
			start := time.Now()
			if err := countFailing(ctx, w, c, &r.FailingRows); err != nil {
				return out, fmt.Errorf("check %s on %s: %w", c.name, c.model, err)
			}
			log.Debug().Str("model", c.model).Str("check", c.name).Int64("failing_rows", r.FailingRows).
				Int64("duration_ms", time.Since(start).Milliseconds()).Func(workdb.LogPeakRSS).Msg("checked")
			status := "pass"
			if !r.Passed() {
				if c.sample != "" {
					r.Detail += ", e.g. " + sampleRows(ctx, w, c.sample)
				}
				msg := fmt.Sprintf("%s %s: %d %s", c.model, c.name, r.FailingRows, r.Detail)
				if c.warn {
					status = "warn"
					log.Warn().Str("model", c.model).Str("check", c.name).Int64("failing_rows", r.FailingRows).Msg(msg)
				} else {
					status = "fail"
					failed = append(failed, msg)
				}
			}
			records = append(records, []any{runID, c.model, c.name, status, r.FailingRows, r.Detail})
			out = append(out, r)
		}
	}
	if undocumented, err := undocumentedColumns(ctx, w, cat); err != nil {
		return out, err
	} else if len(undocumented) > 0 {
		failed = append(failed, "columns without description: "+strings.Join(undocumented, ", "))
	}
	if len(failed) > 0 {
		return out, fmt.Errorf("%w:\n  %s", ErrChecksFailed, strings.Join(failed, "\n  "))
	}
	return out, nil
}

// countFailing runs the check's cheap pass query when it has one, and the
// exact count unless that proved no row fails.
func countFailing(ctx context.Context, w *workdb.Warehouse, c check, n *int64) error {
	if c.pass != "" {
		if err := w.QueryRow(ctx, c.pass).Scan(n); err != nil || *n == 0 {
			return err
		}
	}
	return w.QueryRow(ctx, c.count).Scan(n)
}

// undocumentedColumns lists the columns of every model, staging included,
// that their metadata does not describe: the data dictionary must cover
// every published column, and a staging column is read by the layers above.
func undocumentedColumns(ctx context.Context, w *workdb.Warehouse, cat *models.Catalog) ([]string, error) {
	var out []string
	for _, m := range cat.Models {
		cols, err := w.Columns(ctx, m.Qualified())
		if err != nil {
			return nil, err
		}
		for _, c := range cols {
			if strings.TrimSpace(m.Meta.Columns[c.Name]) == "" {
				out = append(out, m.Qualified()+"."+c.Name)
			}
		}
	}
	return out, nil
}

// sampleRows renders a few failing rows as "(a=1, b=2); (a=3, b=4)" for the error message.
func sampleRows(ctx context.Context, w *workdb.Warehouse, q string) string {
	cols, rows, err := w.QueryAll(ctx, q)
	if err != nil {
		return "(sample failed: " + err.Error() + ")"
	}
	var out []string
	for _, r := range rows {
		cells := make([]string, len(r))
		for i, v := range r {
			cells[i] = cols[i] + "=" + formatValue(v)
		}
		out = append(out, "("+strings.Join(cells, ", ")+")")
	}
	return strings.Join(out, "; ")
}

func formatValue(v any) string {
	switch x := v.(type) {
	case nil:
		return "NULL"
	case time.Time:
		if x.Hour() == 0 && x.Minute() == 0 && x.Second() == 0 {
			return x.Format(time.DateOnly)
		}
		return x.Format(time.DateTime)
	}
	return fmt.Sprint(v)
}
