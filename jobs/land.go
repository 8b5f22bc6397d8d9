package jobs

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"leadmart/config"
	"leadmart/connectors/extract"
	"leadmart/connectors/file"
	"leadmart/connectors/rest"
	"leadmart/connectors/sqldb"
	"leadmart/models"
)

// Reader is what landing needs from a source connector.
type Reader interface {
	// Files lists the extract files to land, in a stable order.
	Files() ([]string, error)
	// Copy writes one file's rows as read to a Parquet file, in file order:
	// Parquet row i + 1 is the data row. It returns the lines it rejected.
	Copy(ctx context.Context, conn *sql.Conn, path, dst string) ([]file.Reject, error)
	// HeaderLines precede the first data row (for line numbers in errors).
	HeaderLines() int64
}

var _ Reader = (*file.Source)(nil)

// newReader is the registry of connectors: one line per connector kind.
func newReader(cfg *config.Config, s config.Source) (Reader, error) {
	switch s.Connector {
	case "file":
		return file.New(s, cfg.Resolve(s.Path)), nil
	}
	return nil, fmt.Errorf("source %s: unknown connector %q", s.Name, s.Connector)
}

// Extractor is what landing needs from a source that is not files (a SQL
// query, a REST API): the records past a watermark, written to one Parquet
// extract file that then lands like any other.
type Extractor interface {
	Extract(ctx context.Context, path, since string) (extract.Result, error)
}

var (
	_ Extractor = (*sqldb.Source)(nil)
	_ Extractor = (*rest.Source)(nil)
)

// newExtractor is the registry of extracting connectors; nil for file sources.
func newExtractor(cfg *config.Config, s config.Source) Extractor {
	switch s.Connector {
	case "sql":
		return sqldb.New(s, cfg.Location())
	case "rest":
		return rest.New(s, s.SourceColumns())
	}
	return nil
}

// ExtractDir holds the extract files of sql and rest sources until they
// have landed, relative to the warehouse.
const ExtractDir = "extract"

// extractSource runs a source's extraction past its last watermark. The
// file is removed once landed; a failed landing leaves it for inspection.
func extractSource(ctx context.Context, w *Warehouse, s config.Source, ex Extractor, runID string) (string, extract.Result, error) {
	var since sql.NullString
	err := w.conn.QueryRowContext(ctx, "select watermark from ops.watermarks where source = ?", s.Name).Scan(&since)
	if err != nil && err != sql.ErrNoRows {
		return "", extract.Result{}, fmt.Errorf("read watermark of %s: %w", s.Name, err)
	}
	path := filepath.Join(w.Dir, ExtractDir, s.Name, runID+".parquet")
	res, err := ex.Extract(ctx, path, since.String)
	if err != nil {
		return "", res, fmt.Errorf("%w: %v", ErrBadInput, err)
	}
	return path, res, nil
}

// LandStats counts what landing did in one run.
type LandStats struct {
	Files, Skipped, Rows, Rejected int64
}

// Land reads every configured source. Each new file (by content hash) is
// written once to raw Parquet and appended to its raw table with lineage;
// a file landed before is skipped.
func Land(ctx context.Context, w *Warehouse, cfg *config.Config, runID string, loadedAt time.Time, log zerolog.Logger) (LandStats, error) {
	var st LandStats
	for _, s := range cfg.Sources {
		var (
			r         Reader
			files     []string
			err       error
			extracted string // the extract file of a sql or rest source
			ext       extract.Result
		)
		if ex := newExtractor(cfg, s); ex != nil {
			start := time.Now()
			if extracted, ext, err = extractSource(ctx, w, s, ex, runID); err != nil {
				return st, err
			}
			log.Info().Str("source", s.Name).Int64("rows", ext.Rows).Str("watermark", ext.Watermark).
				Int64("duration_ms", time.Since(start).Milliseconds()).Msg("extracted")
			r, files = file.New(s, extracted), []string{extracted}
		} else {
			if r, err = newReader(cfg, s); err != nil {
				return st, err
			}
			if files, err = r.Files(); err != nil {
				return st, fmt.Errorf("%w: %v", ErrBadInput, err)
			}
		}
		for _, f := range files {
			start := time.Now()
			b, err := landFile(ctx, w, cfg, s, r, f, runID, loadedAt)
			if err != nil {
				return st, err
			}
			if b.skipped {
				st.Skipped++
				log.Debug().Str("source", s.Name).Str("file", f).Msg("unchanged, skipped")
				continue
			}
			st.Files++
			st.Rows += b.rows
			st.Rejected += b.rejected
			log.Info().Str("source", s.Name).Str("file", f).Str("batch_id", b.id).Int64("rows", b.rows).
				Int64("rejected", b.rejected).Int64("duration_ms", time.Since(start).Milliseconds()).Msg("landed")
		}
		if extracted != "" {
			if err := advanceWatermark(ctx, w, s.Name, ext.Watermark, runID); err != nil {
				return st, err
			}
			os.Remove(extracted)
		}
	}
	return st, nil
}

// advanceWatermark records the largest watermark landed, once the rows up
// to it are in the raw table: a run that fails before extracts them again.
func advanceWatermark(ctx context.Context, w *Warehouse, source, mark, runID string) error {
	if mark == "" {
		return nil
	}
	tx, err := w.conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, "delete from ops.watermarks where source = ?", source); err != nil {
		return fmt.Errorf("record watermark of %s: %w", source, err)
	}
	if _, err := tx.ExecContext(ctx, "insert into ops.watermarks values (?, ?, ?, ?)", source, mark, runID, time.Now().UTC()); err != nil {
		return fmt.Errorf("record watermark of %s: %w", source, err)
	}
	return tx.Commit()
}

type batch struct {
	id             string
	rows, rejected int64
	skipped        bool
}

func landFile(ctx context.Context, w *Warehouse, cfg *config.Config, s config.Source, r Reader, path, runID string, loadedAt time.Time) (batch, error) {
	ent, err := models.Lookup(s.System, s.Entity)
	if err != nil {
		return batch{}, err
	}
	hash, err := fileHash(path)
	if err != nil {
		return batch{}, fmt.Errorf("%w: source %s: %v", ErrBadInput, s.Name, err)
	}
	var seen int
	if err := w.conn.QueryRowContext(ctx, "select count(*) from ops.batches where source = ? and content_hash = ?", s.Name, hash).Scan(&seen); err != nil {
		return batch{}, err
	}
	if seen > 0 {
		return batch{skipped: true}, nil
	}
	// The batch id follows from source and content: landing the same file
	// again after a failed run rewrites the same raw Parquet file.
	sum := sha256.Sum256([]byte(s.Name + "\x00" + hash))
	b := batch{id: hex.EncodeToString(sum[:8])}
	// Raw Parquet: the file's content as read, before any typing or mapping,
	// written in one pass over the file; the typed insert reads it back.
	loadDate := loadedAt.In(cfg.Location()).Format(time.DateOnly)
	rel := filepath.Join("raw", s.System, s.Entity, "load_date="+loadDate, b.id+".parquet")
	dst := filepath.Join(w.Dir, rel)
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return b, err
	}
	defer os.Remove(dst + ".tmp") // gone once renamed
	rejects, err := r.Copy(ctx, w.conn, path, dst+".tmp")
	if err != nil {
		return b, fmt.Errorf("%w: source %s: read %s: %v", ErrBadInput, s.Name, path, err)
	}
	header, err := scanColumns(ctx, w, fmt.Sprintf("read_parquet(%s)", quote(dst+".tmp")))
	if err != nil {
		return b, fmt.Errorf("read raw parquet %s: %w", rel, err)
	}
	exprs, err := typedColumns(ent, s, header, path)
	if err != nil {
		return b, err
	}
	if err := os.Rename(dst+".tmp", dst); err != nil {
		return b, err
	}
	// Parquet keeps the file's row order: file_row_number + 1 is the data row.
	scan := fmt.Sprintf("read_parquet(%s, file_row_number = true)", quote(dst))

	names := make([]string, 0, len(exprs)+6)
	sels := make([]string, 0, len(exprs)+6)
	for _, e := range exprs {
		names = append(names, e.field.Name)
		sels = append(sels, e.strict())
	}
	names = append(names, "source_system", "_source", "_batch_id", "_source_file", "_source_row", "_loaded_at")
	sels = append(sels, quote(s.SourceSystem), quote(s.Name), quote(b.id), quote(path), "file_row_number + 1",
		fmt.Sprintf("timestamp '%s'", loadedAt.UTC().Format("2006-01-02 15:04:05.000000")))

	tx, err := w.conn.BeginTx(ctx, nil)
	if err != nil {
		return b, err
	}
	defer tx.Rollback()
	// One pass: the insert types every value and stops at the first one that
	// does not parse; only then is the file searched for the exact line and column.
	res, err := tx.ExecContext(ctx, fmt.Sprintf("insert into %s (%s) select %s from %s", ent.RawTable(),
		strings.Join(names, ", "), strings.Join(sels, ", "), scan))
	if err != nil {
		tx.Rollback()
		if strings.Contains(err.Error(), badValueMarker) {
			if berr := firstBadValue(ctx, w.conn, scan, exprs, path, r.HeaderLines(), rejects); berr != nil {
				return b, berr
			}
		}
		return b, fmt.Errorf("load %s into %s: %w", path, ent.RawTable(), err)
	}
	b.rows, _ = res.RowsAffected()
	b.rejected = int64(len(rejects))
	// Duplicate keys are counted on this batch's raw Parquet, not on the raw
	// table that grows every night.
	var keys []string
	for _, c := range exprs {
		if slices.Contains(s.PrimaryKey, c.field.Name) {
			keys = append(keys, c.typed)
		}
	}
	var dups int64
	if err := tx.QueryRowContext(ctx, fmt.Sprintf("select count(*) - count(distinct (%s)) from %s",
		strings.Join(keys, ", "), scan)).Scan(&dups); err != nil {
		return b, fmt.Errorf("count duplicate keys: %w", err)
	}
	if err := recordRejects(ctx, tx, rejects, runID, b.id, s.Name, path); err != nil {
		return b, err
	}
	if _, err := tx.ExecContext(ctx, "insert into ops.batches values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		b.id, runID, s.Name, s.System, s.Entity, path, hash, b.rows, b.rejected, dups, loadDate, rel, loadedAt.UTC()); err != nil {
		return b, err
	}
	return b, tx.Commit()
}

// recordRejects writes the rejected lines in one statement per 500 lines.
func recordRejects(ctx context.Context, tx *sql.Tx, rejects []file.Reject, runID, batchID, source, path string) error {
	for start := 0; start < len(rejects); start += 500 {
		chunk := rejects[start:min(start+500, len(rejects))]
		vals := make([]string, len(chunk))
		args := make([]any, 0, 7*len(chunk))
		for i, rj := range chunk {
			vals[i] = "(?, ?, ?, ?, ?, ?, ?)"
			args = append(args, runID, batchID, source, path, rj.Line, rj.Message, rj.Text)
		}
		if _, err := tx.ExecContext(ctx, "insert into ops.rejected_rows values "+strings.Join(vals, ", "), args...); err != nil {
			return fmt.Errorf("record rejected lines: %w", err)
		}
	}
	return nil
}

func fileHash(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("read %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// column is one canonical field with the source column it comes from.
type column struct {
	field  models.Field
	source string // "" when the source does not provide it
	text   string // the source value as trimmed text, NULL when empty
	typed  string // the value cast to the canonical type
	native bool   // the source column has a type that casts to the canonical one without loss or failure
}

// sourceColumn is a column of an extract, table or view as DuckDB reads it.
type sourceColumn struct{ Name, Type string }

// scanColumns lists the columns of a scan, table or view, in order.
func scanColumns(ctx context.Context, w *Warehouse, scan string) ([]sourceColumn, error) {
	_, rows, err := w.queryAll(ctx, "describe select * from "+scan)
	if err != nil {
		return nil, err
	}
	out := make([]sourceColumn, len(rows))
	for i, r := range rows {
		out[i] = sourceColumn{Name: fmt.Sprint(r[0]), Type: fmt.Sprint(r[1])}
	}
	return out, nil
}

// nativeTypes are the DuckDB types that cast to each canonical type without
// a parse: a typed Parquet extract skips the detour through text.
var nativeTypes = map[models.Type][]string{
	models.Int:       {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "UTINYINT", "USMALLINT", "UINTEGER"},
	models.Decimal:   {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT", "HUGEINT", "FLOAT", "DOUBLE"},
	models.Date:      {"DATE"},
	models.Timestamp: {"DATE", "TIMESTAMP", "TIMESTAMP_S", "TIMESTAMP_MS", "TIMESTAMP_NS"},
	models.Bool:      {"BOOLEAN"},
}

func isNative(t models.Type, duck string) bool {
	return slices.Contains(nativeTypes[t], duck) || (t == models.Decimal && strings.HasPrefix(duck, "DECIMAL"))
}

// typedColumns resolves each canonical field to a source column: the mapped
// one, else a same-named one (ignoring case). A mapped or required column
// that the file lacks is an error naming the file and the header line.
func typedColumns(ent models.Entity, s config.Source, cols []sourceColumn, path string) ([]column, error) {
	header := make([]string, len(cols))
	types := map[string]string{}
	for i, c := range cols {
		header[i], types[c.Name] = c.Name, c.Type
	}
	find := func(name string) string {
		for _, h := range header {
			if h == name {
				return h
			}
		}
		for _, h := range header {
			if strings.EqualFold(strings.TrimSpace(h), strings.TrimSpace(name)) {
				return h
			}
		}
		return ""
	}
	var out []column
	for _, f := range ent.Fields {
		c := column{field: f}
		if mapped, ok := s.Columns[f.Name]; ok {
			if c.source = find(mapped); c.source == "" {
				return nil, fmt.Errorf("%w: %s line 1 (header): column %q (mapped to %s.%s.%s) not found; the file has %s",
					ErrBadInput, path, mapped, ent.System, ent.Name, f.Name, headerList(header))
			}
		} else if c.source = find(f.Name); c.source == "" && f.Required {
			return nil, fmt.Errorf("%w: %s line 1 (header): required column %q (%s.%s.%s) not found and not mapped; the file has %s",
				ErrBadInput, path, f.Name, ent.System, ent.Name, f.Name, headerList(header))
		}
		if c.source == "" {
			c.text, c.typed = "null", "null::"+f.Type.SQLType()
		} else if isNative(f.Type, types[c.source]) {
			c.native = true
			c.text = ident(c.source)
			c.typed = fmt.Sprintf("cast(%s as %s)", ident(c.source), f.Type.SQLType())
		} else {
			c.text = fmt.Sprintf("nullif(trim(cast(%s as varchar)), '')", ident(c.source))
			c.typed = castExpr(f.Type, c.text, s.CSV)
		}
		out = append(out, c)
	}
	return out, nil
}

func headerList(h []string) string {
	var cols []string
	for _, c := range h {
		cols = append(cols, fmt.Sprintf("%q", c))
	}
	return strings.Join(cols, ", ")
}

var (
	trueWords  = "'true','t','1','yes','y','ja','j','x','wahr'"
	falseWords = "'false','f','0','no','n','nein','falsch'"
)

// badValueMarker is in the error a strict cast raises.
const badValueMarker = "leadmart: unparsable value"

// strict is the typed expression that raises an error instead of NULL when
// a present value does not parse.
func (c column) strict() string {
	if c.source == "" || c.native || c.field.Type == models.Text {
		return c.typed
	}
	return fmt.Sprintf("coalesce(%s, case when %s is not null then error(%s) end)", c.typed, c.text, quote(badValueMarker))
}

// castExpr types trimmed source text v under the source's dialect. A value
// that does not parse becomes NULL here; firstBadValue reports it first.
func castExpr(t models.Type, v string, d config.CSVDialect) string {
	switch t {
	case models.Int:
		if d.DecimalComma {
			return fmt.Sprintf("try_cast(replace(%s, '.', '') as bigint)", v)
		}
		return fmt.Sprintf("try_cast(%s as bigint)", v)
	case models.Decimal:
		if d.DecimalComma {
			return fmt.Sprintf("try_cast(replace(replace(%s, '.', ''), ',', '.') as double)", v)
		}
		return fmt.Sprintf("try_cast(%s as double)", v)
	case models.Date:
		if d.DateFormat == "%Y-%m-%d" {
			return fmt.Sprintf("coalesce(try_cast(%[1]s as date), try_cast(try_cast(%[1]s as timestamp) as date))", v)
		}
		return fmt.Sprintf("cast(try_strptime(%s, %s) as date)", v, quote(d.DateFormat))
	case models.Timestamp:
		if d.TimestampFormat != "" {
			return fmt.Sprintf("coalesce(try_strptime(%[1]s, %[2]s), try_strptime(%[1]s, %[3]s))", v, quote(d.TimestampFormat), quote(d.DateFormat))
		}
		return fmt.Sprintf("coalesce(try_cast(%[1]s as timestamp), try_strptime(%[1]s, %[2]s))", v, quote(d.DateFormat))
	case models.Bool:
		return fmt.Sprintf("case when lower(%[1]s) in (%[2]s) then true when lower(%[1]s) in (%[3]s) then false end", v, trueWords, falseWords)
	}
	return v
}

// firstBadValue fails on the first value that is present but does not parse
// as its canonical type, naming file, line and column. scan reads the raw
// Parquet with its file_row_number.
func firstBadValue(ctx context.Context, conn *sql.Conn, scan string, cols []column, path string, headerLines int64, rejects []file.Reject) error {
	var parts []string
	for _, c := range cols {
		if c.source == "" || c.native || c.field.Type == models.Text {
			continue
		}
		parts = append(parts, fmt.Sprintf("select file_row_number + 1 as data_row, %s as col, %s as field, %s as val from %s where %s is not null and %s is null",
			quote(c.source), quote(string(c.field.Name)), c.text, scan, c.text, c.typed))
	}
	if len(parts) == 0 {
		return nil
	}
	q := "select data_row, col, field, val, count(*) over () from (" + strings.Join(parts, " union all ") + ") order by data_row, col limit 1"
	var row, n int64
	var col, field, val string
	err := conn.QueryRowContext(ctx, q).Scan(&row, &col, &field, &val, &n)
	if err == sql.ErrNoRows {
		return nil
	}
	if err != nil {
		return fmt.Errorf("check types in %s: %w", path, err)
	}
	var kind string
	for _, c := range cols {
		if c.field.Name == field {
			kind = string(c.field.Type)
		}
	}
	more := ""
	if n > 1 {
		more = fmt.Sprintf(" (%d bad values in all)", n)
	}
	return fmt.Errorf("%w: %s line %d, column %q: cannot parse %q as %s for field %s%s",
		ErrBadInput, path, fileLine(row, headerLines, rejects), col, val, kind, field, more)
}

// fileLine turns a data row into the file's line: after the header, and
// after the rejected lines that came before it (rejects are sorted by line).
func fileLine(dataRow, headerLines int64, rejects []file.Reject) int64 {
	line := dataRow + headerLines
	for _, r := range rejects {
		if r.Line <= line {
			line++
		}
	}
	return line
}
