package statement_test

import (
	"fmt"
	"testing"

	"github.com/apache/arrow-adbc/go/adbc"
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/kafarr/kafarr/internal/testenv"
)

// largePerPart ticks per partition: several fetch chunks (8,192 records)
// and batches, so that batches end inside chunks and chunks inside
// batches.
const largePerPart = 20000

// TestReadLarge reads a two-partition topic whole with several batch
// sizes: every record exactly once, each partition in offset order, the
// values of a read that goes record by record (a predicate turns off the
// bulk path), and batches of exactly batch_rows rows but the last.
func TestReadLarge(t *testing.T) {
	forStacks(t, func(t *testing.T, e *env) {
		topic, _ := e.tickTopic(2, largePerPart)
		cn := e.open(nil)
		var want [][]any
		for p := int32(0); p < 2; p++ {
			for i := 0; i < largePerPart; i++ {
				want = append(want, tickRow(p, i))
			}
		}
		for _, rows := range []int{65536, 7000, 4096} {
			res := e.mustQuery(cn, "SELECT * FROM "+q(topic), map[string]string{"kafarr.read.batch_rows": fmt.Sprint(rows)})
			checkBatches(t, res.batches, rows, len(want))
			checkPartitionOrder(t, res)
			sortRows(res.rows)
			wantRows(t, res, want)
		}
		res := e.mustQuery(cn, "SELECT * FROM "+q(topic)+" WHERE _offset >= 0", nil)
		sortRows(res.rows)
		wantRows(t, res, want)
	})
}

// checkBatches fails unless batches hold rows each, the last one fewer,
// total in all.
func checkBatches(t *testing.T, batches []int64, rows, total int) {
	t.Helper()
	sum := 0
	for i, n := range batches {
		if (i < len(batches)-1 && n != int64(rows)) || n < 1 || n > int64(rows) {
			t.Fatalf("batch_rows %d: batch %d of %d holds %d rows", rows, i, len(batches), n)
		}
		sum += int(n)
	}
	if sum != total {
		t.Fatalf("batch_rows %d: %d rows in all, want %d", rows, sum, total)
	}
}

// checkPartitionOrder fails unless each partition's offsets rise in the
// order the rows came.
func checkPartitionOrder(t *testing.T, res result) {
	t.Helper()
	last := map[int32]int64{}
	parts, offs := res.col("_partition"), res.col("_offset")
	for i := range parts {
		p, o := parts[i].(int32), offs[i].(int64)
		if prev, ok := last[p]; ok && o <= prev {
			t.Fatalf("row %d: partition %d offset %d after %d", i, p, o, prev)
		}
		last[p] = o
	}
}

// TestReadBadRecordsMidRun puts a tombstone and a truncated value in the
// middle of a large read, inside runs of good records that the scan takes
// in bulk: the tombstone is a row of nulls; under
// on_error=fail the stream ends with an error naming the bad offset after
// a gapless prefix of whole batches, and under on_error=null the bad
// record is a row whose _error says why.
func TestReadBadRecordsMidRun(t *testing.T) {
	forStacks(t, func(t *testing.T, e *env) {
		const n, tomb, bad = 40000, 9000, 25000
		topic := e.topic(1, nil)
		id := e.register(topic+"-value", tickSchema)
		recs := make([]*kgo.Record, n)
		for i := range recs {
			v := e.frame(tickSchema, id, tickNative(0, i))
			switch i {
			case tomb:
				v = nil
			case bad:
				v = v[:len(v)-2]
			}
			recs[i] = rec(topic, 0, tickMs(0, i), nil, v)
		}
		e.produce(recs...)
		cn := e.open(nil)

		res := e.query(cn, "SELECT * FROM "+q(topic), map[string]string{"kafarr.read.batch_rows": "4096"})
		wantStatus(t, res.err, adbc.StatusInvalidData, fmt.Sprintf("offset %d", bad), topic)
		if got, want := len(res.rows), bad/4096*4096; got != want {
			t.Fatalf("%d rows before the error, want the %d of the whole batches before offset %d", got, want, bad)
		}
		for i, o := range res.col("_offset") {
			if o.(int64) != int64(i) {
				t.Fatalf("row %d has offset %d", i, o)
			}
		}
		if row := res.rows[tomb]; row[0] != nil || row[1] != nil || row[5] != int64(tomb) {
			t.Fatalf("tombstone row %v", row)
		}

		res = e.mustQuery(cn, "SELECT * FROM "+q(topic), map[string]string{"kafarr.read.batch_rows": "4096", "kafarr.read.on_error": "null"})
		if len(res.rows) != n {
			t.Fatalf("on_error=null: %d rows, want %d", len(res.rows), n)
		}
		errs := res.col("_error")
		for i, v := range errs {
			if (v != nil) != (i == bad) {
				t.Fatalf("on_error=null: row %d _error %v", i, v)
			}
		}
		if res.rows[bad][0] != nil || res.rows[bad+1][0] != "I0" {
			t.Fatalf("on_error=null: rows around the bad one: %v %v", res.rows[bad], res.rows[bad+1])
		}
	})
}

// TestReadReleaseEarly releases a large result after two batches: the
// fetch stops and nothing is left behind (the allocator and goroutine
// checks of the case), while the batches handed out stay valid.
func TestReadReleaseEarly(t *testing.T) {
	forStacks(t, func(t *testing.T, e *env) {
		topic, _ := e.tickTopic(2, largePerPart)
		cn := e.open(nil)
		st, err := cn.NewStatement()
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		if err := st.SetOption("kafarr.read.batch_rows", "4096"); err != nil {
			t.Fatal(err)
		}
		if err := st.SetSqlQuery("SELECT * FROM " + q(topic)); err != nil {
			t.Fatal(err)
		}
		rdr, _, err := st.ExecuteQuery(ctxOf(t))
		if err != nil {
			t.Fatal(err)
		}
		var kept []arrow.RecordBatch
		for range 2 {
			if !rdr.Next() {
				t.Fatalf("stream ended early: %v", rdr.Err())
			}
			rec := rdr.RecordBatch()
			rec.Retain()
			kept = append(kept, rec)
		}
		rdr.Release()
		// Batches handed out stay valid after the stream is released.
		for i, rec := range kept {
			if rec.NumRows() != 4096 || rec.Column(0).(interface{ Value(int) string }).Value(0) == "" {
				t.Fatalf("kept batch %d: %d rows", i, rec.NumRows())
			}
			rec.Release()
		}
		testenv.WaitDriverIdle(t)
	})
}
