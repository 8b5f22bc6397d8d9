package jobs_test

import (
	"database/sql"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"leadmart/internal/whtest"
	"leadmart/publish"
)

// The helper process: a client that opens a file read-write, as the DuckDB
// CLI does by default, and tries to change it.
func TestHelperWriter(t *testing.T) {
	path := whtest.HelperArg(t, "LEADMART_HELPER_WRITER", "TestPublicationIsReadOnly")
	fmt.Println(writeTo(path))
}

// writeTo opens a DuckDB file read-write and drops a table: "ok" or the error.
func writeTo(path string) string {
	db, err := sql.Open("duckdb", path)
	if err == nil {
		defer db.Close()
		_, err = db.Exec("drop table mart.fct_lead")
	}
	if err != nil {
		return "error: " + err.Error()
	}
	return "ok"
}

// A read-write open of warehouse/leadmart.duckdb fails, and every kept
// version keeps the digests it was sealed with. Tests often run as root,
// whom file modes do not stop: the client then runs as nobody, which is
// what a BI tool's user is to the warehouse.
func TestPublicationIsReadOnly(t *testing.T) {
	whtest.WholeJob(t)
	t.Parallel()
	dir, _ := built.Copy(t, "../testdata/crm_en", asOf)
	whtest.MustRun(t, dir, asOf)
	wh := filepath.Join(dir, "warehouse")
	published := whtest.Published(dir)

	var got string
	if os.Geteuid() != 0 {
		got = writeTo(published)
	} else {
		got = writeAsNobody(t, dir, published)
	}
	if !strings.HasPrefix(got, "error: ") || !strings.Contains(got, "Permission denied") {
		t.Errorf("a read-write open of %s: %q, want it refused for lack of permission", publish.PublishedFile, got)
	}
	kept, err := publish.Kept(wh)
	must(t, err)
	if len(kept) != 2 {
		t.Fatalf("kept versions: %v, want 2", kept)
	}
	for _, id := range kept {
		if err := publish.Verify(wh, id); err != nil {
			t.Error(err)
		}
	}
	if got := whtest.Query(t, published, "select count(*) from mart.fct_lead")[1][0]; got != "15" {
		t.Errorf("leads after the write attempt: %s, want 15", got)
	}

	// Verify is what catches a change that file modes did not stop (root's)
	version := filepath.Join(wh, publish.VersionsDir, kept[1])
	must(t, os.Chmod(version, 0o755))
	must(t, os.Chmod(filepath.Join(version, publish.PublishedFile), 0o644))
	if got := writeTo(filepath.Join(version, publish.PublishedFile)); got != "ok" {
		t.Fatalf("the deliberate change: %s", got)
	}
	err = publish.Verify(wh, kept[1])
	want := "version " + kept[1] + " was changed after it was published; files that no longer match the digests in its version.json: leadmart.duckdb"
	if err == nil || err.Error() != want {
		t.Errorf("verify a changed version: %v, want %q", err, want)
	}
}

// writeAsNobody runs the writing client as the user nobody, from a copy of
// the test binary that nobody may execute, in folders nobody may enter.
func writeAsNobody(t *testing.T, dir, path string) string {
	t.Helper()
	for p := dir; p != "/" && p != os.TempDir(); p = filepath.Dir(p) {
		must(t, os.Chmod(p, 0o755))
	}
	bin := filepath.Join(dir, "writer.test")
	src, err := os.Open(os.Args[0])
	must(t, err)
	defer src.Close()
	dst, err := os.OpenFile(bin, os.O_CREATE|os.O_WRONLY, 0o755)
	must(t, err)
	_, err = io.Copy(dst, src)
	must(t, err)
	must(t, dst.Close())
	cmd := exec.Command(bin, "-test.run=^TestHelperWriter$")
	cmd.Env = []string{"LEADMART_HELPER_WRITER=" + path, "HOME=" + dir}
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the client as nobody: %v\n%s", err, out)
	}
	line, _, _ := strings.Cut(string(out), "\n")
	return line
}
