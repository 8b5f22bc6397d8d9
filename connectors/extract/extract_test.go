package extract

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"leadmart/internal/parquettest"
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
	got := parquettest.Rows(t, path, "concat_ws('|', coalesce(zeta, '∅'), alpha, coalesce(mid, '∅'))")
	if len(got) != 3002 || got[0] != "z1|a1|∅" || got[1] != "∅|a2|m2" || got[3001] != "z|a|m" {
		t.Errorf("read back %d rows, first %q, %q, last %q; want 3002, z1|a1|∅, ∅|a2|m2, z|a|m", len(got), got[0], got[1], got[3001])
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
