package models

import (
	"fmt"
	"regexp"
)

// UnitTest is a case a model's metadata declares, as dbt's unit_tests:
// given rows for the tables it reads, the rows it must return. One Go test
// (package sql) runs every case in an in-memory DuckDB.
type UnitTest struct {
	// Name identifies the case within the model, snake_case.
	Name string `yaml:"name"`
	// Description says what the case shows and how the expected values
	// were computed by hand.
	Description string `yaml:"description"`
	// Config names the fixture folder under testdata whose leadmart.yaml
	// gives the value maps, channel classes and run parameters; default kpis.
	Config string `yaml:"config"`
	// AsOf is the run's as-of date, YYYY-MM-DD; default 2026-03-31.
	AsOf string `yaml:"as_of"`
	// Params overrides run parameters (columns of cfg.params) by name, as
	// SQL literals' text: {history_months: "3"}.
	Params map[string]string `yaml:"params"`
	// Given are the input tables' rows; every table not given is empty or
	// built from the given ones.
	Given []Given `yaml:"given"`
	// Expect are the model's rows.
	Expect Expect `yaml:"expect"`
}

// Given is one input table's rows: inline CSV or a CSV file beside the
// model's YAML, a header line first; empty cells are NULL.
type Given struct {
	// Input is the table: raw.crm__lead, core.fct_lead, mart.kpi_win_rate,
	// history.kpi_funnel_monthly.
	Input string `yaml:"input"`
	Rows  string `yaml:"rows"`
	CSV   string `yaml:"csv"`
}

// Expect is the model's expected rows, in any order: inline CSV or a CSV
// file, a header line naming the columns compared (a subset of the
// model's). Where selects the rows compared (a SQL condition).
type Expect struct {
	Where string `yaml:"where"`
	Rows  string `yaml:"rows"`
	CSV   string `yaml:"csv"`
}

var caseNameRE = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

// validate checks a model's cases for what the YAML alone can tell.
func validateUnitTests(p string, cases []UnitTest) error {
	seen := map[string]bool{}
	for i, c := range cases {
		if !caseNameRE.MatchString(c.Name) {
			return fmt.Errorf("model metadata %s: unit_tests[%d]: name %q must be snake_case", p, i, c.Name)
		}
		if seen[c.Name] {
			return fmt.Errorf("model metadata %s: unit test %s is declared twice", p, c.Name)
		}
		seen[c.Name] = true
		if (c.Expect.Rows == "") == (c.Expect.CSV == "") {
			return fmt.Errorf("model metadata %s: unit test %s: expect needs rows or csv, not both", p, c.Name)
		}
		for _, g := range c.Given {
			if g.Input == "" || (g.Rows == "") == (g.CSV == "") {
				return fmt.Errorf("model metadata %s: unit test %s: each given needs an input and rows or csv, not both", p, c.Name)
			}
		}
	}
	return nil
}
