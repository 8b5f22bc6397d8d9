package config

import (
	"strings"
	"testing"

	"leadmart/connectors/file"
)

const minimal = `version: 1
sources:
  - {name: leads, system: crm, entity: lead, path: leads.csv}
`

func TestParseDefaults(t *testing.T) {
	c, err := Parse([]byte(minimal), "base")
	if err != nil {
		t.Fatal(err)
	}
	s := c.Sources[0]
	checks := []struct{ name, got, want string }{
		{"dir", c.Warehouse.Dir, "warehouse"},
		{"time zone", c.Warehouse.TimeZone, "Europe/Berlin"},
		{"currency", c.Warehouse.ReportingCurrency, "EUR"},
		{"format", s.Spec.(*file.Spec).Format, "csv"},
		{"connector", s.Connector, "file"},
		{"delimiter", s.CSV.Delimiter, ","},
		{"encoding", s.CSV.Encoding, "utf-8"},
		{"source_system", s.SourceSystem, "crm"},
		{"primary key", strings.Join(s.PrimaryKey, ","), "lead_id"},
		{"resolved path", c.Resolve(s.Spec.(*file.Spec).Path), "base/leads.csv"},
	}
	for _, ch := range checks {
		if ch.got != ch.want {
			t.Errorf("%s: got %q, want %q", ch.name, ch.got, ch.want)
		}
	}
	if c.KPI.ResponseSLAHours != 24 || c.Publish.Keep != 3 || c.Publish.Parquet.CompressionLevel != 1 {
		t.Errorf("kpi/publish defaults: got sla %d keep %d zstd level %d, want 24, 3 and 1",
			c.KPI.ResponseSLAHours, c.Publish.Keep, c.Publish.Parquet.CompressionLevel)
	}
}

func TestParseErrors(t *testing.T) {
	cases := []struct {
		name, yaml, want string
	}{
		{"unknown key", minimal + "extra: 1\n", "field extra not found in type config.Config"},
		{"unknown nested key", "version: 1\nwarehouse: {dirr: x}\n", "field dirr not found in type config.Warehouse"},
		// the determinism test's hook is no setting
		{"a test hook as a key", "version: 1\nwarehouse: {verify_parallelism: true}\n", "field verify_parallelism not found in type config.Warehouse"},
		{"unknown source key", "version: 1\nsources:\n  - {name: x, system: crm, entity: lead, path: a.csv, pathh: b.csv}\n",
			"line 3: field pathh not found in type config.Source"},
		{"unknown dialect key", "version: 1\nsources:\n  - {name: x, system: crm, entity: lead, path: a.csv, csv: {delimitr: ;}}\n",
			"line 3: field delimitr not found in type extract.Dialect"},
		{"unknown sql key", "version: 1\nsources:\n  - {name: x, system: crm, entity: lead, connector: sql, sql: {querry: select 1}}\n",
			"line 3: field querry not found in type sqldb.Query"},
		{"wrong version", strings.Replace(minimal, "version: 1", "version: 2", 1), "version: got 2, want 1"},
		{"no sources", "version: 1\n", "sources: at least one source is required"},
		{"unknown entity", "version: 1\nsources:\n  - {name: x, system: crm, entity: deal, path: a.csv}\n",
			"sources[0] (x): unknown entity crm.deal"},
		{"unknown format", "version: 1\nsources:\n  - {name: x, system: crm, entity: lead, path: a.txt}\n",
			`sources[0] (x).format: unknown format "txt" (known: csv, ndjson, parquet, xlsx)`},
		{"bad encoding", "version: 1\nsources:\n  - {name: x, system: crm, entity: lead, path: a.csv, csv: {encoding: utf-16}}\n",
			`sources[0] (x).csv.encoding: unknown encoding "utf-16" (known: utf-8, latin-1)`},
		{"unknown mapped field", "version: 1\nsources:\n  - {name: x, system: crm, entity: lead, path: a.csv, columns: {lead_no: Nr}}\n",
			`sources[0] (x).columns: crm.lead has no field "lead_no"`},
		{"unknown stage", "version: 1\nsources:\n  - {name: x, system: crm, entity: lead, path: a.csv, values: {status: {Neu: new}}}\n",
			`sources[0] (x).values.status.Neu: unknown stage "new"`},
		{"revenue share without the method", minimal + "potential: {methods: [benchmark], revenue_share: 0.01}\n",
			"potential.revenue_share: set, but potential.methods does not list revenue_share, so it would be ignored"},
		{"revenue share method without a share", minimal + "potential: {methods: [revenue_share]}\n",
			"potential.methods: revenue_share needs potential.revenue_share"},
		{"duplicate name", minimal + "  - {name: leads, system: crm, entity: lead, path: b.csv}\n",
			"sources[1] (leads).name: duplicate source name"},
		{"bad channel class", minimal + "mappings: {channel_class: {web: inbound}}\n",
			`mappings.channel_class.web: must be reactive or proactive, got "inbound"`},
		{"unknown connector", "version: 1\nsources:\n  - {name: x, system: crm, entity: lead, connector: ftp, path: a.csv}\n",
			`sources[0] (x).connector: unknown connector "ftp" (known: file, sql, rest, http-file)`},
		{"sql without query", "version: 1\nsources:\n  - {name: x, system: crm, entity: lead, connector: sql, sql: {dsn_env: CRM_DSN}}\n",
			"sources[0] (x).sql.query: required"},
		{"sql without dsn_env", "version: 1\nsources:\n  - {name: x, system: crm, entity: lead, connector: sql, sql: {query: select 1}}\n",
			"sources[0] (x).sql.dsn_env: required"},
		{"sql with a path", "version: 1\nsources:\n  - {name: x, system: crm, entity: lead, connector: sql, path: a.csv, sql: {dsn_env: D, query: select 1}}\n",
			"sources[0] (x).path: only file sources have a path (this one is sql)"},
		{"unknown sql driver", "version: 1\nsources:\n  - {name: x, system: crm, entity: lead, connector: sql, sql: {driver: oracle, dsn_env: D, query: select 1}}\n",
			`sources[0] (x).sql.driver: unknown driver "oracle" (known: pgx, duckdb)`},
		{"rest without url", "version: 1\nsources:\n  - {name: x, system: crm, entity: lead, connector: rest}\n",
			`sources[0] (x).rest.url: required, an http or https URL, got ""`},
		{"rest with ftp url", "version: 1\nsources:\n  - {name: x, system: crm, entity: lead, connector: rest, rest: {url: ftp://crm/leads}}\n",
			`sources[0] (x).rest.url: required, an http or https URL, got "ftp://crm/leads"`},
		{"bad memory limit", minimal + "warehouse: {memory_limit: 4 gigs}\n", `warehouse.memory_limit: want a size such as 4GB or 4096MiB, got "4 gigs"`},
		{"tiny memory limit", minimal + "warehouse: {memory_limit: 100MB}\n", "warehouse.memory_limit: 100MB is less than the 256 MiB a run needs"},
		{"compression level too high", minimal + "publish: {parquet: {compression_level: 23}}\n",
			"publish.parquet.compression_level: want a zstd level from 1 to 22, got 23"},
		{"the old per-target keep", minimal + "publish: {duckdb: {keep: 5}}\n",
			"publish.duckdb.keep: replaced by publish.keep, which keeps whole publications (the DuckDB file, Parquet and the dictionary together)"},
		{"a cron expression with six fields", minimal + "schedule: {jobs: [{name: nightly, cron: \"0 0 2 * * *\"}]}\n",
			`schedule.jobs[0].cron: "0 0 2 * * *": expected exactly 5 fields, found 6: [0 0 2 * * *]`},
		{"a cron expression with its own time zone", minimal + "schedule: {jobs: [{name: nightly, cron: \"CRON_TZ=UTC 0 2 * * *\"}]}\n",
			`schedule.jobs[0].cron: "CRON_TZ=UTC 0 2 * * *": jobs run in warehouse.time_zone; leave out the time zone`},
		{"a mail with no recipient", minimal + "report: {email: {host: smtp.example.com, from: leadmart@example.com}}\n",
			"report.email.to: at least one recipient is required"},
		{"a mail port out of range", minimal + "report: {email: {host: smtp.example.com, from: leadmart@example.com, to: [a@example.com], port: 70000}}\n",
			"report.email.port: want 1 to 65535, got 70000"},
		{"a job that is none", minimal + "schedule: {jobs: [{name: weekly, cron: \"@weekly\"}]}\n",
			`schedule.jobs[0].run: "weekly" is no job; known: [nightly monthly-report]`},
		{"an unknown catch-up policy", minimal + "schedule: {catch_up: everything}\n",
			`schedule.catch_up: "everything"; known: [latest none all]`},
		{"no retry at all", minimal + "retry: {attempts: -1}\n",
			"retry.attempts: must be >= 1, got -1"},
		{"bad time zone", minimal + "warehouse: {time_zone: Mars/Olympus}\n", `warehouse.time_zone: unknown time zone "Mars/Olympus"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.yaml), ".")
			if err == nil {
				t.Fatalf("no error, want %q", tc.want)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got error %q, want it to contain %q", err, tc.want)
			}
		})
	}
}

func TestDemoAndExampleConfigsAreValid(t *testing.T) {
	if _, err := Demo("."); err != nil {
		t.Errorf("demo config: %v", err)
	}
	if _, err := Load("leadmart.example.yaml"); err != nil {
		t.Errorf("example config: %v", err)
	}
}

// DuckDB gets 2/3 of the budget; the rest is headroom for what it does not count.
func TestDuckDBMemoryLimit(t *testing.T) {
	for _, tc := range []struct{ budget, want string }{
		{"4GB", "2543MiB"}, // 2.67e9 bytes
		{"4GiB", "2730MiB"},
		{"512 mib", "341MiB"},
		{"1.5GB", "953MiB"}, // 1e9 bytes
		{"", ""},
	} {
		if got := (Warehouse{MemoryLimit: tc.budget}).DuckDBMemoryLimit(); got != tc.want {
			t.Errorf("DuckDBMemoryLimit(%q) = %q, want %q", tc.budget, got, tc.want)
		}
	}
}
