package report

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"
)

// Chromium prints HTML to PDF with a headless Chromium.
type Chromium struct {
	Path string
}

// ErrNoChromium: no Chromium to print the PDF with.
var ErrNoChromium = errors.New("a PDF needs Chromium, which is not installed: on Debian or Ubuntu `apt-get install chromium`; or ask for --format html")

// FindChromium finds Chromium or Chrome on PATH.
func FindChromium() (*Chromium, error) {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return &Chromium{Path: p}, nil
		}
	}
	return nil, ErrNoChromium
}

// PrintPDF prints the HTML file html to pdf: A4 as the report's CSS asks,
// without the browser's own header and footer.
func (c *Chromium) PrintPDF(ctx context.Context, html, pdf string) error {
	abs, err := filepath.Abs(html)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	profile, err := os.MkdirTemp("", "leadmart-chromium-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(profile)
	tmp := pdf + ".tmp"
	cmd := exec.CommandContext(ctx, c.Path, "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer",
		"--user-data-dir="+profile, "--print-to-pdf="+tmp, "file://"+abs)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("print %s to PDF with %s: %w\n%s", html, c.Path, err, out)
	}
	if st, err := os.Stat(tmp); err != nil || st.Size() == 0 {
		return fmt.Errorf("print %s to PDF with %s: no PDF written\n%s", html, c.Path, out)
	}
	return os.Rename(tmp, pdf)
}
