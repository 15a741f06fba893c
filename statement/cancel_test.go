package statement_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/apache/arrow-adbc/go/adbc"
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/kafarr/kafarr/internal/testenv"
)

// The C layer cancels a read by cancelling the context the read was opened
// with: AdbcStatementCancel the one ExecuteQuery got, AdbcConnectionCancel
// the one of each ReadPartition stream (pkg/cshared/README.md, "Contexts").
// These tests do the same through the Go API, on the real broker.

const (
	// cancelRows is the size of the topic the cancel tests read: many
	// fetch chunks (8,192 records) per partition, so that the reader has
	// records buffered ahead of the caller when the cancel comes.
	cancelRows = 200_000
	// cancelBatchRows is the batch size of the cancelled reads: small,
	// so that the scan holds the rest of a fetched chunk when it is
	// cancelled.
	cancelBatchRows = 1000
	// cancelAfter is how many batches a read delivers before the cancel.
	cancelAfter = 3
	// cancelWithin bounds how long a cancelled read may take to end.
	cancelWithin = 2 * time.Second
)

// ingestSeq appends rows {seq: from+i, p: (from+i) % parts} to topic
// (created with parts partitions) through kafarr's own ingest, the
// quickest way to a large topic: row i goes to partition i % parts. With
// no rows it only registers the value schema.
func (e *env) ingestSeq(topic string, from, rows, parts int) {
	e.t.Helper()
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "seq", Type: arrow.PrimitiveTypes.Int64},
		{Name: "p", Type: arrow.PrimitiveTypes.Int32},
	}, nil)
	b := array.NewRecordBuilder(e.mem, schema)
	defer b.Release()
	seq, part := b.Field(0).(*array.Int64Builder), b.Field(1).(*array.Int32Builder)
	for i := from; i < from+rows; i++ {
		seq.Append(int64(i))
		part.Append(int32(i % parts))
	}
	rec := b.NewRecordBatch()
	defer rec.Release()
	st, err := e.open(nil).NewStatement()
	if err != nil {
		e.t.Fatal(err)
	}
	defer st.Close()
	for k, v := range map[string]string{
		adbc.OptionKeyIngestTargetTable:  topic,
		adbc.OptionKeyIngestMode:         adbc.OptionValueIngestModeAppend,
		"kafarr.ingest.partition_column": "p",
		"kafarr.ingest.compression":      "lz4",
	} {
		if err := st.SetOption(k, v); err != nil {
			e.t.Fatal(err)
		}
	}
	if err := st.Bind(ctxOf(e.t), rec); err != nil {
		e.t.Fatal(err)
	}
	if n, err := st.ExecuteUpdate(ctxOf(e.t)); err != nil || n != int64(rows) {
		e.t.Fatalf("ingesting %d rows into %s: %d, %v", rows, topic, n, err)
	}
}

// cancelled is what a read cancelled mid-stream did.
type cancelled struct {
	batches int             // delivered before the cancel
	parts   map[int32]int64 // rows delivered per partition
	more    int             // batches delivered after the cancel
	err     error           // the error that ended the stream
	took    time.Duration   // from the cancel to the end of the stream
}

// readThenCancel opens a read with open, takes cancelAfter batches,
// cancels the context the read was opened with, and reads on until the
// stream ends. The result needs _partition among its columns.
func readThenCancel(t *testing.T, open func(ctx context.Context) (array.RecordReader, error)) cancelled {
	t.Helper()
	ctx, cancel := context.WithCancel(ctxOf(t))
	defer cancel()
	rdr, err := open(ctx)
	if err != nil {
		t.Fatalf("opening the read: %v", err)
	}
	defer rdr.Release()
	res := cancelled{parts: map[int32]int64{}}
	for res.batches < cancelAfter {
		if !rdr.Next() {
			t.Fatalf("the read ended after %d batches, before the cancel: %v", res.batches, rdr.Err())
		}
		res.batches++
		rec := rdr.RecordBatch()
		parts := rec.Column(int(rec.Schema().FieldIndices("_partition")[0])).(*array.Int32)
		for i := range parts.Len() {
			res.parts[parts.Value(i)]++
		}
	}
	cancel()
	start := time.Now()
	for rdr.Next() {
		res.more++
	}
	res.took = time.Since(start)
	res.err = rdr.Err()
	return res
}

// wantCancelled fails unless the read ended at the cancel: no batch after
// it, a Cancelled error naming the topic and where the read stopped,
// within cancelWithin.
func wantCancelled(t *testing.T, res cancelled, topic string) {
	t.Helper()
	if res.more > 0 {
		t.Errorf("%d batches were delivered after the cancel", res.more)
	}
	if res.err == nil {
		t.Fatalf("the cancelled read ended without an error")
	}
	wantStatus(t, res.err, adbc.StatusCancelled, topic, fmt.Sprintf("cancelled after %d rows", cancelAfter*cancelBatchRows), "partition 0 at offset")
	t.Logf("%v (%s after the cancel)", res.err, res.took)
	if res.took > cancelWithin {
		t.Errorf("the read ended %s after the cancel, want within %s", res.took, cancelWithin)
	}
}

// TestCancelRead cancels reads of a large topic after a few batches,
// through each path the C layer cancels: a statement's query (plain, under
// a consumer group, in follow mode), a partition read, and a follow read
// waiting for messages. The stream ends at once with Cancelled, naming the
// topic and each partition's position; a consumer group commits exactly
// the rows delivered before the cancel.
func TestCancelRead(t *testing.T) {
	e := newEnv(t, "real", testenv.Brokers(t), testenv.Registry(t), nil)
	topic := e.topic(2, nil)
	e.ingestSeq(topic, 0, cancelRows, 2)
	batch := map[string]string{"kafarr.read.batch_rows": fmt.Sprint(cancelBatchRows)}
	cn := e.open(batch)
	sql := "SELECT seq, _partition, _offset FROM " + q(topic)
	query := func(opts map[string]string) func(ctx context.Context) (array.RecordReader, error) {
		return func(ctx context.Context) (array.RecordReader, error) {
			st, err := cn.NewStatement()
			if err != nil {
				return nil, err
			}
			t.Cleanup(func() { st.Close() })
			for k, v := range opts {
				if err := st.SetOption(k, v); err != nil {
					return nil, err
				}
			}
			if err := st.SetSqlQuery(sql); err != nil {
				return nil, err
			}
			rdr, _, err := st.ExecuteQuery(ctx)
			return rdr, err
		}
	}

	t.Run("query", func(t *testing.T) {
		wantCancelled(t, readThenCancel(t, query(nil)), topic)
		testenv.WaitDriverIdle(t)
	})

	t.Run("partition", func(t *testing.T) {
		st, err := cn.NewStatement()
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		if err := st.SetSqlQuery(sql); err != nil {
			t.Fatal(err)
		}
		_, parts, _, err := st.ExecutePartitions(ctxOf(t))
		if err != nil {
			t.Fatal(err)
		}
		res := readThenCancel(t, func(ctx context.Context) (array.RecordReader, error) {
			return cn.ReadPartition(ctx, parts.PartitionIDs[0])
		})
		wantCancelled(t, res, topic)
		testenv.WaitDriverIdle(t)
	})

	t.Run("follow", func(t *testing.T) {
		res := readThenCancel(t, query(map[string]string{"kafarr.read.follow": "true"}))
		wantCancelled(t, res, topic)
		testenv.WaitDriverIdle(t)
	})

	t.Run("group", func(t *testing.T) {
		group := "cancel-" + topic
		res := readThenCancel(t, query(map[string]string{"kafarr.consumer.group": group}))
		wantCancelled(t, res, topic)
		testenv.WaitDriverIdle(t)
		// Exactly the rows delivered are committed; the next read of
		// the group starts right after them.
		offsets, err := e.adm.FetchOffsets(ctxOf(t), group)
		if err != nil {
			t.Fatal(err)
		}
		var delivered int64
		for p := int32(0); p < 2; p++ {
			delivered += res.parts[p]
			o, ok := offsets.Lookup(topic, p)
			if !ok {
				o.At = 0 // nothing committed for this partition
			}
			if o.At != res.parts[p] {
				t.Errorf("partition %d: group committed offset %d, the caller received %d rows", p, o.At, res.parts[p])
			}
		}
		if delivered != cancelAfter*cancelBatchRows {
			t.Errorf("%d rows delivered in %d batches of %d", delivered, cancelAfter, cancelBatchRows)
		}
		rest := e.mustQuery(cn, "SELECT _partition, _offset FROM "+q(topic), map[string]string{"kafarr.consumer.group": group, "kafarr.read.batch_rows": "65536"})
		if int64(len(rest.rows)) != cancelRows-delivered {
			t.Fatalf("the group's next read has %d rows, want the %d not delivered", len(rest.rows), cancelRows-delivered)
		}
		first := map[int32]int64{}
		for _, r := range rest.rows {
			p, o := r[0].(int32), r[1].(int64)
			if at, ok := first[p]; !ok || o < at {
				first[p] = o
			}
		}
		for p := int32(0); p < 2; p++ {
			if first[p] != res.parts[p] {
				t.Errorf("partition %d: the group's next read starts at offset %d, want %d", p, first[p], res.parts[p])
			}
		}
	})

	t.Run("follow_waiting", func(t *testing.T) {
		// A follow read under a group with fewer new records than a
		// batch waits for more; cancelled, it ends at once and commits
		// none of the rows it had not delivered.
		empty := e.topic(1, nil)
		e.ingestSeq(empty, 0, 0, 1)
		group := "cancel-wait-" + empty
		opts := map[string]string{"kafarr.read.follow": "true", "kafarr.read.timeout_ms": "20000", "kafarr.consumer.group": group}
		ctx, cancel := context.WithCancel(ctxOf(t))
		defer cancel()
		st, err := cn.NewStatement()
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		for k, v := range opts {
			if err := st.SetOption(k, v); err != nil {
				t.Fatal(err)
			}
		}
		if err := st.SetSqlQuery("SELECT seq, _partition FROM " + q(empty)); err != nil {
			t.Fatal(err)
		}
		rdr, _, err := st.ExecuteQuery(ctx)
		if err != nil {
			t.Fatal(err)
		}
		released := false
		defer func() {
			if !released {
				rdr.Release()
			}
		}()
		e.ingestSeq(empty, 0, 10, 1)
		cancelled := make(chan time.Time, 1)
		go func() {
			time.Sleep(500 * time.Millisecond) // the read is waiting by now
			cancelled <- time.Now()
			cancel()
		}()
		if rdr.Next() {
			t.Fatalf("a follow read waiting for a full batch delivered %d rows", rdr.RecordBatch().NumRows())
		}
		took := time.Since(<-cancelled)
		wantStatus(t, rdr.Err(), adbc.StatusCancelled, empty, "cancelled", "partition 0 at offset 0")
		if took > cancelWithin {
			t.Errorf("the follow read ended %s after the cancel, want within %s", took, cancelWithin)
		}
		t.Logf("%v (%s after the cancel)", rdr.Err(), took)
		rdr.Release()
		released = true
		testenv.WaitDriverIdle(t)
		res := e.mustQuery(cn, "SELECT seq FROM "+q(empty), map[string]string{"kafarr.consumer.group": group})
		if len(res.rows) != 10 {
			t.Fatalf("the group's next read has %d rows, want the 10 the cancelled read never delivered", len(res.rows))
		}
	})

	t.Run("planning", func(t *testing.T) {
		// A context cancelled before the query plans: Cancelled, naming
		// the topic, with nothing read.
		ctx, cancel := context.WithCancel(ctxOf(t))
		cancel()
		rdr, err := query(nil)(ctx)
		if err == nil {
			rdr.Release()
			t.Fatal("a query on a cancelled context succeeded")
		}
		wantStatus(t, err, adbc.StatusCancelled, topic)
		st, err := cn.NewStatement()
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		if err := st.SetSqlQuery(sql); err != nil {
			t.Fatal(err)
		}
		_, err = st.(adbc.StatementExecuteSchema).ExecuteSchema(ctx)
		wantStatus(t, err, adbc.StatusCancelled, topic)
	})
}
