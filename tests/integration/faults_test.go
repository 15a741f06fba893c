package integration

// Faults on the read path, on in-process kfake (deterministic fault
// injection through ControlKey) and srfake: a broker that stops answering
// mid-read, a cluster gone before a query, a registry down with its schemas
// cached, a topic deleted between queries, partitions added between
// queries. Each read ends within kafarr.read.timeout_ms (plus slack) with
// the right status, and never passes a partial result off as complete.

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apache/arrow-adbc/go/adbc"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
	"github.com/twmb/franz-go/pkg/sr/srfake"

	"github.com/kafarr/kafarr/driver"
	"github.com/kafarr/kafarr/internal/testenv"
)

// faultSlack is how far past kafarr.read.timeout_ms a failing read may
// end: enough for a loaded 2-core machine, far below a hang.
const faultSlack = 5 * time.Second

// faultOpen opens a connection to brokers with string values and the
// given extra options, closed when the test ends and leak-checked after.
func faultOpen(t *testing.T, mem memory.Allocator, brokers string, opts map[string]string) adbc.Connection {
	t.Helper()
	testenv.CheckLeaks(t)
	all := map[string]string{"uri": "kafka://" + brokers, "kafarr.value.format": "string", "kafarr.read.timeout_ms": "2000"}
	for k, v := range opts {
		all[k] = v
	}
	db, err := driver.NewDriver(mem).NewDatabase(all)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	cn, err := db.Open(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cn.Close() })
	return cn
}

// faultRead runs sql and returns the (partition, offset, value) rows it
// delivered, how long it took and the error that ended it.
func faultRead(t *testing.T, cn adbc.Connection, sql string) (rows []string, took time.Duration, err error) {
	return faultReadCtx(t, context.Background(), cn, sql)
}

// faultReadCtx is faultRead under ctx.
func faultReadCtx(t *testing.T, ctx context.Context, cn adbc.Connection, sql string) (rows []string, took time.Duration, err error) {
	t.Helper()
	start := time.Now()
	defer func() { took = time.Since(start) }()
	st, err := cn.NewStatement()
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.SetSqlQuery(sql); err != nil {
		t.Fatal(err)
	}
	rdr, _, err := st.ExecuteQuery(ctx)
	if err != nil {
		return nil, 0, err
	}
	defer rdr.Release()
	for rdr.Next() {
		b := rdr.RecordBatch()
		p, o, v := b.Column(0).(*array.Int32), b.Column(1).(*array.Int64), b.Column(2).(*array.String)
		for i := 0; i < int(b.NumRows()); i++ {
			rows = append(rows, fmt.Sprintf("%d/%d=%s", p.Value(i), o.Value(i), v.Value(i)))
		}
	}
	// Partitions interleave; within one, offsets ascend (checked by the
	// read tests). Sorting makes the expected strings exact.
	slices.Sort(rows)
	return rows, 0, rdr.Err()
}

// faultProduce writes n values "v<p>-<i>" to each partition of topic.
func faultProduce(t *testing.T, cl *kgo.Client, topic string, partitions []int32, n int) {
	t.Helper()
	var recs []*kgo.Record
	for _, p := range partitions {
		for i := range n {
			recs = append(recs, &kgo.Record{Topic: topic, Partition: p, Value: fmt.Appendf(nil, "v%d-%d", p, i)})
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := cl.ProduceSync(ctx, recs...).FirstErr(); err != nil {
		t.Fatalf("producing to %s: %v", topic, err)
	}
}

// faultClient returns a producer with manual partitioning and its admin
// client, closed when the test ends and leak-checked after.
func faultClient(t *testing.T, brokers string) (*kgo.Client, *kadm.Client) {
	t.Helper()
	testenv.CheckLeaks(t)
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers), kgo.RecordPartitioner(kgo.ManualPartitioner()), kgo.ProducerLinger(0))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	return cl, kadm.NewClient(cl)
}

// faultCluster starts a one-broker kfake cluster with topic seeded with
// the given partitions, closed when the test ends, and returns its address.
// It registers the test's leak check first, to run after every close.
func faultCluster(t *testing.T, partitions int32, topic string) (*kfake.Cluster, string) {
	t.Helper()
	testenv.CheckLeaks(t)
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(partitions, topic))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c, c.ListenAddrs()[0]
}

func wantStatusIn(t *testing.T, err error, codes ...adbc.Status) adbc.Error {
	t.Helper()
	var ae adbc.Error
	if !errors.As(err, &ae) {
		t.Fatalf("error %T %v is not an adbc.Error", err, err)
	}
	for _, c := range codes {
		if ae.Code == c {
			return ae
		}
	}
	t.Fatalf("status %v (%s), want one of %v", ae.Code, ae.Msg, codes)
	return ae
}

// TestFaultBrokerHangsMidRead: the broker answers the read's first fetch
// for partition 0 only (the control function strips partition 1 from it),
// then stops answering fetches. The read delivers at most partition 0's
// rows, then fails with Timeout or IO within kafarr.read.timeout_ms,
// instead of hanging or ending as if complete.
func TestFaultBrokerHangsMidRead(t *testing.T) {
	c, brokers := faultCluster(t, 2, "hang")
	cl, _ := faultClient(t, brokers)
	faultProduce(t, cl, "hang", []int32{0, 1}, 20)

	release := make(chan struct{})
	defer close(release)
	var fetches atomic.Int32
	c.ControlKey(kmsg.Fetch.Int16(), func(req kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl()
		if fetches.Add(1) == 1 {
			r := req.(*kmsg.FetchRequest)
			for i := range r.Topics {
				r.Topics[i].Partitions = slices.DeleteFunc(r.Topics[i].Partitions, func(p kmsg.FetchRequestTopicPartition) bool { return p.Partition == 1 })
			}
			return nil, nil, false
		}
		// Hold the fetch until the test ends, without blocking the
		// rest of the cluster, then drop the connection.
		c.SleepControl(func() { <-release })
		return nil, errors.New("broker stopped"), true
	})
	alive := []int32{0}

	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	cn := faultOpen(t, mem, brokers, map[string]string{"kafarr.read.batch_rows": "5"})
	rows, took, err := faultRead(t, cn, `SELECT _partition, _offset, _value FROM "hang"`)
	if err == nil {
		t.Fatalf("read of a partition whose broker does not answer succeeded with %d rows: %v", len(rows), rows)
	}
	ae := wantStatusIn(t, err, adbc.StatusTimeout, adbc.StatusIO)
	if took > 2*time.Second+faultSlack {
		t.Fatalf("the failing read took %v, read.timeout_ms is 2000", took)
	}
	for _, r := range rows {
		var p int32
		fmt.Sscanf(r, "%d/", &p)
		if !slices.Contains(alive, p) {
			t.Fatalf("row %s from a partition of the silent broker", r)
		}
	}
	if !strings.Contains(ae.Msg, `"hang"`) || !strings.Contains(ae.Msg, "partition 1") {
		t.Errorf("message does not name the topic and the unfinished partition: %s", ae.Msg)
	}
	if len(rows) > 20*len(alive) {
		t.Fatalf("%d rows from %d partitions of 20 rows", len(rows), len(alive))
	}
	t.Logf("%d rows, then after %v: %v: %s", len(rows), took, ae.Code, ae.Msg)
}

// TestFaultClusterGone: the cluster closes after Open. The next query,
// issued without a context deadline, fails with IO or Timeout within
// kafarr.read.timeout_ms (planning is bounded by it, not only by the
// caller's context: franz-go alone would retry for about 27 s) and
// delivers no row.
func TestFaultClusterGone(t *testing.T) {
	testenv.CheckLeaks(t)
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, "gone"))
	if err != nil {
		t.Fatal(err)
	}
	brokers := c.ListenAddrs()[0]
	cl, _ := faultClient(t, brokers)
	faultProduce(t, cl, "gone", []int32{0}, 5)
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	cn := faultOpen(t, mem, brokers, nil)
	rows, _, err := faultRead(t, cn, `SELECT _partition, _offset, _value FROM "gone"`)
	if err != nil || strings.Join(rows, " ") != "0/0=v0-0 0/1=v0-1 0/2=v0-2 0/3=v0-3 0/4=v0-4" {
		t.Fatalf("before the fault: %v, %v", rows, err)
	}
	c.Close()
	rows, took, err := faultReadCtx(t, context.Background(), cn, `SELECT _partition, _offset, _value FROM "gone"`)
	if err == nil {
		t.Fatalf("read from a closed cluster succeeded: %v", rows)
	}
	ae := wantStatusIn(t, err, adbc.StatusIO, adbc.StatusTimeout)
	if took > 2*time.Second+faultSlack {
		t.Fatalf("the failing read took %v, read.timeout_ms is 2000: %v", took, err)
	}
	if len(rows) != 0 {
		t.Fatalf("rows from a closed cluster: %v", rows)
	}
	t.Logf("after %v: %v: %s", took, ae.Code, ae.Msg)
}

// TestFaultTopicDeletedBetweenQueries: a topic deleted after a read is
// NotFound, naming it, on the next.
func TestFaultTopicDeletedBetweenQueries(t *testing.T) {
	_, brokers := faultCluster(t, 1, "doomed")
	cl, adm := faultClient(t, brokers)
	faultProduce(t, cl, "doomed", []int32{0}, 3)
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	cn := faultOpen(t, mem, brokers, nil)
	rows, _, err := faultRead(t, cn, `SELECT _partition, _offset, _value FROM "doomed"`)
	if err != nil || len(rows) != 3 {
		t.Fatalf("before the delete: %v, %v", rows, err)
	}
	if _, err := adm.DeleteTopic(context.Background(), "doomed"); err != nil {
		t.Fatal(err)
	}
	rows, took, err := faultRead(t, cn, `SELECT _partition, _offset, _value FROM "doomed"`)
	if err == nil {
		t.Fatalf("read of a deleted topic succeeded: %v", rows)
	}
	ae := wantStatusIn(t, err, adbc.StatusNotFound)
	if !strings.Contains(ae.Msg, "doomed") || took > 2*time.Second+faultSlack {
		t.Fatalf("after %v: %s; want the topic named within the read timeout", took, ae.Msg)
	}
}

// TestFaultPartitionsAdded: a partition added between two queries of one
// connection is read by the second.
func TestFaultPartitionsAdded(t *testing.T) {
	_, brokers := faultCluster(t, 1, "grows")
	cl, adm := faultClient(t, brokers)
	faultProduce(t, cl, "grows", []int32{0}, 2)
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	cn := faultOpen(t, mem, brokers, nil)
	const sql = `SELECT _partition, _offset, _value FROM "grows"`
	rows, _, err := faultRead(t, cn, sql)
	if err != nil || strings.Join(rows, " ") != "0/0=v0-0 0/1=v0-1" {
		t.Fatalf("before: %v, %v", rows, err)
	}
	resp, err := adm.CreatePartitions(context.Background(), 2, "grows")
	if err == nil {
		err = resp.Error()
	}
	if err != nil {
		t.Fatal(err)
	}
	// A new producer: the first one's metadata may still show one partition.
	cl2, _ := faultClient(t, brokers)
	faultProduce(t, cl2, "grows", []int32{1, 2}, 1)
	rows, _, err = faultRead(t, cn, sql)
	if err != nil || strings.Join(rows, " ") != "0/0=v0-0 0/1=v0-1 1/0=v1-0 2/0=v2-0" {
		t.Fatalf("after adding two partitions: %v, %v", rows, err)
	}
}

// TestFaultRegistryDown: with the registry gone, a read whose reader schema
// is pinned by id (kafarr.read.schema=id:<n>) keeps working from the
// connection's cache of schema ids, and so does a latest read on a
// connection that saw the subject's latest before; a connection with
// nothing cached fails at once with IO naming the registry.
func TestFaultRegistryDown(t *testing.T) {
	testenv.CheckLeaks(t)
	c, err := kfake.NewCluster(kfake.NumBrokers(1))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	reg := srfake.New()
	defer reg.Close()
	srv := httptest.NewServer(reg.Handler())
	defer srv.Close()
	brokers := c.ListenAddrs()[0]

	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	db, err := driver.NewDriver(mem).NewDatabase(map[string]string{
		"uri": "kafka://" + brokers, "kafarr.schema_registry.url": srv.URL,
		"kafarr.read.timeout_ms": "2000", "kafarr.schema_registry.timeout_ms": "1000",
	})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	cn, err := db.Open(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer cn.Close()
	frame := secFrame(mem)
	ingRun(t, cn, "cached", frame, map[string]string{})
	frame.Release()

	read := func(cn adbc.Connection, opts map[string]string) (string, time.Duration, error) {
		start := time.Now()
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
		if err := st.SetSqlQuery(`SELECT id, name FROM "cached"`); err != nil {
			t.Fatal(err)
		}
		rdr, _, err := st.ExecuteQuery(context.Background())
		if err != nil {
			return "", time.Since(start), err
		}
		defer rdr.Release()
		var out []string
		for rdr.Next() {
			b := rdr.RecordBatch()
			for i := 0; i < int(b.NumRows()); i++ {
				out = append(out, fmt.Sprintf("%d:%s", b.Column(0).(*array.Int64).Value(i), b.Column(1).(*array.String).Value(i)))
			}
		}
		return strings.Join(out, " "), time.Since(start), rdr.Err()
	}
	const want = "7:seven -1: 1099511627776:ünïcode"
	ss, ok := reg.GetSchema("cached-value", 1)
	if !ok {
		t.Fatal("the ingest registered no cached-value version 1")
	}
	pinned := map[string]string{"kafarr.read.schema": fmt.Sprintf("id:%d", ss.ID)}
	for _, opts := range []map[string]string{nil, pinned} {
		if got, _, err := read(cn, opts); err != nil || got != want {
			t.Fatalf("with the registry up, options %v: %q, %v", opts, got, err)
		}
	}
	srv.CloseClientConnections()
	srv.Close()
	got, took, err := read(cn, pinned)
	if err != nil || got != want {
		t.Fatalf("with the registry down, a read pinned to cached schema id %d gave %q, %v (after %v)", ss.ID, got, err, took)
	}
	// The default reader schema (the subject's latest) falls back to the
	// last answer this connection had.
	if got, took, err := read(cn, nil); err != nil || got != want {
		t.Fatalf("with the registry down, a latest read on a connection that saw the subject gave %q, %v (after %v)", got, err, took)
	}
	// A connection that never saw the subject has nothing to fall back
	// on: IO naming the registry, within the timeout.
	cn2, err := db.Open(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer cn2.Close()
	_, took, err = read(cn2, nil)
	ae := wantStatusIn(t, err, adbc.StatusIO)
	if !strings.Contains(ae.Msg, srv.URL) || took > 2*time.Second+faultSlack {
		t.Fatalf("after %v: %s; want the registry named within the timeout", took, ae.Msg)
	}
}

// TestFaultTopicDeletedMidRead: the read's first fetch brings partition 0
// only; the topic is deleted after the first batch is delivered and before
// the broker answers the next fetch. The read fails with NotFound naming
// the topic, at once, rather than ending as if complete, and delivers at
// most the rows of partition 0.
func TestFaultTopicDeletedMidRead(t *testing.T) {
	c, brokers := faultCluster(t, 2, "vanishing")
	cl, adm := faultClient(t, brokers)
	faultProduce(t, cl, "vanishing", []int32{0, 1}, 20)

	deleted := make(chan struct{})
	var once sync.Once
	defer once.Do(func() { close(deleted) })
	var fetches atomic.Int32
	c.ControlKey(kmsg.Fetch.Int16(), func(req kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl()
		if fetches.Add(1) == 1 {
			r := req.(*kmsg.FetchRequest)
			for i := range r.Topics {
				r.Topics[i].Partitions = slices.DeleteFunc(r.Topics[i].Partitions, func(p kmsg.FetchRequestTopicPartition) bool { return p.Partition == 1 })
			}
			return nil, nil, false
		}
		// Later fetches wait for the delete, then run normally.
		c.SleepControl(func() { <-deleted })
		return nil, nil, false
	})

	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	cn := faultOpen(t, mem, brokers, map[string]string{"kafarr.read.batch_rows": "5"})
	st, err := cn.NewStatement()
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.SetSqlQuery(`SELECT _partition, _offset, _value FROM "vanishing"`); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	rdr, _, err := st.ExecuteQuery(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer rdr.Release()
	rows := 0
	for rdr.Next() {
		rows += int(rdr.RecordBatch().NumRows())
		once.Do(func() {
			if _, err := adm.DeleteTopic(context.Background(), "vanishing"); err != nil {
				t.Errorf("deleting the topic mid-read: %v", err)
			}
			close(deleted)
		})
	}
	took := time.Since(start)
	err = rdr.Err()
	if err == nil {
		t.Fatalf("a read whose topic was deleted midway succeeded with %d of 40 rows", rows)
	}
	ae := wantStatusIn(t, err, adbc.StatusNotFound)
	if took > 2*time.Second+faultSlack || rows > 20 || !strings.Contains(ae.Msg, `"vanishing"`) || !strings.Contains(ae.Msg, "deleted") {
		t.Fatalf("after %v and %d rows: %s; want the topic named within the read timeout", took, rows, ae.Msg)
	}
	t.Logf("%d rows, then after %v: %v: %s", rows, took, ae.Code, ae.Msg)
}
