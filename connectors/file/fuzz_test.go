package file

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"testing"

	"leadmart/connectors/extract"
)

// The scanner splits records where encoding/csv does, on every input that
// encoding/csv reads without error: same records, same field counts, same
// physical start lines. (DuckDB reads what landing copies; the scanner
// only numbers its lines, so it must agree on where records begin.)
func FuzzScanner(f *testing.F) {
	for _, seed := range []string{
		"id,name\n1,a\n", "id,name\r\n1,\"a\r\nb\"\r\n\r\n2,c\r\n", "a,b\n\"x\"\"y\",z\n", "h\n\n\nv\n",
		"id;name\n1;\"semi;colon\"\n", "x\n\"open", "a,b\n1,2", "\ufeffid\n1\n",
	} {
		f.Add([]byte(seed), byte(','))
	}
	f.Add([]byte("id;name\n1;\"a;b\"\n"), byte(';'))
	f.Fuzz(func(t *testing.T, content []byte, delim byte) {
		if delim == '"' || delim == '\n' || delim == '\r' || delim >= 0x80 {
			return
		}
		// A carriage return without a line feed after it (old Mac line
		// ends) ends a line for the scanner, as for DuckDB; encoding/csv
		// keeps it in the value. TestPhysicalLines covers such files.
		if bytes.Contains(bytes.ReplaceAll(content, []byte("\r\n"), nil), []byte("\r")) {
			return
		}
		r := csv.NewReader(bytes.NewReader(content))
		r.Comma = rune(delim)
		r.FieldsPerRecord = -1
		type rec struct {
			line   int
			fields int
		}
		var want []rec
		for {
			fields, err := r.Read()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return // encoding/csv refuses it; DuckDB's strict mode decides
			}
			line, _ := r.FieldPos(0)
			want = append(want, rec{line, len(fields)})
		}
		s, err := newScanner(extract.Dialect{Delimiter: string(delim), Quote: `"`, Encoding: "utf-8"})
		if err != nil {
			t.Fatal(err)
		}
		var got []rec
		header := true
		err = s.walk(bytes.NewReader(content), func(x record) bool {
			got = append(got, rec{int(x.line), x.fields})
			return true
		})
		if err != nil {
			t.Fatal(err)
		}
		if s.header != nil && len(want) > 0 && header {
			want = want[1:] // walk reports the records after the header
		}
		if len(got) != len(want) {
			t.Fatalf("%q: %d records, encoding/csv %d: %v vs %v", content, len(got), len(want), got, want)
		}
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("%q: record %d at line %d with %d fields, encoding/csv: line %d with %d", content, i+1, got[i].line, got[i].fields, want[i].line, want[i].fields)
			}
		}
	})
}
