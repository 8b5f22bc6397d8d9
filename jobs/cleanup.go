package jobs

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"leadmart/workdb"
)

// cleanup repairs what an earlier run left when it was killed (SIGKILL, a
// power cut): its ops.runs row still says running, and landing may have
// left a half-written or unrecorded raw file. It runs under the lock, so no
// other run is using any of it. Each repair is logged and returned.
func cleanup(ctx context.Context, w *workdb.Warehouse, runID string, log zerolog.Logger) ([]string, error) {
	var done []string
	note := func(format string, a ...any) {
		msg := fmt.Sprintf(format, a...)
		done = append(done, msg)
		log.Warn().Str("cleaned", msg).Msg("left over by an earlier run")
	}
	_, rows, err := w.QueryAll(ctx, "select run_id from ops.runs where status = 'running' and run_id <> '"+runID+"' order by run_id")
	if err != nil {
		return nil, fmt.Errorf("find interrupted runs: %w", err)
	}
	for _, r := range rows {
		id := fmt.Sprint(r[0])
		if err := w.Exec(ctx, "update ops.runs set status = 'interrupted', ended_at = ?, error = 'the process ended before the run did (killed?); found by run '|| ? where run_id = ?",
			time.Now().UTC(), runID, id); err != nil {
			return done, fmt.Errorf("mark run %s interrupted: %w", id, err)
		}
		note("run %s was interrupted (it never finished); marked interrupted in ops.runs", id)
	}
	// The raw files every landed batch references.
	_, rows, err = w.QueryAll(ctx, "select parquet_path from ops.batches where coalesce(status, 'landed') = 'landed' and coalesce(parquet_path, '') <> ''")
	if err != nil {
		return done, fmt.Errorf("list raw files: %w", err)
	}
	known := map[string]bool{}
	for _, r := range rows {
		known[filepath.Join(w.Dir, fmt.Sprint(r[0]))] = true
	}
	for _, dir := range []string{"raw", ExtractDir} {
		root := filepath.Join(w.Dir, dir)
		err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				if os.IsNotExist(err) {
					return filepath.SkipDir
				}
				return err
			}
			if d.IsDir() {
				return nil
			}
			rel, _ := filepath.Rel(w.Dir, path)
			switch final := strings.TrimSuffix(path, ".tmp"); {
			case strings.HasSuffix(path, ".tmp") && known[final]:
				// killed between the commit of its rows and the rename
				if _, err := os.Stat(final); os.IsNotExist(err) {
					if err := os.Rename(path, final); err != nil {
						return err
					}
					note("%s: its batch's rows were committed, the copy was not yet renamed; renamed", rel)
					return nil
				}
				fallthrough
			case strings.HasSuffix(path, ".tmp"):
				if err := os.Remove(path); err != nil {
					return err
				}
				note("%s: a half-written file; removed", rel)
			case dir == "raw" && !known[path]:
				if err := os.Remove(path); err != nil {
					return err
				}
				note("%s: a raw file no landed batch records; removed", rel)
			}
			return nil
		})
		if err != nil {
			return done, fmt.Errorf("clean %s: %w", dir, err)
		}
	}
	return done, nil
}
