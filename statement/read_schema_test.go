package statement_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/apache/arrow-adbc/go/adbc"
	"github.com/twmb/franz-go/pkg/kgo"
)

const (
	quoteV1 = `{"type":"record","name":"Quote","namespace":"test.kafarr","fields":[
 {"name":"sym","type":"string"},{"name":"px","type":"long"}]}`
	// quoteV2 adds a field with a default and promotes nothing.
	quoteV2 = `{"type":"record","name":"Quote","namespace":"test.kafarr","fields":[
 {"name":"sym","type":"string"},{"name":"px","type":"long"},{"name":"venue","type":"string","default":"XNAS"}]}`
)

// quoteTopic registers v1 and v2 of the quote schema under <topic>-value
// and produces three v1 messages (offsets 0-2), then three v2 (3-5).
func (e *env) quoteTopic() (topic string, v1, v2 int32) {
	e.t.Helper()
	topic = e.topic(1, nil)
	v1 = e.register(topic+"-value", quoteV1)
	v2 = e.register(topic+"-value", quoteV2)
	var recs []*kgo.Record
	for i := 0; i < 3; i++ {
		recs = append(recs, rec(topic, 0, baseMs, nil, e.frame(quoteV1, v1, map[string]any{"sym": fmt.Sprint("s", i), "px": int64(i)})))
	}
	for i := 3; i < 6; i++ {
		recs = append(recs, rec(topic, 0, baseMs, nil, e.frame(quoteV2, v2, map[string]any{"sym": fmt.Sprint("s", i), "px": int64(i), "venue": fmt.Sprint("V", i)})))
	}
	e.produce(recs...)
	return topic, v1, v2
}

// TestReadSchemaEvolution reads a topic holding two schema versions as one
// stream under each kafarr.read.schema.
func TestReadSchemaEvolution(t *testing.T) {
	forStacks(t, func(t *testing.T, e *env) {
		topic, v1, v2 := e.quoteTopic()
		cn := e.open(nil)
		v2rows := [][]any{
			{"s0", int64(0), "XNAS", v1}, {"s1", int64(1), "XNAS", v1}, {"s2", int64(2), "XNAS", v1},
			{"s3", int64(3), "V3", v2}, {"s4", int64(4), "V4", v2}, {"s5", int64(5), "V5", v2},
		}
		var v1rows [][]any
		for _, r := range v2rows {
			v1rows = append(v1rows, []any{r[0], r[1], r[3]})
		}
		for _, c := range []struct {
			schema string
			cols   []string
			want   [][]any
			id     int32
		}{
			{"", []string{"sym", "px", "venue", "_schema_id"}, v2rows, v2},
			{"latest", []string{"sym", "px", "venue", "_schema_id"}, v2rows, v2},
			{"version:2", []string{"sym", "px", "venue", "_schema_id"}, v2rows, v2},
			{"version:1", []string{"sym", "px", "_schema_id"}, v1rows, v1},
			{fmt.Sprint("id:", v1), []string{"sym", "px", "_schema_id"}, v1rows, v1},
			{fmt.Sprint("id:", v2), []string{"sym", "px", "venue", "_schema_id"}, v2rows, v2},
		} {
			opts := map[string]string{"kafarr.read.metadata_columns": "_schema_id"}
			if c.schema != "" {
				opts["kafarr.read.schema"] = c.schema
			}
			res := e.mustQuery(cn, "SELECT * FROM "+q(topic), opts)
			wantCols(t, res, c.cols...)
			wantRows(t, res, c.want)
			if id, _ := res.schema.Metadata().GetValue("kafarr.value.schema_id"); id != fmt.Sprint(c.id) {
				t.Fatalf("schema %q: kafarr.value.schema_id %s, want %d", c.schema, id, c.id)
			}
		}
		res := e.query(cn, "SELECT * FROM "+q(topic), map[string]string{"kafarr.read.schema": "version:9"})
		wantStatus(t, res.err, adbc.StatusNotFound, topic+"-value")
		res = e.query(cn, "SELECT venue FROM "+q(topic), map[string]string{"kafarr.read.schema": "version:1"})
		wantStatus(t, res.err, adbc.StatusInvalidArgument, "venue")
	})
}

// TestReadSchemaFirst reads with the first message's schema and stops where
// the schema changes; a consumer group's next query continues with the
// other schema.
func TestReadSchemaFirst(t *testing.T) {
	forStacks(t, func(t *testing.T, e *env) {
		topic, v1, v2 := e.quoteTopic()
		cn := e.open(nil)
		opts := map[string]string{"kafarr.read.schema": "first", "kafarr.read.metadata_columns": "_offset"}
		res := e.mustQuery(cn, "SELECT * FROM "+q(topic), opts)
		wantCols(t, res, "sym", "px", "_offset")
		wantRows(t, res, [][]any{{"s0", int64(0), int64(0)}, {"s1", int64(1), int64(1)}, {"s2", int64(2), int64(2)}})
		if id, _ := res.schema.Metadata().GetValue("kafarr.value.schema_id"); id != fmt.Sprint(v1) {
			t.Fatalf("kafarr.value.schema_id %s, want %d", id, v1)
		}
		// Starting past the change reads the v2 messages.
		res = e.mustQuery(cn, "SELECT * FROM "+q(topic)+" WHERE _offset >= 4", opts)
		wantRows(t, res, [][]any{{"s4", int64(4), "V4", int64(4)}, {"s5", int64(5), "V5", int64(5)}})

		opts["kafarr.consumer.group"] = "first-" + topic
		res = e.mustQuery(cn, "SELECT * FROM "+q(topic)+" LIMIT 2", opts)
		wantRows(t, res, [][]any{{"s0", int64(0), int64(0)}, {"s1", int64(1), int64(1)}})
		res = e.mustQuery(cn, "SELECT * FROM "+q(topic), opts)
		wantRows(t, res, [][]any{{"s2", int64(2), int64(2)}})
		res = e.mustQuery(cn, "SELECT * FROM "+q(topic), opts)
		wantCols(t, res, "sym", "px", "venue", "_offset")
		wantRows(t, res, [][]any{{"s3", int64(3), "V3", int64(3)}, {"s4", int64(4), "V4", int64(4)}, {"s5", int64(5), "V5", int64(5)}})
		if id, _ := res.schema.Metadata().GetValue("kafarr.value.schema_id"); id != fmt.Sprint(v2) {
			t.Fatalf("kafarr.value.schema_id %s, want %d", id, v2)
		}
		res = e.mustQuery(cn, "SELECT * FROM "+q(topic), opts)
		wantRows(t, res, nil)
	})
}

// TestReadOnError reads unknown schema ids, unframed values and corrupt
// Avro under each kafarr.read.on_error, with a tombstone and good rows
// around them.
func TestReadOnError(t *testing.T) {
	forStacks(t, func(t *testing.T, e *env) {
		topic := e.topic(1, nil)
		id := e.register(topic+"-value", quoteV1)
		good := func(i int) []byte {
			return e.frame(quoteV1, id, map[string]any{"sym": fmt.Sprint("s", i), "px": int64(i)})
		}
		const unknownID = 987654321
		corrupt := good(3)
		corrupt = corrupt[:len(corrupt)-1] // px cut short
		e.produce(
			rec(topic, 0, baseMs, nil, good(0)),                                        // 0
			rec(topic, 0, baseMs, nil, append(framePrefix(unknownID), good(1)[5:]...)), // 1 unknown schema id
			rec(topic, 0, baseMs, nil, []byte("plain text")),                           // 2 unframed
			rec(topic, 0, baseMs, nil, corrupt),                                        // 3 corrupt Avro
			rec(topic, 0, baseMs, nil, good(4)),                                        // 4
			rec(topic, 0, baseMs, []byte("k"), nil),                                    // 5 tombstone
			rec(topic, 0, baseMs, nil, good(6)),                                        // 6
		)
		cn := e.open(nil)
		sql := "SELECT * FROM " + q(topic)
		meta := map[string]string{"kafarr.read.metadata_columns": "_offset,_schema_id"}
		with := func(k, v string) map[string]string {
			m := map[string]string{k: v}
			for a, b := range meta {
				m[a] = b
			}
			return m
		}

		for _, onErr := range []string{"", "fail"} {
			opts := meta // the default is fail
			if onErr != "" {
				opts = with("kafarr.read.on_error", onErr)
			}
			res := e.query(cn, sql, opts)
			wantStatus(t, res.err, adbc.StatusInvalidData, fmt.Sprintf("topic %q partition 0 offset 1", topic), fmt.Sprint(unknownID))
			// The rows before the bad one may have been delivered.
			if len(res.rows) > 1 {
				t.Fatalf("on_error=%q delivered %v", onErr, res.rows)
			}
		}
		for sql, where := range map[string]string{
			"SELECT * FROM " + q(topic) + " WHERE _offset = 2":  "offset 2",
			"SELECT * FROM " + q(topic) + " WHERE _offset >= 3": "offset 3",
		} {
			res := e.query(cn, sql, meta)
			wantStatus(t, res.err, adbc.StatusInvalidData, topic, "partition 0", where)
		}

		// Under a group, a failed read commits the rows delivered before
		// the bad message, and the next read starts at it.
		group := map[string]string{"kafarr.consumer.group": "onerror-" + topic, "kafarr.read.batch_rows": "1", "kafarr.read.metadata_columns": "_offset"}
		res := e.query(cn, sql, group)
		wantStatus(t, res.err, adbc.StatusInvalidData, "offset 1")
		wantRows(t, result{rows: res.rows}, [][]any{{"s0", int64(0), int64(0)}})
		group["kafarr.read.on_error"] = "skip"
		res = e.mustQuery(cn, sql+" LIMIT 1", group)
		wantRows(t, res, [][]any{{"s4", int64(4), int64(4)}})

		res = e.mustQuery(cn, sql, with("kafarr.read.on_error", "skip"))
		wantCols(t, res, "sym", "px", "_offset", "_schema_id")
		wantRows(t, res, [][]any{
			{"s0", int64(0), int64(0), id},
			{"s4", int64(4), int64(4), id},
			{nil, nil, int64(5), nil},
			{"s6", int64(6), int64(6), id},
		})
		// LIMIT counts the rows kept.
		res = e.mustQuery(cn, sql+" LIMIT 2", with("kafarr.read.on_error", "skip"))
		wantRows(t, res, [][]any{{"s0", int64(0), int64(0), id}, {"s4", int64(4), int64(4), id}})

		res = e.mustQuery(cn, sql, with("kafarr.read.on_error", "null"))
		wantCols(t, res, "sym", "px", "_offset", "_schema_id", "_error")
		if len(res.rows) != 7 {
			t.Fatalf("on_error=null: %d rows, want 7", len(res.rows))
		}
		wantErr := map[int]string{1: fmt.Sprint("schema id ", unknownID), 2: "Confluent wire format", 3: "decoding value"}
		for i, r := range res.rows {
			if r[2] != int64(i) {
				t.Fatalf("row %d has offset %v", i, r[2])
			}
			if msg, bad := wantErr[i]; bad {
				if r[0] != nil || r[1] != nil {
					t.Fatalf("row %d: value columns %v, want null", i, r)
				}
				if s, ok := r[4].(string); !ok || !strings.Contains(s, msg) {
					t.Fatalf("row %d: _error %v, want it to mention %q", i, r[4], msg)
				}
				// A reason, not an error's text: no status, no prefix.
				if s := r[4].(string); strings.Contains(s, "kafarr:") || strings.Contains(s, "Invalid Data") || strings.Contains(s, "I/O") {
					t.Fatalf("row %d: _error %q carries an error's status or prefix", i, s)
				}
				continue
			}
			if r[4] != nil {
				t.Fatalf("row %d: _error %v on a good row", i, r[4])
			}
			if i == 5 {
				if r[0] != nil || r[1] != nil || r[3] != nil {
					t.Fatalf("tombstone row %v", r)
				}
				continue
			}
			if r[0] != fmt.Sprint("s", i) || r[1] != int64(i) || r[3] != id {
				t.Fatalf("row %d = %v", i, r)
			}
		}
		// _error is also returned when columns are named.
		res = e.mustQuery(cn, "SELECT px FROM "+q(topic)+" WHERE _offset BETWEEN 2 AND 4", with("kafarr.read.on_error", "null"))
		wantCols(t, res, "px", "_error")
		if r := res.rows; len(r) != 3 || r[0][0] != nil || r[1][0] != nil || r[2][0] != int64(4) || r[2][1] != nil || r[0][1] == nil {
			t.Fatalf("rows %v", r)
		}
	})
}

func framePrefix(id int32) []byte {
	return []byte{0, byte(id >> 24), byte(id >> 16), byte(id >> 8), byte(id)}
}

// TestReadNoSubject reads a topic whose value subject is not registered
// (the producer used another subject): the first message's schema is the
// reader schema.
func TestReadNoSubject(t *testing.T) {
	forStacks(t, func(t *testing.T, e *env) {
		topic := e.topic(1, nil)
		id := e.register("other-subject-"+topic, quoteV1)
		e.produce(
			rec(topic, 0, baseMs, nil, e.frame(quoteV1, id, map[string]any{"sym": "a", "px": int64(1)})),
			rec(topic, 0, baseMs, nil, e.frame(quoteV1, id, map[string]any{"sym": "b", "px": int64(2)})),
		)
		cn := e.open(nil)
		res := e.mustQuery(cn, "SELECT sym, px FROM "+q(topic), nil)
		wantRows(t, res, [][]any{{"a", int64(1)}, {"b", int64(2)}})
		res = e.mustQuery(cn, "SELECT sym FROM "+q(topic), map[string]string{"kafarr.value.subject": "other-subject-" + topic})
		wantRows(t, res, [][]any{{"a"}, {"b"}})
	})
}
