package jobs_test

import (
	"database/sql"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"leadmart/internal/whtest"
	"leadmart/jobs"
	"leadmart/workdb"
)

// A CRM read from a database (leads) and a REST API (opportunities) lands
// and models exactly like the same CRM's CSV export; the next run extracts
// only the rows at or past the watermark.
func TestSQLAndRESTSourcesLikeFiles(t *testing.T) {
	files, _ := built.Copy(t, "../testdata/crm_en", asOf)

	dir := whtest.CopyFixture(t, "../testdata/crm_en")
	crm := filepath.Join(dir, "crm.duckdb")
	db, err := sql.Open("duckdb", crm)
	if err != nil {
		t.Fatal(err)
	}
	// typed columns, as a CRM database has them
	if _, err := db.Exec("create table leads as select * from read_csv(?, header = true)", filepath.Join(dir, "leads.csv")); err != nil {
		t.Fatal(err)
	}
	db.Close()
	t.Setenv("LEADMART_TEST_CRM_DSN", crm+"?access_mode=read_only")
	t.Setenv("LEADMART_TEST_CRM_TOKEN", "t0ken")
	opps := csvRecords(t, filepath.Join(dir, "opportunities.csv"))
	pages := 0
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer t0ken" {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		pages++
		after, _ := strconv.Atoi(r.URL.Query().Get("cursor"))
		end := min(after+4, len(opps))
		page := map[string]any{"results": opps[after:end]}
		if end < len(opps) {
			page["paging"] = map[string]any{"next": strconv.Itoa(end)}
		}
		json.NewEncoder(w).Encode(page)
	}))
	defer api.Close()
	for _, f := range []string{"leads.csv", "opportunities.csv"} {
		os.Remove(filepath.Join(dir, f))
	}
	cfgPath := filepath.Join(dir, "leadmart.yaml")
	b, _ := os.ReadFile(cfgPath)
	y := strings.Replace(string(b), "    path: leads.csv\n", `    connector: sql
    sql:
      driver: duckdb
      dsn_env: LEADMART_TEST_CRM_DSN
      query: select * from leads
      watermark: updated_at
`, 1)
	y = strings.Replace(y, "  - {name: crm_opportunities, system: crm, entity: opportunity, path: opportunities.csv}\n", `  - name: crm_opportunities
    system: crm
    entity: opportunity
    connector: rest
    rest:
      url: `+api.URL+`/opportunities
      token_env: LEADMART_TEST_CRM_TOKEN
      records: results
      next: paging.next
      cursor_param: cursor
`, 1)
	if y == string(b) || strings.Count(y, "connector:") != 2 {
		t.Fatal("the fixture's config changed: this test no longer rewrites its sources")
	}
	os.WriteFile(cfgPath, []byte(y), 0o644)

	first := whtest.MustRun(t, dir, asOf)
	for _, q := range []string{
		"select * from mart.fct_lead order by lead_id",
		"select * from mart.fct_opportunity order by opportunity_id",
	} {
		whtest.Equal(t, whtest.Query(t, whtest.Published(dir), q), whtest.Query(t, whtest.Published(files), q))
	}
	if first.Land.Files != 5 || pages != 2 {
		t.Errorf("first run landed %d files over %d API pages, want 5 and 2 (6 opportunities, 4 a page)", first.Land.Files, pages)
	}
	work := filepath.Join(dir, "warehouse", workdb.WorkFile)
	whtest.Equal(t, whtest.Query(t, work, "select source, watermark from ops.watermarks"),
		[][]string{{"source", "watermark"}, {"crm_leads", "2026-04-05T09:00:00.000000Z"}})
	if left, _ := filepath.Glob(filepath.Join(dir, "warehouse", jobs.ExtractDir, "*", "*")); len(left) > 0 {
		t.Errorf("landed extracts were not removed: %q", left)
	}

	sums := tableChecksums(t, whtest.Published(dir))
	second := whtest.MustRun(t, dir, asOf)
	for table, sum := range tableChecksums(t, whtest.Published(dir)) {
		// kpi_data_quality measures the latest extract itself, here the one new row
		if sums[table] != sum && table != "kpi_data_quality" {
			t.Errorf("%s changed on a run without new source rows", table)
		}
	}
	// the leads past the watermark are L16 alone; the unchanged API pages are skipped by content
	whtest.Equal(t, whtest.Query(t, work, "select source, sum(rows) from ops.batches where run_id = '"+second.RunID+"' group by all"),
		[][]string{{"source", "sum(\"rows\")"}, {"crm_leads", "1"}})
	if second.Land.Skipped != 4 {
		t.Errorf("second run skipped %d unchanged extracts, want 4 (3 files and the API's)", second.Land.Skipped)
	}
}

// csvRecords reads a CSV file as JSON records with text values, null for empty.
func csvRecords(t *testing.T, path string) []map[string]any {
	t.Helper()
	rows := whtest.ReadCSV(t, path)
	var out []map[string]any
	for _, r := range rows[1:] {
		rec := map[string]any{}
		for i, v := range r {
			if v != "" {
				rec[rows[0][i]] = v
			}
		}
		out = append(out, rec)
	}
	return out
}
