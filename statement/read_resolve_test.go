package statement_test

import (
	"fmt"
	"testing"

	"github.com/apache/arrow-adbc/go/adbc"
)

// quoteStrict is quoteV1 plus a field without a default: data written
// with quoteV1 cannot be read with it under Avro's resolution rules.
const quoteStrict = `{"type":"record","name":"Quote","namespace":"test.kafarr","fields":[
 {"name":"sym","type":"string"},{"name":"px","type":"long"},{"name":"lot","type":"int"}]}`

// TestReadUnresolvableWriterSchema: a message whose writer schema cannot
// be resolved to the reader schema is the message's fault, so it follows
// kafarr.read.on_error like corrupt data: fail is InvalidData naming the
// offset and the schema id, skip drops the row, null keeps it with the
// reason in _error. (It used to end every read with IO, whatever on_error
// said.)
func TestReadUnresolvableWriterSchema(t *testing.T) {
	forStacks(t, func(t *testing.T, e *env) {
		topic := e.topic(1, nil)
		oldID := e.register(topic+"-old", quoteV1)
		id := e.register(topic+"-value", quoteStrict)
		e.produce(
			rec(topic, 0, baseMs, nil, e.frame(quoteStrict, id, map[string]any{"sym": "a", "px": int64(1), "lot": int32(10)})),
			rec(topic, 0, baseMs, nil, e.frame(quoteV1, oldID, map[string]any{"sym": "b", "px": int64(2)})),
			rec(topic, 0, baseMs, nil, e.frame(quoteStrict, id, map[string]any{"sym": "c", "px": int64(3), "lot": int32(30)})),
		)
		cn := e.open(nil)
		sql := "SELECT _offset, sym, lot, _error FROM " + q(topic)

		res := e.query(cn, "SELECT _offset, sym, lot FROM "+q(topic), map[string]string{"kafarr.read.on_error": "fail"})
		wantStatus(t, res.err, adbc.StatusInvalidData, fmt.Sprintf("topic %q partition 0 offset 1", topic), fmt.Sprint(oldID), "lot")

		res = e.mustQuery(cn, "SELECT _offset, sym, lot FROM "+q(topic), map[string]string{"kafarr.read.on_error": "skip"})
		if got := fmt.Sprint(res.rows); got != "[[0 a 10] [2 c 30]]" {
			t.Fatalf("on_error=skip: %s", got)
		}

		res = e.mustQuery(cn, sql, map[string]string{"kafarr.read.on_error": "null"})
		if len(res.rows) != 3 || fmt.Sprint(res.rows[0][:3], res.rows[2][:3]) != "[0 a 10] [2 c 30]" ||
			res.rows[1][1] != nil || res.rows[1][2] != nil || res.rows[0][3] != nil {
			t.Fatalf("on_error=null: %v", res.rows)
		}
		if msg, _ := res.rows[1][3].(string); !containsAll(msg, fmt.Sprint(oldID), "lot") {
			t.Fatalf("on_error=null: _error of offset 1 is %q", msg)
		}
	})
}
