package jobs

import (
	"testing"

	"leadmart/connectors/file"
)

// A bad value's line counts the header and the rejected lines before it.
func TestFileLine(t *testing.T) {
	rejects := []file.Reject{{Line: 3}, {Line: 7}}
	cases := []struct{ row, want int64 }{
		{1, 2},     // line 2: right after the header
		{2, 4},     // line 3 was rejected
		{5, 7 + 1}, // 5 + 1 header = 6, +1 for line 3 = 7, which was rejected too: 8
		{10, 13},
	}
	for _, c := range cases {
		if got := fileLine(c.row, 1, rejects); got != c.want {
			t.Errorf("data row %d: got line %d, want %d", c.row, got, c.want)
		}
	}
}
