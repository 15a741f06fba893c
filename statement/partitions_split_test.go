package statement_test

import (
	"encoding/json"
	"fmt"
	"net/url"
	"testing"

	"github.com/apache/arrow-adbc/go/adbc"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/kafarr/kafarr/driver"
)

// split is the part of a descriptor the tests check: which offsets it
// covers and the formats it carries.
type split struct {
	Partition int32 `json:"partition"`
	Start     int64 `json:"start"`
	End       int64 `json:"end"`
	Value     struct {
		Format   string `json:"format"`
		Subject  string `json:"subject"`
		SchemaID int    `json:"schema_id"`
		Schema   []byte `json:"schema"`
	} `json:"value"`
	Key struct {
		Format   string `json:"format"`
		Subject  string `json:"subject"`
		SchemaID int    `json:"schema_id"`
	} `json:"key"`
}

func decodeSplit(t *testing.T, d []byte) split {
	t.Helper()
	var s split
	if err := json.Unmarshal(d, &s); err != nil {
		t.Fatalf("descriptor %s: %v", d, err)
	}
	return s
}

// checkSplits runs sql through ExecutePartitions with
// kafarr.partitions.max_rows=maxRows (and opts) and reads every split on
// cn. It checks that the splits cut each partition's range into
// consecutive pieces of at most maxRows offsets, that each split's rows lie
// in its range, and that the splits' rows, in split order, are exactly the
// rows of the plain query per partition. The query selects _offset and
// _partition last.
// It returns the descriptors.
func (e *env) checkSplits(cn adbc.Connection, sql string, opts map[string]string, maxRows int64) []split {
	e.t.Helper()
	o := map[string]string{"kafarr.partitions.max_rows": fmt.Sprint(maxRows)}
	for k, v := range opts {
		o[k] = v
	}
	sc, parts, err := executePartitions(e.t, cn, sql, o)
	if err != nil {
		e.t.Fatalf("%s max_rows=%d: %v", sql, maxRows, err)
	}
	whole := e.mustQuery(cn, sql, opts)
	if !sc.Equal(whole.schema) {
		e.t.Fatalf("%s: ExecutePartitions schema %s\nExecuteQuery schema %s", sql, sc, whole.schema)
	}
	wholeBy := map[int32][][]any{}
	for _, r := range whole.rows {
		p := r[len(r)-1].(int32) // the tests select _partition last
		wholeBy[p] = append(wholeBy[p], r)
	}
	var (
		splits []split
		gotBy  = map[int32][][]any{}
		next   = map[int32]int64{}
	)
	for _, d := range parts.PartitionIDs {
		s := decodeSplit(e.t, d)
		if s.End-s.Start > maxRows || s.End <= s.Start {
			e.t.Fatalf("split %+v: not 1..%d offsets", s, maxRows)
		}
		if at, ok := next[s.Partition]; ok && at != s.Start {
			e.t.Fatalf("split %+v does not start where the last split of its partition ended (%d)", s, at)
		}
		next[s.Partition] = s.End
		splits = append(splits, s)
		res := e.readPartition(cn, d)
		if res.err != nil {
			e.t.Fatalf("%s: ReadPartition %+v: %v", sql, s, res.err)
		}
		for _, r := range res.rows {
			if p, off := r[len(r)-1].(int32), r[len(r)-2].(int64); p != s.Partition || off < s.Start || off >= s.End {
				e.t.Fatalf("split %+v returned partition %d offset %d", s, p, off)
			}
			gotBy[s.Partition] = append(gotBy[s.Partition], r)
		}
	}
	if fmt.Sprint(gotBy) != fmt.Sprint(wholeBy) {
		e.t.Fatalf("%s max_rows=%d: the splits read\n%v\nthe query\n%v", sql, maxRows, gotBy, wholeBy)
	}
	return splits
}

// TestReadSplits cuts partitions into offset ranges with
// kafarr.partitions.max_rows: cuts inside record batches (each partition
// is one produced batch), uneven last splits, a range narrowed by
// _offset, with value and row filters; the union of the splits is the
// query's result, once.
func TestReadSplits(t *testing.T) {
	forStacks(t, func(t *testing.T, e *env) {
		topic, id := e.tickTopic(3, 20)
		cn := e.open(nil)
		for _, c := range []struct {
			sql     string
			maxRows int64
			splits  int
		}{
			{"SELECT inst, px, note, _offset, _partition FROM " + q(topic), 7, 9},
			{"SELECT inst, px, note, _offset, _partition FROM " + q(topic), 20, 3},
			{"SELECT inst, px, note, _offset, _partition FROM " + q(topic), 1000, 3},
			{"SELECT inst, px, note, _offset, _partition FROM " + q(topic), 1, 60},
			{"SELECT order.id, _offset, _partition FROM " + q(topic) + " WHERE _offset BETWEEN 5 AND 14 AND note IS NOT NULL", 3, 12},
			{"SELECT px, _offset, _partition FROM " + q(topic) + " WHERE _partition = 1 AND px > 104", 6, 4},
		} {
			splits := e.checkSplits(cn, c.sql, nil, c.maxRows)
			if len(splits) != c.splits {
				t.Fatalf("%s max_rows=%d: %d splits, want %d", c.sql, c.maxRows, len(splits), c.splits)
			}
			if v := splits[0].Value; v.Format != "avro" || v.Subject != topic+"-value" || v.SchemaID != int(id) {
				t.Fatalf("descriptor value format %+v, want avro from %s-value id %d", v, topic, id)
			}
		}

		// max_rows from the connection, and from the database's URI.
		_, parts, err := executePartitions(t, e.open(map[string]string{"kafarr.partitions.max_rows": "7"}), "SELECT px FROM "+q(topic), nil)
		if err != nil || len(parts.PartitionIDs) != 9 {
			t.Fatalf("max_rows on the connection: %d splits, %v", len(parts.PartitionIDs), err)
		}
		db, err := driver.NewDriver(e.mem).NewDatabase(map[string]string{
			"uri": "kafka://" + e.brokers + "?partitions.max_rows=10&schema_registry.url=" + url.QueryEscape(e.registry),
		})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		ucn, err := db.Open(ctxOf(t))
		if err != nil {
			t.Fatal(err)
		}
		defer ucn.Close()
		if _, parts, err = executePartitions(t, ucn, "SELECT px FROM "+q(topic), nil); err != nil || len(parts.PartitionIDs) != 6 {
			t.Fatalf("max_rows in the URI: %d splits, %v", len(parts.PartitionIDs), err)
		}
		if v, _ := ucn.(adbc.GetSetOptions).GetOption("kafarr.partitions.max_rows"); v != "10" {
			t.Fatalf("GetOption(kafarr.partitions.max_rows) = %q on a connection of a URI with partitions.max_rows=10", v)
		}

		// LIMIT cannot be split; without max_rows it still applies per
		// partition (TestReadPartitions).
		_, _, err = executePartitions(t, cn, "SELECT px FROM "+q(topic)+" LIMIT 5", map[string]string{"kafarr.partitions.max_rows": "7"})
		wantStatus(t, err, adbc.StatusNotImplemented, "LIMIT", "kafarr.partitions.max_rows=7", "combined result")
		for _, bad := range []string{"0", "-1", "x"} {
			st, _ := cn.NewStatement()
			err := st.SetOption("kafarr.partitions.max_rows", bad)
			st.Close()
			wantStatus(t, err, adbc.StatusInvalidArgument, "kafarr.partitions.max_rows")
		}
	})
}

// TestReadSplitsTransactions cuts a partition holding committed and
// aborted transactions into splits of every size from 1 offset up, so that
// split ends fall on transaction markers, inside transactions and inside
// batches, under both isolation levels.
func TestReadSplitsTransactions(t *testing.T) {
	forStacks(t, func(t *testing.T, e *env) {
		topic := e.topic(1, nil)
		r := func(v string) *kgo.Record { return rec(topic, 0, baseMs, []byte("k"+v), []byte(v)) }
		e.produce(r("plain0"))                                   // 0
		e.transaction(true, r("c1"), r("c2"))                    // 1, 2, marker 3
		e.transaction(false, r("x4"), r("x5"))                   // 4, 5, marker 6
		e.produce(r("p7"), r("p8"), r("p9"), r("p10"), r("p11")) // 7..11, one batch
		e.transaction(false, r("x12"), r("x13"), r("x14"))       // 12..14, marker 15
		e.transaction(true, r("c16"))                            // 16, marker 17
		e.produce(r("p18"))                                      // 18
		str := map[string]string{"kafarr.value.format": "string", "kafarr.key.format": "string"}
		cn := e.open(nil)
		sql := "SELECT _value, _key, _offset, _partition FROM " + q(topic)
		for _, iso := range []string{"read_committed", "read_uncommitted"} {
			str["kafarr.read.isolation"] = iso
			for maxRows := int64(1); maxRows <= 8; maxRows++ {
				splits := e.checkSplits(cn, sql, str, maxRows)
				if want := (19 + maxRows - 1) / maxRows; int64(len(splits)) != want {
					t.Fatalf("%s max_rows=%d: %d splits, want %d", iso, maxRows, len(splits), want)
				}
				if k := splits[0].Key; k.Format != "string" {
					t.Fatalf("descriptor key format %+v, want string", k)
				}
			}
		}
	})
}

// TestReadSplitsCompacted cuts a compacted partition (kfake compacts on
// demand) into splits: splits that fall wholly in a compacted gap read
// nothing, the rest read exactly the surviving records.
func TestReadSplitsCompacted(t *testing.T) {
	forStacks(t, func(t *testing.T, e *env) {
		if !e.kfake() {
			t.Skip("compaction on demand needs kfake; the real broker's log cleaner runs on its own schedule (python/tests/test_scaleout.py splits a real compacted topic)")
		}
		compact, forever := "compact", "-1"
		topic := e.topic(1, map[string]*string{"cleanup.policy": &compact, "retention.ms": &forever})
		var recs []*kgo.Record
		for i := 0; i < 10; i++ {
			recs = append(recs, rec(topic, 0, baseMs+int64(i), []byte(fmt.Sprintf("k%d", i%4)), []byte(fmt.Sprintf("v%d", i))))
		}
		e.produce(recs...)
		recs = nil
		for i := 0; i < 6; i++ {
			recs = append(recs, rec(topic, 0, baseMs+20+int64(i), []byte(fmt.Sprintf("k%d", i)), []byte(fmt.Sprintf("w%d", i))))
		}
		e.produce(recs...)
		e.produce(rec(topic, 0, baseMs+30, []byte("k0"), []byte("last")))
		e.cluster.Compact()
		cn := e.open(nil)
		str := map[string]string{"kafarr.value.format": "string", "kafarr.key.format": "string"}
		sql := "SELECT _value, _offset, _partition FROM " + q(topic)
		if res := e.mustQuery(cn, sql, str); len(res.rows) >= 17 {
			t.Fatalf("compaction removed nothing: %d rows", len(res.rows))
		}
		for maxRows := int64(1); maxRows <= 6; maxRows++ {
			e.checkSplits(cn, sql, str, maxRows)
		}
	})
}

// TestReadSplitsPinFormats checks that a descriptor carries the formats
// the planner settled: an Avro key's schema id and the value's reader
// schema id. Versions registered after planning change neither the
// columns nor the decoding of a split.
func TestReadSplitsPinFormats(t *testing.T) {
	forStacks(t, func(t *testing.T, e *env) {
		topic, vid := e.tickTopic(1, 0)
		const k1 = `{"type":"record","name":"K","fields":[{"name":"id","type":"long"}]}`
		const k2 = `{"type":"record","name":"K","fields":[{"name":"id","type":"long"},{"name":"tag","type":"string","default":"t"}]}`
		kid := e.register(topic+"-key", k1)
		for i := 0; i < 6; i++ {
			e.produce(rec(topic, 0, tickMs(0, i), e.frame(k1, kid, map[string]any{"id": int64(i)}), e.frame(tickSchema, vid, tickNative(0, i))))
		}
		cn := e.open(nil)
		sql := "SELECT px, _key, _offset, _partition FROM " + q(topic)
		sc, parts, err := executePartitions(t, cn, sql, map[string]string{"kafarr.partitions.max_rows": "4"})
		if err != nil || len(parts.PartitionIDs) != 2 {
			t.Fatalf("%d splits, %v", len(parts.PartitionIDs), err)
		}
		s := decodeSplit(t, parts.PartitionIDs[0])
		if s.Key.Format != "avro" || s.Key.Subject != topic+"-key" || s.Key.SchemaID != int(kid) || s.Value.SchemaID != int(vid) {
			t.Fatalf("descriptor formats %+v / %+v, want avro key id %d, value id %d", s.Key, s.Value, kid, vid)
		}
		e.register(topic+"-key", k2)
		var ids []any
		for _, d := range parts.PartitionIDs {
			res := e.readPartition(e.open(nil), d)
			if res.err != nil {
				t.Fatal(res.err)
			}
			if !res.schema.Equal(sc) {
				t.Fatalf("split schema %s, planned %s", res.schema, sc)
			}
			for _, r := range res.rows {
				ids = append(ids, r[1].(map[string]any)["id"])
			}
		}
		if fmt.Sprint(ids) != "[0 1 2 3 4 5]" {
			t.Fatalf("key ids %v", ids)
		}
	})
}

// TestReadSplitsSchemaFirst: under kafarr.read.schema=first the splits
// read with the first message's schema as their reader schema and do not
// stop where the schema changes, which a single read does: the stop is a
// point in the whole read's order, which splits read anywhere cannot
// share. Later writer schemas resolve to the first (v2's venue is
// dropped), so the splits return every row of the snapshot.
func TestReadSplitsSchemaFirst(t *testing.T) {
	forStacks(t, func(t *testing.T, e *env) {
		topic, v1, _ := e.quoteTopic()
		cn := e.open(nil)
		opts := map[string]string{"kafarr.read.schema": "first", "kafarr.partitions.max_rows": "2"}
		sql := "SELECT sym, px, _offset FROM " + q(topic)
		single := e.mustQuery(cn, sql, map[string]string{"kafarr.read.schema": "first"})
		wantRows(t, single, [][]any{{"s0", int64(0), int64(0)}, {"s1", int64(1), int64(1)}, {"s2", int64(2), int64(2)}})
		sc, parts, err := executePartitions(t, cn, sql, opts)
		if err != nil || len(parts.PartitionIDs) != 3 {
			t.Fatalf("%d splits, %v", len(parts.PartitionIDs), err)
		}
		if !sc.Equal(single.schema) {
			t.Fatalf("planned schema %s, single read's %s", sc, single.schema)
		}
		var rows [][]any
		for _, d := range parts.PartitionIDs {
			if s := decodeSplit(t, d); s.Value.SchemaID != int(v1) {
				t.Fatalf("split %d-%d pins schema id %d, want the first message's %d", s.Start, s.End, s.Value.SchemaID, v1)
			}
			res := e.readPartition(e.open(nil), d)
			if res.err != nil {
				t.Fatal(res.err)
			}
			rows = append(rows, res.rows...)
		}
		want := [][]any{
			{"s0", int64(0), int64(0)}, {"s1", int64(1), int64(1)}, {"s2", int64(2), int64(2)},
			{"s3", int64(3), int64(3)}, {"s4", int64(4), int64(4)}, {"s5", int64(5), int64(5)},
		}
		wantRows(t, result{schema: sc, rows: rows}, want)
	})
}
