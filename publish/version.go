package publish

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// The file publication, relative to the warehouse folder. Every run's
// DuckDB file, Parquet folder and data dictionary live together in one
// version folder; publish/current points at the live one, and the paths
// readers open are fixed links through it. Switching a publication is
// one rename of publish/current, so a reader resolves the DuckDB file,
// the Parquet folder and the dictionary of the same run, never a mix.
const (
	// PublishedFile is the DuckDB file BI tools open: a link to
	// publish/current/leadmart.duckdb.
	PublishedFile = "leadmart.duckdb"
	// CurrentLink points at the live version folder.
	CurrentLink = "publish/current"
	// VersionsDir holds one folder per kept publication, named by run id.
	VersionsDir = "publish/versions"
	// ParquetLink is the Parquet root readers open: a link to current/parquet.
	ParquetLink = "publish/parquet"
	// DocsDir is the data dictionary of the live publication: a link to current/docs.
	DocsDir = "publish/docs"
	// VersionFile describes a version: its run and the digest of every file.
	VersionFile = "version.json"
)

// readerLinks are the fixed paths readers open, each a symlink through
// publish/current to the part of the version it names (relative to the
// link's folder). A part the version lacks (Parquet switched off) has no link.
func readerLinks() []struct{ path, target, part string } {
	return []struct{ path, target, part string }{
		{PublishedFile, "publish/current/" + PublishedFile, PublishedFile},
		{ParquetLink, "current/parquet", "parquet"},
		{DocsDir, "current/docs", "docs"},
	}
}

// VersionInfo is a version's version.json.
type VersionInfo struct {
	RunID       string    `json:"run_id"`
	AsOf        string    `json:"as_of"`
	PublishedAt time.Time `json:"published_at"`
	// Files maps every file of the version (but version.json) to its
	// SHA-256: rollback refuses a version whose files changed since.
	Files map[string]string `json:"files"`
}

// Version is one run's file publication, built in
// publish/versions/<run_id>.tmp/ and renamed to its final name when whole.
type Version struct {
	Dir, RunID string // the warehouse folder and the run

	sealed, live bool
}

func (v *Version) versions() string { return filepath.Join(v.Dir, VersionsDir) }

// Path is the folder the parts of the version are written into.
func (v *Version) Path() string {
	if v.sealed {
		return filepath.Join(v.versions(), v.RunID)
	}
	return filepath.Join(v.versions(), v.RunID+".tmp")
}

// Begin creates the version's folder.
func (v *Version) Begin() error {
	if err := os.MkdirAll(v.versions(), 0o755); err != nil {
		return err
	}
	if err := removeTree(v.Path()); err != nil {
		return err
	}
	return os.Mkdir(v.Path(), 0o755)
}

// Seal writes version.json with the digest of every file, makes the
// folder read-only and gives it its final name.
func (v *Version) Seal(pub Publication) (VersionInfo, error) {
	info := VersionInfo{RunID: pub.RunID, AsOf: pub.AsOf.Format(time.DateOnly), PublishedAt: pub.PublishedAt.UTC()}
	files, err := digest(v.Path())
	if err != nil {
		return info, fmt.Errorf("digest publication: %w", err)
	}
	info.Files = files
	b, err := json.MarshalIndent(info, "", "  ")
	if err != nil {
		return info, err
	}
	if err := os.WriteFile(filepath.Join(v.Path(), VersionFile), append(b, '\n'), 0o644); err != nil {
		return info, err
	}
	if err := readOnly(v.Path()); err != nil {
		return info, fmt.Errorf("make publication read-only: %w", err)
	}
	tmp := v.Path()
	v.sealed = true
	if err := os.Rename(tmp, v.Path()); err != nil {
		v.sealed = false
		return info, err
	}
	return info, syncDir(v.versions())
}

// Switch makes the sealed version the live publication.
func (v *Version) Switch() error {
	if err := switchCurrent(v.Dir, v.RunID); err != nil {
		return err
	}
	v.live = true
	return nil
}

// Abort removes the version unless it went live.
func (v *Version) Abort() {
	if !v.live {
		_ = removeTree(v.Path())
	}
}

// switchCurrent points publish/current at the version runID (a new link
// renamed over the old one: atomic on POSIX file systems), then makes sure
// every reader path is a link through it.
func switchCurrent(dir, runID string) error {
	link := filepath.Join(dir, CurrentLink)
	if err := replaceLink(link, "versions/"+runID); err != nil {
		return fmt.Errorf("switch publication: %w", err)
	}
	for _, l := range readerLinks() {
		path := filepath.Join(dir, l.path)
		if _, err := os.Stat(filepath.Join(dir, VersionsDir, runID, l.part)); err != nil {
			// the version lacks this part: its reader path would dangle
			if st, err := os.Lstat(path); err == nil && st.Mode()&fs.ModeSymlink != 0 {
				os.Remove(path)
			}
			continue
		}
		if got, err := os.Readlink(path); err == nil && got == l.target {
			continue
		}
		if st, err := os.Lstat(path); err == nil && st.IsDir() {
			// a folder from before version folders (publish/docs): the link replaces it
			if err := removeTree(path); err != nil {
				return err
			}
		}
		if err := replaceLink(path, l.target); err != nil {
			return fmt.Errorf("link %s: %w", l.path, err)
		}
	}
	return syncDir(filepath.Join(dir, "publish"))
}

// replaceLink makes path a symlink to target with one rename.
func replaceLink(path, target string) error {
	tmp := path + ".switch"
	os.Remove(tmp)
	if err := os.Symlink(target, tmp); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return err
	}
	return syncDir(filepath.Dir(path))
}

// Live is the run id of the live publication, "" when none.
func Live(dir string) string {
	target, err := os.Readlink(filepath.Join(dir, CurrentLink))
	if err != nil {
		return ""
	}
	return filepath.Base(target)
}

// versionEntries lists the versions folder, sorted by name (oldest run
// first); none before the first publication.
func versionEntries(dir string) ([]fs.DirEntry, error) {
	entries, err := os.ReadDir(filepath.Join(dir, VersionsDir))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	return entries, err
}

// Kept lists the run ids of the kept versions, newest first.
func Kept(dir string) ([]string, error) {
	entries, err := versionEntries(dir)
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, e := range entries {
		if e.IsDir() && !strings.HasSuffix(e.Name(), ".tmp") {
			ids = append(ids, e.Name())
		}
	}
	// run ids start with a UTC timestamp, so names sort by age
	sort.Sort(sort.Reverse(sort.StringSlice(ids)))
	return ids, nil
}

// ReadVersion reads a kept version's version.json.
func ReadVersion(dir, runID string) (VersionInfo, error) {
	var info VersionInfo
	b, err := os.ReadFile(filepath.Join(dir, VersionsDir, runID, VersionFile))
	if err != nil {
		return info, err
	}
	return info, json.Unmarshal(b, &info)
}

// Verify compares a kept version's files with the digests it was sealed
// with: a changed, added or missing file is an error naming it.
func Verify(dir, runID string) error {
	info, err := ReadVersion(dir, runID)
	if err != nil {
		return fmt.Errorf("version %s: %w", runID, err)
	}
	now, err := digest(filepath.Join(dir, VersionsDir, runID))
	if err != nil {
		return fmt.Errorf("version %s: %w", runID, err)
	}
	var changed []string
	for f, h := range info.Files {
		if now[f] != h {
			changed = append(changed, f)
		}
	}
	for f := range now {
		if _, ok := info.Files[f]; !ok {
			changed = append(changed, f)
		}
	}
	if len(changed) > 0 {
		sort.Strings(changed)
		return fmt.Errorf("version %s was changed after it was published; files that no longer match the digests in its %s: %s",
			runID, VersionFile, strings.Join(changed, ", "))
	}
	return nil
}

// Prune removes the versions beyond the newest keep, never the live one,
// and what a killed run left: folders still named .tmp, and sealed
// versions that never went live (wentLive says which did).
func Prune(dir string, keep int, wentLive func(runID string) bool) ([]string, error) {
	live := Live(dir)
	entries, err := versionEntries(dir)
	if err != nil {
		return nil, err
	}
	var removed []string
	var errs []error
	kept := 0
	for i := len(entries) - 1; i >= 0; i-- { // newest first
		name := entries[i].Name()
		switch {
		case name == live:
			continue
		case strings.HasSuffix(name, ".tmp"), !wentLive(name):
		case kept < keep-1: // the live version is one of the keep
			kept++
			continue
		}
		errs = append(errs, removeTree(filepath.Join(dir, VersionsDir, name)))
		removed = append(removed, name)
	}
	// the layout before version folders: one folder per target
	for _, old := range []string{"publish/duckdb", "publish/parquet-versions"} {
		if _, err := os.Stat(filepath.Join(dir, old)); err == nil && live != "" {
			errs = append(errs, removeTree(filepath.Join(dir, old)))
			removed = append(removed, old)
		}
	}
	return removed, errors.Join(errs...)
}

// digest hashes every file under root, by slash path relative to it.
func digest(root string) (map[string]string, error) {
	out := map[string]string{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		if rel == VersionFile {
			return nil
		}
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		h := sha256.New()
		if _, err := io.Copy(h, f); err != nil {
			return err
		}
		out[filepath.ToSlash(rel)] = hex.EncodeToString(h.Sum(nil))
		return nil
	})
	return out, err
}

// readOnly takes write permission from every file and folder under root.
func readOnly(root string) error {
	var dirs []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			dirs = append(dirs, path)
			return nil
		}
		return os.Chmod(path, 0o444)
	})
	if err != nil {
		return err
	}
	// folders last, deepest first: a read-only folder takes no chmod of its entries
	for i := len(dirs) - 1; i >= 0; i-- {
		if err := os.Chmod(dirs[i], 0o555); err != nil {
			return err
		}
	}
	return nil
}

// removeTree removes a read-only version folder: its folders are made
// writable first, or their entries could not be unlinked.
func removeTree(root string) error {
	_ = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			_ = os.Chmod(path, 0o755)
		}
		return nil
	})
	return os.RemoveAll(root)
}
