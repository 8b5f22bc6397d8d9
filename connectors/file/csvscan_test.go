package file

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"leadmart/connectors/extract"
)

var utf8Comma = extract.Dialect{Delimiter: ",", Quote: `"`, Encoding: "utf-8"}

// inspect refuses what DuckDB would read silently wrong, naming the
// physical line and the column.
func TestInspect(t *testing.T) {
	latin1 := utf8Comma
	latin1.Encoding = "latin-1"
	cases := []struct {
		name, content string
		dialect       extract.Dialect
		allowEmpty    bool
		want          string // the error after the path; "" for none
	}{
		{"plain", "id,name\n1,a\n", utf8Comma, false, ""},
		{"no line end after a whole last line", "id,name\n1,a", utf8Comma, false, ""},
		{"empty", "", utf8Comma, false, " is empty: no header line, no rows (set allow_empty: true on the source if an empty extract is expected)"},
		{"empty allowed", "", utf8Comma, true, ""},
		{"header only", "id,name\n", utf8Comma, false, " has a header but no data rows (set allow_empty: true on the source if an empty extract is expected)"},
		{"header only allowed", "id,name\n", utf8Comma, true, ""},
		{"latin-1 bytes in utf-8", "id,name\n1,a\n2,M\xfcller\n", utf8Comma, false,
			` line 3, column "name": bytes that are not UTF-8 after "M"; the source declares csv.encoding utf-8 (is the file latin-1?)`},
		{"latin-1 bytes after a quoted line end", "id,name\n1,\"a\nb\"\n2,M\xfcller\n", utf8Comma, false,
			` line 4, column "name": bytes that are not UTF-8 after "M"; the source declares csv.encoding utf-8 (is the file latin-1?)`},
		{"utf-8 declared latin-1", "id,name\n1,Müller\n", latin1, false,
			` line 2, column "name": the file is UTF-8 ("Müller"), but the source declares csv.encoding latin-1, which would read it as "MÃ¼ller"; set csv.encoding: utf-8`},
		{"latin-1 declared latin-1", "id,name\n1,M\xfcller\n", latin1, false, ""},
		{"cut in a quoted value", "id,name\n1,a\n2,\"an unfinished\nval", utf8Comma, false,
			` line 3, column "name": a quoted value opened here is never closed: the file looks cut off`},
		{"cut mid-line", "id,name,amount\n1,a,5\n2,b", utf8Comma, false,
			" line 3, the last line has 2 of 3 columns and no line end: the file looks cut off"},
		{"CRLF and blank lines", "id,name\r\n\r\n1,a\r\n\r\n", utf8Comma, false, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "x.csv")
			if err := os.WriteFile(p, []byte(c.content), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := inspect(p, c.dialect, c.allowEmpty)
			switch {
			case c.want == "" && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case c.want != "" && err == nil:
				t.Fatalf("no error, want %q", c.want)
			case c.want != "":
				if got := strings.TrimPrefix(err.Error(), p); got != c.want {
					t.Errorf("got  %q\nwant %q", got, c.want)
				}
				if !errors.Is(err, extract.ErrBadInput) {
					t.Errorf("%v is not ErrBadInput", err)
				}
			}
		})
	}
}

// Rejected lines and data rows are numbered by physical line: after a
// quoted value with line ends, blank lines and CRLF line ends.
func TestPhysicalLines(t *testing.T) {
	content := "id,name,d\r\n" + // line 1
		"1,\"two\r\nlines\",x\r\n" + // lines 2-3: data row 1
		"\r\n" + // line 4: blank
		"2,short\r\n" + // line 5: rejected
		"3,\"q\"\"uote\",y\r\n" + // line 6: data row 2
		"4,\"a\r\nb\r\nc\",z\r\n" + // lines 7-9: data row 3
		"5,e,w\r\n" // line 10: data row 4
	p := filepath.Join(t.TempDir(), "x.csv")
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	src := New(Spec{Format: "csv"}, extract.Env{Name: "s", Dialect: utf8Comma}, p)
	read, err := src.Copy(context.Background(), conn(t), p, filepath.Join(t.TempDir(), "c.parquet"))
	if err != nil {
		t.Fatal(err)
	}
	if len(read.Rejects) != 1 || read.Rejects[0].Line != 5 || read.Rejects[0].Text != "2,short" {
		t.Fatalf("rejects: got %+v, want line 5 \"2,short\"", read.Rejects)
	}
	for row, want := range map[int64]int64{1: 2, 2: 6, 3: 7, 4: 10} {
		got, err := read.LineOf(row)
		if err != nil || got != want {
			t.Errorf("data row %d: got line %d (%v), want %d", row, got, err, want)
		}
	}
}

// A value longer than DuckDB's 2 MB line limit is read whole, and a
// message quotes 200 characters of it.
func TestLongValue(t *testing.T) {
	long := strings.Repeat("x", 3<<20)
	p := filepath.Join(t.TempDir(), "x.csv")
	if err := os.WriteFile(p, []byte("id,note\n1,"+long+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	src := New(Spec{Format: "csv"}, extract.Env{Name: "s", Dialect: utf8Comma}, p)
	dst := filepath.Join(t.TempDir(), "c.parquet")
	if _, err := src.Copy(context.Background(), conn(t), p, dst); err != nil {
		t.Fatal(err)
	}
	if got := extract.Shown(long); got != strings.Repeat("x", 200)+"... (3145728 characters)" {
		t.Errorf("shown: %q", got[len(got)-40:])
	}
}

// A file with carriage returns alone as line ends (Excel's "CSV
// (Macintosh)"): DuckDB reads it, and the scan numbers its lines.
func TestMacLineEnds(t *testing.T) {
	p := filepath.Join(t.TempDir(), "x.csv")
	content := "id,name,d\r1,a,x\r2,short\r3,\"b\rc\",y\r4,e,z\r"
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	src := New(Spec{Format: "csv"}, extract.Env{Name: "s", Dialect: utf8Comma}, p)
	read, err := src.Copy(context.Background(), conn(t), p, filepath.Join(t.TempDir(), "c.parquet"))
	if err != nil {
		t.Fatal(err)
	}
	if len(read.Rejects) != 1 || read.Rejects[0].Line != 3 {
		t.Fatalf("rejects: got %+v, want line 3", read.Rejects)
	}
	for row, want := range map[int64]int64{1: 2, 2: 4, 3: 6} {
		if got, err := read.LineOf(row); err != nil || got != want {
			t.Errorf("data row %d: got line %d (%v), want %d", row, got, err, want)
		}
	}
}
