// Package extract holds what every source connector shares (its Spec, the
// Env it is opened with, the Reader landing uses) and streams the records of
// a source that is not a file (a SQL
// query, a REST API) into one Parquet file, which landing then treats like
// any other extract file. Every column is text, in source order: landing
// types and checks each value exactly as it does a CSV's, and names the row
// and column of one that does not parse.
package extract

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"github.com/parquet-go/parquet-go"
)

// Result is what one extraction produced.
type Result struct {
	Rows int64
	// Watermark is the largest value of the source's watermark column seen
	// in this extraction; "" when it has none or read no row.
	Watermark string
}

// rowGroupRows bounds what the writer holds in memory: parquet-go buffers
// one row group before it writes it out.
const rowGroupRows = 64 * 1024

// batchRows is how many rows are handed to parquet-go at once.
const batchRows = 1024

// Writer writes text rows to a Parquet file. It writes to path + ".tmp" and
// renames it onto path on Close, so a path that exists is complete.
type Writer struct {
	path  string
	f     *os.File
	w     *parquet.Writer
	leaf  []int // input column position -> Parquet leaf column index
	batch []parquet.Row
	rows  int64
}

// Create starts a Parquet file with one optional text column per name.
func Create(path string, columns []string) (*Writer, error) {
	group := parquet.Group{}
	for _, c := range columns {
		if c == "" {
			return nil, fmt.Errorf("extract %s: a column without a name", filepath.Base(path))
		}
		if _, dup := group[c]; dup {
			return nil, fmt.Errorf("extract %s: column %q appears twice", filepath.Base(path), c)
		}
		group[c] = parquet.Optional(parquet.String())
	}
	if len(group) == 0 {
		return nil, fmt.Errorf("extract %s: no columns", filepath.Base(path))
	}
	schema := parquet.NewSchema("extract", group)
	// A Group orders its columns by name; rows are built in that order.
	pos := map[string]int{}
	for i, f := range schema.Fields() {
		pos[f.Name()] = i
	}
	leaf := make([]int, len(columns))
	for i, c := range columns {
		leaf[i] = pos[c]
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, err
	}
	f, err := os.Create(path + ".tmp")
	if err != nil {
		return nil, err
	}
	w := parquet.NewWriter(f, schema, parquet.Compression(&parquet.Zstd), parquet.MaxRowsPerRowGroup(rowGroupRows))
	return &Writer{path: path, f: f, w: w, leaf: leaf, batch: make([]parquet.Row, 0, batchRows)}, nil
}

// Write appends one row; vals[i] is nil for NULL. The values are copied.
func (w *Writer) Write(vals []*string) error {
	if len(vals) != len(w.leaf) {
		return fmt.Errorf("extract %s: row %d has %d values for %d columns", filepath.Base(w.path), w.rows+1, len(vals), len(w.leaf))
	}
	row := make(parquet.Row, len(vals))
	for i, v := range vals {
		c := w.leaf[i]
		if v == nil {
			row[c] = parquet.NullValue().Level(0, 0, c)
		} else {
			row[c] = parquet.ByteArrayValue([]byte(*v)).Level(0, 1, c)
		}
	}
	w.batch = append(w.batch, row)
	w.rows++
	if len(w.batch) == cap(w.batch) {
		return w.flush()
	}
	return nil
}

func (w *Writer) flush() error {
	if len(w.batch) == 0 {
		return nil
	}
	if _, err := w.w.WriteRows(w.batch); err != nil {
		return fmt.Errorf("extract %s: write rows: %w", filepath.Base(w.path), err)
	}
	w.batch = w.batch[:0]
	return nil
}

// Rows written so far.
func (w *Writer) Rows() int64 { return w.rows }

// Close finishes the file and moves it onto its path.
func (w *Writer) Close() error {
	err := w.flush()
	if err == nil {
		err = w.w.Close()
	}
	if err == nil {
		err = w.f.Sync()
	}
	if cerr := w.f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(w.path + ".tmp")
		return fmt.Errorf("extract %s: %w", filepath.Base(w.path), err)
	}
	return os.Rename(w.path+".tmp", w.path)
}

// Abort removes the unfinished file.
func (w *Writer) Abort() {
	w.f.Close()
	os.Remove(w.path + ".tmp")
}

// Later reports whether watermark value a is after b. Numbers compare as
// numbers; anything else as text, which orders ISO-8601 timestamps.
func Later(a, b string) bool {
	if b == "" {
		return a != ""
	}
	x, errA := strconv.ParseFloat(a, 64)
	y, errB := strconv.ParseFloat(b, 64)
	if errA == nil && errB == nil {
		return x > y
	}
	return a > b
}
