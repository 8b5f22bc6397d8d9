package publish

import (
	"path/filepath"
	"time"

	"leadmart/internal/dictionary"
	"leadmart/models"
)

// DocsDir is where every publication writes its data dictionary, relative to the warehouse.
const DocsDir = "publish/docs"

// WriteDictionary writes the data dictionary of a publication into the
// warehouse folder dir.
func WriteDictionary(dir string, cat *models.Catalog, pub Publication) error {
	cols := map[string][]dictionary.Column{}
	rows := map[string]int64{}
	for _, t := range pub.Tables {
		rows[t.Model.Name] = t.Rows
		for _, c := range t.Columns {
			cols[t.Model.Name] = append(cols[t.Model.Name], dictionary.Column{Name: c.Name, Type: c.Type, Description: c.Description})
		}
	}
	d := dictionary.New(cat, pub.RunID, pub.AsOf.Format(time.DateOnly), pub.PublishedAt, cols, rows)
	return d.Write(filepath.Join(dir, DocsDir))
}
