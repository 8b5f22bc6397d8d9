package whtest

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"leadmart/config"
	"leadmart/jobs"
)

// Built runs a fixture once per test binary and gives every test that
// needs it a private copy of the fixture folder with the warehouse that
// run left: most tests start from "the fixture, published once", and a run
// costs seconds where a copy costs milliseconds. A test package holds one
// Built for all its tests (the one state its tests share, on purpose), and
// its TestMain runs the tests through Main, which removes the runs after.
type Built struct {
	mu   sync.Mutex
	root string
	runs map[string]*builtRun
}

type builtRun struct {
	once sync.Once
	dir  string
	res  *jobs.Result
	err  error
}

// Copy returns a fresh copy of fixture (a folder with a leadmart.yaml) run
// as of asOf (see Run), and that run's result. The first caller's run is
// everyone's: no test writes to it, each gets its own copy.
func (b *Built) Copy(t testing.TB, fixture, asOf string) (string, *jobs.Result) {
	t.Helper()
	r := b.run(t, fixture, asOf)
	dst := t.TempDir()
	if err := copyTree(r.dir, dst, true); err != nil {
		t.Fatalf("copy the built %s: %v", fixture, err)
	}
	res := *r.res
	return dst, &res
}

// Origin is the folder the shared run of fixture ran in. Paths the run
// recorded (a batch's file, in a message about the previous batch) name
// it, not the copy.
func (b *Built) Origin(t testing.TB, fixture, asOf string) string {
	t.Helper()
	return b.run(t, fixture, asOf).dir
}

func (b *Built) run(t testing.TB, fixture, asOf string) *builtRun {
	t.Helper()
	WholeJob(t)
	abs, err := filepath.Abs(fixture)
	if err != nil {
		t.Fatal(err)
	}
	key := abs + "@" + asOf
	b.mu.Lock()
	if b.runs == nil {
		b.runs = map[string]*builtRun{}
	}
	r, ok := b.runs[key]
	if !ok {
		r = &builtRun{}
		b.runs[key] = r
	}
	b.mu.Unlock()
	r.once.Do(func() { r.dir, r.res, r.err = b.build(abs, asOf) })
	if r.err != nil {
		t.Fatalf("run %s as of %s (shared by the package's tests): %v", fixture, asOf, r.err)
	}
	return r
}

func (b *Built) build(fixture, asOf string) (string, *jobs.Result, error) {
	b.mu.Lock()
	if b.root == "" {
		root, err := os.MkdirTemp("", "leadmart-built-")
		if err != nil {
			b.mu.Unlock()
			return "", nil, err
		}
		b.root = root
	}
	dir, err := os.MkdirTemp(b.root, filepath.Base(fixture)+"-")
	b.mu.Unlock()
	if err != nil {
		return "", nil, err
	}
	if err := copyTree(fixture, dir, false); err != nil {
		return "", nil, err
	}
	// not Run: a failure here must reach every test that shares the run,
	// not end the first one's goroutine inside the sync.Once
	cfg, err := config.Load(filepath.Join(dir, "leadmart.yaml"))
	if err != nil {
		return "", nil, err
	}
	opt := jobs.Options{Log: zerolog.New(io.Discard)}
	if asOf == "data" {
		opt.AsOfData = true
	} else if opt.AsOf, err = time.Parse(time.DateOnly, asOf); err != nil {
		return "", nil, err
	}
	res, err := jobs.Run(context.Background(), cfg, opt)
	if err != nil {
		return "", nil, err
	}
	return dir, res, nil
}

// Main runs the package's tests, then removes the built warehouses: the
// body of a TestMain is os.Exit(built.Main(m)).
func (b *Built) Main(m *testing.M) int {
	code := m.Run()
	if err := b.Close(); err != nil {
		fmt.Fprintln(os.Stderr, "remove the built fixtures:", err)
	}
	return code
}

// Close removes the built warehouses. The publication's folders are
// read-only: they are made writable first, as the job's own pruning does.
func (b *Built) Close() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.root == "" {
		return nil
	}
	_ = filepath.WalkDir(b.root, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			_ = os.Chmod(p, 0o755)
		}
		return nil
	})
	return os.RemoveAll(b.root)
}

// copyTree copies src into the existing folder dst: symlinks stay
// symlinks, and every file and folder keeps its mode (a read-only
// publication stays read-only). With keepTimes they keep their modification
// times too (a file's age is the data's age where a source has no
// updated_at: a copy of a built warehouse is as its run left it); without,
// they are new, as fixtures fresh from an export.
func copyTree(src, dst string, keepTimes bool) error {
	type dir struct {
		path string
		info fs.FileInfo
	}
	var dirs []dir
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		to := filepath.Join(dst, rel)
		info, err := d.Info()
		if err != nil {
			return err
		}
		switch {
		case d.Type()&fs.ModeSymlink != 0:
			link, err := os.Readlink(p)
			if err != nil {
				return err
			}
			return os.Symlink(link, to)
		case d.IsDir():
			dirs = append(dirs, dir{to, info})
			return os.MkdirAll(to, 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if err := os.WriteFile(to, b, info.Mode().Perm()); err != nil || !keepTimes {
			return err
		}
		return os.Chtimes(to, info.ModTime(), info.ModTime())
	})
	if err != nil {
		return err
	}
	// folders last, deepest first: a read-only folder is filled before it is closed
	for _, d := range slices.Backward(dirs) {
		if err := os.Chmod(d.path, d.info.Mode().Perm()); err != nil {
			return err
		}
		if !keepTimes {
			continue
		}
		if err := os.Chtimes(d.path, d.info.ModTime(), d.info.ModTime()); err != nil {
			return err
		}
	}
	return nil
}
