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

	"github.com/rs/zerolog"

	"leadmart/config"
	"leadmart/connectors/extract"
	"leadmart/internal/quote"
	"leadmart/models"
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
}

// Land reads every configured source. Each new file (by content hash) is
// written once to raw Parquet and appended to its raw table with lineage;
// a file landed before is skipped.
func Land(ctx context.Context, w *workdb.Warehouse, cfg *config.Config, runID string, loadedAt time.Time, log zerolog.Logger) (LandStats, error) {
	var st LandStats
	for _, s := range cfg.Sources {
		var (
			extracted string // where an extracting source was told to write
			ext       extract.Result
		)
		r, err := cfg.Open(s)
		if err != nil {
			return st, err
		}
		if ex, ok := r.(Extractor); ok {
			start := time.Now()
			if extracted, ext, err = extractSource(ctx, w, s, ex, runID); err != nil {
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
			b, err := landFile(ctx, w, cfg, s, r, f, runID, loadedAt)
			if err != nil {
				return st, err
			}
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
			if err := advanceWatermark(ctx, w, s.Name, ext.Watermark, runID); err != nil {
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
}

func landFile(ctx context.Context, w *workdb.Warehouse, cfg *config.Config, s config.Source, r extract.Reader, path, runID string, loadedAt time.Time) (batch, error) {
	ent, err := models.Lookup(s.System, s.Entity)
	if err != nil {
		return batch{}, err
	}
	hash, err := fileHash(path)
	if err != nil {
		return batch{}, fmt.Errorf("%w: source %s: %v", ErrBadInput, s.Name, err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		return batch{}, fmt.Errorf("%w: source %s: %v", ErrBadInput, s.Name, err)
	}
	extractedAt := fi.ModTime().UTC()
	var seen int
	if err := w.QueryRow(ctx, "select count(*) from ops.batches where source = ? and content_hash = ?", s.Name, hash).Scan(&seen); err != nil {
		return batch{}, err
	}
	if seen > 0 {
		return batch{skipped: true}, nil
	}
	// The batch id follows from source and content: landing the same file
	// again after a failed run rewrites the same raw Parquet file.
	sum := sha256.Sum256([]byte(s.Name + "\x00" + hash))
	b := batch{id: hex.EncodeToString(sum[:8])}
	// Raw Parquet: the file's content as read, before any typing or mapping,
	// written in one pass over the file; the typed insert reads it back.
	loadDate := loadedAt.In(cfg.Location()).Format(time.DateOnly)
	rel := filepath.Join("raw", s.System, s.Entity, "load_date="+loadDate, b.id+".parquet")
	dst := filepath.Join(w.Dir, rel)
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return b, err
	}
	defer os.Remove(dst + ".tmp") // gone once renamed
	read, err := r.Copy(ctx, w.Conn(), path, dst+".tmp")
	if err != nil {
		if errors.Is(err, ErrBadInput) { // the reader named the file and the line
			return b, inputError(fmt.Errorf("source %s: %w", s.Name, err))
		}
		return b, inputError(fmt.Errorf("source %s: read %s: %w", s.Name, path, err))
	}
	rejects := read.Rejects
	if read.Empty {
		// an allowed empty extract: a batch of no rows, with nothing to copy
		return b, recordBatch(ctx, w.Conn(), b, runID, s, path, hash, "", loadDate, loadedAt, extractedAt, 0)
	}
	// The folder's load_date=... is not a column of the file.
	tmpScan := fmt.Sprintf("read_parquet(%s, hive_partitioning = false)", quote.Lit(dst+".tmp"))
	header, err := w.Columns(ctx, tmpScan)
	if err != nil {
		return b, fmt.Errorf("read raw parquet %s: %w", rel, err)
	}
	exprs, err := typedColumns(ent, s, header, path, exprTypes(ctx, w, tmpScan))
	if err != nil {
		return b, err
	}
	if err := os.Rename(dst+".tmp", dst); err != nil {
		return b, err
	}
	// Parquet keeps the file's row order: file_row_number + 1 is the data row.
	scan := fmt.Sprintf("read_parquet(%s, file_row_number = true, hive_partitioning = false)", quote.Lit(dst))

	names, sels := selectList(exprs, true)
	names = append(names, "source_system", "_source", "_batch_id", "_source_file", "_source_row", "_loaded_at")
	sels = append(sels, quote.Lit(s.SourceSystem), quote.Lit(s.Name), quote.Lit(b.id), quote.Lit(path), "file_row_number + 1",
		fmt.Sprintf("timestamp '%s'", loadedAt.UTC().Format("2006-01-02 15:04:05.000000")))

	tx, err := w.Begin(ctx)
	if err != nil {
		return b, err
	}
	defer tx.Rollback()
	// One pass: the insert types every value and stops at the first one that
	// does not parse; only then is the file searched for the exact line and column.
	res, err := tx.ExecContext(ctx, fmt.Sprintf("insert into %s (%s) select %s from %s", ent.RawTable(),
		strings.Join(names, ", "), strings.Join(sels, ", "), scan))
	if err != nil {
		tx.Rollback()
		if strings.Contains(err.Error(), badValueMarker) {
			if berr := firstBadValue(ctx, w, scan, exprs, path, read); berr != nil {
				return b, berr
			}
		}
		return b, fmt.Errorf("load %s into %s: %w", path, ent.RawTable(), err)
	}
	b.rows, _ = res.RowsAffected()
	b.rejected = int64(len(rejects))
	if err := rejectLimit(s, path, b.rows, rejects); err != nil {
		return b, err
	}
	if err := blankKeys(ctx, tx, ent, s, path, b.id, read); err != nil {
		return b, err
	}
	// Duplicate keys are counted on this batch's raw Parquet, not on the raw
	// table that grows every night.
	var keys []string
	for _, c := range exprs {
		if slices.Contains(s.PrimaryKey, c.field.Name) {
			keys = append(keys, c.typed)
		}
	}
	var dups int64
	if err := tx.QueryRowContext(ctx, fmt.Sprintf("select count(*) - count(distinct (%s)) from %s",
		strings.Join(keys, ", "), scan)).Scan(&dups); err != nil {
		return b, fmt.Errorf("count duplicate keys: %w", err)
	}
	if err := recordRejects(ctx, tx, rejects, runID, b.id, s.Name, path); err != nil {
		return b, err
	}
	if err := recordBatch(ctx, tx, b, runID, s, path, hash, rel, loadDate, loadedAt, extractedAt, dups); err != nil {
		return b, err
	}
	return b, tx.Commit()
}

// execer is a transaction or the session.
type execer interface {
	ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error)
}

func recordBatch(ctx context.Context, tx execer, b batch, runID string, s config.Source, path, hash, rel, loadDate string, loadedAt, extractedAt time.Time, dups int64) error {
	_, err := tx.ExecContext(ctx, `insert into ops.batches (batch_id, run_id, source, system, entity, file, content_hash, rows,
		rejected, duplicate_keys, load_date, parquet_path, loaded_at, extracted_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		b.id, runID, s.Name, s.System, s.Entity, path, hash, b.rows, b.rejected, dups, loadDate, rel, loadedAt.UTC(), extractedAt)
	if err != nil {
		return fmt.Errorf("record batch %s: %w", b.id, err)
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

// blankKeys fails a batch with a row whose key is empty: such a row can be
// neither matched nor updated by a later version, and would fail a check
// of every later run. It names the first such row's line.
func blankKeys(ctx context.Context, tx *sql.Tx, ent models.Entity, s config.Source, path, batchID string, read extract.Read) error {
	var conds []string
	for _, k := range s.PrimaryKey {
		conds = append(conds, k+" is null")
	}
	if len(conds) == 0 {
		return nil
	}
	var row sql.NullInt64
	var n int64
	err := tx.QueryRowContext(ctx, fmt.Sprintf("select min(_source_row), count(*) from %s where _batch_id = ? and (%s)",
		ent.RawTable(), strings.Join(conds, " or ")), batchID).Scan(&row, &n)
	if err != nil {
		return fmt.Errorf("look for empty keys: %w", err)
	}
	if n == 0 {
		return nil
	}
	line, err := read.LineOf(row.Int64)
	if err != nil {
		return fmt.Errorf("find data row %d of %s: %w", row.Int64, path, err)
	}
	return fmt.Errorf("%w: source %s: %s line %d: the key %s is empty (%d rows in all); every row needs one",
		ErrBadInput, s.Name, path, line, strings.Join(s.PrimaryKey, ", "), n)
}

// recordRejects writes the rejected lines in one statement per 500 lines.
func recordRejects(ctx context.Context, tx *sql.Tx, rejects []extract.Reject, runID, batchID, source, path string) error {
	for start := 0; start < len(rejects); start += 500 {
		chunk := rejects[start:min(start+500, len(rejects))]
		vals := make([]string, len(chunk))
		args := make([]any, 0, 7*len(chunk))
		for i, rj := range chunk {
			vals[i] = "(?, ?, ?, ?, ?, ?, ?)"
			args = append(args, runID, batchID, source, path, rj.Line, rj.Message, rj.Text)
		}
		if _, err := tx.ExecContext(ctx, "insert into ops.rejected_rows values "+strings.Join(vals, ", "), args...); err != nil {
			return fmt.Errorf("record rejected lines: %w", err)
		}
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
