// Package jobs holds the pipeline steps (land -> transform -> check ->
// publish) and the run that chains them.
package jobs

import "errors"

// Sentinel errors; cmd/leadmart maps them to documented exit codes.
var (
	// ErrChecksFailed: a data check failed, so nothing was published.
	ErrChecksFailed = errors.New("data checks failed")
	// ErrBadInput: an extract is missing or cannot be read as configured.
	ErrBadInput = errors.New("bad input")
)
