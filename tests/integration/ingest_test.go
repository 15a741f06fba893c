package integration

// The ingest path checked from outside: records produced by kafarr are
// decoded by goavro with the schema srclient fetches by the id in each
// message, so nothing of kafarr's own decoder is involved. Runs on the
// devstack always and on the real stack (tests/stack) when configured.

import (
	"context"
	"encoding/binary"
	"math/big"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-adbc/go/adbc"
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/riferrei/srclient"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/kafarr/kafarr/avroarrow"
	"github.com/kafarr/kafarr/driver"
	"github.com/kafarr/kafarr/internal/testenv"
)

// ingWireSchema uses the Avro types goavro v2.15 decodes natively.
const ingWireSchema = `{"type":"record","name":"Wire","namespace":"kafarr.it","fields":[
 {"name":"b","type":"boolean"},
 {"name":"i","type":"int"},
 {"name":"l","type":"long"},
 {"name":"f","type":"float"},
 {"name":"d","type":"double"},
 {"name":"by","type":"bytes"},
 {"name":"s","type":"string"},
 {"name":"fx","type":{"type":"fixed","name":"F3","size":3}},
 {"name":"rec","type":{"type":"record","name":"In","fields":[{"name":"x","type":"long"},{"name":"tag","type":["null","string"],"default":null}]}},
 {"name":"arr","type":{"type":"array","items":"int"}},
 {"name":"mp","type":{"type":"map","values":"string"}},
 {"name":"en","type":{"type":"enum","name":"Side","symbols":["BUY","SELL"]}},
 {"name":"dec","type":{"type":"bytes","logicalType":"decimal","precision":9,"scale":2}},
 {"name":"uid","type":{"type":"string","logicalType":"uuid"}},
 {"name":"dt","type":{"type":"int","logicalType":"date"}},
 {"name":"tms","type":{"type":"int","logicalType":"time-millis"}},
 {"name":"tus","type":{"type":"long","logicalType":"time-micros"}},
 {"name":"tsms","type":{"type":"long","logicalType":"timestamp-millis"}},
 {"name":"tsus","type":{"type":"long","logicalType":"timestamp-micros"}},
 {"name":"u","type":["null","long","string"]},
 {"name":"venue","type":"string","default":"LSE"}
]}`

// ingWireRows leave out "venue", which takes its default, and shuffle the
// columns against the schema's field order.
const ingWireRows = `[
{"s":"héllo","b":true,"i":-7,"l":9007199254740993,"f":1.5,"d":-2.25,"by":"AAEC","fx":"AQID","rec":{"x":1,"tag":"a"},"arr":[1,-2],"mp":[{"key":"k","value":"v"}],
 "en":"SELL","dec":"-1234.56","uid":"0b6c6ad4-7b8e-4b6e-9a0e-3c2f1e4d5a6b","dt":19000,"tms":3600001,"tus":3600000001,"tsms":1704164645678,"tsus":1704164645678901,"u":{"long":5}},
{"s":"","b":false,"i":0,"l":-1,"f":0,"d":1e300,"by":"","fx":"AAAA","rec":{"x":-1,"tag":null},"arr":[],"mp":[],
 "en":"BUY","dec":"0.01","uid":"00000000-0000-0000-0000-000000000000","dt":-1,"tms":0,"tus":0,"tsms":-1,"tsus":0,"u":{"string":"s"}}
]`

// ingWireNative is what goavro must decode each row to.
func ingWireNative() []map[string]any {
	utc := func(sec, nsec int64) time.Time { return time.Unix(sec, nsec).UTC() }
	return []map[string]any{{
		"b": true, "i": int32(-7), "l": int64(9007199254740993), "f": float32(1.5), "d": -2.25,
		"by": []byte{0, 1, 2}, "s": "héllo", "fx": []byte{1, 2, 3},
		"rec": map[string]any{"x": int64(1), "tag": map[string]any{"string": "a"}},
		"arr": []any{int32(1), int32(-2)}, "mp": map[string]any{"k": "v"}, "en": "SELL",
		"dec": big.NewRat(-123456, 100), "uid": "0b6c6ad4-7b8e-4b6e-9a0e-3c2f1e4d5a6b",
		"dt": utc(19000*86400, 0), "tms": 3600001 * time.Millisecond, "tus": 3600000001 * time.Microsecond,
		"tsms": utc(1704164645, 678000000), "tsus": utc(1704164645, 678901000),
		"u": map[string]any{"long": int64(5)}, "venue": "LSE",
	}, {
		"b": false, "i": int32(0), "l": int64(-1), "f": float32(0), "d": 1e300,
		"by": []byte{}, "s": "", "fx": []byte{0, 0, 0},
		"rec": map[string]any{"x": int64(-1), "tag": nil},
		"arr": []any{}, "mp": map[string]any{}, "en": "BUY",
		"dec": big.NewRat(1, 100), "uid": "00000000-0000-0000-0000-000000000000",
		"dt": utc(-86400, 0), "tms": time.Duration(0), "tus": time.Duration(0),
		"tsms": utc(-1, 999000000), "tsus": utc(0, 0),
		"u": map[string]any{"string": "s"}, "venue": "LSE",
	}}
}

func TestIngestWireFormatDevStack(t *testing.T) {
	s := testenv.DevStack(t)
	checkIngestWireFormat(t, s.Brokers(), s.RegistryURL())
}

func TestIngestWireFormatRealStack(t *testing.T) {
	checkIngestWireFormat(t, testenv.Brokers(t), testenv.Registry(t))
}

func checkIngestWireFormat(t *testing.T, brokers, registry string) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	ctx := testContext(t)
	cn := ingOpen(t, mem, brokers, registry)
	defer cn.Close()
	src := srclient.CreateSchemaRegistryClient(registry)

	t.Run("registered schema", func(t *testing.T) {
		topic := testenv.Topic(t)
		defer ingestDropTopic(t, cn, topic)
		subject := topic + "-wire"
		registered, err := src.CreateSchema(subject, ingWireSchema, srclient.Avro)
		if err != nil {
			t.Fatal(err)
		}
		avro := avroarrow.MustParse(ingWireSchema)
		schema, err := avroarrow.ArrowSchema(avro, avroarrow.MapOptions{})
		if err != nil {
			t.Fatal(err)
		}
		// Shuffle the columns and leave venue out.
		var fields []arrow.Field
		for i := schema.NumFields() - 2; i >= 0; i-- {
			fields = append(fields, schema.Field(i))
		}
		rec, _, err := array.RecordFromJSON(mem, arrow.NewSchema(fields, nil), strings.NewReader(ingWireRows))
		if err != nil {
			t.Fatal(err)
		}
		defer rec.Release()
		ingRun(t, cn, topic, rec, map[string]string{"kafarr.ingest.value_subject": subject})
		got := ingDecodeAll(t, ctx, brokers, src, topic, 2)
		for i, want := range ingWireNative() {
			if got[i].id != registered.ID() {
				t.Errorf("row %d framed with schema id %d, want %d", i, got[i].id, registered.ID())
			}
			ingCompareNative(t, i, got[i].value, want)
		}
	})

	t.Run("derived schema with Avro key", func(t *testing.T) {
		topic := testenv.Topic(t)
		defer ingestDropTopic(t, cn, topic)
		rec := ingTickBatch(mem, 3)
		defer rec.Release()
		ingRun(t, cn, topic, rec, map[string]string{"kafarr.ingest.key_column": "inst", "kafarr.ingest.key_subject": topic + "-key"})
		got := ingDecodeAll(t, ctx, brokers, src, topic, 3)
		insts := []string{"GBPUSD", "EURUSD", "USDJPY"}
		for i, g := range got {
			want := map[string]any{"t": int64(1_700_000_000_000 + i), "dt": int32(i), "bid": float32(1.25) + float32(i)/10000, "ask": float32(1.2502) + float32(i)/10000}
			ingCompareNative(t, i, g.value, want)
			if g.key != insts[i] {
				t.Errorf("row %d: key decoded as %v, want %q", i, g.key, insts[i])
			}
		}
		// The derived value schema is registered under <topic>-value.
		latest, err := src.GetLatestSchema(topic + "-value")
		if err != nil || latest.ID() != got[0].id {
			t.Errorf("latest %s-value: %v, %v; want the id the messages carry (%d)", topic, latest, err, got[0].id)
		}
	})
}

// ingDecoded is one message decoded by goavro.
type ingDecoded struct {
	id    int
	value map[string]any
	key   any
}

// ingDecodeAll consumes n messages of topic and decodes their values (and
// Confluent-framed keys) with goavro and the schemas srclient fetches.
func ingDecodeAll(t *testing.T, ctx context.Context, brokers string, src *srclient.SchemaRegistryClient, topic string, n int) []ingDecoded {
	t.Helper()
	cl := newKafkaClient(t, brokers, kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	var out []ingDecoded
	for len(out) < n {
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			t.Fatalf("consumed %d of %d messages: %v", len(out), n, ctx.Err())
		}
		fs.EachError(func(_ string, p int32, err error) { t.Fatalf("fetch %s/%d: %v", topic, p, err) })
		fs.EachRecord(func(r *kgo.Record) {
			var d ingDecoded
			var native any
			d.id, native = ingDecode(t, src, r.Value)
			d.value = native.(map[string]any)
			if len(r.Key) > 0 {
				_, d.key = ingDecode(t, src, r.Key)
			}
			out = append(out, d)
		})
	}
	return out
}

func ingDecode(t *testing.T, src *srclient.SchemaRegistryClient, msg []byte) (int, any) {
	t.Helper()
	if len(msg) < 5 || msg[0] != 0 {
		t.Fatalf("message % x is not in the Confluent wire format", msg)
	}
	id := int(binary.BigEndian.Uint32(msg[1:5]))
	sch, err := src.GetSchema(id)
	if err != nil {
		t.Fatalf("srclient: schema id %d: %v", id, err)
	}
	codec := sch.Codec()
	if codec == nil {
		t.Fatalf("goavro cannot compile schema id %d: %s", id, sch.Schema())
	}
	native, rest, err := codec.NativeFromBinary(msg[5:])
	if err != nil {
		t.Fatalf("goavro: decoding with schema id %d: %v", id, err)
	}
	if len(rest) != 0 {
		t.Fatalf("goavro: %d bytes left after the value", len(rest))
	}
	return id, native
}

func ingCompareNative(t *testing.T, row int, got, want map[string]any) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("row %d: %d fields decoded, want %d: %v", row, len(got), len(want), got)
	}
	for k, w := range want {
		g := got[k]
		switch w := w.(type) {
		case *big.Rat:
			if gr, ok := g.(*big.Rat); !ok || gr.Cmp(w) != 0 {
				t.Errorf("row %d field %s: %v, want %v", row, k, g, w.RatString())
			}
		case time.Time:
			if gt, ok := g.(time.Time); !ok || !gt.Equal(w) {
				t.Errorf("row %d field %s: %v, want %v", row, k, g, w)
			}
		default:
			if !reflect.DeepEqual(g, w) {
				t.Errorf("row %d field %s: %#v, want %#v", row, k, g, w)
			}
		}
	}
}

// ingOpen opens a driver connection; the caller closes it.
func ingOpen(t *testing.T, mem memory.Allocator, brokers, registry string) adbc.Connection {
	t.Helper()
	testenv.CheckLeaks(t)
	db, err := driver.NewDriver(mem).NewDatabase(map[string]string{"uri": "kafka://" + brokers, "kafarr.schema_registry.url": registry})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	cn, err := db.Open(testContext(t))
	if err != nil {
		t.Fatal(err)
	}
	return cn
}

// ingRun ingests rec into topic (create_append) and requires every row.
func ingRun(t *testing.T, cn adbc.Connection, topic string, rec arrow.RecordBatch, opts map[string]string) {
	t.Helper()
	st, err := cn.NewStatement()
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	opts[adbc.OptionKeyIngestTargetTable] = topic
	opts[adbc.OptionKeyIngestMode] = adbc.OptionValueIngestModeCreateAppend
	for k, v := range opts {
		if err := st.SetOption(k, v); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.Bind(testContext(t), rec); err != nil {
		t.Fatal(err)
	}
	n, err := st.ExecuteUpdate(testContext(t))
	if err != nil || n != rec.NumRows() {
		t.Fatalf("ingest into %s: %d rows, %v; want %d", topic, n, err, rec.NumRows())
	}
}
