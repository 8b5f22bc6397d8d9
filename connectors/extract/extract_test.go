package extract

import (
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"

	_ "github.com/duckdb/duckdb-go/v2"
)

func str(s string) *string { return &s }

// The file holds the rows in order, NULLs as NULL, and appears only when complete.
func TestWriterRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x", "e.parquet")
	w, err := Create(path, []string{"zeta", "alpha", "mid"})
	if err != nil {
		t.Fatal(err)
	}
	rows := [][]*string{{str("z1"), str("a1"), nil}, {nil, str("a2"), str("m2")}}
	for i := 0; i < 3000; i++ { // more than one batch
		rows = append(rows, []*string{str("z"), str("a"), str("m")})
	}
	for _, r := range rows {
		if err := w.Write(r); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatalf("%s exists before Close", path)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	var first, second string
	q := `select count(*),
		max(case when file_row_number = 0 then concat_ws('|', coalesce(zeta, '∅'), alpha, coalesce(mid, '∅')) end),
		max(case when file_row_number = 1 then concat_ws('|', coalesce(zeta, '∅'), alpha, coalesce(mid, '∅')) end)
		from read_parquet(?, file_row_number = true)`
	if err := db.QueryRow(q, path).Scan(&n, &first, &second); err != nil {
		t.Fatal(err)
	}
	if n != 3002 || first != "z1|a1|∅" || second != "∅|a2|m2" {
		t.Errorf("read back %d rows, first %q, second %q; want 3002, z1|a1|∅, ∅|a2|m2", n, first, second)
	}
}

func TestCreateRejectsBadColumns(t *testing.T) {
	for _, tc := range []struct {
		cols []string
		want string
	}{
		{[]string{"a", "a"}, `column "a" appears twice`},
		{[]string{"a", ""}, "a column without a name"},
		{nil, "no columns"},
	} {
		_, err := Create(filepath.Join(t.TempDir(), "e.parquet"), tc.cols)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Create(%q) = %v, want an error with %q", tc.cols, err, tc.want)
		}
	}
}

func TestLater(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want bool
	}{
		{"10", "9", true}, // numbers as numbers, not text
		{"9", "10", false},
		{"2026-02-01T00:00:00.000000Z", "2026-01-31T23:59:59.999999Z", true},
		{"2026-01-01", "", true},
		{"", "", false},
		{"a", "a", false},
	} {
		if got := Later(tc.a, tc.b); got != tc.want {
			t.Errorf("Later(%q, %q) = %v, want %v", tc.a, tc.b, got, tc.want)
		}
	}
}
