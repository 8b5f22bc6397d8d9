package jobs

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"leadmart/config"
	"leadmart/internal/quote"
)

// param is one column of cfg.params: a name the models read and its value
// as a SQL expression.
type param struct{ name, expr string }

// runParams declares every run parameter the SQL models read, once: the
// table cfg.params is generated from it (docs/kpis.md names each one's meaning).
func runParams(cfg *config.Config, p Params) []param {
	asOf := "date " + quote.Lit(p.AsOf.Format(time.DateOnly))
	pot := cfg.Potential
	methods := make([]string, len(pot.Methods))
	for i, m := range pot.Methods {
		methods[i] = quote.Lit(m)
	}
	float := func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) + "::double" }
	return []param{
		{"run_id", quote.Lit(p.RunID)},
		{"as_of", asOf},
		{"as_of_end", asOf + " + interval 1 day"},
		{"history_start", fmt.Sprintf("(date_trunc('month', %s) - interval %d month)::date", asOf, cfg.KPI.HistoryMonths-1)},
		{"history_months", strconv.Itoa(cfg.KPI.HistoryMonths)},
		{"reporting_currency", quote.Lit(cfg.Warehouse.ReportingCurrency)},
		{"time_zone", quote.Lit(cfg.Warehouse.TimeZone)},
		{"response_sla_hours", strconv.Itoa(cfg.KPI.ResponseSLAHours)},
		{"potential_methods", "[" + strings.Join(methods, ", ") + "]::varchar[]"},
		{"peer_quantile", float(pot.PeerQuantile)},
		{"min_peer_group", strconv.Itoa(pot.MinPeerGroup)},
		{"size_small", strconv.Itoa(pot.SizeClasses[0])},
		{"size_medium", strconv.Itoa(pot.SizeClasses[1])},
		{"size_large", strconv.Itoa(pot.SizeClasses[2])},
		{"class_a_share", float(pot.ClassA)},
		{"class_b_share", float(pot.ClassB)},
		{"revenue_share", float(pot.RevenueShare)},
	}
}

// paramsTable is the statement that creates cfg.params from ps.
func paramsTable(ps []param) string {
	cols := make([]string, len(ps))
	for i, p := range ps {
		cols[i] = p.expr + " as " + p.name
	}
	return "create or replace table cfg.params as select " + strings.Join(cols, ", ")
}
