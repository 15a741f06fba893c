package ingest

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// BenchmarkFillTicks encodes chunks of 8192 ticks into records (fill):
// the per-row encode path of an ingest, without a broker, as Avro,
// Protobuf, JSON Schema and plain JSON.
func BenchmarkFillTicks(b *testing.B) {
	for _, tt := range []struct {
		name string
		f    wireFormat
	}{{"avro", wireAvro}, {"protobuf", wireProtobuf}, {"json_schema", wireJSONSchema}, {"plain_json", wireJSON}} {
		b.Run(tt.name, func(b *testing.B) { benchFill(b, tt.f) })
	}
}

func benchFill(b *testing.B, f wireFormat) {
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "inst", Type: arrow.BinaryTypes.String}, {Name: "t", Type: arrow.PrimitiveTypes.Int64},
		{Name: "dt", Type: arrow.PrimitiveTypes.Int32}, {Name: "bid", Type: arrow.PrimitiveTypes.Float32},
		{Name: "ask", Type: arrow.PrimitiveTypes.Float32},
	}, nil)
	bld := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer bld.Release()
	const n = 8192
	for i := range n {
		bld.Field(0).(*array.StringBuilder).Append("EURUSD")
		bld.Field(1).(*array.Int64Builder).Append(1_700_000_000_000 + int64(i))
		bld.Field(2).(*array.Int32Builder).Append(int32(i % 1000))
		bld.Field(3).(*array.Float32Builder).Append(1.25)
		bld.Field(4).(*array.Float32Builder).Append(1.2502)
	}
	rec := bld.NewRecordBatch()
	defer rec.Release()
	r := &ingestRun{topic: "t", meta: metaPlan{key: -1, ts: -1, hdr: -1, part: -1}, in: schema}
	p, err := r.derivePlan(b.Context(), f, schema, schema, "Tick", "t-value", "the columns")
	if err != nil {
		b.Fatal(err)
	}
	r.val.encPlan = p
	r.val.id = 7
	r.val.frame()
	c := new(chunk)
	b.ResetTimer()
	for range b.N {
		if err := r.fill(c, rec, batchMeta{}, nil, 0, n); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n, "ns/row")
}
