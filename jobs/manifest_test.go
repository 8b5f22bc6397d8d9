package jobs_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"leadmart/internal/whtest"
	"leadmart/publish"
)

// Every file of the Parquet publication holds exactly the columns, in
// order and with the types, that _manifest.json declares, partition column
// included: a reader of one file gets the month.
func TestParquetFilesMatchTheManifest(t *testing.T) {
	t.Parallel()
	dir, _ := built.Copy(t, "../testdata/crm_en", asOf)
	root := filepath.Join(dir, "warehouse", publish.ParquetLink)
	b, err := os.ReadFile(filepath.Join(root, "_manifest.json"))
	must(t, err)
	var m publish.Manifest
	must(t, json.Unmarshal(b, &m))
	partitioned := 0
	for _, tb := range m.Tables {
		var want []string
		for _, c := range tb.Columns {
			want = append(want, c.Name+" "+c.Type)
		}
		if tb.PartitionBy != "" {
			partitioned++
		}
		for _, f := range tb.Files {
			rows := whtest.Query(t, whtest.Published(dir), fmt.Sprintf("select column_name || ' ' || column_type from (describe select * from read_parquet('%s', hive_partitioning = false))",
				filepath.Join(root, f)))
			var got []string
			for _, r := range rows[1:] {
				got = append(got, r[0])
			}
			if strings.Join(got, ", ") != strings.Join(want, ", ") {
				t.Errorf("%s:\n file     %s\n manifest %s", f, strings.Join(got, ", "), strings.Join(want, ", "))
			}
		}
	}
	if partitioned == 0 {
		t.Error("no partitioned table in the publication: the test checks nothing about partition columns")
	}
}
