package jobs_test

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "github.com/duckdb/duckdb-go/v2"
	"github.com/rs/zerolog"

	"leadmart/config"
	"leadmart/internal/whtest"
	"leadmart/jobs"
	"leadmart/models"
	"leadmart/publish"
	sqlmodels "leadmart/sql"
)

// The helper process: a BI tool that holds the published file open
// read-only and answers "q" on stdin with what it reads.
func TestHelperReader(t *testing.T) {
	path := whtest.HelperArg(t, "LEADMART_HELPER_READER", "TestReaderHeldOpen")
	db, err := sql.Open("duckdb", path+"?access_mode=read_only")
	must(t, err)
	db.SetMaxOpenConns(1)
	conn, err := db.Conn(t.Context())
	must(t, err)
	in := bufio.NewScanner(os.Stdin)
	for {
		var runID string
		var leads, rows int64
		err := conn.QueryRowContext(t.Context(), `select (select any_value(run_id) from mart.publication),
			(select count(*) from mart.fct_lead), (select row_count from mart.publication where table_name = 'fct_lead')`).Scan(&runID, &leads, &rows)
		if err != nil {
			fmt.Println("error", err)
		} else {
			fmt.Println(runID, leads, rows)
		}
		if !in.Scan() {
			return
		}
	}
}

func startReader(t *testing.T, path string) (ask func() string, stop func()) {
	t.Helper()
	cmd := whtest.HelperCommand("TestHelperReader", "LEADMART_HELPER_READER="+path)
	stdin, err := cmd.StdinPipe()
	must(t, err)
	stdout, err := cmd.StdoutPipe()
	must(t, err)
	must(t, cmd.Start())
	out := bufio.NewScanner(stdout)
	read := func() string {
		if !out.Scan() {
			t.Fatalf("reader process ended: %v", out.Err())
		}
		return out.Text()
	}
	first := read()
	answered := false
	return func() string {
			if !answered {
				answered = true
				return first
			}
			io.WriteString(stdin, "q\n")
			return read()
		}, func() {
			stdin.Close()
			cmd.Wait()
		}
}

// A reader in another process holds the published file open while the job
// publishes again: the run succeeds, the old reader keeps its consistent old
// version, and a new reader sees the new run.
func TestReaderHeldOpen(t *testing.T) {
	whtest.WholeJob(t)
	t.Parallel() // its own fixture copy, and hooks that belong to its run only
	dir, first := built.Copy(t, "../testdata/crm_en", asOf)
	ask, stop := startReader(t, whtest.Published(dir))
	defer stop()
	if got, want := ask(), first.RunID+" 15 15"; got != want {
		t.Fatalf("reader before: got %q, want %q", got, want)
	}
	// The next night brings a new lead, so the new publication differs.
	appendTo(t, filepath.Join(dir, "leads.csv"), "L17,2026-03-30 09:00:00,web_form,,Rho GmbH,food,10,,New,R1,,,,2026-03-30 09:00:00\n")
	second := whtest.MustRun(t, dir, asOf)
	for i := range 3 {
		if got, want := ask(), first.RunID+" 15 15"; got != want {
			t.Fatalf("old reader, query %d after the new publication: got %q, want %q", i, got, want)
		}
	}
	newAsk, newStop := startReader(t, whtest.Published(dir))
	defer newStop()
	if got, want := newAsk(), second.RunID+" 16 16"; got != want {
		t.Errorf("new reader: got %q, want %q", got, want)
	}
}

// The helper process for TestCrashDuringPublication: a run that announces
// each publication stage and sleeps at the named one, to be killed there.
func TestHelperCrashingRun(t *testing.T) {
	dir := whtest.HelperArg(t, "LEADMART_HELPER_CRASH_DIR", "TestCrashDuringPublication")
	at := os.Getenv("LEADMART_HELPER_CRASH_AT")
	stop := func(stage string) {
		if stage == at {
			fmt.Println("stopped at", stage)
			time.Sleep(time.Minute)
		}
	}
	if _, err := whtest.RunWith(context.Background(), t, dir, asOf, publish.Hooks{Stage: stop}); err != nil {
		t.Fatal(err)
	}
}

// SIGKILL during publication: the previous publication stays intact and
// readable in every file target, and the next run succeeds and cleans up
// the leftovers. Killed between the switches (after the files, before
// PostgreSQL, which TestRollbackEveryTarget covers), the files are all on
// the new run.
func TestCrashDuringPublication(t *testing.T) {
	whtest.WholeJob(t)
	t.Parallel() // its own fixture copy, and hooks that belong to its run only
	for _, at := range []string{"duckdb-table:fct_lead", "parquet-table:fct_activity", "before-switch", "between-switches"} {
		t.Run(at, func(t *testing.T) {
			t.Parallel()
			dir, first := built.Copy(t, "../testdata/crm_en", asOf)
			before, err := os.ReadFile(whtest.Published(dir))
			must(t, err)
			appendTo(t, filepath.Join(dir, "leads.csv"), "L17,2026-03-30 09:00:00,web_form,,Rho GmbH,food,10,,New,R1,,,,2026-03-30 09:00:00\n")

			holdAt(t, dir, at)() // SIGKILL there

			live := fileRuns(t, dir)
			if at == "between-switches" {
				if live == first.RunID {
					t.Fatalf("killed after the switch, the files are still on the first run %s", first.RunID)
				}
			} else {
				if live != first.RunID {
					t.Errorf("published run after the crash: %s, want %s", live, first.RunID)
				}
				after, err := os.ReadFile(whtest.Published(dir))
				must(t, err)
				if string(before) != string(after) {
					t.Error("the published DuckDB file changed")
				}
			}

			third := whtest.MustRun(t, dir, asOf)
			if got := fileRuns(t, dir); got != third.RunID {
				t.Errorf("after the next run: %s, want %s", got, third.RunID)
			}
			if got := whtest.Query(t, whtest.Published(dir), "select count(*) from mart.fct_lead")[1][0]; got != "16" {
				t.Errorf("after the next run: %s leads, want 16", got)
			}
			leftovers, _ := filepath.Glob(filepath.Join(dir, "warehouse", publish.VersionsDir, "*.tmp"))
			if len(leftovers) > 0 {
				t.Errorf("leftovers after the next run: %v", leftovers)
			}
		})
	}
}

// fileRuns reads the run of each file target a reader opens: the DuckDB
// file's mart.publication, the Parquet manifest and the data dictionary,
// and fails unless they agree.
func fileRuns(t *testing.T, dir string) string {
	t.Helper()
	wh := filepath.Join(dir, "warehouse")
	duck := whtest.Query(t, whtest.Published(dir), "select min(run_id) || '/' || max(run_id) from mart.publication")[1][0]
	b, err := os.ReadFile(filepath.Join(wh, publish.ParquetLink, "_manifest.json"))
	must(t, err)
	var m publish.Manifest
	must(t, json.Unmarshal(b, &m))
	doc, err := os.ReadFile(filepath.Join(wh, publish.DocsDir, "docs.md"))
	must(t, err)
	run, _, _ := strings.Cut(duck, "/")
	if duck != run+"/"+run || m.RunID != run || !strings.Contains(string(doc), "Publication `"+run+"`") {
		t.Fatalf("readers see more than one run: DuckDB %s, Parquet %s, dictionary %q", duck, m.RunID, strings.SplitN(string(doc), "\n", 4)[2])
	}
	return run
}

// A publication that fails half-way (here: the run is cancelled while the
// Parquet files are written) leaves no half-written version behind, and
// the previous one stays live.
func TestFailedPublicationLeavesNoVersion(t *testing.T) {
	whtest.WholeJob(t)
	t.Parallel() // its own fixture copy, and hooks that belong to its run only
	dir, _ := built.Copy(t, "../testdata/crm_en", asOf)
	link := filepath.Join(dir, "warehouse", publish.CurrentLink)
	before, err := os.Readlink(link)
	must(t, err)
	cfg, err := config.Load(filepath.Join(dir, "leadmart.yaml"))
	must(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cancelAt := func(stage string) {
		if stage == "parquet-table:fct_activity" {
			cancel()
		}
	}
	hooks := publish.Hooks{Stage: cancelAt}
	if _, err := jobs.Run(ctx, cfg, jobs.Options{AsOf: whtest.Date(t, asOf), Log: zerolog.New(io.Discard), Hooks: hooks}); !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want the run cancelled", err)
	}
	entries, err := os.ReadDir(filepath.Join(dir, "warehouse", publish.VersionsDir))
	must(t, err)
	if len(entries) != 1 || entries[0].Name() != filepath.Base(before) {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("%s holds %v, want only the live %s", publish.VersionsDir, names, filepath.Base(before))
	}
	if after, _ := os.Readlink(link); after != before {
		t.Errorf("%s points at %s, want %s", publish.CurrentLink, after, before)
	}
}

// The data dictionary of every publication covers every published column.
func TestDictionaryCoversEveryColumn(t *testing.T) {
	t.Parallel() // its own fixture copy, and hooks that belong to its run only
	dir, _ := built.Copy(t, "../testdata/crm_en", asOf)
	doc, err := os.ReadFile(filepath.Join(dir, "warehouse", publish.DocsDir, "docs.md"))
	must(t, err)
	html, err := os.ReadFile(filepath.Join(dir, "warehouse", publish.DocsDir, "index.html"))
	must(t, err)
	cols := whtest.Query(t, whtest.Published(dir), `select table_name, column_name, data_type, coalesce(comment, '')
		from duckdb_columns() where schema_name = 'mart' and table_name <> 'publication' order by all`)
	if len(cols) < 200 {
		t.Fatalf("only %d published columns", len(cols)-1)
	}
	sections := strings.Split(string(doc), "\n## ")
	cat, err := models.LoadCatalog(sqlmodels.FS)
	must(t, err)
	declaredNone := map[string]bool{}
	for _, m := range cat.Published() {
		for col, u := range m.Meta.Units {
			declaredNone[m.Name+"."+col] = u == "none"
		}
	}
	for _, c := range cols[1:] {
		if c[3] == "" {
			t.Errorf("mart.%s.%s has no comment", c[0], c[1])
		}
		var section string
		for _, s := range sections {
			if strings.HasPrefix(s, c[0]+"\n") {
				section = s
			}
		}
		line := fmt.Sprintf("| `%s` | %s | ", c[1], c[2])
		if !strings.Contains(section, line) {
			t.Errorf("docs.md: section %s lacks %q", c[0], line)
		}
		// every number says its unit, unless declared to have none (an ordinal such as year)
		numeric := strings.HasPrefix(c[2], "DECIMAL") || c[2] == "DOUBLE" || strings.HasSuffix(c[2], "INT") || c[2] == "INTEGER"
		if unit := unitIn(section, c[1]); numeric && unit == "" && !declaredNone[c[0]+"."+c[1]] {
			t.Errorf("docs.md: mart.%s.%s (%s) has no unit", c[0], c[1], c[2])
		}
	}
	for _, want := range []string{"<svg", "raw.crm__lead", "acquisition_quality_index", "as of <b>2026-03-31</b>"} {
		if !strings.Contains(string(html), want) {
			t.Errorf("index.html lacks %q", want)
		}
	}
}

// unitIn reads a column's unit from its row in a docs.md section.
func unitIn(section, column string) string {
	for _, l := range strings.Split(section, "\n") {
		if cells := strings.Split(l, " | "); len(cells) >= 4 && cells[0] == "| `"+column+"`" {
			return cells[2]
		}
	}
	return ""
}
