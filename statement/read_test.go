package statement_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"testing"

	"github.com/apache/arrow-adbc/go/adbc"
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/twmb/franz-go/pkg/kgo"
)

// TestReadAll reads a topic of three partitions whole: every record once,
// partitions in order, offsets and timestamps as produced.
func TestReadAll(t *testing.T) {
	forStacks(t, func(t *testing.T, e *env) {
		topic, _ := e.tickTopic(3, 10)
		cn := e.open(nil)
		res := e.mustQuery(cn, `SELECT * FROM "`+topic+`"`, nil)
		wantCols(t, res, tickCols...)
		var want [][]any
		for p := int32(0); p < 3; p++ {
			for i := 0; i < 10; i++ {
				want = append(want, tickRow(p, i))
			}
		}
		sortRows(res.rows)
		wantRows(t, res, want)
	})
}

// sortRows orders SELECT * rows of tick topics by partition, then offset:
// partitions are read concurrently, so their interleaving is not fixed.
func sortRows(rows [][]any) {
	slices.SortStableFunc(rows, func(a, b []any) int {
		pa, pb := a[len(a)-3].(int32), b[len(b)-3].(int32)
		if pa != pb {
			return int(pa - pb)
		}
		return int(a[len(a)-2].(int64) - b[len(b)-2].(int64))
	})
}

func TestReadLimit(t *testing.T) {
	forStacks(t, func(t *testing.T, e *env) {
		topic, _ := e.tickTopic(1, 20)
		empty := e.topic(2, nil)
		e.register(empty+"-value", tickSchema)
		cn := e.open(nil)
		all := func(n int) [][]any {
			var out [][]any
			for i := 0; i < n; i++ {
				out = append(out, tickRow(0, i))
			}
			return out
		}
		for _, c := range []struct {
			sql  string
			want [][]any
		}{
			{"SELECT * FROM " + q(topic) + " LIMIT 7", all(7)},
			{"SELECT * FROM " + q(topic) + " LIMIT 20", all(20)},
			{"SELECT * FROM " + q(topic) + " LIMIT 1000", all(20)},
			{"SELECT * FROM " + q(topic) + " LIMIT 0", nil},
			{"SELECT * FROM " + q(empty), nil},
			{"SELECT * FROM " + q(empty) + " LIMIT 5", nil},
		} {
			res := e.mustQuery(cn, c.sql, nil)
			wantCols(t, res, tickCols...)
			wantRows(t, res, c.want)
		}
	})
}

func q(topic string) string { return `"` + topic + `"` }

// TestReadProjection selects columns, nested paths and metadata columns in
// the order asked, repeated names numbered.
func TestReadProjection(t *testing.T) {
	forStacks(t, func(t *testing.T, e *env) {
		topic, _ := e.tickTopic(1, 4)
		cn := e.open(nil)
		res := e.mustQuery(cn, "SELECT _offset, px, order.id, \"order\".\"side\", inst, px FROM "+q(topic), nil)
		wantCols(t, res, "_offset", "px", "order.id", "order.side", "inst", "px_1")
		wantRows(t, res, [][]any{
			{int64(0), int64(0), nil, nil, "I0", int64(0)},
			{int64(1), int64(1), int64(1), "sell", "I0", int64(1)},
			{int64(2), int64(2), int64(2), "buy", "I0", int64(2)},
			{int64(3), int64(3), nil, nil, "I0", int64(3)},
		})
		// Sorted results are handed out as slices of one batch: nested
		// nulls must follow the slice's offset.
		res = e.mustQuery(cn, "SELECT order.id, order.side FROM "+q(topic)+" ORDER BY _offset DESC", map[string]string{"kafarr.read.batch_rows": "3"})
		wantRows(t, res, [][]any{{nil, nil}, {int64(2), "buy"}, {int64(1), "sell"}, {nil, nil}})
	})
}

// TestReadMetadataColumns checks every metadata column's value and type,
// and kafarr.read.metadata_columns.
func TestReadMetadataColumns(t *testing.T) {
	forStacks(t, func(t *testing.T, e *env) {
		topic := e.topic(2, nil)
		id := e.register(topic+"-value", tickSchema)
		e.produce(
			&kgo.Record{Topic: topic, Partition: 1, Timestamp: msTime(baseMs), Key: []byte("k1"),
				Headers: []kgo.RecordHeader{{Key: "h", Value: []byte("v1")}, {Key: "h", Value: []byte("v2")}, {Key: "e", Value: nil}},
				Value:   e.frame(tickSchema, id, tick("A", 1, "", -1))},
			&kgo.Record{Topic: topic, Partition: 1, Timestamp: msTime(baseMs + 5), Key: nil,
				Value: e.frame(tickSchema, id, tick("B", 2, "", -1))},
		)
		cn := e.open(nil)
		res := e.mustQuery(cn, "SELECT _topic, _partition, _offset, _timestamp, _key, _headers, _schema_id FROM "+q(topic), nil)
		wantRows(t, res, [][]any{
			{topic, int32(1), int64(0), baseMs, []byte("k1"), []kv{{"h", "v1"}, {"h", "v2"}, {"e", ""}}, id},
			{topic, int32(1), int64(1), baseMs + 5, nil, []kv{}, id},
		})
		wantTypes(t, res.schema, map[string]arrow.DataType{
			"_topic": arrow.BinaryTypes.String, "_partition": arrow.PrimitiveTypes.Int32, "_offset": arrow.PrimitiveTypes.Int64,
			"_timestamp": &arrow.TimestampType{Unit: arrow.Millisecond, TimeZone: "UTC"}, "_key": arrow.BinaryTypes.Binary,
			"_headers": arrow.MapOf(arrow.BinaryTypes.String, arrow.BinaryTypes.Binary), "_schema_id": arrow.PrimitiveTypes.Int32,
		})

		res = e.mustQuery(cn, "SELECT * FROM "+q(topic), map[string]string{"kafarr.read.metadata_columns": "none"})
		wantCols(t, res, "inst", "px", "note", "order")
		wantRows(t, res, [][]any{{"A", int64(1), nil, nil}, {"B", int64(2), nil, nil}})

		res = e.mustQuery(cn, "SELECT * FROM "+q(topic), map[string]string{"kafarr.read.metadata_columns": "_key,_topic,_schema_id"})
		// The listed order is kept.
		wantCols(t, res, "inst", "px", "note", "order", "_key", "_topic", "_schema_id")
		wantRows(t, res, [][]any{
			{"A", int64(1), nil, nil, []byte("k1"), topic, id},
			{"B", int64(2), nil, nil, nil, topic, id},
		})

		// The connection's setting applies; the statement's wins.
		cn2 := e.open(map[string]string{"kafarr.read.metadata_columns": "_offset"})
		res = e.mustQuery(cn2, "SELECT * FROM "+q(topic), nil)
		wantCols(t, res, "inst", "px", "note", "order", "_offset")
		res = e.mustQuery(cn2, "SELECT * FROM "+q(topic), map[string]string{"kafarr.read.metadata_columns": "_partition"})
		wantCols(t, res, "inst", "px", "note", "order", "_partition")
	})
}

func wantTypes(t *testing.T, s *arrow.Schema, want map[string]arrow.DataType) {
	t.Helper()
	for name, typ := range want {
		idx := s.FieldIndices(name)
		if len(idx) != 1 {
			t.Fatalf("schema has no column %s: %s", name, s)
		}
		if got := s.Field(idx[0]).Type; !arrow.TypeEqual(got, typ) {
			t.Fatalf("column %s is %s, want %s", name, got, typ)
		}
	}
}

// TestReadKeys decodes keys under each kafarr.key.format.
func TestReadKeys(t *testing.T) {
	forStacks(t, func(t *testing.T, e *env) {
		const keySchema = `{"type":"record","name":"Key","namespace":"test.kafarr","fields":[{"name":"acct","type":"string"},{"name":"n","type":"int"}]}`
		avroKeyed := e.topic(1, nil)
		vid := e.register(avroKeyed+"-value", tickSchema)
		kid := e.register(avroKeyed+"-key", keySchema)
		e.produce(
			rec(avroKeyed, 0, baseMs, e.frame(keySchema, kid, map[string]any{"acct": "a1", "n": int32(7)}), e.frame(tickSchema, vid, tick("A", 1, "", -1))),
			rec(avroKeyed, 0, baseMs, nil, e.frame(tickSchema, vid, tick("B", 2, "", -1))),
		)
		raw := e.topic(1, nil)
		rid := e.register(raw+"-value", tickSchema)
		e.produce(
			rec(raw, 0, baseMs, []byte("plain"), e.frame(tickSchema, rid, tick("A", 1, "", -1))),
			rec(raw, 0, baseMs, []byte{0xff, 0xfe}, e.frame(tickSchema, rid, tick("B", 2, "", -1))),
			rec(raw, 0, baseMs, nil, e.frame(tickSchema, rid, tick("C", 3, "", -1))),
		)
		cn := e.open(nil)
		for _, c := range []struct {
			topic, format string
			typ           arrow.DataType
			want          []any
		}{
			{avroKeyed, "auto", arrow.StructOf(arrow.Field{Name: "acct", Type: arrow.BinaryTypes.String, Nullable: true}, arrow.Field{Name: "n", Type: arrow.PrimitiveTypes.Int32, Nullable: true}),
				[]any{map[string]any{"acct": "a1", "n": int32(7)}, nil}},
			{avroKeyed, "avro", nil, []any{map[string]any{"acct": "a1", "n": int32(7)}, nil}},
			{avroKeyed, "binary", arrow.BinaryTypes.Binary, []any{e.frame(keySchema, kid, map[string]any{"acct": "a1", "n": int32(7)}), nil}},
			{raw, "auto", arrow.BinaryTypes.Binary, []any{[]byte("plain"), []byte{0xff, 0xfe}, nil}},
			{raw, "binary", arrow.BinaryTypes.Binary, []any{[]byte("plain"), []byte{0xff, 0xfe}, nil}},
			// Not UTF-8: null rather than an invalid utf8 array.
			{raw, "string", arrow.BinaryTypes.String, []any{"plain", nil, nil}},
		} {
			res := e.mustQuery(cn, "SELECT _key, inst FROM "+q(c.topic), map[string]string{"kafarr.key.format": c.format})
			if got := res.col("_key"); fmt.Sprint(got) != fmt.Sprint(c.want) {
				t.Fatalf("%s key.format=%s: keys %v, want %v", c.topic, c.format, got, c.want)
			}
			if c.typ != nil {
				wantTypes(t, res.schema, map[string]arrow.DataType{"_key": c.typ})
			}
		}
		// avro on a topic without a key subject: NotFound naming it.
		res := e.query(cn, "SELECT _key FROM "+q(raw), map[string]string{"kafarr.key.format": "avro"})
		wantStatus(t, res.err, adbc.StatusNotFound, raw+"-key")
		// A key subject given explicitly.
		res = e.mustQuery(cn, "SELECT _key FROM "+q(avroKeyed), map[string]string{"kafarr.key.subject": avroKeyed + "-key", "kafarr.key.format": "avro"})
		wantRows(t, res, [][]any{{map[string]any{"acct": "a1", "n": int32(7)}}, {nil}})
	})
}

// TestReadValueFormats reads raw values as string and binary.
func TestReadValueFormats(t *testing.T) {
	forStacks(t, func(t *testing.T, e *env) {
		topic := e.topic(1, nil)
		e.produce(
			rec(topic, 0, baseMs, nil, []byte("hello")),
			rec(topic, 0, baseMs+1, nil, nil),
			rec(topic, 0, baseMs+2, nil, []byte{0, 1, 2}),
		)
		cn := e.open(nil)
		res := e.mustQuery(cn, "SELECT * FROM "+q(topic), map[string]string{"kafarr.value.format": "string"})
		wantCols(t, res, "_partition", "_offset", "_timestamp", "_value")
		wantTypes(t, res.schema, map[string]arrow.DataType{"_value": arrow.BinaryTypes.String})
		wantRows(t, res, [][]any{
			{int32(0), int64(0), baseMs, "hello"},
			{int32(0), int64(1), baseMs + 1, nil},
			{int32(0), int64(2), baseMs + 2, "\x00\x01\x02"},
		})
		res = e.mustQuery(cn, "SELECT _value, _offset FROM "+q(topic)+" WHERE _value = 'hello'", map[string]string{"kafarr.value.format": "binary"})
		wantTypes(t, res.schema, map[string]arrow.DataType{"_value": arrow.BinaryTypes.Binary})
		wantRows(t, res, [][]any{{[]byte("hello"), int64(0)}})
		// auto (the default) finds neither a subject, nor a framed
		// message, nor JSON objects: binary.
		res = e.mustQuery(cn, "SELECT * FROM "+q(topic), nil)
		wantCols(t, res, "_partition", "_offset", "_timestamp", "_value")
		wantTypes(t, res.schema, map[string]arrow.DataType{"_value": arrow.BinaryTypes.Binary})
		if v, _ := res.schema.Metadata().GetValue("kafarr.value.format"); v != "binary" {
			t.Errorf("kafarr.value.format %q, want binary", v)
		}
		// Avro, asked for, on unframed values fails naming the offset.
		res = e.query(cn, "SELECT * FROM "+q(topic), map[string]string{"kafarr.value.format": "avro"})
		wantStatus(t, res.err, adbc.StatusInvalidData, topic, "partition 0", "offset 0")
	})
}

// TestReadResultMetadata checks the schema metadata of a result.
func TestReadResultMetadata(t *testing.T) {
	forStacks(t, func(t *testing.T, e *env) {
		topic, id := e.tickTopic(2, 3)
		cn := e.open(nil)
		res := e.mustQuery(cn, "SELECT inst FROM "+q(topic)+" WHERE _offset >= 1", nil)
		md := res.schema.Metadata()
		want := map[string]string{
			"kafarr.topic":              topic,
			"kafarr.value.subject":      topic + "-value",
			"kafarr.value.schema_id":    fmt.Sprint(id),
			"kafarr.value.record_name":  "test.kafarr.Tick",
			"kafarr.read.start_offsets": `{"0":1,"1":1}`,
			"kafarr.read.end_offsets":   `{"0":3,"1":3}`,
		}
		for k, v := range want {
			if got, ok := md.GetValue(k); !ok || got != v {
				t.Fatalf("metadata %s = %q, want %q (all: %v)", k, got, v, md)
			}
		}
		sc, _ := md.GetValue("kafarr.value.schema")
		var parsed map[string]any
		if err := json.Unmarshal([]byte(sc), &parsed); err != nil || parsed["name"] != "Tick" && parsed["name"] != "test.kafarr.Tick" {
			t.Fatalf("kafarr.value.schema %q is not the reader schema (%v)", sc, err)
		}
		if len(res.rows) != 4 {
			t.Fatalf("got %d rows, want 4", len(res.rows))
		}
	})
}

// TestReadExecuteSchema returns the result schema without reading
// messages, and agrees with ExecuteQuery's.
func TestReadExecuteSchema(t *testing.T) {
	forStacks(t, func(t *testing.T, e *env) {
		topic, _ := e.tickTopic(1, 3)
		cn := e.open(nil)
		st, _ := cn.NewStatement()
		defer st.Close()
		if err := st.SetSqlQuery("SELECT px, order.side, _key FROM " + q(topic)); err != nil {
			t.Fatal(err)
		}
		sc, err := st.(adbc.StatementExecuteSchema).ExecuteSchema(ctxOf(t))
		if err != nil {
			t.Fatal(err)
		}
		if p, total := progress(t, st); p != 0 || total != 0 {
			t.Fatalf("ExecuteSchema read messages: progress %d/%d", p, total)
		}
		res := e.mustQuery(cn, "SELECT px, order.side, _key FROM "+q(topic), nil)
		if !sc.Equal(res.schema) {
			t.Fatalf("ExecuteSchema %s\nExecuteQuery %s", sc, res.schema)
		}
		// GetTableSchema is SELECT *'s schema.
		ts, err := cn.GetTableSchema(ctxOf(t), nil, nil, topic)
		if err != nil {
			t.Fatal(err)
		}
		if names := fieldNames(ts); !slices.Equal(names, tickCols) {
			t.Fatalf("GetTableSchema columns %v", names)
		}
		_, err = cn.GetTableSchema(ctxOf(t), nil, nil, topic+".missing")
		wantStatus(t, err, adbc.StatusNotFound, topic+".missing")
	})
}

func fieldNames(s *arrow.Schema) []string {
	var out []string
	for _, f := range s.Fields() {
		out = append(out, f.Name)
	}
	return out
}

func progress(t *testing.T, st adbc.Statement) (done, total int64) {
	t.Helper()
	o := st.(adbc.GetSetOptions)
	done, err := o.GetOptionInt(adbc.OptionKeyProgress)
	if err != nil {
		t.Fatal(err)
	}
	total, err = o.GetOptionInt(adbc.OptionKeyMaxProgress)
	if err != nil {
		t.Fatal(err)
	}
	fd, err := o.GetOptionDouble(adbc.OptionKeyProgress)
	if err != nil || fd != float64(done) {
		t.Fatalf("GetOptionDouble(progress) = %v, %v; want %d", fd, err, done)
	}
	ft, err := o.GetOptionDouble(adbc.OptionKeyMaxProgress)
	if err != nil || ft != float64(total) {
		t.Fatalf("GetOptionDouble(max_progress) = %v, %v; want %d", ft, err, total)
	}
	return done, total
}

// TestReadProgress reports messages read against the snapshot's total
// while the result streams.
func TestReadProgress(t *testing.T) {
	forStacks(t, func(t *testing.T, e *env) {
		topic, _ := e.tickTopic(2, 50)
		cn := e.open(nil)
		st, _ := cn.NewStatement()
		defer st.Close()
		_ = st.SetOption("kafarr.read.batch_rows", "10")
		if err := st.SetSqlQuery("SELECT px FROM " + q(topic) + " WHERE _offset >= 10"); err != nil {
			t.Fatal(err)
		}
		rdr, _, err := st.ExecuteQuery(ctxOf(t))
		if err != nil {
			t.Fatal(err)
		}
		defer rdr.Release()
		if _, total := progress(t, st); total != 80 {
			t.Fatalf("max_progress %d before reading, want 80", total)
		}
		rows, last := 0, int64(-1)
		for rdr.Next() {
			rows += int(rdr.RecordBatch().NumRows())
			done, total := progress(t, st)
			if total != 80 || done < int64(rows) || done > 80 || done < last {
				t.Fatalf("progress %d/%d after %d rows (previously %d)", done, total, rows, last)
			}
			last = done
		}
		if rdr.Err() != nil {
			t.Fatal(rdr.Err())
		}
		if done, total := progress(t, st); rows != 80 || done != 80 || total != 80 {
			t.Fatalf("at the end: %d rows, progress %d/%d", rows, done, total)
		}
		if err := st.SetOption(adbc.OptionKeyProgress, "1"); err == nil {
			t.Fatal("progress is settable")
		}
	})
}

// TestReadBatchRows streams a large topic in batches of exactly
// kafarr.read.batch_rows rows (the last one shorter).
func TestReadBatchRows(t *testing.T) {
	forStacks(t, func(t *testing.T, e *env) {
		topic := e.topic(1, nil)
		const n = 20000
		recs := make([]*kgo.Record, n)
		for i := range recs {
			recs[i] = rec(topic, 0, baseMs+int64(i), nil, []byte(fmt.Sprint(i)))
		}
		e.produce(recs...)
		cn := e.open(nil)
		opts := map[string]string{"kafarr.value.format": "string", "kafarr.read.batch_rows": "1500"}
		res := e.mustQuery(cn, "SELECT _offset, _value FROM "+q(topic), opts)
		if len(res.rows) != n {
			t.Fatalf("%d rows, want %d", len(res.rows), n)
		}
		for i, b := range res.batches {
			want := int64(1500)
			if i == len(res.batches)-1 {
				want = n % 1500
			}
			if b != want {
				t.Fatalf("batch %d has %d rows, want %d (all %v)", i, b, want, res.batches)
			}
		}
		for i, r := range res.rows {
			if r[0] != int64(i) || r[1] != fmt.Sprint(i) {
				t.Fatalf("row %d = %v", i, r)
			}
		}
		// With a filter, batches hold at most batch_rows rows.
		res = e.mustQuery(cn, "SELECT _offset FROM "+q(topic)+" WHERE _value >= '5'", opts)
		for _, b := range res.batches {
			if b > 1500 || b == 0 {
				t.Fatalf("filtered batches %v", res.batches)
			}
		}
	})
}

// TestReadErrors checks the statuses of bad queries.
func TestReadErrors(t *testing.T) {
	forStacks(t, func(t *testing.T, e *env) {
		topic, _ := e.tickTopic(1, 2)
		cn := e.open(nil)
		for _, c := range []struct {
			sql   string
			code  adbc.Status
			parts []string
		}{
			{"SELECT nope FROM " + q(topic), adbc.StatusInvalidArgument, []string{`"nope"`, "inst, px, note, order"}},
			{"SELECT order.nope FROM " + q(topic), adbc.StatusInvalidArgument, []string{"nope", "id, side"}},
			{"SELECT inst.x FROM " + q(topic), adbc.StatusInvalidArgument, []string{"inst", "not a record"}},
			{"SELECT * FROM " + q(topic) + " WHERE nope = 1", adbc.StatusInvalidArgument, []string{`"nope"`}},
			{"SELECT * FROM " + q(topic) + " WHERE px = 'x'", adbc.StatusInvalidArgument, []string{"px"}},
			{"SELECT * FROM " + q(topic) + " WHERE _offset = 'x'", adbc.StatusInvalidArgument, []string{"_offset"}},
			{"SELECT * FROM " + q(topic) + " ORDER BY px", adbc.StatusNotImplemented, []string{"ORDER BY px", "DuckDB"}},
			{"SELECT * FROM " + q(topic+".missing"), adbc.StatusNotFound, []string{topic + ".missing"}},
			{"SELECT * FROM " + q(topic) + " WHERE _partition = 7", adbc.StatusOK, nil},
		} {
			res := e.query(cn, c.sql, nil)
			if c.code == adbc.StatusOK {
				wantRows(t, res, nil)
				continue
			}
			wantStatus(t, res.err, c.code, c.parts...)
		}
		st, _ := cn.NewStatement()
		defer st.Close()
		for _, sql := range []string{
			"SELECT inst, count(*) FROM " + q(topic) + " GROUP BY inst",
			"SELECT * FROM a JOIN b ON a.x = b.x",
			"SELECT upper(inst) FROM " + q(topic),
		} {
			err := st.SetSqlQuery(sql)
			wantStatus(t, err, adbc.StatusNotImplemented, "DuckDB")
		}
		wantStatus(t, st.SetSqlQuery("SELEC * FROM x"), adbc.StatusInvalidArgument)
		// Statement options are validated when set.
		wantStatus(t, st.SetOption("kafarr.read.on_error", "ignore"), adbc.StatusInvalidArgument, "kafarr.read.on_error")
		res := e.mustQuery(cn, "SELECT 1", nil)
		wantRows(t, res, [][]any{{int64(1)}})
	})
}
