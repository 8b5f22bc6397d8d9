package publish

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"leadmart/workdb"
)

// Candidates lists the kept versions a rollback may switch to, newest
// first: sealed, once live, and not the live one. A version that a killed
// run sealed but never switched to is not one.
func Candidates(ctx context.Context, w *workdb.Warehouse) ([]string, error) {
	kept, err := Kept(w.Dir)
	if err != nil {
		return nil, err
	}
	live := Live(w.Dir)
	var out []string
	for _, id := range kept {
		if id != live && wentLive(ctx, w, id) {
			out = append(out, id)
		}
	}
	return out, nil
}

// Rollback switches every target to the kept version to, or with to ""
// to the newest once-live version older than the live one: the file
// publication with one rename, then PostgreSQL (pg, nil when not
// configured) loaded from that version's DuckDB file. It runs under the
// warehouse lock, and is recorded in ops.publication_events.
func Rollback(ctx context.Context, w *workdb.Warehouse, to string, pg *PostgresTarget) (string, error) {
	live := Live(w.Dir)
	if live == "" {
		return "", fmt.Errorf("nothing is published in %s", w.Dir)
	}
	cands, err := Candidates(ctx, w)
	if err != nil {
		return "", err
	}
	if to == "" {
		for _, c := range cands {
			if c < live {
				to = c
				break
			}
		}
		if to == "" {
			return "", fmt.Errorf("no publication older than the live %s is kept (kept and once live: %s)", live, list(cands))
		}
	} else if to == live {
		return "", fmt.Errorf("%s is the live publication already", to)
	} else if !slices.Contains(cands, to) {
		return "", fmt.Errorf("%s is not a kept publication that was live (those are: %s)", to, list(cands))
	}
	if err := Verify(w.Dir, to); err != nil {
		return "", err
	}
	if err := switchCurrent(w.Dir, to); err != nil {
		return "", err
	}
	if err := recordLive(ctx, w, to, "rollback"); err != nil {
		return to, err
	}
	if pg != nil {
		if err := pg.PublishVersion(ctx, w, w.Dir, to); err != nil {
			return to, fmt.Errorf("the files are back on %s, PostgreSQL is not (the next run or rollback repairs it): %w", to, err)
		}
	}
	return to, nil
}

func list(ids []string) string {
	if len(ids) == 0 {
		return "none"
	}
	return strings.Join(ids, ", ")
}

// Repair brings a stopped publication into line before a run: the live
// version is recorded as live (a run killed right after its switch), and
// PostgreSQL (pg, nil when not configured) is loaded from the live file
// version when it holds another run (a run killed between the two
// switches, or a failed PostgreSQL switch). Versions a killed run left
// (never live, or half-written) are removed, and those beyond keep. It
// says what it repaired.
func Repair(ctx context.Context, w *workdb.Warehouse, keep int, pg *PostgresTarget) ([]string, error) {
	live := Live(w.Dir)
	var done []string
	if live != "" && !wentLive(ctx, w, live) {
		if err := recordLive(ctx, w, live, "live"); err != nil {
			return done, err
		}
		done = append(done, "publication "+live+" recorded as live")
	}
	removed, err := Prune(w.Dir, keep, func(id string) bool { return wentLive(ctx, w, id) })
	for _, r := range removed {
		done = append(done, "removed publication "+r+", which never went live or is beyond publish.keep")
	}
	if err != nil || pg == nil || live == "" {
		return done, err
	}
	defer pg.Close()
	held, err := pg.RunID(ctx)
	if err != nil {
		return done, fmt.Errorf("read the PostgreSQL publication's run: %w", err)
	}
	if held == live {
		return done, nil
	}
	if err := pg.PublishVersion(ctx, w, w.Dir, live); err != nil {
		return done, err
	}
	if err := recordLive(ctx, w, live, "repair-postgres"); err != nil {
		return done, err
	}
	was := held
	if was == "" {
		was = "nothing"
	}
	return append(done, fmt.Sprintf("PostgreSQL held %s, the files %s: PostgreSQL now holds %s", was, live, live)), nil
}
