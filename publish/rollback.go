package publish

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Versions lists the kept DuckDB publications, newest first.
func Versions(dir string) ([]string, error) {
	files, err := filepath.Glob(filepath.Join(dir, "publish", "duckdb", "leadmart-*.duckdb"))
	if err != nil {
		return nil, err
	}
	// run ids start with a UTC timestamp, so names sort by age
	sort.Sort(sort.Reverse(sort.StringSlice(files)))
	return files, nil
}

// prune keeps the newest keep versions, and never the published one.
func prune(dir string, keep int) error {
	files, err := Versions(dir)
	if err != nil {
		return err
	}
	current, _ := os.Stat(filepath.Join(dir, PublishedFile))
	var errs []error
	for i, f := range files {
		if i < keep {
			continue
		}
		if st, err := os.Stat(f); err == nil && current != nil && os.SameFile(st, current) {
			continue
		}
		errs = append(errs, os.Remove(f))
	}
	return errors.Join(errs...)
}

// Rollback switches the published DuckDB file back to the version before
// the current one and returns that version's path.
func Rollback(dir string) (string, error) {
	files, err := Versions(dir)
	if err != nil {
		return "", err
	}
	current, err := os.Stat(filepath.Join(dir, PublishedFile))
	if err != nil {
		return "", fmt.Errorf("nothing is published in %s: %w", dir, err)
	}
	for i, f := range files {
		st, err := os.Stat(f)
		if err != nil || !os.SameFile(st, current) {
			continue
		}
		if i+1 >= len(files) {
			return "", fmt.Errorf("no publication older than %s is kept", filepath.Base(f))
		}
		return files[i+1], switchTo(dir, files[i+1])
	}
	return "", fmt.Errorf("the published file is none of the kept versions (%s)", strings.Join(files, ", "))
}
