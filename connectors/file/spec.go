package file

import (
	"fmt"
	"path/filepath"
	"strings"

	"leadmart/connectors/extract"
)

// Spec is a file source's own keys: which files, and how they are written
// (the CSV dialect is every source's `csv` key).
type Spec struct {
	// Path is a file or glob, relative to the config file. Required.
	Path string `yaml:"path"`
	// Format: csv, ndjson, parquet or xlsx. Default: from the file extension.
	Format string `yaml:"format"`
	// Sheet of an xlsx workbook. Default: the first sheet.
	Sheet string `yaml:"sheet"`
}

var _ extract.Spec = (*Spec)(nil)

// Defaults takes the format from the path's extension.
func (s *Spec) Defaults() {
	if s.Format == "" {
		s.Format = strings.TrimPrefix(strings.ToLower(filepath.Ext(s.Path)), ".")
		if s.Format == "json" || s.Format == "jsonl" {
			s.Format = "ndjson"
		}
	}
}

// Validate requires a path and a known format.
func (s *Spec) Validate() []string {
	var out []string
	if s.Path == "" {
		out = append(out, "path: required")
	} else if _, err := filepath.Match(s.Path, ""); err != nil {
		out = append(out, fmt.Sprintf("path: %q is not a valid file pattern: %v", s.Path, err))
	}
	switch s.Format {
	case "csv", "ndjson", "parquet", "xlsx":
	default:
		out = append(out, fmt.Sprintf("format: unknown format %q (known: csv, ndjson, parquet, xlsx)", s.Format))
	}
	return out
}

// Open returns the reader of the files the path matches.
func (s *Spec) Open(env extract.Env) (extract.Reader, error) {
	glob := s.Path
	if env.Resolve != nil {
		glob = env.Resolve(s.Path)
	}
	return New(*s, env, glob), nil
}

// ReadKey is what of the spec decides how a file's bytes are read: a
// change re-reads the landed files (jobs' batch fingerprint). Not the
// format: that is the file's own (a source switched from CSV to Parquet
// exports keeps its CSV batches as they were read).
func (s *Spec) ReadKey() string { return s.Sheet }
