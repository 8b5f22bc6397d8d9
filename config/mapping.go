package config

import (
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/agnivade/levenshtein"
	"go.yaml.in/yaml/v3"

	"leadmart/models"
)

// FieldMap says where one canonical field comes from: a source column, a
// constant, or an SQL expression over the source's columns. Exactly one is
// set. In YAML a plain string is a column: `lead_id: Lead ID` is short for
// `lead_id: {column: Lead ID}`.
type FieldMap struct {
	// Column is the source column's name (matched ignoring case and spaces
	// when no column has the exact name).
	Column string `yaml:"column"`
	// Value is a constant for every row, written canonically (true, 2024-05-31,
	// 12.5, mql).
	Value *string `yaml:"value"`
	// SQL is a DuckDB expression over the source's columns, e.g.
	// `concat_ws(' ', "First", "Last")`. Quote column names that are not
	// plain lower-case identifiers.
	SQL string `yaml:"sql"`
}

var typeOfFieldMap = reflect.TypeOf(FieldMap{})

// UnmarshalYAML accepts a plain column name or one of column, value, sql.
func (m *FieldMap) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		m.Column = n.Value
		return nil
	}
	if n.Kind != yaml.MappingNode {
		return &yaml.TypeError{Errors: []string{fmt.Sprintf("line %d: a field maps to a column name or to one of column, value, sql", n.Line)}}
	}
	if errs := unknownKeys(n, typeOfFieldMap, "config.FieldMap"); len(errs) > 0 {
		return typeErrors(errs)
	}
	type plain FieldMap
	if err := n.Decode((*plain)(m)); err != nil {
		return err
	}
	set := 0
	for _, on := range []bool{m.Column != "", m.Value != nil, m.SQL != ""} {
		if on {
			set++
		}
	}
	if set != 1 {
		return &yaml.TypeError{Errors: []string{fmt.Sprintf("line %d: a field maps to exactly one of column, value, sql (got %d)", n.Line, set)}}
	}
	return nil
}

// Kind names what the field maps to: column, value or sql.
func (m FieldMap) Kind() string {
	switch {
	case m.Value != nil:
		return "value"
	case m.SQL != "":
		return "sql"
	}
	return "column"
}

// Canonical is how a canonical value of type t is written in the config
// (values targets and constants): the value as DuckDB reads it, or an error
// saying what was expected. "" is NULL for every type.
func Canonical(t models.Type, v string) (string, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return "", nil
	}
	var err error
	switch t {
	case models.Int:
		_, err = strconv.ParseInt(v, 10, 64)
	case models.Decimal:
		_, err = strconv.ParseFloat(v, 64)
	case models.Bool:
		if v != "true" && v != "false" {
			err = fmt.Errorf("want true or false")
		}
	case models.Date:
		_, err = time.Parse(time.DateOnly, v)
	case models.Timestamp:
		if _, e := time.Parse(time.DateOnly, v); e != nil {
			_, err = time.Parse("2006-01-02 15:04:05", v)
		}
	}
	if err != nil {
		return "", fmt.Errorf("%q is not a canonical %s", v, t)
	}
	return v, nil
}

// validateMapping checks a source's columns and values against its entity:
// every field exists, every constant and values target is a canonical value
// of the field's type, and no values key can never apply.
func validateMapping(at string, s Source, e models.Entity, bad func(string, ...any)) {
	unknown := func(key, field string) {
		bad("%s.%s: %s.%s has no field %q%s (fields: %s)", at, key, s.System, s.Entity, field,
			closest(field, e.FieldNames()), strings.Join(e.FieldNames(), ", "))
	}
	for _, field := range slices.Sorted(maps.Keys(s.Columns)) {
		f, ok := e.Field(field)
		if !ok {
			unknown("columns", field)
			continue
		}
		if m := s.Columns[field]; m.Value != nil {
			if _, err := Canonical(f.Type, *m.Value); err != nil {
				bad("%s.columns.%s.value: %v", at, field, err)
			}
		}
	}
	for _, field := range slices.Sorted(maps.Keys(s.Values)) {
		f, ok := e.Field(field)
		if !ok {
			unknown("values", field)
			continue
		}
		if m, ok := s.Columns[field]; ok && m.Value != nil {
			bad("%s.values.%s: the field is the constant %q, so no value can be mapped; set the constant instead", at, field, *m.Value)
			continue
		}
		folded := map[string]string{}
		for _, from := range slices.Sorted(maps.Keys(s.Values[field])) {
			to := s.Values[field][from]
			key := strings.ToLower(strings.TrimSpace(from))
			if prev, dup := folded[key]; dup {
				bad("%s.values.%s: keys %q and %q are the same value (matching ignores case and surrounding spaces)", at, field, prev, from)
			}
			folded[key] = from
			if _, err := Canonical(f.Type, to); err != nil {
				bad("%s.values.%s.%s: %v", at, field, from, err)
			}
			if field == "status" && (s.Entity == "lead" || s.Entity == "lead_status_history") && to != "" && !stages[to] {
				bad("%s.values.status.%s: unknown stage %q (known: lead, mql, sql, opportunity, won, lost, disqualified)", at, from, to)
			}
		}
	}
}

// closest suggests the known name nearest to name, if one is near enough.
func closest(name string, known []string) string {
	if best := Nearest(name, known); best != "" {
		return fmt.Sprintf("; did you mean %q?", best)
	}
	return ""
}

// Nearest is the name in known closest to name by edit distance, ignoring
// case, or "" when none is within half of name's length (plus one): the
// suggestion an error about an unknown field or column makes.
func Nearest(name string, known []string) string {
	best, bestD := "", len(name)/2+2
	for _, k := range known {
		if d := levenshtein.ComputeDistance(strings.ToLower(name), strings.ToLower(k)); d < bestD {
			best, bestD = k, d
		}
	}
	return best
}
