package models

import "strings"

// Units a column can have. A declared unit (units: in the model's .yml)
// wins; otherwise the column's type and name decide, and a number column
// whose name says nothing has no unit, which a test forbids.
const (
	UnitCurrency    = "currency (reporting)"
	UnitTransaction = "currency (of the record)"
	UnitShare       = "share (0-1)"
	UnitRatio       = "ratio"
	UnitGrowth      = "growth (0.1 = +10 %)"
	UnitDays        = "days"
	UnitHours       = "hours"
	UnitMinutes     = "minutes"
	UnitIndex       = "index (0-100)"
	UnitFTE         = "FTE"
	UnitCount       = "count"
)

// Unit is the unit of a published column: "" for text, dates, flags and
// ordinals (declared "none").
func Unit(m Meta, column, dataType string) string {
	if u, ok := m.Units[column]; ok {
		if u == "none" {
			return ""
		}
		return u
	}
	t := strings.ToUpper(dataType)
	switch {
	case t == "VARCHAR", t == "BOOLEAN", t == "DATE", strings.HasPrefix(t, "TIMESTAMP"), strings.HasSuffix(t, "[]"):
		return ""
	case strings.Contains(column, "minutes"):
		return UnitMinutes
	case strings.HasPrefix(column, "days_") || strings.HasSuffix(column, "_days"):
		return UnitDays
	case strings.Contains(column, "hours"):
		return UnitHours
	case t == "BIGINT", t == "INTEGER", t == "HUGEINT":
		return UnitCount
	case strings.Contains(column, "growth"):
		return UnitGrowth
	case strings.HasPrefix(column, "conversion_"), strings.HasSuffix(column, "_ratio"), strings.HasSuffix(column, "_ratio_t12m"), strings.HasSuffix(column, "_index") && !strings.Contains(column, "maturity"):
		return UnitRatio
	case strings.HasPrefix(column, "share"), strings.Contains(column, "_share"), strings.HasSuffix(column, "_rate"), strings.Contains(column, "win_rate"),
		column == "probability", strings.HasPrefix(column, "completeness"), strings.Contains(column, "coverage"):
		return UnitShare
	case strings.HasSuffix(column, "_score"), strings.Contains(column, "maturity_index"):
		return UnitIndex
	case column == "fte" || strings.HasSuffix(column, "_fte"):
		return UnitFTE
	case strings.HasSuffix(column, "_rc"):
		return UnitCurrency
	case strings.Contains(column, "amount"), strings.Contains(column, "revenue"), strings.Contains(column, "cost"),
		strings.Contains(column, "margin"), strings.Contains(column, "potential"):
		return UnitCurrency
	}
	return ""
}
