package ingest_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"strings"
	"testing"

	"github.com/apache/arrow-adbc/go/adbc"
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sr"

	"github.com/kafarr/kafarr/driver"
	"github.com/kafarr/kafarr/internal/testenv"
)

// ingJSONSchema has a column of every type the JSON writer maps (docs/types.md).
var ingJSONSchema = arrow.NewSchema([]arrow.Field{
	{Name: "id", Type: arrow.PrimitiveTypes.Int64},
	{Name: "b", Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
	{Name: "i8", Type: arrow.PrimitiveTypes.Int8, Nullable: true},
	{Name: "u64", Type: arrow.PrimitiveTypes.Uint64, Nullable: true},
	{Name: "f32", Type: arrow.PrimitiveTypes.Float32, Nullable: true},
	{Name: "f64", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "by", Type: arrow.BinaryTypes.Binary, Nullable: true},
	{Name: "dec", Type: &arrow.Decimal128Type{Precision: 10, Scale: 3}, Nullable: true},
	{Name: "dt", Type: arrow.FixedWidthTypes.Date32, Nullable: true},
	{Name: "ts", Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}, Nullable: true},
	{Name: "arr", Type: arrow.ListOf(arrow.PrimitiveTypes.Int32), Nullable: true},
	{Name: "st", Type: arrow.StructOf(arrow.Field{Name: "x", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		arrow.Field{Name: "tag", Type: arrow.BinaryTypes.String, Nullable: true}), Nullable: true},
	{Name: "mp", Type: arrow.MapOf(arrow.BinaryTypes.String, arrow.PrimitiveTypes.Float64), Nullable: true},
}, nil)

const ingJSONRowsIn = `[
{"id":0,"b":true,"i8":-128,"u64":18446744073709551615,"f32":1.5,"f64":-2.25e-300,"s":"h\u00e9llo \"q\"\n","by":"AAEC",
 "dec":"1234.567","dt":19000,"ts":1704164645678901,"arr":[1,-2],"st":{"x":9007199254740993,"tag":"t"},"mp":[{"key":"k","value":0.5}]},
{"id":1,"b":null,"i8":null,"u64":null,"f32":null,"f64":null,"s":null,"by":null,
 "dec":null,"dt":null,"ts":null,"arr":null,"st":null,"mp":null},
{"id":2,"b":false,"i8":0,"u64":0,"f32":-0.0,"f64":0,"s":"","by":"",
 "dec":"-0.001","dt":-1,"ts":0,"arr":[],"st":{"x":null,"tag":null},"mp":[]}
]`

// ingJSONValues are the rows as the JSON writer must write them: every
// value exactly (int64 beyond 2^53 and uint64 as integer text, decimals as
// exact number text, binary base64, dates and timestamps as text).
var ingJSONValues = []string{
	`{"id":0,"b":true,"i8":-128,"u64":18446744073709551615,"f32":1.5,"f64":-2.25e-300,"s":"h\u00e9llo \"q\"\n","by":"AAEC","dec":1234.567,"dt":"2022-01-08","ts":"2024-01-02T03:04:05.678901Z","arr":[1,-2],"st":{"x":9007199254740993,"tag":"t"},"mp":{"k":0.5}}`,
	`{"id":1,"b":null,"i8":null,"u64":null,"f32":null,"f64":null,"s":null,"by":null,"dec":null,"dt":null,"ts":null,"arr":null,"st":null,"mp":null}`,
	`{"id":2,"b":false,"i8":0,"u64":0,"f32":-0,"f64":0,"s":"","by":"","dec":-0.001,"dt":"1969-12-31","ts":"1970-01-01T00:00:00.000000Z","arr":[],"st":{"x":null,"tag":null},"mp":{}}`,
}

// sameJSON fails unless got and want are equal JSON texts, numbers
// compared as their text (json.Number), so that no value is rounded.
func sameJSON(t *testing.T, what string, got []byte, want string) {
	t.Helper()
	norm := func(b []byte) string {
		var v any
		dec := json.NewDecoder(bytesReader(b))
		dec.UseNumber()
		if err := dec.Decode(&v); err != nil {
			t.Fatalf("%s: %q is not JSON: %v", what, b, err)
		}
		out, _ := json.Marshal(v)
		return string(out)
	}
	if g, w := norm(got), norm([]byte(want)); g != w {
		t.Errorf("%s:\ngot  %s\nwant %s", what, got, want)
	}
}

// TestIngestPlainJSON writes plain JSON values (kafarr.ingest.value_format=json,
// no subject): no framing, no schema registered, every type's value
// exact; a string key column as a JSON string and a struct key as an
// object (key_format=json); the key and timestamp columns left out of the
// value.
func TestIngestPlainJSON(t *testing.T) {
	ingStacks(t, func(t *testing.T, e *ingestEnv) {
		topic := e.topic(t)
		rec := ingFromJSON(t, e.mem, ingJSONSchema, ingJSONRowsIn)
		e.mustIngest(t, topic, rec, map[string]string{"kafarr.ingest.value_format": "json"})
		recs := e.consume(t, topic)
		if len(recs) != len(ingJSONValues) {
			t.Fatalf("%d records, want %d", len(recs), len(ingJSONValues))
		}
		for i, r := range recs {
			if r.Key != nil {
				t.Errorf("record %d has key %q", i, r.Key)
			}
			sameJSON(t, "value", r.Value, ingJSONValues[i])
		}
		if _, err := e.reg.SchemaByVersion(ingCtx(t), topic+"-value", -1); err == nil {
			t.Errorf("plain JSON registered subject %s-value", topic)
		}

		// Keys: a string column as a JSON string, a struct as an object.
		schema := arrow.NewSchema([]arrow.Field{
			{Name: "k", Type: arrow.BinaryTypes.String, Nullable: true},
			{Name: "sk", Type: arrow.StructOf(arrow.Field{Name: "a", Type: arrow.PrimitiveTypes.Int32}), Nullable: true},
			{Name: "ts", Type: arrow.PrimitiveTypes.Int64},
			{Name: "v", Type: arrow.PrimitiveTypes.Float64},
		}, nil)
		keyed := ingFromJSON(t, e.mem, schema, `[{"k":"a\"b","sk":{"a":7},"ts":5,"v":1.25},{"k":null,"sk":null,"ts":6,"v":-1}]`)
		for _, tt := range []struct {
			col  string
			want []string // "" for no key
		}{{"k", []string{`"a\"b"`, ""}}, {"sk", []string{`{"a":7}`, ""}}} {
			kt := e.topic(t)
			e.mustIngest(t, kt, keyed, map[string]string{"kafarr.ingest.value_format": "json", "kafarr.ingest.key_format": "json",
				"kafarr.ingest.key_column": tt.col, "kafarr.ingest.timestamp_column": "ts"})
			for i, r := range e.consume(t, kt) {
				if tt.want[i] == "" {
					if r.Key != nil {
						t.Errorf("%s row %d: key %q, want none", tt.col, i, r.Key)
					}
				} else if string(r.Key) != tt.want[i] {
					t.Errorf("%s row %d: key %s, want %s", tt.col, i, r.Key, tt.want[i])
				}
				if r.Timestamp.UnixMilli() != int64(5+i) {
					t.Errorf("%s row %d: timestamp %d", tt.col, i, r.Timestamp.UnixMilli())
				}
				want := `{"sk":{"a":7},"v":1.25}`
				if tt.col == "sk" {
					want = `{"k":"a\"b","v":1.25}`
				}
				if i == 1 {
					want = map[string]string{"k": `{"sk":null,"v":-1}`, "sk": `{"k":null,"v":-1}`}[tt.col]
				}
				sameJSON(t, tt.col+" value", r.Value, want)
			}
		}
	})
}

// TestIngestPlainJSONNoRegistry writes plain JSON through a connection
// with no schema registry configured at all.
func TestIngestPlainJSONNoRegistry(t *testing.T) {
	s := testenv.DevStack(t)
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	testenv.CheckLeaks(t, mem)
	db, err := driver.NewDriver(mem).NewDatabase(map[string]string{"uri": "kafka://" + s.Brokers()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	cn, err := db.Open(ingCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cn.Close() })
	e := &ingestEnv{brokers: s.Brokers(), mem: mem, cn: cn}
	rec := ingFromJSON(t, mem, ingJSONSchema, ingJSONRowsIn)
	topic := testenv.Topic(t)
	e.mustIngest(t, topic, rec, map[string]string{"kafarr.ingest.value_format": "json"})
	cl, err := kgo.NewClient(kgo.SeedBrokers(s.Brokers()), kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	var got [][]byte
	for len(got) < len(ingJSONValues) {
		fs := cl.PollFetches(ingCtx(t))
		if err := ingCtx(t).Err(); err != nil {
			t.Fatal(err)
		}
		fs.EachRecord(func(r *kgo.Record) { got = append(got, r.Value) })
	}
	for i, v := range got {
		sameJSON(t, "value", v, ingJSONValues[i])
	}
	// Avro (the default) still says what it needs.
	_, err = e.ingest(t, topic, rec, nil)
	ingWantStatus(t, err, adbc.StatusInvalidState, "schema registry", "kafarr.schema_registry.url")
}

// TestIngestJSONSchema encodes against a registered JSON Schema subject
// (the format follows the subject's schemaType; value_format is unset) and
// derives and registers one under a named subject (value_format=json):
// Confluent framing with the subject's id, then the JSON; a null into a
// required property, a column the schema has no property for, and
// value_format=avro against the JSON subject are refused.
func TestIngestJSONSchema(t *testing.T) {
	ingStacks(t, func(t *testing.T, e *ingestEnv) {
		topic := e.topic(t)
		schema := arrow.NewSchema([]arrow.Field{
			{Name: "name", Type: arrow.BinaryTypes.String, Nullable: true},
			{Name: "n", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
			{Name: "at", Type: &arrow.TimestampType{Unit: arrow.Millisecond, TimeZone: "UTC"}, Nullable: true},
		}, nil)
		js := `{"type":"object","title":"T","properties":{"name":{"type":"string"},"n":{"type":["integer","null"]},"at":{"type":"string","format":"date-time"}},"required":["name"]}`
		ss, err := e.reg.CreateSchema(ingCtx(t), topic+"-value", sr.Schema{Schema: js, Type: sr.TypeJSON})
		if err != nil {
			t.Fatal(err)
		}
		rec := ingFromJSON(t, e.mem, schema, `[{"name":"a","n":1,"at":1704164645678},{"name":"b","n":null,"at":null}]`)
		e.mustIngest(t, topic, rec, nil)
		want := []string{`{"name":"a","n":1,"at":"2024-01-02T03:04:05.678Z"}`, `{"name":"b"}`}
		checkFramed(t, e.consume(t, topic), ss.ID, want)

		// Refusals, before anything is produced.
		bad := ingFromJSON(t, e.mem, schema, `[{"name":"c","n":1,"at":null},{"name":null,"n":2,"at":null}]`)
		_, err = e.ingest(t, topic, bad, nil)
		ingWantStatus(t, err, adbc.StatusInvalidArgument, `column "name" row 1`)
		extra := arrow.NewSchema(append(schema.Fields(), arrow.Field{Name: "zzz", Type: arrow.PrimitiveTypes.Int32}), nil)
		_, err = e.ingest(t, topic, ingFromJSON(t, e.mem, extra, `[{"name":"c","n":1,"at":null,"zzz":1}]`), nil)
		ingWantStatus(t, err, adbc.StatusInvalidArgument, `"zzz"`, topic+"-value")
		_, err = e.ingest(t, topic, rec, map[string]string{"kafarr.ingest.value_format": "avro"})
		ingWantStatus(t, err, adbc.StatusInvalidArgument, "kafarr.ingest.value_format=avro", topic+"-value", "JSON")
		if n := e.totalEnd(t, topic); n != 2 {
			t.Fatalf("refused ingests wrote: %d records, want 2", n)
		}

		// Derived: a named subject with no schema yet, value_format=json.
		dt := e.topic(t)
		subject := dt + "-named"
		t.Cleanup(func() {
			_, _ = e.reg.DeleteSubject(context.Background(), subject, sr.SoftDelete)
			_, _ = e.reg.DeleteSubject(context.Background(), subject, sr.HardDelete)
		})
		opts := map[string]string{"kafarr.ingest.value_format": "json", "kafarr.ingest.value_subject": subject}
		// A JSON Schema integer reads as int64: the largest uint64 is
		// refused (checked narrowing), before anything is registered.
		_, err = e.ingest(t, dt, ingFromJSON(t, e.mem, ingJSONSchema, ingJSONRowsIn), opts)
		ingWantStatus(t, err, adbc.StatusInvalidArgument, `column "u64" row 0`, "18446744073709551615")
		if _, err := e.reg.SchemaByVersion(ingCtx(t), subject, -1); err == nil || e.topicExists(t, dt) {
			t.Fatal("a refused ingest registered its schema or created its topic")
		}
		fits := strings.Replace(ingJSONRowsIn, "18446744073709551615", "9223372036854775807", 1)
		// Against a schema a null of a property that is not required is
		// left out.
		wantVals := []string{strings.Replace(ingJSONValues[0], "18446744073709551615", "9223372036854775807", 1), `{"id":1}`,
			strings.Replace(ingJSONValues[2], `"st":{"x":null,"tag":null}`, `"st":{}`, 1)}
		e.mustIngest(t, dt, ingFromJSON(t, e.mem, ingJSONSchema, fits), opts)
		got, err := e.reg.SchemaByVersion(ingCtx(t), subject, -1)
		if err != nil {
			t.Fatal(err)
		}
		if got.Schema.Type != sr.TypeJSON {
			t.Fatalf("derived schema registered as %s", got.Schema.Type)
		}
		checkFramed(t, e.consume(t, dt), got.ID, wantVals)
		// The registered schema reads back as the columns.
		var doc map[string]any
		if err := json.Unmarshal([]byte(got.Schema.Schema), &doc); err != nil || doc["type"] != "object" {
			t.Fatalf("derived schema %s: %v", got.Schema.Schema, err)
		}
	})
}

// checkFramed checks Confluent JSON Schema framing (magic byte 0, the
// schema id big-endian) and each payload.
func checkFramed(t *testing.T, recs []*kgo.Record, id int, want []string) {
	t.Helper()
	if len(recs) != len(want) {
		t.Fatalf("%d records, want %d", len(recs), len(want))
	}
	for i, r := range recs {
		if len(r.Value) < 5 || r.Value[0] != 0 || int(binary.BigEndian.Uint32(r.Value[1:5])) != id {
			t.Fatalf("record %d: framing % x, want magic 0 and id %d", i, r.Value[:min(5, len(r.Value))], id)
		}
		sameJSON(t, "value", r.Value[5:], want[i])
	}
}

func bytesReader(b []byte) *bytes.Reader { return bytes.NewReader(b) }

// TestIngestJSONSchemaKeys encodes keys with JSON Schema key subjects (the
// subject's type decides; key_format is unset): a string root schema takes
// a string column as the whole value, an object schema a struct column's
// fields; both framed with the key subject's id; a null key is no key.
func TestIngestJSONSchemaKeys(t *testing.T) {
	ingStacks(t, func(t *testing.T, e *ingestEnv) {
		schema := arrow.NewSchema([]arrow.Field{
			{Name: "k", Type: arrow.BinaryTypes.String, Nullable: true},
			{Name: "sk", Type: arrow.StructOf(arrow.Field{Name: "region", Type: arrow.BinaryTypes.String}, arrow.Field{Name: "n", Type: arrow.PrimitiveTypes.Int32}), Nullable: true},
			{Name: "v", Type: arrow.PrimitiveTypes.Int64},
		}, nil)
		rec := ingFromJSON(t, e.mem, schema, `[{"k":"a","sk":{"region":"eu","n":3},"v":1},{"k":null,"sk":null,"v":2}]`)
		for _, tt := range []struct {
			col, schema, want string
		}{
			// Apicurio refuses a JSON schema that is not an object
			// unless it names its draft ("Given schema is not from type:
			// JSON").
			{"k", `{"$schema":"http://json-schema.org/draft-07/schema#","type":"string"}`, `"a"`},
			{"sk", `{"type":"object","properties":{"region":{"type":"string"},"n":{"type":"integer"}},"required":["region","n"]}`, `{"region":"eu","n":3}`},
		} {
			t.Run(tt.col, func(t *testing.T) {
				topic := e.topic(t)
				id := e.registerType(t, topic+"-key", sr.TypeJSON, tt.schema)
				e.mustIngest(t, topic, rec, map[string]string{"kafarr.ingest.value_format": "json",
					"kafarr.ingest.key_column": tt.col, "kafarr.ingest.key_subject": topic + "-key"})
				recs := e.consume(t, topic)
				if len(recs) != 2 || recs[1].Key != nil {
					t.Fatalf("records %v: want 2, the second without key", recs)
				}
				checkFramed(t, []*kgo.Record{{Value: recs[0].Key}}, id, []string{tt.want})
				// key_format=protobuf contradicts the JSON subject.
				_, err := e.ingest(t, topic, rec, map[string]string{"kafarr.ingest.key_format": "protobuf",
					"kafarr.ingest.key_column": tt.col, "kafarr.ingest.key_subject": topic + "-key"})
				ingWantStatus(t, err, adbc.StatusInvalidArgument, "kafarr.ingest.key_format=protobuf", topic+"-key", "JSON")
			})
		}
	})
}
