// Package jobs holds the stages of a run (land, type, transform, check) and
// their order; the work database is workdb, publication is publish.
package jobs

import "errors"

// Sentinel errors; cmd/leadmart maps them to documented exit codes.
var (
	// ErrChecksFailed: a data check failed, so nothing was published.
	ErrChecksFailed = errors.New("data checks failed")
	// ErrBadInput: an extract is missing or cannot be read as configured.
	ErrBadInput = errors.New("bad input")
)
