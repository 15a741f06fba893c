package avroarrow

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/linkedin/goavro/v2"
)

// encTickRows is the size of the benchmark's tick batch.
const encTickRows = 100_000

var encTickInsts = []string{"CS.D.EURUSD.TODAY.IP", "CS.D.GBPUSD.TODAY.IP", "IX.D.FTSE.DAILY.IP", "CS.D.USDJPY.TODAY.IP"}

// encTickBatch builds n tick rows as pandas would hand them over: every
// column nullable, none null, in the writer's field order.
func encTickBatch(mem memory.Allocator, n int) arrow.RecordBatch {
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "inst", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "t", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "dt", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
		{Name: "bid", Type: arrow.PrimitiveTypes.Float32, Nullable: true},
		{Name: "ask", Type: arrow.PrimitiveTypes.Float32, Nullable: true},
	}, nil)
	b := array.NewRecordBuilder(mem, schema)
	defer b.Release()
	for i := 0; i < n; i++ {
		b.Field(0).(*array.StringBuilder).Append(encTickInsts[i%len(encTickInsts)])
		b.Field(1).(*array.Int64Builder).Append(1_700_000_000_000 + int64(i))
		b.Field(2).(*array.Int32Builder).Append(int32(i % 1000))
		b.Field(3).(*array.Float32Builder).Append(1.0850 + float32(i%100)/10000)
		b.Field(4).(*array.Float32Builder).Append(1.0852 + float32(i%100)/10000)
	}
	return b.NewRecordBatch()
}

// BenchmarkEncodeTick encodes the rows of a 100,000-row tick batch one by
// one into a reused buffer, as the ingest path does; one op is one message.
func BenchmarkEncodeTick(b *testing.B) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(b, 0)
	rec := encTickBatch(mem, encTickRows)
	defer rec.Release()
	enc, err := CompileEncoder(rec.Schema(), MustParse(tickSchema), EncoderOptions{})
	if err != nil {
		b.Fatal(err)
	}
	if err := enc.Check(rec); err != nil {
		b.Fatal(err)
	}
	buf := make([]byte, 0, 256)
	b.ReportAllocs()
	b.ResetTimer()
	row := 0
	for i := 0; i < b.N; i++ {
		if buf, err = enc.AppendRow(buf[:0], rec, row); err != nil {
			b.Fatal(err)
		}
		if row++; row == encTickRows {
			row = 0
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}

// BenchmarkCheckTick validates a whole 100,000-row tick batch per op, the
// work an ingest does before producing it.
func BenchmarkCheckTick(b *testing.B) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(b, 0)
	rec := encTickBatch(mem, encTickRows)
	defer rec.Release()
	enc, err := CompileEncoder(rec.Schema(), MustParse(tickSchema), EncoderOptions{})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := enc.Check(rec); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkGoavroEncodeTick is the reference: goavro encoding the same
// ticks from its native maps, built before the timer starts.
func BenchmarkGoavroEncodeTick(b *testing.B) {
	codec, err := goavro.NewCodec(tickSchema)
	if err != nil {
		b.Fatal(err)
	}
	natives := make([]map[string]any, encTickRows)
	for i := range natives {
		natives[i] = map[string]any{
			"inst": encTickInsts[i%len(encTickInsts)],
			"t":    1_700_000_000_000 + int64(i),
			"dt":   int32(i % 1000),
			"bid":  1.0850 + float32(i%100)/10000,
			"ask":  1.0852 + float32(i%100)/10000,
		}
	}
	buf := make([]byte, 0, 256)
	b.ReportAllocs()
	b.ResetTimer()
	row := 0
	for i := 0; i < b.N; i++ {
		if buf, err = codec.BinaryFromNative(buf[:0], natives[row]); err != nil {
			b.Fatal(err)
		}
		if row++; row == encTickRows {
			row = 0
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}
