package statement_test

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/apache/arrow-adbc/go/adbc"
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/twmb/franz-go/pkg/sr"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/dynamicpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/kafarr/kafarr/driver"
	"github.com/kafarr/kafarr/kafkaio"
	"github.com/kafarr/kafarr/protoarrow"
)

// quoteProto is a Protobuf schema of two messages, with a well-known type
// import (which the registry holds no reference for) and an enum.
const quoteProto = `syntax = "proto3";
package acme.v1;
import "google/protobuf/timestamp.proto";
message Quote {
  enum Side { BUY = 0; SELL = 1; }
  string sym = 1;
  double px = 2;
  optional int64 qty = 3;
  repeated string tags = 4;
  google.protobuf.Timestamp ts = 5;
  Side side = 6;
}
message Trade {
  string sym = 1;
  uint64 size = 2;
}
`

// registerTyped registers a Protobuf or JSON Schema under subject and
// returns its id.
func (e *env) registerTyped(subject, schema string, typ sr.SchemaType) int32 {
	e.t.Helper()
	cl, err := sr.NewClient(sr.URLs(e.registry))
	if err != nil {
		e.t.Fatal(err)
	}
	ss, err := cl.CreateSchema(ctxOf(e.t), subject, sr.Schema{Schema: schema, Type: typ})
	if err != nil {
		e.t.Fatalf("registering under %s: %v", subject, err)
	}
	return int32(ss.ID)
}

// protoMessages compiles a .proto text and returns its message types by
// short name.
func protoMessages(t *testing.T, text string) map[string]protoreflect.MessageDescriptor {
	t.Helper()
	s, err := protoarrow.Compile(ctxOf(t), kafkaio.SchemaInfo{Type: "PROTOBUF", Schema: text}, nil)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]protoreflect.MessageDescriptor{}
	msgs := s.File().Messages()
	for i := range msgs.Len() {
		out[string(msgs.Get(i).Name())] = msgs.Get(i)
	}
	return out
}

// framePB frames a Protobuf message as Confluent's serializers do: magic
// byte, schema id, the message-index list (a single 0 for the first
// top-level message), the message.
func framePB(t *testing.T, id int32, index int, m proto.Message) []byte {
	t.Helper()
	b := binary.BigEndian.AppendUint32([]byte{0}, uint32(id))
	if index == 0 {
		b = append(b, 0)
	} else {
		b = binary.AppendVarint(b, 1)
		b = binary.AppendVarint(b, int64(index))
	}
	body, err := proto.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return append(b, body...)
}

// frameJSON frames JSON text with a schema id.
func frameJSON(id int32, text string) []byte {
	return append(binary.BigEndian.AppendUint32([]byte{0}, uint32(id)), text...)
}

func quoteMsg(md protoreflect.MessageDescriptor, sym string, px float64, qty *int64, tags []string, ts time.Time, side int32) proto.Message {
	m := dynamicpb.NewMessage(md)
	f := md.Fields()
	m.Set(f.ByName("sym"), protoreflect.ValueOfString(sym))
	m.Set(f.ByName("px"), protoreflect.ValueOfFloat64(px))
	if qty != nil {
		m.Set(f.ByName("qty"), protoreflect.ValueOfInt64(*qty))
	}
	l := m.Mutable(f.ByName("tags")).List()
	for _, tag := range tags {
		l.Append(protoreflect.ValueOfString(tag))
	}
	tsm := dynamicpb.NewMessage(f.ByName("ts").Message())
	tsb, _ := proto.Marshal(timestamppb.New(ts))
	_ = proto.Unmarshal(tsb, tsm)
	m.Set(f.ByName("ts"), protoreflect.ValueOfMessage(tsm))
	m.Set(f.ByName("side"), protoreflect.ValueOfEnum(protoreflect.EnumNumber(side)))
	return m
}

func metaOf(t *testing.T, sc *arrow.Schema, key string) string {
	t.Helper()
	v, _ := sc.Metadata().GetValue(key)
	return v
}

// TestReadProtobuf reads a Protobuf topic: auto picks the format from the
// subject's schema type, every column has its exact values, the result
// metadata names the format and the message, a projection decodes only
// what it needs, kafarr.value.proto.message picks the second message, and
// an explicit format the subject contradicts is InvalidArgument.
func TestReadProtobuf(t *testing.T) {
	forStacks(t, func(t *testing.T, e *env) {
		topic := e.topic(1, nil)
		id := e.registerTyped(topic+"-value", quoteProto, sr.TypeProtobuf)
		md := protoMessages(t, quoteProto)
		ts := time.Date(2026, 12, 3, 9, 30, 0, 123456000, time.UTC)
		seven := int64(7)
		e.produce(
			rec(topic, 0, baseMs, nil, framePB(t, id, 0, quoteMsg(md["Quote"], "AAPL", 187.25, &seven, []string{"x", "y"}, ts, 1))),
			rec(topic, 0, baseMs+1, nil, framePB(t, id, 0, quoteMsg(md["Quote"], "MSFT", 0, nil, nil, ts.Add(time.Second), 0))),
			rec(topic, 0, baseMs+2, nil, nil),
		)
		cn := e.open(nil)
		res := e.mustQuery(cn, "SELECT * FROM "+q(topic), nil)
		wantCols(t, res, "sym", "px", "qty", "tags", "ts", "side", "_partition", "_offset", "_timestamp")
		us := ts.UnixMicro()
		wantRows(t, res, [][]any{
			{"AAPL", 187.25, int64(7), []any{"x", "y"}, us, "SELL", int32(0), int64(0), baseMs},
			{"MSFT", 0.0, nil, []any{}, us + 1e6, "BUY", int32(0), int64(1), baseMs + 1},
			{nil, nil, nil, nil, nil, nil, int32(0), int64(2), baseMs + 2},
		})
		for k, want := range map[string]string{
			"kafarr.value.format": "protobuf", "kafarr.value.record_name": "acme.v1.Quote",
			"kafarr.value.schema_id": fmt.Sprint(id), "kafarr.value.subject": topic + "-value", "kafarr.value.schema": quoteProto,
		} {
			if got := metaOf(t, res.schema, k); got != want {
				t.Errorf("%s = %q, want %q", k, got, want)
			}
		}
		res = e.mustQuery(cn, "SELECT q.qty, sym FROM "+q(topic)+" AS q WHERE q.px > 100", nil)
		wantRows(t, res, [][]any{{int64(7), "AAPL"}})

		// The second message type, framed with index [1].
		trade := dynamicpb.NewMessage(md["Trade"])
		trade.Set(md["Trade"].Fields().ByName("sym"), protoreflect.ValueOfString("IBM"))
		trade.Set(md["Trade"].Fields().ByName("size"), protoreflect.ValueOfUint64(1<<63+5))
		t2 := e.topic(1, nil)
		e.produce(rec(t2, 0, baseMs, nil, framePB(t, id, 1, trade)))
		opts := map[string]string{"kafarr.value.subject": topic + "-value", "kafarr.value.proto.message": "acme.v1.Trade"}
		res = e.mustQuery(cn, "SELECT sym, size FROM "+q(t2), opts)
		if res.schema.Field(1).Type.ID() != arrow.UINT64 {
			t.Errorf("size is %s, want uint64", res.schema.Field(1).Type)
		}
		if got := fmt.Sprint(res.rows); got != fmt.Sprint([][]any{{"IBM", fmt.Sprintf("<%s>", arrow.PrimitiveTypes.Uint64)}}) {
			t.Errorf("rows %v", got)
		}
		if got := metaOf(t, res.schema, "kafarr.value.record_name"); got != "acme.v1.Trade" {
			t.Errorf("record_name %q", got)
		}
		// Read as the first message, the Trade is an error naming both.
		res = e.query(cn, "SELECT * FROM "+q(t2), map[string]string{"kafarr.value.subject": topic + "-value"})
		wantStatus(t, res.err, adbc.StatusInvalidData, t2, "offset 0")

		res = e.query(cn, "SELECT * FROM "+q(topic), map[string]string{"kafarr.value.format": "avro"})
		wantStatus(t, res.err, adbc.StatusInvalidArgument, "kafarr.value.format=avro", "PROTOBUF", topic+"-value")
		res = e.query(cn, "SELECT * FROM "+q(topic), map[string]string{"kafarr.value.proto.message": "acme.v1.Nope"})
		wantStatus(t, res.err, adbc.StatusInvalidArgument, "acme.v1.Nope", "acme.v1.Quote")
	})
}

// TestReadFormatFromFirstMessage decides the format from the first framed
// message's schema id when the topic's subject has none.
func TestReadFormatFromFirstMessage(t *testing.T) {
	forStacks(t, func(t *testing.T, e *env) {
		topic := e.topic(1, nil)
		id := e.registerTyped(topic+"-elsewhere", quoteProto, sr.TypeProtobuf)
		md := protoMessages(t, quoteProto)
		ts := time.UnixMilli(baseMs).UTC()
		e.produce(
			rec(topic, 0, baseMs, nil, nil),
			rec(topic, 0, baseMs+1, nil, framePB(t, id, 0, quoteMsg(md["Quote"], "A", 1.5, nil, nil, ts, 0))),
		)
		cn := e.open(nil)
		res := e.mustQuery(cn, "SELECT sym, px, _offset FROM "+q(topic), nil)
		wantRows(t, res, [][]any{{nil, nil, int64(0)}, {"A", 1.5, int64(1)}})
		if got := metaOf(t, res.schema, "kafarr.value.format"); got != "protobuf" {
			t.Errorf("format %q", got)
		}
		// The first message's own message type is read, not the
		// schema's first.
		trade := dynamicpb.NewMessage(md["Trade"])
		trade.Set(md["Trade"].Fields().ByName("sym"), protoreflect.ValueOfString("T"))
		t3 := e.topic(1, nil)
		e.produce(rec(t3, 0, baseMs, nil, framePB(t, id, 1, trade)))
		res = e.mustQuery(cn, "SELECT * FROM "+q(t3), map[string]string{"kafarr.read.metadata_columns": "none"})
		wantCols(t, res, "sym", "size")
		if got := metaOf(t, res.schema, "kafarr.value.record_name"); got != "acme.v1.Trade" {
			t.Errorf("record_name %q", got)
		}
		// JSON Schema, framed, also decided by the first message.
		js := `{"type":"object","properties":{"n":{"type":"integer"},"s":{"type":["null","string"]}},"required":["n"]}`
		t2 := e.topic(1, nil)
		jid := e.registerTyped(t2+"-other", js, sr.TypeJSON)
		e.produce(rec(t2, 0, baseMs, nil, frameJSON(jid, `{"n":1,"s":"a"}`)), rec(t2, 0, baseMs+1, nil, frameJSON(jid, `{"n":2}`)))
		res = e.mustQuery(cn, "SELECT n, s FROM "+q(t2), nil)
		wantRows(t, res, [][]any{{int64(1), "a"}, {int64(2), nil}})
		if got := metaOf(t, res.schema, "kafarr.value.format"); got != "json" {
			t.Errorf("format %q", got)
		}
	})
}

// TestReadJSONSchema reads framed JSON with a registered JSON Schema:
// auto, explicit json, a message that breaks the schema following
// on_error.
func TestReadJSONSchema(t *testing.T) {
	forStacks(t, func(t *testing.T, e *env) {
		topic := e.topic(1, nil)
		js := `{"type":"object","title":"Fill","properties":{"id":{"type":"integer"},"px":{"type":"number"},"tags":{"type":"array","items":{"type":"string"}},"at":{"type":"string","format":"date-time"}},"required":["id"]}`
		id := e.registerTyped(topic+"-value", js, sr.TypeJSON)
		e.produce(
			rec(topic, 0, baseMs, nil, frameJSON(id, `{"id":1,"px":2.5,"tags":["a"],"at":"2026-12-03T10:00:00Z"}`)),
			rec(topic, 0, baseMs+1, nil, frameJSON(id, `{"px":3}`)),
			rec(topic, 0, baseMs+2, nil, frameJSON(id, `{"id":3,"extra":true}`)),
		)
		cn := e.open(nil)
		at := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC).UnixMicro()
		for _, f := range []string{"auto", "json"} {
			res := e.mustQuery(cn, "SELECT id, px, tags, at, _error FROM "+q(topic), map[string]string{"kafarr.value.format": f, "kafarr.read.on_error": "null"})
			if len(res.rows) != 3 {
				t.Fatalf("%s: %d rows", f, len(res.rows))
			}
			if got := fmt.Sprint(res.rows[0][:4]); got != fmt.Sprint([]any{int64(1), 2.5, []any{"a"}, at}) {
				t.Errorf("%s row 0: %v", f, got)
			}
			if res.rows[1][0] != nil || res.rows[1][4] == nil {
				t.Errorf("%s row 1 (id missing though required): %v", f, res.rows[1])
			}
			if got := fmt.Sprint(res.rows[2][:3]); got != fmt.Sprint([]any{int64(3), nil, nil}) || res.rows[2][4] != nil {
				t.Errorf("%s row 2: %v", f, res.rows[2])
			}
			if got := metaOf(t, res.schema, "kafarr.value.format"); got != "json" {
				t.Errorf("format %q", got)
			}
		}
		res := e.query(cn, "SELECT * FROM "+q(topic), nil)
		wantStatus(t, res.err, adbc.StatusInvalidData, topic, "offset 1", "id")
	})
}

// TestReadPlainJSON infers plain JSON's columns from the first
// kafarr.json.infer_rows messages, takes them inline from
// kafarr.value.schema (JSON Schema or Avro), needs no registry, and
// treats a value that is not an object per on_error.
func TestReadPlainJSON(t *testing.T) {
	forStacks(t, func(t *testing.T, e *env) {
		topic := e.topic(1, nil)
		e.produce(
			rec(topic, 0, baseMs, nil, []byte(`{"a":1,"b":"x","c":1,"d":{"e":true}}`)),
			rec(topic, 0, baseMs+1, nil, []byte(`{"a":2,"c":2.5,"late":"z"}`)),
			rec(topic, 0, baseMs+2, nil, nil),
			rec(topic, 0, baseMs+3, nil, []byte(` {"b":"y","d":{"e":false}} `)),
		)
		cn := e.open(nil)
		res := e.mustQuery(cn, "SELECT * FROM "+q(topic), nil)
		wantCols(t, res, "a", "b", "c", "d", "late", "_partition", "_offset", "_timestamp")
		wantTypes(t, res.schema, map[string]arrow.DataType{"a": arrow.PrimitiveTypes.Int64, "c": arrow.PrimitiveTypes.Float64, "b": arrow.BinaryTypes.String})
		wantRows(t, res, [][]any{
			{int64(1), "x", 1.0, map[string]any{"e": true}, nil, int32(0), int64(0), baseMs},
			{int64(2), nil, 2.5, nil, "z", int32(0), int64(1), baseMs + 1},
			{nil, nil, nil, nil, nil, int32(0), int64(2), baseMs + 2},
			{nil, "y", nil, map[string]any{"e": false}, nil, int32(0), int64(3), baseMs + 3},
		})
		if got := metaOf(t, res.schema, "kafarr.value.format"); got != "json" {
			t.Errorf("format %q", got)
		}
		// Sampling one message sees only its properties, and c=2.5 does
		// not fit the integer column it infers.
		res = e.query(cn, "SELECT * FROM "+q(topic), map[string]string{"kafarr.json.infer_rows": "1"})
		wantStatus(t, res.err, adbc.StatusInvalidData, topic, "offset 1", `property "c": 2.5 is not an integer`)
		res = e.mustQuery(cn, "SELECT a, c, _error FROM "+q(topic), map[string]string{"kafarr.json.infer_rows": "1", "kafarr.read.on_error": "null"})
		if res.rows[1][1] != nil || res.rows[1][2] == nil {
			t.Errorf("row 1 under a 1-message sample: %v", res.rows[1])
		}
		// Inline JSON Schema and Avro schemas.
		res = e.mustQuery(cn, "SELECT * FROM "+q(topic), map[string]string{"kafarr.value.schema": `{"type":"object","properties":{"b":{"type":"string"},"a":{"type":"integer"}}}`})
		wantCols(t, res, "b", "a", "_partition", "_offset", "_timestamp")
		if got := fmt.Sprint(res.col("a")); got != "[1 2 <nil> <nil>]" {
			t.Errorf("inline JSON Schema a = %s", got)
		}
		res = e.mustQuery(cn, "SELECT a, b FROM "+q(topic), map[string]string{"kafarr.value.schema": `{"type":"record","name":"R","fields":[{"name":"a","type":["null","int"],"default":null},{"name":"b","type":["null","string"],"default":null}]}`})
		wantTypes(t, res.schema, map[string]arrow.DataType{"a": arrow.PrimitiveTypes.Int32})
		if got := fmt.Sprint(res.rows); got != "[[1 x] [2 <nil>] [<nil> <nil>] [<nil> y]]" {
			t.Errorf("inline Avro rows %s", got)
		}
		res = e.query(cn, "SELECT * FROM "+q(topic), map[string]string{"kafarr.value.schema": `{"type":"object"}`, "kafarr.value.format": "avro"})
		wantStatus(t, res.err, adbc.StatusInvalidArgument, "kafarr.value.schema", "kafarr.value.format=avro")

		// A value that is not an object, after the sample.
		e.produce(rec(topic, 0, baseMs+4, nil, []byte(`[1,2]`)))
		res = e.query(cn, "SELECT a FROM "+q(topic), map[string]string{"kafarr.json.infer_rows": "4"})
		wantStatus(t, res.err, adbc.StatusInvalidData, topic, "offset 4")
		// In the sample, it makes auto read binary.
		res = e.mustQuery(cn, "SELECT * FROM "+q(topic), nil)
		wantCols(t, res, "_partition", "_offset", "_timestamp", "_value")
		// Explicit json still infers from the objects.
		res = e.mustQuery(cn, "SELECT a, _error FROM "+q(topic), map[string]string{"kafarr.value.format": "json", "kafarr.read.on_error": "null"})
		if got := fmt.Sprint(res.col("a")); got != "[1 2 <nil> <nil> <nil>]" || res.rows[4][1] == nil {
			t.Errorf("json over a non-object: %v", res.rows)
		}

		// No registry at all.
		db, err := driver.NewDriver(e.mem).NewDatabase(map[string]string{"uri": "kafka://" + e.brokers})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		ncn, err := db.Open(ctxOf(t))
		if err != nil {
			t.Fatal(err)
		}
		defer ncn.Close()
		res = e.mustQuery(ncn, "SELECT a, b FROM "+q(topic)+" WHERE _offset < 2", nil)
		if got := fmt.Sprint(res.rows); got != "[[1 x] [2 <nil>]]" {
			t.Errorf("without a registry: %s", got)
		}
	})
}

// TestReadFormatKeys decodes keys by a Protobuf key subject, by a framed
// JSON Schema key's id (auto, no key subject), and as plain JSON.
func TestReadFormatKeys(t *testing.T) {
	forStacks(t, func(t *testing.T, e *env) {
		md := protoMessages(t, quoteProto)
		ts := time.UnixMilli(baseMs).UTC()
		topic := e.topic(1, nil)
		kid := e.registerTyped(topic+"-key", quoteProto, sr.TypeProtobuf)
		e.produce(rec(topic, 0, baseMs, framePB(t, kid, 0, quoteMsg(md["Quote"], "K", 0, nil, nil, ts, 0)), []byte("v")))
		cn := e.open(nil)
		res := e.mustQuery(cn, "SELECT _key FROM "+q(topic), map[string]string{"kafarr.value.format": "string"})
		if k, ok := res.rows[0][0].(map[string]any); !ok || k["sym"] != "K" || k["side"] != "BUY" {
			t.Errorf("protobuf key %v", res.rows[0][0])
		}
		if got := metaOf(t, res.schema, "kafarr.key.format"); got != "protobuf" {
			t.Errorf("key format %q", got)
		}
		res = e.query(cn, "SELECT _key FROM "+q(topic), map[string]string{"kafarr.value.format": "string", "kafarr.key.format": "avro"})
		wantStatus(t, res.err, adbc.StatusInvalidArgument, "kafarr.key.format=avro", "PROTOBUF", topic+"-key")

		t2 := e.topic(1, nil)
		jid := e.registerTyped(t2+"-keys-elsewhere", `{"type":"object","properties":{"id":{"type":"integer"}}}`, sr.TypeJSON)
		e.produce(rec(t2, 0, baseMs, frameJSON(jid, `{"id":42}`), []byte(`{"v":1}`)))
		res = e.mustQuery(cn, "SELECT _key, v FROM "+q(t2), nil)
		if got := fmt.Sprint(res.rows); got != "[[map[id:42] 1]]" {
			t.Errorf("framed JSON key: %s", got)
		}

		t3 := e.topic(1, nil)
		e.produce(rec(t3, 0, baseMs, []byte(`{"user":"u1","n":1}`), nil), rec(t3, 0, baseMs+1, []byte(`"plain"`), nil))
		res = e.mustQuery(cn, "SELECT _key FROM "+q(t3), map[string]string{"kafarr.key.format": "json", "kafarr.read.on_error": "null"})
		if got := fmt.Sprint(res.rows[0][0]); got != "map[n:1 user:u1]" || res.rows[1][0] != nil || res.rows[1][1] == nil {
			t.Errorf("plain JSON key: %s", got)
		}
		res = e.mustQuery(cn, "SELECT _key FROM "+q(t3)+" WHERE _offset = 1", map[string]string{"kafarr.key.format": "json"})
		if got := fmt.Sprint(res.rows); got != `[["plain"]]` {
			t.Errorf("plain JSON text key: %s", got)
		}
	})
}

// TestReadSplitsInferredJSON pins the planner's inferred JSON columns in
// the partition descriptors: a split whose messages have a property the
// sample did not see reads the planned columns.
func TestReadSplitsInferredJSON(t *testing.T) {
	forStacks(t, func(t *testing.T, e *env) {
		topic := e.topic(1, nil)
		for i := range 6 {
			v := map[string]any{"i": i}
			if i >= 3 {
				v["late"] = "x"
			}
			b, _ := json.Marshal(v)
			e.produce(rec(topic, 0, baseMs+int64(i), nil, b))
		}
		cn := e.open(nil)
		opts := map[string]string{"kafarr.json.infer_rows": "3"}
		splits := e.checkSplits(cn, "SELECT i, _offset, _partition FROM "+q(topic), opts, 2)
		if len(splits) != 3 || splits[0].Value.Format != "json" || len(splits[0].Value.Schema) == 0 {
			t.Fatalf("splits %+v", splits)
		}
	})
}
