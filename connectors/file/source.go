// Package file reads extract files (CSV, NDJSON, Parquet, XLSX) as they are
// into a Parquet copy, in file order: Parquet row i + 1 is the data row.
// CSV and NDJSON values are read as text; typing and mapping happen later,
// in landing.
package file

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/duckdb/duckdb-go/v2"
	"github.com/xuri/excelize/v2"

	"leadmart/connectors/extract"
	"leadmart/internal/quote"
)

// Reject is a line the reader could not split into the header's columns.
type Reject = extract.Reject

// Source reads the files of one configured file source.
type Source struct {
	spec Spec
	env  extract.Env
	glob string
}

var _ extract.Reader = (*Source)(nil)

// New returns the reader for a file source; glob is already resolved.
func New(spec Spec, env extract.Env, glob string) *Source {
	return &Source{spec: spec, env: env, glob: glob}
}

// Files lists the matching files, sorted, so batches land in a stable order.
func (s *Source) Files() ([]string, error) {
	files, err := filepath.Glob(s.glob)
	if err != nil {
		return nil, fmt.Errorf("source %s: bad path pattern %q: %w", s.env.Name, s.glob, err)
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("source %s: no file matches %s", s.env.Name, s.glob)
	}
	sort.Strings(files)
	return files, nil
}

// Copy writes path's rows as they are read to the Parquet file dst
// (zstd), in file order: Parquet row i + 1 is data row i + 1 of the file
// (lines it rejects excluded). One pass over the file, and no table in
// between: landing then types the rows from dst. A Parquet extract is
// copied byte for byte. A file with no rows fails unless its source
// allows empty extracts.
func (s *Source) Copy(ctx context.Context, conn *sql.Conn, path, dst string) (extract.Read, error) {
	to := func(q string) error {
		return exec(ctx, conn, fmt.Sprintf("copy (%s) to %s (format parquet, compression zstd)", q, quote.Lit(dst)))
	}
	var (
		read extract.Read
		err  error
	)
	switch s.spec.Format {
	case "csv":
		return s.copyCSV(ctx, conn, path, to)
	case "ndjson":
		if err = s.nonEmpty(path); err != nil {
			return read, err
		}
		scan, err := s.readJSON(ctx, conn, path)
		if err != nil {
			return read, err
		}
		err = to("select * from " + scan)
	case "parquet":
		err = extract.CopyFile(path, dst)
	case "xlsx":
		// the Appender needs a table; the sheets leadmart reads are small
		table := "landing.xlsx_" + strconv.FormatInt(time.Now().UnixNano(), 36)
		defer exec(context.WithoutCancel(ctx), conn, "drop table if exists "+table)
		if err := s.readXLSX(ctx, conn, path, table); err != nil {
			return read, err
		}
		// the header is line 1: data row n is line n + 1
		read.Line = func(n int64) (int64, error) { return n + 1, nil }
		err = to("select * from " + table)
	default:
		return read, fmt.Errorf("unknown format %q", s.spec.Format)
	}
	if err != nil {
		return read, err
	}
	return read, s.rowsOrAllowed(ctx, conn, path, dst)
}

// nonEmpty fails on a file of no bytes, which DuckDB reads as one column
// named column0, unless the source allows empty extracts.
func (s *Source) nonEmpty(path string) error {
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	if fi.Size() == 0 && !s.env.AllowEmpty {
		return extract.Bad("%s is empty: no rows (set allow_empty: true on the source if an empty extract is expected)", path)
	}
	return nil
}

// rowsOrAllowed fails when the copy cannot be read back (a corrupt Parquet
// extract, named as the user's file, not the copy), or holds no row and
// the source does not allow that.
func (s *Source) rowsOrAllowed(ctx context.Context, conn *sql.Conn, path, dst string) error {
	var n int64
	if err := conn.QueryRowContext(ctx, fmt.Sprintf("select count(*) from read_parquet(%s)", quote.Lit(dst))).Scan(&n); err != nil {
		msg, _, _ := strings.Cut(strings.ReplaceAll(err.Error(), dst, path), "\n")
		return extract.Bad("%s cannot be read as %s: %s", path, s.spec.Format, msg)
	}
	if n == 0 && !s.env.AllowEmpty {
		return extract.Bad("%s has no data rows (set allow_empty: true on the source if an empty extract is expected)", path)
	}
	return nil
}

// Scan is the DuckDB table function that reads path directly, without line
// numbers or rejects: the engine baseline of the benchmarks uses it. ok is
// false for formats DuckDB cannot read itself (xlsx).
func (s *Source) Scan(ctx context.Context, conn *sql.Conn, path string) (scan string, ok bool, err error) {
	d := s.env.Dialect
	switch s.spec.Format {
	case "csv":
		return fmt.Sprintf("read_csv(%s, header=true, all_varchar=true, delim=%s, quote=%s, escape=%s, encoding=%s, ignore_errors=true)",
			quote.Lit(path), quote.Lit(d.Delimiter), quote.Lit(d.Quote), quote.Lit(d.Quote), quote.Lit(d.Encoding)), true, nil
	case "ndjson":
		scan, err := s.readJSON(ctx, conn, path)
		return scan, err == nil, err
	case "parquet":
		return fmt.Sprintf("read_parquet(%s)", quote.Lit(path)), true, nil
	}
	return "", false, nil
}

// readJSON is the scan of an NDJSON file as text, like a CSV's: the keys
// of DuckDB's default sample (the first 20,480 records) and every column
// the source's mapping expects, each as VARCHAR. A value of another type
// late in the file then fails typing at landing, with its line and column,
// instead of the reader; and no second pass over the whole file infers a
// schema (sample_size=-1 made landing the activities 4 x slower).
func (s *Source) readJSON(ctx context.Context, conn *sql.Conn, path string) (string, error) {
	rows, err := conn.QueryContext(ctx, fmt.Sprintf("select * from read_json(%s, format='newline_delimited') limit 0", quote.Lit(path)))
	if err != nil {
		return "", err
	}
	keys, err := rows.Columns()
	rows.Close()
	if err != nil {
		return "", err
	}
	var cols []string
	seen := map[string]bool{}
	for _, k := range append(keys, s.env.Columns...) {
		if !seen[k] {
			seen[k] = true
			cols = append(cols, fmt.Sprintf("%s: 'VARCHAR'", quote.Lit(k)))
		}
	}
	return fmt.Sprintf("read_json(%s, format='newline_delimited', columns={%s})", quote.Lit(path), strings.Join(cols, ", ")), nil
}

func (s *Source) copyCSV(ctx context.Context, conn *sql.Conn, path string, to func(q string) error) (extract.Read, error) {
	d := s.env.Dialect
	var read extract.Read
	layout, err := inspect(path, d, s.env.AllowEmpty)
	if err != nil {
		return read, err
	}
	if layout.header == nil {
		read.Empty = true
		return read, nil
	}
	id := strconv.FormatInt(time.Now().UnixNano(), 36)
	rejScans, rejErrs := "rejects_"+id+"_scans", "rejects_"+id+"_errors"
	// Every value is read as text: the configured dialect, not DuckDB's
	// sniffer, decides how numbers and dates are parsed. Rows with the wrong
	// number of fields are set aside with their line number instead of
	// failing the whole file. A line longer than DuckDB's default limit
	// (2 MB) is read whole: the scan measured the longest.
	q := fmt.Sprintf(`select * from read_csv(%s,
		header=true, all_varchar=true, delim=%s, quote=%s, escape=%s, encoding=%s, strict_mode=true,
		ignore_errors=true, store_rejects=true, rejects_scan=%s, rejects_table=%s, null_padding=false,
		max_line_size=%d)`,
		quote.Lit(path), quote.Lit(d.Delimiter), quote.Lit(d.Quote), quote.Lit(d.Quote), quote.Lit(d.Encoding),
		quote.Lit(rejScans), quote.Lit(rejErrs), max(2<<20, layout.maxRecord+1024))
	if err := to(q); err != nil {
		return read, err
	}
	defer func() {
		for _, t := range []string{rejScans, rejErrs} {
			exec(context.WithoutCancel(ctx), conn, "drop table if exists "+t)
		}
	}()
	// DuckDB numbers lines without the line ends inside quoted values; the
	// scan turns its numbers into physical lines.
	rows, err := conn.QueryContext(ctx, fmt.Sprintf(
		`select line, arg_min(error_type, column_idx), arg_min(error_type || ': ' || error_message, column_idx),
			coalesce(any_value(csv_line), ''), arg_min(coalesce(column_name, ''), column_idx)
		from %s group by line order by line`, rejErrs))
	if err != nil {
		return read, fmt.Errorf("read rejects: %w", err)
	}
	defer rows.Close()
	type found struct {
		offset       int64
		kind, column string
		r            Reject
	}
	var all []found
	offsets := map[int64]bool{}
	for rows.Next() {
		var f found
		if err := rows.Scan(&f.offset, &f.kind, &f.r.Message, &f.r.Text, &f.column); err != nil {
			return read, err
		}
		all = append(all, f)
		offsets[f.offset] = true
	}
	if err := rows.Err(); err != nil {
		return read, err
	}
	lines, err := linesAt(path, d, offsets)
	if err != nil {
		return read, err
	}
	for _, f := range all {
		f.r.Line = lines[f.offset]
		// DuckDB starts the text with the blank lines before it
		f.r.Text = extract.Shown(strings.Trim(f.r.Text, "\r\n"))
		if f.kind == "INVALID ENCODING" || f.kind == "INVALID UNICODE" {
			return read, extract.Bad("%s line %d, column %q: bytes that are not %s", path, f.r.Line, f.column, d.Encoding)
		}
		read.Rejects = append(read.Rejects, f.r)
	}
	read.Line = lineFinder(path, d, offsets)
	return read, nil
}

// readXLSX streams the sheet's rows into the table through the Appender:
// DuckDB has no Excel reader in its core, and excelize is the maintained one.
func (s *Source) readXLSX(ctx context.Context, conn *sql.Conn, path, table string) error {
	x, err := excelize.OpenFile(path)
	if err != nil {
		return err
	}
	defer x.Close()
	sheet := s.spec.Sheet
	if sheet == "" {
		sheet = x.GetSheetName(0)
	}
	rows, err := x.Rows(sheet)
	if err != nil {
		return fmt.Errorf("sheet %q: %w", sheet, err)
	}
	defer rows.Close()
	if !rows.Next() {
		return fmt.Errorf("sheet %q is empty: no header row", sheet)
	}
	header, err := rows.Columns()
	if err != nil {
		return err
	}
	for len(header) > 0 && strings.TrimSpace(header[len(header)-1]) == "" {
		header = header[:len(header)-1]
	}
	var cols []string
	for _, h := range header {
		cols = append(cols, quote.Ident(strings.TrimSpace(h))+" VARCHAR")
	}
	if err := exec(ctx, conn, fmt.Sprintf("create table %s (%s)", table, strings.Join(cols, ", "))); err != nil {
		return err
	}
	schema, name, _ := strings.Cut(table, ".")
	return conn.Raw(func(dc any) error {
		app, err := duckdb.NewAppenderFromConn(dc.(driver.Conn), schema, name)
		if err != nil {
			return err
		}
		n := int64(0)
		vals := make([]driver.Value, len(header))
		for rows.Next() {
			cells, err := rows.Columns()
			if err != nil {
				app.Close()
				return err
			}
			n++
			for i := range header {
				vals[i] = nil
				if i < len(cells) && cells[i] != "" {
					vals[i] = cells[i]
				}
			}
			if err := app.AppendRow(vals...); err != nil {
				app.Close()
				return fmt.Errorf("row %d: %w", n+1, err)
			}
		}
		return app.Close()
	})
}

func exec(ctx context.Context, conn *sql.Conn, q string) error {
	_, err := conn.ExecContext(ctx, q)
	return err
}
