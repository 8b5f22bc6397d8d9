package jobs_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"leadmart/config"
	"leadmart/internal/quote"
	"leadmart/internal/whtest"
	"leadmart/jobs"
	"leadmart/workdb"
)

// opportunities is an export with text stages, dd-mm-yyyy dates, an empty
// stage and a typo'd type, the way an opportunity-only CRM export looks.
const opportunities = `Deal,Stage,Engaged,Closed,Value,Kind
D1,Won,03-01-2024,20-01-2024,1200,new
D2,Lost,05-01-2024,06-02-2024,,New
D3,Engaging,07-01-2024,,,existng
D4, ,08-01-2024,,500,
`

// typeSource lands csv through source s's mapping (landing's strict typing)
// in an in-memory warehouse and returns the selected fields, or the error.
func typeSource(t *testing.T, sourceYAML, csv, fields string) ([][]string, error) {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "extract.csv")
	if err := os.WriteFile(path, []byte(csv), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Parse([]byte("version: 1\nsources:\n"+sourceYAML), dir)
	if err != nil {
		return nil, err
	}
	ctx := context.Background()
	w, err := workdb.OpenPlain(ctx, cfg, ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	scan := fmt.Sprintf("(select *, row_number() over () - 1 as file_row_number from read_csv(%s, all_varchar = true))", quote.Lit(path))
	_, names, sels, err := jobs.TypedSelect(ctx, w, cfg.Sources[0], scan, path, true)
	if err != nil {
		return nil, err
	}
	var list []string
	for i, n := range names {
		list = append(list, sels[i]+" as "+n)
	}
	cols, rows, err := w.QueryAll(ctx, fmt.Sprintf("select %s from (select %s from %s)", fields, strings.Join(list, ", "), scan))
	if err != nil {
		return nil, err
	}
	out := [][]string{cols}
	for _, r := range rows {
		var line []string
		for _, v := range r {
			line = append(line, whtest.Format(v))
		}
		out = append(out, line)
	}
	return out, nil
}

func TestFieldMapping(t *testing.T) {
	const base = `  - name: deals
    system: crm
    entity: opportunity
    path: extract.csv
    csv: {date_format: "%d-%m-%Y"}
`
	cases := []struct {
		name, yaml, fields string
		want               [][]string
	}{
		{"text stage to outcome flags, empty stage mapped, typo fixed",
			base + `    columns:
      opportunity_id: Deal
      created_at: Engaged
      closed_at: Closed
      stage: Stage
      is_won: {column: Stage}
      is_closed: {column: Stage}
      type: Kind
    values:
      stage: {"": unknown}
      is_won: {Won: "true", Lost: "false", Engaging: "", "": ""}
      is_closed: {won: "true", lost: "true", engaging: "false", "": "false"}
      type: {existng: existing}
`, "opportunity_id, stage, is_won, is_closed, created_at, closed_at, type",
			[][]string{
				{"opportunity_id", "stage", "is_won", "is_closed", "created_at", "closed_at", "type"},
				{"D1", "Won", "true", "true", "2024-01-03", "2024-01-20", "new"},
				{"D2", "Lost", "false", "true", "2024-01-05", "2024-02-06", "New"},
				{"D3", "Engaging", "", "false", "2024-01-07", "", "existing"},
				{"D4", "unknown", "", "false", "2024-01-08", "", ""},
			}},
		{"constant and expression",
			base + `    columns:
      opportunity_id: {sql: "'crm-' || Deal"}
      created_at: Engaged
      currency: {value: EUR}
      amount: {sql: "coalesce(Value, '0')"}
`, "opportunity_id, currency, amount",
			[][]string{
				{"opportunity_id", "currency", "amount"},
				{"crm-D1", "EUR", "1200"},
				{"crm-D2", "EUR", "0"},
				{"crm-D3", "EUR", "0"},
				{"crm-D4", "EUR", "500"},
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := typeSource(t, c.yaml, opportunities, c.fields)
			if err != nil {
				t.Fatal(err)
			}
			whtest.Equal(t, got, c.want)
		})
	}
}

// Each bad mapping is an error that names the source and the field.
func TestFieldMappingErrors(t *testing.T) {
	const base = `  - name: deals
    system: crm
    entity: opportunity
    path: extract.csv
    csv: {date_format: "%d-%m-%Y"}
    columns: {opportunity_id: Deal, created_at: Engaged`
	cases := []struct {
		name, yaml string
		is         error
		want       string
	}{
		{"expression over a missing column", base + `, amount: {sql: "Amount * 2"}}` + "\n", config.ErrInvalid,
			`source deals, field amount: expression Amount * 2 does not fit`},
		{"mapped column missing", base + `, amount: Amount}` + "\n", jobs.ErrBadInput,
			`source deals, field amount: ` + "%s" + ` line 1 (header): column "Amount" not found; the file has "Deal", "Stage", "Engaged", "Closed", "Value", "Kind"`},
		{"values on a field the file lacks", base + "}\n    values: {probability: {high: '0.9'}}\n", config.ErrInvalid,
			`source deals, field probability: values are mapped but`},
		{"unknown field with a suggestion", base + ", stge: Stage}\n", config.ErrInvalid,
			`sources[0] (deals).columns: crm.opportunity has no field "stge"; did you mean "stage"? (fields: opportunity_id, account_id,`},
		{"values target of the wrong type", base + "}\n    values: {is_won: {Won: yes}}\n", config.ErrInvalid,
			`sources[0] (deals).values.is_won.Won: "yes" is not a canonical bool`},
		{"values on a constant", base + ", currency: {value: EUR}}\n    values: {currency: {euro: EUR}}\n", config.ErrInvalid,
			`sources[0] (deals).values.currency: the field is the constant "EUR", so no value can be mapped`},
		{"keys that are the same value", base + "}\n    values: {stage: {Won: won, 'won ': won}}\n", config.ErrInvalid,
			`sources[0] (deals).values.stage: keys "Won" and "won " are the same value`},
		{"two kinds on one field", base + ", amount: {column: Value, value: '1'}}\n", config.ErrInvalid,
			`a field maps to exactly one of column, value, sql (got 2)`},
		{"unparsable value", base + ", closed_at: Stage}\n", errAny, "leadmart: unparsable value"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := typeSource(t, c.yaml, opportunities, "*")
			if err == nil {
				t.Fatal("no error")
			}
			if c.is != errAny && !errors.Is(err, c.is) {
				t.Errorf("error %q is not %v", err, c.is)
			}
			if !containsInOrder(err.Error(), strings.Split(c.want, "%s")) {
				t.Errorf("error:\n%v\nwant it to contain:\n%s", err, c.want)
			}
		})
	}
}

// errAny matches every error: the typed select only raises the marker;
// landing turns it into the line and column (TestBadInputKeepsPublication).
var errAny = errors.New("any")

func containsInOrder(s string, parts []string) bool {
	for _, p := range parts {
		i := strings.Index(s, p)
		if i < 0 {
			return false
		}
		s = s[i+len(p):]
	}
	return true
}
