package jsonarrow

import (
	"encoding/json"

	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// encTickRows is the size of the encode benchmark's tick batch.
const encTickRows = 1 << 16

// encTickBatch builds n rows of the tick (tickSchema, the values of
// tickValues) as pandas would hand them over: every column nullable, none
// null.
func encTickBatch(mem memory.Allocator, n int) arrow.RecordBatch {
	b := array.NewRecordBuilder(mem, tickSchema)
	defer b.Release()
	for _, v := range tickValues(n) {
		b.Field(0).(*array.StringBuilder).Append(v.Inst)
		b.Field(1).(*array.Int64Builder).Append(v.T)
		b.Field(2).(*array.Int64Builder).Append(v.Dt)
		b.Field(3).(*array.Float64Builder).Append(v.Bid)
		b.Field(4).(*array.Float64Builder).Append(v.Ask)
	}
	return b.NewRecordBatch()
}

// BenchmarkJSONEncodeTick encodes the rows of a tick batch one by one into
// a reused buffer against the tick's JSON Schema, as the ingest path does;
// one op is one message.
func BenchmarkJSONEncodeTick(b *testing.B) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(b, 0)
	rec := encTickBatch(mem, encTickRows)
	defer rec.Release()
	target := mustSchema(b, `{"type":"object","properties":{"inst":{"type":"string"},"t":{"type":"integer"},
		"dt":{"type":"integer"},"bid":{"type":"number"},"ask":{"type":"number"}},"required":["inst","t","dt","bid","ask"]}`)
	enc, err := CompileEncoder(rec.Schema(), target, EncoderOptions{})
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
	for i := 0; i < b.N; i++ {
		if buf, err = enc.AppendRow(buf[:0], rec, i&(encTickRows-1)); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	reportPerMessage(b, processCPUTime()-cpu0)
}

// BenchmarkEncodingJSONMarshalTick is the yardstick: encoding/json
// marshalling the same ticks from a Go struct (a compile-time schema).
func BenchmarkEncodingJSONMarshalTick(b *testing.B) {
	ticks := tickValues(encTickRows)
	buf := make([]byte, 0, 256)
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := processCPUTime()
	for i := 0; i < b.N; i++ {
		out, err := json.Marshal(&ticks[i&(encTickRows-1)])
		if err != nil {
			b.Fatal(err)
		}
		buf = append(buf[:0], out...)
	}
	b.StopTimer()
	reportPerMessage(b, processCPUTime()-cpu0)
}
