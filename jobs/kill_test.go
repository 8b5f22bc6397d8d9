package jobs_test

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"leadmart/internal/whtest"
	"leadmart/jobs"
	"leadmart/workdb"
)

// SIGKILL at landing, transform and publication: the next run reports what
// it cleaned, ops.runs shows the killed run as interrupted, and no stray
// raw file is left.
func TestKilledRunIsCleanedUp(t *testing.T) {
	whtest.WholeJob(t)
	t.Parallel()
	cases := []struct {
		at      string
		cleaned []string // what the next run reports, after the interrupted run
	}{
		{"land:crm_leads", []string{"a half-written file; removed"}},
		{"duckdb-table:fct_lead", []string{".tmp, which never went live or is beyond publish.keep"}},
		{"before-switch", []string{"which never went live or is beyond publish.keep"}},
	}
	for _, c := range cases {
		t.Run(c.at, func(t *testing.T) {
			t.Parallel()
			dir, _ := built.Copy(t, "../testdata/crm_en", asOf)
			appendTo(t, filepath.Join(dir, "leads.csv"), "L17,2026-03-30 09:00:00,web_form,,Rho GmbH,food,10,,New,R1,,,,2026-03-30 09:00:00\n")
			killed := killAt(t, dir, c.at)

			res := whtest.MustRun(t, dir, asOf)
			if len(res.Cleaned) != 1+len(c.cleaned) || !strings.Contains(res.Cleaned[0], "run "+killed+" was interrupted") {
				t.Fatalf("cleaned: %q, want the interrupted run %s first, then %q", res.Cleaned, killed, c.cleaned)
			}
			for i, want := range c.cleaned {
				if !strings.HasSuffix(res.Cleaned[1+i], want) {
					t.Errorf("cleaned[%d]: %q, want ...%q", 1+i, res.Cleaned[1+i], want)
				}
			}
			work := filepath.Join(dir, "warehouse", workdb.WorkFile)
			whtest.Equal(t, whtest.Query(t, work, "select status from ops.runs where run_id = '"+killed+"'"), [][]string{{"status"}, {"interrupted"}})
			whtest.Equal(t, whtest.Query(t, work, `select count(*) from glob('`+filepath.Join(dir, "warehouse", "raw", "**", "*")+`') as g
				where g.file not in (select '`+filepath.Join(dir, "warehouse")+`/' || parquet_path from ops.batches)`), [][]string{{"count_star()"}, {"0"}})
			if got := whtest.Query(t, whtest.Published(dir), "select count(*) from mart.fct_lead")[1][0]; got != "16" {
				t.Errorf("leads after the next run: %s, want 16", got)
			}
		})
	}
}

// holdAt starts a run in a helper process that stops at the hook stage
// at, and returns what SIGKILLs it.
func holdAt(t *testing.T, dir, at string) (stop func()) {
	t.Helper()
	cmd := whtest.HelperCommand("TestHelperCrashingRun", "LEADMART_HELPER_CRASH_DIR="+dir, "LEADMART_HELPER_CRASH_AT="+at)
	stdout, err := cmd.StdoutPipe()
	must(t, err)
	must(t, cmd.Start())
	sc := bufio.NewScanner(stdout)
	reached := false
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "stopped at") {
			reached = true
			break
		}
	}
	stop = func() {
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
	}
	if !reached {
		stop()
		t.Fatalf("the run never reached %s", at)
	}
	return stop
}

// killAt starts a run in a helper process, SIGKILLs it at the hook stage
// at, and returns the killed run's id.
func killAt(t *testing.T, dir, at string) string {
	t.Helper()
	holdAt(t, dir, at)()
	rows := whtest.Query(t, filepath.Join(dir, "warehouse", workdb.WorkFile), "select run_id from ops.runs where status = 'running'")
	if len(rows) != 2 {
		t.Fatalf("running runs after the kill: %v, want one", rows)
	}
	return rows[1][0]
}

// The run records can be read while a run holds work.duckdb: the state
// file, written after each step, shows the run in progress.
func TestStateReadableDuringARun(t *testing.T) {
	whtest.WholeJob(t)
	t.Parallel()
	dir, first := built.Copy(t, "../testdata/crm_en", asOf)
	stop := holdAt(t, dir, "duckdb-table:fct_lead")
	defer stop()
	state := filepath.Join(dir, "warehouse", workdb.StateFile)
	got := whtest.Query(t, state, "select count(*) filter (where status = 'success'), count(*) filter (where status = 'running') from runs")
	whtest.Equal(t, got, [][]string{{"count_star() FILTER (WHERE (status = 'success'))", "count_star() FILTER (WHERE (status = 'running'))"}, {"1", "1"}})
	if n := whtest.Query(t, state, "select count(*) from batches where run_id = '"+first.RunID+"'")[1][0]; n != "5" {
		t.Errorf("batches of the first run in the state file: %s, want 5", n)
	}
	// leadmart status reads the same, and names the run holding the warehouse
	st, err := jobs.ReadStatus(context.Background(), filepath.Join(dir, "warehouse"), 10)
	must(t, err)
	if len(st.Runs) != 2 || st.Runs[0].Status != "running" || st.Runs[1].RunID != first.RunID || st.Runs[1].Status != "success" {
		t.Errorf("status runs: %+v", st.Runs)
	}
	if st.Lock == nil || st.Lock.RunID != st.Runs[0].RunID || st.Lock.Step != "transform" || st.Lock.PID == 0 || st.Lock.PID == os.Getpid() {
		t.Errorf("lock holder: %+v, want the running run in step transform, in another process", st.Lock)
	}
	if len(st.Sources) != 5 || st.Sources[0].Batches != 1 {
		t.Errorf("sources: %+v", st.Sources)
	}
}
