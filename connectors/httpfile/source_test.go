package httpfile_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"leadmart/config"
	"leadmart/jobs"
	"leadmart/workdb"
)

// A semicolon CSV export with a decimal comma behind a URL lands like a
// file source: typed by the dialect, with its line numbers, and the
// download is removed once landed.
func TestDownloadLandsLikeAFile(t *testing.T) {
	const export = "lead_id;created_at;channel;employees;status\n" +
		"L1;2026-01-05 09:00:00;web_form;1.200;New\n" +
		"L2;2026-01-06 10:30:00;trade_fair;40;New\n"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer s3cret" {
			http.Error(w, "no token", http.StatusUnauthorized)
			return
		}
		if r.URL.Path != "/export/leads.csv" {
			http.NotFound(w, r)
			return
		}
		io.WriteString(w, export)
	}))
	defer srv.Close()
	t.Setenv("LEADMART_TEST_EXPORT_TOKEN", "s3cret")

	run := func(t *testing.T, url string) (*workdb.Warehouse, jobs.LandStats, error) {
		dir := t.TempDir()
		cfg, err := config.Parse([]byte(`version: 1
sources:
  - name: crm_export
    system: crm
    entity: lead
    connector: http-file
    http: {url: "`+url+`", token_env: LEADMART_TEST_EXPORT_TOKEN}
    csv: {delimiter: ";", decimal_comma: true}
`), dir)
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		w, err := workdb.Open(ctx, cfg)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { w.Close() })
		st, err := jobs.Land(ctx, w, cfg, jobs.LandOptions{RunID: "r1", LoadedAt: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)}, zerolog.New(io.Discard))
		return w, st, err
	}

	t.Run("lands", func(t *testing.T) {
		w, st, err := run(t, srv.URL+"/export/leads.csv")
		if err != nil {
			t.Fatal(err)
		}
		if st.Files != 1 || st.Rows != 2 {
			t.Errorf("landed %d files, %d rows; want 1 and 2", st.Files, st.Rows)
		}
		var got string
		err = w.QueryRow(context.Background(), `select string_agg(lead_id || '/' || employees || '/' || _source_row || '/' || channel, ' ' order by lead_id)
			from raw.crm__lead`).Scan(&got)
		if err != nil {
			t.Fatal(err)
		}
		if want := "L1/1200/1/web_form L2/40/2/trade_fair"; got != want {
			t.Errorf("raw leads: got %q, want %q", got, want)
		}
		left, _ := filepath.Glob(filepath.Join(w.Dir, jobs.ExtractDir, "crm_export", "*"))
		if len(left) > 0 {
			t.Errorf("downloads left after landing: %v", left)
		}
	})
	t.Run("missing export", func(t *testing.T) {
		_, _, err := run(t, srv.URL+"/export/gone.csv")
		if !errors.Is(err, jobs.ErrBadInput) || !strings.Contains(err.Error(), "source crm_export: download "+srv.URL+"/export/gone.csv: 404 Not Found") {
			t.Errorf("got %v, want a bad-input error naming the source, the URL and 404", err)
		}
	})
}
