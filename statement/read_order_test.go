package statement_test

import (
	"fmt"
	"testing"

	"github.com/apache/arrow-adbc/go/adbc"
	"github.com/twmb/franz-go/pkg/kgo"
)

// TestReadTail checks ORDER BY ... [DESC] LIMIT n: exact rows, and a read
// window cut to each partition's last (first) n offsets.
func TestReadTail(t *testing.T) {
	forStacks(t, func(t *testing.T, e *env) {
		one, _ := e.tickTopic(1, 20)
		three, _ := e.tickTopic(3, 10)
		cn := e.open(nil)
		for _, c := range []struct {
			sql        string
			cols       string
			want       [][]any
			start, end string
		}{
			{"SELECT _offset, px FROM " + q(one) + " ORDER BY _offset DESC LIMIT 3", "",
				[][]any{{int64(19), int64(19)}, {int64(18), int64(18)}, {int64(17), int64(17)}}, `{"0":17}`, `{"0":20}`},
			{"SELECT _offset FROM " + q(one) + " ORDER BY _offset LIMIT 2", "",
				[][]any{{int64(0)}, {int64(1)}}, `{"0":0}`, `{"0":2}`},
			{"SELECT _offset FROM " + q(one) + " ORDER BY _offset ASC LIMIT 50", "",
				seq(0, 20), `{"0":0}`, `{"0":20}`},
			{"SELECT _offset FROM " + q(one) + " WHERE _offset < 10 ORDER BY _offset DESC LIMIT 2", "",
				[][]any{{int64(9)}, {int64(8)}}, `{"0":8}`, `{"0":10}`},
			{"SELECT _offset FROM " + q(one) + " ORDER BY _offset DESC LIMIT 0", "", nil, `{"0":20}`, `{"0":20}`},
			// A value filter reads the whole range, then sorts.
			{"SELECT _offset FROM " + q(one) + " WHERE px < 5 ORDER BY _offset DESC LIMIT 2", "",
				[][]any{{int64(4)}, {int64(3)}}, `{"0":0}`, `{"0":20}`},
			// Latest 4 timestamps of the topic: tick i of partition p is at
			// baseMs + 1000*i + p.
			{"SELECT _partition, _offset, _timestamp FROM " + q(three) + " ORDER BY _timestamp DESC LIMIT 4", "",
				[][]any{
					{int32(2), int64(9), tickMs(2, 9)}, {int32(1), int64(9), tickMs(1, 9)},
					{int32(0), int64(9), tickMs(0, 9)}, {int32(2), int64(8), tickMs(2, 8)},
				}, `{"0":6,"1":6,"2":6}`, `{"0":10,"1":10,"2":10}`},
			{"SELECT _partition, _offset FROM " + q(three) + " WHERE _offset >= 8 ORDER BY _partition DESC", "",
				[][]any{{int32(2), int64(8)}, {int32(2), int64(9)}, {int32(1), int64(8)}, {int32(1), int64(9)}, {int32(0), int64(8)}, {int32(0), int64(9)}},
				`{"0":8,"1":8,"2":8}`, `{"0":10,"1":10,"2":10}`},
		} {
			res := e.mustQuery(cn, c.sql, map[string]string{"kafarr.read.batch_rows": "3"})
			t.Run(c.sql, func(t *testing.T) { wantRows(t, res, c.want) })
			md := res.schema.Metadata()
			if s, _ := md.GetValue("kafarr.read.start_offsets"); s != c.start {
				t.Errorf("%s: start offsets %s, want %s", c.sql, s, c.start)
			}
			if s, _ := md.GetValue("kafarr.read.end_offsets"); s != c.end {
				t.Errorf("%s: end offsets %s, want %s", c.sql, s, c.end)
			}
			for _, b := range res.batches {
				if b > 3 {
					t.Errorf("%s: batches %v exceed kafarr.read.batch_rows=3", c.sql, res.batches)
				}
			}
		}
		res := e.query(cn, "SELECT * FROM "+q(one)+" ORDER BY _offset", map[string]string{"kafarr.read.follow": "true"})
		wantStatus(t, res.err, adbc.StatusNotImplemented, "follow")
		res = e.query(cn, "SELECT * FROM "+q(one)+" ORDER BY _offset DESC LIMIT 1", map[string]string{"kafarr.consumer.group": "g-" + one})
		wantStatus(t, res.err, adbc.StatusNotImplemented, "consumer.group")
	})
}

func seq(from, to int64) [][]any {
	var out [][]any
	for i := from; i < to; i++ {
		out = append(out, []any{i})
	}
	return out
}

// TestReadTailGap reads the tail of partitions whose last offsets hold no
// readable record (an aborted transaction and its marker): the window
// widens until it has LIMIT rows.
func TestReadTailGap(t *testing.T) {
	forStacks(t, func(t *testing.T, e *env) {
		topic := e.topic(2, nil)
		var recs []*kgo.Record
		for p := int32(0); p < 2; p++ {
			for i := 0; i < 10; i++ {
				recs = append(recs, rec(topic, p, baseMs+10*int64(i)+int64(p), nil, []byte(fmt.Sprintf("c%d-%d", p, i))))
			}
		}
		e.produce(recs...)
		// Partition 0: offsets 10..29 aborted, 30 the abort marker.
		var aborted []*kgo.Record
		for i := 0; i < 20; i++ {
			aborted = append(aborted, rec(topic, 0, baseMs+100+int64(i), nil, []byte(fmt.Sprintf("a%d", i))))
		}
		e.transaction(false, aborted...)
		cn := e.open(nil)
		str := map[string]string{"kafarr.value.format": "string"}
		res := e.mustQuery(cn, "SELECT _value, _offset FROM "+q(topic)+" WHERE _partition = 0 ORDER BY _offset DESC LIMIT 3", str)
		wantRows(t, res, [][]any{{"c0-9", int64(9)}, {"c0-8", int64(8)}, {"c0-7", int64(7)}})
		res = e.mustQuery(cn, "SELECT _value FROM "+q(topic)+" ORDER BY _timestamp DESC LIMIT 3", str)
		wantRows(t, res, [][]any{{"c1-9"}, {"c0-9"}, {"c1-8"}})
		// read_uncommitted sees the aborted records.
		str["kafarr.read.isolation"] = "read_uncommitted"
		res = e.mustQuery(cn, "SELECT _value, _offset FROM "+q(topic)+" WHERE _partition = 0 ORDER BY _offset DESC LIMIT 2", str)
		wantRows(t, res, [][]any{{"a19", int64(29)}, {"a18", int64(28)}})
	})
}

// TestReadCompactedGap reads a compacted partition (kfake compacts on
// demand): offsets removed by compaction are neither rows nor errors, and
// a head read widens its window past them.
func TestReadCompactedGap(t *testing.T) {
	forStacks(t, func(t *testing.T, e *env) {
		if !e.kfake() {
			t.Skip("compaction on demand needs kfake; the real broker's log cleaner runs on its own schedule")
		}
		compact, forever := "compact", "-1"
		topic := e.topic(1, map[string]*string{"cleanup.policy": &compact, "retention.ms": &forever})
		// Three produce calls, three batches: kfake compacts every batch
		// but the last.
		var recs []*kgo.Record
		for i := 0; i < 10; i++ {
			recs = append(recs, rec(topic, 0, baseMs+int64(i), []byte(fmt.Sprintf("k%d", i)), []byte(fmt.Sprintf("v%d", i))))
		}
		e.produce(recs...)
		recs = nil
		for i := 0; i < 6; i++ { // offsets 10..15 supersede 0..5
			recs = append(recs, rec(topic, 0, baseMs+20+int64(i), []byte(fmt.Sprintf("k%d", i)), []byte(fmt.Sprintf("w%d", i))))
		}
		e.produce(recs...)
		e.produce(rec(topic, 0, baseMs+30, []byte("k0"), []byte("last"))) // 16
		e.cluster.Compact()
		cn := e.open(nil)
		str := map[string]string{"kafarr.value.format": "string", "kafarr.key.format": "string"}
		res := e.mustQuery(cn, "SELECT _offset, _key, _value FROM "+q(topic)+" ORDER BY _offset LIMIT 3", str)
		wantRows(t, res, [][]any{{int64(6), "k6", "v6"}, {int64(7), "k7", "v7"}, {int64(8), "k8", "v8"}})
		res = e.mustQuery(cn, "SELECT _offset FROM "+q(topic), str)
		wantRows(t, res, seq(6, 17))
		res = e.mustQuery(cn, "SELECT _offset FROM "+q(topic)+" WHERE _offset BETWEEN 2 AND 7", str)
		wantRows(t, res, seq(6, 8))
	})
}

// TestReadIsolation reads a partition with committed and aborted
// transactions under both isolation levels.
func TestReadIsolation(t *testing.T) {
	forStacks(t, func(t *testing.T, e *env) {
		topic := e.topic(1, nil)
		e.produce(rec(topic, 0, baseMs, nil, []byte("plain0")))                                                  // 0
		e.transaction(true, rec(topic, 0, baseMs, nil, []byte("c1")), rec(topic, 0, baseMs, nil, []byte("c2")))  // 1, 2, marker 3
		e.transaction(false, rec(topic, 0, baseMs, nil, []byte("x4")), rec(topic, 0, baseMs, nil, []byte("x5"))) // 4, 5, marker 6
		e.produce(rec(topic, 0, baseMs, nil, []byte("plain7")))                                                  // 7
		cn := e.open(nil)
		for _, c := range []struct {
			isolation string
			want      [][]any
		}{
			{"", [][]any{{"plain0", int64(0)}, {"c1", int64(1)}, {"c2", int64(2)}, {"plain7", int64(7)}}},
			{"read_committed", [][]any{{"plain0", int64(0)}, {"c1", int64(1)}, {"c2", int64(2)}, {"plain7", int64(7)}}},
			{"read_uncommitted", [][]any{{"plain0", int64(0)}, {"c1", int64(1)}, {"c2", int64(2)}, {"x4", int64(4)}, {"x5", int64(5)}, {"plain7", int64(7)}}},
		} {
			opts := map[string]string{"kafarr.value.format": "string"}
			if c.isolation != "" {
				opts["kafarr.read.isolation"] = c.isolation
			}
			res := e.mustQuery(cn, "SELECT _value, _offset FROM "+q(topic), opts)
			wantRows(t, res, c.want)
			if s, _ := res.schema.Metadata().GetValue("kafarr.read.end_offsets"); s != `{"0":8}` {
				t.Fatalf("isolation %q: end offsets %s", c.isolation, s)
			}
			// LIMIT counts rows, not offsets.
			res = e.mustQuery(cn, "SELECT _value FROM "+q(topic)+" WHERE _offset >= 3 LIMIT 1", opts)
			wantRows(t, res, rowsFrom(c.want, 3)[:1])
		}
	})
}

// rowsFrom returns the rows whose offset (column 1) is at least from, as
// just their first column.
func rowsFrom(rows [][]any, from int64) [][]any {
	var out [][]any
	for _, r := range rows {
		if r[1].(int64) >= from {
			out = append(out, r[:1])
		}
	}
	return out
}
