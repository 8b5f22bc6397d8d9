// Package pgtest gives tests a throwaway PostgreSQL server: the one in
// LEADMART_TEST_PG_DSN, or a fresh cluster started with initdb in a temp
// folder. Without either it skips the test, loudly.
package pgtest

import (
	"database/sql"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
)

// DSN returns a connection string to an empty database on a server of
// the test's own, stopped when the test ends.
func DSN(t testing.TB) string {
	t.Helper()
	if dsn := os.Getenv("LEADMART_TEST_PG_DSN"); dsn != "" {
		return dsn
	}
	dsn, stop := start(t)
	t.Cleanup(stop)
	return dsn
}

// Cluster is one server for a package's tests, started by the first test
// that asks (initdb and a start take seconds), each test with a database
// of its own. The package stops it with Close from TestMain.
type Cluster struct {
	mu   sync.Mutex
	dsn  string
	stop func()
	n    int
}

// DSN returns a connection string to a new, empty database of the
// package's server (see DSN for the skips and LEADMART_TEST_PG_DSN, which
// is used as it is).
func (c *Cluster) DSN(t testing.TB) string {
	t.Helper()
	if dsn := os.Getenv("LEADMART_TEST_PG_DSN"); dsn != "" {
		return dsn
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.dsn == "" {
		// started outside any one test's cleanup: it outlives the test that started it
		c.dsn, c.stop = start(t)
	}
	c.n++
	name := fmt.Sprintf("test_%d", c.n)
	db, err := sql.Open("pgx", c.dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec("create database " + name); err != nil {
		t.Fatalf("create database %s: %v", name, err)
	}
	return strings.Replace(c.dsn, "/postgres?", "/"+name+"?", 1)
}

// Close stops the server, if a test started it.
func (c *Cluster) Close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stop != nil {
		c.stop()
		c.stop, c.dsn = nil, ""
	}
}

// start initialises and starts a server in a temp folder; stop stops it
// and removes the folder. It skips the test without server binaries.
func start(t testing.TB) (dsn string, stop func()) {
	t.Helper()
	initdb := findBinary("initdb")
	if initdb == "" {
		t.Skip("SKIPPING: no PostgreSQL server binaries (initdb) and no LEADMART_TEST_PG_DSN; " +
			"install postgresql (CI does) to run the PostgreSQL tests (publication, SQL source)")
	}
	bin := filepath.Dir(initdb)
	base, err := os.MkdirTemp("", "leadmart-pg-")
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if stop == nil {
			os.RemoveAll(base) // skipped or failed before the server started
		}
	}()
	if err := os.Chmod(base, 0o755); err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(base, "data")
	port := freePort(t)

	// initdb refuses to run as root: run the server as the postgres user then.
	var runAs []string
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			t.Skip("SKIPPING: running as root and there is no postgres user to run initdb as")
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Mkdir(data, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.Chown(data, uid, gid); err != nil {
			t.Fatal(err)
		}
		if err := os.Chown(base, uid, gid); err != nil {
			t.Fatal(err)
		}
		runAs = []string{"runuser", "-u", "postgres", "--"}
	}
	run := func(args ...string) {
		t.Helper()
		full := append(append([]string{}, runAs...), args...)
		out, err := exec.Command(full[0], full[1:]...).CombinedOutput()
		if err != nil {
			t.Fatalf("%v: %v\n%s", args, err, out)
		}
	}
	run(initdb, "-D", data, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--locale=C", "--no-sync")
	run(filepath.Join(bin, "pg_ctl"), "-D", data, "-l", filepath.Join(base, "server.log"), "-w", "-t", "60", "-o",
		fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off", port, base), "start")
	stop = func() {
		full := append(append([]string{}, runAs...), filepath.Join(bin, "pg_ctl"), "-D", data, "-m", "immediate", "stop")
		_ = exec.Command(full[0], full[1:]...).Run()
		os.RemoveAll(base)
	}
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", port), stop
}

func findBinary(name string) string {
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin/" + name)
	if len(matches) > 0 {
		return matches[len(matches)-1]
	}
	return ""
}

func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	// give the kernel a moment to release it before postgres binds
	defer time.Sleep(10 * time.Millisecond)
	return l.Addr().(*net.TCPAddr).Port
}
