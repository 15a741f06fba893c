package ingest_test

import (
	"encoding/binary"
	"strings"
	"testing"

	"github.com/apache/arrow-adbc/go/adbc"
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/twmb/franz-go/pkg/sr"
)

// ingRoundTripSchema is a frame whose types every format writes and reads
// back as themselves.
var ingRoundTripSchema = arrow.NewSchema([]arrow.Field{
	{Name: "id", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "qty", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
	{Name: "px", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	{Name: "ok", Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
	{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "ts", Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}, Nullable: true},
	{Name: "arr", Type: arrow.ListOf(arrow.PrimitiveTypes.Int64), Nullable: true},
	{Name: "st", Type: arrow.StructOf(arrow.Field{Name: "x", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		arrow.Field{Name: "tag", Type: arrow.BinaryTypes.String, Nullable: true}), Nullable: true},
}, nil)

const ingRoundTripRows = `[
{"id":1,"qty":-7,"px":1.25,"ok":true,"s":"héllo","ts":1704164645678901,"arr":[1,-2],"st":{"x":9007199254740993,"tag":"t"}},
{"id":2,"qty":null,"px":null,"ok":null,"s":null,"ts":null,"arr":[],"st":{"x":null,"tag":null}},
{"id":3,"qty":2147483647,"px":-0.5,"ok":false,"s":"","ts":0,"arr":[0],"st":{"x":-1,"tag":""}}
]`

// TestIngestFormatsRoundTrip ingests one frame as Protobuf (derived), JSON
// Schema (derived under <topic>-value) and plain JSON, and reads each topic
// back through the driver with kafarr.value.format left at auto: the
// subject's schema type, or JSON objects sampled, pick the format.
func TestIngestFormatsRoundTrip(t *testing.T) {
	ingStacks(t, func(t *testing.T, e *ingestEnv) {
		for _, tt := range []struct {
			name, format string
			opts         func(topic string) map[string]string
		}{
			{"protobuf", "protobuf", func(string) map[string]string { return map[string]string{"kafarr.ingest.value_format": "protobuf"} }},
			{"json_schema", "json", func(topic string) map[string]string {
				return map[string]string{"kafarr.ingest.value_format": "json", "kafarr.ingest.value_subject": topic + "-value"}
			}},
			{"plain_json", "json", func(string) map[string]string { return map[string]string{"kafarr.ingest.value_format": "json"} }},
		} {
			t.Run(tt.name, func(t *testing.T) {
				topic := e.topic(t)
				rec := ingFromJSON(t, e.mem, ingRoundTripSchema, ingRoundTripRows)
				e.mustIngest(t, topic, rec, tt.opts(topic))
				got, rows := e.query(t, ingSelect(topic), ingNoMeta)
				if f, _ := got.Metadata().GetValue("kafarr.value.format"); f != tt.format {
					t.Errorf("read back as format %q, want %q", f, tt.format)
				}
				want := ingJSONRows(t, rec)
				if tt.name == "plain_json" {
					// Inferred from plain JSON, a timestamp is the text
					// the writer gave it (RFC 3339, the unit's digits).
					want[2] = strings.Replace(want[2], `"ts":"1970-01-01T00:00:00Z"`, `"ts":"1970-01-01T00:00:00.000000Z"`, 1)
				}
				ingEqualRows(t, rows, want)
			})
		}
	})
}

// TestIngestReplaceFormats: mode replace derives the schema from the
// columns in the replaced subject's format when value_format is auto, and
// in the format asked for otherwise (the old subject goes with its topic).
func TestIngestReplaceFormats(t *testing.T) {
	ingStacks(t, func(t *testing.T, e *ingestEnv) {
		topic := e.topic(t)
		rec := ingFromJSON(t, e.mem, ingRoundTripSchema, ingRoundTripRows)
		e.mustIngest(t, topic, rec, map[string]string{"kafarr.ingest.value_format": "protobuf"})
		replace := map[string]string{adbc.OptionKeyIngestMode: adbc.OptionValueIngestModeReplace, "kafarr.allow_delete_topics": "true"}
		e.mustIngest(t, topic, rec, replace)
		if ss, err := e.reg.SchemaByVersion(ingCtx(t), topic+"-value", -1); err != nil || ss.Type != sr.TypeProtobuf {
			t.Fatalf("after replace with value_format auto: %+v, %v", ss, err)
		}
		replace["kafarr.ingest.value_format"] = "json"
		e.mustIngest(t, topic, rec, replace)
		ss, err := e.reg.SchemaByVersion(ingCtx(t), topic+"-value", -1)
		if err != nil || ss.Type != sr.TypeJSON {
			t.Fatalf("after replace with value_format json: %+v, %v", ss, err)
		}
		recs := e.consume(t, topic)
		if len(recs) != 3 || recs[0].Value[0] != 0 || int(binary.BigEndian.Uint32(recs[0].Value[1:5])) != ss.ID || recs[0].Value[5] != '{' {
			t.Fatalf("replaced topic holds %d records, the first % x", len(recs), recs[0].Value[:min(8, len(recs[0].Value))])
		}
		_, rows := e.query(t, ingSelect(topic), ingNoMeta)
		ingEqualRows(t, rows, ingJSONRows(t, rec))
		// And back to Protobuf, asked for explicitly.
		replace["kafarr.ingest.value_format"] = "protobuf"
		e.mustIngest(t, topic, rec, replace)
		if ss, err := e.reg.SchemaByVersion(ingCtx(t), topic+"-value", -1); err != nil || ss.Type != sr.TypeProtobuf {
			t.Fatalf("after replace with value_format protobuf: %+v, %v", ss, err)
		}
		_, rows = e.query(t, ingSelect(topic), ingNoMeta)
		ingEqualRows(t, rows, ingJSONRows(t, rec))
	})
}
