package demo

import (
	"fmt"
	"math"
	"os"
	"time"

	"github.com/parquet-go/parquet-go"
	"github.com/xuri/excelize/v2"
)

// invoiceLine is the ERP's Parquet export of invoice lines.
type invoiceLine struct {
	InvoiceID          string  `parquet:"invoice_id"`
	LineNo             int32   `parquet:"line_no"`
	CustomerNo         string  `parquet:"customer_no"`
	InvoiceDate        int32   `parquet:"invoice_date,date"` // days since 1970-01-01
	ProductGroup       string  `parquet:"product_group"`
	NetRevenue         float64 `parquet:"net_revenue"`
	ContributionMargin float64 `parquet:"contribution_margin"`
	Currency           string  `parquet:"currency"`
	BusinessUnit       string  `parquet:"business_unit"`
}

var fxBase = map[string]float64{"USD": 0.92, "CHF": 1.04, "GBP": 1.16}
var fxCurrencies = []string{"CHF", "GBP", "USD"}

// revenueStart is when ERP history begins: twelve months before the lead
// history, so trailing-12-month figures exist from the first reported month.
func (g *gen) revenueStart() time.Time { return g.start.AddDate(-1, 0, 0) }

func monthIndex(from, t time.Time) int {
	return (t.Year()-from.Year())*12 + int(t.Month()) - int(from.Month())
}

func (g *gen) writeInvoices() error {
	// Customers that became customers during the simulation get numbers now.
	seen := map[*account]bool{}
	for _, a := range g.customers {
		seen[a] = true
	}
	for _, a := range g.accounts {
		if !a.firstOrder.IsZero() && !seen[a] {
			g.assignCustomer(a, len(g.customers))
			g.customers = append(g.customers, a)
		}
	}
	// ERP-only customers: small accounts the CRM never had.
	for i := range g.n(150) {
		ind := industries[g.r.IntN(len(industries))]
		emp := int(math.Max(5, g.lognormal(3.0, 0.8)))
		a := &account{name: fmt.Sprintf("Kleinkunde %d e.K.", i+1), industry: ind.name, country: "DE",
			postal: fmt.Sprintf("%05d", 1000+g.r.IntN(98000)), employees: emp, currency: "EUR",
			potential: float64(emp) * ind.spend, firstOrder: g.between(g.revenueStart(), g.end), bu: businessUnits[g.r.IntN(len(businessUnits))]}
		g.assignCustomer(a, len(g.customers))
		a.crmLink, a.erpVAT, a.erpName = "none", fmt.Sprintf("DE%09d", g.r.IntN(1_000_000_000)), a.name
		g.customers = append(g.customers, a)
	}

	cw, err := g.csv("erp/customers.csv", []string{"customer_no", "name", "vat_id", "postal_code", "country", "industry", "employees", "first_order_date"})
	if err != nil {
		return err
	}
	for _, a := range g.customers {
		cw.row(a.custNo, a.erpName, a.erpVAT, a.postal, a.country, a.industry, fmt.Sprint(a.employees), date(a.firstOrder))
	}
	if err := cw.close(); err != nil {
		return err
	}

	p, err := g.path("erp/invoice_lines.parquet")
	if err != nil {
		return err
	}
	f, err := os.Create(p)
	if err != nil {
		return err
	}
	w := parquet.NewGenericWriter[invoiceLine](f, parquet.Compression(&parquet.Zstd))
	g.buRevenue = map[string][]float64{}
	months := monthIndex(g.revenueStart(), g.end) + 1
	for _, bu := range businessUnits {
		g.buRevenue[bu] = make([]float64, months)
	}
	groups := []string{"components", "systems", "service", "spare_parts", "software"}
	inv, lines := 0, 0
	batch := make([]invoiceLine, 0, 4096)
	for _, a := range g.customers {
		wallet := math.Min(1.4, g.lognormal(-1.2, 0.6)) // share of the potential actually bought
		margin := 0.2 + g.r.Float64()*0.25
		first := a.firstOrder
		if first.Before(g.revenueStart()) {
			first = g.revenueStart()
		}
		for m := time.Date(first.Year(), first.Month(), 1, 0, 0, 0, 0, time.UTC); !m.After(g.end); m = m.AddDate(0, 1, 0) {
			if g.r.Float64() > 0.55 {
				continue
			}
			day := m.AddDate(0, 0, g.r.IntN(28))
			if day.Before(a.firstOrder) || day.After(g.end) {
				continue
			}
			inv++
			nLines := 1 + g.r.IntN(3)
			monthly := a.potential * wallet / 12 / 0.55 * g.lognormal(0, 0.4)
			rate := 1.0
			if a.currency != "EUR" {
				rate = fxBase[a.currency]
			}
			for l := range nLines {
				rev := math.Round(monthly/float64(nLines)/rate*100) / 100
				if g.r.IntN(200) == 0 {
					rev = -rev / 4 // a credit note line
				}
				bu := a.bu
				if g.r.IntN(5) == 0 {
					bu = businessUnits[g.r.IntN(len(businessUnits))]
				}
				g.buRevenue[bu][monthIndex(g.revenueStart(), day)] += rev * rate
				batch = append(batch, invoiceLine{
					InvoiceID: fmt.Sprintf("INV%08d", inv), LineNo: int32(l + 1), CustomerNo: a.custNo, InvoiceDate: int32(day.Unix() / 86400),
					ProductGroup: groups[g.r.IntN(len(groups))], NetRevenue: rev,
					ContributionMargin: math.Round(rev*margin*g.lognormal(0, 0.1)*100) / 100, Currency: a.currency, BusinessUnit: bu,
				})
				lines++
				if len(batch) == cap(batch) {
					if _, err := w.Write(batch); err != nil {
						return err
					}
					batch = batch[:0]
				}
			}
		}
	}
	if _, err := w.Write(batch); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	g.sum["erp/invoice_lines.parquet"] = lines
	return f.Close()
}

func (g *gen) writeFX() error {
	w, err := g.csv("erp/fx_rates.csv", []string{"currency", "date", "rate_to_reporting_currency"})
	if err != nil {
		return err
	}
	for _, cur := range fxCurrencies {
		rate := fxBase[cur]
		for d := g.revenueStart().AddDate(0, 0, -7); !d.After(g.end); d = d.AddDate(0, 0, 1) {
			if d.Weekday() == time.Saturday || d.Weekday() == time.Sunday {
				continue // no fixing on weekends: the nearest earlier rate applies
			}
			rate *= math.Exp(g.r.NormFloat64() * 0.004)
			w.row(cur, date(d), fmt.Sprintf("%.6f", rate))
		}
	}
	return w.close()
}

// writeSalesCost writes the ERP's monthly sales cost as an Excel workbook.
// BU_SP's cost ratio climbs through the history: its sales cost outgrows revenue.
func (g *gen) writeSalesCost() error {
	x := excelize.NewFile()
	defer x.Close()
	sheet := "SalesCost"
	if err := x.SetSheetName("Sheet1", sheet); err != nil {
		return err
	}
	fixed := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	if err := x.SetDocProps(&excelize.DocProperties{Creator: "leadmart demo", Created: fixed.Format(time.RFC3339), Modified: fixed.Format(time.RFC3339)}); err != nil {
		return err
	}
	row := 1
	set := func(vals ...any) error {
		cell, err := excelize.CoordinatesToCellName(1, row)
		if err != nil {
			return err
		}
		row++
		return x.SetSheetRow(sheet, cell, &vals)
	}
	if err := set("business_unit", "month", "cost_type", "amount", "currency"); err != nil {
		return err
	}
	shares := []struct {
		typ   string
		share float64
	}{{"personnel", 0.62}, {"travel", 0.1}, {"marketing", 0.14}, {"tools", 0.08}, {"other", 0.06}}
	months := len(g.buRevenue[businessUnits[0]])
	for _, bu := range businessUnits {
		for m := range months {
			ratio := 0.11
			if bu == "BU_SP" {
				ratio = 0.10 * math.Pow(1.025, float64(m)) // cost grows ~35% a year faster than revenue
			}
			// Smooth the cost base: sales cost follows the trailing revenue, not each month's invoices.
			base := 0.0
			k := 0
			for j := max(0, m-2); j <= m; j++ {
				base += g.buRevenue[bu][j]
				k++
			}
			total := base / float64(k) * ratio
			month := g.revenueStart().AddDate(0, m, 0)
			for _, s := range shares {
				if err := set(bu, month.Format("2006-01-02"), s.typ, math.Round(total*s.share*g.lognormal(0, 0.05)*100)/100, "EUR"); err != nil {
					return err
				}
			}
		}
	}
	p, err := g.path("erp/sales_cost.xlsx")
	if err != nil {
		return err
	}
	g.sum["erp/sales_cost.xlsx"] = row - 2
	return x.SaveAs(p)
}

// BU maturity (1-5 Likert mean) drives both the survey and the EBITDA margin:
// the demo reproduces the study's finding that mature units earn ~3 points more.
var buMaturity = map[string]float64{"BU_DS": 4.3, "BU_IA": 3.4, "BU_PS": 2.7, "BU_SP": 1.9}

func (g *gen) writeSurvey() error {
	w, err := g.csv("survey/maturity_answers.csv", []string{"business_unit", "assessed_on", "item_id", "factor", "score", "weight"})
	if err != nil {
		return err
	}
	for _, at := range []time.Time{g.end.AddDate(-1, 0, 0), g.end.AddDate(0, 0, -14)} {
		for _, bu := range businessUnits {
			for factor := 1; factor <= 5; factor++ {
				for item := 1; item <= 4; item++ {
					s := math.Round(buMaturity[bu] + g.r.NormFloat64()*0.6)
					s = math.Min(5, math.Max(1, s))
					weight := "1"
					if item == 1 {
						weight = "2" // the first item of each factor is its anchor question
					}
					w.row(bu, date(at), fmt.Sprintf("F%dQ%d", factor, item), fmt.Sprint(factor), fmt.Sprint(s), weight)
				}
			}
		}
	}
	return w.close()
}

func (g *gen) writeFinancials() error {
	w, err := g.csv("finance/bu_financials.csv", []string{"business_unit", "year", "revenue", "ebitda"})
	if err != nil {
		return err
	}
	for _, bu := range businessUnits {
		byYear := map[int]float64{}
		for m, v := range g.buRevenue[bu] {
			byYear[g.revenueStart().AddDate(0, m, 0).Year()] += v
		}
		for y := g.revenueStart().Year(); y <= g.end.Year(); y++ {
			margin := 0.05 + (buMaturity[bu]-1)*0.012 + g.r.NormFloat64()*0.004
			rev := byYear[y] * 1.6 // the ERP lines above are the sales-attributable part of BU revenue
			w.row(bu, fmt.Sprint(y), money(rev), money(rev*margin))
		}
	}
	return w.close()
}
