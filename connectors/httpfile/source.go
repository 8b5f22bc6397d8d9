// Package httpfile is the http-file source kind: an export file behind a
// URL, downloaded at each run and then read exactly as a file source reads
// its files (dialect, line numbers, rejected lines). An unchanged download
// is skipped at landing by its content, like an unchanged file.
package httpfile

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"leadmart/internal/retry"

	"leadmart/connectors/extract"
	"leadmart/connectors/file"
)

// Source downloads one export file.
type Source struct {
	cfg    Download
	env    extract.Env
	client *http.Client
	file   *file.Source // the downloaded file's reader, once downloaded
}

// New returns the downloader of an http-file source.
func New(d Download, env extract.Env) *Source {
	return &Source{cfg: d, env: env, client: &http.Client{Timeout: time.Duration(d.TimeoutSeconds) * time.Second}}
}

// Extract downloads the file beside path, with the format's extension.
// Its rows are counted when it lands; since is not used: an export file is
// whole every time.
func (s *Source) Extract(ctx context.Context, path, _ string) (extract.Result, error) {
	dst := strings.TrimSuffix(path, filepath.Ext(path)) + "." + s.cfg.Format
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.cfg.URL, nil)
	if err != nil {
		return extract.Result{}, fmt.Errorf("source %s: %w", s.env.Name, err)
	}
	if s.cfg.TokenEnv != "" {
		token := os.Getenv(s.cfg.TokenEnv)
		if token == "" {
			return extract.Result{}, fmt.Errorf("source %s: environment variable %s (http.token_env) is not set", s.env.Name, s.cfg.TokenEnv)
		}
		req.Header.Set("Authorization", "Bearer "+token)
	}
	// an unreachable server, a timeout, 429 and 5xx are retried; other statuses are not
	err = s.env.Retry.Do(ctx, s.env.Name, func() error {
		resp, err := s.client.Do(req)
		if err != nil {
			return fmt.Errorf("source %s: download: %w", s.env.Name, err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			err := fmt.Errorf("source %s: download %s: %s", s.env.Name, s.cfg.URL, resp.Status)
			if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500 {
				return err
			}
			return retry.Permanent(err)
		}
		if err := save(resp.Body, dst); err != nil {
			return retry.Permanent(fmt.Errorf("source %s: download %s: %w", s.env.Name, s.cfg.URL, err))
		}
		return nil
	})
	if err != nil {
		return extract.Result{}, err
	}
	s.file = file.New(file.Spec{Format: s.cfg.Format, Sheet: s.cfg.Sheet}, s.env, dst)
	return extract.Result{}, nil
}

// save writes body to dst through a temporary file, so dst is whole or absent.
func save(body io.Reader, dst string) error {
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	f, err := os.Create(dst + ".tmp")
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, body); err != nil {
		f.Close()
		os.Remove(dst + ".tmp")
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(dst + ".tmp")
		return err
	}
	return os.Rename(dst+".tmp", dst)
}

// Files is the downloaded file.
func (s *Source) Files() ([]string, error) {
	if s.file == nil {
		return nil, errors.New("nothing was downloaded")
	}
	return s.file.Files()
}

// Copy reads the downloaded file as a file source does.
func (s *Source) Copy(ctx context.Context, conn *sql.Conn, path, dst string) (extract.Read, error) {
	if s.file == nil {
		return extract.Read{}, errors.New("nothing was downloaded")
	}
	return s.file.Copy(ctx, conn, path, dst)
}
