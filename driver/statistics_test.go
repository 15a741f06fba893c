package driver

import (
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/apache/arrow-adbc/go/adbc"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/kafarr/kafarr/internal/testenv"
)

// statRow is one statistic, flattened out of the GetStatistics hierarchy.
// Value holds an int64 or a float64, as the union member says.
type statRow struct {
	Catalog string  `json:"catalog"`
	Schema  string  `json:"schema"`
	Table   string  `json:"table"`
	Column  *string `json:"column"`
	Key     int16   `json:"key"`
	Value   any     `json:"value"`
	Approx  bool    `json:"approx"`
}

// getStatistics runs GetStatistics and flattens its one batch; catalogs
// and schemas without statistics come back as rows with Table "".
func (e *catalogEnv) getStatistics(catalog, schema, table *string, approximate bool) []statRow {
	e.t.Helper()
	cn := e.cn.(adbc.ConnectionGetStatistics)
	rdr, err := cn.GetStatistics(e.ctx, catalog, schema, table, approximate)
	if err != nil {
		e.t.Fatalf("GetStatistics: %v", err)
	}
	defer rdr.Release()
	if !rdr.Schema().Equal(adbc.GetStatisticsSchema) {
		e.t.Fatalf("GetStatistics schema:\n%s\nwant:\n%s", rdr.Schema(), adbc.GetStatisticsSchema)
	}
	if !rdr.Next() {
		e.t.Fatalf("GetStatistics returned no batch (err %v)", rdr.Err())
	}
	rec := rdr.RecordBatch()
	catalogs := rec.Column(0).(*array.String)
	schemaLists := rec.Column(1).(*array.List)
	schemas := schemaLists.ListValues().(*array.Struct)
	statLists := schemas.Field(1).(*array.List)
	stats := statLists.ListValues().(*array.Struct)
	tables := stats.Field(0).(*array.String)
	columns := stats.Field(1).(*array.String)
	keys := stats.Field(2).(*array.Int16)
	values := stats.Field(3).(*array.DenseUnion)
	approx := stats.Field(4).(*array.Boolean)

	out := []statRow{}
	for i := 0; i < int(rec.NumRows()); i++ {
		slo, shi := schemaLists.ValueOffsets(i)
		if slo == shi {
			out = append(out, statRow{Catalog: catalogs.Value(i)})
		}
		for s := int(slo); s < int(shi); s++ {
			schema := schemas.Field(0).(*array.String).Value(s)
			lo, hi := statLists.ValueOffsets(s)
			if lo == hi {
				out = append(out, statRow{Catalog: catalogs.Value(i), Schema: schema})
			}
			for k := int(lo); k < int(hi); k++ {
				r := statRow{Catalog: catalogs.Value(i), Schema: schema, Table: tables.Value(k),
					Column: nullable[string](columns, k), Key: keys.Value(k), Approx: approx.Value(k)}
				child, off := values.Field(values.ChildID(k)), int(values.ValueOffset(k))
				switch values.TypeCode(k) {
				case 0:
					r.Value = child.(*array.Int64).Value(off)
				case 2:
					r.Value = child.(*array.Float64).Value(off)
				default:
					e.t.Fatalf("statistic %d of %s: union member %d", r.Key, r.Table, values.TypeCode(k))
				}
				out = append(out, r)
			}
		}
	}
	if rdr.Next() {
		e.t.Fatal("GetStatistics returned a second batch")
	}
	return out
}

// topicStats builds the expected rows of one topic: the table row count,
// then per partition its count, start and end offset. parts are
// {start, end, rows}; an approximate count is a float64.
func topicStats(topic string, approx []bool, parts ...[3]int64) []statRow {
	var rows int64
	anyApprox := false
	for i, p := range parts {
		rows += p[2]
		anyApprox = anyApprox || approx[i]
	}
	count := func(n int64, a bool) any {
		if a {
			return float64(n)
		}
		return n
	}
	row := func(col *string, key int16, v any, a bool) statRow {
		return statRow{Catalog: "kafka", Schema: "default", Table: topic, Column: col, Key: key, Value: v, Approx: a}
	}
	out := []statRow{row(nil, adbc.StatisticRowCountKey, count(rows, anyApprox), anyApprox)}
	for i, p := range parts {
		col := ptr("_partition=" + string(rune('0'+i)))
		out = append(out,
			row(col, StatisticPartitionRowCountKey, count(p[2], approx[i]), approx[i]),
			row(col, StatisticPartitionStartOffsetKey, p[0], false),
			row(col, StatisticPartitionEndOffsetKey, p[1], false))
	}
	return out
}

func concat(parts ...[]statRow) []statRow {
	var out []statRow
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// seedStatistics creates, with names starting with prefix:
//   - plain: 3 partitions holding 5, 0 and 7 records;
//   - compacted: cleanup.policy=compact, 4 records (none compacted away:
//     kfake does not compact, and a real broker never compacts the active
//     segment; kafarr cannot know that);
//   - txn: 3 records in one committed transaction, which adds a marker
//     at offset 3;
//   - empty: no records;
//
// and, with internal, __kafarr_internal holding one record.
func seedStatistics(e *catalogEnv, prefix string, internal bool) {
	e.createTopic(prefix+"plain", 3, nil)
	e.produce(prefix+"plain", 0, "a", "b", "c", "d", "e")
	e.produce(prefix+"plain", 2, "f", "g", "h", "i", "j", "k", "l")
	e.createTopic(prefix+"compacted", 1, map[string]*string{"cleanup.policy": ptr("compact")})
	for _, k := range []string{"k1", "k2", "k1", "k3"} {
		if err := e.kcl.ProduceSync(e.ctx, &kgo.Record{Topic: prefix + "compacted", Key: []byte(k), Value: []byte("v")}).FirstErr(); err != nil {
			e.t.Fatal(err)
		}
	}
	e.createTopic(prefix+"txn", 1, nil)
	tx, err := kgo.NewClient(kgo.SeedBrokers(e.brokers), kgo.TransactionalID(prefix+"stats-test"), kgo.RecordPartitioner(kgo.ManualPartitioner()))
	if err != nil {
		e.t.Fatal(err)
	}
	defer tx.Close()
	if err := tx.BeginTransaction(); err != nil {
		e.t.Fatal(err)
	}
	for _, v := range []string{"x", "y", "z"} {
		if err := tx.ProduceSync(e.ctx, &kgo.Record{Topic: prefix + "txn", Value: []byte(v)}).FirstErr(); err != nil {
			e.t.Fatal(err)
		}
	}
	if err := tx.EndTransaction(e.ctx, kgo.TryCommit); err != nil {
		e.t.Fatal(err)
	}
	// The commit marker is written after EndTransaction returns (CI once
	// saw the txn topic counted as an exact 0).
	testenv.SettleTransactions(e.t, e.ctx, kadm.NewClient(e.kcl), prefix+"txn")
	e.createTopic(prefix+"empty", 1, nil)
	if internal {
		e.createTopic("__kafarr_internal", 1, nil)
		e.produce("__kafarr_internal", 0, "hidden")
	}
}

// seededApproximate and seededExact are GetStatistics of the seeded
// topics with approximate true and false.
func seededApproximate(prefix string) []statRow {
	return concat(
		// Compaction: flagged from the topic config, count = offsets.
		topicStats(prefix+"compacted", []bool{true}, [3]int64{0, 4, 4}),
		// Empty partitions are exact (0) whatever the topic.
		topicStats(prefix+"empty", []bool{false}, [3]int64{0, 0, 0}),
		topicStats(prefix+"plain", []bool{false, false, false}, [3]int64{0, 5, 5}, [3]int64{0, 0, 0}, [3]int64{0, 7, 7}),
		// The commit marker at offset 3 makes 4 offsets for 3 records:
		// flagged (the last offset holds no record; a real broker also
		// reports the transactional producer).
		topicStats(prefix+"txn", []bool{true}, [3]int64{0, 4, 4}),
	)
}

func seededExact(prefix string) []statRow {
	return concat(
		topicStats(prefix+"compacted", []bool{false}, [3]int64{0, 4, 4}),
		topicStats(prefix+"empty", []bool{false}, [3]int64{0, 0, 0}),
		topicStats(prefix+"plain", []bool{false, false, false}, [3]int64{0, 5, 5}, [3]int64{0, 0, 0}, [3]int64{0, 7, 7}),
		// Read: 3 records, the marker is not one.
		topicStats(prefix+"txn", []bool{false}, [3]int64{0, 4, 3}),
	)
}

func TestGetStatisticsApproximate(t *testing.T) {
	e := newCatalogEnv(t, nil)
	seedStatistics(e, "", true)
	jsonEqual(t, "statistics", e.getStatistics(nil, nil, nil, true), seededApproximate(""))
}

func TestGetStatisticsExact(t *testing.T) {
	e := newCatalogEnv(t, nil)
	seedStatistics(e, "", true)
	jsonEqual(t, "statistics", e.getStatistics(nil, nil, nil, false), seededExact(""))
}

// TestGetStatisticsRealBroker checks the same against the real broker of
// tests/stack (KAFARR_TEST_BROKERS, KAFARR_TEST_REGISTRY), whose producer
// state and log differ from kfake's, on topics of its own.
func TestGetStatisticsRealBroker(t *testing.T) {
	brokers, registry := os.Getenv("KAFARR_TEST_BROKERS"), os.Getenv("KAFARR_TEST_REGISTRY")
	if brokers == "" || registry == "" {
		if os.Getenv("KAFARR_REQUIRE_STACK") == "1" {
			t.Fatal("KAFARR_TEST_BROKERS and KAFARR_TEST_REGISTRY must be set when KAFARR_REQUIRE_STACK=1")
		}
		t.Skip("KAFARR_TEST_BROKERS/KAFARR_TEST_REGISTRY unset: no real broker")
	}
	e := newCatalogEnvOn(t, brokers, registry, nil)
	prefix := fmt.Sprintf("kafarr_stats_%d_", time.Now().UnixNano())
	t.Cleanup(func() {
		for _, topic := range []string{"plain", "compacted", "txn", "empty"} {
			if err := e.admin.DeleteTopic(e.ctx, prefix+topic); err != nil {
				t.Errorf("cleaning up: %v", err)
			}
		}
	})
	seedStatistics(e, prefix, false)
	jsonEqual(t, "approximate", e.getStatistics(nil, nil, ptr(prefix+"%"), true), seededApproximate(prefix))
	jsonEqual(t, "exact", e.getStatistics(nil, nil, ptr(prefix+"%"), false), seededExact(prefix))
}

// An open transaction: read_committed stops at the last stable offset, so
// its records do not count; read_uncommitted counts them. Both counts are
// flagged approximate from offsets alone, since the broker reports a
// transactional producer on the partition (the check does not tell a
// producer that wrote markers before from one whose first transaction is
// open); reading counts exactly.
func TestGetStatisticsOpenTransaction(t *testing.T) {
	e := newCatalogEnv(t, nil)
	e.createTopic("open", 1, nil)
	e.produce("open", 0, "committed-1", "committed-2")
	tx, err := kgo.NewClient(kgo.SeedBrokers(e.brokers), kgo.TransactionalID("kafarr-open-txn"), kgo.RecordPartitioner(kgo.ManualPartitioner()))
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Close()
	if err := tx.BeginTransaction(); err != nil {
		t.Fatal(err)
	}
	if err := tx.ProduceSync(e.ctx, &kgo.Record{Topic: "open", Value: []byte("pending")}).FirstErr(); err != nil {
		t.Fatal(err)
	}
	defer tx.EndTransaction(e.ctx, kgo.TryAbort)

	// read_committed (the default): the last stable offset is 2.
	jsonEqual(t, "read_committed, approximate", e.getStatistics(nil, nil, ptr("open"), true),
		topicStats("open", []bool{true}, [3]int64{0, 2, 2}))
	jsonEqual(t, "read_committed, exact", e.getStatistics(nil, nil, ptr("open"), false),
		topicStats("open", []bool{false}, [3]int64{0, 2, 2}))

	if err := e.cn.(adbc.PostInitOptions).SetOption("kafarr.read.isolation", "read_uncommitted"); err != nil {
		t.Fatal(err)
	}
	jsonEqual(t, "read_uncommitted, approximate", e.getStatistics(nil, nil, ptr("open"), true),
		topicStats("open", []bool{true}, [3]int64{0, 3, 3}))
	jsonEqual(t, "read_uncommitted, exact", e.getStatistics(nil, nil, ptr("open"), false),
		topicStats("open", []bool{false}, [3]int64{0, 3, 3}))
}

// Deleting records moves the log start: counts start there.
func TestGetStatisticsLogStart(t *testing.T) {
	e := newCatalogEnv(t, nil)
	e.createTopic("trimmed", 1, nil)
	e.produce("trimmed", 0, "a", "b", "c", "d", "e")
	adm := kadm.NewClient(e.kcl)
	offsets := kadm.Offsets{}
	offsets.Add(kadm.Offset{Topic: "trimmed", Partition: 0, At: 2})
	if _, err := adm.DeleteRecords(e.ctx, offsets); err != nil {
		t.Fatal(err)
	}
	jsonEqual(t, "approximate", e.getStatistics(nil, nil, nil, true), topicStats("trimmed", []bool{false}, [3]int64{2, 5, 3}))
	jsonEqual(t, "exact", e.getStatistics(nil, nil, nil, false), topicStats("trimmed", []bool{false}, [3]int64{2, 5, 3}))
}

func TestGetStatisticsFilters(t *testing.T) {
	e := newCatalogEnv(t, map[string]string{})
	seedStatistics(e, "", true)
	plain := topicStats("plain", []bool{false, false, false}, [3]int64{0, 5, 5}, [3]int64{0, 0, 0}, [3]int64{0, 7, 7})
	for _, tc := range []struct {
		name                   string
		catalog, schema, table *string
		want                   []statRow
	}{
		{name: "table", table: ptr("plain"), want: plain},
		{name: "table pattern", table: ptr("p_a%"), want: plain},
		{name: "table none", table: ptr("nope"), want: []statRow{{Catalog: "kafka", Schema: "default"}}},
		{name: "internal hidden", table: ptr("%internal"), want: []statRow{{Catalog: "kafka", Schema: "default"}}},
		{name: "catalog", catalog: ptr("kafka"), table: ptr("plain"), want: plain},
		{name: "catalog other", catalog: ptr("other"), want: []statRow{}},
		{name: "catalog empty", catalog: ptr(""), want: []statRow{}},
		{name: "schema", schema: ptr("def%"), table: ptr("plain"), want: plain},
		{name: "schema other", schema: ptr("public"), want: []statRow{{Catalog: "kafka"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			jsonEqual(t, tc.name, e.getStatistics(tc.catalog, tc.schema, tc.table, true), tc.want)
		})
	}
}

func TestGetStatisticsIncludeInternal(t *testing.T) {
	e := newCatalogEnv(t, map[string]string{"kafarr.catalog.include_internal": "true"})
	seedStatistics(e, "", true)
	jsonEqual(t, "internal", e.getStatistics(nil, nil, ptr("%internal"), true), topicStats("__kafarr_internal", []bool{false}, [3]int64{0, 1, 1}))
}

func TestGetStatisticNames(t *testing.T) {
	e := newCatalogEnv(t, nil)
	rdr, err := e.cn.(adbc.ConnectionGetStatistics).GetStatisticNames(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer rdr.Release()
	if !rdr.Schema().Equal(adbc.GetStatisticNamesSchema) {
		t.Fatalf("schema %s", rdr.Schema())
	}
	if !rdr.Next() {
		t.Fatal("no batch")
	}
	rec := rdr.RecordBatch()
	type name struct {
		Name string
		Key  int16
	}
	var got []name
	for i := 0; i < int(rec.NumRows()); i++ {
		got = append(got, name{rec.Column(0).(*array.String).Value(i), rec.Column(1).(*array.Int16).Value(i)})
	}
	jsonEqual(t, "names", got, []name{
		{"kafarr.statistic.partition_row_count", 1024},
		{"kafarr.statistic.partition_start_offset", 1025},
		{"kafarr.statistic.partition_end_offset", 1026},
	})
}
