package dictionary_test

import (
	"os"
	"testing"
	"time"

	"leadmart/internal/dictionary"
	"leadmart/models"
	sqlmodels "leadmart/sql"
)

// docs/tables.md is what `make docs` writes from the model declarations.
func TestStaticDictionaryIsCurrent(t *testing.T) {
	cat, err := models.LoadCatalog(sqlmodels.FS)
	if err != nil {
		t.Fatal(err)
	}
	got := dictionary.New(cat, "", "", time.Time{}, nil, nil).Markdown()
	want, err := os.ReadFile("../../docs/tables.md")
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Error("docs/tables.md is out of date: run `make docs`")
	}
}
