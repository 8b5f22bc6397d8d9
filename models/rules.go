package models

// Range is the plausible values of a numeric field: a value outside is
// flagged before the models run (severity in the config: warn by default).
type Range struct {
	Entity, Field string // Entity is system.name
	Min, Max      *float64
}

// Reference is a field that names a record of another entity of the same
// source system: a value with no such record is an orphan.
type Reference struct {
	Entity, Field, To, ToField string
}

func num(v float64) *float64 { return &v }

// maxAmount bounds amounts: a trillion is more than any one deal, cost or
// company's revenue, and less than the 1e15 a slipped unit makes.
const maxAmount = 1e12

// Ranges are the default ranges: amounts, counts and rates are not
// negative, and amounts are below maxAmount. An invoice line may be a
// credit, so its revenue has no minimum.
func Ranges() []Range {
	return []Range{
		{"crm.account", "employees", num(0), nil},
		{"crm.account", "annual_revenue", num(0), num(maxAmount)},
		{"crm.account", "potential_estimate", num(0), num(maxAmount)},
		{"crm.lead", "employees", num(0), nil},
		{"crm.opportunity", "amount", num(0), num(maxAmount)},
		{"crm.opportunity", "probability", num(0), num(1)},
		{"crm.activity", "duration_minutes", num(0), nil},
		{"crm.campaign", "cost", num(0), num(maxAmount)},
		{"crm.rep", "fte", num(0), nil},
		{"erp.customer", "employees", num(0), nil},
		{"erp.invoice_line", "net_revenue", nil, num(maxAmount)},
		{"erp.sales_cost", "amount", num(0), num(maxAmount)},
		{"erp.fx_rate", "rate_to_reporting_currency", num(0), nil},
		{"reference.industry_benchmark", "spend_per_employee", num(0), nil},
	}
}

// References are the relationships between entities that the models join on.
func References() []Reference {
	return []Reference{
		{"crm.contact", "account_id", "crm.account", "account_id"},
		{"crm.lead", "account_id", "crm.account", "account_id"},
		{"crm.lead", "campaign_id", "crm.campaign", "campaign_id"},
		{"crm.lead", "owner_rep_id", "crm.rep", "rep_id"},
		{"crm.lead_status_history", "lead_id", "crm.lead", "lead_id"},
		{"crm.opportunity", "account_id", "crm.account", "account_id"},
		{"crm.opportunity", "lead_id", "crm.lead", "lead_id"},
		{"crm.opportunity", "owner_rep_id", "crm.rep", "rep_id"},
		{"crm.activity", "lead_id", "crm.lead", "lead_id"},
		{"crm.activity", "rep_id", "crm.rep", "rep_id"},
		{"erp.invoice_line", "customer_no", "erp.customer", "customer_no"},
	}
}

// NotFuture are the fields that record something that happened: a value
// after the day it was landed (plus one) cannot be true. Planned dates
// (an expected close, a campaign's end, a rep's last day) are not here,
// nor an opportunity's closed_at: Salesforce, HubSpot and Pipedrive keep
// the expected close date there for open deals.
func NotFuture() map[string][]string {
	return map[string][]string{
		"crm.account":             {"created_at", "updated_at"},
		"crm.contact":             {"consent_at", "updated_at"},
		"crm.lead":                {"created_at", "status_at", "converted_at", "updated_at"},
		"crm.lead_status_history": {"entered_at"},
		"crm.opportunity":         {"created_at", "updated_at"},
		"crm.activity":            {"occurred_at", "logged_at"},
		"erp.customer":            {"first_order_date"},
		"erp.invoice_line":        {"invoice_date"},
	}
}
