//go:build duckdb_arrow

package main

import (
	"context"
	"testing"

	"github.com/apache/arrow-adbc/go/adbc"
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// testSchemas are the topics the pushdown tests know, as GetTableSchema
// would give them (SELECT *: value fields, then the default metadata).
var testSchemas = map[string]*arrow.Schema{
	"ticks": arrow.NewSchema([]arrow.Field{
		{Name: "inst", Type: arrow.BinaryTypes.String}, {Name: "t", Type: arrow.PrimitiveTypes.Int64},
		{Name: "bid", Type: arrow.PrimitiveTypes.Float32}, {Name: "ask", Type: arrow.PrimitiveTypes.Float32},
		{Name: "_partition", Type: arrow.PrimitiveTypes.Int32}, {Name: "_offset", Type: arrow.PrimitiveTypes.Int64},
		{Name: "_timestamp", Type: &arrow.TimestampType{Unit: arrow.Millisecond, TimeZone: "UTC"}},
	}, nil),
	"orders.v1": arrow.NewSchema([]arrow.Field{
		{Name: "inst", Type: arrow.BinaryTypes.String}, {Name: "Qty", Type: arrow.PrimitiveTypes.Int32},
		{Name: "_partition", Type: arrow.PrimitiveTypes.Int32}, {Name: "_offset", Type: arrow.PrimitiveTypes.Int64},
		{Name: "_timestamp", Type: &arrow.TimestampType{Unit: arrow.Millisecond, TimeZone: "UTC"}},
	}, nil),
}

var allTicks = []string{"inst", "t", "bid", "ask", "_partition", "_offset", "_timestamp"}

// analyzeTest runs the pushdown analysis of query with DuckDB's parser.
func analyzeTest(t *testing.T, query string) (*analyzer, error) {
	t.Helper()
	ctx := context.Background()
	d, err := openDuckDB(ctx)
	require.NoError(t, err)
	t.Cleanup(d.Close)
	p, err := d.parse(ctx, query)
	require.NoError(t, err)
	a := &analyzer{
		root: p.node,
		schemaOf: func(topic string) (*arrow.Schema, bool, error) {
			if sc, ok := testSchemas[topic]; ok {
				return sc, true, nil
			}
			return nil, false, adbc.Error{Code: adbc.StatusNotFound, Msg: "kafarr: topic " + topic + " does not exist"}
		},
		epochMicros: func(e jmap) (int64, bool) { return d.epochMicros(ctx, e) },
		isAggregate: func(name string) bool { return d.isAggregate(ctx, name) },
	}
	return a, a.analyze()
}

// read is what a test expects of one topic's read.
type read struct {
	topic   string
	refs    int
	columns []string
	preds   []string
	orPreds []string
	limit   int64
}

func TestPushdown(t *testing.T) {
	cases := []struct {
		name  string
		query string
		want  []read
	}{
		{"group by with partition and offset bounds",
			`SELECT inst, count(*) FROM ticks WHERE _partition IN (0, 2) AND _offset < 100 GROUP BY inst`,
			[]read{{"ticks", 1, []string{"inst", "_partition", "_offset"}, []string{"_partition IN (0, 2)", "_offset < 100"}, nil, -1}}},
		{"alias, qualified timestamp bound, limit",
			`SELECT t.bid FROM ticks t WHERE t._timestamp >= TIMESTAMP '2024-01-01 00:00:00' LIMIT 5`,
			[]read{{"ticks", 1, []string{"t", "bid", "_timestamp"}, []string{"_timestamp >= 1704067200000"}, nil, 5}}},
		{"timestamp as a string, constant on the left",
			`SELECT bid FROM ticks WHERE '2024-01-01T00:00:01Z' > _timestamp LIMIT 2`,
			[]read{{"ticks", 1, []string{"bid", "_timestamp"}, []string{"_timestamp < 1704067201000"}, nil, 2}}},
		{"timestamp plus interval",
			`SELECT bid FROM ticks WHERE _timestamp BETWEEN TIMESTAMP '2024-01-01' AND TIMESTAMP '2024-01-01' + INTERVAL 1 DAY`,
			[]read{{"ticks", 1, []string{"bid", "_timestamp"}, []string{"_timestamp >= 1704067200000 AND _timestamp <= 1704153600000"}, nil, -1}}},
		{"sub-millisecond timestamp widens and keeps LIMIT in DuckDB",
			`SELECT bid FROM ticks WHERE _timestamp < TIMESTAMP '2024-01-01 00:00:00.0005' LIMIT 5`,
			[]read{{"ticks", 1, []string{"bid", "_timestamp"}, []string{"_timestamp <= 1704067200001"}, nil, -1}}},
		{"now() is not pushed",
			`SELECT bid FROM ticks WHERE _timestamp > now() - INTERVAL 1 HOUR`,
			[]read{{"ticks", 1, []string{"bid", "_timestamp"}, nil, nil, -1}}},
		{"star with limit and offset",
			`SELECT * FROM ticks LIMIT 10 OFFSET 5`,
			[]read{{"ticks", 1, allTicks, nil, nil, 15}}},
		{"extra metadata columns beyond SELECT *",
			`SELECT *, _key FROM ticks`,
			[]read{{"ticks", 1, append(append([]string{}, allTicks...), "_key"), nil, nil, -1}}},
		{"ORDER BY a value column keeps LIMIT in DuckDB",
			`SELECT bid FROM ticks ORDER BY bid DESC LIMIT 3`,
			[]read{{"ticks", 1, []string{"bid"}, nil, nil, -1}}},
		{"a value filter keeps LIMIT in DuckDB",
			`SELECT bid FROM ticks WHERE bid > 1 AND _partition = 0 LIMIT 3`,
			[]read{{"ticks", 1, []string{"bid", "_partition"}, []string{"_partition = 0"}, nil, -1}}},
		{"aggregates keep LIMIT in DuckDB",
			`SELECT count(*) FROM ticks LIMIT 1`,
			[]read{{"ticks", 1, []string{"_partition"}, nil, nil, -1}}},
		{"DISTINCT keeps LIMIT in DuckDB",
			`SELECT DISTINCT inst FROM ticks LIMIT 2`,
			[]read{{"ticks", 1, []string{"inst"}, nil, nil, -1}}},
		{"window functions keep LIMIT in DuckDB",
			`SELECT inst, row_number() OVER (PARTITION BY inst ORDER BY _offset) FROM ticks LIMIT 4`,
			[]read{{"ticks", 1, []string{"inst", "_offset"}, nil, nil, -1}}},
		{"OR of bounds",
			`SELECT bid FROM ticks WHERE _partition = 0 OR _partition = 2`,
			[]read{{"ticks", 1, []string{"bid", "_partition"}, nil, []string{"((_partition = 0) OR (_partition = 2))"}, -1}}},
		{"OR with a value column is not pushed",
			`SELECT bid FROM ticks WHERE _partition = 0 OR bid > 2`,
			[]read{{"ticks", 1, []string{"bid", "_partition"}, nil, nil, -1}}},
		{"self-join: one read, no bounds",
			`SELECT a.bid FROM ticks a JOIN ticks b USING (t) WHERE a._partition = 0`,
			[]read{{"ticks", 2, []string{"t", "bid", "_partition"}, nil, nil, -1}}},
		{"join of two topics: bounds per qualified side",
			`SELECT t.inst, o."Qty" FROM ticks t JOIN "orders.v1" o ON t.inst = o.inst WHERE o._offset >= 10 AND t.bid > 1`,
			[]read{
				{"ticks", 1, []string{"inst", "t", "bid", "_offset"}, nil, nil, -1},
				{"orders.v1", 1, []string{"inst", "Qty", "_offset"}, []string{"_offset >= 10"}, nil, -1},
			}},
		{"unqualified bound in a join is not pushed",
			`SELECT * FROM ticks JOIN "orders.v1" USING (inst) WHERE _offset > 5`,
			[]read{
				{"ticks", 1, allTicks, nil, nil, -1},
				{"orders.v1", 1, []string{"inst", "Qty", "_partition", "_offset", "_timestamp"}, nil, nil, -1},
			}},
		{"case-insensitive column names",
			`SELECT QTY FROM orders.v1 WHERE _PARTITION = 1`,
			[]read{{"orders.v1", 1, []string{"Qty", "_partition"}, []string{"_partition = 1"}, nil, -1}}},
		{"CTE: the topic inside it is bounded, the CTE is no topic",
			`WITH c AS (SELECT bid FROM ticks WHERE _partition = 1) SELECT avg(bid) FROM c`,
			[]read{{"ticks", 1, []string{"bid", "_partition"}, []string{"_partition = 1"}, nil, -1}}},
		{"whole-row reference reads every column",
			`SELECT k FROM ticks k`,
			[]read{{"ticks", 1, allTicks, nil, nil, -1}}},
		{"sample: no bounds, no LIMIT",
			`SELECT bid FROM ticks TABLESAMPLE 10 ROWS WHERE _partition = 0 LIMIT 3`,
			[]read{{"ticks", 1, []string{"bid", "_partition"}, nil, nil, -1}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a, err := analyzeTest(t, tc.query)
			require.NoError(t, err)
			var got []read
			for _, r := range a.topics {
				got = append(got, read{r.topic, r.refs, r.columns, r.preds, r.orPreds, r.limit})
			}
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestPushdownUnknownTopic(t *testing.T) {
	_, err := analyzeTest(t, `SELECT count(*) FROM nosuch GROUP BY ALL`)
	require.Error(t, err)
	assert.Equal(t, adbc.StatusNotFound, status(err))
}

func TestSQLForRead(t *testing.T) {
	r := &topicRead{topic: `we"ird`, columns: []string{"a", `b"c`}, preds: []string{"_offset >= 1"},
		orPreds: []string{"((_partition = 0) OR (_partition = 1))"}, limit: 7}
	assert.Equal(t, `SELECT "a", "b""c" FROM "we""ird" WHERE _offset >= 1 AND ((_partition = 0) OR (_partition = 1)) LIMIT 7`, r.sqlFor(true, true))
	assert.Equal(t, `SELECT "a", "b""c" FROM "we""ird" WHERE _offset >= 1 LIMIT 7`, r.sqlFor(false, true))
	assert.Equal(t, `SELECT "a", "b""c" FROM "we""ird" LIMIT 7`, r.sqlFor(false, false))
}
