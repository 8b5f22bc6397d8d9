package models

import (
	"bytes"
	"os"
	"testing"
)

func TestEveryFieldIsDocumented(t *testing.T) {
	for _, e := range All() {
		for _, f := range e.Fields {
			if e.Doc(f) == "" {
				t.Errorf("%s.%s.%s has no meaning in fieldDocs", e.System, e.Name, f.Name)
			}
		}
	}
}

func TestEntitiesDocIsCurrent(t *testing.T) {
	got, err := os.ReadFile("../docs/entities.md")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, EntitiesMarkdown()) {
		t.Error("docs/entities.md is out of date: run `make docs`")
	}
}
