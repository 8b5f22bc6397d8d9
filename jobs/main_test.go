package jobs_test

import (
	"os"
	"testing"

	"leadmart/internal/pgtest"
	"leadmart/internal/whtest"
)

// built holds the fixtures this package's tests start from, each run once:
// a test that needs "crm_en, published once" gets its own copy of it. pg is
// the PostgreSQL server its tests share, a database each. These are the
// package's only shared state, on purpose: each saves seconds per test.
var (
	built whtest.Built
	pg    pgtest.Cluster
)

func TestMain(m *testing.M) {
	code := built.Main(m)
	pg.Close()
	os.Exit(code)
}
