// Package models declares the canonical entities that every source maps onto
// (docs/kpis.md#sources-and-canonical-entities): their fields, types and keys. Landing uses it to type raw
// rows; config validation uses it to check column mappings.
package models

import (
	"fmt"
	"sort"
)

// Type is the canonical type of a field. Landing casts source text to it.
type Type string

const (
	Text      Type = "text"
	Int       Type = "int"
	Decimal   Type = "decimal"
	Date      Type = "date"
	Timestamp Type = "timestamp"
	Bool      Type = "bool"
)

// SQLType is the DuckDB column type used for the canonical field in raw tables.
func (t Type) SQLType() string {
	switch t {
	case Int:
		return "BIGINT"
	case Decimal:
		// fixed point: sums of amounts are exact and do not depend on the
		// order in which DuckDB's threads add them
		return "DECIMAL(38,6)"
	case Date:
		return "DATE"
	case Timestamp:
		return "TIMESTAMP"
	case Bool:
		return "BOOLEAN"
	default:
		return "VARCHAR"
	}
}

// Field is one canonical field of an entity.
type Field struct {
	Name     string
	Type     Type
	Required bool // a source must provide it (mapped or same-named column)
	Personal bool // personal data: never published unless configured
}

// Entity is one canonical entity, e.g. crm.lead.
type Entity struct {
	System string
	Name   string
	Key    []string
	Fields []Field
	// Dated are the fields that date a business event (a lead created, an
	// invoice issued): how far they reach is how far the data reaches.
	Dated []string
}

// RawTable is the name of the entity's table in the DuckDB raw schema.
func (e Entity) RawTable() string { return "raw." + e.System + "__" + e.Name }

// Field returns the named field.
func (e Entity) Field(name string) (Field, bool) {
	for _, f := range e.Fields {
		if f.Name == name {
			return f, true
		}
	}
	return Field{}, false
}

// FieldNames lists the entity's fields in declaration order.
func (e Entity) FieldNames() []string {
	out := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		out[i] = f.Name
	}
	return out
}

func f(name string, t Type) Field   { return Field{Name: name, Type: t} }
func req(name string, t Type) Field { return Field{Name: name, Type: t, Required: true} }
func pii(name string) Field         { return Field{Name: name, Type: Text, Personal: true} }

// Entities lists every canonical entity, by system and name.
var entities = []Entity{
	{System: "crm", Name: "account", Key: []string{"account_id"}, Fields: []Field{
		req("account_id", Text), req("name", Text), f("industry", Text), f("country", Text),
		f("postal_code", Text), f("employees", Int), f("annual_revenue", Decimal), f("vat_id", Text),
		f("erp_customer_no", Text), f("owner_rep_id", Text), f("potential_estimate", Decimal),
		f("created_at", Timestamp), f("updated_at", Timestamp), f("is_deleted", Bool),
	}},
	{System: "crm", Name: "contact", Key: []string{"contact_id"}, Fields: []Field{
		req("contact_id", Text), f("account_id", Text), pii("first_name"), pii("last_name"),
		pii("email"), pii("phone"), f("marketing_consent", Bool), f("consent_at", Timestamp),
		f("updated_at", Timestamp),
	}},
	{System: "crm", Name: "lead", Key: []string{"lead_id"}, Fields: []Field{
		req("lead_id", Text), req("created_at", Timestamp), f("channel", Text), f("campaign_id", Text),
		f("company_name", Text), f("industry", Text), f("employees", Int), f("account_id", Text),
		f("status", Text), f("status_at", Timestamp), f("owner_rep_id", Text), f("converted_at", Timestamp), f("opportunity_id", Text),
		f("disqualified_reason", Text), f("updated_at", Timestamp),
	}, Dated: []string{"created_at"}},
	{System: "crm", Name: "lead_status_history", Key: []string{"lead_id", "entered_at"}, Fields: []Field{
		req("lead_id", Text), req("entered_at", Timestamp), req("status", Text),
	}, Dated: []string{"entered_at"}},
	{System: "crm", Name: "opportunity", Key: []string{"opportunity_id"}, Fields: []Field{
		req("opportunity_id", Text), f("account_id", Text), f("lead_id", Text), req("created_at", Timestamp),
		f("stage", Text), f("amount", Decimal), f("currency", Text), f("probability", Decimal),
		f("expected_close_date", Date), f("closed_at", Timestamp), f("is_won", Bool), f("is_closed", Bool),
		f("owner_rep_id", Text), f("type", Text), f("product", Text), f("updated_at", Timestamp),
	}, Dated: []string{"created_at", "closed_at"}},
	{System: "crm", Name: "activity", Key: []string{"activity_id"}, Fields: []Field{
		req("activity_id", Text), req("type", Text), f("rep_id", Text), f("account_id", Text),
		f("lead_id", Text), req("occurred_at", Timestamp), f("duration_minutes", Int),
		f("is_customer_facing", Bool), f("is_automated", Bool), f("logged_at", Timestamp),
	}, Dated: []string{"occurred_at"}},
	{System: "crm", Name: "campaign", Key: []string{"campaign_id"}, Fields: []Field{
		req("campaign_id", Text), f("name", Text), f("channel", Text), f("cost", Decimal),
		f("currency", Text), f("started_at", Timestamp), f("ended_at", Timestamp),
	}},
	{System: "crm", Name: "rep", Key: []string{"rep_id"}, Fields: []Field{
		req("rep_id", Text), pii("name"), f("team", Text), f("region", Text), f("business_unit", Text),
		f("manager_id", Text), f("fte", Decimal), f("active_from", Date), f("active_to", Date),
	}},
	{System: "erp", Name: "customer", Key: []string{"customer_no"}, Fields: []Field{
		req("customer_no", Text), req("name", Text), f("vat_id", Text), f("postal_code", Text),
		f("country", Text), f("industry", Text), f("employees", Int), f("first_order_date", Date),
	}},
	{System: "erp", Name: "invoice_line", Key: []string{"invoice_id", "line_no"}, Fields: []Field{
		req("invoice_id", Text), req("line_no", Int), req("customer_no", Text), req("invoice_date", Date),
		f("product_group", Text), req("net_revenue", Decimal), f("contribution_margin", Decimal),
		f("currency", Text), f("business_unit", Text),
	}, Dated: []string{"invoice_date"}},
	{System: "erp", Name: "sales_cost", Key: []string{"business_unit", "month", "cost_type"}, Fields: []Field{
		req("business_unit", Text), req("month", Date), req("cost_type", Text), req("amount", Decimal),
		f("currency", Text),
	}},
	{System: "erp", Name: "fx_rate", Key: []string{"currency", "date"}, Fields: []Field{
		req("currency", Text), req("date", Date), req("rate_to_reporting_currency", Decimal),
	}},
	{System: "survey", Name: "maturity_answer", Key: []string{"business_unit", "assessed_on", "item_id"}, Fields: []Field{
		req("business_unit", Text), req("assessed_on", Date), req("item_id", Text), req("factor", Int),
		req("score", Decimal), f("weight", Decimal),
	}},
	{System: "finance", Name: "bu_financials", Key: []string{"business_unit", "year"}, Fields: []Field{
		req("business_unit", Text), req("year", Int), f("revenue", Decimal), f("ebitda", Decimal),
	}},
	{System: "reference", Name: "industry_benchmark", Key: []string{"industry"}, Fields: []Field{
		req("industry", Text), req("spend_per_employee", Decimal),
	}},
}

// Lookup returns the canonical entity for system and name.
func Lookup(system, name string) (Entity, error) {
	for _, e := range entities {
		if e.System == system && e.Name == name {
			return e, nil
		}
	}
	return Entity{}, fmt.Errorf("unknown entity %s.%s (known: %v)", system, name, Names())
}

// All returns every canonical entity.
func All() []Entity { return append([]Entity(nil), entities...) }

// Names lists "system.entity" for every canonical entity, sorted.
func Names() []string {
	out := make([]string, 0, len(entities))
	for _, e := range entities {
		out = append(out, e.System+"."+e.Name)
	}
	sort.Strings(out)
	return out
}
