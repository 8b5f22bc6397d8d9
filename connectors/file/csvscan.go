package file

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"leadmart/connectors/extract"
)

// record is one CSV record as the scanner found it in the file's bytes.
type record struct {
	offset int64 // byte offset of its first byte
	line   int64 // physical line it starts on, 1-based
	// dline is its line as DuckDB numbers lines: without the line ends
	// inside quoted values (its rejects give this number)
	dline  int64
	fields int   // number of fields
	bytes  int64 // length in bytes, line end excluded
}

// scanner walks a CSV file's records the way DuckDB splits them: a quote
// opens only at the start of a field, a doubled quote inside quotes is
// one quote, and a line end inside quotes belongs to the value. Blank lines
// are not records (DuckDB skips them). It counts physical lines, which
// DuckDB does not report once a value holds a line end.
type scanner struct {
	delim, quote byte
	utf8         bool // the source declares UTF-8: invalid bytes are an error
	header       []string

	// what a full scan found, for inspect
	firstMultibyte *position // the first non-ASCII character that is valid UTF-8
	invalidUTF8    *position // the first byte that is not valid UTF-8
	maxRecord      int64
	records        int64 // data records (the header excluded)
	endsWithLine   bool  // the last byte is a line end
	openQuote      *position
	last           record
}

// position is a place in the file, with the field's text up to there.
type position struct {
	line  int64
	field int
	text  string
}

func newScanner(d extract.Dialect) (*scanner, error) {
	if len(d.Delimiter) != 1 || len(d.Quote) != 1 {
		return nil, fmt.Errorf("delimiter and quote must be one byte each, got %q and %q", d.Delimiter, d.Quote)
	}
	return &scanner{delim: d.Delimiter[0], quote: d.Quote[0], utf8: d.Encoding == "utf-8"}, nil
}

// walk reads r to its end and calls fn with every record after the header;
// fn returns false to stop early.
func (s *scanner) walk(r io.Reader, fn func(record) bool) error {
	br := bufio.NewReaderSize(r, 1<<20)
	var (
		off, line, dline int64 = 0, 1, 1
		inQuote, closing bool  // closing: a quote inside quotes, which a second quote would escape
		atFieldStart     = true
		rec              = record{offset: 0, line: 1, dline: 1, fields: 1}
		empty            = true // no byte of the record yet (a blank line so far)
		field            []byte // the current field's bytes, kept short, for messages
		need             int    // UTF-8 continuation bytes still expected
		headerDone       bool
		headerFields     []string
		quoteLine        int64
		capture          bool // the field holds the first non-ASCII character: keep its text
		cr               bool // the byte before was a carriage return
	)
	endField := func() {
		if capture {
			s.firstMultibyte.text = string(field)
			capture = false
		}
	}
	endRecord := func(end int64) bool {
		rec.bytes = end - rec.offset
		if empty {
			return true
		}
		if !headerDone {
			headerDone = true
			s.header = append(headerFields, unquote(string(field), s.quote))
			return true
		}
		s.records++
		s.maxRecord = max(s.maxRecord, rec.bytes)
		s.last = rec
		return fn(rec)
	}
	// newline ends the line whose end is at byte at: inside a quoted value
	// it is part of the value; otherwise it ends the record.
	newline := func(at int64) bool {
		if inQuote {
			line++
			return true
		}
		endField()
		if !endRecord(at) {
			return false
		}
		line++
		dline++
		rec = record{offset: at + 1, line: line, dline: dline, fields: 1}
		empty, atFieldStart, field = true, true, field[:0]
		if !headerDone {
			headerFields = headerFields[:0]
		}
		return true
	}
	for {
		b, err := br.ReadByte()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		pos := off
		off++
		// UTF-8, checked byte by byte so that a character split across
		// reads is still one character.
		if need > 0 {
			if b&0xC0 != 0x80 {
				s.markInvalid(line, rec.fields, field)
				need = 0
			} else {
				need--
			}
		} else if b >= 0x80 {
			switch {
			case b&0xE0 == 0xC0 && b >= 0xC2:
				need = 1
			case b&0xF0 == 0xE0:
				need = 2
			case b&0xF8 == 0xF0 && b <= 0xF4:
				need = 3
			default:
				s.markInvalid(line, rec.fields, field)
			}
			if need > 0 && s.firstMultibyte == nil {
				s.firstMultibyte = &position{line: line, field: rec.fields - 1}
				capture = true
			}
		}
		// A carriage return ends a line by itself unless a line feed follows
		// (Excel's "CSV (Macintosh)" ends lines with CR alone; DuckDB reads them).
		if cr {
			cr = false
			if b != '\n' && !newline(pos-1) {
				return nil
			}
		}
		if closing {
			closing = false
			if b == s.quote {
				field = keep(field, b)
				empty = false
				continue
			}
			inQuote = false
		}
		if b == '\r' {
			cr = true
			continue
		}
		if inQuote {
			if b == s.quote {
				closing = true
				continue
			}
			if b == '\n' {
				line++
			}
			field = keep(field, b)
			continue
		}
		switch {
		case b == '\n':
			if !newline(pos) {
				return nil
			}
			continue
		case b == s.delim:
			endField()
			if !headerDone {
				headerFields = append(headerFields, unquote(string(field), s.quote))
			}
			rec.fields++
			atFieldStart, field, empty = true, field[:0], false
			continue
		case b == s.quote && atFieldStart:
			inQuote, quoteLine = true, line
		default:
			field = keep(field, b)
		}
		atFieldStart, empty = false, false
	}
	if cr && !newline(off-1) {
		return nil
	}
	if inQuote && !closing {
		s.openQuote = &position{line: quoteLine, field: rec.fields - 1}
	}
	endField()
	s.endsWithLine = empty
	if !empty {
		endRecord(off)
	}
	return nil
}

// keep appends b to a field's bytes, up to what a message shows.
func keep(field []byte, b byte) []byte {
	if len(field) < 4*extract.MaxShown {
		return append(field, b)
	}
	return field
}

func (s *scanner) markInvalid(line int64, fields int, field []byte) {
	if s.invalidUTF8 == nil {
		s.invalidUTF8 = &position{line: line, field: fields - 1, text: string(field)}
	}
}

// unquote is a header name as DuckDB reads it.
func unquote(v string, q byte) string {
	v = strings.TrimPrefix(v, "\uFEFF") // a byte-order mark before the first name
	return strings.TrimSpace(strings.Trim(strings.TrimSpace(v), string(q)))
}

// column names field i of the header for messages.
func (s *scanner) column(i int) string {
	if i >= 0 && i < len(s.header) {
		return fmt.Sprintf("column %q", s.header[i])
	}
	return fmt.Sprintf("column %d", i+1)
}

// inspect reads a CSV file once and fails on what DuckDB would read
// silently wrong or not at all: no header, a header without rows (unless
// allowEmpty), bytes that are not in the declared encoding, a UTF-8 file
// declared Latin-1, and a last line cut off.
func inspect(path string, d extract.Dialect, allowEmpty bool) (*scanner, error) {
	s, err := walkFile(path, d, func(record) bool { return true })
	if err != nil {
		return nil, err
	}
	bad := func(line int64, format string, a ...any) error {
		return extract.Bad("%s line %d, %s", path, line, fmt.Sprintf(format, a...))
	}
	switch {
	case s.header == nil && allowEmpty:
		return s, nil
	case s.header == nil:
		return nil, extract.Bad("%s is empty: no header line, no rows (set allow_empty: true on the source if an empty extract is expected)", path)
	case s.utf8 && s.invalidUTF8 != nil:
		p := s.invalidUTF8
		return nil, bad(p.line, "%s: bytes that are not UTF-8 after %q; the source declares csv.encoding utf-8 (is the file latin-1?)", s.column(p.field), extract.Shown(p.text))
	case !s.utf8 && s.invalidUTF8 == nil && s.firstMultibyte != nil:
		p := s.firstMultibyte
		return nil, bad(p.line, "%s: the file is UTF-8 (%q), but the source declares csv.encoding %s, which would read it as %q; set csv.encoding: utf-8",
			s.column(p.field), extract.Shown(p.text), d.Encoding, extract.Shown(asLatin1(p.text)))
	case s.openQuote != nil:
		return nil, bad(s.openQuote.line, "%s: a quoted value opened here is never closed: the file looks cut off", s.column(s.openQuote.field))
	case !s.endsWithLine && s.records > 0 && s.last.fields < len(s.header):
		return nil, bad(s.last.line, "the last line has %d of %d columns and no line end: the file looks cut off", s.last.fields, len(s.header))
	case s.records == 0 && !allowEmpty:
		return nil, extract.Bad("%s has a header but no data rows (set allow_empty: true on the source if an empty extract is expected)", path)
	}
	return s, nil
}

// asLatin1 is what reading UTF-8 text as Latin-1 makes of it.
func asLatin1(v string) string {
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		b.WriteRune(rune(v[i]))
	}
	return b.String()
}

// walkFile scans the file at path with a new scanner, calling fn with
// every record after the header until fn returns false.
func walkFile(path string, d extract.Dialect, fn func(record) bool) (*scanner, error) {
	s, err := newScanner(d)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if err := s.walk(f, fn); err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return s, nil
}

// lineFinder maps data rows to physical lines with one more pass over the
// file: rejected records (by DuckDB's line number) are not data rows.
func lineFinder(path string, d extract.Dialect, rejected map[int64]bool) func(int64) (int64, error) {
	return func(dataRow int64) (int64, error) {
		var n, found int64
		_, err := walkFile(path, d, func(r record) bool {
			if rejected[r.dline] {
				return true
			}
			n++
			if n == dataRow {
				found = r.line
				return false
			}
			return true
		})
		if err == nil && found == 0 {
			err = fmt.Errorf("%s has no data row %d", path, dataRow)
		}
		return found, err
	}
}

// linesAt maps DuckDB's line numbers of records (its rejects) to their
// physical lines.
func linesAt(path string, d extract.Dialect, dlines map[int64]bool) (map[int64]int64, error) {
	out := map[int64]int64{}
	if len(dlines) == 0 {
		return out, nil
	}
	_, err := walkFile(path, d, func(r record) bool {
		if dlines[r.dline] {
			out[r.dline] = r.line
		}
		return len(out) < len(dlines)
	})
	return out, err
}
