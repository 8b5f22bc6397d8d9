package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"leadmart/internal/whtest"
)

// goodWarehouse is a copy of the crm_en fixture published once as of
// 31 March 2026 (the package's tests share that run).
func goodWarehouse(t *testing.T) string {
	t.Helper()
	dir, _ := built.Copy(t, goodFixture, goodAsOf)
	return dir
}

const goodFixture, goodAsOf = "../../testdata/crm_en", "2026-03-31"

// published is what a failed run must leave byte for byte: the DuckDB file
// BI tools open and the Parquet manifest.
func published(t *testing.T, dir string) [2][]byte {
	t.Helper()
	var out [2][]byte
	for i, p := range []string{"warehouse/leadmart.duckdb", "warehouse/publish/parquet/_manifest.json"} {
		b, err := os.ReadFile(filepath.Join(dir, p))
		if err != nil {
			t.Fatal(err)
		}
		out[i] = b
	}
	return out
}

func edit(t *testing.T, path string, fn func(string) string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(fn(string(b))), 0o644); err != nil {
		t.Fatal(err)
	}
}

func replace(old, new string) func(string) string {
	return func(s string) string {
		if !strings.Contains(s, old) {
			panic(fmt.Sprintf("fixture has no %q", old))
		}
		return strings.Replace(s, old, new, 1)
	}
}

func appendLine(line string) func(string) string { return func(s string) string { return s + line } }

// Bad inputs against a published warehouse: each fails with its exit code
// and the exact message (file, physical line, column), and leaves the
// publication byte-identical; or goes on, and records what it set aside.
func TestBadInputs(t *testing.T) {
	whtest.WholeJob(t)
	t.Parallel()
	// the first run's records name the folder it ran in, not a copy
	origin := built.Origin(t, goodFixture, goodAsOf)
	const leads = "leads.csv"
	cases := []struct {
		name   string
		break_ func(t *testing.T, dir string)
		code   int
		msg    string // the whole message after "leadmart run: " ({dir} is the folder)
		// for runs that go on: a query on the work database and its rows,
		// or (query "stdout:...") a line the summary prints
		query string
		want  [][]string
	}{
		{"missing file", func(t *testing.T, dir string) { os.Remove(filepath.Join(dir, "activities.csv")) },
			exitBadData, "bad input: source crm_activities: no file matches {dir}/activities.csv", "", nil},
		{"empty file", func(t *testing.T, dir string) { edit(t, filepath.Join(dir, leads), func(string) string { return "" }) },
			exitBadData, "bad input: source crm_leads: {dir}/leads.csv is empty: no header line, no rows (set allow_empty: true on the source if an empty extract is expected)", "", nil},
		{"header only", func(t *testing.T, dir string) {
			edit(t, filepath.Join(dir, leads), func(s string) string { return strings.SplitAfter(s, "\n")[0] })
		}, exitBadData, "bad input: source crm_leads: {dir}/leads.csv has a header but no data rows (set allow_empty: true on the source if an empty extract is expected)", "", nil},
		{"latin-1 bytes in a utf-8 file", func(t *testing.T, dir string) {
			edit(t, filepath.Join(dir, leads), replace("Beta AG", "Beta M\xfcller AG"))
		}, exitBadData, `bad input: source crm_leads: {dir}/leads.csv line 3, column "company_name": bytes that are not UTF-8 after "Beta M"; the source declares csv.encoding utf-8 (is the file latin-1?)`, "", nil},
		{"utf-8 file declared latin-1", func(t *testing.T, dir string) {
			edit(t, filepath.Join(dir, leads), replace("Beta AG", "Beta Müller AG"))
			edit(t, filepath.Join(dir, "leadmart.yaml"), replace("    path: leads.csv\n", "    path: leads.csv\n    csv: {encoding: latin-1}\n"))
		}, exitBadData, `bad input: source crm_leads: {dir}/leads.csv line 3, column "company_name": the file is UTF-8 ("Beta Müller AG"), but the source declares csv.encoding latin-1, which would read it as "Beta MÃ¼ller AG"; set csv.encoding: utf-8`, "", nil},
		{"cut mid-line", func(t *testing.T, dir string) {
			edit(t, filepath.Join(dir, leads), func(s string) string { return strings.TrimSuffix(s, "\n")[:len(s)-40] })
		}, exitBadData, "bad input: source crm_leads: {dir}/leads.csv line 18, the last line has 9 of 14 columns and no line end: the file looks cut off", "", nil},
		{"cut in a quoted value", func(t *testing.T, dir string) {
			edit(t, filepath.Join(dir, leads), appendLine(`L99,2026-03-01 09:00:00,web_form,,"Unfinished`))
		},
			exitBadData, `bad input: source crm_leads: {dir}/leads.csv line 19, column "company_name": a quoted value opened here is never closed: the file looks cut off`, "", nil},
		{"decimal comma declared, point written", func(t *testing.T, dir string) {
			edit(t, filepath.Join(dir, "leadmart.yaml"), replace("path: opportunities.csv}", "path: opportunities.csv, csv: {decimal_comma: true}}"))
			// the landed batch is typed again under the new dialect, and fails
		}, exitBadData, `bad input: {good}/opportunities.csv line 2, column "amount": cannot parse "1000.00" as decimal for field amount (10 bad values in all)`, "", nil},
		{"point declared, decimal comma written", func(t *testing.T, dir string) {
			edit(t, filepath.Join(dir, "opportunities.csv"), replace(",500.00,", `,"1.234,56",`))
		}, exitBadData, `bad input: {dir}/opportunities.csv line 3, column "amount": cannot parse "1.234,56" as decimal for field amount`, "", nil},
		{"fraction in an integer", func(t *testing.T, dir string) {
			edit(t, filepath.Join(dir, leads), replace(",Alpha GmbH,machinery,120,", ",Alpha GmbH,machinery,12.5,"))
		},
			exitBadData, `bad input: {dir}/leads.csv line 2, column "employees": cannot parse "12.5" as int for field employees`, "", nil},
		{"bad date after a quoted line end", func(t *testing.T, dir string) {
			edit(t, filepath.Join(dir, leads), replace(",Alpha GmbH,", ",\"Alpha\nGmbH\","))
			edit(t, filepath.Join(dir, leads), replace("L02,2026-01-06 09:00:00,", "L02,2026-01-36 09:00:00,"))
		}, exitBadData, `bad input: {dir}/leads.csv line 4, column "created_at": cannot parse "2026-01-36 09:00:00" as timestamp for field created_at`, "", nil},
		{"a 300,000-character bad value is quoted to 200", func(t *testing.T, dir string) {
			edit(t, filepath.Join(dir, leads), replace("L02,2026-01-06 09:00:00,", "L02,"+strings.Repeat("9", 300000)+","))
		}, exitBadData, `bad input: {dir}/leads.csv line 3, column "created_at": cannot parse "` + strings.Repeat("9", 200) + `... (300000 characters)" as timestamp for field created_at`, "", nil},
		{"ragged lines over the limit", func(t *testing.T, dir string) { edit(t, filepath.Join(dir, leads), appendLine("L77,short\n")) },
			exitBadData, `bad input: source crm_leads: {dir}/leads.csv: 1 of 18 lines rejected (5.6%), more than max_rejected 1%; the first, line 19: MISSING COLUMNS: Expected Number of Columns: 14 Found: 2: "L77,short"`, "", nil},
		{"empty key", func(t *testing.T, dir string) {
			edit(t, filepath.Join(dir, leads), appendLine(",2026-03-01 09:00:00,web_form,,Nokey AG,food,10,,New,R1,,,,2026-03-01 09:00:00\n"))
		}, exitBadData, "bad input: source crm_leads: {dir}/leads.csv line 19: the key lead_id is empty (1 rows in all); every row needs one", "", nil},
		{"required column missing", func(t *testing.T, dir string) {
			edit(t, filepath.Join(dir, leads), replace("lead_id,created_at,", "lead_id,created,"))
		},
			exitBadData, `bad input: source crm_leads, field created_at: {dir}/leads.csv line 1 (header): required column "created_at" not found and not mapped; the file has "lead_id", "created", "channel", "campaign_id", "company_name", "industry", "employees", "account_id", "status", "owner_rep_id", "converted_at", "opportunity_id", "disqualified_reason", "updated_at"`, "", nil},
		{"column renamed in the export", func(t *testing.T, dir string) {
			edit(t, filepath.Join(dir, leads), replace(",employees,", ",headcount,"))
		},
			exitBadData, `bad input: source crm_leads: {dir}/leads.csv line 1 (header): column "employees", which gave field employees its values in the previous batch (`, "", nil},
		{"corrupt parquet extract", func(t *testing.T, dir string) {
			if err := os.WriteFile(filepath.Join(dir, "opportunities.parquet"), []byte("PAR1 not really parquet"), 0o644); err != nil {
				t.Fatal(err)
			}
			edit(t, filepath.Join(dir, "leadmart.yaml"), replace("path: opportunities.csv}", "path: opportunities.parquet}"))
		}, exitBadData, "bad input: source crm_opportunities: {dir}/opportunities.parquet cannot be read as parquet: ", "", nil},
		{"quote that is two characters", func(t *testing.T, dir string) {
			edit(t, filepath.Join(dir, "leadmart.yaml"), replace("path: reps.csv}", `path: reps.csv, csv: {quote: "''"}}`))
		}, exitUsage, "config {dir}/leadmart.yaml: invalid configuration:\nsources[0] (crm_reps).csv.quote: must be one single-byte character, got \"''\"", "", nil},
		{"quote that is the delimiter", func(t *testing.T, dir string) {
			edit(t, filepath.Join(dir, "leadmart.yaml"), replace("path: reps.csv}", `path: reps.csv, csv: {quote: ","}}`))
		}, exitUsage, "config {dir}/leadmart.yaml: invalid configuration:\nsources[0] (crm_reps).csv.quote: \",\" is also the delimiter", "", nil},
		{"unknown timestamp code", func(t *testing.T, dir string) {
			edit(t, filepath.Join(dir, "leadmart.yaml"), replace("path: reps.csv}", `path: reps.csv, csv: {timestamp_format: "%d.%m.%Y %Q"}}`))
		}, exitUsage, `config {dir}/leadmart.yaml: invalid configuration:` + "\n" + `sources[0] (crm_reps).csv.timestamp_format: "%d.%m.%Y %Q" has the unknown code %Q (known: %a %A %b %B %c %d %f %g %G %H %I %j %m %M %p %S %u %U %V %w %W %x %X %y %Y %z %Z %%)`, "", nil},
		{"temp_dir under a file", func(t *testing.T, dir string) {
			edit(t, filepath.Join(dir, "leadmart.yaml"), replace("  dir: warehouse\n", "  dir: warehouse\n  temp_dir: leads.csv/tmp\n"))
		}, exitUsage, "config {dir}/leadmart.yaml: invalid configuration:\nwarehouse.temp_dir: {dir}/leads.csv/tmp cannot be created: {dir}/leads.csv is not a folder", "", nil},
		{"max_rejected that is no number", func(t *testing.T, dir string) {
			edit(t, filepath.Join(dir, "leadmart.yaml"), replace("path: reps.csv}", `path: reps.csv, max_rejected: lots}`))
		}, exitUsage, `config {dir}/leadmart.yaml: invalid configuration:` + "\n" + `sources[0] (crm_reps).max_rejected: want a share such as 1% or a count of lines such as 10, got "lots"`, "", nil},
		{"unknown severity key", func(t *testing.T, dir string) {
			edit(t, filepath.Join(dir, "leadmart.yaml"), appendLine("quality:\n  severity: {range(crm.opportunity.amout): error}\n"))
		}, exitUsage, "invalid configuration: quality.severity.range(crm.opportunity.amout): no check has this name (did you mean range(crm.opportunity.amount)?)", "", nil},
		{"negative amount as an error", func(t *testing.T, dir string) {
			edit(t, filepath.Join(dir, "opportunities.csv"), replace(",1000.00,", ",-5000.00,"))
			edit(t, filepath.Join(dir, "leadmart.yaml"), appendLine("quality:\n  severity: {range(crm.opportunity.amount): error}\n"))
		}, exitChecks, "data checks failed:\n  raw.crm__opportunity range(crm.opportunity.amount): 1 rows, e.g. amount -5000.0 is below the minimum 0 ({dir}/opportunities.csv row 1, key O01)", "", nil},
		{"file pattern that is no pattern", func(t *testing.T, dir string) {
			edit(t, filepath.Join(dir, "leadmart.yaml"), replace("path: reps.csv}", `path: "reps[.csv"}`))
		}, exitUsage, `config {dir}/leadmart.yaml: invalid configuration:` + "\n" + `sources[0] (crm_reps).path: "reps[.csv" is not a valid file pattern: syntax error in pattern`, "", nil},

		// Runs that go on, and what they set aside or say.
		{"ragged line within the limit", func(t *testing.T, dir string) {
			edit(t, filepath.Join(dir, leads), appendLine("L77,short\n"))
			edit(t, filepath.Join(dir, "leadmart.yaml"), replace("    path: leads.csv\n", "    path: leads.csv\n    max_rejected: 10%\n"))
		}, exitOK, "", "select source, line, message, text from ops.rejected_rows",
			[][]string{{"source", "line", "message", "text"}, {"crm_leads", "19", "MISSING COLUMNS: Expected Number of Columns: 14 Found: 2", "L77,short"}}},
		{"header-only file allowed", func(t *testing.T, dir string) {
			edit(t, filepath.Join(dir, "activities.csv"), func(s string) string { return strings.SplitAfter(s, "\n")[0] })
			edit(t, filepath.Join(dir, "leadmart.yaml"), replace("path: activities.csv}", "path: activities.csv, allow_empty: true}"))
		}, exitOK, "", "select source, rows from ops.batches where rows = 0",
			[][]string{{"source", "rows"}, {"crm_activities", "0"}}},
		// an open deal: a warned amount reaches the marts (and no KPI check trips on it)
		{"an amount of 1e15 is flagged", func(t *testing.T, dir string) {
			edit(t, filepath.Join(dir, "opportunities.csv"), replace(",800.00,", ",1e15,"))
		},
			exitOK, "", "select check_name, severity, record_key, detail, source_row from ops.row_issues",
			[][]string{{"check_name", "severity", "record_key", "detail", "source_row"}, {"range(crm.opportunity.amount)", "warn", "O04", "amount 1000000000000000.0 is above the maximum 1000000000000", "4"}}},
		// quarantined, the new version of O01 stays out of the marts: the
		// version landed before is the one published
		{"negative amount quarantined", func(t *testing.T, dir string) {
			edit(t, filepath.Join(dir, "opportunities.csv"), replace(",1000.00,", ",-5000.00,"))
			edit(t, filepath.Join(dir, "leadmart.yaml"), appendLine("quality:\n  severity: {range: quarantine}\n"))
		}, exitOK, "", "select check_name, record_key, detail, source_row, (select amount from pub.mart.fct_opportunity where opportunity_id = 'O01') as published from ops.quarantined_rows",
			[][]string{{"check_name", "record_key", "detail", "source_row", "published"}, {"range(crm.opportunity.amount)", "O01", "amount -5000.0 is below the minimum 0", "1", "1000"}}},
		{"orphan owner and future date are counted", func(t *testing.T, dir string) {
			edit(t, filepath.Join(dir, leads), replace(",Closed Won,R1,", ",Closed Won,R9,"))
			edit(t, filepath.Join(dir, leads), replace("no budget,2026-01-25 09:00:00", "no budget,2031-01-25 09:00:00"))
		}, exitOK, "", "select entity, orphan_rows, out_of_range_rows, future_dated_rows, quarantined_rows from pub.mart.kpi_data_quality where entity = 'lead'",
			[][]string{{"entity", "orphan_rows", "out_of_range_rows", "future_dated_rows", "quarantined_rows"}, {"lead", "1", "0", "1", "0"}}},
		{"new column is a warning", func(t *testing.T, dir string) {
			edit(t, filepath.Join(dir, "reps.csv"), func(s string) string {
				return strings.Replace(strings.ReplaceAll(s, "\n", ",0171\n"), "active_to,0171", "active_to,phone", 1)
			})
		}, exitOK, "", `stdout:WARNING: source crm_reps: {dir}/reps.csv has other columns than the previous batch ({good}/reps.csv): new columns: "phone"`, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			dir := goodWarehouse(t)
			before := published(t, dir)
			c.break_(t, dir)
			var out, errb bytes.Buffer
			code := run(context.Background(), []string{"run", "--config", filepath.Join(dir, "leadmart.yaml"), "--as-of", "2026-03-31"}, &out, &errb)
			if code != c.code {
				t.Fatalf("exit %d, want %d\nstderr: %s", code, c.code, tail(errb.String()))
			}
			if c.code != exitOK {
				msg := lastMessage(errb.String())
				want := strings.NewReplacer("{dir}", dir, "{good}", origin).Replace(c.msg)
				if !strings.HasPrefix(msg, want) {
					t.Errorf("message:\n got %s\nwant %s", msg, want)
				}
				if after := published(t, dir); !bytes.Equal(after[0], before[0]) || !bytes.Equal(after[1], before[1]) {
					t.Errorf("a failed run changed the publication")
				}
				return
			}
			if line, ok := strings.CutPrefix(c.query, "stdout:"); ok {
				if want := strings.NewReplacer("{dir}", dir, "{good}", origin).Replace(line); !strings.Contains(out.String(), want+"\n") {
					t.Errorf("the summary lacks %q:\n%s", want, out.String())
				}
				return
			}
			if c.query != "" {
				// the work database, with the publication attached as pub
				q := fmt.Sprintf("attach '%s' as pub (read_only); %s", filepath.Join(dir, "warehouse", "leadmart.duckdb"), c.query)
				whtest.Equal(t, whtest.Query(t, filepath.Join(dir, "warehouse", "work.duckdb"), q), c.want)
			}
		})
	}
}

// lastMessage is what the command printed last: "leadmart run: <message>".
func lastMessage(stderr string) string {
	i := strings.LastIndex(stderr, "leadmart run: ")
	if i < 0 {
		return tail(stderr)
	}
	return strings.TrimSpace(stderr[i+len("leadmart run: "):])
}

func tail(s string) string {
	if len(s) > 3000 {
		return "..." + s[len(s)-3000:]
	}
	return s
}
