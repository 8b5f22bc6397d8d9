package httpfile

import (
	"net/url"
	"path"
	"strings"

	"leadmart/connectors/extract"
	"leadmart/connectors/file"
)

// Spec is an http-file source's own key: `http`, the export to download.
type Spec struct {
	HTTP Download `yaml:"http"`
}

// Download is one export file behind a URL (a CRM's scheduled export link,
// a shared spreadsheet's CSV export).
type Download struct {
	// URL of the file, http or https. Required.
	URL string `yaml:"url"`
	// Format: csv, ndjson, parquet or xlsx. Default: from the URL path's extension.
	Format string `yaml:"format"`
	// Sheet of an xlsx workbook. Default: the first sheet.
	Sheet string `yaml:"sheet"`
	// TokenEnv names the environment variable holding a bearer token. Optional.
	TokenEnv string `yaml:"token_env"`
	// TimeoutSeconds for the whole download. Default 300.
	TimeoutSeconds int `yaml:"timeout_seconds"`
}

var _ extract.Spec = (*Spec)(nil)

// Defaults takes the format from the URL and sets the timeout.
func (s *Spec) Defaults() {
	d := &s.HTTP
	if d.Format == "" {
		if u, err := url.Parse(d.URL); err == nil {
			d.Format = strings.TrimPrefix(strings.ToLower(path.Ext(u.Path)), ".")
		}
	}
	if d.TimeoutSeconds == 0 {
		d.TimeoutSeconds = 300
	}
}

// Validate requires an http(s) URL and a format the file connector reads.
func (s *Spec) Validate() []string {
	var out []string
	if msg := extract.CheckHTTPURL("http.url", s.HTTP.URL); msg != "" {
		out = append(out, msg)
	}
	for _, m := range (&file.Spec{Path: s.HTTP.URL, Format: s.HTTP.Format}).Validate() {
		out = append(out, "http."+m)
	}
	if s.HTTP.TimeoutSeconds < 0 {
		out = append(out, "http.timeout_seconds: must be >= 0")
	}
	return out
}

// Open returns the downloader; the file lands as a file source's would.
func (s *Spec) Open(env extract.Env) (extract.Reader, error) {
	return New(s.HTTP, env), nil
}

// ReadKey is what of the spec decides how the file's bytes are read.
func (s *Spec) ReadKey() string { return s.HTTP.Sheet }
