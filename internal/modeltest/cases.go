package modeltest

import (
	"context"
	"encoding/csv"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"leadmart/config"
	"leadmart/internal/quote"
	"leadmart/models"
)

// DefaultAsOf is a declared case's as-of date when it names none.
const DefaultAsOf = "2026-03-31"

// Case runs one declared unit test of model m: the configuration of
// testdata/<c.Config>/leadmart.yaml (default kpis) under testdata, the given
// rows (files named relative to the model's YAML in sqlFS), the model built
// in memory, and its rows compared with the expected ones (Compare).
func Case(t *testing.T, sqlFS fs.FS, testdata string, m models.Model, c models.UnitTest) {
	t.Helper()
	fixture := c.Config
	if fixture == "" {
		fixture = "kpis"
	}
	cfg, err := config.Load(filepath.Join(testdata, fixture, "leadmart.yaml"))
	if err != nil {
		t.Fatalf("unit test %s: %v", c.Name, err)
	}
	asOf := c.AsOf
	if asOf == "" {
		asOf = DefaultAsOf
	}
	d := Open(t, cfg, asOf)
	ctx := context.Background()
	for _, k := range slices.Sorted(mapsKeys(c.Params)) {
		q := fmt.Sprintf("update cfg.params set %s = %s", quote.Ident(k), quote.Lit(c.Params[k]))
		if err := d.W.Exec(ctx, q); err != nil {
			t.Fatalf("unit test %s: param %s: %v", c.Name, k, err)
		}
	}
	// raw and ops tables first, then models in build order: a given model
	// is built from the given rows upstream of it, for its types
	given := slices.Clone(c.Given)
	rank := func(g models.Given) int {
		if s, _, _ := strings.Cut(g.Input, "."); s == "raw" || s == "ops" {
			return -1
		}
		for i, cm := range d.Cat.Models {
			if cm.Qualified() == g.Input || cm.PublishedName() == g.Input {
				return i
			}
		}
		return len(d.Cat.Models)
	}
	sort.SliceStable(given, func(i, j int) bool { return rank(given[i]) < rank(given[j]) })
	dir := path.Dir(m.Path)
	for _, g := range given {
		if g.CSV != "" {
			d.GivenFile(t, g.Input, d.extract(t, sqlFS, path.Join(dir, g.CSV)))
		} else {
			d.Given(t, g.Input, g.Rows)
		}
	}
	d.Build(t, m.Qualified())
	text := c.Expect.Rows
	if c.Expect.CSV != "" {
		b, err := fs.ReadFile(sqlFS, path.Join(dir, c.Expect.CSV))
		if err != nil {
			t.Fatal(err)
		}
		text = string(b)
	}
	want, err := csv.NewReader(strings.NewReader(dedent(text))).ReadAll()
	if err != nil {
		t.Fatalf("unit test %s: expected rows: %v", c.Name, err)
	}
	d.Compare(t, m.Qualified(), c.Expect.Where, want)
}

func mapsKeys(m map[string]string) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// extract copies a file of sqlFS to the case's folder, where DuckDB reads it.
func (d *DB) extract(t testing.TB, sqlFS fs.FS, p string) string {
	t.Helper()
	b, err := fs.ReadFile(sqlFS, p)
	if err != nil {
		t.Fatal(err)
	}
	f := filepath.Join(d.dir, strings.ReplaceAll(p, "/", "__"))
	if err := os.WriteFile(f, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return f
}

// Compare checks the rows of table (where, if set) against want, a header
// naming the columns compared and then the rows, in any order. Values are
// compared as the table types them: a DECIMAL digit for digit (trailing
// zeros aside, never through float64), a DOUBLE rounded to the decimals the
// expected value writes, anything else as DuckDB's text (dates YYYY-MM-DD,
// timestamps YYYY-MM-DD HH:MM:SS, booleans true/false). An empty cell is
// NULL.
func (d *DB) Compare(t testing.TB, table, where string, want [][]string) {
	t.Helper()
	if len(want) == 0 {
		t.Fatalf("%s: expected rows have no header", table)
	}
	cols := make([]string, len(want[0]))
	for i, c := range want[0] {
		cols[i] = quote.Ident(strings.TrimSpace(c)) + "::varchar"
	}
	q := "select " + strings.Join(cols, ", ") + " from " + table
	if where != "" {
		q += " where " + where
	}
	rows, err := d.W.Conn().QueryContext(context.Background(), q)
	if err != nil {
		t.Fatalf("%s: %v", table, err)
	}
	types, err := d.columnTypes(table, want[0])
	if err != nil {
		t.Fatal(err)
	}
	var got [][]string
	for rows.Next() {
		vals := make([]*string, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		rec := make([]string, len(cols))
		for i, v := range vals {
			if v != nil {
				rec[i] = *v
			}
		}
		got = append(got, rec)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	exp := want[1:]
	// the expected text decides how many decimals of a DOUBLE count
	norm := func(rec, like []string) string {
		out := make([]string, len(rec))
		for i, v := range rec {
			out[i] = normalize(v, types[i], like[i])
		}
		return strings.Join(out, "\x1f")
	}
	var g, w []string
	// a got row is normalised at the decimals of the expected row it is
	// compared with: rows are matched after sorting on the non-DOUBLE
	// columns, which a case keeps unique
	key := func(r []string) string {
		var k []string
		for i, v := range r {
			if types[i] != "DOUBLE" && types[i] != "FLOAT" {
				k = append(k, normalize(v, types[i], v))
			}
		}
		return strings.Join(k, "\x1f")
	}
	sort.SliceStable(got, func(i, j int) bool { return key(got[i]) < key(got[j]) })
	sort.SliceStable(exp, func(i, j int) bool { return key(exp[i]) < key(exp[j]) })
	for i := range exp {
		w = append(w, norm(exp[i], exp[i]))
		if i < len(got) {
			g = append(g, norm(got[i], exp[i]))
		}
	}
	for i := len(exp); i < len(got); i++ {
		g = append(g, norm(got[i], got[i]))
	}
	if slices.Equal(g, w) {
		return
	}
	show := func(rs []string) string {
		var b strings.Builder
		for _, r := range rs {
			b.WriteString("\n  " + strings.ReplaceAll(r, "\x1f", ","))
		}
		return b.String()
	}
	t.Errorf("%s: rows differ (%s, NULL as empty)\ngot %d:%s\nwant %d:%s", table, strings.Join(want[0], ","), len(g), show(g), len(w), show(w))
}

// columnTypes are the DuckDB types of table's columns cols.
func (d *DB) columnTypes(table string, cols []string) ([]string, error) {
	rows, err := d.W.Conn().QueryContext(context.Background(), "select * from "+table+" limit 0")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cts, err := rows.ColumnTypes()
	if err != nil {
		return nil, err
	}
	byName := map[string]string{}
	for _, ct := range cts {
		byName[ct.Name()] = ct.DatabaseTypeName()
	}
	out := make([]string, len(cols))
	for i, c := range cols {
		typ, ok := byName[strings.TrimSpace(c)]
		if !ok {
			return nil, fmt.Errorf("%s has no column %s", table, c)
		}
		if strings.HasPrefix(typ, "DECIMAL") {
			typ = "DECIMAL"
		}
		out[i] = typ
	}
	return out, nil
}

// normalize writes v, a value of DuckDB type typ, as it is compared; like
// is the expected text it is compared with.
func normalize(v, typ, like string) string {
	v = strings.TrimSpace(v)
	if v == "" {
		return ""
	}
	switch typ {
	case "DECIMAL":
		if strings.Contains(v, ".") {
			v = strings.TrimRight(strings.TrimRight(v, "0"), ".")
		}
		if v == "-0" {
			v = "0"
		}
	case "DOUBLE", "FLOAT":
		x, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return v
		}
		decimals := 0
		if _, frac, ok := strings.Cut(strings.TrimSpace(like), "."); ok {
			decimals = len(frac)
		}
		p := math.Pow(10, float64(decimals))
		r := math.Round(x*p) / p
		if r == 0 {
			r = 0
		}
		return strconv.FormatFloat(r, 'f', decimals, 64)
	}
	return v
}
