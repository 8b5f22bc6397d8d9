package rest

import (
	"leadmart/connectors/extract"
)

// Spec is a rest source's own key: `rest`, the endpoint it pages through.
type Spec struct {
	REST Endpoint `yaml:"rest"`
}

// Endpoint is a paginated JSON endpoint, streamed to raw Parquet.
type Endpoint struct {
	// URL of the first page. Required.
	URL string `yaml:"url"`
	// TokenEnv names the environment variable holding a bearer token. Optional.
	TokenEnv string `yaml:"token_env"`
	// Records is the dotted path to the array of records in a page, e.g. "data".
	// Empty: the page is the array.
	Records string `yaml:"records"`
	// Next is the dotted path to the next page in a page, e.g. "links.next":
	// a URL (absolute or relative to the page's), or a cursor when CursorParam
	// is set. Missing, null or "" ends the extraction. Empty: one page.
	Next string `yaml:"next"`
	// CursorParam is the query parameter that carries the cursor read at Next.
	CursorParam string `yaml:"cursor_param"`
	// PageSize, when set, is sent as the PageSizeParam query parameter.
	PageSize int `yaml:"page_size"`
	// PageSizeParam. Default "limit".
	PageSizeParam string `yaml:"page_size_param"`
	// Watermark is a record field (a number or an ISO-8601 timestamp); the
	// largest value landed is sent as the SinceParam query parameter.
	Watermark string `yaml:"watermark"`
	// SinceParam. Default "updated_since".
	SinceParam string `yaml:"since_param"`
	// Retries of a request that failed with a network error, 429 or 5xx. Default 3.
	Retries int `yaml:"retries"`
	// TimeoutSeconds per request. Default 60.
	TimeoutSeconds int `yaml:"timeout_seconds"`
}

var _ extract.Spec = (*Spec)(nil)

// Defaults fills in the parameter names, retries and timeout.
func (s *Spec) Defaults() {
	r := &s.REST
	if r.PageSizeParam == "" {
		r.PageSizeParam = "limit"
	}
	if r.SinceParam == "" {
		r.SinceParam = "updated_since"
	}
	if r.Retries == 0 {
		r.Retries = 3
	}
	if r.TimeoutSeconds == 0 {
		r.TimeoutSeconds = 60
	}
}

// Validate requires an http(s) URL and no negative numbers.
func (s *Spec) Validate() []string {
	var out []string
	if msg := extract.CheckHTTPURL("rest.url", s.REST.URL); msg != "" {
		out = append(out, msg)
	}
	if s.REST.PageSize < 0 || s.REST.Retries < 0 || s.REST.TimeoutSeconds < 0 {
		out = append(out, "rest: page_size, retries and timeout_seconds must be >= 0")
	}
	return out
}

// Open returns the extractor of the source's columns; the extract lands as
// a Parquet file.
func (s *Spec) Open(env extract.Env) (extract.Reader, error) {
	src := New(env.Name, s.REST, env.Columns)
	src.retry = env.Retry
	return src, nil
}
