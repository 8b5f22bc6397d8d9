// Package rest extracts the records of a paginated JSON API (a CRM's REST
// endpoint) into a Parquet extract file, one page at a time: memory stays
// bounded by a page and one Parquet row group whatever the number of pages.
package rest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"leadmart/internal/retry"

	"leadmart/connectors/extract"
)

// Source is one configured rest source.
type Source struct {
	extract.Staged
	name    string
	cfg     Endpoint
	columns []string
	client  *http.Client
	// backoff is the wait before the first retry; it doubles each time.
	backoff time.Duration
	// retry counts and logs the retries (the run's); nil: a retrier of its own.
	retry *retry.Retrier
}

// New returns the extractor of a rest source. columns are the record
// fields to extract, a dotted name reaching into nested objects.
func New(name string, e Endpoint, columns []string) *Source {
	cols := append([]string(nil), columns...)
	if w := e.Watermark; w != "" && !slices.Contains(cols, w) {
		cols = append(cols, w)
	}
	return &Source{
		name: name, cfg: e, columns: cols,
		client:  &http.Client{Timeout: time.Duration(e.TimeoutSeconds) * time.Second},
		backoff: time.Second,
	}
}

// Extract follows the pages from the configured URL, asking only for
// records past since when the source has a watermark, and streams the
// records into the Parquet file path.
func (s *Source) Extract(ctx context.Context, path, since string) (extract.Result, error) {
	var res extract.Result
	token := ""
	if s.cfg.TokenEnv != "" {
		if token = os.Getenv(s.cfg.TokenEnv); token == "" {
			return res, fmt.Errorf("source %s: environment variable %s (rest.token_env) is not set", s.name, s.cfg.TokenEnv)
		}
	}
	page, err := s.firstPage(since)
	if err != nil {
		return res, err
	}
	w, err := extract.Create(path, s.columns)
	if err != nil {
		return res, fmt.Errorf("source %s: %w", s.name, err)
	}
	fail := func(err error) (extract.Result, error) {
		w.Abort()
		return res, err
	}
	seen := map[string]bool{}
	text := make([]*string, len(s.columns))
	strs := make([]string, len(s.columns))
	for n := 1; page != nil; n++ {
		if seen[page.String()] {
			return fail(fmt.Errorf("source %s: page %d: next page %s was already read (a pagination loop)", s.name, n, page.Redacted()))
		}
		seen[page.String()] = true
		body, err := s.get(ctx, page, token)
		if err != nil {
			return fail(fmt.Errorf("source %s: page %d: %w", s.name, n, err))
		}
		records, next, err := s.parse(body)
		if err != nil {
			return fail(fmt.Errorf("source %s: page %d (%s): %w", s.name, n, page.Redacted(), err))
		}
		for i, rec := range records {
			obj, ok := rec.(map[string]any)
			if !ok {
				return fail(fmt.Errorf("source %s: page %d (%s), record %d: not a JSON object", s.name, n, page.Redacted(), i+1))
			}
			for c, name := range s.columns {
				text[c] = nil
				if v := lookup(obj, name); v != nil {
					strs[c] = format(v)
					text[c] = &strs[c]
				}
				if name == s.cfg.Watermark && text[c] != nil && extract.Later(strs[c], res.Watermark) {
					res.Watermark = strs[c]
				}
			}
			if err := w.Write(text); err != nil {
				return fail(fmt.Errorf("source %s: %w", s.name, err))
			}
		}
		if page, err = s.nextPage(page, next); err != nil {
			return fail(fmt.Errorf("source %s: page %d: %w", s.name, n, err))
		}
	}
	res.Rows = w.Rows()
	if err := w.Close(); err != nil {
		return res, fmt.Errorf("source %s: %w", s.name, err)
	}
	s.Stage(path)
	return res, nil
}

func (s *Source) firstPage(since string) (*url.URL, error) {
	u, err := url.Parse(s.cfg.URL)
	if err != nil {
		return nil, fmt.Errorf("source %s: rest.url: %w", s.name, err)
	}
	q := u.Query()
	if s.cfg.PageSize > 0 {
		q.Set(s.cfg.PageSizeParam, strconv.Itoa(s.cfg.PageSize))
	}
	if s.cfg.Watermark != "" && since != "" {
		q.Set(s.cfg.SinceParam, since)
	}
	u.RawQuery = q.Encode()
	return u, nil
}

// nextPage is the page after cur, or nil: a URL resolved against cur, or
// the first page's URL with the cursor parameter set.
func (s *Source) nextPage(cur *url.URL, next any) (*url.URL, error) {
	var v string
	switch x := next.(type) {
	case nil:
		return nil, nil
	case string:
		v = x
	case json.Number:
		v = x.String()
	default:
		return nil, fmt.Errorf("rest.next %q: want a URL or a cursor, got %s", s.cfg.Next, format(next))
	}
	if v == "" {
		return nil, nil
	}
	if s.cfg.CursorParam == "" {
		u, err := cur.Parse(v)
		if err != nil {
			return nil, fmt.Errorf("rest.next %q: bad URL %q: %w", s.cfg.Next, v, err)
		}
		return u, nil
	}
	u := *cur
	q := u.Query()
	q.Set(s.cfg.CursorParam, v)
	u.RawQuery = q.Encode()
	return &u, nil
}

// get fetches one page, retrying network errors, 429 and 5xx with a
// doubling wait with jitter (or the server's Retry-After); rest.retries
// bounds the retries.
func (s *Source) get(ctx context.Context, u *url.URL, token string) ([]byte, error) {
	r := s.retry
	if r == nil {
		r = &retry.Retrier{}
	}
	p := r.Policy
	p.Attempts, p.Initial = s.cfg.Retries+1, s.backoff
	if p.MaxDelay == 0 {
		p.MaxDelay = time.Minute
	}
	var body []byte
	err := r.DoWith(ctx, p, s.name, func() error {
		b, retryAfter, err := s.getOnce(ctx, u, token)
		var perm permanent
		switch {
		case errors.As(err, &perm):
			return retry.Permanent(err)
		case err != nil && retryAfter > 0:
			return retry.After(err, retryAfter)
		}
		body = b
		return err
	})
	return body, err
}

// permanent marks a failure that a retry would not change.
type permanent struct{ error }

func (s *Source) getOnce(ctx context.Context, u *url.URL, token string) ([]byte, time.Duration, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, 0, permanent{err}
	}
	req.Header.Set("Accept", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return nil, 0, fmt.Errorf("GET %s: %w", u.Redacted(), errors.Unwrap(err))
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, 0, fmt.Errorf("GET %s: read body: %w", u.Redacted(), err)
	}
	if resp.StatusCode/100 == 2 {
		return body, 0, nil
	}
	err = fmt.Errorf("GET %s: %s: %s", u.Redacted(), resp.Status, snippet(body))
	if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500 {
		secs, _ := strconv.Atoi(resp.Header.Get("Retry-After"))
		return nil, time.Duration(secs) * time.Second, err
	}
	return nil, 0, permanent{err}
}

// parse reads a page's records and its next-page value.
func (s *Source) parse(body []byte) ([]any, any, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var doc any
	if err := dec.Decode(&doc); err != nil {
		var syn *json.SyntaxError
		if errors.As(err, &syn) {
			return nil, nil, fmt.Errorf("malformed JSON at byte %d: %v", syn.Offset, err)
		}
		return nil, nil, fmt.Errorf("malformed JSON: %v", err)
	}
	recs := doc
	if s.cfg.Records != "" {
		obj, ok := doc.(map[string]any)
		if !ok {
			return nil, nil, fmt.Errorf("rest.records %q: the page is not a JSON object", s.cfg.Records)
		}
		recs = lookup(obj, s.cfg.Records)
	}
	list, ok := recs.([]any)
	if !ok {
		return nil, nil, fmt.Errorf("rest.records %q: want an array of records, got %s", s.cfg.Records, kind(recs))
	}
	var next any
	if obj, ok := doc.(map[string]any); ok && s.cfg.Next != "" {
		next = lookup(obj, s.cfg.Next)
	}
	return list, next, nil
}

// lookup finds name in obj: the key itself, else a dotted path into nested objects.
func lookup(obj map[string]any, name string) any {
	if v, ok := obj[name]; ok {
		return v
	}
	head, rest, ok := strings.Cut(name, ".")
	if !ok {
		return nil
	}
	inner, ok := obj[head].(map[string]any)
	if !ok {
		return nil
	}
	return lookup(inner, rest)
}

// format writes a JSON value as text: strings as they are, numbers as
// written, nested values as JSON.
func format(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case json.Number:
		return x.String()
	case bool:
		return strconv.FormatBool(x)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func kind(v any) string {
	switch v.(type) {
	case nil:
		return "nothing"
	case map[string]any:
		return "an object"
	case string:
		return "a string"
	}
	return fmt.Sprintf("%T", v)
}

func snippet(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 200 {
		s = s[:200] + "..."
	}
	return s
}
