package protoarrow

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// encTickRows is the size of the encode benchmarks' tick batch.
const encTickRows = 100_000

// encTickBatch builds n tick rows as pandas would hand them over (every
// column nullable, none null), with avroarrow's encode benchmark values.
func encTickBatch(mem memory.Allocator, n int) arrow.RecordBatch {
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "inst", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "t", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "dt", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
		{Name: "bid", Type: arrow.PrimitiveTypes.Float32, Nullable: true},
		{Name: "ask", Type: arrow.PrimitiveTypes.Float32, Nullable: true},
	}, nil)
	insts := []string{"CS.D.EURUSD.TODAY.IP", "CS.D.GBPUSD.TODAY.IP", "IX.D.FTSE.DAILY.IP", "CS.D.USDJPY.TODAY.IP"}
	b := array.NewRecordBuilder(mem, schema)
	defer b.Release()
	for i := 0; i < n; i++ {
		b.Field(0).(*array.StringBuilder).Append(insts[i%len(insts)])
		b.Field(1).(*array.Int64Builder).Append(1_700_000_000_000 + int64(i))
		b.Field(2).(*array.Int32Builder).Append(int32(i % 1000))
		b.Field(3).(*array.Float32Builder).Append(1.0850 + float32(i%100)/10000)
		b.Field(4).(*array.Float32Builder).Append(1.0852 + float32(i%100)/10000)
	}
	return b.NewRecordBatch()
}

// BenchmarkProtobufEncodeTick encodes the rows of a 100,000-row tick batch
// one by one into a reused buffer, as the ingest path does; one op is one
// message (payload only, no framing).
func BenchmarkProtobufEncodeTick(b *testing.B) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(b, 0)
	rec := encTickBatch(mem, encTickRows)
	defer rec.Release()
	enc, err := CompileEncoder(rec.Schema(), tickDescriptor(b), EncoderOptions{})
	if err != nil {
		b.Fatal(err)
	}
	if err := enc.Check(rec); err != nil {
		b.Fatal(err)
	}
	buf := make([]byte, 0, 256)
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := processCPUTime()
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
	reportPerMessage(b, processCPUTime()-cpu0)
}

// BenchmarkProtobufCheckTick validates a whole 100,000-row tick batch per
// op, the work an ingest does before producing it.
func BenchmarkProtobufCheckTick(b *testing.B) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(b, 0)
	rec := encTickBatch(mem, encTickRows)
	defer rec.Release()
	enc, err := CompileEncoder(rec.Schema(), tickDescriptor(b), EncoderOptions{})
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
	b.StopTimer()
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/encTickRows, "ns/msg")
}
