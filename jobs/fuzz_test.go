package jobs

import (
	"database/sql"
	"math/big"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"leadmart/connectors/extract"
	"leadmart/internal/quote"
	"leadmart/models"
)

func fuzzDB(f *testing.F) *sql.DB {
	db, err := sql.Open("duckdb", "")
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { db.Close() })
	return db
}

// parse types v as landing does under dialect d; ok is false for NULL.
func parse(t *testing.T, db *sql.DB, typ models.Type, v string, d extract.Dialect) (string, bool) {
	if !utf8.ValidString(v) || strings.ContainsRune(v, 0) {
		t.Skip("not text landing can hold: the CSV scan refuses bytes outside the encoding")
	}
	var out sql.NullString
	text := trimmed(quote.Lit(v))
	if err := db.QueryRow("select cast(" + castExpr(typ, text, d) + " as varchar)").Scan(&out); err != nil {
		t.Fatalf("%q: %v", v, err)
	}
	return out.String, out.Valid
}

var (
	germanNumber  = regexp.MustCompile(`^[+-]?([0-9]{1,3}(\.[0-9]{3})+|[0-9]+)(,[0-9]*)?$|^[+-]?,[0-9]+$`)
	englishNumber = regexp.MustCompile(`^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$`)
)

// A decimal parses under a dialect only in that dialect's shape, and then
// to the number it says: a German 1.234,56 is 1234.56, never 123456; an
// English 5000.50 is 5000.5, never 500050.
func FuzzDecimal(f *testing.F) {
	for _, s := range []string{"1.234,56", "5000.50", "5.000", "1,5", "-0,5", "1e3", " 12 ", "1_000", "0x10", ",5", "1.2.3", "١٢"} {
		f.Add(s)
	}
	db := fuzzDB(f)
	f.Fuzz(func(t *testing.T, v string) {
		for _, comma := range []bool{false, true} {
			got, ok := parse(t, db, models.Decimal, v, extract.Dialect{DecimalComma: comma})
			trimmed := strings.Trim(v, " \t\r\n")
			shape := englishNumber
			if comma {
				shape = germanNumber
			}
			if !ok {
				if shape.MatchString(trimmed) && !strings.ContainsAny(trimmed, "eE") && len(trimmed) < 30 {
					t.Errorf("%q (decimal_comma %v) has the dialect's shape but did not parse", v, comma)
				}
				continue
			}
			if !shape.MatchString(trimmed) {
				t.Fatalf("%q (decimal_comma %v) parsed to %s without the dialect's shape", v, comma, got)
			}
			want := trimmed
			if comma {
				want = strings.ReplaceAll(strings.ReplaceAll(trimmed, ".", ""), ",", ".")
			}
			w, wok := new(big.Float).SetPrec(200).SetString(strings.TrimSuffix(want, "."))
			g, gok := new(big.Float).SetPrec(200).SetString(got)
			if !wok || !gok {
				continue // beyond what big.Float reads (e.g. "1." handled above)
			}
			diff := new(big.Float).Sub(w, g)
			if diff.Abs(diff).Cmp(big.NewFloat(0.000001)) > 0 && !strings.ContainsAny(want, "eE") {
				t.Fatalf("%q (decimal_comma %v) parsed to %s, want %s", v, comma, got, want)
			}
		}
	})
}

// A date that parses under a format is the date the text says: formatted
// back with the same format and read again, it is the same day.
func FuzzDate(f *testing.F) {
	for _, s := range []string{"2026-03-31", "31.03.2026", "2026-02-30", "1.1.2026", "2026-03-31 10:00:00", "0001-01-01", "99999-01-01"} {
		f.Add(s, "%d.%m.%Y")
		f.Add(s, "%Y-%m-%d")
	}
	db := fuzzDB(f)
	f.Fuzz(func(t *testing.T, v, format string) {
		if format != "%d.%m.%Y" && format != "%Y-%m-%d" && format != "%m/%d/%Y" {
			format = "%d.%m.%Y"
		}
		got, ok := parse(t, db, models.Date, v, extract.Dialect{DateFormat: format})
		if !ok {
			return
		}
		d, err := time.Parse(time.DateOnly, got)
		if err != nil {
			if strings.HasPrefix(got, "-") || len(got) > 10 {
				return // years DuckDB has and Go's layout does not
			}
			t.Fatalf("%q parsed to %q, which is no date", v, got)
		}
		layout := map[string]string{"%d.%m.%Y": "02.01.2006", "%Y-%m-%d": "2006-01-02", "%m/%d/%Y": "01/02/2006"}[format]
		again, ok := parse(t, db, models.Date, d.Format(layout), extract.Dialect{DateFormat: format})
		if !ok || again != got {
			t.Fatalf("%q parsed to %s; formatted back as %q it parses to %q", v, got, d.Format(layout), again)
		}
	})
}
