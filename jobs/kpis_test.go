package jobs_test

import (
	"context"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"leadmart/config"
	"leadmart/internal/bench"
	"leadmart/internal/demo"
	"leadmart/internal/whtest"
	"leadmart/jobs"
	"leadmart/publish"
)

// The historical pipeline needs two nights' extracts (two batches of
// opportunity versions), so it runs the whole job twice.
func TestGoldenHistoricalPipeline(t *testing.T) {
	t.Parallel() // its own fixture copy, and hooks that belong to its run only
	dir := whtest.CopyFixture(t, "../testdata/crm_en")
	// The next night's extract: O04 was re-valued on 03-01.
	appendTo(t, filepath.Join(dir, "opportunities.csv"),
		"O04,,L06,2026-02-10 09:00:00,Negotiation,1000.00,EUR,0.6,2026-05-01,,false,false,R2,new_business,2026-03-01 09:00:00\n")
	whtest.MustRun(t, dir, asOf)
	want := whtest.ReadCSV(t, "../testdata/crm_en/expected/kpi_pipeline_daily.csv")
	got := whtest.Query(t, whtest.Published(dir), `select date_day, business_unit, open_opportunities, open_amount, weighted_amount
		from mart.kpi_pipeline_daily where date_day in ('2026-02-15', '2026-02-28', '2026-03-01', '2026-03-31') order by 1, 2`)
	whtest.Equal(t, got, want)
}

// Rebuilding a past date twice gives identical tables, and records dated
// after it (new leads, later stage changes, later invoices) change nothing.
func TestAsOfIgnoresLaterRecords(t *testing.T) {
	t.Parallel() // its own fixture copy, and hooks that belong to its run only
	const past = "2026-02-28"
	dir, _ := built.Copy(t, "../testdata/kpis", past)
	first := tableChecksums(t, whtest.Published(dir))
	whtest.MustRun(t, dir, past)
	if again := tableChecksums(t, whtest.Published(dir)); !equalSums(again, first) {
		t.Fatalf("two rebuilds as of %s differ: %v", past, diffSums(again, first))
	}
	appendTo(t, filepath.Join(dir, "leads.csv"),
		"L9,2026-03-05 09:00:00,web_form,,Later GmbH,machinery,50,A5,lead,R2,,,,2026-03-05 09:00:00\n"+
			// a later version of L4: it became an MQL in March
			"L4,2026-02-05 09:00:00,web_form,,Epsilon GmbH,machinery,10,A5,mql,R2,,,,2026-03-10 09:00:00\n")
	appendTo(t, filepath.Join(dir, "invoice_lines.csv"), "I999,1,K1,2026-03-20,systems,5000,500,EUR,BU_X\n")
	appendTo(t, filepath.Join(dir, "activities.csv"), "T99,call,R1,A5,L9,2026-03-05 10:00:00,15,false,2026-03-05 10:00:00\n")
	appendTo(t, filepath.Join(dir, "opportunities.csv"),
		"O9,A5,L4,2026-03-12 09:00:00,won,900,EUR,1,2026-04-01,2026-03-20 09:00:00,true,true,R2,new_business,2026-03-20 09:00:00\n")
	res := whtest.MustRun(t, dir, past)
	if res.Land.Files != 4 {
		t.Fatalf("landed %d changed files, want 4", res.Land.Files)
	}
	after := tableChecksums(t, whtest.Published(dir))
	// kpi_data_quality measures the extracts themselves, which did change.
	delete(after, "kpi_data_quality")
	delete(first, "kpi_data_quality")
	if !equalSums(after, first) {
		t.Errorf("records dated after %s changed: %v", past, diffSums(after, first))
	}
	if n := whtest.Query(t, whtest.Published(dir), "select count(*) from mart.fct_lead")[1][0]; n != "5" {
		t.Errorf("fct_lead as of %s: %s leads, want 5", past, n)
	}
}

func equalSums(a, b map[string]string) bool { return len(diffSums(a, b)) == 0 && len(a) == len(b) }

func diffSums(a, b map[string]string) []string {
	var out []string
	for k, v := range b {
		if a[k] != v {
			out = append(out, k)
		}
	}
	return out
}

// The demo run publishes every mart table, each non-empty.
func TestDemoRunPublishesEveryTable(t *testing.T) {
	whtest.WholeJob(t)
	t.Parallel() // its own fixture copy, and hooks that belong to its run only
	dir := t.TempDir()
	cfg, err := config.Demo(dir)
	if err != nil {
		t.Fatal(err)
	}
	end := whtest.Date(t, "2026-10-31")
	if _, err := demo.Generate(filepath.Join(dir, "warehouse", "demo"), demo.Options{Seed: 42, Scale: 0.25, End: end}); err != nil {
		t.Fatal(err)
	}
	res, err := jobs.Run(context.Background(), cfg, jobs.Options{AsOf: end, Log: zerolog.New(io.Discard)})
	if err != nil {
		t.Fatalf("demo run: %v", err)
	}
	want := []string{"kpi_funnel_monthly", "kpi_funnel_cohort", "kpi_pipeline_daily", "kpi_potential_acquisition_monthly", "kpi_potential_acquisition_monthly_total",
		"kpi_sales_efficiency_monthly", "kpi_digital_maturity", "kpi_maturity_vs_performance", "kpi_data_quality", "account_potential",
		"dim_account", "dim_rep", "dim_date", "fct_lead", "fct_opportunity", "fct_activity", "fct_revenue_monthly"}
	rows := map[string]int64{}
	for _, tb := range res.Tables {
		rows[strings.TrimPrefix(tb.Model, "mart.")] = tb.Rows
	}
	for _, w := range want {
		if rows[w] == 0 {
			t.Errorf("mart.%s: %d rows after the demo run", w, rows[w])
		}
	}
	if res.Metric("match_rate") < 0.8 || res.Metric("match_rate") > 1 {
		t.Errorf("demo match rate %v, want 0.8-1", res.Metric("match_rate"))
	}
	// The A class holds about 80 % of all potential (the check enforces it within one account).
	share := whtest.Query(t, filepath.Join(dir, "warehouse", publish.PublishedFile),
		"select round(sum(potential_revenue) filter (where potential_class = 'A') / sum(potential_revenue), 2) from mart.account_potential")[1][0]
	if share != "0.8" {
		t.Errorf("A-class share of potential %s, want 0.8", share)
	}
	// The engine baseline of the benchmarks builds the same models over the
	// same extracts, and splits its time into land and transform.
	took, stages, err := bench.Baseline(context.Background(), cfg, end, nil)
	if err != nil {
		t.Fatalf("baseline: %v", err)
	}
	if stages["land"] <= 0 || stages["transform"] <= 0 || stages["land"]+stages["transform"] > took {
		t.Errorf("baseline stages %v do not split its %v", stages, took)
	}
}
