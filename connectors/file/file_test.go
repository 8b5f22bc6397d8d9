package file

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	_ "github.com/duckdb/duckdb-go/v2"
	"github.com/xuri/excelize/v2"

	"leadmart/connectors/extract"
	"leadmart/internal/parquettest"
	"leadmart/models"
)

func conn(t *testing.T) *sql.Conn {
	t.Helper()
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	c, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.ExecContext(context.Background(), "create schema landing"); err != nil {
		t.Fatal(err)
	}
	return c
}

// copyOf copies path through src to Parquet and returns the Parquet file
// and the rejected lines.
func copyOf(t *testing.T, c *sql.Conn, src *Source, path string) (string, []Reject) {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "copy.parquet")
	read, err := src.Copy(context.Background(), c, path, dst)
	if err != nil {
		t.Fatal(err)
	}
	return dst, read.Rejects
}

func TestReadCSV(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		name    string
		content []byte
		dialect extract.Dialect
		want    string
		rejects string
	}{
		{"plain", []byte("id,name\n1, Müller \n2,x\n"), extract.Dialect{Delimiter: ",", Quote: `"`, Encoding: "utf-8"},
			"1|1| Müller ;2|2|x", ""},
		{"latin-1 semicolon", []byte("id;name\n1;M\xfcller\n"), extract.Dialect{Delimiter: ";", Quote: `"`, Encoding: "latin-1"},
			"1|1|Müller", ""},
		{"malformed line is rejected with its line number", []byte("id,name,x\n1,a,b\n2,short\n3,c,d\n"),
			extract.Dialect{Delimiter: ",", Quote: `"`, Encoding: "utf-8"}, "1|1|a;2|3|c", "3:2,short"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "_")+".csv")
			if err := os.WriteFile(p, tc.content, 0o644); err != nil {
				t.Fatal(err)
			}
			c := conn(t)
			src := New(Spec{Format: "csv"}, extract.Env{Name: "s", Dialect: tc.dialect}, p)
			copied, rej := copyOf(t, c, src, p)
			got := strings.Join(parquettest.Rows(t, copied, "concat_ws('|', file_row_number + 1, id, name)"), ";")
			if got != tc.want {
				t.Errorf("rows: got %q, want %q", got, tc.want)
			}
			var rs []string
			for _, r := range rej {
				rs = append(rs, strings.Join([]string{itoa(r.Line), r.Text}, ":"))
			}
			if strings.Join(rs, ";") != tc.rejects {
				t.Errorf("rejects: got %q, want %q", rs, tc.rejects)
			}
		})
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestReadXLSX(t *testing.T) {
	p := filepath.Join(t.TempDir(), "cost.xlsx")
	x := excelize.NewFile()
	x.SetSheetName("Sheet1", "Cost")
	for i, r := range [][]any{{"business_unit", "amount"}, {"BU_A", 12.5}, {"BU_B", nil}, {"BU_C", 3}} {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := x.SetSheetRow("Cost", cell, &r); err != nil {
			t.Fatal(err)
		}
	}
	if err := x.SaveAs(p); err != nil {
		t.Fatal(err)
	}
	c := conn(t)
	src := New(Spec{Format: "xlsx", Sheet: "Cost"}, extract.Env{Name: "s"}, p)
	copied, _ := copyOf(t, c, src, p)
	got := strings.Join(parquettest.Rows(t, copied, "concat_ws('|', file_row_number + 1, business_unit, coalesce(amount, 'NULL'))"), ";")
	if want := "1|BU_A|12.5;2|BU_B|NULL;3|BU_C|3"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestFilesNoMatch(t *testing.T) {
	_, err := New(Spec{}, extract.Env{Name: "leads"}, filepath.Join(t.TempDir(), "*.csv")).Files()
	if err == nil || !strings.Contains(err.Error(), "source leads: no file matches") {
		t.Errorf("got %v", err)
	}
}

// NDJSON is read as text: numbers, booleans and nested values keep their
// JSON text, a key the mapping expects but the file lacks is NULL, and a
// value of another type after DuckDB's sample does not fail the reader.
func TestReadNDJSON(t *testing.T) {
	p := filepath.Join(t.TempDir(), "activities.ndjson")
	var b strings.Builder
	b.WriteString(`{"activity_id": "A1", "duration_minutes": 17, "is_automated": false, "extra": {"k": [1, 2]}}` + "\n")
	for i := 2; i <= 30000; i++ { // past the 20,480 records DuckDB samples
		b.WriteString(`{"activity_id": "A` + strconv.Itoa(i) + `", "duration_minutes": 5}` + "\n")
	}
	b.WriteString(`{"activity_id": "A30001", "duration_minutes": "n/a"}` + "\n")
	if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	c := conn(t)
	ent, err := models.Lookup("crm", "activity")
	if err != nil {
		t.Fatal(err)
	}
	var fields []string
	for _, f := range ent.Fields {
		fields = append(fields, f.Name)
	}
	src := New(Spec{Format: "ndjson"}, extract.Env{Name: "s", Columns: fields}, p)
	copied, _ := copyOf(t, c, src, p)
	all := parquettest.Rows(t, copied, `concat_ws('|', file_row_number + 1, activity_id, duration_minutes,
		coalesce(is_automated, 'NULL'), coalesce(extra, 'NULL'), coalesce(rep_id, 'NULL'))`)
	if len(all) != 30001 {
		t.Fatalf("read back %d records, want 30001", len(all))
	}
	got := strings.Join([]string{all[0], all[1], all[30000]}, ";")
	want := `1|A1|17|false|{"k":[1,2]}|NULL;2|A2|5|NULL|NULL|NULL;30001|A30001|n/a|NULL|NULL|NULL`
	if got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
