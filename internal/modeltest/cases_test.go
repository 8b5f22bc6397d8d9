package modeltest

import "testing"

// How a value is compared: a DECIMAL digit for digit (only trailing zeros
// dropped), a DOUBLE at the decimals the expected text writes, anything
// else as text.
func TestNormalize(t *testing.T) {
	cases := []struct {
		v, typ, like, want string
	}{
		{"0.5000000000", "DECIMAL", "0.5", "0.5"},
		{"0.3333333333", "DECIMAL", "0.333333", "0.3333333333"}, // a shorter expectation does not round it
		{"1000.0000000000", "DECIMAL", "1000", "1000"},
		{"-0.0000000000", "DECIMAL", "0", "0"},
		{"1200", "DECIMAL", "1200", "1200"}, // an integer part's zeros stay
		{"0.6666666666666666", "DOUBLE", "0.666667", "0.666667"},
		{"0.6666666666666666", "DOUBLE", "0.67", "0.67"},
		{"26.000000000000004", "DOUBLE", "26", "26"},
		{"-0.0000001", "DOUBLE", "0", "0"},
		{"2026-03-01", "DATE", "2026-03-01", "2026-03-01"},
		{"", "DECIMAL", "", ""},
		{" true ", "BOOLEAN", "true", "true"},
	}
	for _, c := range cases {
		if got := normalize(c.v, c.typ, c.like); got != c.want {
			t.Errorf("normalize(%q, %s, like %q) = %q, want %q", c.v, c.typ, c.like, got, c.want)
		}
	}
}
