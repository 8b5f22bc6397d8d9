package models

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
)

// EntitiesMarkdown is docs/entities.md: every canonical entity with its
// fields, types, keys, whether each is required, and what it means,
// generated from the declarations so that it cannot drift from them.
func EntitiesMarkdown() []byte {
	var b bytes.Buffer
	b.WriteString(`# Canonical entities

Generated from models/entities.go by ` + "`make docs`" + `; a test keeps it current.

Every source maps onto one of these entities (docs/configuration.md). A field comes from a
same-named column, or from what ` + "`columns`" + ` maps it to: a column, a constant (` + "`{value: mql}`" + `) or an SQL
expression (` + "`{sql: ...}`" + `); ` + "`values`" + ` maps source values to canonical ones on any field. A
**required** field must be present in every source of the entity. **Key** fields identify a row.
**Personal** fields are never published. **Dated** fields say how far the data reaches
(` + "`--as-of data`" + `).

Types: text; int (whole number); decimal (dot, or decimal comma with ` + "`csv.decimal_comma`" + `); date and
timestamp (in ` + "`csv.date_format`" + ` / ` + "`timestamp_format`" + `, default ISO); bool (true/false, t/f, 1/0,
yes/no, y/n, ja/nein, x, wahr/falsch, ignoring case).
`)
	for _, e := range entities {
		fmt.Fprintf(&b, "\n## %s.%s\n\nKey: %s.", e.System, e.Name, strings.Join(e.Key, ", "))
		if len(e.Dated) > 0 {
			fmt.Fprintf(&b, " Dated by: %s.", strings.Join(e.Dated, ", "))
		}
		b.WriteString("\n\n| field | type | required | meaning |\n|---|---|---|---|\n")
		for _, f := range e.Fields {
			var marks []string
			if slices.Contains(e.Key, f.Name) {
				marks = append(marks, "key")
			}
			if f.Personal {
				marks = append(marks, "personal")
			}
			req := ""
			if f.Required {
				req = "yes"
			}
			name := "`" + f.Name + "`"
			if len(marks) > 0 {
				name += " (" + strings.Join(marks, ", ") + ")"
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", name, f.Type, req, e.Doc(f))
		}
	}
	return b.Bytes()
}
