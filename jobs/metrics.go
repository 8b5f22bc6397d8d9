package jobs

import (
	"context"
	"database/sql"
	"fmt"
	"math"

	"leadmart/models"
	"leadmart/workdb"
)

// Metric is one figure a model's metadata asks every run to report.
type Metric struct {
	Model string // the published name, e.g. mart.account_match_summary
	models.Metric
	// Value is NaN when the query found no value (e.g. no ERP customers).
	Value float64
}

// Metric returns the named metric's value; NaN when no model declares it.
func (r *Result) Metric(name string) float64 {
	for _, m := range r.Metrics {
		if m.Name == name {
			return m.Value
		}
	}
	return math.NaN()
}

// measure runs every metric the models declare.
func measure(ctx context.Context, w *workdb.Warehouse, cat *models.Catalog) ([]Metric, error) {
	var out []Metric
	for _, m := range cat.Models {
		for _, mt := range m.Meta.Metrics {
			var v sql.NullFloat64
			if err := w.QueryRow(ctx, mt.SQL).Scan(&v); err != nil && err != sql.ErrNoRows {
				return nil, fmt.Errorf("metric %s of %s: %w", mt.Name, m.Qualified(), err)
			}
			r := Metric{Model: m.PublishedName(), Metric: mt, Value: math.NaN()}
			if v.Valid {
				r.Value = v.Float64
			}
			out = append(out, r)
		}
	}
	return out, nil
}
