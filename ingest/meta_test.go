package ingest_test

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-adbc/go/adbc"
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/twmb/franz-go/pkg/kgo"
)

// TestIngestRecordMeta checks the key, timestamp, headers and partition
// columns with a plain franz-go consumer: they become record metadata and
// are left out of the derived value schema.
func TestIngestRecordMeta(t *testing.T) {
	ingStacks(t, func(t *testing.T, e *ingestEnv) {
		schema := arrow.NewSchema([]arrow.Field{
			{Name: "id", Type: arrow.PrimitiveTypes.Int64},
			{Name: "k", Type: arrow.BinaryTypes.String, Nullable: true},
			{Name: "ts", Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}, Nullable: true},
			{Name: "h", Type: arrow.MapOf(arrow.BinaryTypes.String, arrow.BinaryTypes.Binary), Nullable: true},
			{Name: "p", Type: arrow.PrimitiveTypes.Int8},
		}, nil)
		rec := ingFromJSON(t, e.mem, schema, `[
			{"id":0,"k":"alpha","ts":1700000000123456,"h":[{"key":"trace","value":"AQI="},{"key":"trace","value":null}],"p":2},
			{"id":1,"k":null,"ts":-999,"h":null,"p":0},
			{"id":2,"k":"","ts":null,"h":[],"p":1},
			{"id":3,"k":"beta","ts":0,"h":[{"key":"","value":""}],"p":2}]`)
		topic := e.topic(t)
		opts := map[string]string{
			"kafarr.ingest.key_column": "k", "kafarr.ingest.timestamp_column": "ts",
			"kafarr.ingest.headers_column": "h", "kafarr.ingest.partition_column": "p",
			"kafarr.ingest.partitions": "3",
		}
		before := time.Now().Add(-time.Second)
		// ts -999 µs is before the epoch: refused, nothing produced and,
		// since it is the first batch, no topic created.
		_, err := e.ingest(t, topic, rec, opts)
		ingWantStatus(t, err, adbc.StatusInvalidArgument, `column "ts" row 1`, "not a Kafka timestamp")
		if e.topicExists(t, topic) {
			t.Fatal("a refused first batch created the topic")
		}
		rec = ingFromJSON(t, e.mem, schema, `[
			{"id":0,"k":"alpha","ts":1700000000123456,"h":[{"key":"trace","value":"AQI="},{"key":"trace","value":null}],"p":2},
			{"id":1,"k":null,"ts":999,"h":null,"p":0},
			{"id":2,"k":"","ts":null,"h":[],"p":1},
			{"id":3,"k":"beta","ts":0,"h":[{"key":"","value":""}],"p":2}]`)
		e.mustIngest(t, topic, rec, opts)

		got := map[int64]*struct {
			key       []byte
			ts        time.Time
			part      int32
			hdrs      string
			valueSize int
		}{}
		for _, r := range e.consume(t, topic) {
			// The value is the id alone: one zigzag varint.
			id := int64(r.Value[5] >> 1)
			got[id] = &struct {
				key       []byte
				ts        time.Time
				part      int32
				hdrs      string
				valueSize int
			}{r.Key, r.Timestamp, r.Partition, ingHeaders(r.Headers), len(r.Value)}
		}
		type want struct {
			key  []byte
			ts   time.Time // zero: the producer's clock
			part int32
			hdrs string
		}
		for id, w := range map[int64]want{
			0: {[]byte("alpha"), time.UnixMilli(1700000000123), 2, `trace="\x01\x02" trace=<nil>`},
			1: {nil, time.UnixMilli(0), 0, ""},
			2: {[]byte{}, time.Time{}, 1, ""},
			3: {[]byte("beta"), time.UnixMilli(0), 2, `=""`},
		} {
			g := got[id]
			if g == nil {
				t.Errorf("row %d was not produced", id)
				continue
			}
			if !bytes.Equal(g.key, w.key) || (g.key == nil) != (w.key == nil) {
				t.Errorf("row %d: key %q (nil %v), want %q (nil %v)", id, g.key, g.key == nil, w.key, w.key == nil)
			}
			if w.ts.IsZero() {
				if g.ts.Before(before) || g.ts.After(time.Now().Add(time.Second)) {
					t.Errorf("row %d: timestamp %v, want the produce time", id, g.ts)
				}
			} else if !g.ts.Equal(w.ts) {
				t.Errorf("row %d: timestamp %v, want %v", id, g.ts, w.ts)
			}
			if g.part != w.part || g.hdrs != w.hdrs {
				t.Errorf("row %d: partition %d headers %s, want %d %s", id, g.part, g.hdrs, w.part, w.hdrs)
			}
			if g.valueSize != 6 {
				t.Errorf("row %d: value of %d bytes, want 6 (frame + id): a metadata column went into the value", id, g.valueSize)
			}
		}
		// The driver reads the same back.
		_, rows := e.query(t, fmt.Sprintf(`SELECT id, _key, _partition, _timestamp FROM %q WHERE id <= 1 ORDER BY _partition`, topic),
			map[string]string{"kafarr.key.format": "string"})
		ingEqualRows(t, rows, []string{
			`{"_key":null,"_partition":0,"_timestamp":"1970-01-01T00:00:00Z","id":1}`,
			`{"_key":"alpha","_partition":2,"_timestamp":"2023-11-14T22:13:20.123Z","id":0}`,
		})
	})
}

// ingHeaders renders headers as key=value, a null value as <nil>.
func ingHeaders(hs []kgo.RecordHeader) string {
	var parts []string
	for _, h := range hs {
		v := "<nil>"
		if h.Value != nil {
			v = fmt.Sprintf("%q", h.Value)
		}
		parts = append(parts, h.Key+"="+v)
	}
	return strings.Join(parts, " ")
}

// TestIngestRawKeys checks binary and integer key columns.
func TestIngestRawKeys(t *testing.T) {
	ingStacks(t, func(t *testing.T, e *ingestEnv) {
		for _, tc := range []struct {
			typ  arrow.DataType
			rows string
			want [][]byte
		}{
			{arrow.BinaryTypes.Binary, `[{"id":1,"k":"AAH/"},{"id":2,"k":""}]`, [][]byte{{0, 1, 255}, {}}},
			{arrow.BinaryTypes.LargeString, `[{"id":1,"k":"x"},{"id":2,"k":"yz"}]`, [][]byte{[]byte("x"), []byte("yz")}},
			{arrow.PrimitiveTypes.Int32, `[{"id":1,"k":-42},{"id":2,"k":7}]`, [][]byte{[]byte("-42"), []byte("7")}},
			{arrow.PrimitiveTypes.Uint64, `[{"id":1,"k":18446744073709551615},{"id":2,"k":0}]`, [][]byte{[]byte("18446744073709551615"), []byte("0")}},
		} {
			t.Run(tc.typ.String(), func(t *testing.T) {
				topic := e.topic(t)
				schema := arrow.NewSchema([]arrow.Field{{Name: "id", Type: arrow.PrimitiveTypes.Int64}, {Name: "k", Type: tc.typ}}, nil)
				e.mustIngest(t, topic, ingFromJSON(t, e.mem, schema, tc.rows), map[string]string{"kafarr.ingest.key_column": "k"})
				recs := e.consume(t, topic)
				if len(recs) != len(tc.want) {
					t.Fatalf("%d records, want %d", len(recs), len(tc.want))
				}
				for i, r := range recs {
					if !bytes.Equal(r.Key, tc.want[i]) {
						t.Errorf("record %d: key % x, want % x", i, r.Key, tc.want[i])
					}
				}
			})
		}
	})
}

// TestIngestAvroKeys checks kafarr.ingest.key_subject: a primitive key
// schema takes a plain column, a record key schema a struct column, and
// <topic>-key is derived when not registered. The keys must decode as the
// Confluent wire format and read back through the driver.
func TestIngestAvroKeys(t *testing.T) {
	ingStacks(t, func(t *testing.T, e *ingestEnv) {
		t.Run("primitive", func(t *testing.T) {
			topic := e.topic(t)
			id := e.register(t, topic+"-key", `"string"`)
			schema := arrow.NewSchema([]arrow.Field{{Name: "v", Type: arrow.PrimitiveTypes.Int64}, {Name: "k", Type: arrow.BinaryTypes.String, Nullable: true}}, nil)
			rec := ingFromJSON(t, e.mem, schema, `[{"v":1,"k":"ab"},{"v":2,"k":null},{"v":3,"k":""}]`)
			e.mustIngest(t, topic, rec, map[string]string{"kafarr.ingest.key_column": "k", "kafarr.ingest.key_subject": topic + "-key"})
			recs := e.consume(t, topic)
			wantKeys := [][]byte{append(frame(id), 4, 'a', 'b'), nil, append(frame(id), 0)}
			for i, r := range recs {
				if !bytes.Equal(r.Key, wantKeys[i]) {
					t.Errorf("record %d: key % x, want % x", i, r.Key, wantKeys[i])
				}
			}
			_, rows := e.query(t, fmt.Sprintf(`SELECT v, _key FROM %q`, topic), map[string]string{"kafarr.key.format": "avro"})
			ingEqualRows(t, rows, []string{`{"_key":"ab","v":1}`, `{"_key":null,"v":2}`, `{"_key":"","v":3}`})
		})
		t.Run("record", func(t *testing.T) {
			topic := e.topic(t)
			subject := topic + "-custom-key"
			id := e.register(t, subject, `{"type":"record","name":"K","namespace":"kafarr.test","fields":[{"name":"region","type":"string"},{"name":"n","type":"int"}]}`)
			keyType := arrow.StructOf(arrow.Field{Name: "n", Type: arrow.PrimitiveTypes.Int64}, arrow.Field{Name: "region", Type: arrow.BinaryTypes.String})
			schema := arrow.NewSchema([]arrow.Field{{Name: "v", Type: arrow.PrimitiveTypes.Int64}, {Name: "key", Type: keyType, Nullable: true}}, nil)
			rec := ingFromJSON(t, e.mem, schema, `[{"v":1,"key":{"n":-1,"region":"eu"}},{"v":2,"key":null}]`)
			e.mustIngest(t, topic, rec, map[string]string{"kafarr.ingest.key_column": "key", "kafarr.ingest.key_subject": subject})
			recs := e.consume(t, topic)
			if want := append(frame(id), 4, 'e', 'u', 1); !bytes.Equal(recs[0].Key, want) {
				t.Errorf("record key % x, want % x", recs[0].Key, want)
			}
			if recs[1].Key != nil {
				t.Errorf("null struct key produced % x, want no key", recs[1].Key)
			}
			_, rows := e.query(t, fmt.Sprintf(`SELECT v, _key FROM %q`, topic), map[string]string{"kafarr.key.format": "avro", "kafarr.key.subject": subject})
			ingEqualRows(t, rows, []string{`{"_key":{"n":-1,"region":"eu"},"v":1}`, `{"_key":null,"v":2}`})

			// A key that does not fit the key schema: the key column is
			// named, nothing is produced.
			big := ingFromJSON(t, e.mem, schema, `[{"v":3,"key":{"n":1,"region":"eu"}},{"v":4,"key":{"n":4294967296,"region":"us"}}]`)
			_, err := e.ingest(t, topic, big, map[string]string{"kafarr.ingest.key_column": "key", "kafarr.ingest.key_subject": subject})
			ingWantStatus(t, err, adbc.StatusInvalidArgument, `column "key.n" row 1`, "4294967296")
			if n := e.totalEnd(t, topic); n != 2 {
				t.Errorf("end offset %d after a refused key batch, want 2", n)
			}
		})
		t.Run("derived", func(t *testing.T) {
			topic := e.topic(t)
			schema := arrow.NewSchema([]arrow.Field{{Name: "v", Type: arrow.BinaryTypes.String}, {Name: "k", Type: arrow.PrimitiveTypes.Int64}}, nil)
			rec := ingFromJSON(t, e.mem, schema, `[{"v":"a","k":-3},{"v":"b","k":64}]`)
			e.mustIngest(t, topic, rec, map[string]string{"kafarr.ingest.key_column": "k", "kafarr.ingest.key_subject": topic + "-key"})
			ss, err := e.reg.SchemaByVersion(ingCtx(t), topic+"-key", -1)
			if err != nil {
				t.Fatalf("derived key schema not registered: %v", err)
			}
			if ss.Schema.Schema != `"long"` && ss.Schema.Schema != `{"type":"long"}` {
				t.Errorf("derived key schema %s, want long", ss.Schema.Schema)
			}
			recs := e.consume(t, topic)
			if want := append(frame(ss.ID), 5); !bytes.Equal(recs[0].Key, want) {
				t.Errorf("key % x, want % x", recs[0].Key, want)
			}
			// The value schema leaves the key column out.
			_, rows := e.query(t, ingSelect(topic), map[string]string{"kafarr.read.metadata_columns": "_key"})
			ingEqualRows(t, rows, []string{`{"_key":-3,"v":"a"}`, `{"_key":64,"v":"b"}`})
		})
		t.Run("missing subject", func(t *testing.T) {
			topic := e.topic(t)
			schema := arrow.NewSchema([]arrow.Field{{Name: "v", Type: arrow.BinaryTypes.String}, {Name: "k", Type: arrow.PrimitiveTypes.Int64}}, nil)
			rec := ingFromJSON(t, e.mem, schema, `[{"v":"a","k":1}]`)
			_, err := e.ingest(t, topic, rec, map[string]string{"kafarr.ingest.key_column": "k", "kafarr.ingest.key_subject": topic + "-nokey"})
			ingWantStatus(t, err, adbc.StatusNotFound, topic+"-nokey")
			_, err = e.ingest(t, topic, rec, map[string]string{"kafarr.ingest.key_subject": topic + "-key"})
			ingWantStatus(t, err, adbc.StatusInvalidArgument, "kafarr.ingest.key_column")
			if e.topicExists(t, topic) {
				t.Error("a refused ingest created the topic")
			}
		})
	})
}

// TestIngestMetaErrors checks the refusals of bad metadata columns: named,
// and with nothing produced.
func TestIngestMetaErrors(t *testing.T) {
	e := ingDevEnv(t)
	topic := e.topic(t)
	e.createTopic(t, topic, 2)
	schema := arrow.NewSchema([]arrow.Field{{Name: "v", Type: arrow.PrimitiveTypes.Int64}, {Name: "p", Type: arrow.PrimitiveTypes.Int32, Nullable: true}, {Name: "f", Type: arrow.PrimitiveTypes.Float64}}, nil)
	rec := ingFromJSON(t, e.mem, schema, `[{"v":1,"p":0,"f":1},{"v":2,"p":2,"f":1},{"v":3,"p":null,"f":1}]`)
	nulls := ingFromJSON(t, e.mem, schema, `[{"v":1,"p":1,"f":1},{"v":3,"p":null,"f":1}]`)
	for _, tc := range []struct {
		name  string
		rec   arrow.RecordBatch
		opts  map[string]string
		parts []string
	}{
		{"partition out of range", rec, map[string]string{"kafarr.ingest.partition_column": "p"}, []string{`column "p" row 1`, "value 2", "partitions 0 to 1"}},
		{"null partition", nulls, map[string]string{"kafarr.ingest.partition_column": "p"}, []string{`column "p" row 1`, "null partition"}},
		{"missing column", rec, map[string]string{"kafarr.ingest.key_column": "nope"}, []string{"kafarr.ingest.key_column", `"nope"`}},
		{"float key", rec, map[string]string{"kafarr.ingest.key_column": "f"}, []string{`key column "f"`, "float64"}},
		{"float partition", rec, map[string]string{"kafarr.ingest.partition_column": "f"}, []string{`partition column "f"`}},
		{"string timestamp", rec, map[string]string{"kafarr.ingest.timestamp_column": "f"}, []string{`timestamp column "f"`}},
		{"headers not a map", rec, map[string]string{"kafarr.ingest.headers_column": "v"}, []string{`headers column "v"`, "map<utf8"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.ingest(t, topic, tc.rec, tc.opts)
			ingWantStatus(t, err, adbc.StatusInvalidArgument, tc.parts...)
			if n := e.totalEnd(t, topic); n != 0 {
				t.Fatalf("a refused ingest produced %d records", n)
			}
		})
	}
}

// frame is the Confluent wire format header for a schema id.
func frame(id int) []byte {
	b := []byte{0, 0, 0, 0, 0}
	binary.BigEndian.PutUint32(b[1:], uint32(id))
	return b
}
