package jobs

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"leadmart/internal/quote"
	"leadmart/models"
	"leadmart/workdb"
)

// DataRange is the span of business dates in the landed data: the first
// and last day any dated field (models.Entity.Dated) reaches.
type DataRange struct {
	First, Last time.Time
}

// Empty says that no dated row was landed.
func (r DataRange) Empty() bool { return r.Last.IsZero() }

// dataRange reads the span of the dated fields of every raw table.
func dataRange(ctx context.Context, w *workdb.Warehouse) (DataRange, error) {
	var parts []string
	for _, e := range models.All() {
		for _, f := range e.Dated {
			parts = append(parts, fmt.Sprintf("select min(%[1]s)::date as first, max(%[1]s)::date as last from %[2]s", quote.Ident(f), e.RawTable()))
		}
	}
	var first, last sql.NullTime
	if err := w.QueryRow(ctx, "select min(first), max(last) from ("+strings.Join(parts, " union all ")+")").Scan(&first, &last); err != nil {
		return DataRange{}, fmt.Errorf("read the landed data's date range: %w", err)
	}
	return DataRange{First: first.Time, Last: last.Time}, nil
}

// asOfFromData is the newest data date, but never later than yesterday:
// a date in the future is a data error, not a reason to compute ahead.
func asOfFromData(r DataRange, yesterday time.Time) time.Time {
	if r.Empty() || r.Last.After(yesterday) {
		return yesterday
	}
	return r.Last
}

// windowWarning says why the KPI window can come out empty: the landed
// data lies wholly outside [historyStart, asOf]. "" when it overlaps.
func windowWarning(r DataRange, historyStart, asOf time.Time) string {
	if r.Empty() || (!r.Last.Before(historyStart) && !r.First.After(asOf)) {
		return ""
	}
	return fmt.Sprintf("no landed data falls in the KPI window %s to %s: the data runs from %s to %s, so the monthly and daily marts are empty; run with --as-of %s (or --as-of data)",
		historyStart.Format(time.DateOnly), asOf.Format(time.DateOnly), r.First.Format(time.DateOnly), r.Last.Format(time.DateOnly), r.Last.Format(time.DateOnly))
}
