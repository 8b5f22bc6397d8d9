package workdb_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"leadmart/config"
	"leadmart/workdb"
)

// Insert writes every row with its own values, however many statements it
// takes: NULLs, and text a statement must never read as SQL (quotes, a
// placeholder, a newline, non-ASCII).
func TestInsertKeepsEveryRow(t *testing.T) {
	ctx := context.Background()
	cfg, err := config.Parse([]byte("version: 1\nsources:\n  - {name: x, system: crm, entity: lead, path: a.csv}\n"), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	w, err := workdb.OpenPlain(ctx, cfg, filepath.Join(t.TempDir(), "work.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	for _, n := range []int{0, 1, 500, 1201} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			table := fmt.Sprintf("t%d", n)
			if err := w.Exec(ctx, "create table "+table+" (i bigint, s varchar)"); err != nil {
				t.Fatal(err)
			}
			var rows [][]any
			for i := range n {
				var s any = fmt.Sprint("row ", i)
				switch i % 7 {
				case 3:
					s = nil
				case 5:
					s = fmt.Sprintf("row %d'); drop table t0; -- ? \n Müller „Ø“", i)
				}
				rows = append(rows, []any{i, s})
			}
			if err := w.Insert(ctx, table, rows); err != nil {
				t.Fatal(err)
			}
			_, got, err := w.QueryAll(ctx, "select i, s from "+table+" order by i")
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != n {
				t.Fatalf("%d rows inserted, %d read back", n, len(got))
			}
			for i, r := range got {
				want := rows[i]
				if fmt.Sprint(r[0]) != fmt.Sprint(want[0]) || fmt.Sprint(r[1]) != fmt.Sprint(want[1]) {
					t.Errorf("row %d: got %v, want %v", i, r, want)
				}
			}
			var tables int
			if err := w.QueryRow(ctx, "select count(*) from duckdb_tables() where table_name = 't0'").Scan(&tables); err != nil || tables != 1 {
				t.Errorf("table t0 after the inserts: %d (%v)", tables, err)
			}
		})
	}
}
