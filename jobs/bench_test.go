package jobs

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"leadmart/config"
	"leadmart/internal/demo"
	"leadmart/workdb"
)

// germanLeads writes n leads in a German CRM's dialect: ';', decimal comma,
// dd.mm.yyyy timestamps, Latin-1 (the ü in the header and company names).
func germanLeads(b *testing.B, dir string, n int) string {
	b.Helper()
	var buf bytes.Buffer
	buf.WriteString("LeadNr;Angelegt am;Kanal;Firma;Mitarbeiterzahl;Status;Ge\xe4ndert am\n")
	start := time.Date(2026, 1, 1, 8, 0, 0, 0, time.UTC)
	for i := range n {
		t := start.Add(time.Duration(i) * time.Minute)
		fmt.Fprintf(&buf, "L%07d;%s;Webformular;M\xfcller %d GmbH;1.%03d;Neu;%s\n", i, t.Format("02.01.2006 15:04"), i, i%1000, t.Format("02.01.2006 15:04"))
	}
	p := filepath.Join(dir, "Leads.csv")
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		b.Fatal(err)
	}
	return p
}

// BenchmarkLandGermanCSV measures landing with dialect handling: Latin-1,
// ';', decimal comma and strptime dates, raw Parquet and the typed insert.
func BenchmarkLandGermanCSV(b *testing.B) {
	const rows = 100_000
	dir := b.TempDir()
	germanLeads(b, dir, rows)
	y := `version: 1
warehouse: {dir: wh}
sources:
  - name: leads
    system: crm
    entity: lead
    path: Leads.csv
    csv: {delimiter: ";", encoding: latin-1, decimal_comma: true, date_format: "%d.%m.%Y", timestamp_format: "%d.%m.%Y %H:%M"}
    columns: {lead_id: LeadNr, created_at: Angelegt am, channel: Kanal, company_name: Firma, employees: Mitarbeiterzahl, status: Status, updated_at: "Geändert am"}
`
	benchLand(b, dir, y, rows)
}

// BenchmarkPublish measures publication on the demo data at scale 0.25: a
// rerun over unchanged extracts, reporting the publish stage alone (the
// DuckDB file completed in place, Parquet written) besides the whole run.
func BenchmarkPublish(b *testing.B) {
	dir := b.TempDir()
	b.Chdir(dir)
	cfg, err := config.Demo(".")
	if err != nil {
		b.Fatal(err)
	}
	end := time.Date(2026, 10, 31, 0, 0, 0, 0, time.UTC)
	if _, err := demo.Generate(filepath.Join("warehouse", "demo"), demo.Options{Seed: 1, Scale: 0.25, End: end}); err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	if _, err := Run(ctx, cfg, Options{AsOf: end, Log: zerolog.New(io.Discard)}); err != nil {
		b.Fatal(err)
	}
	var publish time.Duration
	var rows int64
	for b.Loop() {
		res, err := Run(ctx, cfg, Options{AsOf: end, Log: zerolog.New(io.Discard)})
		if err != nil {
			b.Fatal(err)
		}
		publish += res.Stages["publish"]
		rows = 0
		for _, t := range res.Tables {
			rows += t.Rows
		}
	}
	b.ReportMetric(publish.Seconds()/float64(b.N), "publish-s/op")
	b.ReportMetric(float64(rows)*float64(b.N)/publish.Seconds(), "published-rows/s")
}

// benchLand lands the configured sources into a fresh warehouse per
// iteration and reports rows per second.
func benchLand(b *testing.B, dir, y string, rows int64) {
	b.Helper()
	cfg, err := config.Parse([]byte(y), dir)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		os.RemoveAll(filepath.Join(dir, "wh"))
		w, err := workdb.Open(ctx, cfg)
		if err != nil {
			b.Fatal(err)
		}
		st, err := Land(ctx, w, cfg, LandOptions{RunID: "bench", LoadedAt: time.Now()}, zerolog.New(io.Discard))
		w.Close()
		if err != nil || st.Rows != rows {
			b.Fatalf("landed %d rows, err %v", st.Rows, err)
		}
	}
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkLandSQLSource measures a sql source end to end: the query's rows
// streamed through database/sql into the Parquet extract, then landed.
// The database is a DuckDB file, so the time is leadmart's, not a server's.
func BenchmarkLandSQLSource(b *testing.B) {
	const rows = 100_000
	dir := b.TempDir()
	crm := filepath.Join(dir, "crm.duckdb")
	db, err := sql.Open("duckdb", crm)
	if err != nil {
		b.Fatal(err)
	}
	_, err = db.Exec(`create table leads as select 'L' || lpad(i::varchar, 7, '0') as lead_id,
		timestamp '2026-01-01 08:00:00' + to_minutes(i) as created_at, 'web_form' as channel,
		'Company ' || i as company_name, i % 1000 as employees, 'New' as status,
		timestamp '2026-01-01 08:00:00' + to_minutes(i) as updated_at
		from range(?) as r(i)`, rows)
	db.Close()
	if err != nil {
		b.Fatal(err)
	}
	b.Setenv("LEADMART_BENCH_DSN", crm+"?access_mode=read_only")
	benchLand(b, dir, `version: 1
warehouse: {dir: wh}
sources:
  - {name: leads, system: crm, entity: lead, connector: sql, sql: {driver: duckdb, dsn_env: LEADMART_BENCH_DSN, query: select * from leads}}
`, rows)
}

// BenchmarkLandRESTSource measures a rest source end to end: 100 pages of
// 1,000 JSON records each fetched, decoded and streamed into the Parquet
// extract, then landed.
func BenchmarkLandRESTSource(b *testing.B) {
	const rows, perPage = 100_000, 1000
	pages := make([][]byte, rows/perPage)
	for p := range pages {
		recs := make([]map[string]any, perPage)
		for i := range recs {
			n := p*perPage + i
			t := time.Date(2026, 1, 1, 8, 0, 0, 0, time.UTC).Add(time.Duration(n) * time.Minute).Format(time.RFC3339)
			recs[i] = map[string]any{"lead_id": fmt.Sprintf("L%07d", n), "created_at": t, "channel": "web_form",
				"company": map[string]any{"name": fmt.Sprintf("Company %d", n), "employees": n % 1000}, "status": "New", "updated_at": t}
		}
		page := map[string]any{"data": recs}
		if p+1 < len(pages) {
			page["next"] = fmt.Sprintf("/leads?page=%d", p+1)
		}
		pages[p], _ = json.Marshal(page)
	}
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, _ := strconv.Atoi(r.URL.Query().Get("page"))
		w.Write(pages[p])
	}))
	defer api.Close()
	benchLand(b, b.TempDir(), `version: 1
warehouse: {dir: wh}
sources:
  - name: leads
    system: crm
    entity: lead
    connector: rest
    rest: {url: "`+api.URL+`/leads", records: data, next: next}
    columns: {company_name: company.name, employees: company.employees}
`, rows)
}
