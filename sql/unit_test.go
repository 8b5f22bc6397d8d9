package sqlmodels_test

import (
	"os"
	"testing"

	"leadmart/internal/modeltest"
	"leadmart/models"
	sqlmodels "leadmart/sql"
)

// Every unit test declared in a model's YAML (unit_tests:), each in its own
// in-memory DuckDB: given rows in, the model built, its rows compared with
// the expected ones. The hand computation of each case is its description.
func TestDeclaredUnitTests(t *testing.T) {
	cat, err := models.LoadCatalog(sqlmodels.FS)
	if err != nil {
		t.Fatal(err)
	}
	files := os.DirFS(".")
	for _, m := range cat.Models {
		for _, c := range m.Meta.UnitTests {
			t.Run(m.Name+"/"+c.Name, func(t *testing.T) {
				t.Parallel()
				modeltest.Case(t, files, "../testdata", m, c)
			})
		}
	}
}

// Every published model and every core model declares at least one case:
// a model without one is named here, and the test fails.
func TestEveryModelHasAUnitTest(t *testing.T) {
	cat, err := models.LoadCatalog(sqlmodels.FS)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range cat.Models {
		if (m.Published() || m.Layer == "core") && len(m.Meta.UnitTests) == 0 {
			t.Errorf("model %s (sql/%s) declares no unit_tests case in its .yml", m.Qualified(), m.Path)
		}
	}
}
