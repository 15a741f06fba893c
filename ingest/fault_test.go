package ingest_test

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/apache/arrow-adbc/go/adbc"
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// ingWideRows builds n rows of about 200 bytes each, so that an ingest
// spans several produce requests (kgo sends at most 1 MB per partition per
// request).
func ingWideRows(t *testing.T, mem memory.Allocator, n int) arrow.RecordBatch {
	t.Helper()
	schema := arrow.NewSchema([]arrow.Field{{Name: "seq", Type: arrow.PrimitiveTypes.Int64}, {Name: "pad", Type: arrow.BinaryTypes.String}}, nil)
	b := array.NewRecordBuilder(mem, schema)
	defer b.Release()
	pad := strings.Repeat("x", 200)
	for i := range n {
		b.Field(0).(*array.Int64Builder).Append(int64(i))
		b.Field(1).(*array.StringBuilder).Append(pad)
	}
	rec := b.NewRecordBatch()
	t.Cleanup(rec.Release)
	return rec
}

// failProduceAfter makes the kfake cluster answer every produce request
// after the first ok ones with a non-retriable error on every partition,
// until stop is called. seen counts the produce requests.
func failProduceAfter(e *ingestEnv, ok int64, code int16) (seen *atomic.Int64, stop func()) {
	seen = new(atomic.Int64)
	var stopped atomic.Bool
	e.dev.Cluster().ControlKey(int16(kmsg.Produce), func(req kmsg.Request) (kmsg.Response, error, bool) {
		if stopped.Load() {
			e.dev.Cluster().DropControl()
			return nil, nil, false
		}
		e.dev.Cluster().KeepControl()
		if seen.Add(1) <= ok {
			return nil, nil, false
		}
		preq := req.(*kmsg.ProduceRequest)
		resp := preq.ResponseKind().(*kmsg.ProduceResponse)
		for _, rt := range preq.Topics {
			st := kmsg.NewProduceResponseTopic()
			st.Topic, st.TopicID = rt.Topic, rt.TopicID
			for _, rp := range rt.Partitions {
				sp := kmsg.NewProduceResponseTopicPartition()
				sp.Partition = rp.Partition
				sp.ErrorCode = code
				st.Partitions = append(st.Partitions, sp)
			}
			resp.Topics = append(resp.Topics, st)
		}
		return resp, nil, true
	})
	return seen, func() { stopped.Store(true) }
}

var ingAckedRE = regexp.MustCompile(`(\d+) rows acknowledged`)

// ackedIn returns the acknowledged count an error message states.
func ackedIn(t *testing.T, err error) int64 {
	t.Helper()
	m := ingAckedRE.FindStringSubmatch(err.Error())
	if m == nil {
		t.Fatalf("error does not state the acknowledged rows: %v", err)
	}
	n, _ := strconv.ParseInt(m[1], 10, 64)
	return n
}

// TestIngestProduceFailure: a broker that starts refusing produce requests
// mid-ingest gives an error, never a success, and the acknowledged count
// it states is exactly what a read then finds.
func TestIngestProduceFailure(t *testing.T) {
	e := ingDevEnv(t)
	topic := e.topic(t)
	e.createTopic(t, topic, 1)
	const total = 20000
	rec := ingWideRows(t, e.mem, total)
	seen, stop := failProduceAfter(e, 2, kerr.InvalidRecord.Code)

	n, err := e.ingest(t, topic, rec, nil)
	if err == nil {
		t.Fatalf("ingest reported success (%d rows) although the broker refused produce requests", n)
	}
	ingWantStatus(t, err, adbc.StatusInvalidArgument, topic, "INVALID_RECORD")
	acked := ackedIn(t, err)
	if seen.Load() < 3 || acked <= 0 || acked >= total {
		t.Fatalf("%d produce requests, %d rows acknowledged of %d: the test did not fail mid-ingest", seen.Load(), acked, total)
	}
	if n != acked {
		t.Errorf("ExecuteUpdate returned %d, the error says %d", n, acked)
	}
	if end := e.totalEnd(t, topic); end != acked {
		t.Errorf("topic end offset %d, error says %d rows acknowledged", end, acked)
	}
	_, rows := e.query(t, fmt.Sprintf(`SELECT seq FROM %q`, topic), nil)
	if int64(len(rows)) != acked {
		t.Fatalf("read finds %d rows, error says %d acknowledged", len(rows), acked)
	}
	for i, r := range rows {
		if want := fmt.Sprintf(`{"seq":%d}`, i); r != want {
			t.Fatalf("row %d is %s, want %s: acknowledged rows must be a gapless prefix", i, r, want)
		}
	}

	// The failed producer is not reused: the next ingest succeeds.
	stop()
	small := ingWideRows(t, e.mem, 10)
	e.mustIngest(t, topic, small, nil)
	if end := e.totalEnd(t, topic); end != acked+10 {
		t.Errorf("end offset %d after a further ingest of 10, want %d", end, acked+10)
	}
}

// TestIngestRetriedConnection: a connection cut mid-ingest is retried by
// the idempotent producer; every row lands exactly once.
func TestIngestRetriedConnection(t *testing.T) {
	e := ingDevEnv(t)
	topic := e.topic(t)
	e.createTopic(t, topic, 1)
	const total = 20000
	rec := ingWideRows(t, e.mem, total)
	var seen atomic.Int64
	e.dev.Cluster().ControlKey(int16(kmsg.Produce), func(kmsg.Request) (kmsg.Response, error, bool) {
		e.dev.Cluster().KeepControl()
		if seen.Add(1) == 3 {
			return nil, errors.New("connection cut by the test"), true
		}
		return nil, nil, false
	})
	e.mustIngest(t, topic, rec, nil)
	if seen.Load() < 4 {
		t.Fatalf("only %d produce requests: the cut was not retried", seen.Load())
	}
	if end := e.totalEnd(t, topic); end != total {
		t.Fatalf("end offset %d, want exactly %d: a retry duplicated or lost rows", end, total)
	}
}

// TestIngestTransactional checks kafarr.ingest.transactional: a committed
// ingest is visible to read_committed reads, and a failed one, whether a
// batch is refused or (on kfake) the broker fails, leaves nothing visible.
func TestIngestTransactional(t *testing.T) {
	ingStacks(t, testTransactional)
}

func testTransactional(t *testing.T, e *ingestEnv) {
	topic := e.topic(t)
	e.createTopic(t, topic, 2)
	txn := map[string]string{"kafarr.ingest.transactional": "true"}
	committed := map[string]string{"kafarr.read.isolation": "read_committed"}
	count := func() int {
		_, rows := e.query(t, fmt.Sprintf(`SELECT seq FROM %q`, topic), committed)
		return len(rows)
	}

	good := ingWideRows(t, e.mem, 300)
	for range 2 { // the second reuses the pooled transactional producer
		n, err := e.ingest(t, topic, good, txn)
		if err != nil || n != 300 {
			t.Fatalf("transactional ingest: %d, %v", n, err)
		}
	}
	if got := count(); got != 600 {
		t.Fatalf("read_committed finds %d rows after two committed ingests of 300, want 600", got)
	}

	// A stream whose second batch is refused: the first batch was
	// produced inside the transaction, which is aborted.
	schema := arrow.NewSchema([]arrow.Field{{Name: "seq", Type: arrow.PrimitiveTypes.Int64}, {Name: "pad", Type: arrow.BinaryTypes.String, Nullable: true}}, nil)
	b1 := ingFromJSON(t, e.mem, schema, `[{"seq":1,"pad":"a"},{"seq":2,"pad":"b"}]`)
	b2 := ingFromJSON(t, e.mem, schema, `[{"seq":3,"pad":null}]`)
	endBefore := e.totalEnd(t, topic)
	n, err := e.ingestStream(t, topic, []arrow.RecordBatch{b1, b2}, txn)
	ingWantStatus(t, err, adbc.StatusInvalidArgument, `column "pad" row 2`, "transaction was aborted", "none of its rows is visible")
	if n != 0 {
		t.Errorf("an aborted transactional ingest returned %d rows, want 0", n)
	}
	if e.totalEnd(t, topic) <= endBefore {
		t.Error("the first batch was not produced before the refusal: the test does not exercise the abort")
	}
	if got := count(); got != 600 {
		t.Fatalf("read_committed finds %d rows after an aborted ingest, want 600", got)
	}

	if e.dev == nil {
		return // fault injection needs kfake
	}
	// The broker refuses produce requests mid-transaction.
	_, stop := failProduceAfter(e, 1, kerr.InvalidRecord.Code)
	n, err = e.ingest(t, topic, ingWideRows(t, e.mem, 20000), txn)
	ingWantStatus(t, err, adbc.StatusInvalidArgument, "transaction was aborted")
	if n != 0 {
		t.Errorf("failed transactional ingest returned %d, want 0", n)
	}
	stop()
	if got := count(); got != 600 {
		t.Fatalf("read_committed finds %d rows after a failed transaction, want 600", got)
	}
	// The next transactional ingest gets a fresh producer and commits.
	if n, err := e.ingest(t, topic, good, txn); err != nil || n != 300 {
		t.Fatalf("transactional ingest after a failed one: %d, %v", n, err)
	}
	if got := count(); got != 900 {
		t.Fatalf("read_committed finds %d rows, want 900", got)
	}
}
