package ingest_test

// Shared fixtures of the ingest tests: each test runs on the in-process
// devstack (kfake + srfake) and, when tests/stack is up
// (KAFARR_TEST_BROKERS, KAFARR_TEST_REGISTRY), on the real broker and
// registry too. Reads go through the driver; checks of what was produced
// use a plain franz-go consumer.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-adbc/go/adbc"
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sr"

	"github.com/kafarr/kafarr/driver"
	"github.com/kafarr/kafarr/internal/devstack"
	"github.com/kafarr/kafarr/internal/testenv"
)

// ingestEnv is one stack with a driver connection on a checked allocator.
type ingestEnv struct {
	brokers  string
	registry string
	dev      *devstack.Stack // nil on the real stack
	mem      *memory.CheckedAllocator
	cn       adbc.Connection
	kcl      *kgo.Client
	adm      *kadm.Client // for changes; freshAdmin for questions
	reg      *sr.Client
}

// freshAdmin returns an admin client of its own: kgo answers kadm's
// metadata questions from a cache up to 5 s old, and topics come and go
// within a test.
func (e *ingestEnv) freshAdmin(t *testing.T) *kadm.Client {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(e.brokers))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	return kadm.NewClient(cl)
}

// ingStacks runs fn on the devstack and, when configured, the real stack.
func ingStacks(t *testing.T, fn func(t *testing.T, e *ingestEnv)) {
	t.Run("devstack", func(t *testing.T) {
		s := testenv.DevStack(t)
		fn(t, ingOpenEnv(t, s.Brokers(), s.RegistryURL(), s))
	})
	t.Run("real", func(t *testing.T) {
		brokers, registry := testenv.Brokers(t), testenv.Registry(t)
		fn(t, ingOpenEnv(t, brokers, registry, nil))
	})
}

// ingDevEnv runs fn on a devstack only (fault injection needs kfake).
func ingDevEnv(t *testing.T) *ingestEnv {
	s := testenv.DevStack(t)
	return ingOpenEnv(t, s.Brokers(), s.RegistryURL(), s)
}

func ingOpenEnv(t *testing.T, brokers, registry string, dev *devstack.Stack) *ingestEnv {
	t.Helper()
	e := &ingestEnv{brokers: brokers, registry: registry, dev: dev, mem: memory.NewCheckedAllocator(memory.NewGoAllocator())}
	// Checked with the goroutines once everything below is closed.
	testenv.CheckLeaks(t, e.mem)
	db, err := driver.NewDriver(e.mem).NewDatabase(map[string]string{
		"uri": "kafka://" + brokers, "kafarr.schema_registry.url": registry,
		"kafarr.read.timeout_ms": "20000",
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if e.cn, err = db.Open(ingCtx(t)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.cn.Close() })
	if e.kcl, err = kgo.NewClient(kgo.SeedBrokers(brokers)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.kcl.Close)
	e.adm = kadm.NewClient(e.kcl)
	if e.reg, err = sr.NewClient(sr.URLs(registry)); err != nil {
		t.Fatal(err)
	}
	return e
}

func ingCtx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	t.Cleanup(cancel)
	return c
}

// topic returns a fresh topic name, deleted at the end of the test.
func (e *ingestEnv) topic(t *testing.T) string {
	t.Helper()
	name := testenv.Topic(t)
	t.Cleanup(func() {
		c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_, _ = e.adm.DeleteTopic(c, name)
		for _, s := range []string{name + "-value", name + "-key"} {
			_, _ = e.reg.DeleteSubject(c, s, sr.SoftDelete)
			_, _ = e.reg.DeleteSubject(c, s, sr.HardDelete)
		}
	})
	return name
}

// register registers an Avro schema and returns its id.
func (e *ingestEnv) register(t *testing.T, subject, schema string) int {
	t.Helper()
	return e.registerType(t, subject, sr.TypeAvro, schema)
}

// registerType registers a schema of type typ and returns its id.
func (e *ingestEnv) registerType(t *testing.T, subject string, typ sr.SchemaType, schema string) int {
	t.Helper()
	ss, err := e.reg.CreateSchema(ingCtx(t), subject, sr.Schema{Schema: schema, Type: typ})
	if err != nil {
		t.Fatalf("registering under %s: %v", subject, err)
	}
	t.Cleanup(func() {
		c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_, _ = e.reg.DeleteSubject(c, subject, sr.SoftDelete)
		_, _ = e.reg.DeleteSubject(c, subject, sr.HardDelete)
	})
	return ss.ID
}

// createTopic creates a topic with n partitions through kadm.
func (e *ingestEnv) createTopic(t *testing.T, topic string, n int32) {
	t.Helper()
	resp, err := e.adm.CreateTopic(ingCtx(t), n, 1, nil, topic)
	if err == nil {
		err = resp.Err
	}
	if err != nil {
		t.Fatal(err)
	}
}

// ingest runs one ingest of rec into topic with the given options (mode:
// adbc.ingest.mode, default create_append).
func (e *ingestEnv) ingest(t *testing.T, topic string, rec arrow.RecordBatch, opts map[string]string) (int64, error) {
	t.Helper()
	st := e.stmt(t, topic, opts)
	defer st.Close()
	if err := st.Bind(ingCtx(t), rec); err != nil {
		t.Fatal(err)
	}
	return st.ExecuteUpdate(ingCtx(t))
}

// ingestStream is ingest with BindStream over several batches.
func (e *ingestEnv) ingestStream(t *testing.T, topic string, recs []arrow.RecordBatch, opts map[string]string) (int64, error) {
	t.Helper()
	st := e.stmt(t, topic, opts)
	defer st.Close()
	rdr, err := array.NewRecordReader(recs[0].Schema(), recs)
	if err != nil {
		t.Fatal(err)
	}
	defer rdr.Release()
	if err := st.BindStream(ingCtx(t), rdr); err != nil {
		t.Fatal(err)
	}
	return st.ExecuteUpdate(ingCtx(t))
}

func (e *ingestEnv) stmt(t *testing.T, topic string, opts map[string]string) adbc.Statement {
	t.Helper()
	st, err := e.cn.NewStatement()
	if err != nil {
		t.Fatal(err)
	}
	all := map[string]string{adbc.OptionKeyIngestTargetTable: topic, adbc.OptionKeyIngestMode: adbc.OptionValueIngestModeCreateAppend}
	for k, v := range opts {
		all[k] = v
	}
	for k, v := range all {
		if err := st.SetOption(k, v); err != nil {
			st.Close()
			t.Fatalf("SetOption(%s, %s): %v", k, v, err)
		}
	}
	return st
}

// mustIngest is ingest that must succeed with exactly want rows.
func (e *ingestEnv) mustIngest(t *testing.T, topic string, rec arrow.RecordBatch, opts map[string]string) {
	t.Helper()
	n, err := e.ingest(t, topic, rec, opts)
	if err != nil {
		t.Fatalf("ingest into %s: %v", topic, err)
	}
	if n != rec.NumRows() {
		t.Fatalf("ingest into %s returned %d rows, want %d", topic, n, rec.NumRows())
	}
}

// query runs sql through the driver and returns the result schema and its
// rows as JSON objects, one per row.
func (e *ingestEnv) query(t *testing.T, sql string, opts map[string]string) (*arrow.Schema, []string) {
	t.Helper()
	st, err := e.cn.NewStatement()
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for k, v := range opts {
		if err := st.SetOption(k, v); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.SetSqlQuery(sql); err != nil {
		t.Fatal(err)
	}
	rdr, _, err := st.ExecuteQuery(ingCtx(t))
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	defer rdr.Release()
	var rows []string
	for rdr.Next() {
		rows = append(rows, ingJSONRows(t, rdr.RecordBatch())...)
	}
	if err := rdr.Err(); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return rdr.Schema(), rows
}

// ingJSONRows renders a batch as one JSON object per row.
func ingJSONRows(t *testing.T, rec arrow.RecordBatch) []string {
	t.Helper()
	var buf bytes.Buffer
	if err := array.RecordToJSON(rec, &buf); err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
}

// ingEqualRows fails unless got and want hold the same rows in order.
func ingEqualRows(t *testing.T, got, want []string) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d rows, want %d\ngot:  %v\nwant: %v", len(got), len(want), got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("row %d:\ngot  %s\nwant %s", i, got[i], want[i])
		}
	}
}

// endOffsets returns each partition's end offset.
func (e *ingestEnv) endOffsets(t *testing.T, topic string) map[int32]int64 {
	t.Helper()
	ends, err := e.freshAdmin(t).ListEndOffsets(ingCtx(t), topic)
	if err != nil {
		t.Fatal(err)
	}
	out := map[int32]int64{}
	ends.Each(func(o kadm.ListedOffset) {
		if o.Err != nil {
			t.Fatalf("end offset of %s/%d: %v", topic, o.Partition, o.Err)
		}
		out[o.Partition] = o.Offset
	})
	return out
}

// totalEnd is the sum of a topic's end offsets.
func (e *ingestEnv) totalEnd(t *testing.T, topic string) int64 {
	var n int64
	for _, o := range e.endOffsets(t, topic) {
		n += o
	}
	return n
}

// topicExists reports whether the broker lists topic.
func (e *ingestEnv) topicExists(t *testing.T, topic string) bool {
	t.Helper()
	td, err := e.freshAdmin(t).ListTopics(ingCtx(t), topic)
	if err != nil {
		t.Fatal(err)
	}
	d, ok := td[topic]
	return ok && d.Err == nil
}

// consume reads every record of a non-transactional topic with a plain
// franz-go consumer, ordered by partition then offset.
func (e *ingestEnv) consume(t *testing.T, topic string) []*kgo.Record {
	t.Helper()
	ends := e.endOffsets(t, topic)
	parts := map[int32]kgo.Offset{}
	var total int64
	for p, end := range ends {
		parts[p] = kgo.NewOffset().AtStart()
		total += end
	}
	cl, err := kgo.NewClient(kgo.SeedBrokers(e.brokers), kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{topic: parts}))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	byPart := map[int32][]*kgo.Record{}
	c := ingCtx(t)
	for n := int64(0); n < total; {
		fs := cl.PollFetches(c)
		if c.Err() != nil {
			t.Fatalf("consumed %d of %d records of %s: %v", n, total, topic, c.Err())
		}
		fs.EachError(func(_ string, p int32, err error) { t.Fatalf("fetch %s/%d: %v", topic, p, err) })
		fs.EachRecord(func(r *kgo.Record) {
			byPart[r.Partition] = append(byPart[r.Partition], r)
			n++
		})
	}
	var out []*kgo.Record
	for p := int32(0); p < int32(len(ends)); p++ {
		out = append(out, byPart[p]...)
	}
	return out
}

// ingWantStatus fails unless err is an adbc.Error value with code and a
// message containing every part.
func ingWantStatus(t *testing.T, err error, code adbc.Status, parts ...string) {
	t.Helper()
	var ae adbc.Error
	if !errors.As(err, &ae) {
		t.Fatalf("got error %v (%T), want adbc.Error %s", err, err, code)
	}
	if ae.Code != code {
		t.Fatalf("got status %s, want %s: %s", ae.Code, code, ae.Msg)
	}
	for _, p := range parts {
		if !strings.Contains(ae.Msg, p) {
			t.Errorf("error %q does not mention %q", ae.Msg, p)
		}
	}
}

// ingFromJSON builds a batch of schema from JSON rows.
func ingFromJSON(t *testing.T, mem memory.Allocator, schema *arrow.Schema, rows string) arrow.RecordBatch {
	t.Helper()
	rec, _, err := array.RecordFromJSON(mem, schema, strings.NewReader(rows))
	if err != nil {
		t.Fatalf("building test batch: %v", err)
	}
	t.Cleanup(rec.Release)
	return rec
}

// ingSelect is "SELECT * FROM topic" with no metadata columns.
func ingSelect(topic string) string { return fmt.Sprintf("SELECT * FROM %q", topic) }

// ingNoMeta leaves metadata columns out of SELECT *.
var ingNoMeta = map[string]string{"kafarr.read.metadata_columns": "none"}
