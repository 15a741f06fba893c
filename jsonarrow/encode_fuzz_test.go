package jsonarrow

import (
	"encoding/binary"
	"encoding/json"
	"math"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// fuzzEncSchema has columns whose values can fail to encode: strings of
// any bytes, floats of any bits, dates and timestamps of any count,
// decimals of any digits, plus nested lists, maps and structs.
var fuzzEncSchema = arrow.NewSchema([]arrow.Field{
	{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "f", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	{Name: "g", Type: arrow.PrimitiveTypes.Float32},
	{Name: "d", Type: arrow.FixedWidthTypes.Date32, Nullable: true},
	{Name: "ts", Type: arrow.FixedWidthTypes.Timestamp_s, Nullable: true},
	{Name: "dec", Type: &arrow.Decimal128Type{Precision: 38, Scale: 3}, Nullable: true},
	{Name: "l", Type: arrow.ListOf(arrow.BinaryTypes.String), Nullable: true},
	{Name: "m", Type: arrow.MapOf(arrow.BinaryTypes.String, arrow.PrimitiveTypes.Float64), Nullable: true},
	{Name: "st", Type: arrow.StructOf(arrow.Field{Name: "x", Type: arrow.PrimitiveTypes.Int64}), Nullable: true},
}, nil)

// fuzzRecord builds rows from data, eight bytes at a time per value.
func fuzzRecord(mem memory.Allocator, data []byte) arrow.RecordBatch {
	b := array.NewRecordBuilder(mem, fuzzEncSchema)
	defer b.Release()
	next := func() uint64 {
		var w [8]byte
		n := copy(w[:], data)
		data = data[n:]
		return binary.LittleEndian.Uint64(w[:])
	}
	str := func() string {
		n := int(next() % 12)
		n = min(n, len(data))
		s := string(data[:n])
		data = data[n:]
		return s
	}
	for len(data) > 0 {
		flags := next()
		null := func(k int) bool {
			if flags&(1<<k) != 0 && fuzzEncSchema.Field(k).Nullable {
				b.Field(k).AppendNull()
				return true
			}
			return false
		}
		if !null(0) {
			b.Field(0).(*array.StringBuilder).Append(str())
		}
		if !null(1) {
			b.Field(1).(*array.Float64Builder).Append(math.Float64frombits(next()))
		}
		b.Field(2).(*array.Float32Builder).Append(math.Float32frombits(uint32(next())))
		if !null(3) {
			b.Field(3).(*array.Date32Builder).Append(arrow.Date32(int32(next())))
		}
		if !null(4) {
			b.Field(4).(*array.TimestampBuilder).Append(arrow.Timestamp(int64(next()) >> (flags >> 20 % 64)))
		}
		if !null(5) {
			b.Field(5).(*array.Decimal128Builder).Append(decimal128.New(int64(next())>>(flags>>30%64), next()))
		}
		if !null(6) {
			lb := b.Field(6).(*array.ListBuilder)
			lb.Append(true)
			for k := flags >> 40 % 4; k > 0; k-- {
				lb.ValueBuilder().(*array.StringBuilder).Append(str())
			}
		}
		if !null(7) {
			mb := b.Field(7).(*array.MapBuilder)
			mb.Append(true)
			for k := flags >> 44 % 3; k > 0; k-- {
				mb.KeyBuilder().(*array.StringBuilder).Append(str())
				mb.ItemBuilder().(*array.Float64Builder).Append(math.Float64frombits(next()))
			}
		}
		if !null(8) {
			sb := b.Field(8).(*array.StructBuilder)
			sb.Append(true)
			sb.FieldBuilder(0).(*array.Int64Builder).Append(int64(next()))
		}
	}
	return b.NewRecordBatch()
}

// FuzzEncode encodes rows built from the input, as plain JSON and against
// the derived schema: it never panics, Check fails exactly when a row
// fails, and every message written is valid JSON.
func FuzzEncode(f *testing.F) {
	f.Add([]byte("\x00\x00\x00\x00\x00\x00\x00\x00hello\xffworld 12345678"))
	f.Add([]byte("\xff\xff\xff\xff\xff\xff\xff\xff\x00\x00\x00\x00\x00\x00\xf8\x7f"))
	f.Add([]byte("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\"\\\n"))
	doc, err := DeriveJSONSchema(fuzzEncSchema, "F")
	if err != nil {
		f.Fatal(err)
	}
	target := mustSchema(f, doc)
	f.Fuzz(func(t *testing.T, data []byte) {
		mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
		defer mem.AssertSize(t, 0)
		rec := fuzzRecord(mem, data)
		defer rec.Release()
		for _, tg := range []*arrow.Schema{nil, target} {
			enc, err := CompileEncoder(rec.Schema(), tg, EncoderOptions{})
			if err != nil {
				t.Fatal(err)
			}
			checkErr := enc.Check(rec)
			failed := false
			var buf []byte
			for row := 0; row < int(rec.NumRows()); row++ {
				out, err := enc.AppendRow(buf[:0], rec, row)
				if err != nil {
					failed = true
					continue
				}
				if !json.Valid(out) {
					t.Fatalf("row %d: invalid JSON %q", row, out)
				}
				buf = out
			}
			if failed != (checkErr != nil) {
				t.Fatalf("Check said %v, rows failed: %v", checkErr, failed)
			}
		}
	})
}
