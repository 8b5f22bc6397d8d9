package whtest

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"

	"leadmart/config"
)

// Flaky is an HTTP server that serves one file and can be told to fail
// first: for the tests of retries.
type Flaky struct {
	URL      string
	requests atomic.Int64
	failNext atomic.Int64 // <0: every request
	status   atomic.Int64
}

// ServeFlaky serves body at every path until the test ends.
func ServeFlaky(t testing.TB, body []byte) *Flaky {
	t.Helper()
	f := &Flaky{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.requests.Add(1)
		if f.failNext.Load() != 0 {
			f.failNext.Add(-1)
			http.Error(w, "busy", int(f.status.Load()))
			return
		}
		w.Write(body)
	}))
	t.Cleanup(srv.Close)
	f.URL = srv.URL
	return f
}

// Fail makes the next n requests (n < 0: all) answer status.
func (f *Flaky) Fail(n, status int) {
	f.status.Store(int64(status))
	f.failNext.Store(int64(n))
}

// Requests counts the requests so far.
func (f *Flaky) Requests() int64 { return f.requests.Load() }

// RepsOverHTTP is the config of the crm_en fixture copied into dir with its
// reps downloaded from f (an http-file source) instead of read from
// reps.csv, and extra appended to the YAML.
func RepsOverHTTP(t testing.TB, dir string, f *Flaky, extra string) *config.Config {
	t.Helper()
	yaml, err := os.ReadFile(filepath.Join(dir, "leadmart.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	local := []byte("{name: crm_reps, system: crm, entity: rep, path: reps.csv}")
	if !bytes.Contains(yaml, local) {
		t.Fatalf("%s/leadmart.yaml has no %s", dir, local)
	}
	yaml = bytes.Replace(yaml, local, []byte(`{name: crm_reps, system: crm, entity: rep, connector: http-file, http: {url: "`+f.URL+`/reps.csv"}}`), 1)
	cfg, err := config.Parse(append(yaml, extra...), dir)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}
