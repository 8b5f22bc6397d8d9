package jobs_test

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"leadmart/internal/whtest"
	"leadmart/jobs"
)

const potentialAsOf = "2026-06-30"

// A foreign-currency line without a rate fails the run with the currency and
// date; it never converts at a silent 1 or NULL.
func TestMissingFxRateFailsTheRun(t *testing.T) {
	t.Parallel() // its own fixture copy, and hooks that belong to its run only
	dir := whtest.CopyFixture(t, "../testdata/potential")
	appendTo(t, filepath.Join(dir, "invoice_lines.csv"), "INV13,1,K8,2026-02-01,service,100,10,USD,BU_A\n")
	_, err := whtest.Run(t, dir, potentialAsOf)
	if !errors.Is(err, jobs.ErrChecksFailed) {
		t.Fatalf("got %v, want ErrChecksFailed", err)
	}
	for _, w := range []string{"fx_rate_found", "currency=USD", "invoice_date=2026-02-01"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not mention %q", err, w)
		}
	}
}
