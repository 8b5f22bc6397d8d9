// Package dictionary renders the data dictionary of a publication: every
// published table with its grain, columns, types and descriptions (the KPI
// formulas are in the descriptions), its lineage back to the sources, and
// the publication's as_of and row counts. Markdown for reading in a
// repository, HTML for reading in a browser.
package dictionary

import (
	"bytes"
	"fmt"
	"html/template"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"leadmart/models"
)

// Column is one published column.
type Column struct {
	Name, Type, Unit, Description string
}

// Table is one published table.
type Table struct {
	Name, Description, Grain, PartitionBy string
	Rows                                  int64 // -1 when unknown (a static dictionary)
	Columns                               []Column
	Upstream                              []string // every model and raw table it is built from
	Key                                   string   // the primary key's columns
	References                            []string // column -> table.column
}

// Dictionary is one publication's dictionary.
type Dictionary struct {
	RunID, AsOf string
	PublishedAt time.Time
	Tables      []Table
	graph       graph
}

// New builds the dictionary of the published models. columns and rows come
// from the publication (nil for a static dictionary).
func New(cat *models.Catalog, runID, asOf string, publishedAt time.Time, columns map[string][]Column, rows map[string]int64) *Dictionary {
	d := &Dictionary{RunID: runID, AsOf: asOf, PublishedAt: publishedAt, graph: newGraph(cat)}
	for _, m := range cat.Published() {
		t := Table{Name: m.Name, Description: m.Meta.Description, Grain: m.Meta.Grain, PartitionBy: m.Meta.PartitionBy, Rows: -1}
		if r, ok := rows[m.Name]; ok {
			t.Rows = r
		}
		if cols, ok := columns[m.Name]; ok {
			t.Columns = slices.Clone(cols)
		} else {
			for _, name := range slices.Sorted(maps.Keys(m.Meta.Columns)) {
				t.Columns = append(t.Columns, Column{Name: name, Description: m.Meta.Columns[name]})
			}
		}
		for i, c := range t.Columns {
			t.Columns[i].Unit = models.Unit(m.Meta, c.Name, c.Type)
		}
		t.Key = strings.Join(models.PrimaryKey(m.Meta), ", ")
		if t.Key != "" && !models.KeyNotNull(m.Meta) {
			t.Key += " (unique index: a key column may be NULL)"
		}
		for _, r := range m.Refs() {
			t.References = append(t.References, r.Column+" -> "+r.Table+"."+r.To)
		}
		t.Upstream = d.graph.upstream(m.Qualified())
		d.Tables = append(d.Tables, t)
	}
	return d
}

// Markdown renders the dictionary as Markdown.
func (d *Dictionary) Markdown() []byte {
	var b bytes.Buffer
	b.WriteString("# leadmart data dictionary\n\n")
	if d.RunID != "" {
		fmt.Fprintf(&b, "Publication `%s`, as of **%s**, published %s UTC.\n\n", d.RunID, d.AsOf, d.PublishedAt.UTC().Format(time.DateTime))
	} else {
		b.WriteString("Generated from the model declarations (`sql/*/*.yml`) by `leadmart docs --static`. " +
			"Every publication also writes this dictionary, with types and row counts, to `warehouse/publish/docs/`.\n\n")
	}
	b.WriteString("| table | rows | grain |\n|---|---|---|\n")
	for _, t := range d.Tables {
		fmt.Fprintf(&b, "| [%s](#%s) | %s | %s |\n", t.Name, t.Name, rowsText(t.Rows), cell(t.Grain))
	}
	for _, t := range d.Tables {
		fmt.Fprintf(&b, "\n## %s\n\n%s\n\n", t.Name, t.Description)
		fmt.Fprintf(&b, "- Grain: %s\n- Rows: %s\n", t.Grain, rowsText(t.Rows))
		if t.Key != "" {
			fmt.Fprintf(&b, "- Key: %s\n", t.Key)
		}
		if len(t.References) > 0 {
			fmt.Fprintf(&b, "- References: %s\n", strings.Join(wrap(t.References, "`"), ", "))
		}
		if t.PartitionBy != "" {
			fmt.Fprintf(&b, "- Parquet: Hive-partitioned by `%s`\n", t.PartitionBy)
		}
		fmt.Fprintf(&b, "- Built from: %s\n\n", strings.Join(wrap(t.Upstream, "`"), ", "))
		if t.Columns != nil && t.Columns[0].Type != "" {
			b.WriteString("| column | type | unit | description |\n|---|---|---|---|\n")
			for _, c := range t.Columns {
				fmt.Fprintf(&b, "| `%s` | %s | %s | %s |\n", c.Name, c.Type, c.Unit, cell(c.Description))
			}
		} else {
			b.WriteString("| column | unit | description |\n|---|---|---|\n")
			for _, c := range t.Columns {
				fmt.Fprintf(&b, "| `%s` | %s | %s |\n", c.Name, c.Unit, cell(c.Description))
			}
		}
	}
	return b.Bytes()
}

// HTML renders the dictionary as one self-contained page with the lineage graph.
func (d *Dictionary) HTML() ([]byte, error) {
	var b bytes.Buffer
	err := page.Execute(&b, struct {
		*Dictionary
		Lineage template.HTML
	}{d, template.HTML(d.graph.svg())})
	return b.Bytes(), err
}

// Write writes docs.md and index.html into dir, each replaced atomically.
func (d *Dictionary) Write(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	page, err := d.HTML()
	if err != nil {
		return err
	}
	for name, content := range map[string][]byte{"docs.md": d.Markdown(), "index.html": page} {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p+".tmp", content, 0o644); err != nil {
			return err
		}
		if err := os.Rename(p+".tmp", p); err != nil {
			return err
		}
	}
	return nil
}

func rowsText(n int64) string {
	if n < 0 {
		return "-"
	}
	return fmt.Sprint(n)
}

func cell(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "|", `\|`), "\n", " ")
}

func wrap(ss []string, q string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = q + s + q
	}
	return out
}

var page = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>leadmart data dictionary</title>
<style>
body{font-family:system-ui,sans-serif;margin:2rem;max-width:72rem;color:#222}
table{border-collapse:collapse;margin:.5rem 0 1.5rem}td,th{border:1px solid #ccc;padding:.25rem .5rem;vertical-align:top;text-align:left}
th{background:#f3f3f3}code{background:#f6f6f6;padding:0 .2rem}.meta{color:#555}svg text{font-size:11px;font-family:system-ui,sans-serif}
#lineage .edge{stroke:#9ab;stroke-width:.7}#lineage .node rect{fill:#eef4fa;stroke:#468}#lineage .node{cursor:pointer}
#lineage.focus .edge,#lineage.focus .node{opacity:.15}#lineage.focus .on{opacity:1}
#lineage.focus .edge.on{stroke:#c60;stroke-width:1.6}#lineage.focus .node.on rect{fill:#fff1c7;stroke:#c60}#lineage .node.picked rect{stroke-width:2.5}
.lineage-box{width:max-content}
</style></head><body>
<h1>leadmart data dictionary</h1>
{{if .RunID}}<p class="meta">Publication <code>{{.RunID}}</code>, as of <b>{{.AsOf}}</b>, published {{.PublishedAt.UTC.Format "2006-01-02 15:04:05"}} UTC.</p>{{end}}
<table><tr><th>table</th><th>rows</th><th>grain</th></tr>
{{range .Tables}}<tr><td><a href="#{{.Name}}">{{.Name}}</a></td><td>{{if ge .Rows 0}}{{.Rows}}{{end}}</td><td>{{.Grain}}</td></tr>
{{end}}</table>
<h2>Lineage</h2><p class="meta">Sources (raw) on the left, published tables (mart) on the right. Point at or click a table to
highlight what it is built from and what is built from it; click it again, or press Escape, to clear. A link to
<code>#lineage=mart.NAME</code> opens with that table highlighted.</p>
<div class="lineage-box">{{.Lineage}}</div>
<script>
// Highlights a node of the lineage graph with everything upstream and
// downstream of it. Self-contained: no library, no request.
(function () {
  var svg = document.getElementById('lineage');
  if (!svg) return;
  var edges = Array.prototype.slice.call(svg.querySelectorAll('.edge'));
  var nodes = Array.prototype.slice.call(svg.querySelectorAll('.node'));
  var up = {}, down = {};
  edges.forEach(function (e) {
    var f = e.getAttribute('data-from'), t = e.getAttribute('data-to');
    (up[t] = up[t] || []).push(f);
    (down[f] = down[f] || []).push(t);
  });
  function reach(start, next) {
    var seen = {}, todo = [start];
    seen[start] = true;
    while (todo.length) {
      (next[todo.pop()] || []).forEach(function (n) { if (!seen[n]) { seen[n] = true; todo.push(n); } });
    }
    return seen;
  }
  var picked = null;
  function show(name) {
    if (!name) {
      svg.classList.remove('focus');
      nodes.concat(edges).forEach(function (x) { x.classList.remove('on', 'picked'); });
      return;
    }
    var a = reach(name, up), b = reach(name, down);
    svg.classList.add('focus');
    nodes.forEach(function (n) {
      var id = n.getAttribute('data-node');
      n.classList.toggle('on', !!(a[id] || b[id]));
      n.classList.toggle('picked', id === name);
    });
    edges.forEach(function (e) {
      var f = e.getAttribute('data-from'), t = e.getAttribute('data-to');
      e.classList.toggle('on', !!((a[f] && a[t]) || (b[f] && b[t])));
    });
  }
  nodes.forEach(function (n) {
    var id = n.getAttribute('data-node');
    n.addEventListener('mouseenter', function () { if (!picked) show(id); });
    n.addEventListener('mouseleave', function () { if (!picked) show(null); });
    n.addEventListener('click', function () { picked = picked === id ? null : id; show(picked || id); });
  });
  document.addEventListener('keydown', function (e) { if (e.key === 'Escape') { picked = null; show(null); } });
  var m = /#lineage=(.+)$/.exec(location.hash);
  if (m) { picked = decodeURIComponent(m[1]); show(picked); svg.scrollIntoView(); }
})();
</script>
{{range .Tables}}<h2 id="{{.Name}}">{{.Name}}</h2><p>{{.Description}}</p>
<p class="meta">Grain: {{.Grain}}. Rows: {{if ge .Rows 0}}{{.Rows}}{{else}}-{{end}}.{{if .PartitionBy}} Parquet partitioned by <code>{{.PartitionBy}}</code>.{{end}}{{if .Key}} Key: <code>{{.Key}}</code>.{{end}}{{if .References}} References: {{range $i, $r := .References}}{{if $i}}, {{end}}<code>{{$r}}</code>{{end}}.{{end}}<br>Built from: {{range $i, $u := .Upstream}}{{if $i}}, {{end}}<code>{{$u}}</code>{{end}}</p>
<table><tr><th>column</th><th>type</th><th>unit</th><th>description</th></tr>
{{range .Columns}}<tr><td><code>{{.Name}}</code></td><td>{{.Type}}</td><td>{{.Unit}}</td><td>{{.Description}}</td></tr>
{{end}}</table>
{{end}}</body></html>
`))
