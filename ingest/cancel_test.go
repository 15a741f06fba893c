package ingest_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apache/arrow-adbc/go/adbc"
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kafarr/kafarr/internal/testenv"
)

// cancelWithin bounds how long a cancelled ingest may take to return.
const cancelWithin = 2 * time.Second

// cancellingReader is bound data that cancels the ingest's context when
// the ingest asks for batch at (counting from 0), as AdbcStatementCancel
// from another thread would while the ingest runs, and records when.
type cancellingReader struct {
	array.RecordReader
	at       int
	n        int
	before   func() // runs before the cancel
	cancel   context.CancelFunc
	cancelAt atomic.Pointer[time.Time]
}

func (r *cancellingReader) Next() bool {
	if r.n == r.at {
		if r.before != nil {
			r.before()
		}
		now := time.Now()
		r.cancelAt.Store(&now)
		r.cancel()
	}
	r.n++
	return r.RecordReader.Next()
}

// ingestCancelled ingests batches of rows into topic with opts, cancelling
// the ingest's context when it asks for batch at, after running before. It returns what
// ExecuteUpdate returned and how long after the cancel it did.
func (e *ingestEnv) ingestCancelled(t *testing.T, topic string, batches []arrow.RecordBatch, at int, before func(), opts map[string]string) (int64, error, time.Duration) {
	t.Helper()
	st := e.stmt(t, topic, opts)
	defer st.Close()
	rdr, err := array.NewRecordReader(batches[0].Schema(), batches)
	if err != nil {
		t.Fatal(err)
	}
	defer rdr.Release()
	ctx, cancel := context.WithCancel(ingCtx(t))
	defer cancel()
	cr := &cancellingReader{RecordReader: rdr, at: at, before: before, cancel: cancel}
	if err := st.BindStream(ingCtx(t), cr); err != nil {
		t.Fatal(err)
	}
	n, err := st.ExecuteUpdate(ctx)
	at0 := cr.cancelAt.Load()
	if at0 == nil {
		t.Fatalf("the ingest ended (%d, %v) before asking for batch %d", n, err, at)
	}
	return n, err, time.Since(*at0)
}

// written returns a function that waits until some records of topic are
// written, for a cancel that must come once the ingest has produced.
func (e *ingestEnv) written(t *testing.T, topic string) func() {
	return func() {
		for deadline := time.Now().Add(20 * time.Second); e.totalEnd(t, topic) == 0; time.Sleep(10 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatal("nothing of the ingest was written in 20 s")
			}
		}
	}
}

// seqBatches is n batches of rows ingWideRows rows each, seq counting on
// across them.
func seqBatches(t *testing.T, e *ingestEnv, n, rows int) []arrow.RecordBatch {
	t.Helper()
	schema := arrow.NewSchema([]arrow.Field{{Name: "seq", Type: arrow.PrimitiveTypes.Int64}, {Name: "pad", Type: arrow.BinaryTypes.String}}, nil)
	out := make([]arrow.RecordBatch, n)
	for k := range out {
		b := array.NewRecordBuilder(e.mem, schema)
		for i := range rows {
			b.Field(0).(*array.Int64Builder).Append(int64(k*rows + i))
			b.Field(1).(*array.StringBuilder).Append("pad")
		}
		out[k] = b.NewRecordBatch()
		b.Release()
		t.Cleanup(out[k].Release)
	}
	return out
}

// TestCancelIngest cancels ingests while they run, through the context
// ExecuteUpdate got (what AdbcStatementCancel cancels): the ingest stops
// handing rows to the producer and returns Cancelled within cancelWithin,
// stating how many rows the brokers acknowledged, which is exactly what
// the topic then holds; a transactional ingest is aborted and leaves
// nothing visible.
func TestCancelIngest(t *testing.T) {
	const batches, rows, at = 20, 10_000, 5
	t.Run("plain", func(t *testing.T) {
		e := ingOpenEnv(t, testenv.Brokers(t), testenv.Registry(t), nil)
		topic := e.topic(t)
		e.createTopic(t, topic, 2)
		data := seqBatches(t, e, batches, rows)
		n, err, took := e.ingestCancelled(t, topic, data, at, e.written(t, topic), nil)
		ingWantStatus(t, err, adbc.StatusCancelled, topic, "cancelled", "rows acknowledged")
		if took > cancelWithin {
			t.Errorf("the ingest returned %s after the cancel, want within %s", took, cancelWithin)
		}
		// The batches before the cancel went to the producer; what of
		// them was not sent yet is dropped, and nothing after them is
		// produced.
		acked := ackedIn(t, err)
		if acked == 0 || acked > at*rows {
			t.Errorf("%d rows acknowledged: want some, written before the cancel, and at most the %d handed to the driver before it", acked, at*rows)
		}
		if n != acked {
			t.Errorf("ExecuteUpdate returned %d rows, the error says %d", n, acked)
		}
		if end := e.totalEnd(t, topic); end != acked {
			t.Errorf("the topic holds %d records, the error says %d were acknowledged", end, acked)
		}
		_, got := e.query(t, fmt.Sprintf(`SELECT seq FROM %q`, topic), nil)
		seen := map[string]bool{}
		for _, r := range got {
			if seen[r] {
				t.Fatalf("row %s was written twice", r)
			}
			seen[r] = true
		}
		if int64(len(got)) != acked {
			t.Fatalf("a read finds %d rows, the error says %d were acknowledged", len(got), acked)
		}
		t.Logf("%v (returned %s after the cancel)", err, took)
	})
	t.Run("transactional", func(t *testing.T) {
		e := ingOpenEnv(t, testenv.Brokers(t), testenv.Registry(t), nil)
		topic := e.topic(t)
		e.createTopic(t, topic, 2)
		data := seqBatches(t, e, batches, rows)
		// Records of the transaction are written before the cancel, so
		// that the abort has something to hide.
		n, err, took := e.ingestCancelled(t, topic, data, at, e.written(t, topic), map[string]string{"kafarr.ingest.transactional": "true"})
		ingWantStatus(t, err, adbc.StatusCancelled, topic, "cancelled", "transaction was aborted", "none of its rows is visible")
		if took > cancelWithin {
			t.Errorf("the ingest returned %s after the cancel, want within %s", took, cancelWithin)
		}
		if n != 0 {
			t.Errorf("a cancelled transactional ingest returned %d rows, want 0", n)
		}
		t.Logf("%v (returned %s after the cancel)", err, took)
		_, got := e.query(t, fmt.Sprintf(`SELECT seq FROM %q`, topic), map[string]string{"kafarr.read.isolation": "read_committed"})
		if len(got) != 0 {
			t.Fatalf("read_committed finds %d rows of a cancelled transactional ingest, want 0", len(got))
		}
	})
	t.Run("broker_not_answering", func(t *testing.T) {
		// The broker holds every produce request after the first: the
		// records in flight are never acknowledged, and a cancelled
		// ingest gives up on them instead of waiting.
		e := ingDevEnv(t)
		topic := e.topic(t)
		e.createTopic(t, topic, 1)
		data := seqBatches(t, e, batches, rows)
		release := make(chan struct{})
		defer close(release)
		var seen atomic.Int64
		e.dev.Cluster().ControlKey(int16(kmsg.Produce), func(kmsg.Request) (kmsg.Response, error, bool) {
			e.dev.Cluster().KeepControl()
			if seen.Add(1) > 1 {
				e.dev.Cluster().SleepControl(func() { <-release })
			}
			return nil, nil, false
		})
		n, err, took := e.ingestCancelled(t, topic, data, at, nil, nil)
		ingWantStatus(t, err, adbc.StatusCancelled, topic, "cancelled", "rows acknowledged")
		if took > cancelWithin {
			t.Errorf("the ingest returned %s after the cancel, want within %s", took, cancelWithin)
		}
		if acked := ackedIn(t, err); n != acked || acked >= batches*rows {
			t.Errorf("ExecuteUpdate returned %d rows, the error says %d acknowledged of %d", n, acked, batches*rows)
		}
		t.Logf("%v (returned %s after the cancel)", err, took)
	})
}
