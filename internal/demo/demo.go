// Package demo generates a deterministic, realistic and slightly dirty set of
// CRM, ERP, survey, finance and reference extracts (docs/kpis.md#sources-and-canonical-entities). The same
// seed, scale and end date always give byte-identical files.
package demo

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// Options control the generated data set.
type Options struct {
	Seed  uint64
	Scale float64   // 1 = about 20k leads; volumes grow linearly
	End   time.Time // last day covered by the extracts
	// Months of history before End. Default 24.
	Months int
}

// DefaultEnd is the end date of `leadmart demo` when none is given.
var DefaultEnd = time.Date(2026, 10, 31, 0, 0, 0, 0, time.UTC)

// Summary counts what was written, per file.
type Summary map[string]int

type gen struct {
	r     *rand.Rand
	opt   Options
	start time.Time
	end   time.Time
	out   string
	sum   Summary

	reps      []rep
	accounts  []*account
	customers []*account // ERP customers, in customer_no order

	pendingAccounts *csvWriter
	campaigns       []campaign
	buRevenue       map[string][]float64 // EUR revenue per business unit and month since revenueStart
}

type rep struct {
	id, name, team, region, bu string
	fte                        float64
	from                       time.Time
}

type account struct {
	id, name, industry, country, postal, vat, custNo string
	employees                                        int
	created                                          time.Time
	ownerRep                                         string
	estimate                                         float64 // 0: none
	potential                                        float64 // true yearly potential, hidden
	currency                                         string
	firstOrder                                       time.Time // zero: not a customer (yet)
	erpName, erpVAT                                  string
	crmLink                                          string // how CRM knows the ERP customer: erp_no, vat, name, none
	bu                                               string
}

var industries = []struct {
	name   string
	weight float64
	spend  float64 // benchmark spend per employee and year, EUR
}{
	{"machinery", 0.24, 420}, {"automotive", 0.14, 520}, {"chemicals", 0.10, 610},
	{"electronics", 0.14, 380}, {"food", 0.10, 240}, {"logistics", 0.10, 190},
	{"construction", 0.10, 260}, {"healthcare", 0.08, 330},
}

var businessUnits = []string{"BU_IA", "BU_PS", "BU_SP", "BU_DS"}

// channel, class, weight, conversion multiplier, potential multiplier
var channels = []struct {
	name              string
	proactive         bool
	weight, conv, pot float64
}{
	{"web_form", false, 0.34, 0.8, 0.8}, {"inbound_call", false, 0.16, 1.2, 0.9},
	{"trade_fair", false, 0.14, 1.0, 1.0}, {"content_download", false, 0.16, 0.5, 0.7},
	{"outbound_prospecting", true, 0.10, 1.1, 2.2}, {"account_based", true, 0.06, 1.6, 3.0},
	{"rep_initiated", true, 0.04, 1.4, 2.0},
}

// Generate writes the extracts into dir, creating it.
func Generate(dir string, opt Options) (Summary, error) {
	if opt.Scale <= 0 {
		return nil, fmt.Errorf("demo: scale must be > 0, got %v", opt.Scale)
	}
	if opt.Months == 0 {
		opt.Months = 24
	}
	if opt.End.IsZero() {
		opt.End = DefaultEnd
	}
	end := time.Date(opt.End.Year(), opt.End.Month(), opt.End.Day(), 0, 0, 0, 0, time.UTC)
	g := &gen{
		r:     rand.New(rand.NewPCG(opt.Seed, opt.Seed^0x9e3779b97f4a7c15)),
		opt:   opt,
		end:   end,
		start: time.Date(end.Year(), end.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, -opt.Months+1, 0),
		out:   dir,
		sum:   Summary{},
	}
	steps := []func() error{
		g.writeReps, g.writeAccounts, g.writeBenchmarks, g.writeCampaigns,
		g.writeLeads, g.flushAccounts, g.writeInvoices, g.writeFX, g.writeSalesCost, g.writeSurvey, g.writeFinancials,
	}
	for _, s := range steps {
		if err := s(); err != nil {
			return nil, err
		}
	}
	return g.sum, nil
}

func (g *gen) n(base int) int { return max(1, int(math.Round(float64(base)*g.opt.Scale))) }

func (g *gen) path(rel string) (string, error) {
	p := filepath.Join(g.out, rel)
	return p, os.MkdirAll(filepath.Dir(p), 0o755)
}

// between returns a uniformly random time between a and b, to the minute.
func (g *gen) between(a, b time.Time) time.Time {
	if !b.After(a) {
		return a
	}
	d := b.Sub(a)
	return a.Add(time.Duration(g.r.Int64N(int64(d)))).Truncate(time.Minute)
}

func (g *gen) lognormal(mu, sigma float64) float64 { return math.Exp(mu + sigma*g.r.NormFloat64()) }

func (g *gen) pick(weights []float64) int {
	total := 0.0
	for _, w := range weights {
		total += w
	}
	x := g.r.Float64() * total
	for i, w := range weights {
		if x < w {
			return i
		}
		x -= w
	}
	return len(weights) - 1
}

func ts(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format("2006-01-02 15:04:05")
}

func date(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format("2006-01-02")
}

func money(v float64) string { return fmt.Sprintf("%.2f", v) }

var namePrefix = []string{"Müller", "Schmidt", "Becker", "Nord", "Süd", "Alpen", "Rhein", "Weser", "Hansa", "Bayer",
	"Fischer", "Weber", "Krüger", "Schäfer", "Hoffmann", "Elbe", "Main", "Donau", "Harz", "Eifel", "Ostsee", "Tauber"}
var nameCore = []string{"Maschinenbau", "Antriebstechnik", "Logistik", "Chemie", "Elektronik", "Bau", "Lebensmittel",
	"Medizintechnik", "Automation", "Metallwerk", "Kunststoff", "Anlagenbau", "Systeme", "Technik", "Werkzeugbau"}
var legalForms = []string{"GmbH", "GmbH", "GmbH", "AG", "KG", "GmbH & Co. KG", "SE", "e.K.", "Ltd", "Inc"}
var firstNames = []string{"Anna", "Lukas", "Marie", "Jonas", "Sophie", "Felix", "Lea", "Paul", "Julia", "Max", "Sarah", "Tim"}
var lastNames = []string{"Maier", "Schulz", "Wagner", "Koch", "Richter", "Wolf", "Neumann", "Zimmermann", "Braun", "Hartmann"}

func (g *gen) writeReps() error {
	n := g.n(60)
	teams := []string{"Field North", "Field South", "Inside Sales", "Key Accounts"}
	regions := []string{"DE-North", "DE-South", "DE-West", "DACH-Export"}
	w, err := g.csv("crm/reps.csv", []string{"rep_id", "name", "team", "region", "business_unit", "manager_id", "fte", "active_from", "active_to"})
	if err != nil {
		return err
	}
	for i := range n {
		r := rep{
			id:     fmt.Sprintf("R%04d", i+1),
			name:   firstNames[g.r.IntN(len(firstNames))] + " " + lastNames[g.r.IntN(len(lastNames))],
			team:   teams[g.r.IntN(len(teams))],
			region: regions[g.r.IntN(len(regions))],
			bu:     businessUnits[i%len(businessUnits)],
			fte:    []float64{1, 1, 1, 0.8, 0.5}[g.r.IntN(5)],
			from:   g.start.AddDate(-g.r.IntN(5), 0, 0),
		}
		g.reps = append(g.reps, r)
		mgr := ""
		if i >= len(businessUnits) {
			mgr = g.reps[i%len(businessUnits)].id
		}
		w.row(r.id, r.name, r.team, r.region, r.bu, mgr, fmt.Sprintf("%.1f", r.fte), date(r.from), "")
	}
	return w.close()
}

func (g *gen) writeAccounts() error {
	n := g.n(6000)
	weights := make([]float64, len(industries))
	for i, ind := range industries {
		weights[i] = ind.weight
	}
	w, err := g.csv("crm/accounts.csv", []string{"account_id", "name", "industry", "country", "postal_code", "employees",
		"annual_revenue", "vat_id", "erp_customer_no", "owner_rep_id", "potential_estimate", "created_at", "updated_at", "is_deleted"})
	if err != nil {
		return err
	}
	for i := range n {
		ind := industries[g.pick(weights)]
		emp := int(math.Min(50000, math.Max(5, g.lognormal(4.2, 1.3))))
		country, cur := "DE", "EUR"
		switch x := g.r.Float64(); {
		case x < 0.06:
			country, cur = "CH", "CHF"
		case x < 0.09:
			country, cur = "US", "USD"
		case x < 0.11:
			country, cur = "GB", "GBP"
		case x < 0.17:
			country = "AT"
		}
		base := namePrefix[g.r.IntN(len(namePrefix))] + " " + nameCore[g.r.IntN(len(nameCore))]
		if g.r.IntN(3) == 0 {
			base += fmt.Sprintf(" %s", []string{"Nord", "Ost", "West", "Süd", "Holding", "Service"}[g.r.IntN(6)])
		}
		legal := legalForms[g.r.IntN(len(legalForms))]
		a := &account{
			id:        fmt.Sprintf("A%06d", i+1),
			name:      base + " " + legal,
			industry:  ind.name,
			country:   country,
			postal:    fmt.Sprintf("%05d", 1000+g.r.IntN(98000)),
			employees: emp,
			vat:       fmt.Sprintf("%s%09d", country, g.r.IntN(1_000_000_000)),
			created:   g.between(g.start.AddDate(-3, 0, 0), g.end.AddDate(0, -1, 0)),
			ownerRep:  g.reps[g.r.IntN(len(g.reps))].id,
			potential: float64(emp) * ind.spend * g.lognormal(0, 0.5),
			currency:  cur,
			bu:        businessUnits[g.r.IntN(len(businessUnits))],
		}
		if g.r.Float64() < 0.15 {
			a.estimate = math.Round(a.potential*g.lognormal(0, 0.3)/1000) * 1000
		}
		// About half of the accounts are already ERP customers when the history starts.
		if g.r.Float64() < 0.5 {
			a.firstOrder = g.between(g.start.AddDate(-4, 0, 0), g.start)
		}
		g.accounts = append(g.accounts, a)
	}
	// ERP customer numbers are assigned in first-order order, like an ERP would.
	for _, a := range g.accounts {
		if !a.firstOrder.IsZero() {
			g.customers = append(g.customers, a)
		}
	}
	sort.SliceStable(g.customers, func(i, j int) bool { return g.customers[i].firstOrder.Before(g.customers[j].firstOrder) })
	for i, a := range g.customers {
		g.assignCustomer(a, i)
	}
	// Accounts are written after the lead simulation has decided which
	// prospects become customers, so that erp_customer_no can be set.
	g.pendingAccounts = w
	return nil
}

// assignCustomer gives a an ERP customer number and decides how CRM and ERP
// know each other: mostly by the explicit number, then VAT id, then name+postal code.
func (g *gen) assignCustomer(a *account, i int) {
	a.custNo = fmt.Sprintf("K%07d", 100000+i)
	a.erpName, a.erpVAT = a.name, a.vat
	switch x := g.r.Float64(); {
	case x < 0.60:
		a.crmLink = "erp_no"
	case x < 0.82:
		a.crmLink = "vat"
		a.erpName = strings.ToUpper(a.name)
	case x < 0.95:
		a.crmLink = "name"
		a.erpVAT = ""
		a.erpName = strings.ToUpper(foldUmlauts(stripLegal(a.name)))
	default:
		a.crmLink = "none"
		a.erpVAT = ""
		a.erpName = a.name + " (Werk " + fmt.Sprint(1+g.r.IntN(3)) + ")"
	}
}

func foldUmlauts(s string) string {
	return strings.NewReplacer("ä", "ae", "ö", "oe", "ü", "ue", "Ä", "Ae", "Ö", "Oe", "Ü", "Ue", "ß", "ss").Replace(s)
}

func stripLegal(s string) string {
	for _, l := range []string{" GmbH & Co. KG", " GmbH", " AG", " KG", " SE", " e.K.", " Ltd", " Inc"} {
		s = strings.TrimSuffix(s, l)
	}
	return s
}

func (g *gen) flushAccounts() error {
	w := g.pendingAccounts
	for i, a := range g.accounts {
		custNo, vat := "", a.vat
		if a.custNo != "" && a.crmLink == "erp_no" {
			custNo = a.custNo
		}
		if g.r.Float64() < 0.08 {
			vat = "" // optional value missing
		} else if g.r.Float64() < 0.1 {
			vat = vat[:2] + " " + vat[2:] // spacing as typed by a rep
		}
		est := ""
		if a.estimate > 0 {
			est = money(a.estimate)
		}
		name := a.name
		if i%37 == 0 {
			name += "  " // trailing spaces, as exported
		}
		annual := money(float64(a.employees) * (150000 + g.r.Float64()*100000))
		updated := g.between(a.created, g.end)
		emp := fmt.Sprint(a.employees)
		if g.r.Float64() < 0.03 {
			emp = ""
		}
		w.row(a.id, name, a.industry, a.country, a.postal, emp, annual, vat, custNo, a.ownerRep, est, ts(a.created), ts(updated), "false")
		if i%151 == 0 { // an exact duplicate row, as exports produce
			w.row(a.id, name, a.industry, a.country, a.postal, emp, annual, vat, custNo, a.ownerRep, est, ts(a.created), ts(updated), "false")
		}
	}
	return w.close()
}

func (g *gen) writeBenchmarks() error {
	w, err := g.csv("reference/industry_benchmark.csv", []string{"industry", "spend_per_employee"})
	if err != nil {
		return err
	}
	// The reference list lacks the last industry, as such lists do: its
	// accounts get the peer model instead of the benchmark.
	for _, ind := range industries[:len(industries)-1] {
		w.row(ind.name, money(ind.spend))
	}
	return w.close()
}
