package jobs_test

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"leadmart/config"
	"leadmart/internal/whtest"
	"leadmart/jobs"
	"leadmart/workdb"
)

// A rebuild types every landed batch again from its as-read copy, and the
// marts come out the same in every table.
func TestRebuildGivesIdenticalMarts(t *testing.T) {
	whtest.WholeJob(t)
	t.Parallel()
	dir, _ := built.Copy(t, "../testdata/kpis", "2026-03-31")
	before := tableChecksums(t, whtest.Published(dir))
	cfg, err := config.Load(filepath.Join(dir, "leadmart.yaml"))
	must(t, err)
	res, err := jobs.Run(context.Background(), cfg, jobs.Options{AsOf: whtest.Date(t, "2026-03-31"), Rebuild: []string{"*"}, Log: zerolog.New(io.Discard)})
	if err != nil {
		t.Fatal(err)
	}
	if res.Land.Retyped != int64(len(cfg.Sources)) || res.Land.Files != 0 {
		t.Errorf("rebuild typed %d batches again and landed %d files, want %d and 0", res.Land.Retyped, res.Land.Files, len(cfg.Sources))
	}
	after := tableChecksums(t, whtest.Published(dir))
	if !equalSums(after, before) {
		t.Errorf("tables that differ after the rebuild: %v", diffSums(after, before))
	}
}

// A German export's thousands dots read under the default point dialect
// land as small numbers (1.000 is 1). Fixing the dialect in the config
// types the landed batch again from its as-read copy: the file is not
// touched, and the amounts come out right.
func TestDialectFixTypesTheLandedBatchAgain(t *testing.T) {
	t.Parallel()
	dir := whtest.CopyFixture(t, "../testdata/crm_en")
	opps := filepath.Join(dir, "opportunities.csv")
	b, err := os.ReadFile(opps)
	must(t, err)
	german := strings.NewReplacer(",1000.00,EUR,1.0,", ",1.000,EUR,1,", ",500.00,EUR,0,", ",500,EUR,0,", ",3000.00,EUR,1.0,", ",3.000,EUR,1,",
		",800.00,EUR,0.5,", ",800,EUR,1,", ",400.00,EUR,0,", ",400,EUR,0,", ",1200.00,EUR,1.0,", ",1.200,EUR,1,").Replace(string(b))
	must(t, os.WriteFile(opps, []byte(german), 0o644))
	fi, err := os.Stat(opps)
	must(t, err)
	whtest.MustRun(t, dir, asOf)
	q := "select opportunity_id, amount from mart.fct_opportunity order by 1"
	whtest.Equal(t, whtest.Query(t, whtest.Published(dir), q), [][]string{{"opportunity_id", "amount"},
		{"O01", "1"}, {"O02", "500"}, {"O03", "3"}, {"O04", "800"}, {"O05", "400"}, {"O06", "1.2"}})

	cfgPath := filepath.Join(dir, "leadmart.yaml")
	y, err := os.ReadFile(cfgPath)
	must(t, err)
	fixed := strings.Replace(string(y), "path: opportunities.csv}", "path: opportunities.csv, csv: {decimal_comma: true}}", 1)
	must(t, os.WriteFile(cfgPath, []byte(fixed), 0o644))
	res := whtest.MustRun(t, dir, asOf)
	if res.Land.Retyped != 1 || res.Land.Files != 0 {
		t.Errorf("typed %d batches again and landed %d files, want 1 and 0", res.Land.Retyped, res.Land.Files)
	}
	whtest.Equal(t, whtest.Query(t, whtest.Published(dir), q), [][]string{{"opportunity_id", "amount"},
		{"O01", "1000"}, {"O02", "500"}, {"O03", "3000"}, {"O04", "800"}, {"O05", "400"}, {"O06", "1200"}})
	after, err := os.Stat(opps)
	must(t, err)
	if after.ModTime() != fi.ModTime() {
		t.Error("the extract file was touched")
	}
}

// A release that declares a new canonical field types the batches landed
// before it again, by itself, at its first run. The warehouse of an older
// release stands in: raw.crm__lead without channel (the field did not
// exist yet) and the leads' batch under the fingerprint that release
// wrote, which hashed the source's settings but not the entity's fields.
// Before the fix, the rerun published every lead with an empty channel
// and exit 0.
func TestNewFieldFillsOldBatches(t *testing.T) {
	t.Parallel()
	dir, _ := built.Copy(t, "../testdata/crm_en", asOf)
	cfg, err := config.Load(filepath.Join(dir, "leadmart.yaml"))
	must(t, err)
	var leads config.Source
	for _, s := range cfg.Sources {
		if s.Entity == "lead" {
			leads = s
		}
	}
	old, err := json.Marshal([]any{leads.System, leads.Entity, leads.SourceSystem, leads.Columns, leads.Values, leads.PrimaryKey,
		leads.CSV.DecimalComma, leads.CSV.DateFormat, leads.CSV.TimestampFormat})
	must(t, err)
	sum := sha256.Sum256(old)
	db, err := sql.Open("duckdb", filepath.Join(dir, "warehouse", workdb.WorkFile))
	must(t, err)
	for _, q := range []string{"alter table raw.crm__lead drop column channel",
		fmt.Sprintf("update ops.batches set fingerprint = '%s' where source = '%s'", hex.EncodeToString(sum[:8]), leads.Name)} {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	must(t, db.Close())

	res := whtest.MustRun(t, dir, asOf)
	if res.Land.Retyped != 1 || res.Land.Files != 0 {
		t.Errorf("typed %d batches again and landed %d files, want 1 (the leads) and 0", res.Land.Retyped, res.Land.Files)
	}
	whtest.Equal(t, whtest.Query(t, whtest.Published(dir), "select count(*) as leads, count(channel) as with_channel from mart.fct_lead"),
		[][]string{{"leads", "with_channel"}, {"15", "15"}})
}
