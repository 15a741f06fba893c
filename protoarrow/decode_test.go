package protoarrow

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"

	"github.com/kafarr/kafarr/avroarrow"
)

// allProto has a field of every type of the mapping.
const allProto = `syntax = "proto3";
package kt;
import "google/protobuf/timestamp.proto";
import "google/protobuf/duration.proto";
import "google/protobuf/wrappers.proto";
import "google/protobuf/struct.proto";
import "google/protobuf/any.proto";
import "confluent/type/decimal.proto";
import "confluent/meta.proto";

enum Side { SIDE_UNSPECIFIED = 0; BUY = 1; SELL = 2; }
message Inner { int32 a = 1; string b = 2; }
message All {
  int32 i32 = 1; sint32 si32 = 2; sfixed32 sf32 = 3; uint32 u32 = 4; fixed32 f32 = 5;
  int64 i64 = 6; sint64 si64 = 7; sfixed64 sf64 = 8; uint64 u64 = 9; fixed64 f64 = 10;
  float fl = 11; double db = 12; bool bo = 13; string st = 14; bytes by = 15;
  Side side = 16;
  Inner inner = 17;
  repeated int32 ri = 18;
  repeated string rs = 19;
  repeated Inner rm = 20;
  map<string, int64> ms = 21;
  map<int32, Inner> mi = 22;
  oneof choice { string c_str = 23; Inner c_msg = 24; int64 c_int = 25; }
  optional int32 opt = 26;
  google.protobuf.Timestamp ts = 27;
  google.protobuf.Duration du = 28;
  google.protobuf.Int32Value w32 = 29;
  google.protobuf.StringValue wstr = 30;
  google.protobuf.Struct js = 31;
  google.protobuf.Value jv = 32;
  google.protobuf.ListValue jl = 33;
  google.protobuf.Any ja = 34;
  confluent.type.Decimal dec = 35 [(confluent.field_meta) = { params: [{key: "precision", value: "10"}, {key: "scale", value: "2"}] }];
  repeated Side rside = 36;
  confluent.type.Decimal dec2 = 37;
  map<string, google.protobuf.Timestamp> mts = 38;
  google.protobuf.UInt64Value wu64 = 39;
  google.protobuf.BytesValue wby = 40;
  google.protobuf.BoolValue wbo = 41;
  google.protobuf.DoubleValue wdb = 42;
}`

// TestDecodeMapping reads a message of every type of the mapping, built
// with the protobuf runtime from its protojson form, and checks each
// column's exact value (rendered by arrow-go's RecordToJSON).
func TestDecodeMapping(t *testing.T) {
	s := compileText(t, allProto)
	md := message(t, s, "kt.All")
	tests := []struct {
		name string
		cols []string
		in   string
		want string
	}{
		{"integer extremes", []string{"i32", "si32", "sf32", "u32", "f32", "i64", "si64", "sf64", "u64", "f64"},
			`{"i32":-2147483648,"si32":-2147483648,"sf32":-2147483648,"u32":4294967295,"f32":4294967295,"i64":"-9223372036854775808","si64":"-9223372036854775808","sf64":"-9223372036854775808","u64":"18446744073709551615","f64":"18446744073709551615"}`,
			`{"f32":4294967295,"f64":18446744073709551615,"i32":-2147483648,"i64":-9223372036854775808,"sf32":-2147483648,"sf64":-9223372036854775808,"si32":-2147483648,"si64":-9223372036854775808,"u32":4294967295,"u64":18446744073709551615}`},
		{"integer others", []string{"i32", "si32", "sf32", "i64", "si64", "sf64"},
			`{"i32":2147483647,"si32":2147483647,"sf32":2147483647,"i64":"9223372036854775807","si64":"9223372036854775807","sf64":"-1"}`,
			`{"i32":2147483647,"i64":9223372036854775807,"sf32":2147483647,"sf64":-1,"si32":2147483647,"si64":9223372036854775807}`},
		{"defaults without presence", []string{"i32", "u64", "fl", "db", "bo", "st", "by", "side", "ri", "ms"},
			`{}`,
			`{"bo":false,"by":"","db":0,"fl":0,"i32":0,"ms":[],"ri":[],"side":"SIDE_UNSPECIFIED","st":"","u64":0}`},
		{"floats and bools", []string{"fl", "db", "bo"},
			`{"fl":-3.5,"db":1e-300,"bo":true}`,
			`{"bo":true,"db":1e-300,"fl":-3.5}`},
		{"strings and bytes", []string{"st", "by"},
			`{"st":"héllo, 世界","by":"AP8="}`,
			`{"by":"AP8=","st":"héllo, 世界"}`},
		{"enum", []string{"side", "rside"},
			`{"side":"SELL","rside":["BUY","SIDE_UNSPECIFIED","SELL"]}`,
			`{"rside":["BUY","SIDE_UNSPECIFIED","SELL"],"side":"SELL"}`},
		{"enum number the schema does not name", []string{"side", "rside"},
			`{"side":7,"rside":[1,-3,-3,2]}`,
			`{"rside":["BUY","-3","-3","SELL"],"side":"7"}`},
		{"message absent is null", []string{"inner"}, `{}`, `{"inner":null}`},
		{"message present and empty", []string{"inner"}, `{"inner":{}}`, `{"inner":{"a":0,"b":""}}`},
		{"message", []string{"inner"}, `{"inner":{"a":-1,"b":"x"}}`, `{"inner":{"a":-1,"b":"x"}}`},
		{"lists", []string{"ri", "rs", "rm"},
			`{"ri":[1,-2,3],"rs":["a",""],"rm":[{"a":1},{},{"b":"z"}]}`,
			`{"ri":[1,-2,3],"rm":[{"a":1,"b":""},{"a":0,"b":""},{"a":0,"b":"z"}],"rs":["a",""]}`},
		{"maps", []string{"ms", "mi", "mts"},
			`{"ms":{"k":"7","j":"-8"},"mi":{"5":{"a":5},"-1":{}},"mts":{"t":"1970-01-01T00:00:01Z"}}`,
			`{"mi":[{"key":-1,"value":{"a":0,"b":""}},{"key":5,"value":{"a":5,"b":""}}],"ms":[{"key":"j","value":-8},{"key":"k","value":7}],"mts":[{"key":"t","value":"1970-01-01T00:00:01Z"}]}`},
		{"oneof unset", []string{"choice", "choice_case"}, `{}`, `{"choice":null,"choice_case":null}`},
		{"oneof set to a default", []string{"choice", "choice_case"}, `{"c_str":""}`,
			`{"choice":{"c_int":null,"c_msg":null,"c_str":""},"choice_case":"c_str"}`},
		{"oneof message", []string{"choice", "choice_case"}, `{"c_msg":{"a":9}}`,
			`{"choice":{"c_int":null,"c_msg":{"a":9,"b":""},"c_str":null},"choice_case":"c_msg"}`},
		{"oneof case only", []string{"choice_case"}, `{"c_int":"0"}`, `{"choice_case":"c_int"}`},
		{"proto3 optional", []string{"opt", "i32"}, `{"opt":0}`, `{"i32":0,"opt":0}`},
		{"proto3 optional absent", []string{"opt"}, `{}`, `{"opt":null}`},
		{"timestamps", []string{"ts"}, `{"ts":"2024-01-02T03:04:05.123456789Z"}`, `{"ts":"2024-01-02T03:04:05.123456Z"}`},
		{"timestamp before the epoch floors", []string{"ts"}, `{"ts":"1969-12-31T23:59:59.0000005Z"}`, `{"ts":"1969-12-31T23:59:59Z"}`},
		{"timestamp year 1", []string{"ts"}, `{"ts":"0001-01-01T00:00:00Z"}`, `{"ts":"0001-01-01T00:00:00Z"}`},
		{"timestamp year 9999", []string{"ts"}, `{"ts":"9999-12-31T23:59:59.999999999Z"}`, `{"ts":"9999-12-31T23:59:59.999999Z"}`},
		{"durations", []string{"du"}, `{"du":"-1.5s"}`, `{"du":"-1500000us"}`},
		{"duration truncates toward zero", []string{"du"}, `{"du":"-0.000001999s"}`, `{"du":"-1us"}`},
		{"duration extreme", []string{"du"}, `{"du":"315576000000s"}`, `{"du":"315576000000000000us"}`},
		{"wrappers", []string{"w32", "wstr", "wu64", "wby", "wbo", "wdb"},
			`{"w32":0,"wstr":"","wu64":"18446744073709551615","wby":"AQ==","wbo":false,"wdb":2.5}`,
			`{"wbo":false,"wby":"AQ==","wdb":2.5,"w32":0,"wstr":"","wu64":18446744073709551615}`},
		{"wrappers absent", []string{"w32", "wstr"}, `{}`, `{"w32":null,"wstr":null}`},
		{"struct", []string{"js"}, `{"js":{"z":1,"a":[true,null,"s\"\n\u0001",{"q":2.5}],"big":1e21,"small":1e-7}}`,
			`{"js":"{\"a\":[true,null,\"s\\\"\\n\\u0001\",{\"q\":2.5}],\"big\":1e+21,\"small\":1e-07,\"z\":1}"}`},
		{"empty struct", []string{"js"}, `{"js":{}}`, `{"js":"{}"}`},
		{"value", []string{"jv"}, `{"jv":"str"}`, `{"jv":"\"str\""}`},
		{"value null", []string{"jv"}, `{"jv":null}`, `{"jv":"null"}`},
		{"list value", []string{"jl"}, `{"jl":[1,"x",[],{}]}`, `{"jl":"[1,\"x\",[],{}]"}`},
		{"any of a schema type", []string{"ja"}, `{"ja":{"@type":"type.googleapis.com/kt.Inner","a":4}}`,
			`{"ja":"{\"@type\":\"type.googleapis.com/kt.Inner\",\"a\":4}"}`},
		{"any of a well-known type", []string{"ja"}, `{"ja":{"@type":"type.googleapis.com/google.protobuf.Duration","value":"1s"}}`,
			`{"ja":"{\"@type\":\"type.googleapis.com/google.protobuf.Duration\",\"value\":\"1s\"}"}`},
		{"decimal of the field's scale", []string{"dec"}, `{"dec":{"value":"BNI=","scale":2}}`, `{"dec":"12.34"}`},
		{"decimal rescaled up", []string{"dec"}, `{"dec":{"value":"BQ==","scale":0}}`, `{"dec":"5"}`},
		{"decimal rescaled down exactly", []string{"dec"}, `{"dec":{"value":"MDQ=","scale":3}}`, `{"dec":"12.34"}`},
		{"decimal negative", []string{"dec"}, `{"dec":{"value":"+y4=","scale":2}}`, `{"dec":"-12.34"}`},
		{"decimal zero", []string{"dec"}, `{"dec":{}}`, `{"dec":"0"}`},
		{"decimal default precision", []string{"dec2"}, `{"dec2":{"value":"AQ==","scale":1}}`, `{"dec2":"0.1"}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dec, err := NewDecoder(md, DecoderOptions{Projection: tc.cols})
			require.NoError(t, err)
			rows := decodeRows(t, dec, encodeJSON(t, md, tc.in))
			require.Len(t, rows, 1)
			assert.JSONEq(t, tc.want, rows[0])
		})
	}
}

// TestDecodeAnyUnknownType keeps an Any whose type the schema lacks as
// its type URL and base64 bytes, where protojson would fail.
func TestDecodeAnyUnknownType(t *testing.T) {
	s := compileText(t, allProto)
	md := message(t, s, "kt.All")
	any, err := proto.Marshal(&anypb.Any{TypeUrl: "example.com/x.Y", Value: []byte{1, 2, 3}})
	require.NoError(t, err)
	msg := protowire.AppendBytes(protowire.AppendTag(nil, 34, protowire.BytesType), any)
	dec, err := NewDecoder(md, DecoderOptions{Projection: []string{"ja"}})
	require.NoError(t, err)
	assert.Equal(t, []string{`{"ja":"{\"@type\":\"example.com/x.Y\",\"value\":\"AQID\"}"}`}, decodeRows(t, dec, msg))
}

// TestDecodeEnumDictionary checks that numbers the schema does not name
// enter each batch's dictionary once, and that the next batch starts from
// the schema's names again.
func TestDecodeEnumDictionary(t *testing.T) {
	s := compileText(t, allProto)
	md := message(t, s, "kt.All")
	dec, err := NewDecoder(md, DecoderOptions{Projection: []string{"side"}})
	require.NoError(t, err)
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	bb, err := avroarrow.NewBatchBuilder(mem, dec.Schema())
	require.NoError(t, err)
	defer bb.Release()
	for _, js := range []string{`{"side":7}`, `{"side":"BUY"}`, `{"side":7}`, `{"side":8}`} {
		require.NoError(t, dec.Decode(encodeJSON(t, md, js), bb))
	}
	rec, err := bb.NewRecord()
	require.NoError(t, err)
	d := rec.Column(0).(*array.Dictionary)
	assert.Equal(t, `["SIDE_UNSPECIFIED" "BUY" "SELL" "7" "8"]`, d.Dictionary().String())
	assert.Equal(t, `[3 1 3 4]`, d.Indices().String())
	rec.Release()

	require.NoError(t, dec.Decode(encodeJSON(t, md, `{"side":"SELL"}`), bb))
	rec, err = bb.NewRecord()
	require.NoError(t, err)
	defer rec.Release()
	assert.Equal(t, `["SIDE_UNSPECIFIED" "BUY" "SELL"]`, rec.Column(0).(*array.Dictionary).Dictionary().String())
}

// TestDecodeSchemaArrowTypes pins the Arrow type of each column.
func TestDecodeSchemaArrowTypes(t *testing.T) {
	s := compileText(t, allProto)
	dec, err := NewDecoder(message(t, s, "kt.All"), DecoderOptions{})
	require.NoError(t, err)
	var got []string
	for _, f := range dec.Schema().Fields() {
		require.True(t, f.Nullable, f.Name)
		got = append(got, f.Name+": "+f.Type.String())
	}
	want := []string{
		"i32: int32", "si32: int32", "sf32: int32", "u32: uint32", "f32: uint32",
		"i64: int64", "si64: int64", "sf64: int64", "u64: uint64", "f64: uint64",
		"fl: float32", "db: float64", "bo: bool", "st: utf8", "by: binary",
		"side: dictionary<values=utf8, indices=int32, ordered=false>",
		"inner: struct<a: int32, b: utf8>",
		"ri: list<item: int32>", "rs: list<item: utf8>", "rm: list<item: struct<a: int32, b: utf8>>",
		"ms: map<utf8, int64, items_non_nullable>", "mi: map<int32, struct<a: int32, b: utf8>, items_non_nullable>",
		"choice: struct<c_str: utf8 nullable, c_msg: struct<a: int32, b: utf8> nullable, c_int: int64 nullable>",
		"choice_case: utf8", "opt: int32",
		"ts: timestamp[us, tz=UTC]", "du: duration[us]", "w32: int32", "wstr: utf8",
		"js: utf8", "jv: utf8", "jl: utf8", "ja: utf8",
		"dec: decimal(10, 2)", "rside: list<item: dictionary<values=utf8, indices=int32, ordered=false>>",
		"dec2: decimal(38, 18)", "mts: map<utf8, timestamp[us, tz=UTC], items_non_nullable>",
		"wu64: uint64", "wby: binary", "wbo: bool", "wdb: float64",
	}
	assert.Equal(t, want, got)
}
