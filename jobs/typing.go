package jobs

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"

	"leadmart/config"
	"leadmart/connectors/extract"
	"leadmart/internal/quote"
	"leadmart/models"
	"leadmart/workdb"
)

// column is one canonical field with the source column it comes from.
type column struct {
	field  models.Field
	source string // "" when the source does not provide it
	text   string // the source value as trimmed text, NULL when empty
	typed  string // the value cast to the canonical type
	native bool   // the source column has a type that casts to the canonical one without loss or failure
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
func typedColumns(ent models.Entity, s config.Source, cols []workdb.Column, path string) ([]column, error) {
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
			c.text = quote.Ident(c.source)
			c.typed = fmt.Sprintf("cast(%s as %s)", quote.Ident(c.source), f.Type.SQLType())
		} else {
			c.text = fmt.Sprintf("nullif(trim(cast(%s as varchar)), '')", quote.Ident(c.source))
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
	return fmt.Sprintf("coalesce(%s, case when %s is not null then error(%s) end)", c.typed, c.text, quote.Lit(badValueMarker))
}

// castExpr types trimmed source text v under the source's dialect. A value
// that does not parse becomes NULL here; firstBadValue reports it first.
func castExpr(t models.Type, v string, d extract.Dialect) string {
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
		return fmt.Sprintf("cast(try_strptime(%s, %s) as date)", v, quote.Lit(d.DateFormat))
	case models.Timestamp:
		if d.TimestampFormat != "" {
			return fmt.Sprintf("coalesce(try_strptime(%[1]s, %[2]s), try_strptime(%[1]s, %[3]s))", v, quote.Lit(d.TimestampFormat), quote.Lit(d.DateFormat))
		}
		return fmt.Sprintf("coalesce(try_cast(%[1]s as timestamp), try_strptime(%[1]s, %[2]s))", v, quote.Lit(d.DateFormat))
	case models.Bool:
		return fmt.Sprintf("case when lower(%[1]s) in (%[2]s) then true when lower(%[1]s) in (%[3]s) then false end", v, trueWords, falseWords)
	}
	return v
}

// firstBadValue fails on the first value that is present but does not parse
// as its canonical type, naming file, line and column. scan reads the raw
// Parquet with its file_row_number.
func firstBadValue(ctx context.Context, w *workdb.Warehouse, scan string, cols []column, path string, headerLines int64, rejects []extract.Reject) error {
	var parts []string
	for _, c := range cols {
		if c.source == "" || c.native || c.field.Type == models.Text {
			continue
		}
		parts = append(parts, fmt.Sprintf("select file_row_number + 1 as data_row, %s as col, %s as field, %s as val from %s where %s is not null and %s is null",
			quote.Lit(c.source), quote.Lit(string(c.field.Name)), c.text, scan, c.text, c.typed))
	}
	if len(parts) == 0 {
		return nil
	}
	q := "select data_row, col, field, val, count(*) over () from (" + strings.Join(parts, " union all ") + ") order by data_row, col limit 1"
	var row, n int64
	var col, field, val string
	err := w.QueryRow(ctx, q).Scan(&row, &col, &field, &val, &n)
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
func fileLine(dataRow, headerLines int64, rejects []extract.Reject) int64 {
	line := dataRow + headerLines
	for _, r := range rejects {
		if r.Line <= line {
			line++
		}
	}
	return line
}

// TypedSelect is the typing of one extract, scan, for source s: the raw
// table it lands in, the canonical fields and the expressions that type
// them. strict makes a present value that does not parse an error, as
// landing does; the engine baseline types without it.
func TypedSelect(ctx context.Context, w *workdb.Warehouse, s config.Source, scan, path string, strict bool) (table string, names, sels []string, err error) {
	ent, err := models.Lookup(s.System, s.Entity)
	if err != nil {
		return "", nil, nil, err
	}
	header, err := w.Columns(ctx, scan)
	if err != nil {
		return "", nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	cols, err := typedColumns(ent, s, header, path)
	if err != nil {
		return "", nil, nil, err
	}
	names, sels = selectList(cols, strict)
	return ent.RawTable(), names, sels, nil
}

// selectList names each column's field and its typed expression.
func selectList(cols []column, strict bool) (names, sels []string) {
	for _, c := range cols {
		names = append(names, c.field.Name)
		if strict {
			sels = append(sels, c.strict())
		} else {
			sels = append(sels, c.typed)
		}
	}
	return names, sels
}
