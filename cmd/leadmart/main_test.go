package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"leadmart/internal/whtest"
	"leadmart/jobs"
)

func TestExitCodes(t *testing.T) {
	whtest.WholeJob(t)
	t.Parallel()
	dir := whtest.CopyFixture(t, "../../testdata/crm_en")
	cfg := filepath.Join(dir, "leadmart.yaml")
	cases := []struct {
		name    string
		args    []string
		prepare func()
		code    int
		stdout  string
		stderr  string
	}{
		{"no command", nil, nil, exitUsage, "", "usage:"},
		{"unknown command", []string{"fly"}, nil, exitUsage, "", `unknown command "fly"`},
		{"bad as-of", []string{"run", "--config", cfg, "--as-of", "31.03.2026"}, nil, exitUsage, "", "want YYYY-MM-DD"},
		{"first run", []string{"run", "--config", cfg, "--as-of", "2026-03-31"}, nil, exitOK, "mart.kpi_funnel_monthly", ""},
		{"second run", []string{"run", "--config", cfg, "--as-of", "2026-03-31"}, nil, exitOK, "0 new files, 5 unchanged", ""},
		{"third run names its targets", []string{"run", "--config", cfg, "--as-of", "2026-03-31"}, nil, exitOK,
			"  parquet  publish/parquet\n", ""},
		{"status", []string{"status", "--config", cfg}, nil, exitOK, "no run holds the warehouse", ""},
		{"status names the publication", []string{"status", "--config", cfg}, nil, exitOK, "published: run ", ""},
		{"status as JSON", []string{"status", "--config", cfg, "--json", "--runs", "1"}, nil, exitOK, `"status": "success"`, ""},
		{"status with no runs asked for", []string{"status", "--config", cfg, "--runs", "0"}, nil, exitUsage, "", "--runs: want 1 or more, got 0"},
		{"batches flag of another action", []string{"batches", "list", "--config", cfg, "--reason", "x"}, nil, exitUsage, "", "batches list takes no --reason"},
		{"docs without an output", []string{"docs", "--config", cfg}, nil, exitUsage, "", "docs needs --out DIR, --static FILE or --entities FILE (each run already writes its publication's dictionary to publish/docs)"},
		{"docs into a folder", []string{"docs", "--config", cfg, "--out", filepath.Join(dir, "dict")}, nil, exitOK, filepath.Join(dir, "dict", "index.html"), ""},
		{"rollback with an argument", []string{"rollback", "--config", cfg, "20260101"}, nil, exitUsage, "", "rollback takes no arguments"},
		{"rollback", []string{"rollback", "--config", cfg}, nil, exitOK, "published", ""},
		{"query", []string{"query", "--db", filepath.Join(dir, "warehouse", "leadmart.duckdb"), "select count(*) as n from mart.fct_lead"}, nil, exitOK, "15", ""},
		{"bad data", []string{"run", "--config", cfg, "--as-of", "2026-03-31", "--summary-json", filepath.Join(dir, "summary.json")}, func() {
			b, _ := os.ReadFile(filepath.Join(dir, "opportunities.csv"))
			os.WriteFile(filepath.Join(dir, "opportunities.csv"), bytes.Replace(b, []byte(",1000.00,"), []byte(",1k,"), 1), 0o644)
		}, exitBadData, "", `opportunities.csv line 2, column "amount": cannot parse "1k" as decimal`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.prepare != nil {
				tc.prepare()
			}
			var out, errb bytes.Buffer
			code := run(context.Background(), tc.args, &out, &errb)
			if code != tc.code {
				t.Errorf("exit code: got %d, want %d\nstderr: %s", code, tc.code, errb.String())
			}
			if !strings.Contains(out.String(), tc.stdout) {
				t.Errorf("stdout %q does not contain %q", out.String(), tc.stdout)
			}
			if !strings.Contains(errb.String(), tc.stderr) {
				t.Errorf("stderr %q does not contain %q", errb.String(), tc.stderr)
			}
		})
	}
	// --summary-json is written on failure too, with status, exit code and error
	b, err := os.ReadFile(filepath.Join(dir, "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	var summary struct {
		Status   string `json:"status"`
		ExitCode int    `json:"exit_code"`
		Error    string `json:"error"`
	}
	if err := json.Unmarshal(b, &summary); err != nil {
		t.Fatal(err)
	}
	if summary.Status != "failed" || summary.ExitCode != exitBadData || !strings.Contains(summary.Error, `cannot parse "1k" as decimal`) {
		t.Errorf("summary of the failed run: %+v", summary)
	}
}

// The summary's table of published tables keeps one column for the row
// counts, also for names longer than 40 characters (the history marts).
func TestSummaryAlignsTheTables(t *testing.T) {
	whtest.WholeJob(t)
	res := &jobs.Result{RunID: "r1", Published: filepath.Join("warehouse", "leadmart.duckdb"), Tables: []jobs.ModelResult{
		{Model: "mart.dim_date", Rows: 1096, Duration: 10 * time.Millisecond},
		{Model: "mart.kpi_potential_acquisition_monthly_total_history", Rows: 0, Duration: 20 * time.Millisecond},
	}}
	var out bytes.Buffer
	printSummary(&out, res)
	var at []int
	for _, line := range strings.Split(out.String(), "\n") {
		if strings.HasSuffix(line, "s") && strings.Contains(line, " rows ") {
			at = append(at, strings.Index(line, " rows "))
		}
	}
	if len(at) != 2 || at[0] != at[1] {
		t.Errorf("the row counts do not line up (%v):\n%s", at, out.String())
	}
	if !strings.Contains(out.String(), "  mart.kpi_potential_acquisition_monthly_total_history          0 rows    0.02s\n") {
		t.Errorf("long name not followed by its column:\n%s", out.String())
	}
}
