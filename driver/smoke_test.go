package driver_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-adbc/go/adbc"
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/kafarr/kafarr/driver"
	"github.com/kafarr/kafarr/internal/devstack"
	"github.com/kafarr/kafarr/internal/testenv"
)

// TestSmoke is the quickstart's round trip on the in-process stack: ingest
// 1000 ticks into a new topic, then read them back with a plain LIMIT, a
// pushed-down value filter, a tail read and a query without a topic,
// checking every column, row and the snapshot metadata of each.
func TestSmoke(t *testing.T) {
	testenv.CheckLeaks(t)
	st, err := devstack.Start("127.0.0.1:0", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	db, err := driver.NewDriver(mem).NewDatabase(map[string]string{
		"uri": "kafka://" + st.Brokers(), "kafarr.schema_registry.url": st.RegistryURL(),
	})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	cn, err := db.Open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer cn.Close()
	const ticks = 1000
	schema := arrow.NewSchema([]arrow.Field{{Name: "inst", Type: arrow.BinaryTypes.String}, {Name: "t", Type: arrow.PrimitiveTypes.Int64}, {Name: "bid", Type: arrow.PrimitiveTypes.Float32}}, nil)
	b := array.NewRecordBuilder(mem, schema)
	for i := range ticks {
		b.Field(0).(*array.StringBuilder).Append("GBPUSD")
		b.Field(1).(*array.Int64Builder).Append(int64(i))
		b.Field(2).(*array.Float32Builder).Append(float32(i) / 2)
	}
	rec := b.NewRecordBatch()
	b.Release()
	stmt, err := cn.NewStatement()
	if err != nil {
		t.Fatal(err)
	}
	if err := stmt.SetOption(adbc.OptionKeyIngestTargetTable, "ticks"); err != nil {
		t.Fatal(err)
	}
	if err := stmt.Bind(ctx, rec); err != nil {
		t.Fatal(err)
	}
	rec.Release()
	before := time.Now().Add(-time.Second)
	n, err := stmt.ExecuteUpdate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	after := time.Now().Add(time.Second)
	if n != ticks {
		t.Fatalf("ingest reported %d rows, want %d", n, ticks)
	}
	if err := stmt.Close(); err != nil {
		t.Fatal(err)
	}

	star := []string{"inst", "t", "bid", "_partition", "_offset", "_timestamp"}
	// One row per tick i of the topic's one partition, at offset i; the
	// columns of SELECT * but _timestamp, which is checked apart.
	tick := func(i int) string { return fmt.Sprintf("GBPUSD %d %g 0 %d", i, float32(i)/2, i) }
	tests := []struct {
		query      string
		cols       []string
		rows       []string
		start, end string // kafarr.read.start_offsets and end_offsets, "" for none
	}{
		{"SELECT * FROM ticks LIMIT 5", star, []string{tick(0), tick(1), tick(2), tick(3), tick(4)}, `{"0":0}`, `{"0":1000}`},
		{"SELECT t, bid FROM ticks WHERE bid > 400 LIMIT 3", []string{"t", "bid"}, []string{"801 400.5", "802 401", "803 401.5"}, `{"0":0}`, `{"0":1000}`},
		// The tail read plans only the last two offsets.
		{"SELECT * FROM ticks ORDER BY _offset DESC LIMIT 2", star, []string{tick(999), tick(998)}, `{"0":998}`, `{"0":1000}`},
		{"SELECT 1", []string{"1"}, []string{"1"}, "", ""},
	}
	stmt, err = cn.NewStatement()
	if err != nil {
		t.Fatal(err)
	}
	defer stmt.Close()
	for _, tt := range tests {
		if err := stmt.SetSqlQuery(tt.query); err != nil {
			t.Fatal(err)
		}
		rdr, _, err := stmt.ExecuteQuery(ctx)
		if err != nil {
			t.Fatal(tt.query, err)
		}
		var cols []string
		for _, f := range rdr.Schema().Fields() {
			cols = append(cols, f.Name)
		}
		meta := rdr.Schema().Metadata()
		start, _ := meta.GetValue("kafarr.read.start_offsets")
		end, _ := meta.GetValue("kafarr.read.end_offsets")
		var rows []string
		for rdr.Next() {
			rb := rdr.RecordBatch()
			for i := 0; i < int(rb.NumRows()); i++ {
				var vals []string
				for c, col := range rb.Columns() {
					if rb.ColumnName(c) == "_timestamp" {
						ts := col.(*array.Timestamp).Value(i).ToTime(arrow.Millisecond)
						if ts.Before(before) || ts.After(after) {
							t.Errorf("%s: row %d: _timestamp %s, not the time of the ingest (%s to %s)", tt.query, len(rows), ts, before, after)
						}
						continue
					}
					vals = append(vals, col.ValueStr(i))
				}
				rows = append(rows, strings.Join(vals, " "))
			}
		}
		err = rdr.Err()
		rdr.Release()
		if err != nil {
			t.Fatal(tt.query, err)
		}
		if !slices.Equal(cols, tt.cols) {
			t.Errorf("%s: columns %q, want %q", tt.query, cols, tt.cols)
		}
		if !slices.Equal(rows, tt.rows) {
			t.Errorf("%s: rows %q, want %q", tt.query, rows, tt.rows)
		}
		if start != tt.start || end != tt.end {
			t.Errorf("%s: start/end offsets %s %s, want %s %s", tt.query, start, end, tt.start, tt.end)
		}
	}
}
