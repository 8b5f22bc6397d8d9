package models

import (
	"strings"
	"testing"
	"testing/fstest"

	sqlmodels "leadmart/sql"
)

func TestCatalogOrdersByReferences(t *testing.T) {
	fsys := fstest.MapFS{
		"staging/stg_a.sql": {Data: []byte("select * from raw.crm__lead")},
		"staging/stg_a.yml": {Data: []byte("description: a\n")},
		"core/fct_b.sql":    {Data: []byte("select * from staging.stg_a -- not core.fct_x\n")},
		"core/fct_b.yml":    {Data: []byte("description: b\n")},
		"core/dim_c.sql":    {Data: []byte("select * from core.fct_b join staging.stg_a using (x)")},
		"core/dim_c.yml":    {Data: []byte("description: c\n")},
		"marts/kpi_d.sql":   {Data: []byte("select * from core.dim_c")},
		"marts/kpi_d.yml":   {Data: []byte("description: d\ncolumns: {x: the x}\n")},
	}
	c, err := LoadCatalog(fsys)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range c.Models {
		got = append(got, m.Qualified())
	}
	if want := "staging.stg_a core.fct_b core.dim_c mart.kpi_d"; strings.Join(got, " ") != want {
		t.Errorf("order: got %v, want %s", got, want)
	}
	if deps := strings.Join(c.Models[2].Deps, ","); deps != "core.fct_b,staging.stg_a" {
		t.Errorf("deps of dim_c: got %s", deps)
	}
	if len(c.Published()) != 3 {
		t.Errorf("published: got %d models, want 3 (core and marts)", len(c.Published()))
	}
}

func TestCatalogErrors(t *testing.T) {
	meta := &fstest.MapFile{Data: []byte("description: x\n")}
	cases := []struct {
		name string
		fsys fstest.MapFS
		want string
	}{
		{"cycle", fstest.MapFS{
			"core/a.sql": {Data: []byte("select * from core.b")}, "core/a.yml": meta,
			"core/b.sql": {Data: []byte("select * from core.a")}, "core/b.yml": meta,
		}, "models form a dependency cycle: core.a, core.b"},
		{"unknown reference", fstest.MapFS{
			"core/a.sql": {Data: []byte("select * from staging.nope")}, "core/a.yml": meta,
		}, "model core.a (core/a.sql) reads staging.nope, which no model builds"},
		{"missing metadata", fstest.MapFS{
			"marts/k.sql": {Data: []byte("select 1")},
		}, "model mart.k: missing metadata marts/k.yml"},
		{"unknown check severity", fstest.MapFS{
			"marts/k.sql": {Data: []byte("select 1")}, "marts/k.yml": {Data: []byte("description: k\nchecks: [{name: c, sql: select 1, severity: info}]\n")},
		}, `model metadata marts/k.yml: check c: severity must be error or warn, got "info"`},
		{"unknown metadata key", fstest.MapFS{
			"marts/k.sql": {Data: []byte("select 1")}, "marts/k.yml": {Data: []byte("description: k\ngrian: x\n")},
		}, "field grian not found"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := LoadCatalog(tc.fsys)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want %q", err, tc.want)
			}
		})
	}
}

func TestEmbeddedCatalogLoads(t *testing.T) {
	c, err := LoadCatalog(sqlmodels.FS)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range c.Published() {
		if len(m.Meta.Columns) == 0 {
			t.Errorf("%s documents no columns", m.Qualified())
		}
	}
}

func TestUpstream(t *testing.T) {
	fsys := fstest.MapFS{
		"staging/stg_a.sql": {Data: []byte("select * from raw.crm__lead")},
		"staging/stg_a.yml": {Data: []byte("description: a\n")},
		"staging/stg_z.sql": {Data: []byte("select * from raw.crm__activity")},
		"staging/stg_z.yml": {Data: []byte("description: z\n")},
		"core/dim_c.sql":    {Data: []byte("select * from staging.stg_a")},
		"core/dim_c.yml":    {Data: []byte("description: c\nunique: [[c_key]]\nnot_null: [c_key]\ncolumns: {c_key: the key}\n")},
		// reads only stg_a, but its reference is checked against dim_c
		"core/fct_b.sql": {Data: []byte("select * from staging.stg_a")},
		"core/fct_b.yml": {Data: []byte("description: b\nreferences: {c_key: dim_c.c_key}\ncolumns: {c_key: the key}\n")},
		"core/fct_y.sql": {Data: []byte("select * from staging.stg_z")},
		"core/fct_y.yml": {Data: []byte("description: y\n")},
		// its check reads fct_y
		"marts/kpi_d.sql": {Data: []byte("select * from core.fct_b")},
		"marts/kpi_d.yml": {Data: []byte("description: d\nchecks: [{name: c, sql: select * from core.fct_y where false}]\n")},
		"marts/kpi_e.sql": {Data: []byte("select * from staging.stg_a")},
		"marts/kpi_e.yml": {Data: []byte("description: e\nsame_rows_as: core.dim_c\n")},
		"marts/kpi_x.sql": {Data: []byte("select * from core.fct_y")},
		"marts/kpi_x.yml": {Data: []byte("description: x\n")},
	}
	c, err := LoadCatalog(fsys)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		names []string
		want  string
	}{
		{[]string{"mart.kpi_d"}, "staging.stg_a staging.stg_z core.dim_c core.fct_b core.fct_y mart.kpi_d"},
		{[]string{"mart.fct_b"}, "staging.stg_a core.dim_c core.fct_b"}, // a published name
		{[]string{"mart.kpi_e"}, "staging.stg_a core.dim_c mart.kpi_e"},
		{[]string{"mart.kpi_e", "mart.kpi_x"}, "staging.stg_a staging.stg_z core.dim_c core.fct_y mart.kpi_e mart.kpi_x"},
		{[]string{"staging.stg_z"}, "staging.stg_z"},
		{[]string{"mart.kpi_e", "core.nope"}, "no model core.nope"},
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.names, "+"), func(t *testing.T) {
			part, err := c.Upstream(tc.names...)
			var got []string
			if err != nil {
				got = []string{err.Error()}
			} else {
				for _, m := range part.Models {
					got = append(got, m.Qualified())
				}
			}
			if strings.Join(got, " ") != tc.want {
				t.Errorf("got %q, want %q", strings.Join(got, " "), tc.want)
			}
		})
	}
}
