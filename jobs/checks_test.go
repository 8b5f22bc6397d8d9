package jobs

import (
	"context"
	"errors"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/rs/zerolog"

	"leadmart/config"
	"leadmart/models"
	"leadmart/workdb"
)

// Every kind of declared check counts its failing rows on a hand-made model,
// and the error names each failure with its count and a sample. The unique
// checks cover a key that the hash pass proves distinct, a duplicate, and
// two NULL keys (a duplicate for GROUP BY, as for the hash).
func TestChecksCountFailingRows(t *testing.T) {
	t.Parallel() // its own fixture copy, and hooks that belong to its run only
	ctx := context.Background()
	cfg, err := config.Demo(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	w, err := workdb.Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	cat, err := models.LoadCatalog(fstest.MapFS{
		"core/thing.sql": {Data: []byte(`select * from (values (1, 'a', 0.5, 10, 'x'), (2, null, 1.5, 20, null), (2, 'c', -1.0, null, null))
			as t(id, name, share, amount, code)`)},
		"core/thing.yml": {Data: []byte(`description: A hand-made model with failing rows.
unique: [[id], [id, name], [code]]
not_null: [id, name, amount]
ranges:
  share: [0, 1]
  amount: [0, null]
checks:
  - name: amount_below_15
    sql: select id from core.thing where amount >= 15
columns:
  id: Key.
  name: Name.
  share: A share.
  amount: An amount.
  code: A code.
`)},
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Transform(ctx, w, cat, "r1", "", nil, zerolog.Nop()); err != nil {
		t.Fatal(err)
	}
	got, err := Check(ctx, w, cat, "r1", nil, zerolog.Nop())
	if !errors.Is(err, ErrChecksFailed) {
		t.Fatalf("got error %v, want ErrChecksFailed", err)
	}
	want := map[string]int64{
		"unique(id)":       1,
		"unique(id, name)": 0,
		"unique(code)":     1,
		"not_null(id)":     0,
		"not_null(name)":   1,
		"not_null(amount)": 1,
		"range(amount)":    0,
		"range(share)":     2,
		"amount_below_15":  1,
	}
	if len(got) != len(want) {
		t.Errorf("got %d check results, want %d: %+v", len(got), len(want), got)
	}
	for _, r := range got {
		if n, ok := want[r.Name]; !ok || r.FailingRows != n {
			t.Errorf("%s: %d failing rows, want %d", r.Name, r.FailingRows, n)
		}
	}
	for _, line := range []string{
		"core.thing unique(id): 1 key values that occur more than once, e.g. (id=2)",
		"core.thing unique(code): 1 key values that occur more than once, e.g. (code=NULL)",
		"core.thing not_null(name): 1 NULL values",
		"core.thing range(share): 2 values outside >= 0 <= 1",
		"core.thing amount_below_15: 1 failing rows, e.g. (id=2)",
	} {
		if !strings.Contains(err.Error(), line) {
			t.Errorf("error lacks %q:\n%v", line, err)
		}
	}
	var recorded int
	if err := w.QueryRow(ctx, "select count(*) from ops.check_results where run_id = 'r1' and status = 'fail'").Scan(&recorded); err != nil {
		t.Fatal(err)
	}
	if recorded != 6 {
		t.Errorf("ops.check_results holds %d failed checks, want 6", recorded)
	}
}
