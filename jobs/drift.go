package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"

	"leadmart/config"
	"leadmart/workdb"
)

// schemaDrift compares a new batch's columns with the source's previous
// batch. A column that the previous batch gave a field by its name, and
// that is gone now, is an error: the field would silently become NULL in
// every row (an export that renamed employees to headcount). Any other
// column that went or came is a warning naming it.
func schemaDrift(ctx context.Context, w *workdb.Warehouse, s config.Source, lb landedBatch, now []string, cols []column) ([]string, error) {
	var prevCols, prevID, prevFile string
	err := w.QueryRow(ctx, `select columns, batch_id, file from ops.batches
		where source = ? and batch_id <> ? and columns is not null and columns <> '' and coalesce(status, 'landed') = 'landed'
		order by loaded_at desc, batch_id desc limit 1`, s.Name, lb.id).Scan(&prevCols, &prevID, &prevFile)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read the previous batch's columns: %w", err)
	}
	before := strings.Split(prevCols, "\n")
	var gone, added []string
	for _, c := range before {
		if !containsFold(now, c) {
			gone = append(gone, c)
		}
	}
	for _, c := range now {
		if !containsFold(before, c) {
			added = append(added, c)
		}
	}
	if len(gone) == 0 && len(added) == 0 {
		return nil, nil
	}
	for _, c := range cols {
		_, mapped := s.Columns[c.field.Name]
		if mapped || c.source != "" || !containsFold(gone, c.field.Name) {
			continue
		}
		hint := ""
		if len(added) > 0 {
			hint = fmt.Sprintf("; its new columns are %s", headerList(added))
		}
		return nil, fmt.Errorf("%w: source %s: %s line 1 (header): column %q, which gave field %s its values in the previous batch (%s, %s), is gone%s: map the field to its new name (columns: {%s: NEW_NAME}), or to {value: \"\"} if the export no longer has it",
			ErrBadInput, s.Name, lb.file, c.field.Name, c.field.Name, prevID, prevFile, hint, c.field.Name)
	}
	var parts []string
	if len(gone) > 0 {
		parts = append(parts, "columns gone: "+headerList(gone))
	}
	if len(added) > 0 {
		parts = append(parts, "new columns: "+headerList(added))
	}
	return []string{fmt.Sprintf("source %s: %s has other columns than the previous batch (%s): %s", s.Name, lb.file, prevFile, strings.Join(parts, "; "))}, nil
}

func containsFold(list []string, v string) bool {
	return slices.ContainsFunc(list, func(x string) bool { return strings.EqualFold(strings.TrimSpace(x), strings.TrimSpace(v)) })
}
