package statement_test

import (
	"fmt"
	"testing"

	"github.com/apache/arrow-adbc/go/adbc"
	"github.com/apache/arrow-go/v18/arrow"

	"github.com/kafarr/kafarr/internal/testenv"
)

// executePartitions runs ExecutePartitions for sql on cn.
func executePartitions(t *testing.T, cn adbc.Connection, sql string, opts map[string]string) (*arrow.Schema, adbc.Partitions, error) {
	t.Helper()
	st, err := cn.NewStatement()
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
	sc, parts, _, err := st.ExecutePartitions(ctxOf(t))
	return sc, parts, err
}

// readPartition reads one descriptor on cn and drains it.
func (e *env) readPartition(cn adbc.Connection, desc []byte) result {
	e.t.Helper()
	rdr, err := cn.ReadPartition(ctxOf(e.t), desc)
	if err != nil {
		return result{err: err}
	}
	res := drain(rdr)
	rdr.Release()
	testenv.WaitDriverIdle(e.t)
	return res
}

// TestReadPartitions splits a query into one descriptor per Kafka
// partition, reads each on a connection of its own, and checks that their
// union is exactly the query's result.
func TestReadPartitions(t *testing.T) {
	forStacks(t, func(t *testing.T, e *env) {
		topic, _ := e.tickTopic(4, 12)
		cn := e.open(nil)
		for _, c := range []struct {
			sql   string
			parts int
		}{
			{"SELECT * FROM " + q(topic), 4},
			{"SELECT px, order.id, _offset, _partition FROM " + q(topic) + " WHERE note IS NULL AND _offset >= 3", 4},
			{"SELECT inst, _offset FROM " + q(topic) + " WHERE _partition IN (1, 3) AND px > 105", 2},
			// Partition 0's range is empty once narrowed: no descriptor.
			{"SELECT inst FROM " + q(topic) + " WHERE _partition = 0 AND _offset >= 12", 0},
		} {
			sc, parts, err := executePartitions(t, cn, c.sql, map[string]string{"kafarr.read.batch_rows": "5"})
			if err != nil {
				t.Fatalf("%s: %v", c.sql, err)
			}
			if int(parts.NumPartitions) != c.parts || len(parts.PartitionIDs) != c.parts {
				t.Fatalf("%s: %d descriptors, want %d", c.sql, parts.NumPartitions, c.parts)
			}
			whole := e.mustQuery(cn, c.sql, nil)
			if !sc.Equal(whole.schema) {
				t.Fatalf("%s: ExecutePartitions schema %s\nExecuteQuery schema %s", c.sql, sc, whole.schema)
			}
			var union [][]any
			for _, d := range parts.PartitionIDs {
				pc := e.open(nil) // any connection to the cluster
				res := e.readPartition(pc, d)
				if res.err != nil {
					t.Fatalf("%s: ReadPartition: %v", c.sql, res.err)
				}
				if len(sc.Fields()) != len(res.schema.Fields()) {
					t.Fatalf("partition schema %s, want the columns of %s", res.schema, sc)
				}
				for i, f := range sc.Fields() {
					if g := res.schema.Field(i); g.Name != f.Name || !arrow.TypeEqual(g.Type, f.Type) {
						t.Fatalf("partition column %d is %s, want %s", i, g, f)
					}
				}
				if s, _ := res.schema.Metadata().GetValue("kafarr.value.subject"); s != topic+"-value" {
					t.Fatalf("partition result kafarr.value.subject %q, want %q", s, topic+"-value")
				}
				for _, b := range res.batches {
					if b > 5 {
						t.Fatalf("partition batches %v exceed batch_rows=5", res.batches)
					}
				}
				union = append(union, res.rows...)
			}
			if got, want := multiset(union), multiset(whole.rows); got != want || len(union) != len(whole.rows) {
				t.Fatalf("%s: partitions gave %d rows, the query %d\n%v\n%v", c.sql, len(union), len(whole.rows), clip(union), clip(whole.rows))
			}
		}

		// LIMIT applies to each partition's read.
		_, parts, err := executePartitions(t, cn, "SELECT _partition, _offset FROM "+q(topic)+" LIMIT 2", nil)
		if err != nil {
			t.Fatal(err)
		}
		var n int
		for _, d := range parts.PartitionIDs {
			res := e.readPartition(cn, d)
			if len(res.rows) != 2 || res.rows[0][1] != int64(0) || res.rows[1][1] != int64(1) {
				t.Fatalf("partition read with LIMIT 2: %v (%v)", res.rows, res.err)
			}
			n += len(res.rows)
		}
		if n != 8 {
			t.Fatalf("%d rows over the partitions, want 8", n)
		}

		// A descriptor keeps the snapshot: messages produced later are not
		// read, and a schema version registered later does not change the
		// columns.
		_, parts, err = executePartitions(t, cn, "SELECT * FROM "+q(topic)+" WHERE _partition = 2", nil)
		if err != nil || len(parts.PartitionIDs) != 1 {
			t.Fatalf("%v, %d descriptors", err, len(parts.PartitionIDs))
		}
		const v2 = `{"type":"record","name":"Tick","namespace":"test.kafarr","fields":[
 {"name":"inst","type":"string"},{"name":"px","type":"long"},{"name":"extra","type":"int","default":1}]}`
		id2 := e.register(topic+"-value", v2)
		e.produce(rec(topic, 2, baseMs, nil, e.frame(v2, id2, map[string]any{"inst": "new", "px": int64(1), "extra": int32(5)})))
		res := e.readPartition(e.open(nil), parts.PartitionIDs[0])
		wantCols(t, res, tickCols...)
		var want [][]any
		for i := 0; i < 12; i++ {
			want = append(want, tickRow(2, i))
		}
		wantRows(t, res, want)

		// What cannot be split.
		for sql, opts := range map[string]map[string]string{
			"SELECT * FROM " + q(topic) + " ORDER BY _offset DESC LIMIT 1": nil,
			"SELECT * FROM " + q(topic):                                    {"kafarr.consumer.group": "g"},
			"SELECT * FROM " + q(topic) + " LIMIT 1":                       {"kafarr.read.follow": "true"},
		} {
			_, _, err := executePartitions(t, cn, sql, opts)
			wantStatus(t, err, adbc.StatusNotImplemented)
		}
		_, err = cn.ReadPartition(ctxOf(t), []byte("not a descriptor"))
		wantStatus(t, err, adbc.StatusInvalidArgument, "descriptor")
	})
}

// multiset renders rows as a sorted multiset, for comparing results whose
// row order differs.
func multiset(rows [][]any) string {
	counts := map[string]int{}
	for _, r := range rows {
		counts[fmt.Sprintf("%#v", r)]++
	}
	return fmt.Sprint(counts) // fmt prints maps sorted by key
}
