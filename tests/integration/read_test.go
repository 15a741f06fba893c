package integration

// Read-path checks that need the real broker: memory while streaming a
// long topic, and partition descriptors read through a driver instance of
// their own, as another process would. The read path's case-by-case tests
// (statement/read_*_test.go) run on the real stack too.

import (
	"context"
	"fmt"
	"testing"

	"github.com/apache/arrow-adbc/go/adbc"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/linkedin/goavro/v2"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sr"

	"github.com/kafarr/kafarr/avroarrow"
	"github.com/kafarr/kafarr/driver"
	"github.com/kafarr/kafarr/internal/testenv"
)

// readTickAvro is the seed's tick record.
const readTickAvro = `{"type":"record","name":"Tick","namespace":"bench.kafarr","fields":[
 {"name":"inst","type":"string"},{"name":"t","type":"long"},{"name":"dt","type":"int"},
 {"name":"bid","type":"float"},{"name":"ask","type":"float"}]}`

// readProduceTicks registers readTickAvro under <topic>-value and produces
// n Confluent-framed ticks round-robin over the topic's partitions, tick i
// with t = i.
func readProduceTicks(tb testing.TB, ctx context.Context, brokers, registry, topic string, partitions int32, n int) {
	tb.Helper()
	rc, err := sr.NewClient(sr.URLs(registry))
	if err != nil {
		tb.Fatal(err)
	}
	ss, err := rc.CreateSchema(ctx, topic+"-value", sr.Schema{Schema: readTickAvro, Type: sr.TypeAvro})
	if err != nil {
		tb.Fatalf("registering the tick schema: %v", err)
	}
	codec, err := goavro.NewCodec(readTickAvro)
	if err != nil {
		tb.Fatal(err)
	}
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers), kgo.RecordPartitioner(kgo.ManualPartitioner()),
		kgo.ProducerBatchMaxBytes(1<<20), kgo.MaxBufferedRecords(100_000))
	if err != nil {
		tb.Fatal(err)
	}
	defer cl.Close()
	insts := []string{"GBPUSD", "EURUSD", "USDJPY", "AUDUSD", "EURGBP"}
	const chunk = 50_000
	for from := 0; from < n; from += chunk {
		recs := make([]*kgo.Record, 0, chunk)
		for i := from; i < min(from+chunk, n); i++ {
			v, err := codec.BinaryFromNative(avroarrow.AppendFrame(nil, int32(ss.ID)), map[string]any{
				"inst": insts[i%len(insts)], "t": int64(i), "dt": int32(i % 1000),
				"bid": float32(1.25) + float32(i%100)/10000, "ask": float32(1.2502) + float32(i%100)/10000,
			})
			if err != nil {
				tb.Fatal(err)
			}
			recs = append(recs, &kgo.Record{Topic: topic, Partition: int32(i) % partitions, Value: v})
		}
		if err := cl.ProduceSync(ctx, recs...).FirstErr(); err != nil {
			tb.Fatalf("producing ticks: %v", err)
		}
	}
}

// readOpen opens a connection through a driver instance of its own.
func readOpen(tb testing.TB, mem memory.Allocator, brokers, registry string, opts map[string]string) adbc.Connection {
	tb.Helper()
	testenv.CheckLeaks(tb)
	all := map[string]string{"uri": "kafka://" + brokers, "kafarr.schema_registry.url": registry}
	for k, v := range opts {
		all[k] = v
	}
	db, err := driver.NewDriver(mem).NewDatabase(all)
	if err != nil {
		tb.Fatal(err)
	}
	cn, err := db.Open(context.Background())
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		cn.Close()
		db.Close()
	})
	return cn
}

// TestReadStreamingMemoryRealStack streams 300,000 ticks in batches of
// 2,048 rows: every batch has exactly that many rows (the last excepted),
// every tick comes once, and the Arrow memory held at any time stays far
// below what the whole result would need.
func TestReadStreamingMemoryRealStack(t *testing.T) {
	brokers, registry := testenv.Brokers(t), testenv.Registry(t)
	ctx := testContext(t)
	topic := testenv.Topic(t)
	createTopic(t, ctx, newAdmin(t, brokers), topic, 1)
	const n = 300_000
	readProduceTicks(t, ctx, brokers, registry, topic, 1, n)

	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	cn := readOpen(t, mem, brokers, registry, map[string]string{"kafarr.read.batch_rows": "2048"})
	st, err := cn.NewStatement()
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.SetSqlQuery(fmt.Sprintf(`SELECT t, inst, _offset FROM "%s"`, topic)); err != nil {
		t.Fatal(err)
	}
	rdr, _, err := st.ExecuteQuery(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer rdr.Release()
	var rows, peak int64
	batches := 0
	for rdr.Next() {
		rec := rdr.RecordBatch()
		if rec.NumRows() != 2048 && rows+rec.NumRows() != n {
			t.Fatalf("batch %d has %d rows", batches, rec.NumRows())
		}
		ts, offs := rec.Column(0).(*array.Int64), rec.Column(2).(*array.Int64)
		for i := 0; i < int(rec.NumRows()); i++ {
			if ts.Value(i) != rows+int64(i) || offs.Value(i) != rows+int64(i) {
				t.Fatalf("row %d: t=%d offset=%d", rows+int64(i), ts.Value(i), offs.Value(i))
			}
		}
		rows += rec.NumRows()
		batches++
		peak = max(peak, int64(mem.CurrentAlloc()))
	}
	if err := rdr.Err(); err != nil {
		t.Fatal(err)
	}
	if rows != n {
		t.Fatalf("read %d rows, want %d", rows, n)
	}
	// One batch is about 2048 * (8 + 4 + 6 + 8) bytes plus validity; the
	// whole result ~8 MB. Allow a few batches in flight and pooled.
	if peak > 2<<20 {
		t.Fatalf("peak Arrow memory %d bytes while streaming: not bounded by the batch size", peak)
	}
	t.Logf("%d rows in %d batches, peak Arrow memory %d bytes", rows, batches, peak)
}

// TestReadPartitionsElsewhereRealStack reads ExecutePartitions descriptors
// through a second driver instance with a fresh registry cache, as a worker
// process would, and checks that their union is the whole read.
func TestReadPartitionsElsewhereRealStack(t *testing.T) {
	brokers, registry := testenv.Brokers(t), testenv.Registry(t)
	ctx := testContext(t)
	topic := testenv.Topic(t)
	createTopic(t, ctx, newAdmin(t, brokers), topic, 3)
	const n = 3000
	readProduceTicks(t, ctx, brokers, registry, topic, 3, n)

	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	planner := readOpen(t, mem, brokers, registry, nil)
	st, err := planner.NewStatement()
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.SetSqlQuery(fmt.Sprintf(`SELECT t, _partition FROM "%s" WHERE dt < 500`, topic)); err != nil {
		t.Fatal(err)
	}
	_, parts, _, err := st.ExecutePartitions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if parts.NumPartitions != 3 {
		t.Fatalf("%d descriptors, want 3", parts.NumPartitions)
	}
	seen := make([]int, n)
	for _, d := range parts.PartitionIDs {
		worker := readOpen(t, mem, brokers, registry, nil)
		rdr, err := worker.ReadPartition(ctx, d)
		if err != nil {
			t.Fatal(err)
		}
		for rdr.Next() {
			rec := rdr.RecordBatch()
			ts, ps := rec.Column(0).(*array.Int64), rec.Column(1).(*array.Int32)
			for i := 0; i < int(rec.NumRows()); i++ {
				tick := ts.Value(i)
				if tick%1000 >= 500 || int32(tick%3) != ps.Value(i) {
					t.Fatalf("tick %d from partition %d does not belong", tick, ps.Value(i))
				}
				seen[tick]++
			}
		}
		if err := rdr.Err(); err != nil {
			t.Fatal(err)
		}
		rdr.Release()
	}
	for i, c := range seen {
		if want := map[bool]int{true: 1, false: 0}[i%1000 < 500]; c != want {
			t.Fatalf("tick %d read %d times, want %d", i, c, want)
		}
	}
}
