package demo

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"
)

func hashes(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		s := sha256.Sum256(b)
		rel, _ := filepath.Rel(dir, p)
		out[rel] = hex.EncodeToString(s[:])
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestSameSeedSameBytes(t *testing.T) {
	a, b, c := t.TempDir(), t.TempDir(), t.TempDir()
	opt := Options{Seed: 7, Scale: 0.05}
	sum, err := Generate(a, opt)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Generate(b, opt); err != nil {
		t.Fatal(err)
	}
	if _, err := Generate(c, Options{Seed: 8, Scale: 0.05}); err != nil {
		t.Fatal(err)
	}
	ha, hb, hc := hashes(t, a), hashes(t, b), hashes(t, c)
	if len(ha) != 15 {
		t.Errorf("got %d files, want one per canonical entity (15)", len(ha))
	}
	for f, h := range ha {
		if hb[f] != h {
			t.Errorf("%s differs between two runs with the same seed", f)
		}
	}
	if ha["crm/leads.csv"] == hc["crm/leads.csv"] {
		t.Error("another seed gave the same leads")
	}
	if n := sum["crm/leads.csv"]; n < 1000 || n > 1100 {
		t.Errorf("scale 0.05: %d lead rows, want about 1000 (20k x 0.05) plus dirty rows", n)
	}
}

func TestScaleIsLinear(t *testing.T) {
	small, err := Generate(t.TempDir(), Options{Seed: 1, Scale: 0.05})
	if err != nil {
		t.Fatal(err)
	}
	double, err := Generate(t.TempDir(), Options{Seed: 1, Scale: 0.1})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"crm/leads.csv", "crm/accounts.csv", "crm/activities.ndjson"} {
		ratio := float64(double[f]) / float64(small[f])
		if ratio < 1.8 || ratio > 2.2 {
			t.Errorf("%s: doubling the scale multiplied rows by %.2f", f, ratio)
		}
	}
}
