// Package report writes the monthly potential-vs-acquisition report for
// management, in German or English, as self-contained HTML (inline SVG
// charts, no external reference) and, through headless Chromium, as PDF.
// It reads the published mart tables only: every figure is a mart value,
// formatted in the language's locale; the wording is in messages/.
package report

import (
	"bytes"
	"context"
	_ "embed"
	"errors"
	"fmt"
	"html/template"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

//go:embed report.html
var reportHTML string

// Options are what a report is asked.
type Options struct {
	// Dir is the warehouse folder.
	Dir string
	// Month is the report's month (its first day).
	Month time.Time
	// Langs and Formats: de/en, html/pdf. A PDF needs the HTML.
	Langs, Formats []string
	// Partial allows a month that had not ended by the publication's as_of.
	Partial bool
	// Currency is the reporting currency's code.
	Currency string
	// Chromium runs the browser that prints the PDF; nil: FindChromium.
	Chromium *Chromium
}

// Paths are where a report's files are: warehouse/reports/YYYY-MM/potential-vs-acquisition.<lang>.<format>.
func Path(dir string, month time.Time, lang, format string) string {
	return filepath.Join(dir, "reports", month.Format("2006-01"), "potential-vs-acquisition."+lang+"."+format)
}

// Generate writes the report in each language and format and returns the
// files written.
func Generate(ctx context.Context, opt Options) ([]string, error) {
	d, err := Load(ctx, opt.Dir, opt.Month, opt.Partial)
	if err != nil {
		return nil, err
	}
	var written []string
	for _, lang := range opt.Langs {
		c, err := loadCatalog(lang, opt.Currency)
		if err != nil {
			return written, err
		}
		html, err := Render(d, c, opt.Month)
		if err != nil {
			return written, fmt.Errorf("report %s: %w", lang, err)
		}
		htmlPath := Path(opt.Dir, opt.Month, lang, "html")
		if err := writeFile(htmlPath, html); err != nil {
			return written, err
		}
		if slices.Contains(opt.Formats, "html") {
			written = append(written, htmlPath)
		}
		if slices.Contains(opt.Formats, "pdf") {
			chrome := opt.Chromium
			if chrome == nil {
				if chrome, err = FindChromium(); err != nil {
					return written, err
				}
			}
			pdf := Path(opt.Dir, opt.Month, lang, "pdf")
			if err := chrome.PrintPDF(ctx, htmlPath, pdf); err != nil {
				return written, err
			}
			written = append(written, pdf)
		}
		if !slices.Contains(opt.Formats, "html") {
			os.Remove(htmlPath) // only asked for to print the PDF
		}
	}
	return written, nil
}

// writeFile writes through a temporary file: a report is whole or absent.
func writeFile(path string, b []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(path+".tmp", b, 0o644); err != nil {
		return err
	}
	return os.Rename(path+".tmp", path)
}

// view is what the template renders.
type view struct {
	D                          *Data
	c                          *catalog
	Lang, MonthName, AsOf      string
	PrevName, LastYearName     string
	Partial                    bool
	Outgrowing                 string
	HasEfficiency              bool // any business unit has a sales cost ratio for the month
	HasMaturity                bool // any business unit has a maturity assessment
	AQIReading, WinRateReading string
	Charts                     map[string]template.HTML
	Definitions                []string
	Quarantined, WarnChecks    string
	Stale                      string
	StaleDays                  string
	FinancialYear              string
}

// figureTable is a table of figures, each for the month, the month
// before and the same month a year before, with a trend.
type figureTable struct {
	c                             *catalog
	Month, PrevName, LastYearName string
	Rows                          []figureRow
}

func (f figureTable) T(key string) string { return f.c.T(key) }

type figureRow struct {
	Key, Label, Cur, Prev, LastYear, Trend string
}

// figure says how a headline figure is read from a period and formatted.
type figure struct {
	label  func(c *catalog) string
	value  func(p Period) *float64
	format func(c *catalog, v *float64) string
}

func label(keys ...string) func(c *catalog) string {
	return func(c *catalog) string {
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = c.T(k)
		}
		return strings.Join(parts, " · ")
	}
}

// figures are the report's headline figures, by key.
func figures() map[string]figure {
	money, pct, count, ratio := (*catalog).Money, (*catalog).Percent, (*catalog).Count, (*catalog).Ratio
	return map[string]figure{
		"new_customers":          {label("new_customers"), func(p Period) *float64 { return p.NewCustomers }, count},
		"acquired_potential":     {label("acquired_potential"), func(p Period) *float64 { return p.AcquiredPotential }, money},
		"aqi":                    {label("aqi"), func(p Period) *float64 { return p.AQI }, ratio},
		"win_rate_count":         {label("win_rate_count"), func(p Period) *float64 { return p.WinRateCount }, pct},
		"win_rate_potential":     {label("win_rate_potential"), func(p Period) *float64 { return p.WinRatePotential }, pct},
		"reactive_leads":         {label("leads", "reactive"), func(p Period) *float64 { return p.ReactiveLeads }, count},
		"proactive_leads":        {label("leads", "proactive"), func(p Period) *float64 { return p.ProactiveLeads }, count},
		"reactive_wins":          {label("wins", "reactive"), func(p Period) *float64 { return p.ReactiveWins }, count},
		"proactive_wins":         {label("wins", "proactive"), func(p Period) *float64 { return p.ProactiveWins }, count},
		"reactive_cost_per_win":  {label("cost_per_win", "reactive"), func(p Period) *float64 { return p.ReactiveCostPerWin }, money},
		"proactive_cost_per_win": {label("cost_per_win", "proactive"), func(p Period) *float64 { return p.ProactiveCostPerWin }, money},
		"coverage":               {label("coverage"), func(p Period) *float64 { return p.CoverageA }, pct},
	}
}

// Render renders the report's HTML in one language.
func Render(d *Data, c *catalog, month time.Time) ([]byte, error) {
	svgs, err := charts(d, c)
	if err != nil {
		return nil, fmt.Errorf("charts: %w", err)
	}
	v := view{D: d, c: c, Lang: c.lang, MonthName: c.Month(month), AsOf: c.Date(d.AsOf),
		PrevName: c.Month(month.AddDate(0, -1, 0)), LastYearName: c.Month(month.AddDate(-1, 0, 0)),
		Partial: !d.Cur.Complete, Charts: map[string]template.HTML{},
		Definitions: []string{"def_new_customers", "def_acquired_potential", "def_aqi", "def_win_rates", "def_reactive",
			"def_sales_cost_ratio", "def_funnel", "def_coverage", "def_untapped", "def_maturity"},
		Quarantined: fmt.Sprint(d.Quarantined), WarnChecks: fmt.Sprint(d.WarnChecks),
		Stale: strings.Join(d.Stale, ", "), StaleDays: fmt.Sprint(d.StaleDays)}
	for k, s := range svgs {
		v.Charts[k] = template.HTML(s) // drawn by gonum/plot from numbers: no user text but labels, which it escapes
	}
	var outgrowing []string
	for _, u := range d.Units {
		if u.CostOutgrowing {
			outgrowing = append(outgrowing, u.Name)
		}
		v.HasEfficiency = v.HasEfficiency || u.CostRatio != nil
		v.HasMaturity = v.HasMaturity || u.MaturityIndex != nil
		if u.FinancialYear > 0 {
			v.FinancialYear = fmt.Sprint(u.FinancialYear)
		}
	}
	v.Outgrowing = strings.Join(outgrowing, ", ")
	switch aqi := d.Cur.AQI; {
	case aqi == nil:
		v.AQIReading = c.T("aqi_none")
	case *aqi < 0.95:
		v.AQIReading = c.T("aqi_below")
	case *aqi > 1.05:
		v.AQIReading = c.T("aqi_above")
	default:
		v.AQIReading = c.T("aqi_equal")
	}
	if wc, wp := d.Cur.WinRateCount, d.Cur.WinRatePotential; wc != nil && wp != nil && *wp != *wc {
		v.WinRateReading = c.T(map[bool]string{true: "win_rate_reading_better", false: "win_rate_reading_worse"}[*wp > *wc])
	}
	figs := figures()
	funcs := template.FuncMap{
		"t":     c.T,
		"money": c.Money,
		"pct":   c.Percent,
		"count": c.Count,
		"trend": c.Trend,
		"date": func(t *time.Time) string {
			if t == nil {
				return c.T("never")
			}
			return c.Date(*t)
		},
		"figures": func(v view, keys ...string) (figureTable, error) {
			ft := figureTable{c: c, Month: v.MonthName, PrevName: v.PrevName, LastYearName: v.LastYearName}
			for _, k := range keys {
				f, ok := figs[k]
				if !ok {
					return ft, fmt.Errorf("no figure %q", k)
				}
				cur, prev, ly := f.value(d.Cur), f.value(d.Prev), f.value(d.LastYear)
				ft.Rows = append(ft.Rows, figureRow{Key: k, Label: f.label(c), Cur: f.format(c, cur), Prev: f.format(c, prev),
					LastYear: f.format(c, ly), Trend: c.Trend(cur, prev)})
			}
			return ft, nil
		},
	}
	tmpl, err := template.New("report").Funcs(funcs).Parse(reportHTML)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if err := tmpl.Execute(&b, v); err != nil {
		return nil, err
	}
	if bytes.Contains(b.Bytes(), []byte("http://")) || bytes.Contains(b.Bytes(), []byte("https://")) {
		return nil, errors.New("the report would hold an http reference; it must be self-contained")
	}
	return b.Bytes(), nil
}
