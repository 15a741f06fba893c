package integration

// Ingest throughput through the driver against the real broker and
// registry (tests/stack): the "tick" workload of docs/benchmarks.md, 100,000 and
// 1,000,000 rows per ingest, appended to one single-partition topic.
//
//	tests/stack/stack.sh up && . .build/stack/env
//	go test -run '^$' -bench Ingest -benchtime 20x ./tests/integration/
//
// ms/100k is the figure of the ingest target in docs/benchmarks.md
// (<= 100 ms); rows/s is the same rate per second.

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/apache/arrow-adbc/go/adbc"
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/kafarr/kafarr/driver"
	"github.com/kafarr/kafarr/internal/testenv"
)

// ingTickSchema is the seed's record {inst: string, t: long, dt: int, bid:
// float, ask: float}.
var ingTickSchema = arrow.NewSchema([]arrow.Field{
	{Name: "inst", Type: arrow.BinaryTypes.String},
	{Name: "t", Type: arrow.PrimitiveTypes.Int64},
	{Name: "dt", Type: arrow.PrimitiveTypes.Int32},
	{Name: "bid", Type: arrow.PrimitiveTypes.Float32},
	{Name: "ask", Type: arrow.PrimitiveTypes.Float32},
}, nil)

// ingTickBatch builds n ticks over a few instruments.
func ingTickBatch(mem memory.Allocator, n int) arrow.RecordBatch {
	insts := []string{"GBPUSD", "EURUSD", "USDJPY", "AUDUSD", "EURGBP"}
	b := array.NewRecordBuilder(mem, ingTickSchema)
	defer b.Release()
	b.Reserve(n)
	inst := b.Field(0).(*array.StringBuilder)
	t := b.Field(1).(*array.Int64Builder)
	dt := b.Field(2).(*array.Int32Builder)
	bid := b.Field(3).(*array.Float32Builder)
	ask := b.Field(4).(*array.Float32Builder)
	for i := 0; i < n; i++ {
		inst.Append(insts[i%len(insts)])
		t.Append(1_700_000_000_000 + int64(i))
		dt.Append(int32(i % 1000))
		bid.Append(1.25 + float32(i%100)/10000)
		ask.Append(1.2502 + float32(i%100)/10000)
	}
	return b.NewRecordBatch()
}

func BenchmarkIngestTicks(b *testing.B) {
	for _, n := range []int{100_000, 1_000_000} {
		b.Run(fmt.Sprintf("rows=%d", n), func(b *testing.B) { benchIngest(b, n) })
	}
}

func benchIngest(b *testing.B, n int) {
	brokers, registry := testenv.Brokers(b), testenv.Registry(b)
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(b, 0)
	ctx := context.Background()
	db, err := driver.NewDriver(mem).NewDatabase(map[string]string{
		"uri": "kafka://" + brokers, "kafarr.schema_registry.url": registry,
	})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	cn, err := db.Open(ctx)
	if err != nil {
		b.Fatal(err)
	}
	defer cn.Close()
	topic := testenv.Topic(b)
	defer ingestDropTopic(b, cn, topic)

	rec := ingTickBatch(mem, n)
	defer rec.Release()
	ingest := func(mode string) {
		st, err := cn.NewStatement()
		if err != nil {
			b.Fatal(err)
		}
		defer st.Close()
		if err := st.SetOption(adbc.OptionKeyIngestTargetTable, topic); err != nil {
			b.Fatal(err)
		}
		if err := st.SetOption(adbc.OptionKeyIngestMode, mode); err != nil {
			b.Fatal(err)
		}
		if err := st.Bind(ctx, rec); err != nil {
			b.Fatal(err)
		}
		got, err := st.ExecuteUpdate(ctx)
		if err != nil {
			b.Fatal(err)
		}
		if got != int64(n) {
			b.Fatalf("ingest returned %d rows, want %d", got, n)
		}
	}
	// The first ingest creates the topic, registers the schema and
	// warms the producer: what every later ingest of a session reuses.
	ingest(adbc.OptionValueIngestModeCreate)
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		ingest(adbc.OptionValueIngestModeAppend)
	}
	elapsed := time.Since(start)
	b.StopTimer()
	rows := float64(n) * float64(b.N)
	b.ReportMetric(rows/elapsed.Seconds(), "rows/s")
	b.ReportMetric(float64(elapsed.Milliseconds())/rows*100_000, "ms/100k")
}

// ingestDropTopic deletes a topic through the driver's DROP TABLE.
func ingestDropTopic(tb testing.TB, cn adbc.Connection, topic string) {
	st, err := cn.NewStatement()
	if err != nil {
		tb.Error(err)
		return
	}
	defer st.Close()
	if err := st.SetOption("kafarr.allow_delete_topics", "true"); err != nil {
		tb.Error(err)
		return
	}
	if err := st.SetSqlQuery(fmt.Sprintf("DROP TABLE %q", topic)); err != nil {
		tb.Error(err)
		return
	}
	if _, err := st.ExecuteUpdate(context.Background()); err != nil {
		tb.Errorf("dropping %s: %v", topic, err)
	}
}
