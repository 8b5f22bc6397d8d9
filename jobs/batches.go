package jobs

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"leadmart/config"
	"leadmart/connectors/extract"
	"leadmart/models"
	"leadmart/workdb"
)

// fingerprint identifies how a source's batches were read and typed. A
// batch is its content (BatchID) read and typed under one fingerprint;
// when the source's settings change, its landed batches are re-derived.
type fingerprint struct {
	// typing: the mapping, value maps, keys, the dialect of values
	// (decimal comma, date formats) and the entity's declared fields with
	// their types. A change types the as-read copies again: a release that
	// adds a canonical field fills it in the batches landed before, instead
	// of leaving it NULL there until someone rebuilds.
	typing string
	// read: how the file's bytes are split into columns (delimiter, quote,
	// encoding, format). A change reads the original files again. Empty for
	// extracting sources: their as-read copy is the extraction.
	read string
}

// readKeyer is a spec that says which of its keys decide how bytes are read.
type readKeyer interface{ ReadKey() string }

func fingerprintOf(s config.Source, r extract.Reader) fingerprint {
	// config validation has checked the entity exists; an unknown one has no fields
	ent, _ := models.Lookup(s.System, s.Entity)
	t, _ := json.Marshal([]any{s.System, s.Entity, s.SourceSystem, s.Columns, s.Values, s.PrimaryKey,
		s.CSV.DecimalComma, s.CSV.DateFormat, s.CSV.TimestampFormat, declaredTypes(ent)})
	fp := fingerprint{typing: shortHash(t)}
	if _, extracts := r.(Extractor); !extracts {
		key := ""
		if k, ok := s.Spec.(readKeyer); ok {
			key = k.ReadKey()
		}
		b, _ := json.Marshal([]any{s.Connector, key, s.CSV.Delimiter, s.CSV.Quote, s.CSV.Encoding, s.AllowEmpty})
		fp.read = shortHash(b)
	}
	return fp
}

// declaredTypes lists the entity's fields as name and raw column type, the
// part of its declaration that decides what typing writes.
func declaredTypes(e models.Entity) []string {
	out := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		out[i] = f.Name + " " + f.Type.SQLType()
	}
	return out
}

func shortHash(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:8])
}

// Batch is one landed file as ops.batches records it.
type Batch struct {
	ID, RunID, Source, System, Entity, File, Status, Parquet, Quarantine, LoadDate string
	Rows, Rejected, DuplicateKeys                                                  int64
	LoadedAt                                                                       time.Time
	DroppedAt                                                                      sql.NullTime
	hash, typingFP, readFP                                                         string
	extractedAt                                                                    sql.NullTime
}

const batchColumns = `batch_id, run_id, source, system, entity, file, coalesce(status, 'landed'), coalesce(parquet_path, ''),
	coalesce(quarantine_path, ''), cast(load_date as varchar), rows, rejected, coalesce(duplicate_keys, 0), loaded_at, dropped_at,
	content_hash, coalesce(fingerprint, ''), coalesce(read_fingerprint, ''), extracted_at`

func scanBatch(sc interface{ Scan(...any) error }) (Batch, error) {
	var b Batch
	err := sc.Scan(&b.ID, &b.RunID, &b.Source, &b.System, &b.Entity, &b.File, &b.Status, &b.Parquet, &b.Quarantine, &b.LoadDate,
		&b.Rows, &b.Rejected, &b.DuplicateKeys, &b.LoadedAt, &b.DroppedAt, &b.hash, &b.typingFP, &b.readFP, &b.extractedAt)
	return b, err
}

// Batches lists the batches, of one source when source is set, oldest first.
func Batches(ctx context.Context, w *workdb.Warehouse, source string) ([]Batch, error) {
	rows, err := w.Conn().QueryContext(ctx, "select "+batchColumns+" from ops.batches where ? = '' or source = ? order by loaded_at, source, batch_id", source, source)
	if err != nil {
		return nil, fmt.Errorf("list batches: %w", err)
	}
	defer rows.Close()
	var out []Batch
	for rows.Next() {
		b, err := scanBatch(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, rows.Err()
}

// ErrNoBatch: no batch has the id the user gave.
var ErrNoBatch = errors.New("no such batch")

// FindBatch finds a batch by its id or a unique prefix of 4 or more characters.
func FindBatch(ctx context.Context, w *workdb.Warehouse, id string) (Batch, error) {
	if len(id) < 4 {
		return Batch{}, fmt.Errorf("%w: %q: give at least 4 characters of the id (leadmart batches list)", ErrNoBatch, id)
	}
	all, err := Batches(ctx, w, "")
	if err != nil {
		return Batch{}, err
	}
	var found []Batch
	for _, b := range all {
		if strings.HasPrefix(b.ID, id) {
			found = append(found, b)
		}
	}
	switch len(found) {
	case 0:
		return Batch{}, fmt.Errorf("%w: %q (leadmart batches list shows them)", ErrNoBatch, id)
	case 1:
		return found[0], nil
	}
	return Batch{}, fmt.Errorf("%w: %q is the start of %d batch ids; give more of it", ErrNoBatch, id, len(found))
}

// QuarantineDir holds the as-read copies of dropped batches, relative to
// the warehouse.
const QuarantineDir = "quarantine"

// DropBatch takes a landed batch out of its raw table and moves its as-read
// copy to the quarantine folder, recorded in ops.batches and
// ops.batch_events. The file it came from is not landed again while the
// batch is dropped; the next run publishes without it.
func DropBatch(ctx context.Context, w *workdb.Warehouse, id, reason string) (Batch, error) {
	b, err := FindBatch(ctx, w, id)
	if err != nil {
		return b, err
	}
	if b.Status != "landed" {
		return b, fmt.Errorf("%w: batch %s is %s already", ErrNoBatch, b.ID, b.Status)
	}
	ent, err := models.Lookup(b.System, b.Entity)
	if err != nil {
		return b, err
	}
	var from, to string
	if b.Parquet != "" {
		from = filepath.Join(w.Dir, b.Parquet)
		b.Quarantine = filepath.Join(QuarantineDir, b.ID+".parquet")
		to = filepath.Join(w.Dir, b.Quarantine)
		if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
			return b, err
		}
		if err := os.Rename(from, to); err != nil {
			return b, fmt.Errorf("move the as-read copy to %s: %w", b.Quarantine, err)
		}
	}
	err = inTx(ctx, w, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, "delete from "+ent.RawTable()+" where _batch_id = ?", b.ID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "update ops.batches set status = 'dropped', dropped_at = ?, quarantine_path = ? where batch_id = ?",
			time.Now().UTC(), b.Quarantine, b.ID); err != nil {
			return err
		}
		return batchEvent(ctx, tx, b.ID, "drop", reason)
	})
	if err != nil {
		if to != "" {
			os.Rename(to, from)
		}
		return b, fmt.Errorf("drop batch %s: %w", b.ID, err)
	}
	b.Status = "dropped"
	return b, nil
}

// RestoreBatch undoes DropBatch: the copy goes back to raw and is typed
// under the source's current mapping.
func RestoreBatch(ctx context.Context, w *workdb.Warehouse, cfg *config.Config, id string) (Batch, error) {
	b, err := FindBatch(ctx, w, id)
	if err != nil {
		return b, err
	}
	if b.Status != "dropped" {
		return b, fmt.Errorf("%w: batch %s is %s, not dropped", ErrNoBatch, b.ID, b.Status)
	}
	i := slices.IndexFunc(cfg.Sources, func(s config.Source) bool { return s.Name == b.Source })
	if i < 0 {
		return b, fmt.Errorf("%w: batch %s is of source %s, which the config no longer has", config.ErrInvalid, b.ID, b.Source)
	}
	s := cfg.Sources[i]
	r, err := cfg.Open(s, nil)
	if err != nil {
		return b, err
	}
	if b.Quarantine != "" {
		if err := os.Rename(filepath.Join(w.Dir, b.Quarantine), filepath.Join(w.Dir, b.Parquet)); err != nil {
			return b, fmt.Errorf("move the as-read copy back from %s: %w", b.Quarantine, err)
		}
	}
	if err := retype(ctx, w, s, r, b, fingerprintOf(s, r)); err != nil {
		if b.Quarantine != "" {
			os.Rename(filepath.Join(w.Dir, b.Parquet), filepath.Join(w.Dir, b.Quarantine))
		}
		return b, err
	}
	if err := inTx(ctx, w, func(tx *sql.Tx) error { return batchEvent(ctx, tx, b.ID, "restore", "") }); err != nil {
		return b, err
	}
	b.Status = "landed"
	return b, nil
}

func batchEvent(ctx context.Context, tx *sql.Tx, id, action, detail string) error {
	_, err := tx.ExecContext(ctx, "insert into ops.batch_events values (?, ?, ?, ?)", time.Now().UTC(), id, action, detail)
	return err
}

func inTx(ctx context.Context, w *workdb.Warehouse, fn func(*sql.Tx) error) error {
	tx, err := w.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit()
}

// rederive types again every landed batch of s whose fingerprint is not
// the source's current one (all of them on a rebuild): from its as-read
// copy when only the typing changed, else from the original file.
func rederive(ctx context.Context, w *workdb.Warehouse, s config.Source, r extract.Reader, fp fingerprint, opt LandOptions, log zerolog.Logger) (int64, error) {
	all, err := Batches(ctx, w, s.Name)
	if err != nil {
		return 0, err
	}
	var n int64
	for _, b := range all {
		if b.Status != "landed" {
			continue
		}
		if b.typingFP == "" {
			// landed by a leadmart before fingerprints: typed under the config of then
			if err := w.Exec(ctx, "update ops.batches set fingerprint = ?, read_fingerprint = ? where batch_id = ?", fp.typing, fp.read, b.ID); err != nil {
				return n, err
			}
			continue
		}
		if !opt.rebuilds(s.Name) && b.typingFP == fp.typing && b.readFP == fp.read {
			continue
		}
		start := time.Now()
		if err := retype(ctx, w, s, r, b, fp); err != nil {
			return n, err
		}
		n++
		log.Info().Str("source", s.Name).Str("batch_id", b.ID).Str("file", b.File).
			Int64("duration_ms", time.Since(start).Milliseconds()).Msg("typed again")
	}
	return n, nil
}

// retype types batch b of source s again under fingerprint fp.
func retype(ctx context.Context, w *workdb.Warehouse, s config.Source, r extract.Reader, b Batch, fp fingerprint) error {
	ent, err := models.Lookup(s.System, s.Entity)
	if err != nil {
		return err
	}
	lb := landedBatch{id: b.ID, runID: b.RunID, source: b.Source, file: b.File, hash: b.hash, parquet: b.Parquet,
		loadDate: b.LoadDate, loadedAt: b.LoadedAt, extractedAt: b.extractedAt.Time, fp: fp, again: true}
	if b.Parquet == "" { // an empty extract: nothing to type
		return recordBatch(ctx, w.Conn(), lb, s, 0, 0, 0, nil)
	}
	dst := filepath.Join(w.Dir, b.Parquet)
	if b.readFP == fp.read {
		read := extract.Read{Line: func(n int64) (int64, error) { return originalLine(ctx, w, r, b, n) }}
		_, err := typeBatch(ctx, w, ent, s, lb, dst, read, false)
		return err
	}
	// The bytes must be read again: only the original file has them.
	if h, err := fileHash(b.File); err != nil || h != b.hash {
		return fmt.Errorf("%w: source %s: how its files are read (delimiter, quote, encoding or format) changed since batch %s was landed from %s, and that file is gone or changed, so it cannot be read again: put the file back, set the reading back, or drop the batch (leadmart batches drop %s)",
			ErrBadInput, s.Name, b.ID, b.File, b.ID)
	}
	defer os.Remove(dst + ".tmp")
	read, err := r.Copy(ctx, w.Conn(), b.File, dst+".tmp")
	if err != nil {
		return inputError(fmt.Errorf("source %s: %w", s.Name, err))
	}
	if _, err := typeBatch(ctx, w, ent, s, lb, dst+".tmp", read, true); err != nil {
		return err
	}
	return os.Rename(dst+".tmp", dst)
}

// originalLine finds data row n's physical line in the batch's original
// file, when it is still there unchanged: typing from the as-read copy
// knows only the row.
func originalLine(ctx context.Context, w *workdb.Warehouse, r extract.Reader, b Batch, n int64) (int64, error) {
	if h, err := fileHash(b.File); err != nil || h != b.hash {
		return 0, fmt.Errorf("%s is gone or changed since it was landed", b.File)
	}
	tmp := filepath.Join(w.Dir, "tmp", b.ID+".lines.parquet")
	if err := os.MkdirAll(filepath.Dir(tmp), 0o755); err != nil {
		return 0, err
	}
	defer os.Remove(tmp)
	read, err := r.Copy(ctx, w.Conn(), b.File, tmp)
	if err != nil {
		return 0, err
	}
	return read.LineOf(n)
}
