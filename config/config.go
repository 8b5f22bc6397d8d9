// Package config holds leadmart's typed, versioned YAML configuration.
// Decoding is strict: unknown keys are errors. Every field documents its default.
package config

import (
	"bytes"
	"cmp"
	_ "embed"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	_ "time/tzdata" // the time zone must resolve on machines without zoneinfo

	"go.yaml.in/yaml/v3"

	"leadmart/connectors"
	"leadmart/connectors/extract"
	"leadmart/internal/retry"
	"leadmart/models"
)

// ErrInvalid marks a configuration that cannot be used as written: a key
// that is unknown or out of range, or a mapping that does not fit its
// source. cmd/leadmart exits 2 on it, as on any usage error.
var ErrInvalid = errors.New("invalid configuration")

// CurrentVersion is the only config version this build understands.
const CurrentVersion = 1

// Config is the whole job configuration.
type Config struct {
	// Version of the config schema. Required; must be 1.
	Version int `yaml:"version"`
	// Warehouse says where and how the warehouse is built.
	Warehouse Warehouse `yaml:"warehouse"`
	// Sources are the extracts to load, one per system entity and file set.
	Sources []Source `yaml:"sources"`
	// Mappings classify canonical values across all sources.
	Mappings Mappings `yaml:"mappings"`
	// KPI holds the business parameters of the KPI models.
	KPI KPI `yaml:"kpi"`
	// Potential configures the customer-potential model (docs/kpis.md#customer-potential).
	Potential Potential `yaml:"potential"`
	// Maturity names and weighs the five digital-maturity factors.
	Maturity Maturity `yaml:"maturity"`
	// Publish lists the publication targets.
	Publish Publish `yaml:"publish"`
	// Quality sets the row checks made on the landed data before the
	// models run, and the severity of every check.
	Quality Quality `yaml:"quality"`
	// Schedule configures the daemon `leadmart schedule`: its jobs, catch-up,
	// retries and the address of its metrics.
	Schedule Schedule `yaml:"schedule"`
	// Retry is how transient failures are retried: a source that is
	// unreachable or times out, HTTP 429 and 5xx, a refused database
	// connection, and (in the daemon) a warehouse another command holds.
	Retry Retry `yaml:"retry"`
	// Report configures the monthly report and its delivery.
	Report Report `yaml:"report"`

	// baseDir is where relative paths resolve: the config file's folder.
	baseDir string
}

// Warehouse configures the embedded DuckDB warehouse.
type Warehouse struct {
	// Dir is the warehouse folder. Default "warehouse".
	Dir string `yaml:"dir"`
	// TimeZone of the business: as_of defaults to yesterday here. Default "Europe/Berlin".
	TimeZone string `yaml:"time_zone"`
	// ReportingCurrency of all amounts. Default "EUR".
	ReportingCurrency string `yaml:"reporting_currency"`
	// MemoryLimit is the job's memory budget, e.g. "4GB" (1000-based, as
	// DuckDB reads it) or "4GiB". DuckDB's memory_limit is set to 2/3 of it
	// (see DuckDBMemoryLimit). Default: DuckDB's own (80% of RAM).
	MemoryLimit string `yaml:"memory_limit"`
	// Threads for DuckDB. Default 0: DuckDB's own (all cores).
	Threads int `yaml:"threads"`
	// TempDir is where DuckDB spills. Default "<dir>/tmp".
	TempDir string `yaml:"temp_dir"`
	// VerifyParallelism is a test hook, not a setting: DuckDB splits its
	// scans into one task per vector instead of per row group, so that even
	// a small table is added up by several threads in an order that varies
	// from run to run (the determinism test). A file cannot set it.
	VerifyParallelism bool `yaml:"-"`
}

// duckdbShare is the part of the memory budget that DuckDB's buffer manager
// gets. DuckDB counts the memory it manages against memory_limit, not what
// its readers, writers and the allocator hold besides, nor the Go process:
// at scale L with the whole budget as DuckDB's limit the process peaked at
// 1.3 x the limit, and with 3/4 of it, 1.5 GiB above DuckDB's limit. The
// rest of the budget is that headroom.
const duckdbShareNum, duckdbShareDen = 2, 3

var sizeRE = regexp.MustCompile(`^(?i)\s*([0-9]+(?:\.[0-9]+)?)\s*(b|kb|mb|gb|tb|kib|mib|gib|tib)?\s*$`)

var sizeUnits = map[string]float64{"": 1, "b": 1, "kb": 1e3, "mb": 1e6, "gb": 1e9, "tb": 1e12,
	"kib": 1 << 10, "mib": 1 << 20, "gib": 1 << 30, "tib": 1 << 40}

// MemoryBytes is MemoryLimit in bytes; 0 when it is not set.
func (w Warehouse) MemoryBytes() (int64, error) {
	if w.MemoryLimit == "" {
		return 0, nil
	}
	m := sizeRE.FindStringSubmatch(w.MemoryLimit)
	if m == nil {
		return 0, fmt.Errorf("warehouse.memory_limit: want a size such as 4GB or 4096MiB, got %q", w.MemoryLimit)
	}
	n, _ := strconv.ParseFloat(m[1], 64)
	return int64(n * sizeUnits[strings.ToLower(m[2])]), nil
}

// DuckDBMemoryLimit is the memory_limit leadmart sets in DuckDB: 2/3 of the
// budget, in MiB; "" to keep DuckDB's default.
func (w Warehouse) DuckDBMemoryLimit() string {
	b, err := w.MemoryBytes()
	if err != nil || b == 0 {
		return ""
	}
	return fmt.Sprintf("%dMiB", b*duckdbShareNum/duckdbShareDen>>20)
}

// Source is one extract that maps onto one canonical entity. Its keys are
// the ones below, which every source has, and those of its connector kind
// (Spec): file: path, format, sheet; sql: sql; rest: rest. Each kind
// declares its keys beside its code (connectors/<kind>/spec.go).
type Source struct {
	// Name identifies the source in logs, lineage and value mappings. Required, unique.
	Name string `yaml:"name"`
	// System is the canonical system: crm, erp, survey, finance or reference. Required.
	System string `yaml:"system"`
	// Entity is the canonical entity within the system, e.g. lead. Required.
	Entity string `yaml:"entity"`
	// Connector kind: file (default), sql or rest (connectors.Kinds).
	Connector string `yaml:"connector"`
	// CSV is the dialect of csv files, and of text values of every kind
	// (decimal comma, date and timestamp formats).
	CSV extract.Dialect `yaml:"csv"`
	// Columns maps canonical field -> a source column, a constant or an SQL
	// expression (FieldMap). Fields not listed are taken from a same-named
	// source column when there is one.
	Columns map[string]FieldMap `yaml:"columns"`
	// Values maps, per canonical field, source values to canonical values
	// (e.g. status: {Neu: lead}, is_won: {Won: true}). Matching ignores case
	// and surrounding spaces; the key "" maps an empty or missing value. A
	// value without a key passes through. Targets are canonical values of
	// the field's type; "" maps to NULL.
	Values map[string]map[string]string `yaml:"values"`
	// SourceSystem tags every row, so that several CRMs or ERPs can be unioned.
	// Default: the system.
	SourceSystem string `yaml:"source_system"`
	// PrimaryKey of the entity. Default: the canonical key.
	PrimaryKey []string `yaml:"primary_key"`
	// AllowEmpty: a file with no rows (or no bytes) lands as an empty
	// batch instead of failing the run. Default false: an extract that
	// suddenly has no rows is far more often a broken export than a quiet day.
	AllowEmpty bool `yaml:"allow_empty"`
	// MaxRejected is how many lines of one file may be rejected (split
	// into the wrong number of fields) before the file fails the run: a
	// share of its lines ("1%") or a count ("10"). Default "1%".
	MaxRejected string `yaml:"max_rejected"`

	// Spec is the connector kind's own keys; nil for an unknown kind.
	Spec extract.Spec `yaml:"-"`
	// misplaced are keys of another kind than this source's (e.g. a path
	// on a sql source), reported by Validate.
	misplaced []misplacedKey
}

type misplacedKey struct{ key, kind string }

// SourceColumns are the source's columns for its entity's fields: the
// mapped name, else the field's own.
func (s Source) SourceColumns() []string {
	ent, err := models.Lookup(s.System, s.Entity)
	if err != nil {
		return nil
	}
	cols := make([]string, 0, len(ent.Fields))
	for _, f := range ent.Fields {
		m, ok := s.Columns[f.Name]
		if ok && m.Kind() != "column" {
			continue
		}
		cols = append(cols, cmp.Or(m.Column, f.Name))
	}
	return cols
}

// Env is what the source's connector is opened with.
func (c *Config) Env(s Source) extract.Env {
	return extract.Env{Name: s.Name, Columns: s.SourceColumns(), Dialect: s.CSV, Location: c.Location(), Resolve: c.Resolve,
		AllowEmpty: s.AllowEmpty}
}

// Open returns the source's reader through its connector kind.
// retry, when not nil, runs what may fail transiently, counting and
// logging the retries.
func (c *Config) Open(s Source, retry *retry.Retrier) (extract.Reader, error) {
	if s.Spec == nil {
		return nil, fmt.Errorf("source %s: unknown connector %q", s.Name, s.Connector)
	}
	env := c.Env(s)
	env.Retry = retry
	return s.Spec.Open(env)
}

// Quality configures the checks of landed rows (ranges, future dates,
// relationships) and the severity of any check.
type Quality struct {
	// Severity per check: error (the run fails, nothing is published),
	// warn (reported, counted in kpi_data_quality, the run publishes) or
	// quarantine (row checks only: the rows are left out of the marts and
	// listed in ops.quarantined_rows). Keys are a kind of row check
	// (range, future_date, relationship), one row check by its name (e.g.
	// range(crm.opportunity.amount)), or a model's check as
	// schema.model.check (e.g. core.fct_lead.stages_in_order). Default:
	// warn for row checks, the model's own for model checks.
	Severity map[string]string `yaml:"severity"`
	// Ranges override or add the plausible values of a field, keyed
	// system.entity.field (e.g. crm.opportunity.amount: {min: 0, max: 5e6});
	// an empty mapping turns the field's range off.
	Ranges map[string]Bounds `yaml:"ranges"`
}

// Bounds of a range; either may be left out.
type Bounds struct {
	Min *float64 `yaml:"min"`
	Max *float64 `yaml:"max"`
}

// Mappings classify canonical values for every source.
type Mappings struct {
	// ChannelClass maps a canonical channel to reactive or proactive.
	ChannelClass map[string]string `yaml:"channel_class"`
	// CustomerFacing maps a canonical activity type to whether it is customer-facing time.
	CustomerFacing map[string]bool `yaml:"customer_facing"`
}

// KPI holds the business parameters of the KPI models.
type KPI struct {
	// ResponseSLAHours is the lead response SLA. Default 24.
	ResponseSLAHours int `yaml:"response_sla_hours"`
	// HistoryMonths is how many months the monthly and daily marts cover. Default 24.
	HistoryMonths int `yaml:"history_months"`
}

// Potential configures how customer potential is estimated and classified.
type Potential struct {
	// Methods in order of precedence: the first one that gives a value wins.
	// Default [crm_estimate, benchmark, peer_model].
	Methods []string `yaml:"methods"`
	// PeerQuantile of trailing-12-month revenue per employee in a peer group. Default 0.75.
	PeerQuantile float64 `yaml:"peer_quantile"`
	// MinPeerGroup is the smallest peer group used; smaller ones fall back to
	// industry, then to all customers. Default 5.
	MinPeerGroup int `yaml:"min_peer_group"`
	// SizeClasses are the employee bounds of small, medium and large; above is enterprise. Default [50, 250, 1000].
	SizeClasses []int `yaml:"size_classes"`
	// RevenueShare turns on the revenue_share method: potential = the
	// account's own annual_revenue x this share (the part of its spend a
	// supplier like us can reach), for accounts without invoices, benchmark
	// or peers. Default 0: off; when set, revenue_share must be in methods
	// (it is appended to the default methods).
	RevenueShare float64 `yaml:"revenue_share"`
	// ClassA is the cumulative potential share of the A class. Default 0.80.
	ClassA float64 `yaml:"class_a"`
	// ClassB is the cumulative potential share of A and B together. Default 0.95.
	ClassB float64 `yaml:"class_b"`
}

// Maturity configures the digital-maturity index.
type Maturity struct {
	// Factors 1-5 in order. Factors 2 and 5 are named by the source study; the
	// defaults of 1, 3 and 4 are leadmart's assumption.
	Factors []MaturityFactor `yaml:"factors"`
}

// MaturityFactor is one success factor of digital maturity in sales.
type MaturityFactor struct {
	// Name of the factor.
	Name string `yaml:"name"`
	// Weight in the index. Default 1.
	Weight float64 `yaml:"weight"`
}

// DefaultMaturityFactors are the five success factors (docs/kpis.md#digital-maturity).
var DefaultMaturityFactors = []MaturityFactor{
	{"digital strategy and leadership", 1}, {"optimised sales processes", 1},
	{"digital customer interaction and channels", 1}, {"digital equipment and skills of the sales force", 1},
	{"sales enablement", 1},
}

// Publish lists the publication targets.
type Publish struct {
	// Keep is how many publications are kept, the live one included, for
	// rollback: each one version folder with the DuckDB file, the Parquet
	// folder and the data dictionary. Default 3.
	Keep int `yaml:"keep"`
	// DuckDB publishes <dir>/leadmart.duckdb. Always on.
	DuckDB DuckDBTarget `yaml:"duckdb"`
	// Parquet publishes <dir>/publish/parquet/<table>/.
	Parquet ParquetTarget `yaml:"parquet"`
	// Postgres publishes into a PostgreSQL schema. Off unless dsn_env is set.
	Postgres PostgresTarget `yaml:"postgres"`
}

// ParquetTarget configures the Parquet publication.
type ParquetTarget struct {
	// Enabled turns it on. Default true.
	Enabled *bool `yaml:"enabled"`
	// Keep was the Parquet versions kept; one publish.keep counts whole
	// versions now. Set, it is a config error that says so.
	Keep int `yaml:"keep"`
	// CompressionLevel is the zstd level, 1 (fastest) to 22. Default 1: the
	// publication is rewritten every night, and at scale M level 1 writes
	// 15 % faster than DuckDB's default 3 for 9 % more bytes.
	CompressionLevel int `yaml:"compression_level"`
}

// On says whether the Parquet publication runs.
func (p ParquetTarget) On() bool { return p.Enabled == nil || *p.Enabled }

// PostgresTarget configures the PostgreSQL publication.
type PostgresTarget struct {
	// DSNEnv names the environment variable that holds the connection string;
	// the DSN itself is never in the config or the logs. Empty: no PostgreSQL publication.
	DSNEnv string `yaml:"dsn_env"`
	// Schema that readers query. Default "mart".
	Schema string `yaml:"schema"`
	// ReadRole is granted USAGE and SELECT on the published schema; created when missing. Default: none.
	ReadRole string `yaml:"read_role"`
}

// DuckDBTarget configures the published DuckDB file.
type DuckDBTarget struct {
	// Keep was the DuckDB files kept; one publish.keep counts whole
	// versions now. Set, it is a config error that says so.
	Keep int `yaml:"keep"`
}

//go:embed demo.yaml
var demoYAML []byte

// DemoYAML is the built-in configuration's text.
func DemoYAML() []byte { return append([]byte(nil), demoYAML...) }

// Demo returns the built-in configuration over the demo extracts that
// `leadmart demo --out warehouse/demo` writes. Paths resolve against baseDir.
func Demo(baseDir string) (*Config, error) {
	return Parse(demoYAML, baseDir)
}

// Load reads and validates a config file.
func Load(path string) (*Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	c, err := Parse(b, filepath.Dir(path))
	if err != nil {
		return nil, fmt.Errorf("config %s: %w", path, err)
	}
	return c, nil
}

// Parse decodes strictly, applies defaults and validates.
func Parse(b []byte, baseDir string) (*Config, error) {
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	var c Config
	if err := dec.Decode(&c); err != nil {
		return nil, fmt.Errorf("%w: decode: %w", ErrInvalid, err)
	}
	c.baseDir = baseDir
	c.applyDefaults()
	if err := c.Validate(); err != nil {
		return nil, fmt.Errorf("%w:\n%w", ErrInvalid, err)
	}
	return &c, nil
}

func (c *Config) applyDefaults() {
	w := &c.Warehouse
	w.Dir = or(w.Dir, "warehouse")
	w.TimeZone = or(w.TimeZone, "Europe/Berlin")
	w.ReportingCurrency = or(w.ReportingCurrency, "EUR")
	c.Schedule.applyDefaults()
	c.Retry.applyDefaults()
	c.Report.applyDefaults()
	for i := range c.Sources {
		s := &c.Sources[i]
		s.Connector = or(s.Connector, "file")
		s.SourceSystem = or(s.SourceSystem, s.System)
		if s.Spec != nil {
			s.Spec.Defaults()
		}
		d := &s.CSV
		d.Delimiter = or(d.Delimiter, ",")
		d.Quote = or(d.Quote, `"`)
		d.Encoding = strings.ToLower(or(d.Encoding, "utf-8"))
		d.DateFormat = or(d.DateFormat, "%Y-%m-%d")
		s.MaxRejected = or(s.MaxRejected, "1%")
		if e, err := models.Lookup(s.System, s.Entity); err == nil && len(s.PrimaryKey) == 0 {
			s.PrimaryKey = e.Key
		}
	}
	if c.KPI.ResponseSLAHours == 0 {
		c.KPI.ResponseSLAHours = 24
	}
	if c.KPI.HistoryMonths == 0 {
		c.KPI.HistoryMonths = 24
	}
	if len(c.Maturity.Factors) == 0 {
		c.Maturity.Factors = append([]MaturityFactor(nil), DefaultMaturityFactors...)
	}
	for i := range c.Maturity.Factors {
		if c.Maturity.Factors[i].Weight == 0 {
			c.Maturity.Factors[i].Weight = 1
		}
	}
	p := &c.Potential
	if len(p.Methods) == 0 {
		p.Methods = []string{"crm_estimate", "benchmark", "peer_model"}
		if p.RevenueShare > 0 {
			p.Methods = append(p.Methods, "revenue_share")
		}
	}
	if p.PeerQuantile == 0 {
		p.PeerQuantile = 0.75
	}
	if p.MinPeerGroup == 0 {
		p.MinPeerGroup = 5
	}
	if len(p.SizeClasses) == 0 {
		p.SizeClasses = []int{50, 250, 1000}
	}
	if p.ClassA == 0 {
		p.ClassA = 0.80
	}
	if p.ClassB == 0 {
		p.ClassB = 0.95
	}
	if c.Publish.Keep == 0 {
		c.Publish.Keep = 3
	}
	if c.Publish.Parquet.CompressionLevel == 0 {
		c.Publish.Parquet.CompressionLevel = 1
	}
	c.Publish.Postgres.Schema = or(c.Publish.Postgres.Schema, "mart")
}

var identRE = regexp.MustCompile(`^[a-z_][a-z0-9_]*$`)

var stages = map[string]bool{"lead": true, "mql": true, "sql": true, "opportunity": true, "won": true, "lost": true, "disqualified": true}

// Validate checks the config and reports every problem, one per line.
func (c *Config) Validate() error {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	if c.Version != CurrentVersion {
		bad("version: got %d, want %d", c.Version, CurrentVersion)
	}
	if _, err := time.LoadLocation(c.Warehouse.TimeZone); err != nil {
		bad("warehouse.time_zone: unknown time zone %q", c.Warehouse.TimeZone)
	}
	c.Schedule.validate(bad)
	c.Retry.validate(bad)
	c.Report.validate(bad)
	if b, err := c.Warehouse.MemoryBytes(); err != nil {
		bad("%v", err)
	} else if b > 0 && b < 256<<20 {
		bad("warehouse.memory_limit: %s is less than the 256 MiB a run needs", c.Warehouse.MemoryLimit)
	}
	if len(c.Warehouse.ReportingCurrency) != 3 {
		bad("warehouse.reporting_currency: %q is not a 3-letter ISO code", c.Warehouse.ReportingCurrency)
	}
	if msg := checkDir(c.Resolve(c.Warehouse.TempDir)); c.Warehouse.TempDir != "" && msg != "" {
		bad("warehouse.temp_dir: %s", msg)
	}
	if c.Warehouse.Threads < 0 {
		bad("warehouse.threads: must be >= 0, got %d", c.Warehouse.Threads)
	}
	if len(c.Sources) == 0 {
		bad("sources: at least one source is required")
	}
	names := map[string]bool{}
	for i, s := range c.Sources {
		at := fmt.Sprintf("sources[%d]", i)
		if s.Name == "" {
			bad("%s.name: required", at)
		} else {
			at = fmt.Sprintf("sources[%d] (%s)", i, s.Name)
			if names[s.Name] {
				bad("%s.name: duplicate source name", at)
			}
			names[s.Name] = true
		}
		e, err := models.Lookup(s.System, s.Entity)
		if err != nil {
			bad("%s: %v", at, err)
			continue
		}
		if s.Spec == nil {
			bad("%s.connector: unknown connector %q (known: %s)", at, s.Connector, strings.Join(connectors.Names(), ", "))
		} else {
			for _, m := range s.Spec.Validate() {
				bad("%s.%s", at, m)
			}
		}
		for _, m := range s.misplaced {
			bad("%s.%s: only %s sources have a %s (this one is %s)", at, m.key, m.kind, m.key, s.Connector)
		}
		if s.CSV.Encoding != "utf-8" && s.CSV.Encoding != "latin-1" {
			bad("%s.csv.encoding: unknown encoding %q (known: utf-8, latin-1)", at, s.CSV.Encoding)
		}
		if len(s.CSV.Delimiter) != 1 {
			bad("%s.csv.delimiter: must be one single-byte character, got %q", at, s.CSV.Delimiter)
		}
		if len(s.CSV.Quote) != 1 {
			bad("%s.csv.quote: must be one single-byte character, got %q", at, s.CSV.Quote)
		} else if s.CSV.Quote == s.CSV.Delimiter {
			bad("%s.csv.quote: %q is also the delimiter", at, s.CSV.Quote)
		}
		for key, f := range map[string]string{"date_format": s.CSV.DateFormat, "timestamp_format": s.CSV.TimestampFormat} {
			if msg := checkStrptime(f); msg != "" {
				bad("%s.csv.%s: %s", at, key, msg)
			}
		}
		if _, _, err := s.RejectLimit(); err != nil {
			bad("%s.max_rejected: %v", at, err)
		}
		validateMapping(at, s, e, bad)
		for _, k := range s.PrimaryKey {
			if _, ok := e.Field(k); !ok {
				bad("%s.primary_key: %s.%s has no field %q%s", at, s.System, s.Entity, k, closest(k, e.FieldNames()))
			}
		}
	}
	for _, ch := range slices.Sorted(maps.Keys(c.Mappings.ChannelClass)) {
		if v := c.Mappings.ChannelClass[ch]; v != "reactive" && v != "proactive" {
			bad("mappings.channel_class.%s: must be reactive or proactive, got %q", ch, v)
		}
	}
	if c.KPI.ResponseSLAHours < 0 {
		bad("kpi.response_sla_hours: must be > 0, got %d", c.KPI.ResponseSLAHours)
	}
	if n := len(c.Maturity.Factors); n != 5 {
		bad("maturity.factors: want the 5 factors in order, got %d", n)
	}
	for i, f := range c.Maturity.Factors {
		if f.Weight < 0 {
			bad("maturity.factors[%d].weight: must be >= 0, got %v", i, f.Weight)
		}
	}
	p := c.Potential
	for _, m := range p.Methods {
		if m != "crm_estimate" && m != "benchmark" && m != "peer_model" && m != "revenue_share" {
			bad("potential.methods: unknown method %q (known: crm_estimate, benchmark, peer_model, revenue_share)", m)
		}
	}
	if hasShare := slices.Contains(p.Methods, "revenue_share"); hasShare && p.RevenueShare <= 0 {
		bad("potential.methods: revenue_share needs potential.revenue_share, the share of an account's annual revenue it can spend with us")
	} else if !hasShare && p.RevenueShare > 0 {
		bad("potential.revenue_share: set, but potential.methods does not list revenue_share, so it would be ignored")
	}
	if p.RevenueShare < 0 || p.RevenueShare > 1 {
		bad("potential.revenue_share: must be between 0 and 1, got %v", p.RevenueShare)
	}
	if p.PeerQuantile <= 0 || p.PeerQuantile >= 1 {
		bad("potential.peer_quantile: must be between 0 and 1, got %v", p.PeerQuantile)
	}
	if p.MinPeerGroup < 1 {
		bad("potential.min_peer_group: must be >= 1, got %d", p.MinPeerGroup)
	}
	if len(p.SizeClasses) != 3 || !(0 < p.SizeClasses[0] && p.SizeClasses[0] < p.SizeClasses[1] && p.SizeClasses[1] < p.SizeClasses[2]) {
		bad("potential.size_classes: want three increasing employee bounds, got %v", p.SizeClasses)
	}
	if !(0 < p.ClassA && p.ClassA < p.ClassB && p.ClassB <= 1) {
		bad("potential: want 0 < class_a < class_b <= 1, got class_a %v and class_b %v", p.ClassA, p.ClassB)
	}
	// which checks exist, and that only row checks quarantine, is checked
	// against the catalog when a run starts (jobs.checkSeverityKeys)
	for k, v := range c.Quality.Severity {
		if v != "error" && v != "warn" && v != "quarantine" {
			bad("quality.severity.%s: want error, warn or quarantine, got %q", k, v)
		}
	}
	for _, k := range slices.Sorted(maps.Keys(c.Quality.Ranges)) {
		parts := strings.Split(k, ".")
		if len(parts) != 3 {
			bad("quality.ranges.%s: want system.entity.field, e.g. crm.opportunity.amount", k)
			continue
		}
		e, err := models.Lookup(parts[0], parts[1])
		if err != nil {
			bad("quality.ranges.%s: %v", k, err)
			continue
		}
		f, ok := e.Field(parts[2])
		switch {
		case !ok:
			bad("quality.ranges.%s: %s.%s has no field %q%s", k, parts[0], parts[1], parts[2], closest(parts[2], e.FieldNames()))
		case f.Type != models.Int && f.Type != models.Decimal:
			bad("quality.ranges.%s: a range needs a numeric field; %s is %s", k, parts[2], f.Type)
		}
		if b := c.Quality.Ranges[k]; b.Min != nil && b.Max != nil && *b.Min > *b.Max {
			bad("quality.ranges.%s: min %v is above max %v", k, *b.Min, *b.Max)
		}
	}
	if c.Publish.Keep < 1 {
		bad("publish.keep: must be >= 1, got %d", c.Publish.Keep)
	}
	// one version folder holds every file target: one count keeps them together
	if c.Publish.DuckDB.Keep != 0 {
		bad("publish.duckdb.keep: replaced by publish.keep, which keeps whole publications (the DuckDB file, Parquet and the dictionary together)")
	}
	if c.Publish.Parquet.Keep != 0 {
		bad("publish.parquet.keep: replaced by publish.keep, which keeps whole publications (the DuckDB file, Parquet and the dictionary together)")
	}
	if l := c.Publish.Parquet.CompressionLevel; l < 1 || l > 22 {
		bad("publish.parquet.compression_level: want a zstd level from 1 to 22, got %d", l)
	}
	if pg := c.Publish.Postgres; pg.DSNEnv != "" && !identRE.MatchString(pg.Schema) {
		bad("publish.postgres.schema: %q is not a plain identifier", pg.Schema)
	} else if pg.ReadRole != "" && !identRE.MatchString(pg.ReadRole) {
		bad("publish.postgres.read_role: %q is not a plain identifier", pg.ReadRole)
	}
	return errors.Join(errs...)
}

// Resolve makes a config-relative path usable from the working directory.
func (c *Config) Resolve(p string) string {
	if p == "" || filepath.IsAbs(p) || c.baseDir == "" {
		return p
	}
	return filepath.Join(c.baseDir, p)
}

// WarehouseDir is the resolved warehouse folder.
func (c *Config) WarehouseDir() string { return c.Resolve(c.Warehouse.Dir) }

// Location is the configured time zone (validated).
func (c *Config) Location() *time.Location {
	loc, err := time.LoadLocation(c.Warehouse.TimeZone)
	if err != nil {
		return time.UTC
	}
	return loc
}

// RejectLimit is MaxRejected as a share of a file's lines (share set) or a
// count of lines.
func (s Source) RejectLimit() (count int64, share float64, err error) {
	v := strings.TrimSpace(s.MaxRejected)
	if p, ok := strings.CutSuffix(v, "%"); ok {
		f, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil || f < 0 || f > 100 {
			return 0, 0, fmt.Errorf("want a share such as 1%% or a count of lines such as 10, got %q", s.MaxRejected)
		}
		return 0, f / 100, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return 0, 0, fmt.Errorf("want a share such as 1%% or a count of lines such as 10, got %q", s.MaxRejected)
	}
	return n, 0, nil
}

// strptimeCodes are the format codes DuckDB's strptime reads.
const strptimeCodes = "aAbBcdfgGHIjmMpSuUVwWxXyYzZ%"

// checkStrptime is the problem with a strptime format, "" when none: an
// unknown or dangling % code, or no code at all, would fail only when the
// first value is read.
func checkStrptime(f string) string {
	if f == "" {
		return ""
	}
	codes := 0
	for i := 0; i < len(f); i++ {
		if f[i] != '%' {
			continue
		}
		if i+1 == len(f) {
			return fmt.Sprintf("%q ends in a lone %%", f)
		}
		i++
		if f[i] == '-' && i+1 < len(f) { // %-d: without padding
			i++
		}
		if !strings.ContainsRune(strptimeCodes, rune(f[i])) {
			return fmt.Sprintf("%q has the unknown code %%%c (known: %%%s)", f, f[i], strings.Join(strings.Split(strptimeCodes, ""), " %"))
		}
		codes++
	}
	if codes == 0 {
		return fmt.Sprintf("%q has no %% code, so no value could match it", f)
	}
	return ""
}

// checkDir is the problem with a folder leadmart must write into, "" when
// none: a path that is a file, or a missing folder that cannot be created.
func checkDir(dir string) string {
	fi, err := os.Stat(dir)
	switch {
	case err == nil && !fi.IsDir():
		return fmt.Sprintf("%s is a file, not a folder", dir)
	case err == nil:
		return ""
	case !errors.Is(err, os.ErrNotExist) && !errors.Is(err, syscall.ENOTDIR):
		return err.Error()
	}
	// the nearest existing parent must be a writable folder
	parent := filepath.Dir(dir)
	for ; parent != filepath.Dir(parent); parent = filepath.Dir(parent) {
		if _, err := os.Stat(parent); err == nil {
			break
		}
	}
	if fi, err := os.Stat(parent); err != nil || !fi.IsDir() {
		return fmt.Sprintf("%s cannot be created: %s is not a folder", dir, parent)
	}
	if err := syscall.Access(parent, 2 /* W_OK */); err != nil {
		return fmt.Sprintf("%s cannot be created: %s is not writable", dir, parent)
	}
	return ""
}

func or(v, def string) string {
	if v == "" {
		return def
	}
	return v
}
