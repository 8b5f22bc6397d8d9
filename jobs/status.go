package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"leadmart/publish"
	"leadmart/workdb"
)

// Status is what `leadmart status` shows. It is read from the state file
// (workdb.StateFile) and the lock file only, so it works while a run holds
// the work database.
type Status struct {
	// Published is the run of the live file publication ("" when none),
	// Kept the kept versions, newest first.
	Published string      `json:"published"`
	Kept      []string    `json:"kept"`
	Runs      []RunStatus `json:"runs"`
	// Next are the next firings of the scheduled jobs, by the config.
	Next    []NextRun      `json:"next_runs"`
	Sources []SourceStatus `json:"sources"`
	// Lock is the run holding the warehouse; nil when none does.
	Lock *LockHolder `json:"lock"`
	// LastSuccess is when the last successful run started; nil when none has.
	LastSuccess *time.Time `json:"last_success"`
	// Quarantined counts the landed rows row checks leave out now.
	Quarantined int64 `json:"quarantined_rows"`
}

// RunStatus is one run, newest first.
type RunStatus struct {
	RunID     string     `json:"run_id"`
	Status    string     `json:"status"`
	AsOf      string     `json:"as_of"`
	StartedAt time.Time  `json:"started_at"`
	EndedAt   *time.Time `json:"ended_at"`
	Seconds   *float64   `json:"seconds"`
	Rows      *int64     `json:"rows"`
	// Step is the step the run was in when it was last recorded.
	Step         string   `json:"step"`
	Error        string   `json:"error,omitempty"`
	FailedChecks []string `json:"failed_checks,omitempty"`
}

// SourceStatus is what has landed of one source.
type SourceStatus struct {
	Source       string     `json:"source"`
	Batches      int64      `json:"batches"`
	Dropped      int64      `json:"dropped_batches"`
	LastLoadedAt time.Time  `json:"last_loaded_at"`
	ExtractedAt  *time.Time `json:"last_extracted_at"`
	LastRows     int64      `json:"last_batch_rows"`
	// AgeHours is how old the source's newest data is: since its extract
	// was written where known, else since it landed.
	AgeHours float64 `json:"age_hours"`
}

// NextRun is a scheduled job's next firing (leadmart schedule).
type NextRun struct {
	Job string    `json:"job"`
	At  time.Time `json:"at"`
}

// LockHolder is the run that holds the warehouse lock.
type LockHolder struct {
	RunID     string    `json:"run_id"`
	PID       int       `json:"pid"`
	StartedAt time.Time `json:"started_at"`
	Step      string    `json:"step"`
}

// ErrNoState: no run has written the state file yet.
var ErrNoState = errors.New("no run records yet")

// OpenState opens the copy of the run records, which anyone can read at
// any time (workdb.StateFile), read-only.
func OpenState(dir string) (*sql.DB, string, error) {
	path := filepath.Join(dir, workdb.StateFile)
	if _, err := os.Stat(path); err != nil {
		return nil, path, fmt.Errorf("%w: %s does not exist (a run writes it)", ErrNoState, path)
	}
	db, err := sql.Open("duckdb", path+"?access_mode=read_only")
	return db, path, err
}

// ReadStatus reads the last n runs, the sources and the lock holder of the
// warehouse in dir.
func ReadStatus(ctx context.Context, dir string, n int) (Status, error) {
	st := Status{Published: publish.Live(dir)}
	kept, err := publish.Kept(dir)
	if err != nil {
		return st, err
	}
	st.Kept = kept
	db, path, err := OpenState(dir)
	if err != nil {
		return st, err
	}
	defer db.Close()
	var last sql.NullTime
	if err := db.QueryRowContext(ctx, "select max(started_at) from runs where status = 'success'").Scan(&last); err != nil {
		return st, fmt.Errorf("read %s: %w", path, err)
	}
	if last.Valid {
		st.LastSuccess = &last.Time
	}
	if err := db.QueryRowContext(ctx, "select count(*) from quarantined_rows").Scan(&st.Quarantined); err != nil {
		return st, fmt.Errorf("read %s: %w", path, err)
	}
	rows, err := db.QueryContext(ctx, `select run_id, status, cast(as_of as varchar), started_at, ended_at,
			epoch(ended_at) - epoch(started_at), rows, coalesce(step, ''), coalesce(error, ''), coalesce(pid, 0)
		from runs order by started_at desc, run_id desc limit ?`, n)
	if err != nil {
		return st, fmt.Errorf("read %s: %w", path, err)
	}
	pids := map[string]int{}
	for rows.Next() {
		var r RunStatus
		var ended sql.NullTime
		var secs sql.NullFloat64
		var nrows sql.NullInt64
		var pid int
		if err := rows.Scan(&r.RunID, &r.Status, &r.AsOf, &r.StartedAt, &ended, &secs, &nrows, &r.Step, &r.Error, &pid); err != nil {
			rows.Close()
			return st, err
		}
		if ended.Valid {
			r.EndedAt = &ended.Time
		}
		if secs.Valid {
			r.Seconds = &secs.Float64
		}
		if nrows.Valid {
			r.Rows = &nrows.Int64
		}
		r.Error, _, _ = strings.Cut(r.Error, "\n")
		pids[r.RunID] = pid
		st.Runs = append(st.Runs, r)
	}
	rows.Close()
	for i, r := range st.Runs {
		fr, err := db.QueryContext(ctx, "select model || ' ' || check_name from check_results where run_id = ? and status = 'fail' order by 1", r.RunID)
		if err != nil {
			return st, err
		}
		for fr.Next() {
			var c string
			if err := fr.Scan(&c); err != nil {
				fr.Close()
				return st, err
			}
			st.Runs[i].FailedChecks = append(st.Runs[i].FailedChecks, c)
		}
		fr.Close()
	}
	src, err := db.QueryContext(ctx, `select source, count(*) filter (where coalesce(status, 'landed') = 'landed'),
			count(*) filter (where status = 'dropped'), max(loaded_at), max(extracted_at),
			arg_max(rows, loaded_at) filter (where coalesce(status, 'landed') = 'landed')
		from batches group by source order by source`)
	if err != nil {
		return st, err
	}
	defer src.Close()
	for src.Next() {
		var s SourceStatus
		var ext sql.NullTime
		var last sql.NullInt64
		if err := src.Scan(&s.Source, &s.Batches, &s.Dropped, &s.LastLoadedAt, &ext, &last); err != nil {
			return st, err
		}
		if ext.Valid {
			s.ExtractedAt = &ext.Time
		}
		s.LastRows = last.Int64
		newest := s.LastLoadedAt
		if s.ExtractedAt != nil {
			newest = *s.ExtractedAt
		}
		s.AgeHours = math.Round(time.Since(newest).Hours()*10) / 10
		st.Sources = append(st.Sources, s)
	}
	if held, err := lockHeld(dir); err != nil {
		return st, err
	} else if held {
		st.Lock = &LockHolder{}
		for _, r := range st.Runs {
			if r.Status == "running" {
				st.Lock = &LockHolder{RunID: r.RunID, PID: pids[r.RunID], StartedAt: r.StartedAt, Step: r.Step}
				break
			}
		}
	}
	return st, src.Err()
}

// lockHeld reports whether a process holds the warehouse lock: a shared
// lock is refused while a run (or a batches or rollback command) holds
// the exclusive one, and is released at once.
func lockHeld(dir string) (bool, error) {
	f, err := os.Open(filepath.Join(dir, ".lock"))
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	defer f.Close()
	err = syscall.Flock(int(f.Fd()), syscall.LOCK_SH|syscall.LOCK_NB)
	if errors.Is(err, syscall.EWOULDBLOCK) {
		return true, nil
	}
	if err != nil {
		return false, fmt.Errorf("look at the warehouse lock: %w", err)
	}
	return false, syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
}
