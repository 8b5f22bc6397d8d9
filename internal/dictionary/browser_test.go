package dictionary_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"leadmart/internal/dictionary"
	"leadmart/models"
	sqlmodels "leadmart/sql"
)

// The dictionary in a real browser: headless Chromium opens it with
// mart.kpi_win_rate highlighted through the address, runs its script
// without a console message, highlights exactly the table's upstream, and
// takes a screenshot (kept as lineage.png in the test's folder, for a look).
func TestDictionaryInChromium(t *testing.T) {
	browser := ""
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			browser = p
			break
		}
	}
	if browser == "" {
		t.Skip("SKIPPING: no Chromium on this machine (apt-get install chromium); CI installs it")
	}
	cat, err := models.LoadCatalog(sqlmodels.FS)
	if err != nil {
		t.Fatal(err)
	}
	page, err := dictionary.New(cat, "r1", "2026-03-31", time.Date(2026, 4, 1, 2, 0, 0, 0, time.UTC), nil, nil).HTML()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "index.html")
	if err := os.WriteFile(file, page, 0o644); err != nil {
		t.Fatal(err)
	}
	url := "file://" + file + "#lineage=mart.kpi_win_rate"
	chromium := func(args ...string) (stdout, stderr string) {
		t.Helper()
		cmd := exec.Command(browser, append([]string{"--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
			"--enable-logging=stderr", "--v=0", "--virtual-time-budget=3000", "--user-data-dir=" + filepath.Join(dir, "profile")}, args...)...)
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		if err := cmd.Run(); err != nil {
			t.Fatalf("chromium %v: %v\n%s", args, err, errb.String())
		}
		return out.String(), errb.String()
	}
	dom, logs := chromium("--dump-dom", url)
	if console := regexp.MustCompile(`(?m)^.*:CONSOLE[:(].*$`).FindAllString(logs, -1); len(console) > 0 {
		t.Errorf("console messages:\n%s", strings.Join(console, "\n"))
	}
	on := map[string]bool{}
	for _, m := range regexp.MustCompile(`<g class="node( on)?( picked)?" data-node="([^"]+)"`).FindAllStringSubmatch(dom, -1) {
		if m[1] != "" {
			on[m[3]] = true
		}
	}
	for _, want := range []string{"mart.kpi_win_rate", "mart.fct_opportunity", "staging.stg_crm__opportunities", "raw.crm__opportunity"} {
		if !on[want] {
			t.Errorf("%s is not highlighted as upstream of mart.kpi_win_rate", want)
		}
	}
	for _, not := range []string{"mart.fct_lead", "raw.crm__activity", "mart.kpi_funnel_monthly"} {
		if on[not] {
			t.Errorf("%s is highlighted, but mart.kpi_win_rate is not built from it", not)
		}
	}
	if !strings.Contains(dom, `class="node on picked" data-node="mart.kpi_win_rate"`) {
		t.Error("mart.kpi_win_rate is not marked as the picked table")
	}
	png := filepath.Join(dir, "lineage.png")
	chromium("--window-size=1700,1400", "--screenshot="+png, url)
	if b, err := os.ReadFile(png); err != nil || !bytes.HasPrefix(b, []byte("\x89PNG")) || len(b) < 20000 {
		t.Errorf("no screenshot of the dictionary (%d bytes, %v)", len(b), err)
	}
}
