package jobs

import (
	"errors"
	"fmt"
	"io/fs"
	"syscall"
	"testing"
)

// A failure of the machine is not bad input: a full disk while landing
// exits 1, not 5, and says so.
func TestInputErrorKinds(t *testing.T) {
	cases := []struct {
		name string
		err  error
		env  bool
	}{
		{"disk full from the OS", &fs.PathError{Op: "write", Path: "raw/x.parquet.tmp", Err: syscall.ENOSPC}, true},
		{"disk full from DuckDB", errors.New(`IO Error: Could not write file "raw/x.parquet.tmp": No space left on device`), true},
		{"permission", &fs.PathError{Op: "open", Path: "leads.csv", Err: syscall.EACCES}, true},
		{"read-only file system", errors.New("mkdir raw/crm: read-only file system"), true},
		{"a bad value", fmt.Errorf("leads.csv line 3: cannot parse %q", "x"), false},
		{"a corrupt file", errors.New("Invalid Input Error: No magic bytes found at end of file"), false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := inputError(fmt.Errorf("source s: %w", c.err))
			if got := errors.Is(err, ErrEnvironment); got != c.env {
				t.Errorf("%v: environment %v, want %v", err, got, c.env)
			}
			if got := errors.Is(err, ErrBadInput); got == c.env {
				t.Errorf("%v: bad input %v, want %v", err, got, !c.env)
			}
		})
	}
}
