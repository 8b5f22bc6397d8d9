package publish

import (
	"context"
	"path/filepath"
	"time"

	"leadmart/internal/dictionary"
	"leadmart/models"
	"leadmart/workdb"
)

// DictionaryPart writes the data dictionary of the publication, docs/ in
// the version folder: it switches with the tables it describes.
type DictionaryPart struct {
	Catalog *models.Catalog
}

var _ FilePart = (*DictionaryPart)(nil)

func (d *DictionaryPart) Name() string  { return "docs" }
func (d *DictionaryPart) Where() string { return DocsDir + "/index.html" }

func (d *DictionaryPart) Write(_ context.Context, _ *workdb.Warehouse, pub Publication, version string) error {
	cols := map[string][]dictionary.Column{}
	rows := map[string]int64{}
	for _, t := range pub.Tables {
		rows[t.Model.Name] = t.Rows
		for _, c := range t.Columns {
			cols[t.Model.Name] = append(cols[t.Model.Name], dictionary.Column{Name: c.Name, Type: c.Type, Description: c.Description})
		}
	}
	dict := dictionary.New(d.Catalog, pub.RunID, pub.AsOf.Format(time.DateOnly), pub.PublishedAt, cols, rows)
	return dict.Write(filepath.Join(version, "docs"))
}
