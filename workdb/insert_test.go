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
// takes, NULLs included.
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
				if i%7 == 3 {
					s = nil
				}
				rows = append(rows, []any{i, s})
			}
			if err := w.Insert(ctx, table, rows); err != nil {
				t.Fatal(err)
			}
			var count, sum, nulls, ordered int64
			q := "select count(*), coalesce(sum(i), 0), count(*) - count(s), count(*) filter (where s = 'row ' || i) from " + table
			if err := w.QueryRow(ctx, q).Scan(&count, &sum, &nulls, &ordered); err != nil {
				t.Fatal(err)
			}
			wantNulls := int64(0)
			for i := range n {
				if i%7 == 3 {
					wantNulls++
				}
			}
			if count != int64(n) || sum != int64(n*(n-1)/2) || nulls != wantNulls || ordered != int64(n)-wantNulls {
				t.Errorf("%d rows inserted: count %d, sum %d, nulls %d, matching %d", n, count, sum, nulls, ordered)
			}
		})
	}
}
