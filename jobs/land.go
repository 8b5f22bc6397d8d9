package jobs

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"leadmart/internal/retry"

	"github.com/rs/zerolog"

	"leadmart/config"
	"leadmart/connectors/extract"
	"leadmart/internal/quote"
	"leadmart/models"
	"leadmart/publish"
	"leadmart/workdb"
)

// Extractor is what landing needs from a source that is not files (a SQL
// query, a REST API): the records past a watermark, written to one Parquet
// extract file that its reader then lands like any other.
type Extractor interface {
	Extract(ctx context.Context, path, since string) (extract.Result, error)
}

// ExtractDir holds the extract files of sql and rest sources until they
// have landed, relative to the warehouse.
const ExtractDir = "extract"

// extractSource runs a source's extraction past its last watermark. The
// file is removed once landed; a failed landing leaves it for inspection.
func extractSource(ctx context.Context, w *workdb.Warehouse, s config.Source, ex Extractor, runID string) (string, extract.Result, error) {
	var since sql.NullString
	err := w.QueryRow(ctx, "select watermark from ops.watermarks where source = ?", s.Name).Scan(&since)
	if err != nil && err != sql.ErrNoRows {
		return "", extract.Result{}, fmt.Errorf("read watermark of %s: %w", s.Name, err)
	}
	path := filepath.Join(w.Dir, ExtractDir, s.Name, runID+".parquet")
	res, err := ex.Extract(ctx, path, since.String)
	if err != nil {
		return "", res, fmt.Errorf("%w: %v", ErrBadInput, err)
	}
	return path, res, nil
}

// LandStats counts what landing did in one run.
type LandStats struct {
	Files, Skipped, Rows, Rejected int64
	// Retyped batches were typed again from their as-read copies: their
	// source's mapping or dialect changed, or a rebuild asked for it.
	Retyped int64
	// Warnings: schema drift, dropped files met again.
	Warnings []string
}

// LandOptions are what a run asks of landing besides the config.
type LandOptions struct {
	RunID    string
	LoadedAt time.Time
	// Rebuild re-derives every landed batch of these sources from its
	// as-read copy; "*" means every source.
	Rebuild []string
	// Hook fires "land:<source>" once a file's as-read copy is written,
	// before its rows are typed (tests kill a run there).
	Hook publish.Hook
	// Retry runs the sources' requests and connections, counting retries.
	Retry *retry.Retrier
}

func (o LandOptions) rebuilds(source string) bool {
	return slices.Contains(o.Rebuild, "*") || slices.Contains(o.Rebuild, source)
}

// Land reads every configured source. First, batches landed under another
// mapping or dialect (or all, on a rebuild) are typed again from their
// as-read copies. Then each new file (by content hash) is written once to
// raw Parquet and appended to its raw table with lineage; a file landed
// before is skipped, and so is one whose batch was dropped, with a warning.
func Land(ctx context.Context, w *workdb.Warehouse, cfg *config.Config, opt LandOptions, log zerolog.Logger) (LandStats, error) {
	var st LandStats
	for _, s := range cfg.Sources {
		var (
			extracted string // where an extracting source was told to write
			ext       extract.Result
		)
		r, err := cfg.Open(s, opt.Retry)
		if err != nil {
			return st, err
		}
		fp := fingerprintOf(s, r)
		n, err := rederive(ctx, w, s, r, fp, opt, log)
		st.Retyped += n
		if err != nil {
			return st, err
		}
		if ex, ok := r.(Extractor); ok {
			start := time.Now()
			if extracted, ext, err = extractSource(ctx, w, s, ex, opt.RunID); err != nil {
				return st, err
			}
			log.Info().Str("source", s.Name).Int64("rows", ext.Rows).Str("watermark", ext.Watermark).
				Int64("duration_ms", time.Since(start).Milliseconds()).Msg("extracted")
		}
		files, err := r.Files()
		if err != nil {
			return st, fmt.Errorf("%w: %v", ErrBadInput, err)
		}
		for _, f := range files {
			start := time.Now()
			b, err := landFile(ctx, w, cfg, s, r, f, fp, opt)
			if err != nil {
				return st, err
			}
			st.Warnings = append(st.Warnings, b.warnings...)
			if b.skipped {
				st.Skipped++
				log.Debug().Str("source", s.Name).Str("file", f).Msg("unchanged, skipped")
				continue
			}
			st.Files++
			st.Rows += b.rows
			st.Rejected += b.rejected
			log.Info().Str("source", s.Name).Str("file", f).Str("batch_id", b.id).Int64("rows", b.rows).
				Int64("rejected", b.rejected).Int64("duration_ms", time.Since(start).Milliseconds()).Msg("landed")
		}
		if extracted != "" {
			if err := advanceWatermark(ctx, w, s.Name, ext.Watermark, opt.RunID); err != nil {
				return st, err
			}
			// what the extraction wrote (its reader's files) is landed now
			for _, f := range files {
				os.Remove(f)
			}
		}
	}
	return st, nil
}

// advanceWatermark records the largest watermark landed, once the rows up
// to it are in the raw table: a run that fails before extracts them again.
func advanceWatermark(ctx context.Context, w *workdb.Warehouse, source, mark, runID string) error {
	if mark == "" {
		return nil
	}
	tx, err := w.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, "delete from ops.watermarks where source = ?", source); err != nil {
		return fmt.Errorf("record watermark of %s: %w", source, err)
	}
	if _, err := tx.ExecContext(ctx, "insert into ops.watermarks values (?, ?, ?, ?)", source, mark, runID, time.Now().UTC()); err != nil {
		return fmt.Errorf("record watermark of %s: %w", source, err)
	}
	return tx.Commit()
}

type batch struct {
	id             string
	rows, rejected int64
	skipped        bool
	warnings       []string
}

// BatchID names the batch of one file's content in one source, and its
// as-read copy: landing the same file again after a failed run rewrites
// the same raw Parquet file, and typing it again under a new mapping keeps
// its id, so lineage stays stable.
func BatchID(source, contentHash string) string {
	sum := sha256.Sum256([]byte(source + "\x00" + contentHash))
	return hex.EncodeToString(sum[:8])
}

func landFile(ctx context.Context, w *workdb.Warehouse, cfg *config.Config, s config.Source, r extract.Reader, path string, fp fingerprint, opt LandOptions) (batch, error) {
	ent, err := models.Lookup(s.System, s.Entity)
	if err != nil {
		return batch{}, err
	}
	hash, err := fileHash(path)
	if err != nil {
		return batch{}, inputError(fmt.Errorf("source %s: %w", s.Name, err))
	}
	fi, err := os.Stat(path)
	if err != nil {
		return batch{}, inputError(fmt.Errorf("source %s: %w", s.Name, err))
	}
	b := batch{id: BatchID(s.Name, hash)}
	var status string
	err = w.QueryRow(ctx, "select coalesce(status, 'landed') from ops.batches where batch_id = ?", b.id).Scan(&status)
	switch {
	case err == nil && status == "dropped":
		b.skipped = true
		b.warnings = append(b.warnings, fmt.Sprintf("source %s: %s is batch %s, which was dropped (leadmart batches show %s); it is not landed again: correct or remove the file, or restore the batch",
			s.Name, path, b.id, b.id))
		return b, nil
	case err == nil:
		b.skipped = true // landed before; rederive brought it to this mapping
		return b, nil
	case !errors.Is(err, sql.ErrNoRows):
		return b, fmt.Errorf("look up batch %s: %w", b.id, err)
	}
	// Raw Parquet: the file's content as read, before any typing or mapping,
	// written in one pass over the file; the typed insert reads it back.
	loadDate := opt.LoadedAt.In(cfg.Location()).Format(time.DateOnly)
	rel := filepath.Join("raw", s.System, s.Entity, "load_date="+loadDate, b.id+".parquet")
	dst := filepath.Join(w.Dir, rel)
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return b, inputError(err)
	}
	defer os.Remove(dst + ".tmp") // gone once renamed
	read, err := r.Copy(ctx, w.Conn(), path, dst+".tmp")
	if err != nil {
		if errors.Is(err, ErrBadInput) { // the reader named the file and the line
			return b, inputError(fmt.Errorf("source %s: %w", s.Name, err))
		}
		return b, inputError(fmt.Errorf("source %s: read %s: %w", s.Name, path, err))
	}
	opt.Hook.Fire("land:" + s.Name)
	lb := landedBatch{id: b.id, runID: opt.RunID, source: s.Name, file: path, hash: hash, loadDate: loadDate, loadedAt: opt.LoadedAt.UTC(),
		extractedAt: fi.ModTime().UTC(), fp: fp}
	if read.Empty {
		// an allowed empty extract: a batch of no rows, with nothing to copy
		return b, recordBatch(ctx, w.Conn(), lb, s, 0, 0, 0, nil)
	}
	lb.parquet = rel
	typed, err := typeBatch(ctx, w, ent, s, lb, dst+".tmp", read, true)
	if err != nil {
		return b, err
	}
	b.rows, b.rejected, b.warnings = typed.rows, typed.rejected, typed.warnings
	// The copy gets its name once its rows are committed: a raw file
	// always has its batch (a kill in between leaves a .tmp that the next
	// run's cleanup renames).
	if err := os.Rename(dst+".tmp", dst); err != nil {
		return b, inputError(err)
	}
	return b, nil
}

// landedBatch is one batch as ops.batches records it.
type landedBatch struct {
	id, runID, source, file, hash, parquet, loadDate string
	loadedAt, extractedAt                            time.Time
	fp                                               fingerprint
	again                                            bool // typed before: its rows are replaced
}

type typed struct {
	rows, rejected int64
	warnings       []string
}

// typeBatch types the as-read copy at copyPath into its raw table, with
// lineage, and records the batch, in one transaction. On a first landing
// (first) it checks the rejected lines against the source's limit, the
// header against the previous batch's, and records the rejects.
func typeBatch(ctx context.Context, w *workdb.Warehouse, ent models.Entity, s config.Source, lb landedBatch, copyPath string, read extract.Read, first bool) (typed, error) {
	var out typed
	// The folder's load_date=... is not a column of the file.
	scan := fmt.Sprintf("read_parquet(%s, hive_partitioning = false)", quote.Lit(copyPath))
	header, err := w.Columns(ctx, scan)
	if err != nil {
		return out, fmt.Errorf("%w: source %s: read the as-read copy of %s: %v", ErrBadInput, s.Name, lb.file, firstLine(err))
	}
	exprs, err := typedColumns(ent, s, header, lb.file, exprTypes(ctx, w, scan))
	if err != nil {
		return out, err
	}
	var names []string
	for _, c := range header {
		names = append(names, c.Name)
	}
	if first {
		if out.warnings, err = schemaDrift(ctx, w, s, lb, names, exprs); err != nil {
			return out, err
		}
	}
	// Parquet keeps the file's row order: file_row_number + 1 is the data row.
	scan = fmt.Sprintf("read_parquet(%s, file_row_number = true, hive_partitioning = false)", quote.Lit(copyPath))
	cols, sels := selectList(exprs, true)
	cols = append(cols, "source_system", "_source", "_batch_id", "_source_file", "_source_row", "_loaded_at")
	sels = append(sels, quote.Lit(s.SourceSystem), quote.Lit(s.Name), quote.Lit(lb.id), quote.Lit(lb.file), "file_row_number + 1",
		fmt.Sprintf("timestamp '%s'", lb.loadedAt.Format("2006-01-02 15:04:05.000000")))

	tx, err := w.Begin(ctx)
	if err != nil {
		return out, err
	}
	defer tx.Rollback()
	// Typing again replaces the batch's rows. A new batch has none: no
	// delete scans the raw table, which grows every night.
	for _, q := range []string{"delete from " + ent.RawTable() + " where _batch_id = ?", "delete from ops.batches where batch_id = ?"} {
		if !lb.again {
			break
		}
		if _, err := tx.ExecContext(ctx, q, lb.id); err != nil {
			return out, fmt.Errorf("replace batch %s: %w", lb.id, err)
		}
	}
	// One pass: the insert types every value and stops at the first one that
	// does not parse; only then is the file searched for the exact line and column.
	res, err := tx.ExecContext(ctx, fmt.Sprintf("insert into %s (%s) select %s from %s", ent.RawTable(),
		strings.Join(cols, ", "), strings.Join(sels, ", "), scan))
	if err != nil {
		tx.Rollback()
		if strings.Contains(err.Error(), badValueMarker) {
			if berr := firstBadValue(ctx, w, scan, exprs, lb.file, read); berr != nil {
				return out, berr
			}
		}
		return out, inputError(fmt.Errorf("load %s into %s: %w", lb.file, ent.RawTable(), err))
	}
	out.rows, _ = res.RowsAffected()
	var rejects []extract.Reject
	if first {
		rejects = read.Rejects
		if err := rejectLimit(s, lb.file, out.rows, rejects); err != nil {
			return out, err
		}
	} else if err := tx.QueryRowContext(ctx, "select count(*) from ops.rejected_rows where batch_id = ?", lb.id).Scan(&out.rejected); err != nil {
		return out, err
	}
	dups, err := keyCounts(ctx, tx, s, exprs, scan, lb.file, read)
	if err != nil {
		return out, err
	}
	if first {
		out.rejected = int64(len(rejects))
		if _, err := tx.ExecContext(ctx, "delete from ops.rejected_rows where batch_id = ?", lb.id); err != nil {
			return out, err
		}
		if err := recordRejects(ctx, tx, rejects, lb.runID, lb.id, s.Name, lb.file); err != nil {
			return out, err
		}
	}
	if err := recordBatch(ctx, tx, lb, s, out.rows, out.rejected, dups, names); err != nil {
		return out, err
	}
	return out, tx.Commit()
}

// execer is a transaction or the session.
type execer interface {
	ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error)
}

func recordBatch(ctx context.Context, tx execer, lb landedBatch, s config.Source, rows, rejected, dups int64, columns []string) error {
	_, err := tx.ExecContext(ctx, `insert into ops.batches (batch_id, run_id, source, system, entity, file, content_hash, rows,
		rejected, duplicate_keys, load_date, parquet_path, loaded_at, extracted_at, fingerprint, read_fingerprint, status, columns, typed_at)
		values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'landed', ?, ?)`,
		lb.id, lb.runID, s.Name, s.System, s.Entity, lb.file, lb.hash, rows, rejected, dups, lb.loadDate, lb.parquet, lb.loadedAt,
		lb.extractedAt, lb.fp.typing, lb.fp.read, strings.Join(columns, "\n"), time.Now().UTC())
	if err != nil {
		return fmt.Errorf("record batch %s: %w", lb.id, err)
	}
	return nil
}

// rejectLimit fails a file that had more lines rejected than its source
// allows, naming the first.
func rejectLimit(s config.Source, path string, rows int64, rejects []extract.Reject) error {
	if len(rejects) == 0 {
		return nil
	}
	count, share, err := s.RejectLimit()
	if err != nil {
		return fmt.Errorf("%w: source %s: max_rejected: %v", config.ErrInvalid, s.Name, err)
	}
	n := int64(len(rejects))
	lines := rows + n
	limit := fmt.Sprintf("%d", count)
	over := n > count
	if share > 0 || count == 0 && strings.HasSuffix(s.MaxRejected, "%") {
		limit = s.MaxRejected
		over = float64(n) > share*float64(lines)
	}
	if !over {
		return nil
	}
	first := rejects[0]
	return fmt.Errorf("%w: source %s: %s: %d of %d lines rejected (%.1f%%), more than max_rejected %s; the first, line %d: %s: %q",
		ErrBadInput, s.Name, path, n, lines, 100*float64(n)/float64(lines), limit, first.Line, first.Message, extract.Shown(first.Text))
}

// keyCounts reads the batch's keys once, on its raw Parquet (not on the
// raw table, which grows every night): it fails on a row whose key is
// empty, naming the first one's line (such a row can be neither matched
// nor updated by a later version, and would fail a check of every later
// run), and counts the rows that repeat a key.
func keyCounts(ctx context.Context, tx *sql.Tx, s config.Source, exprs []column, scan, path string, read extract.Read) (dups int64, err error) {
	var keys, empty []string
	for _, c := range exprs {
		if slices.Contains(s.PrimaryKey, c.field.Name) {
			keys = append(keys, c.typed)
			empty = append(empty, "("+c.typed+") is null")
		}
	}
	var first sql.NullInt64
	var n int64
	q := fmt.Sprintf("select count(*) - count(distinct (%s)), min(file_row_number + 1) filter (where %s), count(*) filter (where %[2]s) from %s",
		strings.Join(keys, ", "), strings.Join(empty, " or "), scan)
	if err := tx.QueryRowContext(ctx, q).Scan(&dups, &first, &n); err != nil {
		return 0, fmt.Errorf("count keys: %w", err)
	}
	if n > 0 {
		return 0, fmt.Errorf("%w: source %s: %s: the key %s is empty (%d rows in all); every row needs one",
			ErrBadInput, s.Name, where(read, path, first.Int64), strings.Join(s.PrimaryKey, ", "), n)
	}
	return dups, nil
}

// recordRejects writes the rejected lines, 500 to a statement.
func recordRejects(ctx context.Context, tx *sql.Tx, rejects []extract.Reject, runID, batchID, source, path string) error {
	rows := make([][]any, len(rejects))
	for i, rj := range rejects {
		rows[i] = []any{runID, batchID, source, path, rj.Line, rj.Message, rj.Text}
	}
	if err := workdb.InsertRows(ctx, tx, "ops.rejected_rows", rows); err != nil {
		return fmt.Errorf("record rejected lines: %w", err)
	}
	return nil
}

func fileHash(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("read %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
