package sqlmodels_test

import (
	"context"
	"testing"

	"github.com/rs/zerolog"

	"leadmart/internal/modeltest"
	"leadmart/jobs"
)

// Every check a run makes passes on every export fixture, at the as-of its
// golden test uses and at the newest date of its data (what --as-of data
// picks): a real export that a run would refuse to publish, or publish
// with a check failing silently in a model no golden test reads, fails
// here. Warnings are allowed, and listed.
func TestFixturesPassEveryCheck(t *testing.T) {
	cases := []struct{ fixture, asOf string }{
		{"text_stages", "2017-06-30"},
		{"text_stages", "2017-04-11"},
		{"mql_closed_deals", "2018-06-30"},
		{"mql_closed_deals", "2018-03-20"},
		{"hubspot_deals", "2024-02-29"},
		{"crm_en", "2026-03-31"},
		{"crm_de", "2026-03-31"},
		{"kpis", "2026-03-31"},
		{"potential", "2026-03-31"},
	}
	for _, c := range cases {
		t.Run(c.fixture+"@"+c.asOf, func(t *testing.T) {
			t.Parallel()
			db := modeltest.Fixture(t, "../testdata/"+c.fixture, c.asOf)
			db.BuildAll(t)
			results, err := jobs.Check(context.Background(), db.W, db.Cat, "modeltest", nil, zerolog.Nop())
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range results {
				if r.Warn && !r.Passed() {
					t.Logf("warning: %s %s: %d %s", r.Model, r.Name, r.FailingRows, r.Detail)
				}
			}
		})
	}
}
