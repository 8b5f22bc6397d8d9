// Package sqldb extracts a SQL query's result from a database (PostgreSQL
// through pgx, or DuckDB) into a Parquet extract file, row by row: memory
// stays bounded by one Parquet row group whatever the result's size.
package sqldb

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"leadmart/internal/retry"

	"github.com/duckdb/duckdb-go/v2"   // the "duckdb" driver
	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver
	"github.com/jmoiron/sqlx"

	"leadmart/connectors/extract"
	"leadmart/internal/quote"
	"leadmart/internal/secret"
)

// Source is one configured sql source. Its extraction is landed as a
// Parquet extract file (extract.Staged).
type Source struct {
	extract.Staged
	name  string
	cfg   Query
	loc   *time.Location
	retry *retry.Retrier // counts and logs connection retries; nil connects once
}

// New returns the extractor of a sql source; loc is the business time zone
// that timestamps with a time zone are converted to.
func New(name string, q Query, loc *time.Location) *Source {
	return &Source{name: name, cfg: q, loc: loc}
}

// watermarkLayout writes time watermarks at a fixed width in UTC, so that
// they order as text and parse back in PostgreSQL and DuckDB alike.
const watermarkLayout = "2006-01-02T15:04:05.000000Z"

// Extract runs the query, only for rows at or past since when the source
// has a watermark, and streams the result into the Parquet file path. The
// rows at the watermark itself come again: a row written in the same
// instant after the last extraction is not lost, and staging keeps one
// version of a record; an unchanged source yields the same extract, which
// landing skips by its content.
func (s *Source) Extract(ctx context.Context, path, since string) (extract.Result, error) {
	var res extract.Result
	dsn := os.Getenv(s.cfg.DSNEnv)
	if dsn == "" {
		return res, fmt.Errorf("source %s: environment variable %s (sql.dsn_env) is not set", s.name, s.cfg.DSNEnv)
	}
	// a refused or timed-out connection is retried (a database restarting
	// for its own maintenance); a refused login or a bad DSN is not
	var db *sqlx.DB
	err := s.retry.Do(ctx, s.name, func() error {
		var err error
		db, err = sqlx.ConnectContext(ctx, s.cfg.Driver, dsn)
		if err != nil {
			err = fmt.Errorf("source %s: connect via %s: %w", s.name, s.cfg.DSNEnv, secret.Redact(err, dsn))
			if !transient(err) {
				return retry.Permanent(err)
			}
		}
		return err
	})
	if err != nil {
		return res, err
	}
	defer db.Close()
	q, args := s.cfg.Query, []any{}
	if s.cfg.Watermark != "" && since != "" {
		q = fmt.Sprintf("select * from (%s) as extract where extract.%s >= $1", strings.TrimRight(strings.TrimSpace(q), ";"), quote.Ident(s.cfg.Watermark))
		args = append(args, since)
	}
	rows, err := db.QueryxContext(ctx, q, args...)
	if err != nil {
		return res, fmt.Errorf("source %s: query: %w", s.name, secret.Redact(err, dsn))
	}
	defer rows.Close()
	types, err := rows.ColumnTypes()
	if err != nil {
		return res, fmt.Errorf("source %s: %w", s.name, err)
	}
	names := make([]string, len(types))
	wm := -1
	for i, t := range types {
		names[i] = t.Name()
		if t.Name() == s.cfg.Watermark {
			wm = i
		}
	}
	if s.cfg.Watermark != "" && wm < 0 {
		return res, fmt.Errorf("source %s: sql.watermark: the query has no column %q (columns: %s)", s.name, s.cfg.Watermark, strings.Join(names, ", "))
	}
	w, err := extract.Create(path, names)
	if err != nil {
		return res, fmt.Errorf("source %s: %w", s.name, err)
	}
	vals := make([]any, len(names))
	ptrs := make([]any, len(names))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	text := make([]*string, len(names))
	strs := make([]string, len(names))
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			w.Abort()
			return res, fmt.Errorf("source %s: row %d: %w", s.name, w.Rows()+1, err)
		}
		for i, v := range vals {
			text[i] = nil
			if v == nil {
				continue
			}
			strs[i] = s.format(v, types[i].DatabaseTypeName())
			text[i] = &strs[i]
		}
		if wm >= 0 && vals[wm] != nil {
			mark := strs[wm]
			if t, ok := vals[wm].(time.Time); ok {
				mark = t.UTC().Format(watermarkLayout)
			}
			if extract.Later(mark, res.Watermark) {
				res.Watermark = mark
			}
		}
		if err := w.Write(text); err != nil {
			w.Abort()
			return res, fmt.Errorf("source %s: %w", s.name, err)
		}
	}
	if err := rows.Err(); err != nil {
		w.Abort()
		return res, fmt.Errorf("source %s: after row %d: %w", s.name, w.Rows(), secret.Redact(err, dsn))
	}
	res.Rows = w.Rows()
	if err := w.Close(); err != nil {
		return res, fmt.Errorf("source %s: %w", s.name, err)
	}
	s.Stage(path)
	return res, nil
}

// format writes a value as the text landing parses: ISO dates and
// timestamps (with a time zone: as wall clock in the business time zone),
// plain decimal numbers, JSON for nested values.
func (s *Source) format(v any, dbType string) string {
	switch x := v.(type) {
	case string:
		return x
	case []byte:
		return string(x)
	case time.Time:
		switch strings.ToUpper(dbType) {
		case "DATE":
			return x.Format(time.DateOnly)
		case "TIMESTAMPTZ", "TIMESTAMP WITH TIME ZONE":
			x = x.In(s.loc)
		}
		return x.Format("2006-01-02 15:04:05.999999")
	case int64:
		return strconv.FormatInt(x, 10)
	case int32:
		return strconv.FormatInt(int64(x), 10)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case float32:
		return strconv.FormatFloat(float64(x), 'f', -1, 32)
	case bool:
		return strconv.FormatBool(x)
	case duckdb.Decimal:
		// at its scale, as PostgreSQL writes a numeric: 1000.50, not 1000.5
		digits := new(big.Int).Abs(x.Value).String()
		if x.Scale > 0 {
			digits = strings.Repeat("0", max(0, int(x.Scale)+1-len(digits))) + digits
			digits = digits[:len(digits)-int(x.Scale)] + "." + digits[len(digits)-int(x.Scale):]
		}
		if x.Value.Sign() < 0 {
			digits = "-" + digits
		}
		return digits
	case fmt.Stringer:
		return x.String()
	case map[string]any, []any:
		b, err := json.Marshal(x)
		if err == nil {
			return string(b)
		}
	}
	return fmt.Sprint(v)
}

// transient says whether a connection failure may pass: the server is
// unreachable, refuses connections or is starting up.
func transient(err error) bool {
	var op *net.OpError
	if errors.As(err, &op) || errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	msg := err.Error()
	return strings.Contains(msg, "connection refused") || strings.Contains(msg, "the database system is starting up") || strings.Contains(msg, "i/o timeout")
}
