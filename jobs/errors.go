// Package jobs holds the stages of a run (land, type, transform, check) and
// their order; the work database is workdb, publication is publish.
package jobs

import (
	"errors"
	"fmt"
	"strings"
	"syscall"

	"leadmart/config"
	"leadmart/connectors/extract"
	"leadmart/workdb"
)

// Sentinel errors; cmd/leadmart maps them to documented exit codes.
var (
	// ErrChecksFailed: a data check failed, so nothing was published.
	ErrChecksFailed = errors.New("data checks failed")
	// ErrBadInput: an extract is missing or cannot be read as configured.
	ErrBadInput = extract.ErrBadInput
	// ErrEnvironment: the machine failed the run (a full disk, a missing
	// permission), not the input: repairing the input would not help.
	ErrEnvironment = errors.New("environment failure")
)

// environmentSigns are how DuckDB and the OS word a failure of the machine.
var environmentSigns = []string{"no space left on device", "disk quota exceeded", "permission denied",
	"read-only file system", "input/output error", "too many open files", "cannot allocate memory"}

// inputError is err as landing reports it: an environment failure when the
// machine is at fault, else bad input.
func inputError(err error) error {
	if isEnvironment(err) {
		return fmt.Errorf("%w: %w", ErrEnvironment, err)
	}
	return fmt.Errorf("%w: %w", ErrBadInput, err)
}

func isEnvironment(err error) bool {
	for _, e := range []error{syscall.ENOSPC, syscall.EDQUOT, syscall.EACCES, syscall.EPERM, syscall.EROFS, syscall.EIO, syscall.EMFILE, syscall.ENOMEM} {
		if errors.Is(err, e) {
			return true
		}
	}
	msg := strings.ToLower(err.Error())
	for _, s := range environmentSigns {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

// Exit codes of the leadmart command, documented in the README and in
// `leadmart --help`; the daemon's metrics count failures by them.
const (
	ExitOK       = 0
	ExitFailed   = 1 // the machine or leadmart itself
	ExitUsage    = 2 // a usage or configuration error
	ExitChecks   = 3 // data checks failed
	ExitLocked   = 4 // another run holds the warehouse
	ExitBadInput = 5 // bad input, with its file, line and column
)

// ExitCode is the documented exit code of a failure.
func ExitCode(err error) int {
	switch {
	case err == nil:
		return ExitOK
	case errors.Is(err, config.ErrInvalid), errors.Is(err, ErrNoBatch), errors.Is(err, ErrNoState):
		return ExitUsage
	case errors.Is(err, ErrEnvironment):
		return ExitFailed
	case errors.Is(err, ErrChecksFailed):
		return ExitChecks
	case errors.Is(err, workdb.ErrLocked):
		return ExitLocked
	case errors.Is(err, ErrBadInput):
		return ExitBadInput
	}
	return ExitFailed
}
