package statement_test

// Test harness of the read-path tests. Every case runs once per stack:
//
//   - "kfake": an in-process kfake broker and srfake registry
//     (testenv.DevStack), started fresh for each case; always run.
//   - "real": the Apache Kafka broker and registry of tests/stack
//     (testenv.Brokers, testenv.Registry: source .build/stack/env). Skipped
//     without them, unless KAFARR_REQUIRE_STACK=1, which makes their absence
//     a failure.
//
// Test data is produced with franz-go directly (exact partitions,
// timestamps, keys, headers, transactions, raw bytes) and Avro-encoded with
// goavro in the Confluent wire format, so the tests do not trust kafarr's
// own encoder. Results are read through the ADBC driver API.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apache/arrow-adbc/go/adbc"
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/linkedin/goavro/v2"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/kafarr/kafarr/avroarrow"
	"github.com/kafarr/kafarr/driver"
	"github.com/kafarr/kafarr/internal/testenv"
	"github.com/kafarr/kafarr/kafkaio"
)

// env is one case's view of one stack: clients to produce test data, the
// driver database to query through, and the checked allocator every Arrow
// buffer comes from.
type env struct {
	t        *testing.T
	name     string         // "kfake" or "real"
	cluster  *kfake.Cluster // nil on the real broker
	brokers  string
	registry string

	mem *memory.CheckedAllocator
	cl  *kgo.Client // producer with manual partitioning
	adm *kadm.Client
	reg *kafkaio.Registry
	db  adbc.Database

	mu     sync.Mutex
	codecs map[string]*goavro.Codec
}

// kfake reports whether the case runs on the in-process broker.
func (e *env) kfake() bool { return e.cluster != nil }

// forStacks runs fn once per available stack, as subtests "kfake" and
// "real".
func forStacks(t *testing.T, fn func(t *testing.T, e *env)) {
	t.Helper()
	t.Run("kfake", func(t *testing.T) {
		st := testenv.DevStack(t)
		fn(t, newEnv(t, "kfake", st.Brokers(), st.RegistryURL(), st.Cluster()))
	})
	t.Run("real", func(t *testing.T) {
		fn(t, newEnv(t, "real", testenv.Brokers(t), testenv.Registry(t), nil))
	})
}

// newEnv sets up a case. Cleanups run in reverse: connections close, then
// the producer, then the devstack; last, the goroutine and memory checks
// (testenv.CheckLeaks, registered by testenv.DevStack or testenv.Brokers
// before anything else).
func newEnv(t *testing.T, name, brokers, registry string, cluster *kfake.Cluster) *env {
	t.Helper()
	e := &env{t: t, name: name, cluster: cluster, brokers: brokers, registry: registry,
		mem: memory.NewCheckedAllocator(memory.NewGoAllocator()), codecs: map[string]*goavro.Codec{}}
	testenv.CheckLeaks(t, e.mem)
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers), kgo.RecordPartitioner(kgo.ManualPartitioner()),
		kgo.ProducerLinger(0), kgo.MaxBufferedRecords(1<<20))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	e.cl, e.adm = cl, kadm.NewClient(cl)
	if e.reg, err = kafkaio.NewRegistry(kafkaio.RegistryConfig{URL: registry}); err != nil {
		t.Fatal(err)
	}
	e.db, err = driver.NewDriver(e.mem).NewDatabase(map[string]string{
		"uri":                        "kafka://" + brokers,
		"kafarr.schema_registry.url": registry,
		"kafarr.read.timeout_ms":     "20000",
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.db.Close() })
	return e
}

func ctxOf(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

var topicSeq atomic.Int64

// topic creates a topic with n partitions, unique to the case; configs are
// topic configs (cleanup.policy, ...). Real-broker topics are deleted with
// the case.
func (e *env) topic(n int32, configs map[string]*string) string {
	e.t.Helper()
	name := testenv.Topic(e.t)
	resp, err := e.adm.CreateTopic(ctxOf(e.t), n, 1, configs, name)
	if err == nil {
		err = resp.Err
	}
	if err != nil {
		e.t.Fatalf("creating topic %s: %v", name, err)
	}
	if !e.kfake() {
		e.t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			_, _ = e.adm.DeleteTopic(ctx, name)
		})
	}
	return name
}

// produce produces recs and fails the case unless every one is
// acknowledged; the records carry their offsets afterwards.
func (e *env) produce(recs ...*kgo.Record) []*kgo.Record {
	e.t.Helper()
	if err := e.cl.ProduceSync(ctxOf(e.t), recs...).FirstErr(); err != nil {
		e.t.Fatalf("producing %d records: %v", len(recs), err)
	}
	return recs
}

// transaction produces recs in one transaction, committed or aborted, with
// a transactional producer of its own.
func (e *env) transaction(commit bool, recs ...*kgo.Record) {
	e.t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(e.brokers), kgo.RecordPartitioner(kgo.ManualPartitioner()),
		kgo.TransactionalID(fmt.Sprintf("kafarr-test-%d-%d", time.Now().UnixNano(), topicSeq.Add(1))),
		kgo.ProducerLinger(0))
	if err != nil {
		e.t.Fatal(err)
	}
	defer cl.Close()
	ctx := ctxOf(e.t)
	if err := cl.BeginTransaction(); err != nil {
		e.t.Fatal(err)
	}
	if err := cl.ProduceSync(ctx, recs...).FirstErr(); err != nil {
		e.t.Fatalf("producing in a transaction: %v", err)
	}
	end := kgo.TryAbort
	if commit {
		end = kgo.TryCommit
	}
	if err := cl.EndTransaction(ctx, end); err != nil {
		e.t.Fatalf("ending a transaction: %v", err)
	}
	e.settle(recs[0].Topic)
}

// settle waits until topic has no open transaction
// (testenv.SettleTransactions).
func (e *env) settle(topic string) {
	e.t.Helper()
	testenv.SettleTransactions(e.t, ctxOf(e.t), e.adm, topic)
}

// register registers an Avro schema under subject and returns its id.
func (e *env) register(subject, schema string) int32 {
	e.t.Helper()
	id, err := e.reg.Register(ctxOf(e.t), subject, schema)
	if err != nil {
		e.t.Fatalf("registering under %s: %v", subject, err)
	}
	return int32(id)
}

// frame encodes native (goavro's Go form) with schema and frames it with
// schema id id.
func (e *env) frame(schema string, id int32, native any) []byte {
	e.t.Helper()
	e.mu.Lock()
	c, ok := e.codecs[schema]
	if !ok {
		var err error
		if c, err = goavro.NewCodec(schema); err != nil {
			e.mu.Unlock()
			e.t.Fatalf("goavro: %v", err)
		}
		e.codecs[schema] = c
	}
	e.mu.Unlock()
	out, err := c.BinaryFromNative(avroarrow.AppendFrame(nil, id), native)
	if err != nil {
		e.t.Fatalf("goavro encode %v: %v", native, err)
	}
	return out
}

// open opens a connection with connection options opts, closed with the
// case.
func (e *env) open(opts map[string]string) adbc.Connection {
	e.t.Helper()
	cn, err := e.db.Open(ctxOf(e.t))
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { cn.Close() })
	for k, v := range opts {
		if err := cn.(adbc.PostInitOptions).SetOption(k, v); err != nil {
			e.t.Fatalf("connection option %s=%s: %v", k, v, err)
		}
	}
	return cn
}

// result is a drained query result.
type result struct {
	schema  *arrow.Schema
	cols    []string
	rows    [][]any
	batches []int64 // rows per batch
	err     error   // from ExecuteQuery or the stream
}

// col returns the values of column name.
func (r result) col(name string) []any {
	for i, c := range r.cols {
		if c == name {
			out := make([]any, len(r.rows))
			for k, row := range r.rows {
				out[k] = row[i]
			}
			return out
		}
	}
	panic("no column " + name + " in " + strings.Join(r.cols, ","))
}

// query runs sql on cn with statement options opts and drains the result.
// It checks that releasing the result leaves no kafarr goroutine behind.
func (e *env) query(cn adbc.Connection, sql string, opts map[string]string) result {
	e.t.Helper()
	res := e.run(cn, sql, opts)
	testenv.WaitDriverIdle(e.t)
	return res
}

// run is query without the goroutine check, for cases that hold a fetch
// in the broker on purpose.
func (e *env) run(cn adbc.Connection, sql string, opts map[string]string) result {
	e.t.Helper()
	st, err := cn.NewStatement()
	if err != nil {
		e.t.Fatal(err)
	}
	defer st.Close()
	for k, v := range opts {
		if err := st.SetOption(k, v); err != nil {
			e.t.Fatalf("statement option %s=%s: %v", k, v, err)
		}
	}
	if err := st.SetSqlQuery(sql); err != nil {
		return result{err: err}
	}
	rdr, _, err := st.ExecuteQuery(ctxOf(e.t))
	if err != nil {
		return result{err: err}
	}
	res := drain(rdr)
	rdr.Release()
	return res
}

// mustQuery is query failing the case on error.
func (e *env) mustQuery(cn adbc.Connection, sql string, opts map[string]string) result {
	e.t.Helper()
	res := e.query(cn, sql, opts)
	if res.err != nil {
		e.t.Fatalf("%s: %v", sql, res.err)
	}
	return res
}

// drain reads every batch of rdr into Go values; it does not release rdr.
func drain(rdr array.RecordReader) result {
	res := result{schema: rdr.Schema()}
	for _, f := range rdr.Schema().Fields() {
		res.cols = append(res.cols, f.Name)
	}
	for rdr.Next() {
		rec := rdr.RecordBatch()
		if !rec.Schema().Equal(rdr.Schema()) {
			res.err = fmt.Errorf("batch schema %s differs from the stream's %s", rec.Schema(), rdr.Schema())
			return res
		}
		res.batches = append(res.batches, rec.NumRows())
		for i := 0; i < int(rec.NumRows()); i++ {
			row := make([]any, rec.NumCols())
			for c := range row {
				row[c] = cell(rec.Column(c), i)
			}
			res.rows = append(res.rows, row)
		}
	}
	res.err = rdr.Err()
	return res
}

// kv is one entry of an Arrow map (headers).
type kv struct {
	K string
	V string
}

// cell converts row i of a to a plain Go value: nil for null; int32,
// int64, float32, float64, bool, string; []byte for binary; int64 for
// timestamps (in the column's unit); map[string]any for structs; []kv for
// maps; []any for lists; the string of a dictionary.
func cell(a arrow.Array, i int) any {
	if a.IsNull(i) {
		return nil
	}
	switch a := a.(type) {
	case *array.Int32:
		return a.Value(i)
	case *array.Int64:
		return a.Value(i)
	case *array.Float32:
		return a.Value(i)
	case *array.Float64:
		return a.Value(i)
	case *array.Boolean:
		return a.Value(i)
	case *array.String:
		// Value aliases the Arrow buffer, which is recycled once the
		// batch is released.
		return strings.Clone(a.Value(i))
	case *array.Binary:
		return bytes.Clone(a.Value(i))
	case *array.Timestamp:
		return int64(a.Value(i))
	case *array.Struct:
		st := a.DataType().(*arrow.StructType)
		m := map[string]any{}
		for k := 0; k < a.NumField(); k++ {
			m[st.Field(k).Name] = cell(a.Field(k), i)
		}
		return m
	case *array.Map:
		start, end := a.ValueOffsets(i)
		out := []kv{}
		for k := start; k < end; k++ {
			v := cell(a.Items(), int(k))
			var s string
			switch v := v.(type) {
			case []byte:
				s = string(v)
			case string:
				s = v
			}
			out = append(out, kv{a.Keys().(*array.String).Value(int(k)), s})
		}
		return out
	case *array.List:
		start, end := a.ValueOffsets(i)
		out := []any{}
		for k := start; k < end; k++ {
			out = append(out, cell(a.ListValues(), int(k)))
		}
		return out
	case *array.Dictionary:
		return cell(a.Dictionary(), a.GetValueIndex(i))
	}
	return fmt.Sprintf("<%s>", a.DataType())
}

// wantRows fails the case unless res has exactly want, in order.
func wantRows(t *testing.T, res result, want [][]any) {
	t.Helper()
	if res.err != nil {
		t.Fatalf("query failed: %v", res.err)
	}
	if len(res.rows) != len(want) {
		t.Fatalf("got %d rows, want %d\ngot:  %v\nwant: %v", len(res.rows), len(want), clip(res.rows), clip(want))
	}
	for i := range want {
		if !reflect.DeepEqual(res.rows[i], want[i]) {
			t.Fatalf("row %d: got %#v, want %#v (columns %v)", i, res.rows[i], want[i], res.cols)
		}
	}
}

func clip(rows [][]any) [][]any {
	if len(rows) > 20 {
		return rows[:20]
	}
	return rows
}

// wantCols fails the case unless res has exactly the column names want.
func wantCols(t *testing.T, res result, want ...string) {
	t.Helper()
	if !reflect.DeepEqual(res.cols, want) {
		t.Fatalf("columns %v, want %v", res.cols, want)
	}
}

// wantStatus fails the case unless err is an adbc.Error with status code
// whose message contains every one of parts.
func wantStatus(t *testing.T, err error, code adbc.Status, parts ...string) {
	t.Helper()
	var ae adbc.Error
	if !errors.As(err, &ae) {
		t.Fatalf("got error %v (%T), want an adbc.Error with status %v", err, err, code)
	}
	if ae.Code != code {
		t.Fatalf("got status %v (%s), want %v", ae.Code, ae.Msg, code)
	}
	for _, p := range parts {
		if !strings.Contains(ae.Msg, p) {
			t.Fatalf("error %q does not mention %q", ae.Msg, p)
		}
	}
}

// rec is a test record of partition p with an explicit timestamp (ms).
func rec(topic string, p int32, ms int64, key, value []byte) *kgo.Record {
	return &kgo.Record{Topic: topic, Partition: p, Timestamp: time.UnixMilli(ms), Key: key, Value: value}
}

// tickSchema is the seed's tick record with a nullable note and a nested,
// nullable order record, for predicates on nested paths and nulls.
const tickSchema = `{"type":"record","name":"Tick","namespace":"test.kafarr","fields":[
 {"name":"inst","type":"string"},
 {"name":"px","type":"long"},
 {"name":"note","type":["null","string"],"default":null},
 {"name":"order","type":["null",{"type":"record","name":"Order","fields":[{"name":"id","type":"long"},{"name":"side","type":"string"}]}],"default":null}
]}`

// tick is the goavro native form of a tickSchema value. note "" and
// orderID < 0 stand for null.
func tick(inst string, px int64, note string, orderID int64) map[string]any {
	m := map[string]any{"inst": inst, "px": px, "note": nil, "order": nil}
	if note != "" {
		m["note"] = goavro.Union("string", note)
	}
	if orderID >= 0 {
		side := "buy"
		if orderID%2 == 1 {
			side = "sell"
		}
		m["order"] = goavro.Union("test.kafarr.Order", map[string]any{"id": orderID, "side": side})
	}
	return m
}

// baseMs is the timestamp of the first test record: 2024-01-01T00:00:00Z.
const baseMs = int64(1704067200000)

// tickTopic creates a topic of parts partitions, registers tickSchema under
// <topic>-value and produces perPart ticks to each partition: record i of
// partition p has inst "I<p>", px = 100*p + i, a note "n<i>" on even i,
// order id i on i%3 != 0, and timestamp baseMs + 1000*i + p.
func (e *env) tickTopic(parts int32, perPart int) (topic string, id int32) {
	e.t.Helper()
	topic = e.topic(parts, nil)
	id = e.register(topic+"-value", tickSchema)
	var recs []*kgo.Record
	for p := int32(0); p < parts; p++ {
		for i := 0; i < perPart; i++ {
			recs = append(recs, rec(topic, p, tickMs(p, i), nil, e.frame(tickSchema, id, tickNative(p, i))))
		}
	}
	e.produce(recs...)
	return topic, id
}

func tickMs(p int32, i int) int64 { return baseMs + 1000*int64(i) + int64(p) }

func tickNative(p int32, i int) map[string]any {
	note, order := "", int64(-1)
	if i%2 == 0 {
		note = fmt.Sprintf("n%d", i)
	}
	if i%3 != 0 {
		order = int64(i)
	}
	return tick(fmt.Sprintf("I%d", p), int64(100*int(p)+i), note, order)
}

// tickRow is what SELECT * returns for tick i of partition p under the
// default metadata columns.
func tickRow(p int32, i int) []any {
	var note, order any
	if i%2 == 0 {
		note = fmt.Sprintf("n%d", i)
	}
	if i%3 != 0 {
		side := "buy"
		if i%2 == 1 {
			side = "sell"
		}
		order = map[string]any{"id": int64(i), "side": side}
	}
	return []any{fmt.Sprintf("I%d", p), int64(100*int(p) + i), note, order, p, int64(i), tickMs(p, i)}
}

var tickCols = []string{"inst", "px", "note", "order", "_partition", "_offset", "_timestamp"}

func msTime(ms int64) time.Time { return time.UnixMilli(ms) }
