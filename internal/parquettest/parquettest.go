// Package parquettest reads Parquet files back in tests, with DuckDB.
package parquettest

import (
	"database/sql"
	"testing"

	_ "github.com/duckdb/duckdb-go/v2" // registers the "duckdb" driver
)

// Rows returns expr, a text expression over the file's columns, for each
// row of the Parquet file at path, in file order.
func Rows(t testing.TB, path, expr string) []string {
	t.Helper()
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query("select "+expr+" from read_parquet(?, file_row_number = true) order by file_row_number", path)
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
