package sqlmodels_test

import (
	"path/filepath"
	"testing"

	"leadmart/config"
	"leadmart/internal/modeltest"
	"leadmart/internal/whtest"
)

// fct_lead on given raw rows, dbt-unit-test style: raw holds the values
// mapped at landing, in any case, and staging lowercases them; a channel without a class is "unclassified", and a lead outside the
// history window is still a row. Only the models fct_lead reads are built;
// every other raw table is empty.
func TestFctLeadOnGivenRows(t *testing.T) {
	cfg, err := config.Load(filepath.Join("..", "testdata", "crm_en", "leadmart.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	db := modeltest.Open(t, cfg, asOf)
	db.Given(t, "raw.crm__lead", `
		lead_id,created_at,channel,status,source_system,_source,_batch_id,_loaded_at
		G1,2026-02-03 08:00:00,Web_Form,Won,crm,crm_leads,b1,2026-03-31 02:00:00
		G2,2026-02-04 09:30:00,fax,lead,crm,crm_leads,b1,2026-03-31 02:00:00
		G3,2019-05-01 10:00:00,outbound_prospecting,MQL,crm,crm_leads,b1,2026-03-31 02:00:00`)
	db.Build(t, "mart.fct_lead")
	whtest.Equal(t, db.Query(t, "select lead_id, lead_at, channel_class, current_stage from mart.fct_lead order by lead_id"), [][]string{
		{"lead_id", "lead_at", "channel_class", "current_stage"},
		{"G1", "2026-02-03 08:00:00", "reactive", "won"},
		{"G2", "2026-02-04 09:30:00", "unclassified", "lead"},
		{"G3", "2019-05-01 10:00:00", "proactive", "mql"},
	})
}
