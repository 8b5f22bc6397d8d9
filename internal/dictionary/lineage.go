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
}

func newGraph(cat *models.Catalog) graph {
	g := graph{reads: map[string][]string{}, layer: map[string]int{}}
	rank := map[string]int{"staging": 1, "core": 2, "mart": 3}
	for _, m := range cat.Models {
		q := m.Qualified()
		g.layer[q] = rank[m.Schema]
		g.reads[q] = append(append([]string{}, m.Deps...), m.Raw...)
		for _, r := range m.Raw {
			g.layer[r] = 0
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

// svg draws the nodes in four columns (raw, staging, core, mart) and an edge
// for every read: a simple picture, enough to follow a table to its sources.
func (g graph) svg() string {
	cols := make([][]string, 4)
	for n, l := range g.layer {
		cols[l] = append(cols[l], n)
	}
	pos := map[string][2]int{}
	const w, h, colW, rowH = 200, 18, 260, 24
	height := 0
	for c := range cols {
		sort.Strings(cols[c])
		for r, n := range cols[c] {
			pos[n] = [2]int{10 + c*colW, 30 + r*rowH}
			height = max(height, 30+r*rowH+rowH)
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" role="img" aria-label="lineage graph">`, 4*colW, height+10)
	for i, title := range []string{"raw (sources)", "staging", "core (published as mart.*)", "marts (published)"} {
		fmt.Fprintf(&b, `<text x="%d" y="16" font-weight="bold">%s</text>`, 10+i*colW, title)
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
			fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#9ab" stroke-width="0.7"/>`, from[0]+w, from[1]+h/2, to[0], to[1]+h/2)
		}
	}
	for c := range cols {
		for _, n := range cols[c] {
			p := pos[n]
			label := n
			fmt.Fprintf(&b, `<g><title>%s</title><rect x="%d" y="%d" width="%d" height="%d" rx="3" fill="#eef4fa" stroke="#468"/><text x="%d" y="%d">%s</text></g>`,
				html.EscapeString(n), p[0], p[1], w, h, p[0]+4, p[1]+13, html.EscapeString(label))
		}
	}
	b.WriteString("</svg>")
	return b.String()
}
