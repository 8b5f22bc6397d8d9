package jobs

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"leadmart/models"
)

// CheckResult is one data check of one run.
type CheckResult struct {
	Model       string
	Name        string
	FailingRows int64
	Detail      string
}

// Passed says whether no row failed.
func (c CheckResult) Passed() bool { return c.FailingRows == 0 }

// check counts failing rows: either a query of its own (count), or a
// condition on the model's rows (cond) that is counted together with the
// model's other conditions, in one scan. sample, when set, shows a few.
type check struct {
	model, name, count, cond, detail, sample string
}

// checksFor derives the checks a model's metadata declares.
func checksFor(m models.Model) []check {
	t := m.Qualified()
	var out []check
	for _, key := range m.Meta.Unique {
		k := strings.Join(key, ", ")
		dups := fmt.Sprintf("select %s from %s group by all having count(*) > 1", k, t)
		out = append(out, check{model: t, name: "unique(" + k + ")", count: "select count(*) from (" + dups + ")",
			detail: "key values that occur more than once", sample: dups + " limit 3"})
	}
	for _, c := range m.Meta.NotNull {
		out = append(out, check{model: t, name: "not_null(" + c + ")", cond: c + " is null", detail: "NULL values"})
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
			out = append(out, check{model: t, name: "range(" + c + ")", cond: strings.Join(conds, " or "),
				detail: "values outside " + strings.TrimSpace(bounds)})
		}
	}
	if s := m.Meta.SameRowsAs; s != "" {
		out = append(out, check{model: t, name: "same_rows_as(" + s + ")",
			count:  fmt.Sprintf("select abs((select count(*) from %s) - (select count(*) from %s))", t, s),
			detail: "rows more or fewer than " + s + " (fan-out or loss in a join)"})
	}
	for _, c := range m.Meta.Checks {
		out = append(out, check{model: t, name: c.Name, count: fmt.Sprintf("select count(*) from (%s)", c.SQL), detail: "failing rows",
			sample: fmt.Sprintf("select * from (%s) limit 3", c.SQL)})
	}
	return out
}

// Check runs every declared check, records the results in ops.check_results
// and fails with ErrChecksFailed when any check found failing rows.
func Check(ctx context.Context, w *Warehouse, cat *models.Catalog, runID string) (out []CheckResult, err error) {
	// The results are recorded in one transaction: one commit, not one per check.
	if err := w.exec(ctx, "begin transaction"); err != nil {
		return nil, err
	}
	defer func() {
		if cerr := w.exec(context.WithoutCancel(ctx), "commit"); cerr != nil && err == nil {
			err = cerr
		}
	}()
	var failed []string
	for _, m := range cat.Models {
		checks := checksFor(m)
		counts, err := countConditions(ctx, w, m.Qualified(), checks)
		if err != nil {
			return out, err
		}
		for i, c := range checks {
			r := CheckResult{Model: c.model, Name: c.name, Detail: c.detail, FailingRows: counts[i]}
			if c.cond == "" {
				if err := w.conn.QueryRowContext(ctx, c.count).Scan(&r.FailingRows); err != nil {
					return out, fmt.Errorf("check %s on %s: %w", c.name, c.model, err)
				}
			}
			status := "pass"
			if !r.Passed() {
				status = "fail"
				if c.sample != "" {
					r.Detail += ", e.g. " + sampleRows(ctx, w, c.sample)
				}
				failed = append(failed, fmt.Sprintf("%s %s: %d %s", c.model, c.name, r.FailingRows, r.Detail))
			}
			if err := w.exec(ctx, "insert into ops.check_results values (?, ?, ?, ?, ?, ?)", runID, c.model, c.name, status, r.FailingRows, r.Detail); err != nil {
				return out, err
			}
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

// countConditions counts the failing rows of every condition check of one
// model in a single scan; counts[i] belongs to checks[i] (0 for the checks
// that run a query of their own).
func countConditions(ctx context.Context, w *Warehouse, table string, checks []check) ([]int64, error) {
	counts := make([]int64, len(checks))
	var sels []string
	var dst []any
	for i, c := range checks {
		if c.cond != "" {
			sels = append(sels, fmt.Sprintf("count(*) filter (where %s)", c.cond))
			dst = append(dst, &counts[i])
		}
	}
	if len(sels) == 0 {
		return counts, nil
	}
	if err := w.conn.QueryRowContext(ctx, fmt.Sprintf("select %s from %s", strings.Join(sels, ", "), table)).Scan(dst...); err != nil {
		var names []string
		for _, c := range checks {
			if c.cond != "" {
				names = append(names, c.name)
			}
		}
		return nil, fmt.Errorf("checks %s on %s: %w", strings.Join(names, ", "), table, err)
	}
	return counts, nil
}

// undocumentedColumns lists published columns that their metadata does not
// describe: the data dictionary must cover every column.
func undocumentedColumns(ctx context.Context, w *Warehouse, cat *models.Catalog) ([]string, error) {
	var out []string
	for _, m := range cat.Published() {
		cols, err := scanColumns(ctx, w, m.Qualified())
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
func sampleRows(ctx context.Context, w *Warehouse, q string) string {
	cols, rows, err := w.queryAll(ctx, q)
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
