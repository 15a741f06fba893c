package protoarrow

import (
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/require"
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
		})
	}
}
