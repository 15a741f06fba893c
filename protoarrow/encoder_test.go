package protoarrow

import (
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/dynamicpb"

	"github.com/kafarr/kafarr/avroarrow"
)

// recordFromJSON builds a batch of schema s from JSON rows.
func recordFromJSON(t testing.TB, mem memory.Allocator, s *arrow.Schema, rows string) arrow.RecordBatch {
	t.Helper()
	rec, _, err := array.RecordFromJSON(mem, s, strings.NewReader(rows))
	require.NoError(t, err, rows)
	return rec
}

// encodeAll encodes every row of rec with enc, into one reused buffer.
func encodeAll(t testing.TB, enc *Encoder, rec arrow.RecordBatch) [][]byte {
	t.Helper()
	require.NoError(t, enc.Check(rec))
	var out [][]byte
	buf := make([]byte, 0, 64)
	for i := range int(rec.NumRows()) {
		var err error
		buf, err = enc.AppendRow(buf[:0], rec, i)
		require.NoError(t, err, "row %d", i)
		out = append(out, append([]byte(nil), buf...))
	}
	return out
}

// TestDeriveRoundTrip derives a .proto for each column type, compiles it,
// encodes the rows and decodes them with the decoder: the decoded rows
// must equal want (the input rows when want is empty), read with the
// decoded schema.
func TestDeriveRoundTrip(t *testing.T) {
	i32, i64 := arrow.PrimitiveTypes.Int32, arrow.PrimitiveTypes.Int64
	str := arrow.BinaryTypes.String
	for _, tc := range []struct {
		name   string
		fields []arrow.Field
		rows   string
		want   string
	}{
		{"signed", []arrow.Field{
			{Name: "a", Type: arrow.PrimitiveTypes.Int8, Nullable: true}, {Name: "b", Type: arrow.PrimitiveTypes.Int16, Nullable: true},
			{Name: "c", Type: i32, Nullable: true}, {Name: "d", Type: i64, Nullable: true}, {Name: "e", Type: i64}},
			`[{"a":-128,"b":-32768,"c":-2147483648,"d":-9223372036854775808,"e":-1},
			  {"a":127,"b":32767,"c":2147483647,"d":9223372036854775807,"e":0},
			  {"a":0,"b":0,"c":0,"d":0,"e":9223372036854775807},
			  {"a":null,"b":null,"c":null,"d":null,"e":-9223372036854775808}]`, ""},
		{"unsigned", []arrow.Field{
			{Name: "a", Type: arrow.PrimitiveTypes.Uint8, Nullable: true}, {Name: "b", Type: arrow.PrimitiveTypes.Uint16},
			{Name: "c", Type: arrow.PrimitiveTypes.Uint32, Nullable: true}, {Name: "d", Type: arrow.PrimitiveTypes.Uint64, Nullable: true}},
			`[{"a":255,"b":65535,"c":4294967295,"d":18446744073709551615},{"a":0,"b":0,"c":0,"d":0},{"a":null,"b":1,"c":null,"d":null}]`, ""},
		{"floats", []arrow.Field{{Name: "f", Type: arrow.PrimitiveTypes.Float32, Nullable: true}, {Name: "g", Type: arrow.PrimitiveTypes.Float64}},
			`[{"f":3.4028235e38,"g":1.7976931348623157e308},{"f":-1.5,"g":-0.0},{"f":1e-45,"g":5e-324},{"f":null,"g":0}]`, ""},
		{"bool string binary", []arrow.Field{
			{Name: "b", Type: arrow.FixedWidthTypes.Boolean, Nullable: true}, {Name: "s", Type: str, Nullable: true},
			{Name: "ls", Type: arrow.BinaryTypes.LargeString}, {Name: "y", Type: arrow.BinaryTypes.Binary, Nullable: true}},
			`[{"b":true,"s":"héllo","ls":"x","y":"AAEC"},{"b":false,"s":"","ls":"","y":""},{"b":null,"s":null,"ls":"z","y":null}]`,
			`[{"b":true,"s":"héllo","ls":"x","y":"AAEC"},{"b":false,"s":"","ls":"","y":""},{"b":null,"s":null,"ls":"z","y":null}]`},
		{"timestamps", []arrow.Field{
			{Name: "s", Type: &arrow.TimestampType{Unit: arrow.Second}, Nullable: true},
			{Name: "ms", Type: &arrow.TimestampType{Unit: arrow.Millisecond, TimeZone: "Europe/Paris"}},
			{Name: "us", Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}},
			{Name: "ns", Type: &arrow.TimestampType{Unit: arrow.Nanosecond}, Nullable: true}},
			`[{"s":-62135596800,"ms":-1,"us":253402300799999999,"ns":-1},
			  {"s":253402300799,"ms":0,"us":-62135596800000000,"ns":1704164645123456789},
			  {"s":null,"ms":1,"us":0,"ns":null}]`,
			`[{"s":-62135596800000000,"ms":-1000,"us":253402300799999999,"ns":-1},
			  {"s":253402300799000000,"ms":0,"us":-62135596800000000,"ns":1704164645123456},
			  {"s":null,"ms":1000,"us":0,"ns":null}]`},
		{"durations", []arrow.Field{
			{Name: "s", Type: arrow.FixedWidthTypes.Duration_s, Nullable: true},
			{Name: "ns", Type: arrow.FixedWidthTypes.Duration_ns}},
			`[{"s":-315576000000,"ns":-1500},{"s":315576000000,"ns":1999},{"s":null,"ns":0}]`,
			`[{"s":-315576000000000000,"ns":-1},{"s":315576000000000000,"ns":1},{"s":null,"ns":0}]`},
		{"decimals", []arrow.Field{
			{Name: "d", Type: &arrow.Decimal128Type{Precision: 10, Scale: 2}, Nullable: true},
			{Name: "w", Type: &arrow.Decimal128Type{Precision: 38, Scale: 0}}},
			`[{"d":"12345678.99","w":"99999999999999999999999999999999999999"},
			  {"d":"-0.01","w":"-99999999999999999999999999999999999999"},
			  {"d":"0","w":"0"},{"d":null,"w":"-128"}]`, ""},
		{"date32 as days", []arrow.Field{{Name: "d", Type: arrow.FixedWidthTypes.Date32, Nullable: true}},
			`[{"d":"1970-01-02"},{"d":"1969-12-31"},{"d":null}]`, `[{"d":1},{"d":-1},{"d":null}]`},
		{"dictionary as string", []arrow.Field{{Name: "c", Type: &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int8, ValueType: str}, Nullable: true}},
			`[{"c":"EURUSD"},{"c":null},{"c":"GBPUSD"},{"c":"EURUSD"}]`, ""},
		{"structs", []arrow.Field{
			{Name: "q", Type: arrow.StructOf(
				arrow.Field{Name: "bid", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
				arrow.Field{Name: "n", Type: i64},
				arrow.Field{Name: "inner", Type: arrow.StructOf(arrow.Field{Name: "s", Type: str, Nullable: true}), Nullable: true}), Nullable: true}},
			`[{"q":{"bid":1.5,"n":2,"inner":{"s":"x"}}},{"q":{"bid":null,"n":0,"inner":null}},{"q":null},{"q":{"bid":0,"n":-1,"inner":{"s":null}}}]`, ""},
		{"lists", []arrow.Field{
			{Name: "i", Type: arrow.ListOf(i32), Nullable: true},
			{Name: "s", Type: arrow.LargeListOf(str)},
			{Name: "legs", Type: arrow.ListOf(arrow.StructOf(arrow.Field{Name: "px", Type: arrow.PrimitiveTypes.Float64}))},
			{Name: "ts", Type: arrow.ListOf(&arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"})}},
			`[{"i":[1,-2,2147483647],"s":["a",""],"legs":[{"px":1.25},{"px":0}],"ts":[0,1]},
			  {"i":[],"s":[],"legs":[],"ts":[]}]`, ""},
		{"list of lists", []arrow.Field{{Name: "ll", Type: arrow.ListOf(arrow.ListOf(i64))}},
			`[{"ll":[[1,2],[],[3]]},{"ll":[]}]`,
			`[{"ll":[{"item":[1,2]},{"item":[]},{"item":[3]}]},{"ll":[]}]`},
		{"maps", []arrow.Field{
			{Name: "m", Type: arrow.MapOf(str, i64), Nullable: true},
			{Name: "k", Type: arrow.MapOf(i32, str)},
			{Name: "ms", Type: arrow.MapOf(str, arrow.StructOf(arrow.Field{Name: "v", Type: str}))},
			{Name: "ml", Type: arrow.MapOf(str, arrow.ListOf(i32))}},
			`[{"m":[{"key":"a","value":1},{"key":"","value":0}],"k":[{"key":-1,"value":"x"}],"ms":[{"key":"z","value":{"v":"w"}}],"ml":[{"key":"l","value":[1,2]}]},
			  {"m":[],"k":[],"ms":[],"ml":[]}]`,
			`[{"m":[{"key":"a","value":1},{"key":"","value":0}],"k":[{"key":-1,"value":"x"}],"ms":[{"key":"z","value":{"v":"w"}}],"ml":[{"key":"l","value":{"item":[1,2]}}]},
			  {"m":[],"k":[],"ms":[],"ml":[]}]`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			in := arrow.NewSchema(tc.fields, nil)
			rec := recordFromJSON(t, mem, in, tc.rows)
			defer rec.Release()
			text, err := DeriveProto(in, "rt.Row")
			require.NoError(t, err)
			md := message(t, compileText(t, text), "rt.Row")
			enc, err := CompileEncoder(in, md, EncoderOptions{})
			require.NoError(t, err, text)
			dec, err := NewDecoder(md, DecoderOptions{})
			require.NoError(t, err)
			got := decodeRows(t, dec, encodeAll(t, enc, rec)...)
			want := tc.want
			if want == "" {
				want = tc.rows
			}
			wrec := recordFromJSON(t, mem, dec.Schema(), want)
			defer wrec.Release()
			require.Equal(t, recordRows(t, wrec), got, text)

			// A slice of the batch (offsets into every buffer) encodes
			// its own rows.
			if n := rec.NumRows(); n > 1 {
				sl := rec.NewSlice(1, n)
				defer sl.Release()
				require.Equal(t, got[1:], decodeRows(t, dec, encodeAll(t, enc, sl)...))
			}
		})
	}
}

// TestEncodeInvertsDecode decodes messages of every type of the mapping
// (enums, unknown enum numbers, oneofs, wrappers, JSON-mapped types, Any,
// decimals, maps of messages) to Arrow, encodes the Arrow rows back, and
// requires the protobuf runtime to read the message it started from.
func TestEncodeInvertsDecode(t *testing.T) {
	md := message(t, compileText(t, allProto), "kt.All")
	dec, err := NewDecoder(md, DecoderOptions{})
	require.NoError(t, err)
	ins := []string{
		`{}`,
		`{"i32":-5,"si32":-6,"sf32":-7,"u32":8,"f32":9,"i64":"-10","si64":"-11","sf64":"-12","u64":"18446744073709551615","f64":"14","fl":1.5,"db":-2.25,"bo":true,"st":"s","by":"AAE="}`,
		`{"side":"SELL","rside":["BUY","SIDE_UNSPECIFIED",7],"inner":{"a":1,"b":"x"},"ri":[1,-1,0],"rs":["","a"],"rm":[{},{"a":2}]}`,
		`{"side":9,"ms":{"a":"1","":"0"},"mi":{"-3":{"b":"y"},"0":{}},"cStr":"","opt":0}`,
		`{"cMsg":{"a":3},"ts":"0001-01-01T00:00:00Z","du":"-315576000000s","w32":0,"wstr":"w","js":{"k":[1,"two",null,{"n":true}]},"jv":null}`,
		`{"cInt":"-9","ts":"9999-12-31T23:59:59.999999Z","du":"1.5s","jl":[1,2],"jv":"text","ja":{"@type":"type.googleapis.com/kt.Inner","a":4}}`,
		`{"dec":{"value":"AQ==","precision":3,"scale":2},"dec2":{"value":"/w==","scale":18},"mts":{"k":"1970-01-01T00:00:00.000001Z"},"wu64":"18446744073709551615","wby":"","wbo":false,"wdb":-0.5}`,
	}
	var bodies [][]byte
	for _, js := range ins {
		bodies = append(bodies, encodeJSON(t, md, js))
	}
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	bb, err := avroarrow.NewBatchBuilder(mem, dec.Schema())
	require.NoError(t, err)
	defer bb.Release()
	for _, b := range bodies {
		require.NoError(t, dec.Decode(b, bb))
	}
	rec, err := bb.NewRecord()
	require.NoError(t, err)
	defer rec.Release()
	enc, err := CompileEncoder(rec.Schema(), md, EncoderOptions{Coerce: avroarrow.CoerceStrict})
	require.NoError(t, err)
	types := typesOf(md)
	for i, b := range encodeAll(t, enc, rec) {
		want, got := dynamicpb.NewMessage(md), dynamicpb.NewMessage(md)
		require.NoError(t, proto.Unmarshal(bodies[i], want))
		require.NoError(t, proto.Unmarshal(b, got))
		// Decimals are written at the field's scale: compare their values.
		for _, name := range []string{"dec", "dec2"} {
			fd := md.Fields().ByName(protoreflect.Name(name))
			want.Clear(fd)
			got.Clear(fd)
		}
		opts := protojson.MarshalOptions{Resolver: anyResolver{types}}
		require.True(t, proto.Equal(want, got), "row %d:\nwant %s\ngot  %s", i, opts.Format(want), opts.Format(got))
	}
	require.Equal(t, recordRows(t, rec), decodeRows(t, dec, encodeAll(t, enc, rec)...))
}

// TestEncodeErrors checks that each refused value or column is an
// *avroarrow.EncodeError naming column, field, row and value, and that a
// failed AppendRow leaves the buffer as it was.
func TestEncodeErrors(t *testing.T) {
	md := message(t, compileText(t, allProto), "kt.All")
	str := arrow.BinaryTypes.String
	for _, tc := range []struct {
		name   string
		fields []arrow.Field
		rows   string
		coerce avroarrow.CoerceMode
		want   avroarrow.EncodeError // Row -1: a compile error
	}{
		{"int64 into int32", []arrow.Field{{Name: "i32", Type: arrow.PrimitiveTypes.Int64}}, `[{"i32":2147483647},{"i32":3000000000}]`, avroarrow.CoerceExact,
			avroarrow.EncodeError{Column: "i32", Field: "i32", Row: 1, Value: "3000000000", Msg: "does not fit Protobuf int32"}},
		{"negative into uint32", []arrow.Field{{Name: "u32", Type: arrow.PrimitiveTypes.Int32}}, `[{"u32":-1}]`, avroarrow.CoerceExact,
			avroarrow.EncodeError{Column: "u32", Field: "u32", Row: 0, Value: "-1", Msg: "does not fit Protobuf uint32"}},
		{"uint64 into int64", []arrow.Field{{Name: "i64", Type: arrow.PrimitiveTypes.Uint64}}, `[{"i64":9223372036854775808}]`, avroarrow.CoerceExact,
			avroarrow.EncodeError{Column: "i64", Field: "i64", Row: 0, Value: "9223372036854775808", Msg: "does not fit Protobuf int64"}},
		{"double into float", []arrow.Field{{Name: "fl", Type: arrow.PrimitiveTypes.Float64}}, `[{"fl":1.5},{"fl":0.1}]`, avroarrow.CoerceExact,
			avroarrow.EncodeError{Column: "fl", Field: "fl", Row: 1, Value: "0.1", Msg: "is not exactly a Protobuf float"}},
		{"int64 into double", []arrow.Field{{Name: "db", Type: arrow.PrimitiveTypes.Int64}}, `[{"db":9007199254740993}]`, avroarrow.CoerceExact,
			avroarrow.EncodeError{Column: "db", Field: "db", Row: 0, Value: "9.007199254740992e+15", Msg: "is not exactly a Protobuf double"}},
		{"strict refuses narrowing", []arrow.Field{{Name: "i32", Type: arrow.PrimitiveTypes.Int64}}, `[]`, avroarrow.CoerceStrict,
			avroarrow.EncodeError{Column: "i32", Field: "i32", Row: -1, Msg: "int64 into Protobuf int32 is a narrowing conversion, which coerce=strict refuses"}},
		{"type mismatch", []arrow.Field{{Name: "st", Type: arrow.FixedWidthTypes.Boolean}}, `[]`, avroarrow.CoerceExact,
			avroarrow.EncodeError{Column: "st", Field: "st", Row: -1, Msg: "bool cannot be encoded as Protobuf string"}},
		{"null without presence", []arrow.Field{{Name: "i64", Type: arrow.PrimitiveTypes.Int64, Nullable: true}}, `[{"i64":1},{"i64":null}]`, avroarrow.CoerceExact,
			avroarrow.EncodeError{Column: "i64", Field: "i64", Row: 1, Msg: "null cannot be written: field i64 has no presence (declare it optional, or use a wrapper type)"}},
		{"null list item", []arrow.Field{{Name: "ri", Type: arrow.ListOf(arrow.PrimitiveTypes.Int32)}}, `[{"ri":[1,null]}]`, avroarrow.CoerceExact,
			avroarrow.EncodeError{Column: "ri", Field: "ri", Row: 0, Msg: "null list item 1 cannot be written: repeated fields hold no nulls"}},
		{"null list", []arrow.Field{{Name: "ri", Type: arrow.ListOf(arrow.PrimitiveTypes.Int32), Nullable: true}}, `[{"ri":null}]`, avroarrow.CoerceExact,
			avroarrow.EncodeError{Column: "ri", Field: "ri", Row: 0, Msg: "null cannot be written: repeated field ri has no null (an empty list is written as absent)"}},
		{"unknown enum symbol", []arrow.Field{{Name: "side", Type: str}}, `[{"side":"BUY"},{"side":"7"},{"side":"HOLD"}]`, avroarrow.CoerceExact,
			avroarrow.EncodeError{Column: "side", Field: "side", Row: 2, Value: `"HOLD"`, Msg: "is not a name of Protobuf enum kt.Side (nor a number)"}},
		{"two oneof members", []arrow.Field{{Name: "choice", Type: arrow.StructOf(arrow.Field{Name: "c_str", Type: str, Nullable: true}, arrow.Field{Name: "c_int", Type: arrow.PrimitiveTypes.Int64, Nullable: true})}},
			`[{"choice":{"c_str":"a","c_int":null}},{"choice":{"c_str":"a","c_int":1}}]`, avroarrow.CoerceExact,
			avroarrow.EncodeError{Column: "choice", Field: "choice", Row: 1, Msg: "oneof choice has two members set, choice.c_str and choice.c_int"}},
		{"not a oneof member", []arrow.Field{{Name: "choice", Type: arrow.StructOf(arrow.Field{Name: "c_x", Type: str, Nullable: true})}}, `[]`, avroarrow.CoerceExact,
			avroarrow.EncodeError{Column: "choice.c_x", Field: "choice.c_x", Row: -1, Msg: `oneof kt.All.choice has no member "c_x"`}},
		{"timestamp out of range", []arrow.Field{{Name: "ts", Type: arrow.FixedWidthTypes.Timestamp_s}}, `[{"ts":253402300800}]`, avroarrow.CoerceExact,
			avroarrow.EncodeError{Column: "ts", Field: "ts", Row: 0, Value: "253402300800", Msg: "is outside the range of google.protobuf.Timestamp (years 1 to 9999)"}},
		{"decimal scale", []arrow.Field{{Name: "dec", Type: &arrow.Decimal128Type{Precision: 10, Scale: 3}}}, `[{"dec":"1.230"},{"dec":"1.235"}]`, avroarrow.CoerceExact,
			avroarrow.EncodeError{Column: "dec", Field: "dec", Row: 1, Value: "1.235", Msg: "does not fit decimal(10, 2) exactly"}},
		{"decimal digits", []arrow.Field{{Name: "dec", Type: &arrow.Decimal128Type{Precision: 14, Scale: 2}}}, `[{"dec":"123456789012.34"}]`, avroarrow.CoerceExact,
			avroarrow.EncodeError{Column: "dec", Field: "dec", Row: 0, Value: "123456789012.34", Msg: "has more digits than decimal(10, 2) holds"}},
		{"invalid UTF-8", []arrow.Field{{Name: "st", Type: arrow.BinaryTypes.Binary}}, `[{"st":"/w=="}]`, avroarrow.CoerceExact,
			avroarrow.EncodeError{Column: "st", Field: "st", Row: 0, Value: `"\xff"`, Msg: "is not valid UTF-8, which a Protobuf string must be"}},
		{"duplicate column", []arrow.Field{{Name: "st", Type: str}, {Name: "st", Type: str}}, `[]`, avroarrow.CoerceExact,
			avroarrow.EncodeError{Column: "st", Field: "st", Row: -1, Msg: `two columns are named "st"`}},
		{"map value null", []arrow.Field{{Name: "ms", Type: arrow.MapOf(str, arrow.PrimitiveTypes.Int64)}}, `[{"ms":[{"key":"a","value":null}]}]`, avroarrow.CoerceExact,
			avroarrow.EncodeError{Column: "ms", Field: "ms", Row: 0, Msg: "null map value cannot be written: map values hold no nulls"}},
		{"nested narrowing", []arrow.Field{{Name: "rm", Type: arrow.ListOf(arrow.StructOf(arrow.Field{Name: "a", Type: arrow.PrimitiveTypes.Int64}))}}, `[{"rm":[{"a":1},{"a":-3000000000}]}]`, avroarrow.CoerceExact,
			avroarrow.EncodeError{Column: "rm[].a", Field: "rm[].a", Row: 0, Value: "-3000000000", Msg: "does not fit Protobuf int32"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			in := arrow.NewSchema(tc.fields, nil)
			enc, err := CompileEncoder(in, md, EncoderOptions{Coerce: tc.coerce})
			var eerr *avroarrow.EncodeError
			if tc.want.Row < 0 {
				require.ErrorAs(t, err, &eerr)
				require.Equal(t, tc.want, *eerr)
				return
			}
			require.NoError(t, err)
			rec := recordFromJSON(t, mem, in, tc.rows)
			defer rec.Release()
			require.ErrorAs(t, enc.Check(rec), &eerr)
			require.Equal(t, tc.want, *eerr)
			buf := []byte("keep")
			out, err := enc.AppendRow(buf, rec, tc.want.Row)
			require.ErrorAs(t, err, &eerr)
			require.Equal(t, tc.want, *eerr)
			require.Equal(t, "keep", string(out))
		})
	}
}

// TestDeriveProtoText checks the exact text derived, and the refusals.
func TestDeriveProtoText(t *testing.T) {
	in := arrow.NewSchema([]arrow.Field{
		{Name: "inst", Type: arrow.BinaryTypes.String},
		{Name: "bid", Type: arrow.PrimitiveTypes.Float32, Nullable: true},
		{Name: "ts", Type: arrow.FixedWidthTypes.Timestamp_ms, Nullable: true},
		{Name: "quote", Type: arrow.StructOf(arrow.Field{Name: "px", Type: arrow.PrimitiveTypes.Float64})},
		{Name: "Quote", Type: arrow.StructOf(arrow.Field{Name: "n", Type: arrow.PrimitiveTypes.Int64})},
		{Name: "legs", Type: arrow.ListOf(arrow.StructOf(arrow.Field{Name: "d", Type: arrow.FixedWidthTypes.Duration_ms}))},
	}, nil)
	text, err := DeriveProto(in, "Tick")
	require.NoError(t, err)
	require.Equal(t, `syntax = "proto3";

import "google/protobuf/duration.proto";
import "google/protobuf/timestamp.proto";

message Tick {
  string inst = 1;
  optional float bid = 2;
  google.protobuf.Timestamp ts = 3;
  Quote2 quote = 4;
  Quote3 Quote = 5;
  repeated Legs legs = 6;
  message Quote2 {
    double px = 1;
  }
  message Quote3 {
    int64 n = 1;
  }
  message Legs {
    google.protobuf.Duration d = 1;
  }
}
`, text)

	for _, tc := range []struct {
		name   string
		fields []arrow.Field
		full   string
		want   avroarrow.EncodeError
	}{
		{"invalid column name", []arrow.Field{{Name: "my-col", Type: arrow.PrimitiveTypes.Int32}}, "a.M",
			avroarrow.EncodeError{Column: "my-col", Row: -1, Msg: `the name is not a valid Protobuf field name: it must start with a letter or "_" and hold only letters, digits and "_"`}},
		{"JSON name collision", []arrow.Field{{Name: "a_b", Type: arrow.PrimitiveTypes.Int32}, {Name: "aB", Type: arrow.PrimitiveTypes.Int32}}, "a.M",
			avroarrow.EncodeError{Column: "aB", Row: -1, Msg: `the name has the same Protobuf JSON name, "aB", as column "a_b", which proto3 refuses`}},
		{"duplicate", []arrow.Field{{Name: "x", Type: arrow.PrimitiveTypes.Int32}, {Name: "x", Type: arrow.PrimitiveTypes.Int64}}, "a.M",
			avroarrow.EncodeError{Column: "x", Row: -1, Msg: "two columns have this name"}},
		{"no mapping", []arrow.Field{{Name: "s", Type: arrow.StructOf(arrow.Field{Name: "t", Type: arrow.FixedWidthTypes.Time32ms})}}, "a.M",
			avroarrow.EncodeError{Column: "s.t", Row: -1, Msg: "Arrow type time32[ms] has no Protobuf mapping"}},
		{"float map key", []arrow.Field{{Name: "m", Type: arrow.MapOf(arrow.PrimitiveTypes.Float64, arrow.PrimitiveTypes.Int32)}}, "a.M",
			avroarrow.EncodeError{Column: "m", Row: -1, Msg: "map keys of type float64 have no Protobuf map key type (Protobuf map keys are strings, bools or integers)"}},
		{"bad message name", []arrow.Field{{Name: "x", Type: arrow.PrimitiveTypes.Int32}}, "a..M",
			avroarrow.EncodeError{Row: -1, Msg: `message name "a..M" is not a valid Protobuf full name: dot-separated identifiers, each a letter or "_" followed by letters, digits and "_"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := DeriveProto(arrow.NewSchema(tc.fields, nil), tc.full)
			var eerr *avroarrow.EncodeError
			require.ErrorAs(t, err, &eerr)
			require.Equal(t, tc.want, *eerr)
		})
	}
}

// TestAppendHeader checks the Confluent framing and message indexes, read
// back by SplitFrame and Schema.MessageAt.
func TestAppendHeader(t *testing.T) {
	s := compileText(t, `syntax = "proto3"; package h; message A { message B { message C {} } message D {} } message E { message F {} }`)
	for _, tc := range []struct {
		name string
		want []int
		hdr  []byte
	}{
		{"h.A", []int{0}, []byte{0, 0, 0, 1, 2, 0}},
		{"h.A.B", []int{0, 0}, []byte{0, 0, 0, 1, 2, 4, 0, 0}},
		{"h.A.B.C", []int{0, 0, 0}, []byte{0, 0, 0, 1, 2, 6, 0, 0, 0}},
		{"h.A.D", []int{0, 1}, []byte{0, 0, 0, 1, 2, 4, 0, 2}},
		{"h.E.F", []int{1, 0}, []byte{0, 0, 0, 1, 2, 4, 2, 0}},
	} {
		md := message(t, s, tc.name)
		idx := MessageIndexes(md)
		require.Equal(t, tc.want, idx, tc.name)
		hdr := AppendHeader(nil, 258, idx)
		require.Equal(t, tc.hdr, hdr, tc.name)
		fr, err := SplitFrame(append(hdr, 0x08, 0x01))
		require.NoError(t, err)
		require.EqualValues(t, 258, fr.SchemaID)
		got, err := DecodeIndexes(fr.Indexes, nil)
		require.NoError(t, err)
		back, err := s.MessageAt(got)
		require.NoError(t, err)
		require.Equal(t, md.FullName(), back.FullName())
		require.Equal(t, []byte{0x08, 0x01}, fr.Body)
	}
}
