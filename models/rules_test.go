package models

import (
	"strings"
	"testing"
)

// Every row-check declaration names a declared entity and field of the
// right type: a slip would fail every run at screening, not a test.
func TestRuleDeclarations(t *testing.T) {
	field := func(entity, name string) (Field, bool) {
		sys, n, _ := strings.Cut(entity, ".")
		e, err := Lookup(sys, n)
		if err != nil {
			t.Errorf("%s: %v", entity, err)
			return Field{}, false
		}
		return e.Field(name)
	}
	for _, r := range Ranges() {
		if f, ok := field(r.Entity, r.Field); !ok || (f.Type != Int && f.Type != Decimal) {
			t.Errorf("range %s.%s: no numeric field", r.Entity, r.Field)
		}
	}
	for _, r := range References() {
		from, ok1 := field(r.Entity, r.Field)
		to, ok2 := field(r.To, r.ToField)
		if !ok1 || !ok2 || from.Type != to.Type {
			t.Errorf("reference %s.%s -> %s.%s: fields missing or of different types", r.Entity, r.Field, r.To, r.ToField)
		}
	}
	for entity, fields := range NotFuture() {
		for _, name := range fields {
			if f, ok := field(entity, name); !ok || (f.Type != Date && f.Type != Timestamp) {
				t.Errorf("not-future %s.%s: no date or timestamp field", entity, name)
			}
		}
	}
}
