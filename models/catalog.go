package models

import (
	"bytes"
	"fmt"
	"io/fs"
	"maps"
	"path"
	"regexp"
	"slices"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Layers in build order, with the DuckDB schema each one materialises into.
var Layers = []struct{ Dir, Schema string }{
	{"staging", "staging"}, {"core", "core"}, {"marts", "mart"},
}

// Model is one SQL file: a table built from other tables.
type Model struct {
	Name   string // table name = file name without .sql
	Layer  string // staging, core or marts
	Schema string // staging, core or mart
	Path   string // path inside the SQL file system, e.g. core/fct_lead.sql
	SQL    string
	Deps   []string // qualified names of the models it reads
	Raw    []string // raw tables it reads (lineage to the sources)
	Meta   Meta

	refs []Ref
}

// Qualified is schema.name.
func (m Model) Qualified() string { return m.Schema + "." + m.Name }

// Meta is the one declaration of what a model is: it feeds the data
// dictionary, COMMENT ON and the data checks.
type Meta struct {
	// Description of the table: what one row is and what it is for.
	Description string `yaml:"description"`
	// Grain names the columns that make a row unique, in words.
	Grain string `yaml:"grain"`
	// Columns maps each column to its description.
	Columns map[string]string `yaml:"columns"`
	// Unique lists key column sets that must be unique; the first is the
	// table's primary key in the publication.
	Unique [][]string `yaml:"unique"`
	// References maps a column to the published table and column it
	// refers to ("dim_account.account_key"): a foreign key in the
	// publication, and a check that every non-NULL value is there. Only
	// where the model guarantees it: a reference an export can break is a
	// row check on the landed rows instead.
	References map[string]string `yaml:"references"`
	// Units maps a column to its unit: currency, share (0-1), days, hours,
	// minutes, FTE, ... Integer columns are a count unless declared.
	Units map[string]string `yaml:"units"`
	// NotNull lists columns that must never be NULL.
	NotNull []string `yaml:"not_null"`
	// Ranges bounds numeric columns: [min, max], null for open.
	Ranges map[string][2]*float64 `yaml:"ranges"`
	// SameRowsAs names a model whose row count this one must equal (no fan-out).
	SameRowsAs string `yaml:"same_rows_as"`
	// Checks are extra SQL checks: each query returns the failing rows.
	Checks []Check `yaml:"checks"`
	// Metrics are figures every run reports in its summary.
	Metrics []Metric `yaml:"metrics"`
	// PartitionBy names a date column by which the Parquet publication is
	// Hive-partitioned (large fact tables, by month).
	PartitionBy string `yaml:"partition_by"`
	// Internal: a core model that only feeds marts is built in the work
	// database and not published, e.g. one that holds detail and total
	// rows together, which the marts split so that no sum adds a total twice.
	Internal bool `yaml:"internal"`
	// ColumnsFrom names a model whose column descriptions this one takes
	// for the columns it does not describe itself (a mart that selects
	// from a core model).
	ColumnsFrom string `yaml:"columns_from"`
	// HistoryOf names a monthly mart (mart.<name>) whose as-of snapshots
	// this model publishes: its SQL reads history.<name>, which backfill and
	// the monthly job append to. It takes the mart's column descriptions
	// and units, and is built after it.
	HistoryOf string `yaml:"history_of"`
	// UnitTests are the model's declared cases: given rows, expected rows.
	UnitTests []UnitTest `yaml:"unit_tests"`
}

// Metric is a figure every run reports: a query returning one number.
type Metric struct {
	// Name identifies it in the run's result, e.g. match_rate.
	Name string `yaml:"name"`
	// Label is what the run's summary prints before the value.
	Label string `yaml:"label"`
	// Percent prints the value, a share, as a percentage.
	Percent bool `yaml:"percent"`
	// Of follows the value in the summary, e.g. "of ERP customers".
	Of string `yaml:"of"`
	// SQL returns the value in its first column of its first row.
	SQL string `yaml:"sql"`
}

// Check is a named SQL query returning failing rows.
type Check struct {
	Name string `yaml:"name"`
	SQL  string `yaml:"sql"`
	// Severity is error (the default: failing rows stop the run before
	// publication) or warn (they are recorded and reported, and the run
	// publishes): for rules that real exports break in a few rows without
	// making the figures wrong, and whose effect the models document.
	Severity string `yaml:"severity"`
}

// Catalog is every model, in dependency order.
type Catalog struct {
	Models []Model
}

var (
	refRE = regexp.MustCompile(`\b(staging|core|mart)\.([a-z_][a-z0-9_]*)\b`)
	// staging reads the raw tables through the screened views (the rows
	// not quarantined); either is lineage to the raw table
	rawRE     = regexp.MustCompile(`\b(?:raw|screened)\.([a-z_][a-z0-9_]*)\b`)
	commentRE = regexp.MustCompile(`--[^\n]*`)
)

// LoadCatalog reads the models from fsys and orders them by their references.
func LoadCatalog(fsys fs.FS) (*Catalog, error) {
	byName := map[string]*Model{}
	var names []string
	for _, l := range Layers {
		files, err := fs.Glob(fsys, l.Dir+"/*.sql")
		if err != nil {
			return nil, err
		}
		for _, p := range files {
			b, err := fs.ReadFile(fsys, p)
			if err != nil {
				return nil, err
			}
			m := &Model{Name: strings.TrimSuffix(path.Base(p), ".sql"), Layer: l.Dir, Schema: l.Schema, Path: p, SQL: string(b)}
			if prev, dup := byName[m.Qualified()]; dup {
				return nil, fmt.Errorf("model %s is defined twice: %s and %s", m.Qualified(), prev.Path, p)
			}
			if err := loadMeta(fsys, m); err != nil {
				return nil, err
			}
			byName[m.Qualified()] = m
			names = append(names, m.Qualified())
		}
	}
	for _, n := range names {
		m := byName[n]
		seen := map[string]bool{}
		for _, ref := range refRE.FindAllStringSubmatch(commentRE.ReplaceAllString(m.SQL, ""), -1) {
			q := ref[1] + "." + ref[2]
			if q == n || seen[q] {
				continue
			}
			if byName[q] == nil {
				return nil, fmt.Errorf("model %s (%s) reads %s, which no model builds", n, m.Path, q)
			}
			seen[q] = true
			m.Deps = append(m.Deps, q)
		}
		sort.Strings(m.Deps)
		rawSeen := map[string]bool{}
		for _, ref := range rawRE.FindAllStringSubmatch(commentRE.ReplaceAllString(m.SQL, ""), -1) {
			if table := "raw." + ref[1]; !rawSeen[table] {
				rawSeen[table] = true
				m.Raw = append(m.Raw, table)
			}
		}
		sort.Strings(m.Raw)
		if s := m.Meta.SameRowsAs; s != "" && byName[s] == nil {
			return nil, fmt.Errorf("model %s: same_rows_as names unknown model %s", n, s)
		}
	}
	if err := resolveReferences(names, byName); err != nil {
		return nil, err
	}
	for _, n := range names {
		m := byName[n]
		from := m.Meta.ColumnsFrom
		if from == "" {
			continue
		}
		src := byName[from]
		if src == nil || src.Meta.ColumnsFrom != "" {
			return nil, fmt.Errorf("model %s: columns_from names %s, which is no model with its own column descriptions", n, from)
		}
		if m.Meta.Columns == nil {
			m.Meta.Columns = map[string]string{}
		}
		for c, d := range src.Meta.Columns {
			if _, own := m.Meta.Columns[c]; !own {
				m.Meta.Columns[c] = d
			}
		}
	}
	for _, n := range names {
		m := byName[n]
		base := byName[m.Meta.HistoryOf]
		if m.Meta.HistoryOf == "" {
			continue
		}
		if base == nil || !base.Published() || base.Meta.HistoryOf != "" {
			return nil, fmt.Errorf("model %s: history_of names %s, which is no published model", n, m.Meta.HistoryOf)
		}
		m.Deps = append(m.Deps, base.Qualified())
		sort.Strings(m.Deps)
		if m.Meta.Columns == nil {
			m.Meta.Columns = map[string]string{}
		}
		for c, d := range base.Meta.Columns {
			if _, own := m.Meta.Columns[c]; !own {
				m.Meta.Columns[c] = d
			}
		}
		for c, u := range base.Meta.Units {
			if _, own := m.Meta.Units[c]; !own {
				if m.Meta.Units == nil {
					m.Meta.Units = map[string]string{}
				}
				m.Meta.Units[c] = u
			}
		}
	}
	order, err := topo(names, byName)
	if err != nil {
		return nil, err
	}
	c := &Catalog{}
	for _, n := range order {
		c.Models = append(c.Models, *byName[n])
	}
	return c, nil
}

func loadMeta(fsys fs.FS, m *Model) error {
	p := strings.TrimSuffix(m.Path, ".sql") + ".yml"
	b, err := fs.ReadFile(fsys, p)
	if err != nil {
		return fmt.Errorf("model %s: missing metadata %s: %w", m.Qualified(), p, err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&m.Meta); err != nil {
		return fmt.Errorf("model metadata %s: %w", p, err)
	}
	if m.Meta.Description == "" {
		return fmt.Errorf("model metadata %s: description is required", p)
	}
	if err := validateUnitTests(p, m.Meta.UnitTests); err != nil {
		return err
	}
	for _, c := range m.Meta.Checks {
		if c.Severity != "" && c.Severity != "error" && c.Severity != "warn" {
			return fmt.Errorf("model metadata %s: check %s: severity must be error or warn, got %q", p, c.Name, c.Severity)
		}
	}
	return nil
}

// topo is Kahn's algorithm with names sorted at each step, so the build
// order is stable from run to run.
func topo(names []string, byName map[string]*Model) ([]string, error) {
	indeg := map[string]int{}
	users := map[string][]string{}
	for _, n := range names {
		indeg[n] += 0
		for _, d := range byName[n].Deps {
			indeg[n]++
			users[d] = append(users[d], n)
		}
	}
	var ready, out []string
	for _, n := range names {
		if indeg[n] == 0 {
			ready = append(ready, n)
		}
	}
	for len(ready) > 0 {
		sort.Slice(ready, func(i, j int) bool {
			return layerRank(ready[i]) < layerRank(ready[j]) || layerRank(ready[i]) == layerRank(ready[j]) && ready[i] < ready[j]
		})
		n := ready[0]
		ready = ready[1:]
		out = append(out, n)
		for _, u := range users[n] {
			if indeg[u]--; indeg[u] == 0 {
				ready = append(ready, u)
			}
		}
	}
	if len(out) != len(names) {
		var stuck []string
		for _, n := range names {
			if indeg[n] > 0 {
				stuck = append(stuck, n)
			}
		}
		sort.Strings(stuck)
		return nil, fmt.Errorf("models form a dependency cycle: %s", strings.Join(stuck, ", "))
	}
	return out, nil
}

func layerRank(q string) int {
	schema, _, _ := strings.Cut(q, ".")
	for i, l := range Layers {
		if l.Schema == schema {
			return i
		}
	}
	return len(Layers)
}

// PublishedName is the name BI tools see the model under, e.g.
// mart.fct_lead; staging models keep their own.
func (m Model) PublishedName() string {
	if m.Published() {
		return "mart." + m.Name
	}
	return m.Qualified()
}

// Published reports whether BI tools see the model: core and marts do,
// unless declared internal.
func (m Model) Published() bool { return m.Layer != "staging" && !m.Meta.Internal }

// PrimaryKey is the table's key: its first unique column set.
func PrimaryKey(m Meta) []string {
	if len(m.Unique) == 0 {
		return nil
	}
	return m.Unique[0]
}

// KeyNotNull says whether every primary key column is declared NOT NULL,
// which a PRIMARY KEY needs; a key with a nullable column is a unique index.
func KeyNotNull(m Meta) bool {
	key := PrimaryKey(m)
	for _, k := range key {
		if !slices.Contains(m.NotNull, k) {
			return false
		}
	}
	return len(key) > 0
}

// Ref is a resolved foreign key: Column refers to Table.To, a published
// table (Qualified: the model's name in the work database).
type Ref struct {
	Column, Table, Qualified, To string
}

// Refs lists a model's references, by column.
func (m Model) Refs() []Ref { return m.refs }

// resolveReferences checks every declared reference: a published model,
// whose primary key is the one column referred to.
func resolveReferences(names []string, byName map[string]*Model) error {
	published := map[string]*Model{}
	for _, n := range names {
		if m := byName[n]; m.Published() {
			published[m.Name] = m
		}
	}
	for _, n := range names {
		m := byName[n]
		for _, col := range slices.Sorted(maps.Keys(m.Meta.References)) {
			target := m.Meta.References[col]
			table, to, ok := strings.Cut(target, ".")
			tm := published[table]
			if !ok || tm == nil {
				return fmt.Errorf("model %s: references %s: %q is no published table.column", n, col, target)
			}
			if key := PrimaryKey(tm.Meta); len(key) != 1 || key[0] != to || !KeyNotNull(tm.Meta) {
				return fmt.Errorf("model %s: references %s: %s is not the primary key of %s", n, col, to, table)
			}
			if _, ok := m.Meta.Columns[col]; !ok {
				return fmt.Errorf("model %s: references %s: no such column", n, col)
			}
			m.refs = append(m.refs, Ref{Column: col, Table: table, Qualified: tm.Qualified(), To: to})
		}
	}
	return nil
}

// Histories lists the models that publish a mart's snapshots.
func (c *Catalog) Histories() []Model {
	var out []Model
	for _, m := range c.Models {
		if m.Meta.HistoryOf != "" {
			out = append(out, m)
		}
	}
	return out
}

// Upstream is the part of the catalog that building and checking the named
// models needs, in build order: them, every model they read, and every model
// their checks read (a reference's table, same_rows_as, the tables a check's
// SQL names), each with what it needs in turn. Names are qualified or
// published (mart.fct_lead). A backfill builds only what its snapshots are
// taken from.
func (c *Catalog) Upstream(names ...string) (*Catalog, error) {
	byName := map[string]Model{}
	for _, m := range c.Models {
		byName[m.Qualified()] = m
		byName[m.PublishedName()] = m
	}
	need := map[string]bool{}
	var visit func(m Model)
	visit = func(m Model) {
		if need[m.Qualified()] {
			return
		}
		need[m.Qualified()] = true
		for _, r := range m.reads() {
			// a check's SQL may name a table no model builds; it fails when it runs
			if dep, ok := byName[r]; ok {
				visit(dep)
			}
		}
	}
	for _, n := range names {
		m, ok := byName[n]
		if !ok {
			return nil, fmt.Errorf("no model %s", n)
		}
		visit(m)
	}
	part := &Catalog{}
	for _, m := range c.Models {
		if need[m.Qualified()] {
			part.Models = append(part.Models, m)
		}
	}
	return part, nil
}

// reads lists the models that building m and running its checks read.
func (m Model) reads() []string {
	out := slices.Clone(m.Deps)
	for _, r := range m.refs {
		out = append(out, r.Qualified)
	}
	if m.Meta.SameRowsAs != "" {
		out = append(out, m.Meta.SameRowsAs)
	}
	for _, c := range m.Meta.Checks {
		for _, ref := range refRE.FindAllStringSubmatch(commentRE.ReplaceAllString(c.SQL, ""), -1) {
			out = append(out, ref[1]+"."+ref[2])
		}
	}
	return out
}

// Published lists the models that BI tools see: core and marts.
func (c *Catalog) Published() []Model {
	var out []Model
	for _, m := range c.Models {
		if m.Published() {
			out = append(out, m)
		}
	}
	return out
}
