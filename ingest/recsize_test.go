package ingest

import (
	"strconv"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kafarr/kafarr/avroarrow"
)

// TestSizerBounds: for columns of every kind the encoder takes, the
// sizer's bound of a value is at least its Avro encoding, the bound of a
// column's largest value at least each value's bound, and the total at
// least their sum; with a schema whose fields come from defaults and a
// large fixed too.
func TestSizerBounds(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	long := strings.Repeat("y", 3000)
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "i8", Type: arrow.PrimitiveTypes.Int8},
		{Name: "i64", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "f32", Type: arrow.PrimitiveTypes.Float32},
		{Name: "b", Type: arrow.FixedWidthTypes.Boolean},
		{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "ls", Type: arrow.BinaryTypes.LargeString},
		{Name: "sv", Type: arrow.BinaryTypes.StringView},
		{Name: "bin", Type: arrow.BinaryTypes.Binary},
		{Name: "fsb", Type: &arrow.FixedSizeBinaryType{ByteWidth: 16}},
		{Name: "dec", Type: &arrow.Decimal128Type{Precision: 38, Scale: 2}},
		{Name: "ts", Type: &arrow.TimestampType{Unit: arrow.Nanosecond}},
		{Name: "l", Type: arrow.ListOf(arrow.PrimitiveTypes.Int64), Nullable: true},
		{Name: "ll", Type: arrow.LargeListOf(arrow.BinaryTypes.String)},
		{Name: "fsl", Type: arrow.FixedSizeListOf(2, arrow.PrimitiveTypes.Float64)},
		{Name: "ls_st", Type: arrow.ListOf(arrow.StructOf(
			arrow.Field{Name: "a", Type: arrow.BinaryTypes.String},
			arrow.Field{Name: "n", Type: arrow.PrimitiveTypes.Int32}))},
		{Name: "m", Type: arrow.MapOf(arrow.BinaryTypes.String, arrow.BinaryTypes.Binary), Nullable: true},
		{Name: "d", Type: &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}},
	}, nil)
	rows := `[
		{"i8":-128,"i64":-9223372036854775808,"f32":1.5,"b":true,"s":"` + long + `","ls":"","sv":"a long string view value here","bin":"AAEC",
		 "fsb":"AAAAAAAAAAAAAAAAAAAAAA==","dec":"-123456789012345678901234567890123.45","ts":1700000000000000001,
		 "l":[1,-2,9223372036854775807],"ll":["x","` + long + `"],"fsl":[1.0,2.0],"ls_st":[{"a":"q","n":-1},{"a":"","n":2147483647}],
		 "m":[{"key":"k","value":"AQI="}],"d":"red"},
		{"i8":0,"i64":null,"f32":0,"b":false,"s":null,"ls":"z","sv":"s","bin":"","fsb":"AAAAAAAAAAAAAAAAAAAAAA==","dec":"0","ts":0,
		 "l":null,"ll":[],"fsl":[0.0,0.0],"ls_st":[],"m":null,"d":"` + long + `"}]`
	rec, _, err := array.RecordFromJSON(mem, schema, strings.NewReader(rows))
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Release()
	derived, err := avroarrow.DeriveSchema(schema, "R")
	if err != nil {
		t.Fatal(err)
	}
	// Fields the columns do not have, written from their defaults, and a
	// fixed of 500 bytes.
	withDefaults := strings.TrimSuffix(derived.String(), "]}") +
		`,{"name":"extra","type":"string","default":"` + strings.Repeat("d", 400) + `"},` +
		`{"name":"fx","type":{"type":"fixed","name":"F","size":500},"default":"` + strings.Repeat("\\u0000", 500) + `"},` +
		`{"name":"fl","type":"float","default":1}]}`
	for _, writerText := range []string{derived.String(), withDefaults} {
		writer, err := avroarrow.Parse(writerText)
		if err != nil {
			t.Fatalf("%v\n%s", err, writerText)
		}
		enc, err := avroarrow.CompileEncoder(schema, writer, avroarrow.EncoderOptions{})
		if err != nil {
			t.Fatal(err)
		}
		z := newSizer(writer)
		for i := 0; i < int(rec.NumRows()); i++ {
			row, err := enc.AppendRow(nil, rec, i)
			if err != nil {
				t.Fatal(err)
			}
			bound := z.recSlack
			for c, col := range rec.Columns() {
				e := z.elem(col, i)
				bound += e
				if l := z.largest(col, 0); l < e {
					t.Errorf("column %s: largest %d < value %d's bound %d", rec.ColumnName(c), l, i, e)
				}
				if l := z.largest(col, 1<<40); l < e {
					t.Errorf("column %s: cheap largest %d < value %d's bound %d", rec.ColumnName(c), l, i, e)
				}
			}
			if int64(len(row)) > bound {
				t.Errorf("row %d encodes to %d bytes, over its bound %d", i, len(row), bound)
			}
		}
		for c, col := range rec.Columns() {
			var sum int64
			for i := 0; i < col.Len(); i++ {
				sum += z.elem(col, i)
			}
			if tot := z.total(col); tot < sum {
				t.Errorf("column %s: total %d < the sum of its values' bounds %d", rec.ColumnName(c), tot, sum)
			}
		}
	}
}

// TestBatchSize: batchSize is the size of a record batch of one record
// as Kafka's protocol encodes it (kmsg's encoding, which the broker
// measures against max.message.bytes: batch length + 12).
func TestBatchSize(t *testing.T) {
	for _, rec := range []kgo.Record{
		{Value: []byte("v")},
		{Key: []byte{}, Value: make([]byte, 300)},
		{Key: []byte("key"), Value: make([]byte, 3<<20), Headers: []kgo.RecordHeader{{Key: "h", Value: []byte("x")}, {Key: "n"}}},
	} {
		kr := kmsg.Record{Key: rec.Key, Value: rec.Value}
		for _, h := range rec.Headers {
			kr.Headers = append(kr.Headers, kmsg.Header{Key: h.Key, Value: h.Value})
		}
		// The length counts what follows it: encode once to learn it.
		kr.Length = int32(len(kr.AppendTo(nil)) - 1)
		b := kmsg.RecordBatch{Magic: 2, NumRecords: 1, Records: kr.AppendTo(nil)}
		b.Length = int32(len(b.AppendTo(nil)) - 12)
		if got, want := batchSize(&rec), int64(len(b.AppendTo(nil))); got != want {
			t.Errorf("batchSize = %d, want %d (value of %d bytes)", got, want, len(rec.Value))
		}
	}
}

// BenchmarkCheckSizes measures the size check of a batch of ticks
// ({inst: string, t: long, dt: int, bid: float, ask: float}) under the
// default 1 MB limit: at 100,000 rows the column totals bound every row;
// at 1,000,000 the string column's 6 MB are over the limit and its
// longest value is found.
func BenchmarkCheckSizes(b *testing.B) {
	for _, n := range []int{100_000, 1_000_000} {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			schema := arrow.NewSchema([]arrow.Field{
				{Name: "inst", Type: arrow.BinaryTypes.String}, {Name: "t", Type: arrow.PrimitiveTypes.Int64},
				{Name: "dt", Type: arrow.PrimitiveTypes.Int32}, {Name: "bid", Type: arrow.PrimitiveTypes.Float32},
				{Name: "ask", Type: arrow.PrimitiveTypes.Float32},
			}, nil)
			bld := array.NewRecordBuilder(memory.DefaultAllocator, schema)
			defer bld.Release()
			for i := range n {
				bld.Field(0).(*array.StringBuilder).Append("EURUSD")
				bld.Field(1).(*array.Int64Builder).Append(int64(i))
				bld.Field(2).(*array.Int32Builder).Append(int32(i))
				bld.Field(3).(*array.Float32Builder).Append(1.5)
				bld.Field(4).(*array.Float32Builder).Append(1.6)
			}
			rec := bld.NewRecordBatch()
			defer rec.Release()
			writer, err := avroarrow.DeriveSchema(schema, "Tick")
			if err != nil {
				b.Fatal(err)
			}
			r := &ingestRun{limit: recordLimit{bytes: 1048587}, sizer: newSizer(writer), meta: metaPlan{key: -1, ts: -1, hdr: -1, part: -1}}
			b.ResetTimer()
			for range b.N {
				if err := r.checkSizes(rec, rec, batchMeta{}, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
