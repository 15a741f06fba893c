package statement_test

import (
	"context"
	"encoding/binary"
	"fmt"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sr"
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/kafarr/kafarr/driver"
	"github.com/kafarr/kafarr/internal/testenv"
)

// fuzzProto has fields of most Protobuf kinds, so random bytes after a
// valid frame reach every step: varints, zigzag, fixed widths, lengths,
// enums, nested and repeated messages, maps, oneofs, well-known types.
const fuzzProto = `syntax = "proto3";
package test.kafarr;
import "google/protobuf/timestamp.proto";
import "google/protobuf/wrappers.proto";
import "google/protobuf/struct.proto";
message Fuzz {
  enum Color { RED = 0; GREEN = 1; }
  message Inner { int32 x = 1; repeated string tags = 2; }
  string s = 1;
  sint64 l = 2;
  optional double d = 3;
  bytes b = 4;
  Color e = 5;
  fixed32 f = 6;
  repeated int32 a = 7;
  map<string, Inner> m = 8;
  google.protobuf.Timestamp ts = 9;
  google.protobuf.Int64Value w = 10;
  oneof pick { string name = 11; Inner inner = 12; }
  google.protobuf.Struct st = 13;
  uint64 u = 14;
}
`

// fuzzJSONSchema is a JSON Schema of most mapped kinds.
const fuzzJSONSchema = `{"type":"object","properties":{
 "s":{"type":"string"},"i":{"type":"integer"},"n":{"type":["null","number"]},"b":{"type":"boolean"},
 "at":{"type":"string","format":"date-time"},"day":{"type":"string","format":"date"},
 "id":{"type":"string","format":"uuid"},"a":{"type":"array","items":{"type":"integer"}},
 "o":{"type":"object","properties":{"x":{"type":"integer"},"deep":{"type":"array","items":{"type":"array","items":{"type":"string"}}}}},
 "m":{"type":"object","additionalProperties":{"type":"number"}},"any":{}},
 "required":["s"]}`

// FuzzReadFormats produces random bytes as a Kafka value of a Protobuf
// topic, a JSON Schema topic or a plain JSON topic (framed with the
// topic's registered schema id when the format is framed and framed is
// set) and reads that one message back under each kafarr.read.on_error
// mode, as FuzzReadMessage does for Avro: nothing panics, every failure is
// InvalidData naming the offset, the three modes agree, and no Arrow
// memory is left allocated.
//
// Run it with: go test ./statement -run '^$' -fuzz FuzzReadFormats -fuzztime 3m
func FuzzReadFormats(f *testing.F) {
	stack := testenv.DevStack(f)
	ctx := context.Background()
	cl, err := kgo.NewClient(kgo.SeedBrokers(stack.Brokers()), kgo.RecordPartitioner(kgo.ManualPartitioner()), kgo.ProducerLinger(0))
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(cl.Close)
	rc, err := sr.NewClient(sr.URLs(stack.RegistryURL()))
	if err != nil {
		f.Fatal(err)
	}
	type target struct {
		topic string
		id    int32
		opts  map[string]string
	}
	targets := []target{
		{topic: "fuzz_pb", opts: map[string]string{"kafarr.value.format": "protobuf"}},
		{topic: "fuzz_js", opts: map[string]string{"kafarr.value.format": "json"}},
		{topic: "fuzz_plain", opts: map[string]string{"kafarr.value.format": "json", "kafarr.value.schema": fuzzJSONSchema}},
	}
	for i, s := range []sr.Schema{{Schema: fuzzProto, Type: sr.TypeProtobuf}, {Schema: fuzzJSONSchema, Type: sr.TypeJSON}} {
		ss, err := rc.CreateSchema(ctx, targets[i].topic+"-value", s)
		if err != nil {
			f.Fatal(err)
		}
		targets[i].id = int32(ss.ID)
	}
	for _, tg := range targets {
		if resp, err := kadm.NewClient(cl).CreateTopic(ctx, 1, 1, nil, tg.topic); err != nil || resp.Err != nil {
			f.Fatalf("creating %s: %v %v", tg.topic, err, resp.Err)
		}
	}

	// A valid Protobuf body: s="héllo", l=-42, e=GREEN, a=[1,-2] packed,
	// m={"k": {x: 7}}, pick.name="n".
	var pb []byte
	pb = protowire.AppendTag(pb, 1, protowire.BytesType)
	pb = protowire.AppendString(pb, "héllo")
	pb = protowire.AppendTag(pb, 2, protowire.VarintType)
	pb = protowire.AppendVarint(pb, protowire.EncodeZigZag(-42))
	pb = protowire.AppendTag(pb, 5, protowire.VarintType)
	pb = protowire.AppendVarint(pb, 1)
	var packed []byte
	packed = protowire.AppendVarint(packed, 1)
	minus2 := int64(-2)
	packed = protowire.AppendVarint(packed, uint64(minus2))
	pb = protowire.AppendTag(pb, 7, protowire.BytesType)
	pb = protowire.AppendBytes(pb, packed)
	var inner, entry []byte
	inner = protowire.AppendTag(inner, 1, protowire.VarintType)
	inner = protowire.AppendVarint(inner, 7)
	entry = protowire.AppendTag(entry, 1, protowire.BytesType)
	entry = protowire.AppendString(entry, "k")
	entry = protowire.AppendTag(entry, 2, protowire.BytesType)
	entry = protowire.AppendBytes(entry, inner)
	pb = protowire.AppendTag(pb, 8, protowire.BytesType)
	pb = protowire.AppendBytes(pb, entry)
	pb = protowire.AppendTag(pb, 11, protowire.BytesType)
	pb = protowire.AppendString(pb, "n")
	js := []byte(`{"s":"héllo","i":-42,"n":null,"b":true,"at":"2026-12-03T10:00:00.5Z","day":"2026-12-03","id":"0f8fad5b-d9cb-469f-a165-70867728950e","a":[1,-2],"o":{"x":7,"deep":[["a"],[]]},"m":{"k":1.5},"any":{"z":[1]}}`)

	for which := range uint8(3) {
		good := js
		if which == 0 {
			good = pb
		}
		f.Add(which, true, good)
		f.Add(which, true, good[:len(good)/2])
		f.Add(which, true, []byte{})
		f.Add(which, true, []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01})
		f.Add(which, false, []byte{0})
		f.Add(which, false, []byte("plain text"))
		f.Add(which, true, append(append([]byte{}, good...), 0))
	}
	f.Add(uint8(0), false, []byte{0, 0, 0, 0, 1, 0x7f}) // an index count of -64
	f.Add(uint8(0), false, []byte{0, 0, 0, 0, 1, 0xfe, 0xff, 0xff, 0xff, 0x0f})
	f.Add(uint8(1), true, []byte(`{"s":"x","o":{"deep":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["a"]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}}`))
	f.Add(uint8(2), true, []byte("{\"s\":\"\xff\"}"))

	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	testenv.CheckLeaks(f, mem)
	db, err := driver.NewDriver(mem).NewDatabase(map[string]string{
		"uri": "kafka://" + stack.Brokers(), "kafarr.schema_registry.url": stack.RegistryURL(),
		"kafarr.read.timeout_ms": "20000",
	})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { db.Close() })
	cn, err := db.Open(ctx)
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { cn.Close() })

	frame := func(tg target, framed bool, body []byte) []byte {
		if !framed || tg.id == 0 {
			return body
		}
		out := binary.BigEndian.AppendUint32([]byte{0}, uint32(tg.id))
		if tg.topic == "fuzz_pb" {
			out = append(out, 0)
		}
		return append(out, body...)
	}
	// The valid messages must read, or every input would pass as bad.
	for i, tg := range targets {
		good := js
		if i == 0 {
			good = pb
		}
		r := &kgo.Record{Topic: tg.topic, Partition: 0, Value: frame(tg, true, good)}
		if err := cl.ProduceSync(ctx, r).FirstErr(); err != nil {
			f.Fatal(err)
		}
		rows, err := fuzzQuery(ctx, cn, fmt.Sprintf(`SELECT s FROM %q WHERE _offset = %d`, tg.topic, r.Offset), "fail", tg.opts)
		if err != nil || fmt.Sprint(rows) != "[[héllo]]" {
			f.Fatalf("%s: the valid message reads as %v, %v", tg.topic, rows, err)
		}
	}

	f.Fuzz(func(t *testing.T, which uint8, framed bool, body []byte) {
		tg := targets[int(which)%len(targets)]
		value := frame(tg, framed, body)
		r := &kgo.Record{Topic: tg.topic, Partition: 0, Value: value}
		if value == nil {
			r.Value = []byte{} // a nil value is a tombstone, not bad input
		}
		if err := cl.ProduceSync(ctx, r).FirstErr(); err != nil {
			t.Fatal(err)
		}
		sql := fmt.Sprintf(`SELECT * FROM %q WHERE _offset = %d`, tg.topic, r.Offset)
		checkOnErrorModes(t, ctx, cn, mem, sql, tg.topic, r.Offset, value, tg.opts)
	})
}
