package avroarrow

import (
	"bytes"
	"errors"
	"math"
	"math/big"
	"reflect"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/linkedin/goavro/v2"
)

// encOneField is the writer of most tests: a record with one field "v".
func encOneField(fieldType string) string {
	return `{"type":"record","name":"R","fields":[{"name":"v","type":` + fieldType + `}]}`
}

// encColumn builds a one-column batch, column "v", from Arrow JSON.
func encColumn(t testing.TB, mem memory.Allocator, dt arrow.DataType, data string) arrow.RecordBatch {
	t.Helper()
	arr, _, err := array.FromJSON(mem, dt, strings.NewReader(data))
	if err != nil {
		t.Fatalf("building %s from %s: %v", dt, data, err)
	}
	defer arr.Release()
	return encRecordOf(arr, "v")
}

// encRecordOf wraps arrays in a batch with the given column names.
func encRecordOf(arr arrow.Array, name string) arrow.RecordBatch {
	schema := arrow.NewSchema([]arrow.Field{{Name: name, Type: arr.DataType(), Nullable: true}}, nil)
	return array.NewRecordBatch(schema, []arrow.Array{arr}, int64(arr.Len()))
}

// encodeRows checks rec and encodes each of its rows.
func encodeRows(t *testing.T, enc *Encoder, rec arrow.RecordBatch) [][]byte {
	t.Helper()
	if err := enc.Check(rec); err != nil {
		t.Fatalf("Check: %v", err)
	}
	var out [][]byte
	var buf []byte
	for row := 0; row < int(rec.NumRows()); row++ {
		var err error
		if buf, err = enc.AppendRow(buf[:0], rec, row); err != nil {
			t.Fatalf("row %d: %v", row, err)
		}
		out = append(out, append([]byte(nil), buf...))
	}
	return out
}

// TestEncodeCoercions encodes one column per accepted (Arrow, Avro) pair
// and compares every row with goavro's encoding of the expected value.
func TestEncodeCoercions(t *testing.T) {
	rat := func(a, b int64) *big.Rat { return big.NewRat(a, b) }
	ts := func(unit arrow.TimeUnit, tz string) arrow.DataType {
		return &arrow.TimestampType{Unit: unit, TimeZone: tz}
	}
	branches := func(fields ...arrow.Field) []arrow.Field { return fields }
	str := arrow.BinaryTypes.String
	i64 := arrow.PrimitiveTypes.Int64
	tests := []struct {
		name string
		avro string // the field's type
		dt   arrow.DataType
		data string
		want []any // goavro natives of the field
	}{
		{"int8 int", `"int"`, arrow.PrimitiveTypes.Int8, `[-128, 0, 127]`, []any{int32(-128), int32(0), int32(127)}},
		{"int16 int", `"int"`, arrow.PrimitiveTypes.Int16, `[-32768, 32767]`, []any{int32(-32768), int32(32767)}},
		{"uint8 int", `"int"`, arrow.PrimitiveTypes.Uint8, `[0, 255]`, []any{int32(0), int32(255)}},
		{"uint16 int", `"int"`, arrow.PrimitiveTypes.Uint16, `[65535]`, []any{int32(65535)}},
		{"int64 int exact", `"int"`, i64, `[-2147483648, 2147483647, 0]`, []any{int32(math.MinInt32), int32(math.MaxInt32), int32(0)}},
		{"uint32 int exact", `"int"`, arrow.PrimitiveTypes.Uint32, `[2147483647]`, []any{int32(math.MaxInt32)}},
		{"uint32 long", `"long"`, arrow.PrimitiveTypes.Uint32, `[4294967295]`, []any{int64(math.MaxUint32)}},
		{"uint64 long exact", `"long"`, arrow.PrimitiveTypes.Uint64, `[9223372036854775807, 0]`, []any{int64(math.MaxInt64), int64(0)}},
		{"int32 long", `"long"`, arrow.PrimitiveTypes.Int32, `[-1, 64]`, []any{int64(-1), int64(64)}},
		{"int64 long", `"long"`, i64, `[-9223372036854775808, 9223372036854775807]`, []any{int64(math.MinInt64), int64(math.MaxInt64)}},
		{"int32 float exact", `"float"`, arrow.PrimitiveTypes.Int32, `[16777216, -3]`, []any{float32(16777216), float32(-3)}},
		{"int64 double exact", `"double"`, i64, `[9007199254740992, -9223372036854775808]`, []any{float64(1 << 53), float64(math.MinInt64)}},
		{"uint64 double exact", `"double"`, arrow.PrimitiveTypes.Uint64, `[9007199254740992, 18446744073709549568]`, []any{float64(1 << 53), float64(18446744073709549568)}},
		{"uint64 float exact", `"float"`, arrow.PrimitiveTypes.Uint64, `[4294967296]`, []any{float32(4294967296)}},
		{"uint8 double", `"double"`, arrow.PrimitiveTypes.Uint8, `[255]`, []any{float64(255)}},
		{"float16 float", `"float"`, arrow.FixedWidthTypes.Float16, `[1.5, -0.25]`, []any{float32(1.5), float32(-0.25)}},
		{"float16 double", `"double"`, arrow.FixedWidthTypes.Float16, `[1.5]`, []any{float64(1.5)}},
		{"float32 float", `"float"`, arrow.PrimitiveTypes.Float32, `[0.1]`, []any{float32(0.1)}},
		{"float32 double", `"double"`, arrow.PrimitiveTypes.Float32, `[0.1]`, []any{float64(float32(0.1))}},
		{"float64 float exact", `"float"`, arrow.PrimitiveTypes.Float64, `[0.5, -3.4028234663852886e+38]`, []any{float32(0.5), float32(-math.MaxFloat32)}},
		{"bool", `"boolean"`, arrow.FixedWidthTypes.Boolean, `[true, false]`, []any{true, false}},
		{"utf8 string", `"string"`, str, `["a", "é€😀", ""]`, []any{"a", "é€😀", ""}},
		{"large_utf8 string", `"string"`, arrow.BinaryTypes.LargeString, `["abc"]`, []any{"abc"}},
		{"string_view string", `"string"`, arrow.BinaryTypes.StringView, `["a longer string than twelve bytes", "short"]`, []any{"a longer string than twelve bytes", "short"}},
		{"binary string", `"string"`, arrow.BinaryTypes.Binary, `["aGVsbG8="]`, []any{"hello"}},
		{"binary bytes", `"bytes"`, arrow.BinaryTypes.Binary, `["AAH/", ""]`, []any{[]byte{0, 1, 255}, []byte{}}},
		{"large_binary bytes", `"bytes"`, arrow.BinaryTypes.LargeBinary, `["AAH/"]`, []any{[]byte{0, 1, 255}}},
		{"binary_view bytes", `"bytes"`, arrow.BinaryTypes.BinaryView, `["AAH/"]`, []any{[]byte{0, 1, 255}}},
		{"fixed_size_binary bytes", `"bytes"`, &arrow.FixedSizeBinaryType{ByteWidth: 2}, `["AAE="]`, []any{[]byte{0, 1}}},
		{"utf8 bytes", `"bytes"`, str, `["hi"]`, []any{[]byte("hi")}},
		{"fixed_size_binary fixed", `{"type":"fixed","name":"F","size":2}`, &arrow.FixedSizeBinaryType{ByteWidth: 2}, `["AAE="]`, []any{[]byte{0, 1}}},
		{"binary fixed", `{"type":"fixed","name":"F","size":2}`, arrow.BinaryTypes.Binary, `["AAE="]`, []any{[]byte{0, 1}}},
		{"utf8 enum", `{"type":"enum","name":"E","symbols":["A","B"]}`, str, `["B", "A"]`, []any{"B", "A"}},
		{"large_utf8 enum", `{"type":"enum","name":"E","symbols":["A","B"]}`, arrow.BinaryTypes.LargeString, `["B"]`, []any{"B"}},
		{"dictionary enum", `{"type":"enum","name":"E","symbols":["A","B","C"]}`, &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int8, ValueType: str}, `["C", "A", "C"]`, []any{"C", "A", "C"}},
		{"dictionary string", `"string"`, &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: str}, `["x", "y", "x"]`, []any{"x", "y", "x"}},
		{"dictionary uint16 string", `"string"`, &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Uint16, ValueType: arrow.BinaryTypes.String}, `["x"]`, []any{"x"}},
		{"dictionary int64 long", `"long"`, &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int8, ValueType: i64}, `[7, 7, 8]`, []any{int64(7), int64(7), int64(8)}},
		{"utf8 uuid string", `{"type":"string","logicalType":"uuid"}`, str, `["123e4567-e89b-12d3-a456-426614174000", "123E4567-E89B-12D3-A456-426614174000"]`, []any{"123e4567-e89b-12d3-a456-426614174000", "123E4567-E89B-12D3-A456-426614174000"}},
		{"fixed16 uuid string", `{"type":"string","logicalType":"uuid"}`, &arrow.FixedSizeBinaryType{ByteWidth: 16}, `["Ej5FZ+ibEtOkVkJmFBdAAA=="]`, []any{"123e4567-e89b-12d3-a456-426614174000"}},
		{"utf8 uuid fixed", `{"type":"fixed","name":"U","size":16,"logicalType":"uuid"}`, str, `["123e4567-e89b-12d3-a456-426614174000"]`, []any{[]byte{0x12, 0x3e, 0x45, 0x67, 0xe8, 0x9b, 0x12, 0xd3, 0xa4, 0x56, 0x42, 0x66, 0x14, 0x17, 0x40, 0x00}}},
		{"fixed16 uuid fixed", `{"type":"fixed","name":"U","size":16,"logicalType":"uuid"}`, &arrow.FixedSizeBinaryType{ByteWidth: 16}, `["Ej5FZ+ibEtOkVkJmFBdAAA=="]`, []any{[]byte{0x12, 0x3e, 0x45, 0x67, 0xe8, 0x9b, 0x12, 0xd3, 0xa4, 0x56, 0x42, 0x66, 0x14, 0x17, 0x40, 0x00}}},
		{"decimal128 bytes", `{"type":"bytes","logicalType":"decimal","precision":9,"scale":2}`, &arrow.Decimal128Type{Precision: 9, Scale: 2}, `["1.23", "-4.50", "0", "9999999.99"]`, []any{rat(123, 100), rat(-45, 10), rat(0, 1), rat(999999999, 100)}},
		{"decimal128 sign boundaries", `{"type":"bytes","logicalType":"decimal","precision":10,"scale":0}`, &arrow.Decimal128Type{Precision: 10, Scale: 0}, `["127", "128", "-128", "-129", "-1", "255", "-256", "32768"]`, []any{rat(127, 1), rat(128, 1), rat(-128, 1), rat(-129, 1), rat(-1, 1), rat(255, 1), rat(-256, 1), rat(32768, 1)}},
		{"decimal128 scale up", `{"type":"bytes","logicalType":"decimal","precision":9,"scale":4}`, &arrow.Decimal128Type{Precision: 5, Scale: 2}, `["123.45", "-0.01"]`, []any{rat(12345, 100), rat(-1, 100)}},
		{"decimal128 scale down exact", `{"type":"bytes","logicalType":"decimal","precision":9,"scale":2}`, &arrow.Decimal128Type{Precision: 10, Scale: 4}, `["1.2300", "-5.0000"]`, []any{rat(123, 100), rat(-5, 1)}},
		{"decimal256 bytes", `{"type":"bytes","logicalType":"decimal","precision":50,"scale":2}`, &arrow.Decimal256Type{Precision: 50, Scale: 2}, `["123456789012345678901234567890.12", "-1.00"]`, []any{new(big.Rat).SetFrac(encBig("12345678901234567890123456789012"), big.NewInt(100)), rat(-1, 1)}},
		{"decimal32 fixed", `{"type":"fixed","name":"D","size":4,"logicalType":"decimal","precision":9,"scale":2}`, &arrow.Decimal32Type{Precision: 5, Scale: 2}, `["1.23", "-1.23"]`, []any{rat(123, 100), rat(-123, 100)}},
		{"decimal64 bytes", `{"type":"bytes","logicalType":"decimal","precision":18,"scale":3}`, &arrow.Decimal64Type{Precision: 18, Scale: 3}, `["-123456789012345.678"]`, []any{new(big.Rat).SetFrac(encBig("-123456789012345678"), big.NewInt(1000))}},
		{"decimal128 fixed 16", `{"type":"fixed","name":"D","size":16,"logicalType":"decimal","precision":38,"scale":0}`, &arrow.Decimal128Type{Precision: 38, Scale: 0}, `["-1", "99999999999999999999999999999999999999"]`, []any{rat(-1, 1), new(big.Rat).SetInt(encBig("99999999999999999999999999999999999999"))}},
		{"date32 date", `{"type":"int","logicalType":"date"}`, arrow.FixedWidthTypes.Date32, `[19000, -1]`, []any{int32(19000), int32(-1)}},
		{"date64 date exact", `{"type":"int","logicalType":"date"}`, arrow.FixedWidthTypes.Date64, `[86400000, -172800000]`, []any{int32(1), int32(-2)}},
		{"time32s time-millis", `{"type":"int","logicalType":"time-millis"}`, arrow.FixedWidthTypes.Time32s, `[5]`, []any{int32(5000)}},
		{"time32ms time-millis", `{"type":"int","logicalType":"time-millis"}`, arrow.FixedWidthTypes.Time32ms, `[5]`, []any{int32(5)}},
		{"time64us time-millis exact", `{"type":"int","logicalType":"time-millis"}`, arrow.FixedWidthTypes.Time64us, `[5000]`, []any{int32(5)}},
		{"time64us time-micros", `{"type":"long","logicalType":"time-micros"}`, arrow.FixedWidthTypes.Time64us, `[5]`, []any{int64(5)}},
		{"time64ns time-micros exact", `{"type":"long","logicalType":"time-micros"}`, arrow.FixedWidthTypes.Time64ns, `[5000]`, []any{int64(5)}},
		{"time32ms time-micros", `{"type":"long","logicalType":"time-micros"}`, arrow.FixedWidthTypes.Time32ms, `[5]`, []any{int64(5000)}},
		{"timestamp s UTC millis", `{"type":"long","logicalType":"timestamp-millis"}`, ts(arrow.Second, "UTC"), `[1700000000, -1]`, []any{int64(1700000000000), int64(-1000)}},
		{"timestamp ns UTC millis exact", `{"type":"long","logicalType":"timestamp-millis"}`, ts(arrow.Nanosecond, "UTC"), `[1700000000123000000, -1000000]`, []any{int64(1700000000123), int64(-1)}},
		{"timestamp us naive micros", `{"type":"long","logicalType":"timestamp-micros"}`, ts(arrow.Microsecond, ""), `[1700000000123456]`, []any{int64(1700000000123456)}},
		{"timestamp ms tz nanos", `{"type":"long","logicalType":"timestamp-nanos"}`, ts(arrow.Millisecond, "America/New_York"), `[5]`, []any{int64(5000000)}},
		{"timestamp ms naive local millis", `{"type":"long","logicalType":"local-timestamp-millis"}`, ts(arrow.Millisecond, ""), `[1700000000123]`, []any{int64(1700000000123)}},
		{"timestamp us UTC local micros", `{"type":"long","logicalType":"local-timestamp-micros"}`, ts(arrow.Microsecond, "UTC"), `[7]`, []any{int64(7)}},
		{"timestamp ns naive local nanos", `{"type":"long","logicalType":"local-timestamp-nanos"}`, ts(arrow.Nanosecond, ""), `[1700000000123456789]`, []any{int64(1700000000123456789)}},
		{"duration long", `"long"`, arrow.FixedWidthTypes.Duration_ns, `[-5, 7]`, []any{int64(-5), int64(7)}},
		{"duration with unit", `{"type":"long","kafarr.duration_unit":"ms"}`, arrow.FixedWidthTypes.Duration_s, `[3]`, []any{int64(3000)}},
		{"month_day_nano duration", `{"type":"fixed","name":"Dur","size":12,"logicalType":"duration"}`, arrow.FixedWidthTypes.MonthDayNanoInterval, `[{"months":1,"days":2,"nanoseconds":3000000}]`, []any{[]byte{1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0}}},
		{"day_time duration", `{"type":"fixed","name":"Dur","size":12,"logicalType":"duration"}`, arrow.FixedWidthTypes.DayTimeInterval, `[{"days":1,"milliseconds":258}]`, []any{[]byte{0, 0, 0, 0, 1, 0, 0, 0, 2, 1, 0, 0}}},
		{"list array", `{"type":"array","items":"int"}`, arrow.ListOf(arrow.PrimitiveTypes.Int32), `[[1, 2], []]`, []any{[]any{int32(1), int32(2)}, []any{}}},
		{"list int64 into array int", `{"type":"array","items":"int"}`, arrow.ListOf(i64), `[[1], [2, 3]]`, []any{[]any{int32(1)}, []any{int32(2), int32(3)}}},
		{"large_list array", `{"type":"array","items":"string"}`, arrow.LargeListOf(str), `[["a", "b"]]`, []any{[]any{"a", "b"}}},
		{"fixed_size_list array", `{"type":"array","items":"double"}`, arrow.FixedSizeListOf(2, arrow.PrimitiveTypes.Float64), `[[1.5, 2.5]]`, []any{[]any{1.5, 2.5}}},
		{"list_view array", `{"type":"array","items":"int"}`, arrow.ListViewOf(arrow.PrimitiveTypes.Int32), `[[1, 2], [3]]`, []any{[]any{int32(1), int32(2)}, []any{int32(3)}}},
		{"list nullable items", `{"type":"array","items":["null","long"]}`, arrow.ListOf(i64), `[[1, null]]`, []any{[]any{map[string]any{"long": int64(1)}, nil}}},
		{"map", `{"type":"map","values":"long"}`, arrow.MapOf(str, i64), `[[{"key":"a","value":1}], []]`, []any{map[string]any{"a": int64(1)}, map[string]any{}}},
		{"map large_utf8 keys", `{"type":"map","values":"string"}`, arrow.MapOf(arrow.BinaryTypes.LargeString, str), `[[{"key":"k","value":"v"}]]`, []any{map[string]any{"k": "v"}}},
		{"struct record", `{"type":"record","name":"Q","fields":[{"name":"b","type":"float"},{"name":"a","type":"long"},{"name":"c","type":"string","default":"x"}]}`,
			arrow.StructOf(arrow.Field{Name: "a", Type: i64}, arrow.Field{Name: "b", Type: arrow.PrimitiveTypes.Float32}, arrow.Field{Name: "extra", Type: str}),
			`[{"a": 1, "b": 1.5, "extra": "zz"}]`, []any{map[string]any{"a": int64(1), "b": float32(1.5), "c": "x"}}},
		{"nullable long", `["null","long"]`, i64, `[1, null]`, []any{map[string]any{"long": int64(1)}, nil}},
		{"nullable long null last", `["long","null"]`, i64, `[1, null]`, []any{map[string]any{"long": int64(1)}, nil}},
		{"nullable record", `["null",{"type":"record","name":"P","fields":[{"name":"x","type":"int"}]}]`,
			arrow.StructOf(arrow.Field{Name: "x", Type: arrow.PrimitiveTypes.Int32, Nullable: true}), `[{"x": 1}, null]`, []any{map[string]any{"P": map[string]any{"x": int32(1)}}, nil}},
		{"null column nullable", `["null","string"]`, arrow.Null, `[null, null]`, []any{nil, nil}},
		{"null column null", `"null"`, arrow.Null, `[null]`, []any{nil}},
		{"utf8 into wide union", `["null","string","long"]`, str, `["x", null]`, []any{map[string]any{"string": "x"}, nil}},
		{"int64 picks long", `["string","long"]`, i64, `[5]`, []any{map[string]any{"long": int64(5)}}},
		{"int32 picks int over long", `["string","long","int"]`, arrow.PrimitiveTypes.Int32, `[5]`, []any{map[string]any{"int": int32(5)}}},
		{"int32 promotes to long", `["string","long"]`, arrow.PrimitiveTypes.Int32, `[5]`, []any{map[string]any{"long": int64(5)}}},
		{"float64 narrows to float", `["string","float"]`, arrow.PrimitiveTypes.Float64, `[0.5]`, []any{map[string]any{"float": float32(0.5)}}},
		{"struct of branches", `["null","string","long"]`,
			arrow.StructOf(arrow.Field{Name: "string", Type: str, Nullable: true}, arrow.Field{Name: "long", Type: i64, Nullable: true}),
			`[{"string": "x", "long": null}, {"string": null, "long": 5}, null, {"string": null, "long": null}]`,
			[]any{map[string]any{"string": "x"}, map[string]any{"long": int64(5)}, nil, nil}},
		{"struct of branches with record", `["string",{"type":"record","name":"P","namespace":"n","fields":[{"name":"x","type":"int"}]}]`,
			arrow.StructOf(arrow.Field{Name: "string", Type: str, Nullable: true}, arrow.Field{Name: "n.P", Type: arrow.StructOf(arrow.Field{Name: "x", Type: arrow.PrimitiveTypes.Int32}), Nullable: true}),
			`[{"string": null, "n.P": {"x": 3}}, {"string": "s", "n.P": null}]`,
			[]any{map[string]any{"n.P": map[string]any{"x": int32(3)}}, map[string]any{"string": "s"}}},
		{"dense union", `["null","string","long"]`,
			arrow.DenseUnionOf(branches(arrow.Field{Name: "null", Type: arrow.Null, Nullable: true}, arrow.Field{Name: "string", Type: str, Nullable: true}, arrow.Field{Name: "long", Type: i64, Nullable: true}), []arrow.UnionTypeCode{0, 1, 2}),
			`[[1, "x"], [2, 5], [0, null], [2, null]]`,
			[]any{map[string]any{"string": "x"}, map[string]any{"long": int64(5)}, nil, nil}},
		{"sparse union", `["long","string"]`,
			arrow.SparseUnionOf(branches(arrow.Field{Name: "string", Type: str, Nullable: true}, arrow.Field{Name: "long", Type: i64, Nullable: true}), []arrow.UnionTypeCode{3, 7}),
			`[[3, "x"], [7, 5]]`,
			[]any{map[string]any{"string": "x"}, map[string]any{"long": int64(5)}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			writerJSON := encOneField(tt.avro)
			codec, err := goavro.NewCodec(writerJSON)
			if err != nil {
				t.Fatalf("goavro: %v", err)
			}
			rec := encColumn(t, mem, tt.dt, tt.data)
			defer rec.Release()
			if int(rec.NumRows()) != len(tt.want) {
				t.Fatalf("test has %d rows and %d wanted values", rec.NumRows(), len(tt.want))
			}
			enc, err := CompileEncoder(rec.Schema(), MustParse(writerJSON), EncoderOptions{})
			if err != nil {
				t.Fatal(err)
			}
			got := encodeRows(t, enc, rec)
			for row, want := range tt.want {
				wantBytes, err := codec.BinaryFromNative(nil, map[string]any{"v": want})
				if err != nil {
					t.Fatalf("goavro cannot encode the expected %#v: %v", want, err)
				}
				if !bytes.Equal(got[row], wantBytes) {
					t.Errorf("row %d: got % x, want % x (%v)", row, got[row], wantBytes, want)
				}
			}
		})
	}
}

func encBig(s string) *big.Int {
	n, ok := new(big.Int).SetString(s, 10)
	if !ok {
		panic(s)
	}
	return n
}

// TestEncodeFloatSpecials covers what Arrow JSON cannot spell: NaN and the
// infinities go into float from double, and negative zero keeps its sign.
func TestEncodeFloatSpecials(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	b := array.NewFloat64Builder(mem)
	defer b.Release()
	vals := []float64{math.NaN(), math.Inf(1), math.Inf(-1), math.Copysign(0, -1), math.MaxFloat32}
	b.AppendValues(vals, nil)
	arr := b.NewArray()
	defer arr.Release()
	rec := encRecordOf(arr, "v")
	defer rec.Release()
	enc, err := CompileEncoder(rec.Schema(), MustParse(encOneField(`"float"`)), EncoderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for row, got := range encodeRows(t, enc, rec) {
		want := math.Float32bits(float32(vals[row]))
		if len(got) != 4 || math.Float32bits(math.Float32frombits(uint32(got[0])|uint32(got[1])<<8|uint32(got[2])<<16|uint32(got[3])<<24)) != want {
			t.Errorf("row %d: got % x, want bits %08x", row, got, want)
		}
	}
}

// TestEncodeErrors checks the message of every kind of failure. Value
// errors must come out the same from Check and from AppendRow, with the
// row of the offending value.
func TestEncodeErrors(t *testing.T) {
	str := arrow.BinaryTypes.String
	i64 := arrow.PrimitiveTypes.Int64
	f64 := arrow.PrimitiveTypes.Float64
	ts := func(unit arrow.TimeUnit, tz string) arrow.DataType {
		return &arrow.TimestampType{Unit: unit, TimeZone: tz}
	}
	strict := EncoderOptions{Coerce: CoerceStrict}
	tests := []struct {
		name   string
		writer string // the type of field "v", or "schema:" and a whole schema
		dt     arrow.DataType
		data   string
		opts   EncoderOptions
		want   string
	}{
		// Compile-time errors.
		{"type mismatch", `"int"`, str, `["x"]`, EncoderOptions{}, `column "v": utf8 cannot be encoded as Avro int (field "v")`},
		{"strict int64 int", `"int"`, i64, `[1]`, strict, `column "v": int64 into Avro int is a narrowing conversion, which coerce=strict refuses (field "v")`},
		{"strict double float", `"float"`, f64, `[1]`, strict, `column "v": float64 into Avro float is a narrowing conversion, which coerce=strict refuses (field "v")`},
		{"strict int64 double", `"double"`, i64, `[1]`, strict, `column "v": int64 into Avro double is a narrowing conversion, which coerce=strict refuses (field "v")`},
		{"strict ns millis", `{"type":"long","logicalType":"timestamp-millis"}`, ts(arrow.Nanosecond, "UTC"), `[1]`, strict, `column "v": timestamp[ns, tz=UTC] into Avro timestamp-millis is a narrowing conversion, which coerce=strict refuses (field "v")`},
		{"strict decimal scale", `{"type":"bytes","logicalType":"decimal","precision":9,"scale":2}`, &arrow.Decimal128Type{Precision: 9, Scale: 4}, `["1"]`, strict, `column "v": decimal(9, 4) into Avro decimal(9,2) is a narrowing conversion, which coerce=strict refuses (field "v")`},
		{"strict union has no exact branch", `["string","int"]`, i64, `[1]`, strict, `column "v": int64 cannot be encoded as any branch of Avro union [string, int] (field "v")`},
		{"int64 into timestamp", `{"type":"long","logicalType":"timestamp-millis"}`, i64, `[1]`, EncoderOptions{}, `column "v": int64 cannot be encoded as Avro timestamp-millis (field "v")`},
		{"date32 into int", `"int"`, arrow.FixedWidthTypes.Date32, `[1]`, EncoderOptions{}, `column "v": date32 cannot be encoded as Avro int (field "v")`},
		{"zoned into local", `{"type":"long","logicalType":"local-timestamp-millis"}`, ts(arrow.Millisecond, "Europe/Paris"), `[1]`, EncoderOptions{}, `column "v": timestamp[ms, tz=Europe/Paris] into Avro local-timestamp-millis would need a time zone conversion; convert the column to naive local time first (field "v")`},
		{"null type into long", `"long"`, arrow.Null, `[null]`, EncoderOptions{}, `column "v": a column of nulls (Arrow null type) cannot be encoded as non-nullable Avro long (field "v")`},
		{"null type into union without null", `["string","long"]`, arrow.Null, `[null]`, EncoderOptions{}, `column "v": a column of nulls (Arrow null type) cannot be encoded as Avro union [string, long], which has no null branch (field "v")`},
		{"no branch fits", `["long","boolean"]`, str, `["x"]`, EncoderOptions{}, `column "v": utf8 cannot be encoded as any branch of Avro union [long, boolean] (field "v")`},
		{"map with int keys", `{"type":"map","values":"string"}`, arrow.MapOf(arrow.PrimitiveTypes.Int32, str), `[]`, EncoderOptions{}, `column "v": map<int32, utf8, items_nullable> cannot be encoded as Avro map (field "v")`},
		{"branch child unknown", `["null","string","long"]`, arrow.StructOf(arrow.Field{Name: "string", Type: str, Nullable: true}, arrow.Field{Name: "double", Type: f64, Nullable: true}), `[]`, EncoderOptions{}, `column "v": struct<string: utf8 nullable, double: float64 nullable> cannot be encoded as any branch of Avro union [null, string, long] (field "v")`},
		{"union child unknown", `["null","string","long"]`, arrow.DenseUnionOf([]arrow.Field{{Name: "string", Type: str, Nullable: true}, {Name: "double", Type: f64, Nullable: true}}, []arrow.UnionTypeCode{0, 1}), `[]`, EncoderOptions{}, `column "v": child "double" of float64 names no branch of Avro union [null, string, long] (field "v")`},
		{"missing field", `schema:{"type":"record","name":"R","fields":[{"name":"v","type":"long"},{"name":"w","type":"long"}]}`, i64, `[1]`, EncoderOptions{}, `field "w": no column named "w" and the field has no default`},
		{"missing nested field", `schema:{"type":"record","name":"R","fields":[{"name":"v","type":{"type":"record","name":"Q","fields":[{"name":"z","type":"int"}]}}]}`, arrow.StructOf(arrow.Field{Name: "a", Type: i64}), `[]`, EncoderOptions{}, `field "v.z": no column named "z" and the field has no default`},
		{"writer not a record", `schema:"string"`, str, `["x"]`, EncoderOptions{}, `the writer schema is Avro string; ingest needs an Avro record`},
		{"strict nested path", `{"type":"array","items":"int"}`, arrow.ListOf(i64), `[]`, strict, `column "v[]": int64 into Avro int is a narrowing conversion, which coerce=strict refuses (field "v[]")`},

		// Value errors.
		{"int overflow", `"int"`, i64, `[1, 3000000000]`, EncoderOptions{}, `column "v" row 1: value 3000000000 does not fit Avro int (field "v")`},
		{"int underflow", `"int"`, i64, `[-2147483649]`, EncoderOptions{}, `column "v" row 0: value -2147483649 does not fit Avro int (field "v")`},
		{"uint32 int", `"int"`, arrow.PrimitiveTypes.Uint32, `[0, 0, 4294967295]`, EncoderOptions{}, `column "v" row 2: value 4294967295 does not fit Avro int (field "v")`},
		{"uint64 long", `"long"`, arrow.PrimitiveTypes.Uint64, `[18446744073709551615]`, EncoderOptions{}, `column "v" row 0: value 18446744073709551615 does not fit Avro long (field "v")`},
		{"null into long", `"long"`, i64, `[1, null]`, EncoderOptions{}, `column "v" row 1: null into non-nullable Avro long (field "v")`},
		{"null into string", `"string"`, str, `["a", "b", null]`, EncoderOptions{}, `column "v" row 2: null into non-nullable Avro string (field "v")`},
		{"inexact float", `"float"`, f64, `[0.5, 0.1]`, EncoderOptions{}, `column "v" row 1: value 0.1 is not exactly representable as Avro float (field "v")`},
		{"float overflow", `"float"`, f64, `[1e300]`, EncoderOptions{}, `column "v" row 0: value 1e+300 is not exactly representable as Avro float (field "v")`},
		{"int64 double inexact", `"double"`, i64, `[9007199254740993]`, EncoderOptions{}, `column "v" row 0: value 9007199254740993 is not exactly representable as Avro double (field "v")`},
		{"uint64 double inexact", `"double"`, arrow.PrimitiveTypes.Uint64, `[18446744073709551615]`, EncoderOptions{}, `column "v" row 0: value 18446744073709551615 is not exactly representable as Avro double (field "v")`},
		{"long symbol shortened", `{"type":"enum","name":"Color","symbols":["RED"]}`, str, `["` + strings.Repeat("é", 40) + `"]`, EncoderOptions{}, `column "v" row 0: value "` + strings.Repeat("é", 32) + `"... is not a symbol of Avro enum "Color" (field "v")`},
		{"int32 float inexact", `"float"`, arrow.PrimitiveTypes.Int32, `[16777217]`, EncoderOptions{}, `column "v" row 0: value 16777217 is not exactly representable as Avro float (field "v")`},
		{"ns into millis", `{"type":"long","logicalType":"timestamp-millis"}`, ts(arrow.Nanosecond, "UTC"), `[1700000000000000000, 1700000000000000001]`, EncoderOptions{}, `column "v" row 1: value 1700000000000000001 is not a whole number of milliseconds for Avro timestamp-millis (field "v")`},
		{"seconds into nanos overflow", `{"type":"long","logicalType":"timestamp-nanos"}`, ts(arrow.Second, ""), `[9223372037]`, EncoderOptions{}, `column "v" row 0: value 9223372037 does not fit Avro timestamp-nanos (field "v")`},
		{"date64 not whole days", `{"type":"int","logicalType":"date"}`, arrow.FixedWidthTypes.Date64, `[86400001]`, EncoderOptions{}, `column "v" row 0: value 86400001 is not a whole number of days for Avro date (field "v")`},
		{"time ns into millis", `{"type":"int","logicalType":"time-millis"}`, arrow.FixedWidthTypes.Time64ns, `[1500000]`, EncoderOptions{}, `column "v" row 0: value 1500000 is not a whole number of milliseconds for Avro time-millis (field "v")`},
		{"unknown symbol", `{"type":"enum","name":"Color","symbols":["RED","GREEN"]}`, str, `["RED", "PURPLE"]`, EncoderOptions{}, `column "v" row 1: value "PURPLE" is not a symbol of Avro enum "Color" (field "v")`},
		{"unknown dictionary symbol", `{"type":"enum","name":"Color","symbols":["RED","GREEN"]}`, &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int8, ValueType: str}, `["GREEN", "RED", "BLUE"]`, EncoderOptions{}, `column "v" row 2: value "BLUE" is not a symbol of Avro enum "Color" (field "v")`},
		{"null dictionary index", `{"type":"enum","name":"Color","symbols":["RED"]}`, &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int8, ValueType: str}, `["RED", null]`, EncoderOptions{}, `column "v" row 1: null into non-nullable Avro enum "Color" (field "v")`},
		{"bad uuid", `{"type":"string","logicalType":"uuid"}`, str, `["not-a-uuid"]`, EncoderOptions{}, `column "v" row 0: value "not-a-uuid" is not a UUID in its 36-character 8-4-4-4-12 hex form, which Avro uuid requires (field "v")`},
		{"bad uuid for fixed", `{"type":"fixed","name":"U","size":16,"logicalType":"uuid"}`, str, `["123e4567-e89b-12d3-a456-42661417400g"]`, EncoderOptions{}, `column "v" row 0: value "123e4567-e89b-12d3-a456-42661417400g" is not a UUID in its 36-character 8-4-4-4-12 hex form, which Avro uuid requires (field "v")`},
		{"fixed size", `{"type":"fixed","name":"F","size":4}`, arrow.BinaryTypes.Binary, `["AAE="]`, EncoderOptions{}, `column "v" row 0: value 0x0001 has 2 bytes; Avro fixed "F" holds 4 (field "v")`},
		{"decimal inexact", `{"type":"bytes","logicalType":"decimal","precision":9,"scale":2}`, &arrow.Decimal128Type{Precision: 10, Scale: 4}, `["1.2300", "1.2345"]`, EncoderOptions{}, `column "v" row 1: value 1.2345 needs more than 2 decimal places for Avro decimal(9,2) (field "v")`},
		{"decimal too wide", `{"type":"bytes","logicalType":"decimal","precision":9,"scale":2}`, &arrow.Decimal128Type{Precision: 12, Scale: 2}, `["12345678.90"]`, EncoderOptions{}, `column "v" row 0: value 12345678.90 does not fit Avro decimal(9,2) (field "v")`},
		{"decimal scale up too wide", `{"type":"bytes","logicalType":"decimal","precision":4,"scale":2}`, &arrow.Decimal128Type{Precision: 4, Scale: 0}, `["99", "100"]`, EncoderOptions{}, `column "v" row 1: value 100 does not fit Avro decimal(4,2) (field "v")`},
		{"duration negative", `{"type":"fixed","name":"Dur","size":12,"logicalType":"duration"}`, arrow.FixedWidthTypes.MonthDayNanoInterval, `[{"months":-1,"days":0,"nanoseconds":0}]`, EncoderOptions{}, `column "v" row 0: value (-1 months, 0 days, 0 ns) does not fit Avro duration, whose months, days and milliseconds are unsigned 32-bit counts (field "v")`},
		{"duration sub-millisecond", `{"type":"fixed","name":"Dur","size":12,"logicalType":"duration"}`, arrow.FixedWidthTypes.MonthDayNanoInterval, `[{"months":0,"days":0,"nanoseconds":1500000}]`, EncoderOptions{}, `column "v" row 0: value (0 months, 0 days, 1500000 ns) is not a whole number of milliseconds for Avro duration (field "v")`},
		{"invalid utf8", `"string"`, arrow.BinaryTypes.Binary, `["YQ==", "/w=="]`, EncoderOptions{}, `column "v" row 1: value 0xff is not valid UTF-8, which Avro string requires (field "v")`},
		{"two branches set", `["null","string","long"]`, arrow.StructOf(arrow.Field{Name: "string", Type: str, Nullable: true}, arrow.Field{Name: "long", Type: i64, Nullable: true}), `[{"string":"x","long":1}]`, EncoderOptions{}, `column "v" row 0: 2 branches are set ("string", "long"); a value of Avro union [null, string, long] takes exactly one (field "v")`},
		{"null branch missing", `["string","long"]`, arrow.StructOf(arrow.Field{Name: "string", Type: str, Nullable: true}, arrow.Field{Name: "long", Type: i64, Nullable: true}), `[{"string":"x","long":null}, null]`, EncoderOptions{}, `column "v" row 1: null into Avro union [string, long], which has no null branch (field "v")`},
		{"union branch value", `["null","string","int"]`, arrow.DenseUnionOf([]arrow.Field{{Name: "string", Type: str, Nullable: true}, {Name: "int", Type: i64, Nullable: true}}, []arrow.UnionTypeCode{0, 1}), `[[0,"a"],[1,3000000000]]`, EncoderOptions{}, `column "v.int" row 1: value 3000000000 does not fit Avro int (field "v")`},
		{"nested struct value", `{"type":"record","name":"Q","fields":[{"name":"bid","type":"float"}]}`, arrow.StructOf(arrow.Field{Name: "bid", Type: f64}), `[{"bid": 0.5}, {"bid": 0.1}]`, EncoderOptions{}, `column "v.bid" row 1: value 0.1 is not exactly representable as Avro float (field "v.bid")`},
		{"null nested struct", `{"type":"record","name":"Q","fields":[{"name":"bid","type":"float"}]}`, arrow.StructOf(arrow.Field{Name: "bid", Type: f64}), `[{"bid": 0.5}, null]`, EncoderOptions{}, `column "v" row 1: null into non-nullable Avro record "Q" (field "v")`},
		{"list item value", `{"type":"array","items":"int"}`, arrow.ListOf(i64), `[[1], [], [2, 3000000000]]`, EncoderOptions{}, `column "v[]" row 2: value 3000000000 does not fit Avro int (field "v[]")`},
		{"list null item", `{"type":"array","items":"long"}`, arrow.ListOf(i64), `[[1], [2, null]]`, EncoderOptions{}, `column "v[]" row 1: null into non-nullable Avro long (field "v[]")`},
		{"map value", `{"type":"map","values":"int"}`, arrow.MapOf(str, i64), `[[{"key":"a","value":1}], [{"key":"b","value":-3000000000}]]`, EncoderOptions{}, `column "v{}" row 1: value -3000000000 does not fit Avro int (field "v{}")`},
		{"dictionary value", `"int"`, &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int8, ValueType: i64}, `[1, 3000000000]`, EncoderOptions{}, `column "v" row 1: value 3000000000 does not fit Avro int (field "v")`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			writer, whole := strings.CutPrefix(tt.writer, "schema:")
			if !whole {
				writer = encOneField(writer)
			}
			rec := encColumn(t, mem, tt.dt, tt.data)
			defer rec.Release()
			enc, err := CompileEncoder(rec.Schema(), MustParse(writer), tt.opts)
			if err == nil {
				err = enc.Check(rec)
				var appendErr error
				var buf []byte
				for row := 0; row < int(rec.NumRows()) && appendErr == nil; row++ {
					buf, appendErr = enc.AppendRow(buf[:0], rec, row)
				}
				if (err == nil) != (appendErr == nil) || err != nil && err.Error() != appendErr.Error() {
					t.Errorf("Check says %v but AppendRow says %v", err, appendErr)
				}
			}
			var ee *EncodeError
			if !errors.As(err, &ee) {
				t.Fatalf("got %v, want an *EncodeError", err)
			}
			if err.Error() != tt.want {
				t.Errorf("\n got %s\nwant %s", err, tt.want)
			}
		})
	}
}

// TestEncodeColumnsByName matches columns to fields by name in any order,
// ignores extra columns and fills missing fields from their defaults.
func TestEncodeColumnsByName(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	const writer = `{"type":"record","name":"R","fields":[
	 {"name":"a","type":"long"},
	 {"name":"d1","type":"int","default":7},
	 {"name":"b","type":"string"},
	 {"name":"d2","type":["null","string"],"default":null},
	 {"name":"d3","type":{"type":"array","items":"int"},"default":[1,2]},
	 {"name":"d4","type":{"type":"record","name":"S","fields":[{"name":"x","type":"bytes","default":"\u00ff"},{"name":"e","type":{"type":"enum","name":"E","symbols":["P","Q"]}}]},"default":{"e":"Q"}},
	 {"name":"d5","type":["double","null"],"default":1.5},
	 {"name":"d6","type":{"type":"map","values":"boolean"},"default":{"z":true,"a":false}},
	 {"name":"d7","type":{"type":"fixed","name":"F2","size":2},"default":"ab"}]}`
	rec, _, err := array.RecordFromJSON(mem, arrow.NewSchema([]arrow.Field{
		{Name: "extra", Type: arrow.FixedWidthTypes.Boolean},
		{Name: "b", Type: arrow.BinaryTypes.String},
		{Name: "a", Type: arrow.PrimitiveTypes.Int64},
	}, nil), strings.NewReader(`[{"extra": true, "b": "x", "a": 5}]`))
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Release()
	enc, err := CompileEncoder(rec.Schema(), MustParse(writer), EncoderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got := encodeRows(t, enc, rec)[0]
	codec, err := goavro.NewCodec(writer)
	if err != nil {
		t.Fatal(err)
	}
	native, rest, err := codec.NativeFromBinary(got)
	if err != nil || len(rest) != 0 {
		t.Fatalf("goavro cannot decode % x: %v (%d bytes left)", got, err, len(rest))
	}
	m := native.(map[string]any)
	want := map[string]any{
		"a": int64(5), "d1": int32(7), "b": "x", "d2": nil, "d3": []any{int32(1), int32(2)},
		"d4": map[string]any{"x": []byte{0xff}, "e": "Q"}, "d5": map[string]any{"double": 1.5},
		"d6": map[string]any{"z": true, "a": false}, "d7": []byte("ab"),
	}
	for k, w := range want {
		if !encNativeEqual(m[k], w) {
			t.Errorf("field %s: got %#v, want %#v", k, m[k], w)
		}
	}
}

func TestCoerceModeString(t *testing.T) {
	for m, want := range map[CoerceMode]string{CoerceExact: "exact", CoerceStrict: "strict", 7: "CoerceMode(7)"} {
		if m.String() != want {
			t.Errorf("%d: got %s, want %s", m, m, want)
		}
	}
}

// TestEncodeDuplicateColumn refuses an ambiguous match.
func TestEncodeDuplicateColumn(t *testing.T) {
	schema := arrow.NewSchema([]arrow.Field{{Name: "v", Type: arrow.PrimitiveTypes.Int64}, {Name: "v", Type: arrow.PrimitiveTypes.Int64}}, nil)
	_, err := CompileEncoder(schema, MustParse(encOneField(`"long"`)), EncoderOptions{})
	if err == nil || err.Error() != `column "v": two columns are named "v" (field "v")` {
		t.Fatalf("got %v", err)
	}
}

// TestEncodeCheckSkipsUnderNull: values below a null struct, list or
// union are never written, so Check and AppendRow ignore them, while a
// null in a non-nullable child of a present struct is caught.
func TestEncodeCheckSkipsUnderNull(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	const writer = `{"type":"record","name":"R","fields":[{"name":"v","type":["null",{"type":"record","name":"Q","fields":[
	 {"name":"x","type":"int"},{"name":"l","type":{"type":"array","items":"int"}}]}]}]}`
	dt := arrow.StructOf(
		arrow.Field{Name: "x", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		arrow.Field{Name: "l", Type: arrow.ListOf(arrow.PrimitiveTypes.Int64), Nullable: true})
	rec := encColumn(t, mem, dt, `[{"x": 1, "l": [1]}, null, {"x": 2, "l": []}, null]`)
	defer rec.Release()
	enc, err := CompileEncoder(rec.Schema(), MustParse(writer), EncoderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// FromJSON leaves the children of a null struct null: both would be
	// errors if they were written.
	got := encodeRows(t, enc, rec)
	codec, err := goavro.NewCodec(writer)
	if err != nil {
		t.Fatal(err)
	}
	for row, want := range []any{
		map[string]any{"Q": map[string]any{"x": int32(1), "l": []any{int32(1)}}}, nil,
		map[string]any{"Q": map[string]any{"x": int32(2), "l": []any{}}}, nil,
	} {
		wantBytes, err := codec.BinaryFromNative(nil, map[string]any{"v": want})
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got[row], wantBytes) {
			t.Errorf("row %d: got % x, want % x", row, got[row], wantBytes)
		}
	}

	bad := encColumn(t, mem, dt, `[{"x": 1, "l": [1]}, null, {"x": null, "l": []}]`)
	defer bad.Release()
	const want = `column "v.x" row 2: null into non-nullable Avro int (field "v.x")`
	if err := enc.Check(bad); err == nil || err.Error() != want {
		t.Errorf("Check: got %v, want %s", err, want)
	}
}

// TestEncodeBatches rebinds when the batch changes, refuses a batch of
// another schema and a row outside the batch.
func TestEncodeBatches(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	writer := MustParse(encOneField(`"long"`))
	first := encColumn(t, mem, arrow.PrimitiveTypes.Int64, `[1, 2]`)
	defer first.Release()
	second := encColumn(t, mem, arrow.PrimitiveTypes.Int64, `[3, null]`)
	defer second.Release()
	enc, err := CompileEncoder(first.Schema(), writer, EncoderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	buf, err := enc.AppendRow(nil, first, 1)
	if err != nil || !bytes.Equal(buf, []byte{4}) {
		t.Fatalf("first batch row 1: % x, %v", buf, err)
	}
	buf, err = enc.AppendRow(buf, second, 0)
	if err != nil || !bytes.Equal(buf, []byte{4, 6}) {
		t.Fatalf("second batch row 0: % x, %v", buf, err)
	}
	// The fast path of a column without nulls must not survive into a
	// batch with nulls.
	buf, err = enc.AppendRow(buf, second, 1)
	if err == nil || err.Error() != `column "v" row 1: null into non-nullable Avro long (field "v")` || !bytes.Equal(buf, []byte{4, 6}) {
		t.Fatalf("null row: % x, %v", buf, err)
	}
	if _, err := enc.AppendRow(nil, first, 2); err == nil || err.Error() != "row 2 is outside the batch of 2 rows" {
		t.Errorf("row out of range: %v", err)
	}
	other := encColumn(t, mem, arrow.PrimitiveTypes.Int32, `[1]`)
	defer other.Release()
	if _, err := enc.AppendRow(nil, other, 0); err == nil || err.Error() != `column "v": record batch column 0 is v int32, the encoder was compiled for v int64` {
		t.Errorf("other schema: %v", err)
	}
	if err := enc.Check(other); err == nil {
		t.Error("Check accepted a batch of another schema")
	}
}

// TestEncodeSlicedBatch encodes a slice of a batch, whose arrays have an
// offset, including nested and nullable columns.
func TestEncodeSlicedBatch(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	const writer = `{"type":"record","name":"R","fields":[{"name":"s","type":"string"},{"name":"n","type":["null","long"]},
	 {"name":"l","type":{"type":"array","items":"int"}},{"name":"q","type":{"type":"record","name":"Q","fields":[{"name":"x","type":"int"}]}}]}`
	full, _, err := array.RecordFromJSON(mem, arrow.NewSchema([]arrow.Field{
		{Name: "s", Type: arrow.BinaryTypes.String},
		{Name: "n", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "l", Type: arrow.ListOf(arrow.PrimitiveTypes.Int32)},
		{Name: "q", Type: arrow.StructOf(arrow.Field{Name: "x", Type: arrow.PrimitiveTypes.Int32})},
	}, nil), strings.NewReader(`[
	 {"s": "a", "n": 1, "l": [1], "q": {"x": 1}},
	 {"s": "bb", "n": null, "l": [2, 3], "q": {"x": 2}},
	 {"s": "ccc", "n": 3, "l": [], "q": {"x": 3}}]`))
	if err != nil {
		t.Fatal(err)
	}
	defer full.Release()
	slice := full.NewSlice(1, 3)
	defer slice.Release()
	enc, err := CompileEncoder(full.Schema(), MustParse(writer), EncoderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got := encodeRows(t, enc, slice)
	codec, err := goavro.NewCodec(writer)
	if err != nil {
		t.Fatal(err)
	}
	for row, want := range []map[string]any{
		{"s": "bb", "n": nil, "l": []any{int32(2), int32(3)}, "q": map[string]any{"x": int32(2)}},
		{"s": "ccc", "n": map[string]any{"long": int64(3)}, "l": []any{}, "q": map[string]any{"x": int32(3)}},
	} {
		wantBytes, err := codec.BinaryFromNative(nil, want)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got[row], wantBytes) {
			t.Errorf("row %d: got % x, want % x", row, got[row], wantBytes)
		}
	}
}

// encTestUUIDType is a uuid extension type like pyarrow's, stored as
// fixed_size_binary(16). (arrow-go's own lives in a package that pulls in
// parquet.)
type encTestUUIDType struct{ arrow.ExtensionBase }

type encTestUUIDArray struct{ array.ExtensionArrayBase }

func newEncTestUUIDType() *encTestUUIDType {
	return &encTestUUIDType{ExtensionBase: arrow.ExtensionBase{Storage: &arrow.FixedSizeBinaryType{ByteWidth: 16}}}
}

func (*encTestUUIDType) ArrayType() reflect.Type { return reflect.TypeOf(encTestUUIDArray{}) }
func (*encTestUUIDType) ExtensionName() string   { return "arrow.uuid" }
func (*encTestUUIDType) Serialize() string       { return "" }
func (t *encTestUUIDType) ExtensionEquals(o arrow.ExtensionType) bool {
	return o.ExtensionName() == t.ExtensionName()
}
func (t *encTestUUIDType) Deserialize(arrow.DataType, string) (arrow.ExtensionType, error) {
	return t, nil
}

// TestEncodeExtensionUUID reads an extension column through its storage.
func TestEncodeExtensionUUID(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	storage, _, err := array.FromJSON(mem, &arrow.FixedSizeBinaryType{ByteWidth: 16}, strings.NewReader(`["Ej5FZ+ibEtOkVkJmFBdAAA==", null]`))
	if err != nil {
		t.Fatal(err)
	}
	defer storage.Release()
	arr := array.NewExtensionArrayWithStorage(newEncTestUUIDType(), storage)
	defer arr.Release()
	rec := encRecordOf(arr, "v")
	defer rec.Release()
	enc, err := CompileEncoder(rec.Schema(), MustParse(encOneField(`["null",{"type":"string","logicalType":"uuid"}]`)), EncoderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got := encodeRows(t, enc, rec)
	if want := append([]byte{2, 72}, "123e4567-e89b-12d3-a456-426614174000"...); !bytes.Equal(got[0], want) {
		t.Errorf("row 0: got %q, want %q", got[0], want)
	}
	if !bytes.Equal(got[1], []byte{0}) {
		t.Errorf("row 1: got % x, want 00", got[1])
	}
}

// TestEncodeRoundTrip encodes a record with a column of every common kind
// and decodes it with goavro, comparing with the Arrow input.
func TestEncodeRoundTrip(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	const writer = `{"type":"record","name":"Order","namespace":"com.acme","fields":[
	 {"name":"id","type":"long"},
	 {"name":"sym","type":"string"},
	 {"name":"side","type":{"type":"enum","name":"Side","symbols":["BUY","SELL"]}},
	 {"name":"qty","type":"int"},
	 {"name":"px","type":"double"},
	 {"name":"price","type":{"type":"bytes","logicalType":"decimal","precision":12,"scale":4}},
	 {"name":"ts","type":{"type":"long","logicalType":"timestamp-micros"}},
	 {"name":"note","type":["null","string"],"default":null},
	 {"name":"tags","type":{"type":"array","items":"string"}},
	 {"name":"attrs","type":{"type":"map","values":"double"}},
	 {"name":"leg","type":{"type":"record","name":"Leg","fields":[{"name":"venue","type":"string"},{"name":"ok","type":"boolean"}]}}]}`
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "sym", Type: arrow.BinaryTypes.LargeString},
		{Name: "side", Type: &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int8, ValueType: arrow.BinaryTypes.String}},
		{Name: "qty", Type: arrow.PrimitiveTypes.Int64},
		{Name: "px", Type: arrow.PrimitiveTypes.Float32},
		{Name: "price", Type: &arrow.Decimal128Type{Precision: 10, Scale: 2}},
		{Name: "ts", Type: &arrow.TimestampType{Unit: arrow.Nanosecond, TimeZone: "UTC"}},
		{Name: "note", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "tags", Type: arrow.ListOf(arrow.BinaryTypes.String)},
		{Name: "attrs", Type: arrow.MapOf(arrow.BinaryTypes.String, arrow.PrimitiveTypes.Float64)},
		{Name: "leg", Type: arrow.StructOf(arrow.Field{Name: "ok", Type: arrow.FixedWidthTypes.Boolean}, arrow.Field{Name: "venue", Type: arrow.BinaryTypes.String})},
	}, nil)
	rec, _, err := array.RecordFromJSON(mem, schema, strings.NewReader(`[
	 {"id": 1, "sym": "EURUSD", "side": "SELL", "qty": 100, "px": 1.5, "price": "12.34", "ts": 1700000000123456000, "note": "first",
	  "tags": ["a", "b"], "attrs": [{"key": "x", "value": 0.25}, {"key": "y", "value": -2}], "leg": {"ok": true, "venue": "LSE"}},
	 {"id": -2, "sym": "", "side": "BUY", "qty": -7, "px": -0.125, "price": "-0.01", "ts": -1000, "note": null,
	  "tags": [], "attrs": [], "leg": {"ok": false, "venue": "X"}}]`))
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Release()
	enc, err := CompileEncoder(rec.Schema(), MustParse(writer), EncoderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	codec, err := goavro.NewCodec(writer)
	if err != nil {
		t.Fatal(err)
	}
	rows := encodeRows(t, enc, rec)
	wants := []map[string]any{
		{"id": int64(1), "sym": "EURUSD", "side": "SELL", "qty": int32(100), "px": 1.5, "price": big.NewRat(1234, 100),
			"ts": int64(1700000000123456), "note": map[string]any{"string": "first"}, "tags": []any{"a", "b"},
			"attrs": map[string]any{"x": 0.25, "y": -2.0}, "leg": map[string]any{"venue": "LSE", "ok": true}},
		{"id": int64(-2), "sym": "", "side": "BUY", "qty": int32(-7), "px": -0.125, "price": big.NewRat(-1, 100),
			"ts": int64(-1), "note": nil, "tags": []any{},
			"attrs": map[string]any{}, "leg": map[string]any{"venue": "X", "ok": false}},
	}
	for row, want := range wants {
		native, rest, err := codec.NativeFromBinary(rows[row])
		if err != nil || len(rest) != 0 {
			t.Fatalf("row %d: goavro cannot decode % x: %v", row, rows[row], err)
		}
		got := native.(map[string]any)
		// goavro decodes timestamp-micros as time.Time.
		got["ts"] = got["ts"].(interface{ UnixMicro() int64 }).UnixMicro()
		for k, w := range want {
			if !encNativeEqual(got[k], w) {
				t.Errorf("row %d field %s: got %#v, want %#v", row, k, got[k], w)
			}
		}
		if len(got) != len(want) {
			t.Errorf("row %d: got %d fields, want %d", row, len(got), len(want))
		}
	}
}

// encNativeEqual compares goavro natives: NaN equals NaN, rationals by
// value, containers element by element.
func encNativeEqual(a, b any) bool {
	switch x := a.(type) {
	case float64:
		y, ok := b.(float64)
		return ok && (x == y && math.Signbit(x) == math.Signbit(y) || x != x && y != y)
	case float32:
		y, ok := b.(float32)
		return ok && (x == y && math.Signbit(float64(x)) == math.Signbit(float64(y)) || x != x && y != y)
	case *big.Rat:
		y, ok := b.(*big.Rat)
		return ok && x.Cmp(y) == 0
	case []byte:
		y, ok := b.([]byte)
		return ok && bytes.Equal(x, y)
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !encNativeEqual(x[i], y[i]) {
				return false
			}
		}
		return true
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, v := range x {
			w, ok := y[k]
			if !ok || !encNativeEqual(v, w) {
				return false
			}
		}
		return true
	}
	return a == b
}

// TestEncodeTickAllocs: encoding a tick row allocates nothing, with or
// without the top-level fast path (a nullable union defeats it).
func TestEncodeTickAllocs(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	rec := encTickBatch(mem, 1000)
	defer rec.Release()
	for _, writer := range []string{tickSchema, strings.ReplaceAll(tickSchema, `"type":"float"`, `"type":["null","float"]`)} {
		enc, err := CompileEncoder(rec.Schema(), MustParse(writer), EncoderOptions{})
		if err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, 0, 128)
		row := 0
		allocs := testing.AllocsPerRun(1000, func() {
			buf, err = enc.AppendRow(buf[:0], rec, row)
			row = (row + 1) % 1000
		})
		if err != nil || allocs != 0 {
			t.Errorf("%d allocations per row (err %v)", int(allocs), err)
		}
	}
}

// TestEncodeMalformedArrow turns what would be a panic on inconsistent
// Arrow buffers into an error.
func TestEncodeMalformedArrow(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	items, _, err := array.FromJSON(mem, arrow.PrimitiveTypes.Int32, strings.NewReader(`[1, 2, 3]`))
	if err != nil {
		t.Fatal(err)
	}
	defer items.Release()
	// The second list claims items 2 to 100 of a child of 3.
	offsets := memory.NewBufferBytes(arrow.Int32Traits.CastToBytes([]int32{0, 2, 100}))
	data := array.NewData(arrow.ListOf(arrow.PrimitiveTypes.Int32), 2, []*memory.Buffer{nil, offsets}, []arrow.ArrayData{items.Data()}, 0, 0)
	defer data.Release()
	arr := array.NewListData(data)
	defer arr.Release()
	rec := encRecordOf(arr, "v")
	defer rec.Release()
	enc, err := CompileEncoder(rec.Schema(), MustParse(encOneField(`{"type":"array","items":"int"}`)), EncoderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := enc.Check(rec); err == nil || !strings.HasPrefix(err.Error(), `column "v": malformed Arrow data: `) {
		t.Errorf("Check: %v", err)
	}
	buf, err := enc.AppendRow([]byte{9}, rec, 1)
	if err == nil || !strings.HasPrefix(err.Error(), "malformed Arrow data: ") || !bytes.Equal(buf, []byte{9}) {
		t.Errorf("got % x, %v", buf, err)
	}
}

// TestEncodeDictionaryIndexOutOfRange reports a dictionary index past the
// end of the dictionary.
func TestEncodeDictionaryIndexOutOfRange(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	dict, _, err := array.FromJSON(mem, arrow.BinaryTypes.String, strings.NewReader(`["A"]`))
	if err != nil {
		t.Fatal(err)
	}
	defer dict.Release()
	indices, _, err := array.FromJSON(mem, arrow.PrimitiveTypes.Int8, strings.NewReader(`[0, 5]`))
	if err != nil {
		t.Fatal(err)
	}
	defer indices.Release()
	for _, writer := range []string{`{"type":"enum","name":"E","symbols":["A"]}`, `"string"`} {
		arr := array.NewDictionaryArray(&arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int8, ValueType: arrow.BinaryTypes.String}, indices, dict)
		rec := encRecordOf(arr, "v")
		arr.Release()
		enc, err := CompileEncoder(rec.Schema(), MustParse(encOneField(writer)), EncoderOptions{})
		if err != nil {
			t.Fatal(err)
		}
		const want = `column "v" row 1: value 5 is not an index into the column's dictionary (field "v")`
		if err := enc.Check(rec); err == nil || err.Error() != want {
			t.Errorf("%s: got %v, want %s", writer, err, want)
		}
		rec.Release()
	}
}
