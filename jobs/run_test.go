package jobs_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"leadmart/config"
	"leadmart/internal/whtest"
	"leadmart/jobs"
	"leadmart/workdb"
)

const asOf = "2026-03-31"

// A CRM export in another shape (German names, ';', decimal comma,
// dd.mm.yyyy, Latin-1) loads through configuration alone into the same fct_lead.
func TestMappingNotCode(t *testing.T) {
	t.Parallel() // its own fixture copy, and hooks that belong to its run only
	en, _ := built.Copy(t, "../testdata/crm_en", asOf)
	de, _ := built.Copy(t, "../testdata/crm_de", asOf)
	q := "select * from mart.fct_lead order by lead_id"
	got, want := whtest.Query(t, whtest.Published(de), q), whtest.Query(t, whtest.Published(en), q)
	if len(want) != 16 {
		t.Fatalf("crm_en fct_lead has %d rows, want 15 leads", len(want)-1)
	}
	whtest.Equal(t, got, want)
	amounts := whtest.Query(t, whtest.Published(de), "select opportunity_id, amount, probability, is_won from mart.fct_opportunity order by 1")
	whtest.Equal(t, amounts, whtest.Query(t, whtest.Published(en), "select opportunity_id, amount, probability, is_won from mart.fct_opportunity order by 1"))
}

// Two runs over the same extracts give identical mart tables and land nothing twice.
func TestIdempotentRuns(t *testing.T) {
	t.Parallel() // its own fixture copy, and hooks that belong to its run only
	dir, first := built.Copy(t, "../testdata/crm_en", asOf)
	sums1 := tableChecksums(t, whtest.Published(dir))
	second := whtest.MustRun(t, dir, asOf)
	sums2 := tableChecksums(t, whtest.Published(dir))
	if first.Land.Files != 5 || second.Land.Files != 0 || second.Land.Skipped != 5 {
		t.Errorf("landed files: first run %d, second run %d new and %d skipped; want 5, 0 and 5",
			first.Land.Files, second.Land.Files, second.Land.Skipped)
	}
	if len(sums1) < 9 {
		t.Fatalf("only %d published tables", len(sums1))
	}
	for table, sum := range sums1 {
		if sums2[table] != sum {
			t.Errorf("%s changed between identical runs: %s -> %s", table, sum, sums2[table])
		}
	}
	work := filepath.Join(dir, "warehouse", workdb.WorkFile)
	dups := whtest.Query(t, work, "select count(*) - count(distinct (_batch_id, _source_row)), count(*) from raw.crm__lead")
	if dups[1][0] != "0" || dups[1][1] != "17" {
		t.Errorf("raw.crm__lead: %s duplicate rows of %s, want 0 of 17", dups[1][0], dups[1][1])
	}
}

func tableChecksums(t *testing.T, db string) map[string]string {
	t.Helper()
	return checksums(t, db, func(table string) string { return "mart." + table })
}

// checksums hashes each published table as scan(table) reads it, in one
// query over db: the sum of its rows' hashes, which no row order changes
// and every changed, added or lost row does. run_id names the run, so it
// differs by design; every other column must not.
func checksums(t *testing.T, db string, scan func(table string) string) map[string]string {
	t.Helper()
	tables := whtest.Query(t, db, "select table_name from mart.publication where table_name <> 'publication' order by 1")
	var parts []string
	for _, r := range tables[1:] {
		parts = append(parts, fmt.Sprintf("select '%s' as name, coalesce(sum(hash(t)), 0)::varchar as sum from (select columns(c -> c <> 'run_id') from %s) as t",
			r[0], scan(r[0])))
	}
	out := map[string]string{}
	for _, r := range whtest.Query(t, db, strings.Join(parts, " union all "))[1:] {
		out[r[0]] = r[1]
	}
	if len(out) != len(tables)-1 {
		t.Fatalf("hashed %d of %d published tables", len(out), len(tables)-1)
	}
	return out
}

// Bad input fails with file, line and column, and leaves the last good
// publication byte-identical.
func TestBadInputKeepsPublication(t *testing.T) {
	t.Parallel() // its own fixture copy, and hooks that belong to its run only
	cases := []struct {
		name   string
		break_ func(t *testing.T, dir string)
		want   []string
	}{
		{"missing file", func(t *testing.T, dir string) {
			must(t, os.Remove(filepath.Join(dir, "activities.csv")))
		}, []string{"source crm_activities: no file matches", "activities.csv"}},
		{"missing mapped column", func(t *testing.T, dir string) {
			replaceIn(t, filepath.Join(dir, "leads.csv"), "lead_id,created_at,channel,", "lead_id,created,channel,")
		}, []string{"leads.csv line 1 (header)", `required column "created_at"`}},
		{"unparsable date", func(t *testing.T, dir string) {
			replaceIn(t, filepath.Join(dir, "lead_status_history.csv"), "L04,2026-01-12 09:00:00", "L04,2026-13-45 09:00:00")
		}, []string{"lead_status_history.csv line 12", `column "entered_at"`, `"2026-13-45 09:00:00"`, "timestamp"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir, _ := built.Copy(t, "../testdata/crm_en", asOf)
			before, err := os.ReadFile(whtest.Published(dir))
			must(t, err)
			tc.break_(t, dir)
			_, err = whtest.Run(t, dir, asOf)
			if err == nil {
				t.Fatal("run succeeded on bad input")
			}
			if !errors.Is(err, jobs.ErrBadInput) {
				t.Errorf("error %v is not ErrBadInput", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
			after, err := os.ReadFile(whtest.Published(dir))
			must(t, err)
			if !bytes.Equal(before, after) {
				t.Error("the published file changed after a failed run")
			}
			runs := whtest.Query(t, filepath.Join(dir, "warehouse", workdb.WorkFile), "select status, count(*) from ops.runs group by 1 order by 1")
			if len(runs) != 3 || runs[1][0] != "failed" || runs[2][0] != "success" {
				t.Errorf("ops.runs: got %v, want one failed and one successful run", runs[1:])
			}
		})
	}
}

func replaceIn(t *testing.T, path, old, new string) {
	t.Helper()
	b, err := os.ReadFile(path)
	must(t, err)
	if !bytes.Contains(b, []byte(old)) {
		t.Fatalf("%s does not contain %q", path, old)
	}
	must(t, os.WriteFile(path, bytes.Replace(b, []byte(old), []byte(new), 1), 0o644))
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func appendTo(t *testing.T, path, text string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	must(t, err)
	_, err = f.WriteString(text)
	must(t, err)
	must(t, f.Close())
}

// A second run on a warehouse that a run holds fails at once with ErrLocked.
func TestConcurrentRunIsLocked(t *testing.T) {
	t.Parallel() // its own fixture copy, and hooks that belong to its run only
	dir, _ := built.Copy(t, "../testdata/crm_en", asOf)
	cfg, err := config.Load(filepath.Join(dir, "leadmart.yaml"))
	must(t, err)
	w, err := workdb.Open(t.Context(), cfg)
	must(t, err)
	defer w.Close()
	_, err = whtest.Run(t, dir, asOf)
	if !errors.Is(err, workdb.ErrLocked) {
		t.Fatalf("got %v, want ErrLocked", err)
	}
}
