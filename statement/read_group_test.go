package statement_test

import (
	"fmt"
	"testing"

	"github.com/apache/arrow-adbc/go/adbc"
)

// TestReadGroupWalk repeats SELECT * FROM t LIMIT 7 under a consumer
// group, alternating connections: the results walk the whole topic with no
// gap and no duplicate, then return nothing.
func TestReadGroupWalk(t *testing.T) {
	forStacks(t, func(t *testing.T, e *env) {
		topic, _ := e.tickTopic(3, 10)
		group := "walk-" + topic
		cns := [2]adbc.Connection{e.open(nil), e.open(map[string]string{"kafarr.consumer.group": group})}
		seen := map[string]int{}
		var sizes []int
		for k := 0; k < 8; k++ {
			opts := map[string]string{"kafarr.consumer.group": group}
			if k%2 == 1 {
				opts = nil // the second connection carries the group
			}
			res := e.mustQuery(cns[k%2], "SELECT * FROM "+q(topic)+" LIMIT 7", opts)
			sizes = append(sizes, len(res.rows))
			for _, r := range res.rows {
				p, i := r[4].(int32), int(r[5].(int64))
				seen[fmt.Sprint(p, "/", i)]++
				if want := tickRow(p, i); fmt.Sprint(r) != fmt.Sprint(want) {
					t.Fatalf("row %v, want %v", r, want)
				}
			}
		}
		if fmt.Sprint(sizes) != "[7 7 7 7 2 0 0 0]" {
			t.Fatalf("rows per query %v, want [7 7 7 7 2 0 0 0]", sizes)
		}
		for p := 0; p < 3; p++ {
			for i := 0; i < 10; i++ {
				if n := seen[fmt.Sprint(p, "/", i)]; n != 1 {
					t.Fatalf("partition %d offset %d delivered %d times", p, i, n)
				}
			}
		}
		// New messages are picked up where the group stopped.
		e.produce(rec(topic, 1, baseMs, nil, e.frame(tickSchema, e.register(topic+"-value", tickSchema), tick("late", 99, "", -1))))
		res := e.mustQuery(cns[1], "SELECT inst, _partition, _offset FROM "+q(topic)+" LIMIT 7", nil)
		wantRows(t, res, [][]any{{"late", int32(1), int64(10)}})
		// A group reading with kafarr.read.start=latest and no commits
		// sees only what arrives later.
		res = e.mustQuery(cns[0], "SELECT inst FROM "+q(topic), map[string]string{"kafarr.consumer.group": group + "-late", "kafarr.read.start": "latest"})
		wantRows(t, res, nil)
		e.produce(rec(topic, 2, baseMs, nil, e.frame(tickSchema, e.register(topic+"-value", tickSchema), tick("later", 98, "", -1))))
		res = e.mustQuery(cns[0], "SELECT inst FROM "+q(topic), map[string]string{"kafarr.consumer.group": group + "-late", "kafarr.read.start": "latest"})
		wantRows(t, res, [][]any{{"later"}})
	})
}

// TestReadGroupFilters walks a topic under a group with a value filter and
// a LIMIT: each matching row once, and the filtered-out records before the
// last delivered row are consumed too.
func TestReadGroupFilters(t *testing.T) {
	forStacks(t, func(t *testing.T, e *env) {
		topic, _ := e.tickTopic(2, 20)
		cn := e.open(map[string]string{"kafarr.consumer.group": "filter-" + topic, "kafarr.read.batch_rows": "4"})
		seen := map[string]int{}
		var sizes []int
		for k := 0; k < 9; k++ {
			res := e.mustQuery(cn, "SELECT _partition, _offset, note FROM "+q(topic)+" WHERE note IS NULL AND px <> 13 LIMIT 3", nil)
			sizes = append(sizes, len(res.rows))
			for _, r := range res.rows {
				p, i := r[0].(int32), r[1].(int64)
				if i%2 == 0 || r[2] != nil || (p == 0 && i == 13) {
					t.Fatalf("row %v does not pass the filter", r)
				}
				seen[fmt.Sprint(p, "/", i)]++
			}
		}
		// Partition 0 has 9 matching rows (odd offsets but 13), partition 1
		// has 10: 19 in all.
		if fmt.Sprint(sizes) != "[3 3 3 3 3 3 1 0 0]" {
			t.Fatalf("rows per query %v", sizes)
		}
		if len(seen) != 19 {
			t.Fatalf("%d distinct rows, want 19", len(seen))
		}
		for k, n := range seen {
			if n != 1 {
				t.Fatalf("row %s delivered %d times", k, n)
			}
		}
		// Everything was consumed, the filtered-out records too.
		res := e.mustQuery(cn, "SELECT _offset FROM "+q(topic), nil)
		wantRows(t, res, nil)
	})
}

// TestReadGroupFailedBatch: a group read that fails inside a batch (a
// value it cannot decode, under on_error=fail) commits the rows of the
// batches delivered before, not the rows built into the batch the caller
// never got; the next read of the group starts with them.
func TestReadGroupFailedBatch(t *testing.T) {
	forStacks(t, func(t *testing.T, e *env) {
		topic, id := e.tickTopic(1, 20)
		e.produce(rec(topic, 0, baseMs, nil, []byte("plain text"))) // offset 20
		group := "failed-" + topic
		cn := e.open(map[string]string{"kafarr.consumer.group": group, "kafarr.read.batch_rows": "8"})
		res := e.query(cn, "SELECT _offset FROM "+q(topic), nil)
		wantStatus(t, res.err, adbc.StatusInvalidData, "offset 20")
		if fmt.Sprint(res.batches) != "[8 8]" {
			t.Fatalf("batches %v before the error, want [8 8]", res.batches)
		}
		offsets, err := e.adm.FetchOffsets(ctxOf(t), group)
		if err != nil {
			t.Fatal(err)
		}
		if o, ok := offsets.Lookup(topic, 0); !ok || o.At != 16 {
			t.Fatalf("group committed %v (%v), want offset 16: the rows delivered", o.At, ok)
		}
		// Past the bad value, the group reads on from the first row it
		// was not given.
		e.produce(rec(topic, 0, baseMs, nil, e.frame(tickSchema, id, tick("late", 1, "", -1))))
		res = e.query(cn, "SELECT _offset FROM "+q(topic), map[string]string{"kafarr.read.on_error": "skip"})
		wantRows(t, res, [][]any{{int64(16)}, {int64(17)}, {int64(18)}, {int64(19)}, {int64(21)}})
	})
}
