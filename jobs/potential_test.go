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

func TestGoldenAccountPotential(t *testing.T) {
	dir := whtest.CopyFixture(t, "../testdata/potential")
	res := whtest.MustRun(t, dir, potentialAsOf)
	want := whtest.ReadCSV(t, "../testdata/potential/expected/account_potential.csv")
	got := whtest.Query(t, whtest.Published(dir), "select "+strings.Join(want[0], ", ")+" from mart.account_potential order by account_key")
	whtest.Equal(t, got, want)

	// 9 ERP customers; K9 is unmatched: 8 / 9.
	if want := 8.0 / 9; res.Metric("match_rate") < want-1e-9 || res.Metric("match_rate") > want+1e-9 {
		t.Errorf("match rate: got %v, want 8/9", res.Metric("match_rate"))
	}
}

func TestGoldenAccountMatching(t *testing.T) {
	dir := whtest.CopyFixture(t, "../testdata/potential")
	whtest.MustRun(t, dir, potentialAsOf)
	want := whtest.ReadCSV(t, "../testdata/potential/expected/dim_account.csv")
	got := whtest.Query(t, whtest.Published(dir), "select "+strings.Join(want[0], ", ")+" from mart.dim_account order by account_key")
	whtest.Equal(t, got, want)

	fx := whtest.Query(t, whtest.Published(dir), `select invoice_id, currency, fx_rate, fx_rate_date, net_revenue_rc
		from mart.fct_invoice_line where currency <> 'EUR' order by invoice_id`)
	whtest.Equal(t, fx, [][]string{
		{"invoice_id", "currency", "fx_rate", "fx_rate_date", "net_revenue_rc"},
		{"INV5", "CHF", "1.05", "2026-03-13", "1050"}, // 2026-03-15: the nearest earlier rate is the 13th
		{"INV6", "CHF", "1.1", "2026-05-04", "2200"},
	})
	exceptions := whtest.Query(t, whtest.Published(dir), "select account_key, reason from mart.account_match_exceptions order by 1")
	whtest.Equal(t, exceptions, [][]string{
		{"account_key", "reason"},
		{"crm:A11", "erp_customer_shared_by_crm_accounts"},
		{"crm:A12", "erp_customer_shared_by_crm_accounts"},
		{"erp:K9", "erp_customer_without_crm_account"},
	})
}

// A foreign-currency line without a rate fails the run with the currency and
// date; it never converts at a silent 1 or NULL.
func TestMissingFxRateFailsTheRun(t *testing.T) {
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
