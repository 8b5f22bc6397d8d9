package dictionary

import (
	"fmt"
	"html"
	"sort"
	"strings"

	"leadmart/models"
)

// graph is the lineage: every model and raw table, and what each reads.
type graph struct {
	reads map[string][]string // node -> the nodes it reads
	layer map[string]int      // 0 raw, 1 staging, 2 core, 3 mart
	label map[string]string   // what readers see: mart.<name> for a published core model
}

func newGraph(cat *models.Catalog) graph {
	g := graph{reads: map[string][]string{}, layer: map[string]int{}, label: map[string]string{}}
	rank := map[string]int{"staging": 1, "core": 2, "mart": 3}
	for _, m := range cat.Models {
		q := m.Qualified()
		g.layer[q] = rank[m.Schema]
		g.label[q] = m.PublishedName()
		g.reads[q] = append(append([]string{}, m.Deps...), m.Raw...)
		for _, r := range m.Raw {
			g.layer[r] = 0
			g.label[r] = r
		}
	}
	return g
}

// upstream lists everything a node is built from, raw tables last.
func (g graph) upstream(node string) []string {
	seen := map[string]bool{}
	var walk func(string)
	walk = func(n string) {
		for _, r := range g.reads[n] {
			if !seen[r] {
				seen[r] = true
				walk(r)
			}
		}
	}
	walk(node)
	out := make([]string, 0, len(seen))
	for n := range seen {
		out = append(out, n)
	}
	sort.Slice(out, func(i, j int) bool {
		if g.layer[out[i]] != g.layer[out[j]] {
			return g.layer[out[i]] > g.layer[out[j]]
		}
		return out[i] < out[j]
	})
	return out
}

// charWidth is the width of one character of the graph's 11 px labels, a
// little more than the average: no name is cut.
const charWidth = 7

// svg draws the nodes in four columns (raw, staging, core, mart), each box
// as wide as its column's longest name, and an edge for every read. The
// page's script highlights a node's upstream and downstream on hover or
// click (and the node in the address's #lineage=NAME on load); every node
// and edge carries what it needs in data attributes.
func (g graph) svg() string {
	cols := make([][]string, 4)
	for n, l := range g.layer {
		cols[l] = append(cols[l], n)
	}
	const h, gap, rowH = 18, 70, 24
	widths := make([]int, 4)
	for c := range cols {
		widths[c] = 120
		for _, n := range cols[c] {
			widths[c] = max(widths[c], 10+charWidth*len(g.label[n]))
		}
	}
	pos := map[string][2]int{}
	height, x := 0, 10
	xs := make([]int, 4)
	for c := range cols {
		xs[c] = x
		sort.Slice(cols[c], func(i, j int) bool { return g.label[cols[c][i]] < g.label[cols[c][j]] })
		for r, n := range cols[c] {
			pos[n] = [2]int{x, 30 + r*rowH}
			height = max(height, 30+r*rowH+rowH)
		}
		x += widths[c] + gap
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg id="lineage" xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" role="img" aria-label="lineage graph">`, x, height+10)
	for i, title := range []string{"raw (sources)", "staging", "core (published as mart.*)", "marts (published)"} {
		fmt.Fprintf(&b, `<text x="%d" y="16" font-weight="bold">%s</text>`, xs[i], title)
	}
	var nodes []string
	for n := range g.reads {
		nodes = append(nodes, n)
	}
	sort.Strings(nodes)
	for _, n := range nodes {
		to := pos[n]
		for _, r := range g.reads[n] {
			from := pos[r]
			fmt.Fprintf(&b, `<line class="edge" data-from="%s" data-to="%s" x1="%d" y1="%d" x2="%d" y2="%d"/>`,
				html.EscapeString(g.label[r]), html.EscapeString(g.label[n]), from[0]+widths[g.layer[r]], from[1]+h/2, to[0], to[1]+h/2)
		}
	}
	for c := range cols {
		for _, n := range cols[c] {
			p := pos[n]
			label := html.EscapeString(g.label[n])
			fmt.Fprintf(&b, `<g class="node" data-node="%s" tabindex="0"><title>%s</title><rect x="%d" y="%d" width="%d" height="%d" rx="3"/><text x="%d" y="%d">%s</text></g>`,
				label, label, p[0], p[1], widths[c], h, p[0]+4, p[1]+13, label)
		}
	}
	b.WriteString("</svg>")
	return b.String()
}
