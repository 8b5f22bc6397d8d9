package rest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"leadmart/internal/parquettest"
)

// crm is a paginated API: ?limit=N&offset=K, a relative next link, a bearer
// token, updated_since, and a 503 on the first request for its second page.
type crm struct {
	mu       sync.Mutex
	records  []map[string]any
	requests []string
	failed   bool
}

func (c *crm) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.requests = append(c.requests, r.URL.RequestURI())
	if r.Header.Get("Authorization") != "Bearer s3cret" {
		http.Error(w, `{"error":"unauthorized"}`, http.StatusUnauthorized)
		return
	}
	limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
	offset, _ := strconv.Atoi(r.URL.Query().Get("offset"))
	if offset > 0 && !c.failed {
		c.failed = true
		w.Header().Set("Retry-After", "0")
		http.Error(w, "busy", http.StatusServiceUnavailable)
		return
	}
	var recs []map[string]any
	for _, rec := range c.records {
		if since := r.URL.Query().Get("updated_since"); since == "" || rec["updated_at"].(string) >= since {
			recs = append(recs, rec)
		}
	}
	page := map[string]any{"data": []map[string]any{}}
	if offset < len(recs) {
		page["data"] = recs[offset:min(offset+limit, len(recs))]
	}
	if offset+limit < len(recs) {
		page["links"] = map[string]any{"next": fmt.Sprintf("?limit=%d&offset=%d&updated_since=%s", limit, offset+limit, r.URL.Query().Get("updated_since"))}
	}
	json.NewEncoder(w).Encode(page)
}

func source(url string) Endpoint {
	return Endpoint{
		URL: url, TokenEnv: "LEADMART_TEST_TOKEN", Records: "data", Next: "links.next", PageSize: 2,
		PageSizeParam: "limit", Watermark: "updated_at", SinceParam: "updated_since", Retries: 2, TimeoutSeconds: 5,
	}
}

func readBack(t *testing.T, path string) []string {
	t.Helper()
	return parquettest.Rows(t, path, `concat_ws('|', id, coalesce(amount, '∅'), coalesce("owner.id", '∅'), coalesce(tags, '∅'), updated_at)`)
}

func TestExtractFollowsPagesAndWatermark(t *testing.T) {
	api := &crm{records: []map[string]any{
		{"id": "L1", "amount": 1000.5, "owner": map[string]any{"id": "R1"}, "tags": []any{"a", "b"}, "updated_at": "2026-01-01T10:00:00Z"},
		{"id": "L2", "amount": nil, "updated_at": "2026-01-02T10:00:00Z"},
		{"id": "L3", "amount": 12345678901234, "updated_at": "2026-01-03T10:00:00Z"},
	}}
	srv := httptest.NewServer(api)
	defer srv.Close()
	t.Setenv("LEADMART_TEST_TOKEN", "s3cret")
	src := New("crm_api", source(srv.URL+"/leads"), []string{"id", "amount", "owner.id", "tags"})
	src.backoff = time.Millisecond

	path := filepath.Join(t.TempDir(), "first.parquet")
	res, err := src.Extract(context.Background(), path, "")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{`L1|1000.5|R1|["a","b"]|2026-01-01T10:00:00Z`, "L2|∅|∅|∅|2026-01-02T10:00:00Z", "L3|12345678901234|∅|∅|2026-01-03T10:00:00Z"}
	if got := readBack(t, path); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("extracted\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if res.Rows != 3 || res.Watermark != "2026-01-03T10:00:00Z" {
		t.Errorf("result %+v, want 3 rows and watermark 2026-01-03T10:00:00Z", res)
	}
	// page 1, page 2 refused with 503, page 2 again
	if len(api.requests) != 3 || api.requests[1] != api.requests[2] {
		t.Errorf("requests %q, want page 1, page 2 twice", api.requests)
	}

	api.records = append(api.records, map[string]any{"id": "L4", "updated_at": "2026-01-04T08:00:00Z"})
	res, err = src.Extract(context.Background(), filepath.Join(t.TempDir(), "next.parquet"), res.Watermark)
	if err != nil {
		t.Fatal(err)
	}
	if res.Rows != 2 || res.Watermark != "2026-01-04T08:00:00Z" {
		t.Errorf("incremental extraction: %+v, want 2 rows (the watermark's own and L4)", res)
	}
	if last := api.requests[len(api.requests)-1]; !strings.Contains(last, "updated_since=2026-01-03T10") {
		t.Errorf("incremental request %q does not send the watermark", last)
	}
}

func TestExtractErrors(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/missing", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "no such endpoint", http.StatusNotFound) })
	mux.HandleFunc("/broken", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, `{"data": [{"id": "L1"}, {"id": ]}`) })
	mux.HandleFunc("/flat", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, `{"data": ["L1"]}`) })
	mux.HandleFunc("/loop", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"data": [], "links": {"next": "/loop?limit=2"}}`)
	})
	mux.HandleFunc("/down", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "maintenance", http.StatusBadGateway) })
	srv := httptest.NewServer(mux)
	defer srv.Close()
	t.Setenv("LEADMART_TEST_TOKEN", "s3cret")
	for _, tc := range []struct{ path, want string }{
		{"/missing", "source crm_api: page 1: GET " + srv.URL + "/missing?limit=2: 404 Not Found: no such endpoint"},
		{"/broken", "page 1 (" + srv.URL + "/broken?limit=2): malformed JSON at byte 32"},
		{"/flat", "record 1: not a JSON object"},
		{"/loop", "page 2: next page " + srv.URL + "/loop?limit=2 was already read (a pagination loop)"},
		{"/down", "502 Bad Gateway: maintenance (after 3 attempts)"},
	} {
		src := New("crm_api", source(srv.URL+tc.path), []string{"id"})
		src.backoff = time.Millisecond
		path := filepath.Join(t.TempDir(), "e.parquet")
		_, err := src.Extract(context.Background(), path, "")
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want it to contain %q", tc.path, err, tc.want)
		}
		if matches, _ := filepath.Glob(path + "*"); len(matches) > 0 {
			t.Errorf("%s: a failed extraction left %q", tc.path, matches)
		}
	}
	t.Setenv("LEADMART_TEST_TOKEN", "")
	_, err := New("crm_api", source(srv.URL+"/missing"), []string{"id"}).Extract(context.Background(), filepath.Join(t.TempDir(), "e.parquet"), "")
	if err == nil || !strings.Contains(err.Error(), "environment variable LEADMART_TEST_TOKEN (rest.token_env) is not set") {
		t.Errorf("without a token: %v", err)
	}
	srv.Close()
	t.Setenv("LEADMART_TEST_TOKEN", "s3cret")
	src := New("crm_api", source(srv.URL+"/leads"), []string{"id"})
	src.backoff = time.Millisecond
	_, err = src.Extract(context.Background(), filepath.Join(t.TempDir(), "e.parquet"), "")
	if err == nil || !strings.Contains(err.Error(), "GET "+srv.URL+"/leads?limit=2") || !strings.Contains(err.Error(), "connection refused") {
		t.Errorf("unreachable API: %v", err)
	}
}
