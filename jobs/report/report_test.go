package report_test

import (
	"bytes"
	"context"
	"errors"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"leadmart/internal/whtest"
	"leadmart/jobs/report"
)

// published runs the kpis fixture as of 15 March 2026: February is the
// last complete month, March is partial.
func published(t *testing.T) string {
	t.Helper()
	dir, _ := built.Copy(t, "../../testdata/kpis", "2026-03-15")
	return dir
}

func month(s string) time.Time {
	m, _ := time.Parse("2006-01", s)
	return m
}

// the headline figures and the mart column and format each shows
var headlines = map[string]struct{ column, format string }{
	"new_customers":          {"new_customers", "count"},
	"acquired_potential":     {"acquired_potential", "money"},
	"aqi":                    {"acquisition_quality_index", "ratio"},
	"win_rate_count":         {"win_rate_count", "percent"},
	"win_rate_potential":     {"win_rate_potential", "percent"},
	"reactive_leads":         {"reactive_leads", "count"},
	"proactive_leads":        {"proactive_leads", "count"},
	"reactive_wins":          {"reactive_wins", "count"},
	"proactive_wins":         {"proactive_wins", "count"},
	"reactive_cost_per_win":  {"reactive_cost_per_win", "money"},
	"proactive_cost_per_win": {"proactive_cost_per_win", "money"},
	"coverage":               {"potential_coverage_a", "percent"},
}

// locale formats a number the way each language writes it, written apart
// from the report's own formatting (golang.org/x/text) to check it.
func locale(lang, format, value string) string {
	if value == "NULL" || value == "" {
		return "–"
	}
	v, err := strconv.ParseFloat(value, 64)
	if err != nil {
		return "unparsable " + value
	}
	num := func(v float64, decimals int) string {
		s := strconv.FormatFloat(math.Abs(v), 'f', decimals, 64)
		whole, frac, _ := strings.Cut(s, ".")
		group, point := ",", "."
		if lang == "de" {
			group, point = ".", ","
		}
		var b strings.Builder
		for i, d := range whole {
			if i > 0 && (len(whole)-i)%3 == 0 {
				b.WriteString(group)
			}
			b.WriteRune(d)
		}
		out := b.String()
		if frac != "" {
			out += point + frac
		}
		if v < 0 && strings.Trim(out, "0.,") != "" {
			out = "-" + out
		}
		return out
	}
	switch {
	case format == "money" && lang == "de":
		return num(math.Round(v), 0) + "\u00a0€"
	case format == "money":
		return "€" + num(math.Round(v), 0)
	case format == "percent" && lang == "de":
		return num(v*100, 1) + "\u00a0%"
	case format == "percent":
		return num(v*100, 1) + "%"
	case format == "ratio":
		return num(v, 2)
	}
	return num(v, 0)
}

// cells reads the headline tables: figure -> period -> text.
func cells(t *testing.T, page []byte) map[string]map[string]string {
	t.Helper()
	doc, err := html.Parse(bytes.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]map[string]string{}
	attr := func(n *html.Node, key string) string {
		for _, a := range n.Attr {
			if a.Key == key {
				return a.Val
			}
		}
		return ""
	}
	var text func(n *html.Node) string
	text = func(n *html.Node) string {
		if n.Type == html.TextNode {
			return n.Data
		}
		var b strings.Builder
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			b.WriteString(text(c))
		}
		return b.String()
	}
	var walk func(n *html.Node, figure string)
	walk = func(n *html.Node, figure string) {
		if n.Type == html.ElementNode && n.Data == "tr" && attr(n, "data-figure") != "" {
			figure = attr(n, "data-figure")
			out[figure] = map[string]string{}
		}
		if n.Type == html.ElementNode && n.Data == "td" && figure != "" && attr(n, "data-period") != "" {
			out[figure][attr(n, "data-period")] = strings.TrimSpace(text(n))
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, figure)
		}
	}
	walk(doc, "")
	return out
}

// Every headline number is the mart's value for the month, the month
// before and the same month a year before, in the language's locale.
func TestHeadlinesEqualTheMarts(t *testing.T) {
	t.Parallel()
	dir := published(t)
	wh := filepath.Join(dir, "warehouse")
	files, err := report.Generate(context.Background(), report.Options{Dir: wh, Month: month("2026-02"), Langs: []string{"de", "en"},
		Formats: []string{"html"}, Currency: "EUR"})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 2 {
		t.Fatalf("files: %v", files)
	}
	periods := map[string]string{"month": "2026-02-01", "prev": "2026-01-01", "last_year": "2025-02-01"}
	for i, lang := range []string{"de", "en"} {
		if files[i] != filepath.Join(wh, "reports", "2026-02", "potential-vs-acquisition."+lang+".html") {
			t.Errorf("file %d: %s", i, files[i])
		}
		page, err := os.ReadFile(files[i])
		if err != nil {
			t.Fatal(err)
		}
		if m := regexp.MustCompile(`https?://`).Find(page); m != nil {
			t.Errorf("%s: the report holds an %s reference", lang, m)
		}
		if m := regexp.MustCompile(`\[[a-z_]+\]`).Find(page); m != nil {
			t.Errorf("%s: a message missing from the catalogue: %s", lang, m)
		}
		got := cells(t, page)
		if len(got) != len(headlines) {
			t.Errorf("%s: %d headline figures, want %d", lang, len(got), len(headlines))
		}
		for figure, h := range headlines {
			for period, m := range periods {
				v := whtest.Query(t, whtest.Published(dir), "select "+h.column+" from mart.kpi_potential_acquisition_monthly_total where month = date '"+m+"'")
				mart := "NULL"
				if len(v) > 1 {
					mart = v[1][0]
				}
				if want := locale(lang, h.format, mart); got[figure][period] != want {
					t.Errorf("%s %s %s: the report shows %q, the mart holds %s (%q)", lang, figure, period, got[figure][period], mart, want)
				}
			}
		}
	}
	// the funnel's stages too: the month, the month before and a year before
	page, _ := os.ReadFile(files[1])
	row := regexp.MustCompile(`(?s)<tr data-stage="stage_lead">.*?</tr>`).Find(page)
	var want []string
	for _, m := range []string{"2026-02-01", "2026-01-01", "2025-02-01"} {
		v := whtest.Query(t, whtest.Published(dir), "select leads from mart.kpi_funnel_monthly_total where month = date '"+m+"'")
		mart := "NULL"
		if len(v) > 1 {
			mart = v[1][0]
		}
		want = append(want, `<td class="n">`+locale("en", "count", mart)+`</td>`)
	}
	if !bytes.Contains(row, []byte(strings.Join(want, ""))) {
		t.Errorf("funnel leads: the report's row %s, want the cells %s", row, strings.Join(want, ""))
	}
	// the German figures are German: a thousands point and a decimal comma
	page, _ = os.ReadFile(files[0])
	if !bytes.Contains(page, []byte("\u00a0%")) || !bytes.Contains(page, []byte("Februar 2026")) {
		t.Error("the German report lacks German percentages or month names")
	}
}

// A month without data is a clear message; a month not complete is
// refused unless partial, and a partial report says so first.
func TestMonthWithoutDataOrNotComplete(t *testing.T) {
	t.Parallel()
	dir := published(t)
	wh := filepath.Join(dir, "warehouse")
	opt := report.Options{Dir: wh, Langs: []string{"en"}, Formats: []string{"html"}, Currency: "EUR"}
	opt.Month = month("2019-01")
	_, err := report.Generate(context.Background(), opt)
	if !errors.Is(err, report.ErrNoData) || !strings.Contains(err.Error(), "holds no figures for 2019-01; it holds the months ") {
		t.Errorf("a month without data: %v", err)
	}
	opt.Month = month("2026-03")
	_, err = report.Generate(context.Background(), opt)
	if !errors.Is(err, report.ErrPartial) || err.Error() != "the month is not complete: 2026-03 had not ended on 2026-03-15, the publication's as-of date; give --partial for a report that says so" {
		t.Errorf("a partial month: %v", err)
	}
	opt.Partial = true
	files, err := report.Generate(context.Background(), opt)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := os.ReadFile(files[0])
	first, _, _ := strings.Cut(string(page), "<h2>")
	if !strings.Contains(first, `id="partial"`) || !strings.Contains(first, "Partial month: March 2026 had not ended on 2026-03-15") {
		t.Error("the partial report does not say so before its first section")
	}
	if got, err := report.LastComplete(context.Background(), wh); err != nil || !got.Equal(month("2026-02")) {
		t.Errorf("last complete month: %v %v, want 2026-02", got, err)
	}
}

// The report in headless Chromium: no console message; a screenshot of
// its first two pages as the browser lays them out, and PNGs of the PDF's
// first two pages (pdftoppm), kept in the test's folder for a look (or in
// $LEADMART_KEEP_SHOTS).
func TestReportInChromium(t *testing.T) {
	t.Parallel()
	chrome, err := report.FindChromium()
	if err != nil {
		t.Skip("SKIPPING: no Chromium on this machine (apt-get install chromium); CI installs it")
	}
	pdftoppm, err := exec.LookPath("pdftoppm")
	if err != nil {
		t.Skip("SKIPPING: no pdftoppm on this machine (apt-get install poppler-utils); CI installs it")
	}
	dir := published(t)
	wh := filepath.Join(dir, "warehouse")
	files, err := report.Generate(context.Background(), report.Options{Dir: wh, Month: month("2026-02"), Langs: []string{"de"},
		Formats: []string{"html", "pdf"}, Currency: "EUR", Chromium: chrome})
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(chrome.Path, "--headless", "--no-sandbox", "--disable-gpu", "--enable-logging=stderr", "--v=0",
		"--virtual-time-budget=3000", "--user-data-dir="+filepath.Join(dir, "profile"), "--dump-dom", "file://"+files[0])
	var out, logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &logs
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium: %v\n%s", err, logs.String())
	}
	if console := regexp.MustCompile(`(?m)^.*:CONSOLE[:(].*$`).FindAllString(logs.String(), -1); len(console) > 0 {
		t.Errorf("console messages:\n%s", strings.Join(console, "\n"))
	}
	if !strings.Contains(out.String(), "Akquisitionsqualitätsindex") {
		t.Error("Chromium's DOM lacks the report")
	}
	// the HTML as the browser lays it out: the first two A4 pages' height at 96 dpi
	shot := exec.Command(chrome.Path, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--window-size=794,2246",
		"--virtual-time-budget=3000", "--user-data-dir="+filepath.Join(dir, "profile"), "--screenshot="+filepath.Join(dir, "html-pages-1-2.png"), "file://"+files[0])
	if b, err := shot.CombinedOutput(); err != nil {
		t.Fatalf("chromium screenshot: %v\n%s", err, b)
	}
	shots := filepath.Join(dir, "page")
	if b, err := exec.Command(pdftoppm, "-png", "-r", "80", "-f", "1", "-l", "2", files[1], shots).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm: %v\n%s", err, b)
	}
	for _, p := range []string{"html-pages-1-2.png", "page-1.png", "page-2.png"} {
		st, err := os.Stat(filepath.Join(dir, p))
		if err != nil || st.Size() < 10_000 {
			t.Errorf("%s: %v (%d bytes), want a rendered page", p, err, st.Size())
		}
	}
	if os.Getenv("LEADMART_KEEP_SHOTS") != "" {
		for _, p := range []string{"html-pages-1-2.png", "page-1.png", "page-2.png"} {
			b, _ := os.ReadFile(filepath.Join(dir, p))
			_ = os.WriteFile(filepath.Join(os.Getenv("LEADMART_KEEP_SHOTS"), p), b, 0o644)
		}
	}
}

// An export without ERP data has no sales efficiency: the report says so,
// and does not claim that no business unit's cost outgrew its revenue.
func TestNoSalesCostData(t *testing.T) {
	t.Parallel()
	dir := whtest.CopyFixture(t, "../../testdata/crm_en")
	whtest.MustRun(t, dir, "2026-03-31")
	files, err := report.Generate(context.Background(), report.Options{Dir: filepath.Join(dir, "warehouse"), Month: month("2026-02"),
		Langs: []string{"en"}, Formats: []string{"html"}, Currency: "EUR"})
	if err != nil {
		t.Fatal(err)
	}
	page, _ := os.ReadFile(files[0])
	if !bytes.Contains(page, []byte(`id="no-efficiency">No business unit has sales cost and revenue for February 2026`)) ||
		bytes.Contains(page, []byte("In no business unit")) || bytes.Contains(page, []byte(`id="units"`)) {
		t.Error("without sales cost the report must say so, with no efficiency table and no all-clear")
	}
}
