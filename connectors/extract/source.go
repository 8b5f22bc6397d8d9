package extract

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"time"

	"leadmart/internal/retry"
)

// Spec is one source kind's own configuration: the keys of a source in the
// YAML besides the ones every source has (name, system, entity, columns,
// values, ...). Each kind declares it beside its code, with its defaults
// and validation, and the registry in package connectors names it.
type Spec interface {
	// Defaults fills in what the configuration left out.
	Defaults()
	// Validate lists every problem as "key: message", the key relative to
	// the source (e.g. "sql.query: required").
	Validate() []string
	// Open returns the source's reader. A kind that extracts first (a SQL
	// query, a REST API) returns one that also has an Extract method.
	Open(src Env) (Reader, error)
}

// Env is what a connector is told about its source besides its spec.
type Env struct {
	// Name of the source, for messages.
	Name string
	// Columns are the source columns its entity's fields are taken from.
	Columns []string
	// Dialect of text values (CSV files; the text of every kind when typed).
	Dialect Dialect
	// Location is the business time zone.
	Location *time.Location
	// Resolve makes a config-relative path usable from the working directory.
	Resolve func(string) string
	// AllowEmpty: a file with no rows, or no bytes, is a valid extract.
	AllowEmpty bool
	// Retry runs what may fail transiently (a request, a connection),
	// counting and logging its retries; nil runs it once.
	Retry *retry.Retrier
}

// Dialect describes how a CSV file, and text values in general, are written.
type Dialect struct {
	// Delimiter between fields. Default ",".
	Delimiter string `yaml:"delimiter"`
	// Quote character. Default `"`.
	Quote string `yaml:"quote"`
	// Encoding: utf-8 or latin-1. Default utf-8.
	Encoding string `yaml:"encoding"`
	// DecimalComma: numbers are written 1.234,56. Default false.
	DecimalComma bool `yaml:"decimal_comma"`
	// DateFormat in strptime notation. Default "%Y-%m-%d".
	DateFormat string `yaml:"date_format"`
	// TimestampFormat in strptime notation. Default: ISO 8601.
	TimestampFormat string `yaml:"timestamp_format"`
}

// Reader is what landing needs from every connector.
type Reader interface {
	// Files lists the extract files to land, in a stable order.
	Files() ([]string, error)
	// Copy writes one file's rows as read to a Parquet file, in file order:
	// Parquet row i + 1 is the data row. A file that cannot be read as
	// configured fails with ErrBadInput, naming its physical line.
	Copy(ctx context.Context, conn *sql.Conn, path, dst string) (Read, error)
}

// Read is what copying one file learned besides its rows.
type Read struct {
	// Rejects are the lines that could not be split into the header's
	// columns, by physical line.
	Rejects []Reject
	// Line is the physical line (1-based, header included) where data row
	// n (1-based, rejected lines excluded) starts; nil when the row number
	// is the line (a Parquet extract).
	Line func(dataRow int64) (int64, error)
	// Empty: the file has no header at all and its source allows that; no
	// Parquet copy was written.
	Empty bool
}

// LineOf is the physical line of data row n, or n itself when r has no
// line map.
func (r Read) LineOf(n int64) (int64, error) {
	if r.Line == nil {
		return n, nil
	}
	return r.Line(n)
}

// Reject is a line the reader could not split into the header's columns.
type Reject struct {
	Line    int64  // line number in the file, 1-based, header included
	Message string // what was wrong
	Text    string // the line as read
}

// Staged is the reader half of an extracting connector: the one Parquet
// file its last extraction wrote, landed like a Parquet extract file.
type Staged struct{ path string }

// Stage records the file an extraction wrote.
func (s *Staged) Stage(path string) { s.path = path }

// Files is the extracted file.
func (s *Staged) Files() ([]string, error) {
	if s.path == "" {
		return nil, errors.New("nothing was extracted")
	}
	return []string{s.path}, nil
}

// Copy copies the Parquet extract byte for byte.
func (s *Staged) Copy(_ context.Context, _ *sql.Conn, path, dst string) (Read, error) {
	return Read{}, CopyFile(path, dst)
}

// CopyFile copies src to dst.
func CopyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// CheckHTTPURL is the problem with a required http(s) URL under key, or ""
// when it is one: the kinds that fetch over HTTP share the rule.
func CheckHTTPURL(key, raw string) string {
	if u, err := url.Parse(raw); raw == "" || err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return fmt.Sprintf("%s: required, an http or https URL, got %q", key, raw)
	}
	return ""
}
