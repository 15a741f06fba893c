package ingest_test

import (
	"encoding/binary"
	"fmt"
	"strings"
	"testing"

	"github.com/apache/arrow-adbc/go/adbc"
	"github.com/apache/arrow-go/v18/arrow"
)

var ingTickSchema = arrow.NewSchema([]arrow.Field{
	{Name: "inst", Type: arrow.BinaryTypes.String},
	{Name: "t", Type: arrow.PrimitiveTypes.Int64},
	{Name: "bid", Type: arrow.PrimitiveTypes.Float32},
}, nil)

const ingTickRows = `[{"inst":"GBPUSD","t":1,"bid":1.5},{"inst":"EURUSD","t":2,"bid":0.25},{"inst":"USDJPY","t":3,"bid":150.125}]`

func TestIngestModes(t *testing.T) {
	ingStacks(t, func(t *testing.T, e *ingestEnv) {
		topic := e.topic(t)
		rec := ingFromJSON(t, e.mem, ingTickSchema, ingTickRows)
		mode := func(m string) map[string]string { return map[string]string{adbc.OptionKeyIngestMode: m} }

		_, err := e.ingest(t, topic, rec, mode(adbc.OptionValueIngestModeAppend))
		ingWantStatus(t, err, adbc.StatusNotFound, topic, "does not exist")
		if e.topicExists(t, topic) {
			t.Fatal("append into a missing topic created it")
		}
		e.mustIngest(t, topic, rec, mode(adbc.OptionValueIngestModeCreate))
		_, err = e.ingest(t, topic, rec, mode(adbc.OptionValueIngestModeCreate))
		ingWantStatus(t, err, adbc.StatusAlreadyExists, topic, "already exists")
		e.mustIngest(t, topic, rec, mode(adbc.OptionValueIngestModeAppend))
		e.mustIngest(t, topic, rec, mode(adbc.OptionValueIngestModeCreateAppend))
		if got := e.totalEnd(t, topic); got != 9 {
			t.Fatalf("end offset %d after three ingests of 3 rows, want 9", got)
		}

		// replace is refused without kafarr.allow_delete_topics, and
		// leaves the topic alone.
		_, err = e.ingest(t, topic, rec, mode(adbc.OptionValueIngestModeReplace))
		ingWantStatus(t, err, adbc.StatusUnauthorized, topic, "kafarr.allow_delete_topics=true")
		if got := e.totalEnd(t, topic); got != 9 {
			t.Fatalf("refused replace changed the end offset to %d", got)
		}

		// replace with permission: only the new rows remain, and a new
		// set of columns gets a new schema.
		other := arrow.NewSchema([]arrow.Field{{Name: "venue", Type: arrow.BinaryTypes.String}, {Name: "qty", Type: arrow.PrimitiveTypes.Int32}}, nil)
		rep := ingFromJSON(t, e.mem, other, `[{"venue":"LSE","qty":10},{"venue":"XETRA","qty":-3}]`)
		replace := map[string]string{adbc.OptionKeyIngestMode: adbc.OptionValueIngestModeReplace, "kafarr.allow_delete_topics": "true"}
		e.mustIngest(t, topic, rep, replace)
		_, rows := e.query(t, ingSelect(topic), ingNoMeta)
		ingEqualRows(t, rows, ingJSONRows(t, rep))

		// Replacing with other, nullable columns: the old schema's
		// fields all have defaults, yet the new table has the new
		// columns, not the old ones filled with defaults.
		for _, col := range []string{"a", "b"} {
			s := arrow.NewSchema([]arrow.Field{{Name: col, Type: arrow.PrimitiveTypes.Int64, Nullable: true}}, nil)
			rec := ingFromJSON(t, e.mem, s, `[{"`+col+`":42},{"`+col+`":null}]`)
			e.mustIngest(t, topic, rec, replace)
			_, rows = e.query(t, ingSelect(topic), ingNoMeta)
			ingEqualRows(t, rows, ingJSONRows(t, rec))
		}

		// replace of a topic that does not exist creates it.
		fresh := e.topic(t)
		e.mustIngest(t, fresh, rec, map[string]string{adbc.OptionKeyIngestMode: adbc.OptionValueIngestModeReplace, "kafarr.allow_delete_topics": "true"})
		_, rows = e.query(t, ingSelect(fresh), ingNoMeta)
		ingEqualRows(t, rows, ingJSONRows(t, rec))
	})
}

func TestIngestStandardOptions(t *testing.T) {
	e := ingDevEnv(t)
	st, err := e.cn.NewStatement()
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for _, tc := range []struct {
		key, val string
		code     adbc.Status
	}{
		{adbc.OptionValueIngestTemporary, adbc.OptionValueDisabled, adbc.StatusOK},
		{adbc.OptionValueIngestTemporary, adbc.OptionValueEnabled, adbc.StatusNotImplemented},
		{adbc.OptionValueIngestTemporary, "maybe", adbc.StatusInvalidArgument},
		{adbc.OptionKeyIngestMode, "adbc.ingest.mode.upsert", adbc.StatusInvalidArgument},
		{adbc.OptionKeyIngestTargetTable, "", adbc.StatusInvalidArgument},
		{adbc.OptionValueIngestTargetCatalog, "kafka", adbc.StatusOK},
		{adbc.OptionValueIngestTargetDBSchema, "default", adbc.StatusOK},
		{"kafarr.ingest.compression", "brotli", adbc.StatusInvalidArgument},
		{"kafarr.ingest.coerce", "loose", adbc.StatusInvalidArgument},
		{"kafarr.ingest.partitions", "0", adbc.StatusInvalidArgument},
	} {
		err := st.SetOption(tc.key, tc.val)
		if tc.code == adbc.StatusOK {
			if err != nil {
				t.Errorf("SetOption(%s, %q): %v", tc.key, tc.val, err)
			}
			continue
		}
		var ae adbc.Error
		if !ingAsADBC(err, &ae) || ae.Code != tc.code || !strings.Contains(ae.Msg, tc.key) {
			t.Errorf("SetOption(%s, %q) = %v, want %s naming the key", tc.key, tc.val, err, tc.code)
		}
	}
	// Executing with nothing bound is InvalidState.
	if err := st.SetOption(adbc.OptionKeyIngestTargetTable, "t"); err != nil {
		t.Fatal(err)
	}
	_, err = st.ExecuteUpdate(ingCtx(t))
	ingWantStatus(t, err, adbc.StatusInvalidState, "no data bound")
}

func TestIngestDerivedSchema(t *testing.T) {
	ingStacks(t, func(t *testing.T, e *ingestEnv) {
		topic := e.topic(t)
		rec := ingFromJSON(t, e.mem, ingTickSchema, ingTickRows)

		// With auto_register=false nothing is registered or created.
		_, err := e.ingest(t, topic, rec, map[string]string{"kafarr.ingest.auto_register": "false"})
		ingWantStatus(t, err, adbc.StatusNotFound, topic+"-value", "auto_register=false")
		if e.topicExists(t, topic) {
			t.Fatal("a refused ingest created the topic")
		}

		e.mustIngest(t, topic, rec, map[string]string{"kafarr.ingest.record_name": "avros.pricing.Tick"})
		ss, err := e.reg.SchemaByVersion(ingCtx(t), topic+"-value", -1)
		if err != nil {
			t.Fatalf("the derived schema is not registered under %s-value: %v", topic, err)
		}
		for _, want := range []string{`"avros.pricing.Tick"`, `"inst"`, `"long"`, `"float"`} {
			if !strings.Contains(ss.Schema.Schema, want) {
				t.Errorf("registered schema %s lacks %s", ss.Schema.Schema, want)
			}
		}
		// Every message carries the registered id.
		for _, r := range e.consume(t, topic) {
			if r.Value[0] != 0 || int(binary.BigEndian.Uint32(r.Value[1:5])) != ss.ID {
				t.Fatalf("message at offset %d is framed % x, want magic 0 and schema id %d", r.Offset, r.Value[:5], ss.ID)
			}
		}
		sch, rows := e.query(t, ingSelect(topic), ingNoMeta)
		if md, _ := sch.Metadata().GetValue("kafarr.value.record_name"); md != "avros.pricing.Tick" {
			t.Errorf("record name read back %q, want avros.pricing.Tick", md)
		}
		ingEqualRows(t, rows, ingJSONRows(t, rec))

		// A second ingest reuses the registered schema.
		e.mustIngest(t, topic, rec, nil)
		vs, err := e.reg.SubjectVersions(ingCtx(t), topic+"-value")
		if err != nil || len(vs) != 1 {
			t.Errorf("subject versions after a second ingest = %v, %v; want one", vs, err)
		}
	})
}

// ingOrderV1 and ingOrderV2 are two versions of an explicitly named subject; v2
// adds a field with a default.
const (
	ingOrderV1 = `{"type":"record","name":"Order","namespace":"avros.broker","fields":[{"name":"id","type":"long"},{"name":"side","type":"string"}]}`
	ingOrderV2 = `{"type":"record","name":"Order","namespace":"avros.broker","fields":[{"name":"id","type":"long"},{"name":"side","type":"string"},{"name":"venue","type":"string","default":"LSE"}]}`
)

func TestIngestValueSubject(t *testing.T) {
	ingStacks(t, func(t *testing.T, e *ingestEnv) {
		topic := e.topic(t)
		subject := "avros.broker.Order-" + topic
		id1 := e.register(t, subject, ingOrderV1)
		id2 := e.register(t, subject, ingOrderV2)
		schema := arrow.NewSchema([]arrow.Field{{Name: "side", Type: arrow.BinaryTypes.String}, {Name: "id", Type: arrow.PrimitiveTypes.Int64}}, nil)
		rec := ingFromJSON(t, e.mem, schema, `[{"side":"BUY","id":1},{"side":"SELL","id":2}]`)

		e.mustIngest(t, topic, rec, map[string]string{"kafarr.ingest.value_subject": subject})
		e.mustIngest(t, topic, rec, map[string]string{"kafarr.ingest.value_subject": subject, "kafarr.ingest.value_schema_version": "1"})
		recs := e.consume(t, topic)
		for i, r := range recs {
			want := id2
			if i >= 2 {
				want = id1
			}
			if got := int(binary.BigEndian.Uint32(r.Value[1:5])); got != want {
				t.Errorf("message %d has schema id %d, want %d", i, got, want)
			}
		}
		_, rows := e.query(t, fmt.Sprintf(`SELECT id, side, venue, _schema_id FROM %q`, topic), map[string]string{"kafarr.value.subject": subject})
		ingEqualRows(t, rows, []string{
			fmt.Sprintf(`{"_schema_id":%d,"id":1,"side":"BUY","venue":"LSE"}`, id2),
			fmt.Sprintf(`{"_schema_id":%d,"id":2,"side":"SELL","venue":"LSE"}`, id2),
			fmt.Sprintf(`{"_schema_id":%d,"id":1,"side":"BUY","venue":"LSE"}`, id1),
			fmt.Sprintf(`{"_schema_id":%d,"id":2,"side":"SELL","venue":"LSE"}`, id1),
		})

		// A named subject must exist; so must a named version.
		_, err := e.ingest(t, topic, rec, map[string]string{"kafarr.ingest.value_subject": subject + "-missing"})
		ingWantStatus(t, err, adbc.StatusNotFound, subject+"-missing")
		_, err = e.ingest(t, topic, rec, map[string]string{"kafarr.ingest.value_subject": subject, "kafarr.ingest.value_schema_version": "7"})
		ingWantStatus(t, err, adbc.StatusNotFound, subject)
		if got := e.totalEnd(t, topic); got != 4 {
			t.Errorf("failed ingests changed the end offset to %d", got)
		}
	})
}

// ingQuoteSchema is the value schema of the column tests.
const ingQuoteSchema = `{"type":"record","name":"Quote","namespace":"kafarr.test","fields":[
	{"name":"inst","type":"string"},
	{"name":"qty","type":"int"},
	{"name":"px","type":"float"},
	{"name":"venue","type":"string","default":"LSE"},
	{"name":"note","type":["null","string"],"default":null}]}`

func TestIngestColumns(t *testing.T) {
	ingStacks(t, func(t *testing.T, e *ingestEnv) {
		topic := e.topic(t)
		e.register(t, topic+"-value", ingQuoteSchema)
		// Shuffled, with an extra column, without the defaulted fields;
		// int64 into int and float64 into float with exact values.
		in := arrow.NewSchema([]arrow.Field{
			{Name: "px", Type: arrow.PrimitiveTypes.Float64},
			{Name: "extra", Type: arrow.FixedWidthTypes.Boolean},
			{Name: "qty", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
			{Name: "inst", Type: arrow.BinaryTypes.String, Nullable: true},
		}, nil)
		rec := ingFromJSON(t, e.mem, in, `[{"px":1.5,"extra":true,"qty":2147483647,"inst":"A"},{"px":-0.25,"extra":false,"qty":-2147483648,"inst":"B"}]`)
		e.mustIngest(t, topic, rec, nil)
		_, rows := e.query(t, ingSelect(topic), ingNoMeta)
		ingEqualRows(t, rows, []string{
			`{"inst":"A","note":null,"px":1.5,"qty":2147483647,"venue":"LSE"}`,
			`{"inst":"B","note":null,"px":-0.25,"qty":-2147483648,"venue":"LSE"}`,
		})

		refuse := func(t *testing.T, rec arrow.RecordBatch, opts map[string]string, code adbc.Status, parts ...string) {
			t.Helper()
			before := e.endOffsets(t, topic)
			_, err := e.ingest(t, topic, rec, opts)
			ingWantStatus(t, err, code, parts...)
			if after := e.endOffsets(t, topic); after[0] != before[0] {
				t.Fatalf("a refused ingest moved the end offset from %d to %d", before[0], after[0])
			}
		}
		t.Run("missing field without default", func(t *testing.T) {
			noInst := arrow.NewSchema([]arrow.Field{{Name: "qty", Type: arrow.PrimitiveTypes.Int32}, {Name: "px", Type: arrow.PrimitiveTypes.Float32}}, nil)
			refuse(t, ingFromJSON(t, e.mem, noInst, `[{"qty":1,"px":1}]`), nil, adbc.StatusInvalidArgument, `field "inst"`, "no default")
		})
		t.Run("int64 out of int range", func(t *testing.T) {
			big := ingFromJSON(t, e.mem, in, `[{"px":1,"extra":true,"qty":1,"inst":"A"},{"px":1,"extra":true,"qty":2147483648,"inst":"B"}]`)
			refuse(t, big, nil, adbc.StatusInvalidArgument, `column "qty" row 1`, "value 2147483648", "nothing of this batch was produced")
		})
		t.Run("float64 not exact in float", func(t *testing.T) {
			inexact := ingFromJSON(t, e.mem, in, `[{"px":0.1,"extra":true,"qty":1,"inst":"A"}]`)
			refuse(t, inexact, nil, adbc.StatusInvalidArgument, `column "px" row 0`, "0.1")
		})
		t.Run("null into non-nullable", func(t *testing.T) {
			nulls := ingFromJSON(t, e.mem, in, `[{"px":1,"extra":true,"qty":1,"inst":"A"},{"px":1,"extra":true,"qty":2,"inst":null}]`)
			refuse(t, nulls, nil, adbc.StatusInvalidArgument, `column "inst" row 1`, "null")
		})
		t.Run("coerce strict", func(t *testing.T) {
			refuse(t, rec, map[string]string{"kafarr.ingest.coerce": "strict"}, adbc.StatusInvalidArgument, `column "qty"`, "strict")
		})
		t.Run("wrong type", func(t *testing.T) {
			wrong := arrow.NewSchema([]arrow.Field{{Name: "inst", Type: arrow.PrimitiveTypes.Int32}, {Name: "qty", Type: arrow.PrimitiveTypes.Int32}, {Name: "px", Type: arrow.PrimitiveTypes.Float32}}, nil)
			refuse(t, ingFromJSON(t, e.mem, wrong, `[{"inst":1,"qty":1,"px":1}]`), nil, adbc.StatusInvalidArgument, `"inst"`)
		})
	})
}

// TestIngestStream checks that each batch of a stream is checked before
// any of it is produced, and that rows are named over the whole stream.
func TestIngestStream(t *testing.T) {
	ingStacks(t, func(t *testing.T, e *ingestEnv) {
		topic := e.topic(t)
		e.register(t, topic+"-value", ingQuoteSchema)
		in := arrow.NewSchema([]arrow.Field{{Name: "inst", Type: arrow.BinaryTypes.String}, {Name: "qty", Type: arrow.PrimitiveTypes.Int64}, {Name: "px", Type: arrow.PrimitiveTypes.Float32}}, nil)
		good := ingFromJSON(t, e.mem, in, `[{"inst":"A","qty":1,"px":1},{"inst":"B","qty":2,"px":2}]`)
		bad := ingFromJSON(t, e.mem, in, `[{"inst":"C","qty":3,"px":3},{"inst":"D","qty":9999999999,"px":4}]`)
		n, err := e.ingestStream(t, topic, []arrow.RecordBatch{good, good, bad, good}, nil)
		ingWantStatus(t, err, adbc.StatusInvalidArgument, `column "qty" row 5`, "value 9999999999", "4 rows acknowledged before")
		if n != 4 {
			t.Errorf("failed ingest returned %d, want the 4 acknowledged rows", n)
		}
		if got := e.totalEnd(t, topic); got != 4 {
			t.Fatalf("end offset %d, want 4: the bad batch must produce nothing and stop the stream", got)
		}
		n, err = e.ingestStream(t, topic, []arrow.RecordBatch{good, good, good}, nil)
		if err != nil || n != 6 {
			t.Fatalf("stream of 3 batches: %d, %v; want 6 rows", n, err)
		}
		_, rows := e.query(t, fmt.Sprintf("SELECT inst FROM %q", topic), nil)
		var want []string
		for range 5 {
			want = append(want, `{"inst":"A"}`, `{"inst":"B"}`)
		}
		ingEqualRows(t, rows, want)
	})
}

func TestIngestTopicOptions(t *testing.T) {
	ingStacks(t, func(t *testing.T, e *ingestEnv) {
		topic := e.topic(t)
		rec := ingFromJSON(t, e.mem, ingTickSchema, ingTickRows)
		e.mustIngest(t, topic, rec, map[string]string{"kafarr.ingest.partitions": "3", "kafarr.ingest.replication_factor": "1"})
		if got := len(e.endOffsets(t, topic)); got != 3 {
			t.Fatalf("topic has %d partitions, want 3", got)
		}
		// A replication factor the cluster cannot meet fails, naming the
		// topic; the schema registered for it stays reusable.
		other := e.topic(t)
		_, err := e.ingest(t, other, rec, map[string]string{"kafarr.ingest.replication_factor": "5"})
		var ae adbc.Error
		if !ingAsADBC(err, &ae) || !strings.Contains(ae.Msg, other) {
			t.Fatalf("replication factor 5 on a 1-broker cluster: %v", err)
		}
	})
}

func TestIngestCompression(t *testing.T) {
	ingStacks(t, func(t *testing.T, e *ingestEnv) {
		// Repetitive rows, so that every codec makes the batch smaller
		// (kgo sends a batch uncompressed when compressing does not pay).
		var rows []string
		for i := range 200 {
			rows = append(rows, fmt.Sprintf(`{"inst":"GBPUSD","t":%d,"bid":1.5}`, i%4))
		}
		rec := ingFromJSON(t, e.mem, ingTickSchema, "["+strings.Join(rows, ",")+"]")
		for _, codec := range []string{"none", "gzip", "snappy", "lz4", "zstd"} {
			t.Run(codec, func(t *testing.T) {
				topic := e.topic(t)
				e.mustIngest(t, topic, rec, map[string]string{"kafarr.ingest.compression": codec})
				want := map[string]uint8{"none": 0, "gzip": 1, "snappy": 2, "lz4": 3, "zstd": 4}[codec]
				// A batch of one or two records may go out uncompressed
				// (kgo sends a batch as is when compressing does not
				// shrink it), but no batch may use another codec and the
				// bulk must use this one.
				compressed := 0
				recs := e.consume(t, topic)
				for _, r := range recs {
					switch got := r.Attrs.CompressionType(); got {
					case want:
						compressed++
					case 0:
					default:
						t.Errorf("record at offset %d: compression %d, want %d (%s)", r.Offset, got, want, codec)
					}
				}
				if compressed < len(recs)/2 {
					t.Errorf("%s: only %d of %d records compressed", codec, compressed, len(recs))
				}
				_, rows := e.query(t, ingSelect(topic), ingNoMeta)
				ingEqualRows(t, rows, ingJSONRows(t, rec))
			})
		}
	})
}

func TestIngestDropTable(t *testing.T) {
	ingStacks(t, func(t *testing.T, e *ingestEnv) {
		topic := e.topic(t)
		e.mustIngest(t, topic, ingFromJSON(t, e.mem, ingTickSchema, ingTickRows), nil)
		drop := func(sql string, opts map[string]string) error {
			st, err := e.cn.NewStatement()
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			for k, v := range opts {
				if err := st.SetOption(k, v); err != nil {
					t.Fatal(err)
				}
			}
			if err := st.SetSqlQuery(sql); err != nil {
				t.Fatal(err)
			}
			_, err = st.ExecuteUpdate(ingCtx(t))
			return err
		}
		allow := map[string]string{"kafarr.allow_delete_topics": "true"}
		ingWantStatus(t, drop(fmt.Sprintf("DROP TABLE %q", topic), nil), adbc.StatusUnauthorized, topic, "kafarr.allow_delete_topics")
		if !e.topicExists(t, topic) {
			t.Fatal("a refused DROP TABLE deleted the topic")
		}
		if err := drop(fmt.Sprintf("DROP TABLE %q", topic), allow); err != nil {
			t.Fatal(err)
		}
		if e.topicExists(t, topic) {
			t.Fatal("DROP TABLE left the topic")
		}
		ingWantStatus(t, drop(fmt.Sprintf("DROP TABLE %q", topic), allow), adbc.StatusNotFound, topic)
		if err := drop(fmt.Sprintf("DROP TABLE IF EXISTS %q", topic), allow); err != nil {
			t.Fatalf("DROP TABLE IF EXISTS of a missing topic: %v", err)
		}
	})
}

// TestIngestRecreatedTopicSchema checks that a topic created by an ingest
// takes the data's own schema when the subject left by an earlier topic of
// the same name does not fit the data, while an append must fit.
func TestIngestRecreatedTopicSchema(t *testing.T) {
	ingStacks(t, func(t *testing.T, e *ingestEnv) {
		topic := e.topic(t)
		e.register(t, topic+"-value", ingOrderV1)
		rec := ingFromJSON(t, e.mem, ingTickSchema, ingTickRows)
		e.mustIngest(t, topic, rec, map[string]string{adbc.OptionKeyIngestMode: adbc.OptionValueIngestModeCreate})
		_, rows := e.query(t, ingSelect(topic), ingNoMeta)
		ingEqualRows(t, rows, ingJSONRows(t, rec))
		// The topic now exists: data that fits neither schema fails.
		orders := ingFromJSON(t, e.mem, arrow.NewSchema([]arrow.Field{{Name: "id", Type: arrow.PrimitiveTypes.Int64}, {Name: "side", Type: arrow.BinaryTypes.String}}, nil), `[{"id":1,"side":"BUY"}]`)
		_, err := e.ingest(t, topic, orders, map[string]string{adbc.OptionKeyIngestMode: adbc.OptionValueIngestModeAppend})
		ingWantStatus(t, err, adbc.StatusInvalidArgument, `field "inst"`)
		if vs, err := e.reg.SubjectVersions(ingCtx(t), topic+"-value"); err != nil || len(vs) != 2 {
			t.Fatalf("subject versions %v (%v), want the registered one and the derived one", vs, err)
		}
	})
}

// ingAsADBC is errors.As for adbc.Error values.
func ingAsADBC(err error, ae *adbc.Error) bool {
	if err == nil {
		return false
	}
	e, ok := err.(adbc.Error)
	if ok {
		*ae = e
	}
	return ok
}
