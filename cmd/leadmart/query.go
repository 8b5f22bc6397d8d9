package main

import (
	"context"
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/big"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/duckdb/duckdb-go/v2" // also registers the "duckdb" driver
)

// cmdQuery runs one SQL statement against a DuckDB file opened read-only,
// so it never conflicts with the readers of a publication, and prints the
// rows as a table, CSV or JSON: dates as dates, decimals digit for digit.
func cmdQuery(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("query", flag.ContinueOnError)
	fs.SetOutput(stdout) // --help is asked for: it goes to stdout, exit 0
	db := fs.String("db", "warehouse/leadmart.duckdb", "DuckDB file")
	format := fs.String("format", "table", "output: table, csv or json (an array of objects)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return fmt.Errorf("%w: query needs an SQL statement", errUsage)
	}
	if *format != "table" && *format != "csv" && *format != "json" {
		return fmt.Errorf("%w: --format: want table, csv or json, got %q", errUsage, *format)
	}
	conn, err := sql.Open("duckdb", *db+"?access_mode=read_only")
	if err != nil {
		return err
	}
	defer conn.Close()
	rows, err := conn.QueryContext(ctx, strings.Join(fs.Args(), " "))
	if err != nil {
		return err
	}
	defer rows.Close()
	types, err := rows.ColumnTypes()
	if err != nil {
		return err
	}
	cols := make([]string, len(types))
	for i, t := range types {
		cols[i] = t.Name()
	}
	var out rowWriter
	switch *format {
	case "csv":
		out = &csvOut{w: csv.NewWriter(stdout)}
	case "json":
		out = &jsonOut{w: stdout}
	default:
		out = &tableOut{w: tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)}
	}
	if err := out.header(cols); err != nil {
		return err
	}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
		cells := make([]cell, len(vals))
		for i, v := range vals {
			cells[i] = toCell(v, types[i].DatabaseTypeName())
		}
		if err := out.row(cells); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	return out.close()
}

// cell is one value as text, and whether JSON writes it bare (a number or
// a boolean) or as a string; null for NULL.
type cell struct {
	text       string
	bare, null bool
}

// toCell formats v, of DuckDB type typ: a DATE without a time, a TIMESTAMP
// without a zone, a DECIMAL digit for digit without trailing zeros, a
// DOUBLE without scientific notation.
func toCell(v any, typ string) cell {
	switch x := v.(type) {
	case nil:
		return cell{null: true}
	case time.Time:
		switch {
		case typ == "DATE":
			return cell{text: x.Format(time.DateOnly)}
		case typ == "TIME":
			return cell{text: x.Format("15:04:05.999999")}
		case strings.HasPrefix(typ, "TIMESTAMP") && strings.Contains(typ, "TZ"):
			return cell{text: x.Format("2006-01-02 15:04:05.999999Z07:00")}
		}
		return cell{text: x.Format("2006-01-02 15:04:05.999999")}
	case duckdb.Decimal:
		return cell{text: decimalText(x.Value, int(x.Scale)), bare: true}
	case float64:
		return cell{text: strconv.FormatFloat(x, 'f', -1, 64), bare: true}
	case float32:
		return cell{text: strconv.FormatFloat(float64(x), 'f', -1, 32), bare: true}
	case *big.Int:
		return cell{text: x.String(), bare: true}
	case bool:
		return cell{text: strconv.FormatBool(x), bare: true}
	case int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
		return cell{text: fmt.Sprint(x), bare: true}
	case []byte:
		return cell{text: string(x)}
	}
	return cell{text: fmt.Sprint(v)}
}

// decimalText is the unscaled value v with scale decimals, trailing zeros
// after the point removed: 37643671234560000 at scale 10 is 3764367.123456.
func decimalText(v *big.Int, scale int) string {
	s := new(big.Int).Abs(v).String()
	if scale > 0 {
		if len(s) <= scale {
			s = strings.Repeat("0", scale-len(s)+1) + s
		}
		s = strings.TrimRight(s[:len(s)-scale]+"."+s[len(s)-scale:], "0")
		s = strings.TrimSuffix(s, ".")
	}
	if v.Sign() < 0 {
		s = "-" + s
	}
	return s
}

type rowWriter interface {
	header(cols []string) error
	row(cells []cell) error
	close() error
}

type tableOut struct{ w *tabwriter.Writer }

func (t *tableOut) header(cols []string) error {
	_, err := fmt.Fprintln(t.w, strings.Join(cols, "\t"))
	return err
}

func (t *tableOut) row(cells []cell) error {
	out := make([]string, len(cells))
	for i, c := range cells {
		out[i] = c.text
		if c.null {
			out[i] = "NULL"
		}
	}
	_, err := fmt.Fprintln(t.w, strings.Join(out, "\t"))
	return err
}

func (t *tableOut) close() error { return t.w.Flush() }

// csvOut writes RFC 4180 CSV; NULL is an empty field.
type csvOut struct{ w *csv.Writer }

func (c *csvOut) header(cols []string) error { return c.w.Write(cols) }

func (c *csvOut) row(cells []cell) error {
	out := make([]string, len(cells))
	for i, x := range cells {
		out[i] = x.text
	}
	return c.w.Write(out)
}

func (c *csvOut) close() error {
	c.w.Flush()
	return c.w.Error()
}

// jsonOut writes one array of objects, keys in column order, numbers as
// JSON numbers with every digit.
type jsonOut struct {
	w    io.Writer
	cols []string
	n    int
}

func (j *jsonOut) header(cols []string) error {
	j.cols = cols
	_, err := io.WriteString(j.w, "[")
	return err
}

func (j *jsonOut) row(cells []cell) error {
	var b strings.Builder
	if j.n > 0 {
		b.WriteString(",")
	}
	b.WriteString("\n  {")
	for i, c := range cells {
		if i > 0 {
			b.WriteString(", ")
		}
		k, _ := json.Marshal(j.cols[i])
		b.Write(k)
		b.WriteString(": ")
		switch {
		case c.null:
			b.WriteString("null")
		case c.bare:
			b.WriteString(c.text)
		default:
			v, _ := json.Marshal(c.text)
			b.Write(v)
		}
	}
	b.WriteString("}")
	j.n++
	_, err := io.WriteString(j.w, b.String())
	return err
}

func (j *jsonOut) close() error {
	end := "]\n"
	if j.n > 0 {
		end = "\n]\n"
	}
	_, err := io.WriteString(j.w, end)
	return err
}
