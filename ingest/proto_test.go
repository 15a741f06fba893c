package ingest_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"testing"

	"github.com/apache/arrow-adbc/go/adbc"
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sr"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/dynamicpb"

	"github.com/kafarr/kafarr/kafkaio"
	"github.com/kafarr/kafarr/protoarrow"
)

// ingProtoSchema has a column of every type the Protobuf writer maps
// (protoarrow.DeriveProto).
var ingProtoSchema = arrow.NewSchema([]arrow.Field{
	{Name: "id", Type: arrow.PrimitiveTypes.Int64},
	{Name: "i8", Type: arrow.PrimitiveTypes.Int8},
	{Name: "u16", Type: arrow.PrimitiveTypes.Uint16},
	{Name: "u64", Type: arrow.PrimitiveTypes.Uint64},
	{Name: "f32", Type: arrow.PrimitiveTypes.Float32},
	{Name: "f64", Type: arrow.PrimitiveTypes.Float64},
	{Name: "b", Type: arrow.FixedWidthTypes.Boolean},
	{Name: "s", Type: arrow.BinaryTypes.String},
	{Name: "by", Type: arrow.BinaryTypes.Binary},
	{Name: "ni", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
	{Name: "ns", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "dt", Type: arrow.FixedWidthTypes.Date32},
	{Name: "ts", Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}, Nullable: true},
	{Name: "du", Type: &arrow.DurationType{Unit: arrow.Millisecond}, Nullable: true},
	{Name: "dec", Type: &arrow.Decimal128Type{Precision: 10, Scale: 3}, Nullable: true},
	{Name: "arr", Type: arrow.ListOf(arrow.PrimitiveTypes.Int32)},
	{Name: "st", Type: arrow.StructOf(arrow.Field{Name: "x", Type: arrow.PrimitiveTypes.Int64},
		arrow.Field{Name: "tag", Type: arrow.BinaryTypes.String, Nullable: true}), Nullable: true},
	{Name: "mp", Type: arrow.MapOf(arrow.BinaryTypes.String, arrow.PrimitiveTypes.Float64)},
}, nil)

const ingProtoRowsIn = `[
{"id":0,"i8":-128,"u16":65535,"u64":18446744073709551615,"f32":1.5,"f64":-2.25e-300,"b":true,"s":"héllo","by":"AAEC",
 "ni":-7,"ns":"x","dt":19000,"ts":1704164645678901,"du":1500,"dec":"1234.567","arr":[1,-2],"st":{"x":9007199254740993,"tag":"t"},"mp":[{"key":"k","value":0.5}]},
{"id":1,"i8":0,"u16":0,"u64":0,"f32":0,"f64":0,"b":false,"s":"","by":"",
 "ni":null,"ns":null,"dt":-1,"ts":null,"du":null,"dec":null,"arr":[],"st":null,"mp":[]},
{"id":2,"i8":127,"u16":1,"u64":1,"f32":-0.5,"f64":1e300,"b":true,"s":"日本","by":"/w==",
 "ni":0,"ns":"","dt":0,"ts":-1,"du":-1,"dec":"-0.001","arr":[0],"st":{"x":-1,"tag":null},"mp":[{"key":"","value":-1}]}
]`

// ingProtoValues are the rows as protojson renders what the records hold
// (proto names; int64 as strings; a field without presence holding its
// zero value, a null of an optional field and a null message are absent).
var ingProtoValues = []string{
	`{"i8":-128,"u16":65535,"u64":"18446744073709551615","f32":1.5,"f64":-2.25e-300,"b":true,"s":"héllo","by":"AAEC",
	  "ni":-7,"ns":"x","dt":19000,"ts":"2024-01-02T03:04:05.678901Z","du":"1.500s","dec":{"value":"EtaH","precision":10,"scale":3},
	  "arr":[1,-2],"st":{"x":"9007199254740993","tag":"t"},"mp":{"k":0.5}}`,
	`{"id":"1","dt":-1}`,
	`{"id":"2","i8":127,"u16":1,"u64":"1","f32":-0.5,"f64":1e+300,"b":true,"s":"日本","by":"/w==",
	  "ni":0,"ns":"","ts":"1969-12-31T23:59:59.999999Z","du":"-0.001s","dec":{"value":"/w==","precision":10,"scale":3},
	  "arr":[0],"st":{"x":"-1"},"mp":{"":-1}}`,
}

// protoRecords checks the Confluent Protobuf framing of recs (magic byte,
// id, message-index list as encoded) and returns the bodies decoded with
// dynamicpb against md, rendered by protojson.
func protoRecords(t *testing.T, recs []*kgo.Record, id int, indexes []byte, md protoreflect.MessageDescriptor) []string {
	t.Helper()
	var out []string
	for i, r := range recs {
		if len(r.Value) < 5+len(indexes) || r.Value[0] != 0 || int(binary.BigEndian.Uint32(r.Value[1:5])) != id ||
			!bytes.Equal(r.Value[5:5+len(indexes)], indexes) {
			t.Fatalf("record %d: framing % x, want 00, id %d, indexes % x", i, r.Value[:min(len(r.Value), 5+len(indexes))], id, indexes)
		}
		m := dynamicpb.NewMessage(md)
		if err := proto.Unmarshal(r.Value[5+len(indexes):], m); err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
		js, err := protojson.MarshalOptions{UseProtoNames: true, EmitUnpopulated: false}.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, string(js))
	}
	return out
}

// compileRegistered compiles the latest schema of subject as the
// registry holds it, references resolved through the registry, and
// returns the message named (the first when "").
func (e *ingestEnv) compileRegistered(t *testing.T, subject, message string) (sr.SubjectSchema, protoreflect.MessageDescriptor) {
	t.Helper()
	ss, err := e.reg.SchemaByVersion(ingCtx(t), subject, -1)
	if err != nil {
		t.Fatal(err)
	}
	if ss.Type != sr.TypeProtobuf {
		t.Fatalf("subject %s is %s, not PROTOBUF", subject, ss.Type)
	}
	info := kafkaio.SchemaInfo{ID: ss.ID, Schema: ss.Schema.Schema, Type: "PROTOBUF"}
	for _, r := range ss.References {
		info.References = append(info.References, kafkaio.SchemaReference{Name: r.Name, Subject: r.Subject, Version: r.Version})
	}
	s, err := protoarrow.Compile(ingCtx(t), info, func(ctx context.Context, ref kafkaio.SchemaReference) (kafkaio.SchemaInfo, error) {
		rs, err := e.reg.SchemaByVersion(ctx, ref.Subject, ref.Version)
		return kafkaio.SchemaInfo{ID: rs.ID, Schema: rs.Schema.Schema, Type: "PROTOBUF"}, err
	})
	if err != nil {
		t.Fatal(err)
	}
	md, err := s.Message(message)
	if err != nil {
		t.Fatal(err)
	}
	return ss, md
}

// TestIngestProtobufDerived ingests every mapped type with
// kafarr.ingest.value_format=protobuf into a topic without a subject: a
// .proto is derived and registered as PROTOBUF under <topic>-value, the
// records carry its id and the index list [0] (the single byte 0), and
// dynamicpb reads each value back exactly. A struct key column with
// key_format=protobuf gets <topic>-key the same way.
func TestIngestProtobufDerived(t *testing.T) {
	ingStacks(t, func(t *testing.T, e *ingestEnv) {
		topic := e.topic(t)
		rec := ingFromJSON(t, e.mem, ingProtoSchema, ingProtoRowsIn)
		e.mustIngest(t, topic, rec, map[string]string{"kafarr.ingest.value_format": "protobuf"})
		ss, md := e.compileRegistered(t, topic+"-value", "")
		got := protoRecords(t, e.consume(t, topic), ss.ID, []byte{0}, md)
		if len(got) != len(ingProtoValues) {
			t.Fatalf("%d records, want %d", len(got), len(ingProtoValues))
		}
		for i := range got {
			sameJSON(t, "value", []byte(got[i]), ingProtoValues[i])
		}
		// Appending again reuses the subject's schema: same id.
		e.mustIngest(t, topic, rec, nil)
		if again := protoRecords(t, e.consume(t, topic), ss.ID, []byte{0}, md); len(again) != 6 || again[4] != got[1] {
			t.Fatalf("second ingest read back as %v", again)
		}

		// Keys.
		kt := e.topic(t)
		schema := arrow.NewSchema([]arrow.Field{
			{Name: "k", Type: arrow.StructOf(arrow.Field{Name: "region", Type: arrow.BinaryTypes.String}, arrow.Field{Name: "n", Type: arrow.PrimitiveTypes.Int32}), Nullable: true},
			{Name: "v", Type: arrow.PrimitiveTypes.Float64},
		}, nil)
		keyed := ingFromJSON(t, e.mem, schema, `[{"k":{"region":"eu","n":3},"v":1.25},{"k":null,"v":2}]`)
		e.mustIngest(t, kt, keyed, map[string]string{"kafarr.ingest.value_format": "protobuf", "kafarr.ingest.key_format": "protobuf", "kafarr.ingest.key_column": "k"})
		kss, kmd := e.compileRegistered(t, kt+"-key", "")
		vss, vmd := e.compileRegistered(t, kt+"-value", "")
		recs := e.consume(t, kt)
		if len(recs) != 2 || recs[1].Key != nil {
			t.Fatalf("records %v: want 2, the second without key", recs)
		}
		keys := protoRecords(t, []*kgo.Record{{Value: recs[0].Key}}, kss.ID, []byte{0}, kmd)
		sameJSON(t, "key", []byte(keys[0]), `{"region":"eu","n":3}`)
		vals := protoRecords(t, recs, vss.ID, []byte{0}, vmd)
		sameJSON(t, "value 0", []byte(vals[0]), `{"v":1.25}`)
		sameJSON(t, "value 1", []byte(vals[1]), `{"v":2}`)
	})
}

// ingOrdersProto has two top-level messages and a nested one, so that
// kafarr.ingest.proto_message picks one by index list.
const ingOrdersProto = `syntax = "proto3";
package kafarr.test;

message Other { string unused = 1; }

message Order {
  int64 id = 1;
  int32 qty = 2;
  string name = 3;
  optional double price = 4;
  message Line { string sku = 1; uint32 n = 2; }
  repeated Line lines = 5;
}
`

// TestIngestProtobufRegistered encodes against a pre-registered .proto
// (the subject's PROTOBUF type decides; value_format is unset): the
// message kafarr.ingest.proto_message names, framed with its index list;
// nested messages by their full name. Refusals before anything is
// produced: a narrowing that loses the value, a null into a field without
// presence, a column the message has no field for, value_format=json
// against the PROTOBUF subject, a message the schema does not have.
func TestIngestProtobufRegistered(t *testing.T) {
	ingStacks(t, func(t *testing.T, e *ingestEnv) {
		topic := e.topic(t)
		if _, err := e.reg.CreateSchema(ingCtx(t), topic+"-value", sr.Schema{Schema: ingOrdersProto, Type: sr.TypeProtobuf}); err != nil {
			t.Fatal(err)
		}
		schema := arrow.NewSchema([]arrow.Field{
			{Name: "id", Type: arrow.PrimitiveTypes.Int64},
			{Name: "qty", Type: arrow.PrimitiveTypes.Int64, Nullable: true}, // narrowed to int32
			{Name: "name", Type: arrow.BinaryTypes.String, Nullable: true},
			{Name: "price", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
			{Name: "lines", Type: arrow.ListOf(arrow.StructOf(arrow.Field{Name: "sku", Type: arrow.BinaryTypes.String}, arrow.Field{Name: "n", Type: arrow.PrimitiveTypes.Int64}))},
		}, nil)
		opts := map[string]string{"kafarr.ingest.proto_message": "kafarr.test.Order"}
		rec := ingFromJSON(t, e.mem, schema, `[
			{"id":1,"qty":2147483647,"name":"a","price":9.5,"lines":[{"sku":"x","n":4294967295}]},
			{"id":2,"qty":-5,"name":"","price":null,"lines":[]}]`)
		e.mustIngest(t, topic, rec, opts)
		ss, md := e.compileRegistered(t, topic+"-value", "kafarr.test.Order")
		// Index list [1]: count 1, index 1, both zigzag varints.
		got := protoRecords(t, e.consume(t, topic), ss.ID, []byte{2, 2}, md)
		sameJSON(t, "row 0", []byte(got[0]), `{"id":"1","qty":2147483647,"name":"a","price":9.5,"lines":[{"sku":"x","n":4294967295}]}`)
		sameJSON(t, "row 1", []byte(got[1]), `{"id":"2","qty":-5}`)

		for _, tt := range []struct {
			name  string
			rows  string
			opts  map[string]string
			parts []string
		}{
			{"narrowing", `[{"id":3,"qty":1,"name":"a","price":null,"lines":[]},{"id":4,"qty":3000000000,"name":"a","price":null,"lines":[]}]`,
				opts, []string{`column "qty" row 1`, "3000000000"}},
			{"nested narrowing", `[{"id":3,"qty":1,"name":"a","price":null,"lines":[{"sku":"y","n":-1}]}]`,
				opts, []string{`column "lines`, "row 0", "-1"}},
			{"null without presence", `[{"id":3,"qty":1,"name":null,"price":null,"lines":[]}]`,
				opts, []string{`column "name" row 0`}},
			{"json against PROTOBUF", `[{"id":3,"qty":1,"name":"a","price":null,"lines":[]}]`,
				map[string]string{"kafarr.ingest.value_format": "json"}, []string{"kafarr.ingest.value_format=json", topic + "-value", "PROTOBUF"}},
			{"unknown message", `[{"id":3,"qty":1,"name":"a","price":null,"lines":[]}]`,
				map[string]string{"kafarr.ingest.proto_message": "kafarr.test.Nope"}, []string{"kafarr.test.Nope", "kafarr.test.Order"}},
		} {
			t.Run(tt.name, func(t *testing.T) {
				_, err := e.ingest(t, topic, ingFromJSON(t, e.mem, schema, tt.rows), tt.opts)
				ingWantStatus(t, err, adbc.StatusInvalidArgument, tt.parts...)
			})
		}
		// A column the message has no field for: the first message
		// (Other) has none of the columns' names.
		_, err := e.ingest(t, topic, rec, nil)
		ingWantStatus(t, err, adbc.StatusInvalidArgument, `column "id"`, "kafarr.test.Other")
		if n := e.totalEnd(t, topic); n != 2 {
			t.Fatalf("refused ingests wrote: %d records, want 2", n)
		}
	})
}

// TestIngestProtobufReference encodes against a subject whose .proto
// imports another registered .proto through a schema reference.
func TestIngestProtobufReference(t *testing.T) {
	ingStacks(t, func(t *testing.T, e *ingestEnv) {
		topic := e.topic(t)
		dep := topic + "-money"
		t.Cleanup(func() {
			_, _ = e.reg.DeleteSubject(context.Background(), dep, sr.SoftDelete)
			_, _ = e.reg.DeleteSubject(context.Background(), dep, sr.HardDelete)
		})
		money := "syntax = \"proto3\";\npackage kafarr.money;\nmessage Money { string currency = 1; int64 units = 2; }\n"
		ds, err := e.reg.CreateSchema(ingCtx(t), dep, sr.Schema{Schema: money, Type: sr.TypeProtobuf})
		if err != nil {
			t.Fatal(err)
		}
		main := "syntax = \"proto3\";\npackage kafarr.test;\nimport \"kafarr/money.proto\";\nmessage Payment { string id = 1; kafarr.money.Money amount = 2; }\n"
		if _, err := e.reg.CreateSchema(ingCtx(t), topic+"-value", sr.Schema{Schema: main, Type: sr.TypeProtobuf,
			References: []sr.SchemaReference{{Name: "kafarr/money.proto", Subject: dep, Version: ds.Version}}}); err != nil {
			t.Fatal(err)
		}
		schema := arrow.NewSchema([]arrow.Field{
			{Name: "id", Type: arrow.BinaryTypes.String},
			{Name: "amount", Type: arrow.StructOf(arrow.Field{Name: "currency", Type: arrow.BinaryTypes.String}, arrow.Field{Name: "units", Type: arrow.PrimitiveTypes.Int64})},
		}, nil)
		rec := ingFromJSON(t, e.mem, schema, `[{"id":"p1","amount":{"currency":"EUR","units":-12}}]`)
		e.mustIngest(t, topic, rec, nil)
		ss, md := e.compileRegistered(t, topic+"-value", "")
		got := protoRecords(t, e.consume(t, topic), ss.ID, []byte{0}, md)
		sameJSON(t, "value", []byte(got[0]), `{"id":"p1","amount":{"currency":"EUR","units":"-12"}}`)
	})
}
