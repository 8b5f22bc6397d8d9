package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"leadmart/config"
	"leadmart/internal/whtest"
	"leadmart/publish"
	"leadmart/workdb"
)

// A batch that lands but fails a check blocks every run (exit 3) until it
// is dropped; the run after the drop publishes without it, a corrected
// file lands as usual, and a restored batch is back, as the older version
// of the rows the corrected file holds too.
func TestDropBadBatchThenCorrectedFile(t *testing.T) {
	whtest.WholeJob(t)
	t.Parallel()
	dir := goodWarehouse(t)
	cfg := filepath.Join(dir, "leadmart.yaml")
	work := filepath.Join(dir, "warehouse", "work.duckdb")
	leadmart := func(want int, args ...string) string {
		t.Helper()
		var out, errb bytes.Buffer
		if code := run(context.Background(), append(args, "--config", cfg), &out, &errb); code != want {
			t.Fatalf("leadmart %s: exit %d, want %d\n%s%s", strings.Join(args, " "), code, want, out.String(), tail(errb.String()))
		}
		return out.String() + errb.String()
	}
	runAsOf := []string{"run", "--as-of", "2026-03-31"}
	opps := filepath.Join(dir, "opportunities.csv")
	good, err := os.ReadFile(opps)
	if err != nil {
		t.Fatal(err)
	}
	// a probability written in percent: it types, but fails range(probability)
	bad := string(good) + "O09,,L05,2026-03-01 10:00:00,Proposal,700.00,EUR,50,2026-04-20,,false,false,R1,new_business,2026-03-02 12:00:00\n"
	if err := os.WriteFile(opps, []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	if out := leadmart(exitChecks, runAsOf...); !strings.Contains(out, "core.fct_opportunity range(probability): 1 values outside >= 0 <= 1") {
		t.Fatalf("the failing check is not named:\n%s", tail(out))
	}
	newest := whtest.Query(t, work, "select batch_id from ops.batches where source = 'crm_opportunities' order by loaded_at desc limit 1")[1][0]

	out := leadmart(exitOK, "batches", "drop", newest[:8], "--reason", "probability in percent")
	if !strings.Contains(out, "dropped batch "+newest+" (crm_opportunities, 7 rows of ") {
		t.Errorf("drop said: %s", out)
	}
	if _, err := os.Stat(filepath.Join(dir, "warehouse", "quarantine", newest+".parquet")); err != nil {
		t.Errorf("the as-read copy is not in quarantine: %v", err)
	}
	whtest.Equal(t, whtest.Query(t, work, "select action, detail from ops.batch_events"), [][]string{{"action", "detail"}, {"drop", "probability in percent"}})
	leadmart(exitUsage, "batches", "drop", newest) // a dropped batch cannot be dropped again

	out = leadmart(exitOK, runAsOf...)
	if !strings.Contains(out, "WARNING: source crm_opportunities: "+opps+" is batch "+newest+", which was dropped") {
		t.Errorf("no warning about the dropped file:\n%s", out)
	}
	opportunities := "select opportunity_id, probability from mart.fct_opportunity where opportunity_id = 'O09'"
	whtest.Equal(t, whtest.Query(t, whtest.Published(dir), opportunities), [][]string{{"opportunity_id", "probability"}})

	if err := os.WriteFile(opps, []byte(strings.Replace(bad, ",EUR,50,", ",EUR,0.5,", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	leadmart(exitOK, runAsOf...)
	whtest.Equal(t, whtest.Query(t, whtest.Published(dir), opportunities), [][]string{{"opportunity_id", "probability"}, {"O09", "0.5"}})

	if out := leadmart(exitOK, "batches", "restore", newest); !strings.Contains(out, "restored batch "+newest) {
		t.Errorf("restore said: %s", out)
	}
	leadmart(exitOK, runAsOf...)
	whtest.Equal(t, whtest.Query(t, whtest.Published(dir), opportunities), [][]string{{"opportunity_id", "probability"}, {"O09", "0.5"}})
	whtest.Equal(t, whtest.Query(t, work, "select count(*) from raw.crm__opportunity where opportunity_id = 'O09'"), [][]string{{"count_star()"}, {"2"}})
	list := leadmart(exitOK, "batches", "list", "--source", "crm_opportunities")
	if strings.Count(list, "landed") != 3 {
		t.Errorf("want three landed opportunity batches:\n%s", list)
	}
}

// rollback takes the warehouse lock: while a run holds it, rollback is
// refused with exit 4 (the run would publish over it); afterwards it
// switches back and is recorded in ops.publication_events.
func TestRollbackTakesTheLock(t *testing.T) {
	whtest.WholeJob(t)
	t.Parallel()
	dir := goodWarehouse(t)
	cfgPath := filepath.Join(dir, "leadmart.yaml")
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"run", "--config", cfgPath, "--as-of", "2026-03-31"}, &out, &errb); code != exitOK {
		t.Fatalf("second run: exit %d\n%s", code, tail(errb.String()))
	}
	cfg, err := config.Load(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	held, err := workdb.Open(context.Background(), cfg) // what a run in progress holds
	if err != nil {
		t.Fatal(err)
	}
	out.Reset()
	errb.Reset()
	if code := run(context.Background(), []string{"rollback", "--config", cfgPath}, &out, &errb); code != exitLocked {
		t.Errorf("rollback during a run: exit %d, want %d\n%s", code, exitLocked, errb.String())
	}
	held.Close()
	if code := run(context.Background(), []string{"rollback", "--config", cfgPath}, &out, &errb); code != exitOK {
		t.Fatalf("rollback: exit %d\n%s", code, errb.String())
	}
	whtest.Equal(t, whtest.Query(t, filepath.Join(dir, "warehouse", "work.duckdb"), "select action, count(*) from ops.publication_events where action = 'rollback' group by all"),
		[][]string{{"action", "count_star()"}, {"rollback", "1"}})

	// --list names the live version and the once-live ones; --to goes to one of them
	wh := filepath.Join(dir, "warehouse")
	first, second := publish.Live(wh), ""
	if kept, _ := publish.Kept(wh); len(kept) == 2 && kept[1] == first {
		second = kept[0]
	} else {
		t.Fatalf("kept %v, live %s: want two, the older live", kept, first)
	}
	out.Reset()
	if code := run(context.Background(), []string{"rollback", "--config", cfgPath, "--list"}, &out, &errb); code != exitOK ||
		!strings.HasPrefix(out.String(), "live: "+first+"\n  "+second+"  as of 2026-03-31, published ") {
		t.Errorf("rollback --list: exit %d\n%s", code, out.String())
	}
	out.Reset()
	errb.Reset()
	if code := run(context.Background(), []string{"rollback", "--config", cfgPath, "--to", "20990101T000000Z-000000"}, &out, &errb); code != exitFailed ||
		!strings.Contains(errb.String(), "leadmart rollback: 20990101T000000Z-000000 is not a kept publication that was live (those are: "+second+")") {
		t.Errorf("rollback --to an unknown run: exit %d\n%s", code, errb.String())
	}
	if code := run(context.Background(), []string{"rollback", "--config", cfgPath, "--to", second}, &out, &errb); code != exitOK || publish.Live(wh) != second {
		t.Errorf("rollback --to %s: exit %d, live %s\n%s", second, code, publish.Live(wh), errb.String())
	}
}
