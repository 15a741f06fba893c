package statement_test

import (
	"fmt"
	"testing"
	"time"
)

// TestReadPushdown checks predicates on _partition, _offset and _timestamp:
// the rows are exact, and the snapshot's start/end offsets in the result
// metadata show that the read was narrowed rather than filtered after
// reading.
func TestReadPushdown(t *testing.T) {
	forStacks(t, func(t *testing.T, e *env) {
		// 3 partitions x 10 ticks; tick i of partition p has timestamp
		// baseMs + 1000*i + p.
		topic, _ := e.tickTopic(3, 10)
		cn := e.open(nil)
		ts := func(ms int64) string {
			return "TIMESTAMP '" + time.UnixMilli(ms).UTC().Format("2006-01-02 15:04:05.000") + "'"
		}
		type pi struct {
			p int32
			i int
		}
		rng := func(p int32, from, to int) []pi { // [from, to)
			var out []pi
			for i := from; i < to; i++ {
				out = append(out, pi{p, i})
			}
			return out
		}
		cat := func(parts ...[]pi) []pi {
			var out []pi
			for _, p := range parts {
				out = append(out, p...)
			}
			return out
		}
		for _, c := range []struct {
			where      string
			want       []pi
			start, end string // kafarr.read.start_offsets / end_offsets
		}{
			{"_partition = 1", rng(1, 0, 10), `{"1":0}`, `{"1":10}`},
			{"_partition IN (0, 2)", cat(rng(0, 0, 10), rng(2, 0, 10)), `{"0":0,"2":0}`, `{"0":10,"2":10}`},
			{"_partition IN (2, 9)", rng(2, 0, 10), `{"2":0}`, `{"2":10}`},
			{"_partition = 1 AND _offset >= 7", rng(1, 7, 10), `{"1":7}`, `{"1":10}`},
			{"_partition = 1 AND _offset > 7", rng(1, 8, 10), `{"1":8}`, `{"1":10}`},
			{"_partition = 1 AND _offset < 2", rng(1, 0, 2), `{"1":0}`, `{"1":2}`},
			{"_partition = 1 AND _offset <= 2", rng(1, 0, 3), `{"1":0}`, `{"1":3}`},
			{"_partition = 1 AND _offset = 4", rng(1, 4, 5), `{"1":4}`, `{"1":5}`},
			{"_partition = 1 AND _offset BETWEEN 3 AND 5", rng(1, 3, 6), `{"1":3}`, `{"1":6}`},
			{"_partition = 1 AND _offset IN (2, 6)", []pi{{1, 2}, {1, 6}}, `{"1":2}`, `{"1":7}`},
			{"_partition = 1 AND _offset <> 0 AND _offset < 3", rng(1, 1, 3), `{"1":1}`, `{"1":3}`},
			{"_partition = 0 AND _offset >= 50", nil, `{"0":10}`, `{"0":10}`},
			{"_offset BETWEEN 8 AND 100", cat(rng(0, 8, 10), rng(1, 8, 10), rng(2, 8, 10)), `{"0":8,"1":8,"2":8}`, `{"0":10,"1":10,"2":10}`},
			// Timestamps: tick 3 of partition 0 is at baseMs+3000, of
			// partition 2 at baseMs+3002.
			{"_timestamp >= " + ts(baseMs+3000) + " AND _timestamp < " + ts(baseMs+5000),
				cat(rng(0, 3, 5), rng(1, 3, 5), rng(2, 3, 5)), `{"0":3,"1":3,"2":3}`, `{"0":5,"1":5,"2":5}`},
			{"_timestamp > " + ts(baseMs+3000) + " AND _timestamp <= " + ts(baseMs+4001),
				cat([]pi{{0, 4}}, rng(1, 3, 5), []pi{{2, 3}}), `{"0":4,"1":3,"2":3}`, `{"0":5,"1":5,"2":4}`},
			{"_timestamp BETWEEN " + ts(baseMs+9000) + " AND " + ts(baseMs+99000) + " AND _partition = 2",
				rng(2, 9, 10), `{"2":9}`, `{"2":10}`},
			{"_timestamp = " + ts(baseMs+2001), []pi{{1, 2}}, `{"0":3,"1":2,"2":2}`, `{"0":3,"1":3,"2":2}`},
			{"_timestamp >= TIMESTAMP '2030-01-01 00:00:00'", nil, `{"0":10,"1":10,"2":10}`, `{"0":10,"1":10,"2":10}`},
			{"_timestamp < " + fmt.Sprint(baseMs+1000), cat(rng(0, 0, 1), rng(1, 0, 1), rng(2, 0, 1)), `{"0":0,"1":0,"2":0}`, `{"0":1,"1":1,"2":1}`},
		} {
			res := e.mustQuery(cn, "SELECT * FROM "+q(topic)+" WHERE "+c.where, nil)
			sortRows(res.rows)
			var want [][]any
			for _, x := range c.want {
				want = append(want, tickRow(x.p, x.i))
			}
			t.Run(c.where, func(t *testing.T) { wantRows(t, res, want) })
			md := res.schema.Metadata()
			if s, _ := md.GetValue("kafarr.read.start_offsets"); s != c.start {
				t.Errorf("WHERE %s: start offsets %s, want %s", c.where, s, c.start)
			}
			if s, _ := md.GetValue("kafarr.read.end_offsets"); s != c.end {
				t.Errorf("WHERE %s: end offsets %s, want %s", c.where, s, c.end)
			}
		}
	})
}

// TestReadValuePredicates filters decoded rows; LIMIT counts rows after
// filtering.
func TestReadValuePredicates(t *testing.T) {
	forStacks(t, func(t *testing.T, e *env) {
		topic, _ := e.tickTopic(1, 30)
		cn := e.open(nil)
		idx := func(keep func(i int) bool, limit int) [][]any {
			var out [][]any
			for i := 0; i < 30 && (limit < 0 || len(out) < limit); i++ {
				if keep(i) {
					out = append(out, tickRow(0, i))
				}
			}
			return out
		}
		for _, c := range []struct {
			where string
			limit int
			keep  func(i int) bool
		}{
			{"px = 7", -1, func(i int) bool { return i == 7 }},
			{"px < 5", -1, func(i int) bool { return i < 5 }},
			{"px >= 25", -1, func(i int) bool { return i >= 25 }},
			{"px <> 3 AND px <= 4", -1, func(i int) bool { return i != 3 && i <= 4 }},
			{"px IN (1, 4, 29, 99)", -1, func(i int) bool { return i == 1 || i == 4 || i == 29 }},
			{"px BETWEEN 10 AND 12", -1, func(i int) bool { return i >= 10 && i <= 12 }},
			{"px BETWEEN 2.5 AND 4", -1, func(i int) bool { return i >= 3 && i <= 4 }},
			{"inst = 'I0' AND px < 2", -1, func(i int) bool { return i < 2 }},
			{"inst = 'I1'", -1, func(i int) bool { return false }},
			{"note IS NULL", -1, func(i int) bool { return i%2 == 1 }},
			{"note IS NOT NULL AND px < 6", -1, func(i int) bool { return i%2 == 0 && i < 6 }},
			{"note = 'n4'", -1, func(i int) bool { return i == 4 }},
			{"note IN ('n2', 'n3', 'n8')", -1, func(i int) bool { return i == 2 || i == 8 }},
			{"order.id > 20", -1, func(i int) bool { return i%3 != 0 && i > 20 }},
			{"order.side = 'sell' AND px < 12", -1, func(i int) bool { return i%3 != 0 && i%2 == 1 && i < 12 }},
			{"order.id IS NULL", -1, func(i int) bool { return i%3 == 0 }},
			{`"order"."id" = 5`, -1, func(i int) bool { return i == 5 }},
			{`"order" IS NOT NULL AND note IS NOT NULL`, -1, func(i int) bool { return i%3 != 0 && i%2 == 0 }},
			// LIMIT counts rows that pass the filter.
			{"note IS NULL", 4, func(i int) bool { return i%2 == 1 }},
			{"order.id IS NULL", 3, func(i int) bool { return i%3 == 0 }},
			{"px >= 28", 5, func(i int) bool { return i >= 28 }},
			{"px = 5 AND _offset >= 6", -1, func(i int) bool { return false }},
			{"px > 3 AND _offset < 6", -1, func(i int) bool { return i > 3 && i < 6 }},
			{"note IS NULL AND _offset >= 20", 2, func(i int) bool { return i%2 == 1 && i >= 20 }},
		} {
			sql := "SELECT * FROM " + q(topic) + " WHERE " + c.where
			if c.limit >= 0 {
				sql += fmt.Sprintf(" LIMIT %d", c.limit)
			}
			// Small batches make LIMIT land inside a batch and
			// filtering span several.
			res := e.mustQuery(cn, sql, map[string]string{"kafarr.read.batch_rows": "4"})
			t.Run(c.where, func(t *testing.T) { wantRows(t, res, idx(c.keep, c.limit)) })
		}
	})
}
