package jobs

import (
	"context"
	"database/sql"
	"fmt"
	"maps"
	"slices"
	"strings"

	"leadmart/config"
	"leadmart/connectors/extract"
	"leadmart/internal/quote"
	"leadmart/models"
	"leadmart/workdb"
)

// column is one canonical field with where it comes from and how it is typed.
type column struct {
	field  models.Field
	source string // the source column, "" when the field is a constant, an expression or not provided
	text   string // the value as trimmed text, NULL when empty, before values are mapped
	typed  string // the value mapped and cast to the canonical type
	bad    string // true for a present value that does not parse; "" when none can fail
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

// typeOf is the DuckDB type of an expression over the extract's columns.
type typeOf func(expr string) (string, error)

// typedColumns resolves each canonical field to what the source maps it to
// (a column, a constant or an expression), else a same-named column
// (ignoring case), and types it after its values are mapped. A mapped or
// required column that the file lacks, and an expression that does not
// bind, are errors naming the source, the field and the file.
func typedColumns(ent models.Entity, s config.Source, cols []workdb.Column, path string, exprType typeOf) ([]column, error) {
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
		var expr, duckType string
		m, mapped := s.Columns[f.Name]
		switch {
		case mapped && m.Value != nil:
			c.text = quote.Lit(*m.Value)
			c.typed = canonicalLiteral(f.Type, *m.Value)
			out = append(out, c)
			continue
		case mapped && m.SQL != "":
			t, err := exprType(m.SQL)
			if err != nil {
				return nil, fmt.Errorf("%w: source %s, field %s: expression %s does not fit %s: %v",
					config.ErrInvalid, s.Name, f.Name, m.SQL, path, firstLine(err))
			}
			expr, duckType = "("+m.SQL+")", t
		case mapped:
			if c.source = find(m.Column); c.source == "" {
				return nil, fmt.Errorf("%w: source %s, field %s: %s line 1 (header): column %q not found%s; the file has %s",
					ErrBadInput, s.Name, f.Name, path, m.Column, suggest(m.Column, header), headerList(header))
			}
		default:
			if c.source = find(f.Name); c.source == "" && f.Required {
				return nil, fmt.Errorf("%w: source %s, field %s: %s line 1 (header): required column %q not found and not mapped; the file has %s",
					ErrBadInput, s.Name, f.Name, path, f.Name, headerList(header))
			}
		}
		if c.source != "" {
			expr, duckType = quote.Ident(c.source), types[c.source]
		}
		values := s.Values[f.Name]
		switch {
		case expr == "" && len(values) == 0:
			c.text, c.typed = "null", "null::"+f.Type.SQLType()
		case expr == "":
			return nil, fmt.Errorf("%w: source %s, field %s: values are mapped but %s has no column for the field (the file has %s)",
				config.ErrInvalid, s.Name, f.Name, path, headerList(header))
		case len(values) == 0 && isNative(f.Type, duckType):
			c.text = expr
			c.typed = fmt.Sprintf("cast(%s as %s)", expr, f.Type.SQLType())
		default:
			c.text = trimmed(fmt.Sprintf("cast(%s as varchar)", expr))
			cast := castExpr(f.Type, c.text, s.CSV)
			if isNative(f.Type, duckType) {
				cast = fmt.Sprintf("cast(%s as %s)", expr, f.Type.SQLType())
			} else if f.Type != models.Text {
				c.bad = fmt.Sprintf("%s is not null and %s is null", c.text, cast)
			}
			c.typed = cast
			if len(values) > 0 {
				c.typed, c.bad = mapValues(c.text, cast, c.bad, f.Type, values)
			}
		}
		out = append(out, c)
	}
	return out, nil
}

// blanks are what is trimmed around a value: spaces, and the tabs and line
// ends that spreadsheet exports leave in cells.
const blanks = "chr(32) || chr(9) || chr(10) || chr(13)"

// trimmed is text expression v without surrounding blanks, NULL when empty.
func trimmed(v string) string { return fmt.Sprintf("nullif(trim(%s, %s), '')", v, blanks) }

// mapValues puts the values map in front of the cast: a mapped value
// becomes its canonical target, the key "" catches an empty or missing
// value, and the others are cast as they are. A mapped value cannot be bad.
func mapValues(text, cast, bad string, t models.Type, values map[string]string) (typed, badAfter string) {
	var whens, keys []string
	for _, from := range slices.Sorted(maps.Keys(values)) {
		key := strings.ToLower(strings.TrimSpace(from))
		target := canonicalLiteral(t, values[from])
		if key == "" {
			whens = append(whens, fmt.Sprintf("when %s is null then %s", text, target))
			continue
		}
		keys = append(keys, quote.Lit(key))
		whens = append(whens, fmt.Sprintf("when lower(%s) = %s then %s", text, quote.Lit(key), target))
	}
	typed = fmt.Sprintf("case %s else %s end", strings.Join(whens, " "), cast)
	if bad != "" && len(keys) > 0 {
		bad = fmt.Sprintf("%s and lower(%s) not in (%s)", bad, text, strings.Join(keys, ", "))
	}
	return typed, bad
}

// canonicalLiteral is a canonical config value (validated by
// config.Canonical) as a typed SQL literal; "" is NULL.
func canonicalLiteral(t models.Type, v string) string {
	v = strings.TrimSpace(v)
	if v == "" {
		return "null::" + t.SQLType()
	}
	if t == models.Text {
		return quote.Lit(v)
	}
	return fmt.Sprintf("cast(%s as %s)", quote.Lit(v), t.SQLType())
}

// suggest names the header column closest to a missing one, if any is close.
func suggest(name string, header []string) string {
	if best := config.Nearest(name, header); best != "" {
		return fmt.Sprintf(" (did you mean %q?)", best)
	}
	return ""
}

// firstLine is an error's first line: DuckDB appends a caret diagram.
func firstLine(err error) string {
	msg, _, _ := strings.Cut(err.Error(), "\n")
	return msg
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
	if c.bad == "" {
		return c.typed
	}
	return fmt.Sprintf("coalesce(%s, case when %s then error(%s) end)", c.typed, c.bad, quote.Lit(badValueMarker))
}

// The number shapes each dialect reads. DuckDB's own casts are lenient in
// ways that corrupt silently: '1.5' becomes the integer 2, '1_000' and
// '0x10' are numbers, and with the decimal comma's dots simply removed,
// '5000.50' would become 500050. A value of another shape does not parse,
// and landing names it. The casts are try_cast: a number too big for its
// type is a bad value too, named with its line, not an engine error.
const (
	intPoint     = `[+-]?[0-9]+(\.0*)?`                                // 12, 12.0 (as written by tools that hold counts as floats)
	intComma     = `[+-]?([0-9]{1,3}(\.[0-9]{3})+|[0-9]+)(,0*)?`       // 12, 1.200, 12,0
	decimalPoint = `[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?` // 1234.56, .5, 1.5E+3
	decimalComma = `[+-]?([0-9]{1,3}(\.[0-9]{3})+|[0-9]+)(,[0-9]*)?|[+-]?,[0-9]+`
)

// castExpr types trimmed source text v under the source's dialect. A value
// that does not parse becomes NULL here; firstBadValue reports it first.
func castExpr(t models.Type, v string, d extract.Dialect) string {
	switch t {
	case models.Int:
		if d.DecimalComma {
			return fmt.Sprintf("case when regexp_full_match(%[1]s, %[2]s) then try_cast(replace(regexp_replace(%[1]s, ',0*$', ''), '.', '') as bigint) end",
				v, quote.Lit(intComma))
		}
		return fmt.Sprintf("case when regexp_full_match(%[1]s, %[2]s) then try_cast(regexp_replace(%[1]s, '\\.0*$', '') as bigint) end", v, quote.Lit(intPoint))
	case models.Decimal:
		if d.DecimalComma {
			return fmt.Sprintf("case when regexp_full_match(%[1]s, %[2]s) then try_cast(replace(replace(%[1]s, '.', ''), ',', '.') as %[3]s) end",
				v, quote.Lit(decimalComma), models.Decimal.SQLType())
		}
		// plain decimals exactly; scientific notation (1.5E+3) through double
		return fmt.Sprintf("case when regexp_full_match(%[1]s, %[2]s) then coalesce(try_cast(%[1]s as %[3]s), try_cast(try_cast(%[1]s as double) as %[3]s)) end",
			v, quote.Lit(decimalPoint), models.Decimal.SQLType())
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
func firstBadValue(ctx context.Context, w *workdb.Warehouse, scan string, cols []column, path string, read extract.Read) error {
	var parts []string
	for _, c := range cols {
		if c.bad == "" {
			continue
		}
		col := c.source
		if col == "" {
			col = "expression of " + c.field.Name
		}
		parts = append(parts, fmt.Sprintf("select file_row_number + 1 as data_row, %s as col, %s as field, %s as val from %s where %s",
			quote.Lit(col), quote.Lit(c.field.Name), c.text, scan, c.bad))
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
	return fmt.Errorf("%w: %s, column %q: cannot parse %q as %s for field %s%s",
		ErrBadInput, where(read, path, row), col, extract.Shown(val), kind, field, more)
}

// where names data row n of path by its physical line; by the row when
// the line cannot be found (the file is gone, and its as-read copy was
// typed again).
func where(read extract.Read, path string, n int64) string {
	line, err := read.LineOf(n)
	if err != nil {
		return fmt.Sprintf("%s data row %d (its line is unknown: %v)", path, n, err)
	}
	return fmt.Sprintf("%s line %d", path, line)
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
	cols, err := typedColumns(ent, s, header, path, exprTypes(ctx, w, scan))
	if err != nil {
		return "", nil, nil, err
	}
	names, sels = selectList(cols, strict)
	return ent.RawTable(), names, sels, nil
}

// exprTypes types expressions over scan without reading its rows.
func exprTypes(ctx context.Context, w *workdb.Warehouse, scan string) typeOf {
	return func(expr string) (string, error) {
		cols, err := w.Columns(ctx, fmt.Sprintf("(select (%s) as v from %s limit 0)", expr, scan))
		if err != nil {
			return "", err
		}
		return cols[0].Type, nil
	}
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
