package report

import (
	"bytes"
	"embed"
	"fmt"
	"math"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"golang.org/x/text/number"
)

//go:embed messages/*.yaml
var catalogs embed.FS

// Languages are the report's languages, each with its catalogue.
var Languages = []string{"de", "en"}

// catalog is one language's wording and number formats.
type catalog struct {
	lang     string
	text     map[string]string
	months   []string
	printer  *message.Printer
	currency string // the symbol or code of the reporting currency
}

func loadCatalog(lang, currency string) (*catalog, error) {
	b, err := catalogs.ReadFile("messages/" + lang + ".yaml")
	if err != nil {
		return nil, fmt.Errorf("--lang %q: want one of %s", lang, strings.Join(Languages, ", "))
	}
	raw := map[string]any{}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&raw); err != nil {
		return nil, fmt.Errorf("messages/%s.yaml: %w", lang, err)
	}
	c := &catalog{lang: lang, text: map[string]string{}, printer: message.NewPrinter(language.MustParse(lang)), currency: currency}
	for k, v := range raw {
		switch v := v.(type) {
		case string:
			c.text[k] = v
		case bool: // yes/no decode as booleans
			c.text[k] = map[bool]string{true: "yes", false: "no"}[v]
		case []any:
			for _, m := range v {
				c.months = append(c.months, fmt.Sprint(m))
			}
		}
	}
	if len(c.months) != 12 {
		return nil, fmt.Errorf("messages/%s.yaml: months: want 12 names, got %d", lang, len(c.months))
	}
	if symbol, ok := map[string]string{"EUR": "€", "USD": "$", "GBP": "£", "CHF": "CHF"}[currency]; ok {
		c.currency = symbol
	}
	return c, nil
}

// T is the text of key with {name} replaced by args (name, value pairs).
func (c *catalog) T(key string, args ...string) string {
	s, ok := c.text[key]
	if !ok {
		return "[" + key + "]" // a missing message shows, and a test finds it
	}
	for i := 0; i+1 < len(args); i += 2 {
		s = strings.ReplaceAll(s, "{"+args[i]+"}", args[i+1])
	}
	return s
}

// Month names a month in the language: "März 2026", "March 2026".
func (c *catalog) Month(t time.Time) string {
	return fmt.Sprintf("%s %d", c.months[t.Month()-1], t.Year())
}

// Date writes a day the language's way: 28.11.2026, 2026-11-28.
func (c *catalog) Date(t time.Time) string {
	if c.lang == "de" {
		return t.Format("02.01.2006")
	}
	return t.Format(time.DateOnly)
}

func (c *catalog) decimal(v float64, digits int) string {
	return c.printer.Sprint(number.Decimal(v, number.MinFractionDigits(digits), number.MaxFractionDigits(digits)))
}

// Money is an amount in the reporting currency, whole units:
// 1.234.567 € (de), €1,234,567 (en).
func (c *catalog) Money(v *float64) string {
	if v == nil {
		return c.T("none")
	}
	n := c.decimal(math.Round(*v), 0)
	if c.lang == "de" {
		return n + "\u00a0" + c.currency
	}
	return c.currency + n
}

// Percent is a share 0-1 as a percentage with one decimal: 12,5 % (de), 12.5% (en).
func (c *catalog) Percent(v *float64) string {
	if v == nil {
		return c.T("none")
	}
	n := c.decimal(*v*100, 1)
	if c.lang == "de" {
		return n + "\u00a0%"
	}
	return n + "%"
}

// Count is a whole number with the language's grouping.
func (c *catalog) Count(v *float64) string {
	if v == nil {
		return c.T("none")
	}
	return c.decimal(*v, 0)
}

// Ratio is an index or ratio with two decimals: 1,34 (de), 1.34 (en).
func (c *catalog) Ratio(v *float64) string {
	if v == nil {
		return c.T("none")
	}
	return c.decimal(*v, 2)
}

// Trend compares a month with the one before: an arrow and a word, so
// that print without colour reads it.
func (c *catalog) Trend(cur, prev *float64) string {
	switch {
	case cur == nil || prev == nil:
		return c.T("trend_none")
	case *cur > *prev*1.005+1e-12:
		return c.T("trend_up")
	case *cur < *prev*0.995-1e-12:
		return c.T("trend_down")
	}
	return c.T("trend_flat")
}
