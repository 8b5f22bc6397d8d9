package config

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// Any bytes either decode into a valid config or fail with ErrInvalid:
// no panic, no other error, and a config that parses parses again the same
// way (the decoder has no state a second read could trip on).
func FuzzParse(f *testing.F) {
	f.Add([]byte(minimal))
	f.Add(DemoYAML())
	if b, err := os.ReadFile("leadmart.example.yaml"); err == nil {
		f.Add(b)
	}
	fixtures, _ := filepath.Glob("../testdata/*/leadmart.yaml")
	for _, p := range fixtures {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("version: 1\nsources: [{name: a, system: crm, entity: lead, path: x.csv, columns: {lead_id: {sql: '1'}}}]\n"))
	f.Add([]byte("version: 1\nsources:\n  - &s {name: a, system: crm, entity: lead, path: x.csv}\n  - *s\n"))
	f.Add([]byte("version: 1\nquality: {severity: {range: quarantine}, ranges: {crm.lead.employees: {min: 5, max: 1}}}\n"))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := Parse(b, dir)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("error not marked ErrInvalid: %v", err)
			}
			return
		}
		if _, err := Parse(b, dir); err != nil {
			t.Fatalf("parsed once, then failed: %v", err)
		}
		if c.Version != CurrentVersion || len(c.Sources) == 0 {
			t.Fatalf("a valid config without version or sources: %+v", c)
		}
	})
}
