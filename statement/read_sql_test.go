package statement_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow-adbc/go/adbc"
	"github.com/linkedin/goavro/v2"
	"github.com/twmb/franz-go/pkg/kgo"
)

// TestReadAliases checks table aliases and qualified columns: a dotted
// path's first name is a qualifier when it is the alias (or, without one,
// the topic's name), else a path into a record.
func TestReadAliases(t *testing.T) {
	forStacks(t, func(t *testing.T, e *env) {
		topic, _ := e.tickTopic(1, 4)
		cn := e.open(nil)
		rows := func(cols func(i int) []any) [][]any {
			var out [][]any
			for i := range 4 {
				out = append(out, cols(i))
			}
			return out
		}
		orderID := func(i int) any {
			if i%3 == 0 {
				return nil
			}
			return int64(i)
		}
		for _, c := range []struct {
			sql  string
			cols []string
			want [][]any
		}{
			{"SELECT t.inst, t.px FROM " + q(topic) + " t", []string{"inst", "px"},
				rows(func(i int) []any { return []any{"I0", int64(i)} })},
			{"SELECT k.px, k._offset FROM " + q(topic) + " AS k WHERE k.px >= 2 ORDER BY k._offset DESC", []string{"px", "_offset"},
				[][]any{{int64(3), int64(3)}, {int64(2), int64(2)}}},
			{"SELECT " + q(topic) + ".px FROM " + q(topic) + " WHERE " + q(topic) + ".px = 1", []string{"px"}, [][]any{{int64(1)}}},
			// A nested path keeps working; with the qualifier in front too.
			{"SELECT order.id, t.order.id FROM " + q(topic) + " t", []string{"order.id", "order.id_1"},
				rows(func(i int) []any { return []any{orderID(i), orderID(i)} })},
			// An alias named like the record column "order": order.id is
			// then the top-level column id (there is none), and
			// order.order.id the record's field.
			{`SELECT "order"."order".id, "order".px FROM ` + q(topic) + ` AS "order"`, []string{"order.id", "px"},
				rows(func(i int) []any { return []any{orderID(i), int64(i)} })},
			// alias.* is *.
			{"SELECT t.* FROM " + q(topic) + " t WHERE t._offset = 1", tickCols, [][]any{tickRow(0, 1)}},
		} {
			t.Run(c.sql, func(t *testing.T) {
				res := e.mustQuery(cn, c.sql, nil)
				wantCols(t, res, c.cols...)
				wantRows(t, res, c.want)
			})
		}
		for _, c := range []struct{ sql, msg string }{
			{`SELECT "order".id FROM ` + q(topic) + ` AS "order"`, `unknown column "id" (line 1, column 8)`},
			{"SELECT " + q(topic) + ".px FROM " + q(topic) + " x",
				fmt.Sprintf(`unknown column "%s.px" (line 1, column 8)`, topic)},
			{"SELECT " + q(topic) + ".px FROM " + q(topic) + " x", `(the topic is aliased as "x": qualify its columns with "x".)`},
			{"SELECT x.px FROM " + q(topic), `unknown column "x.px"`},
		} {
			res := e.query(cn, c.sql, nil)
			wantStatus(t, res.err, adbc.StatusInvalidArgument, c.msg)
		}
	})
}

// TestReadStarAndColumns checks * beside named columns: the metadata
// columns * does not yield are added, and a column * yields is not
// repeated.
func TestReadStarAndColumns(t *testing.T) {
	forStacks(t, func(t *testing.T, e *env) {
		topic := e.topic(1, nil)
		id := e.register(topic+"-value", tickSchema)
		e.produce(&kgo.Record{Topic: topic, Partition: 0, Timestamp: msTime(baseMs), Key: []byte("k"),
			Headers: []kgo.RecordHeader{{Key: "h", Value: []byte("v")}}, Value: e.frame(tickSchema, id, tickNative(0, 0))})
		cn := e.open(nil)
		row := tickRow(0, 0)
		for _, c := range []struct {
			sql  string
			cols []string
			want []any
		}{
			{"SELECT *, _key, _headers FROM " + q(topic), append(slices.Clone(tickCols), "_key", "_headers"),
				append(slices.Clone(row), []byte("k"), []kv{{"h", "v"}})},
			{"SELECT *, _partition, _offset FROM " + q(topic), tickCols, row},
			{"SELECT _offset, *, _key FROM " + q(topic), []string{"_offset", "inst", "px", "note", "order", "_partition", "_timestamp", "_key"},
				[]any{int64(0), "I0", int64(0), "n0", nil, int32(0), baseMs, []byte("k")}},
			{"SELECT t.*, t._key, px FROM " + q(topic) + " t", append(slices.Clone(tickCols), "_key"), append(slices.Clone(row), []byte("k"))},
			// A nested path is not a column * yields.
			{"SELECT *, order.id FROM " + q(topic), append(slices.Clone(tickCols), "order.id"), append(slices.Clone(row), nil)},
		} {
			t.Run(c.sql, func(t *testing.T) {
				res := e.mustQuery(cn, c.sql, nil)
				wantCols(t, res, c.cols...)
				wantRows(t, res, [][]any{c.want})
			})
		}
		// With kafarr.read.metadata_columns=none, * yields no metadata
		// column: named ones are added.
		res := e.mustQuery(cn, "SELECT _timestamp, * FROM "+q(topic), map[string]string{"kafarr.read.metadata_columns": "none"})
		wantCols(t, res, "_timestamp", "inst", "px", "note", "order")
		wantRows(t, res, [][]any{{baseMs, "I0", int64(0), "n0", nil}})
	})
}

// TestReadNullLogic checks OR, NOT and parentheses on value columns with
// SQL's three-valued logic: a comparison with a null value (or a NULL
// literal) is unknown, NOT unknown is unknown, unknown OR true is true,
// unknown AND false is false, and only rows where the condition is true
// are returned.
func TestReadNullLogic(t *testing.T) {
	forStacks(t, func(t *testing.T, e *env) {
		// Tick i: px = i, note "n<i>" on even i (null on odd), order
		// {id: i, side: buy on even/sell on odd} on i%3 != 0 (null on
		// multiples of 3).
		topic, _ := e.tickTopic(1, 12)
		cn := e.open(nil)
		noteIs := func(i int, s string) bool { return i%2 == 0 && fmt.Sprintf("n%d", i) == s }
		hasNote := func(i int) bool { return i%2 == 0 }
		hasOrder := func(i int) bool { return i%3 != 0 }
		for _, c := range []struct {
			where string
			keep  func(i int) bool
		}{
			{"px = 3 OR px = 7", func(i int) bool { return i == 3 || i == 7 }},
			{"NOT (px < 10)", func(i int) bool { return i >= 10 }},
			// Null notes: note = 'n4' is unknown there, and so is its NOT.
			{"NOT (note = 'n4')", func(i int) bool { return hasNote(i) && !noteIs(i, "n4") }},
			{"note <> 'n4'", func(i int) bool { return hasNote(i) && !noteIs(i, "n4") }},
			{"note = 'n4' OR note IS NULL", func(i int) bool { return noteIs(i, "n4") || !hasNote(i) }},
			{"NOT (note = 'n4' OR px > 5)", func(i int) bool { return hasNote(i) && !noteIs(i, "n4") && i <= 5 }},
			// unknown OR true is true.
			{"note <> 'n2' OR px < 3", func(i int) bool { return (hasNote(i) && !noteIs(i, "n2")) || i < 3 }},
			// unknown AND false is false, so its NOT is true.
			{"NOT (note = 'x' AND px = 5)", func(i int) bool { return hasNote(i) || i != 5 }},
			{"NOT (NULL AND px = 3)", func(i int) bool { return i != 3 }},
			{"NULL OR px = 3", func(i int) bool { return i == 3 }},
			{"NOT (NULL OR px = 3)", func(i int) bool { return false }},
			// IN with a NULL in the list is never false.
			{"px IN (1, NULL)", func(i int) bool { return i == 1 }},
			{"NOT (px IN (1, NULL))", func(i int) bool { return false }},
			{"px NOT IN (1, 2, 11)", func(i int) bool { return i != 1 && i != 2 && i != 11 }},
			// BETWEEN NULL AND 5 is unknown up to 5 and false above.
			{"NOT (px BETWEEN NULL AND 5)", func(i int) bool { return i > 5 }},
			{"px NOT BETWEEN 2 AND 9", func(i int) bool { return i < 2 || i > 9 }},
			// A field of a null record is null.
			{"NOT (order.side = 'buy')", func(i int) bool { return hasOrder(i) && i%2 == 1 }},
			{"order.id > 8 OR order.id IS NULL", func(i int) bool { return !hasOrder(i) || i > 8 }},
			{"NOT (order.id IS NULL) AND NOT (note IS NOT NULL)", func(i int) bool { return hasOrder(i) && !hasNote(i) }},
			{"(px < 2 OR px > 9) AND (note IS NULL OR \"order\" IS NULL)", func(i int) bool { return (i < 2 || i > 9) && (!hasNote(i) || !hasOrder(i)) }},
			{"NOT NOT (px = 4)", func(i int) bool { return i == 4 }},
			// Metadata and value columns together.
			{"_offset = 0 OR (note IS NULL AND _offset > 8)", func(i int) bool { return i == 0 || (!hasNote(i) && i > 8) }},
			{"NOT (_offset < 10 AND note IS NOT NULL)", func(i int) bool { return i >= 10 || !hasNote(i) }},
		} {
			t.Run(c.where, func(t *testing.T) {
				res := e.mustQuery(cn, "SELECT * FROM "+q(topic)+" WHERE "+c.where, map[string]string{"kafarr.read.batch_rows": "5"})
				var want [][]any
				for i := range 12 {
					if c.keep(i) {
						want = append(want, tickRow(0, i))
					}
				}
				wantRows(t, res, want)
			})
		}
	})
}

// TestReadConstantConditions checks conditions without columns: true ones
// read everything, false or NULL ones nothing, without a fetch; literal
// comparisons fold with SQL's rules.
func TestReadConstantConditions(t *testing.T) {
	forStacks(t, func(t *testing.T, e *env) {
		topic, _ := e.tickTopic(2, 5)
		cn := e.open(nil)
		fetches := e.logFetches()
		all := func(i int) bool { return true }
		none := func(i int) bool { return false }
		for _, c := range []struct {
			where string
			keep  func(i int) bool
			reads bool
		}{
			{"1=1", all, true},
			{"TRUE", all, true},
			{"NOT FALSE AND 'a' < 'b' AND 1.5 > 1 AND DATE '2024-01-02' > TIMESTAMP '2024-01-01 23:59:59'", all, true},
			{"1 IN (2, NULL) OR note = 'n4'", func(i int) bool { return i == 4 }, true},
			{"NULL IS NULL AND 2 BETWEEN 1 AND 3 AND 'abc' LIKE 'a_c' AND 'ABC' ILIKE 'a%'", all, true},
			{"1=0 OR note = 'n4'", func(i int) bool { return i == 4 }, true},
			{"FALSE", none, false},
			{"1=0", none, false},
			{"NULL", none, false},
			{"NOT NULL", none, false},
			{"1 = NULL", none, false},
			{"'x' NOT LIKE '%' OR NULL", none, false},
			{"px = 3 AND 1 = 0", none, false},
			{"1 = 0 AND _offset = 1", none, false},
		} {
			t.Run(c.where, func(t *testing.T) {
				res, pr := e.queryCounting(cn, "SELECT * FROM "+q(topic)+" WHERE "+c.where, nil)
				sortRows(res.rows)
				var want [][]any
				for p := int32(0); p < 2; p++ {
					for i := range 5 {
						if c.keep(i) {
							want = append(want, tickRow(p, i))
						}
					}
				}
				wantRows(t, res, want)
				wantCols(t, res, tickCols...)
				if !c.reads {
					if pr.total != 0 || pr.done != 0 {
						t.Errorf("a condition never true read %d of %d", pr.done, pr.total)
					}
					if r, _ := res.schema.Metadata().GetValue("kafarr.read.ranges"); r != "{}" {
						t.Errorf("kafarr.read.ranges = %s, want {}", r)
					}
				}
				if fetches != nil {
					if asked, n := fetches.take(); (n > 0) != c.reads {
						t.Errorf("%d fetch requests (%v); want some: %v", n, asked, c.reads)
					}
				}
			})
		}
		for _, c := range []struct{ where, msg string }{
			{"1 = 'a'", "cannot compare 1 with 'a' (line 1, column"},
			{"TRUE < 1", "boolean and integer literals do not compare"},
			{"1 LIKE 'a'", "LIKE takes a string on its left, not 1"},
		} {
			res := e.query(cn, "SELECT * FROM "+q(topic)+" WHERE "+c.where, nil)
			wantStatus(t, res.err, adbc.StatusInvalidArgument, c.msg)
		}
	})
}

// likeSchema has a nullable string and an enum to match patterns on.
const likeSchema = `{"type":"record","name":"Txt","namespace":"test.kafarr","fields":[
 {"name":"n","type":"long"},
 {"name":"s","type":["null","string"],"default":null},
 {"name":"side","type":{"type":"enum","name":"Side","symbols":["BUY","SELL","HOLD"]}}
]}`

// TestReadLike checks LIKE, NOT LIKE and ILIKE: % and _ (one character,
// not byte, newlines included), ESCAPE, NULL patterns and values, enums.
func TestReadLike(t *testing.T) {
	forStacks(t, func(t *testing.T, e *env) {
		topic := e.topic(1, nil)
		id := e.register(topic+"-value", likeSchema)
		strs := []any{"EURUSD", "EUR_USD", "eurgbp", "50%", "ünï", "", nil, "a\nb", "EUR!USD", `C:\x`}
		sides := []string{"BUY", "SELL", "BUY", "HOLD", "SELL", "BUY", "SELL", "HOLD", "BUY", "HOLD"}
		var recs []*kgo.Record
		for i, s := range strs {
			v := map[string]any{"n": int64(i), "s": nil, "side": sides[i]}
			if s != nil {
				v["s"] = goavro.Union("string", s)
			}
			recs = append(recs, rec(topic, 0, baseMs, nil, e.frame(likeSchema, id, v)))
		}
		e.produce(recs...)
		cn := e.open(nil)
		for _, c := range []struct {
			where string
			want  []int64
		}{
			{"s LIKE 'EUR%'", []int64{0, 1, 8}},
			{"s LIKE '%USD'", []int64{0, 1, 8}},
			{"s LIKE '%R%U%'", []int64{0, 1, 8}},
			{"s LIKE 'EUR_USD'", []int64{1, 8}},
			{`s LIKE 'EUR\_%' ESCAPE '\'`, []int64{1}},
			{"s LIKE 'EUR!!%' ESCAPE '!'", []int64{8}},
			{"s LIKE '50!%' ESCAPE '!'", []int64{3}},
			{"s LIKE '50%'", []int64{3}},
			// Without ESCAPE, a backslash is an ordinary character.
			{`s LIKE 'C:\%'`, []int64{9}},
			{"s LIKE '___'", []int64{3, 4, 7}},
			{"s LIKE '_'", nil},
			{"s LIKE ''", []int64{5}},
			{"s LIKE '%'", []int64{0, 1, 2, 3, 4, 5, 7, 8, 9}},
			{"s NOT LIKE 'EUR%'", []int64{2, 3, 4, 5, 7, 9}},
			{"NOT (s LIKE '%U%')", []int64{2, 3, 4, 5, 7, 9}},
			{"s LIKE 'EUR%' OR s IS NULL", []int64{0, 1, 6, 8}},
			{"s ILIKE 'eur%'", []int64{0, 1, 2, 8}},
			{"s ILIKE 'ÜN_'", []int64{4}},
			{"s NOT ILIKE '%USD'", []int64{2, 3, 4, 5, 7, 9}},
			{"s LIKE NULL", nil},
			{"NOT (s LIKE NULL)", nil},
			{"side LIKE 'S%'", []int64{1, 4, 6}},
			{"side NOT LIKE '%U%' AND n < 5", []int64{1, 3, 4}},
			{"s LIKE 'a%b' AND n >= 0", []int64{7}},
		} {
			t.Run(c.where, func(t *testing.T) {
				res := e.mustQuery(cn, "SELECT n FROM "+q(topic)+" WHERE "+c.where, nil)
				var want [][]any
				for _, n := range c.want {
					want = append(want, []any{n})
				}
				wantRows(t, res, want)
			})
		}
		for _, c := range []struct{ where, msg string }{
			{"n LIKE '1%'", "LIKE needs a string column; column n (line 1, column"},
			{"_key LIKE 'x'", "LIKE needs a string column; column _key"},
			{"_offset LIKE '1'", "LIKE needs a string column; column _offset"},
		} {
			res := e.query(cn, "SELECT n FROM "+q(topic)+" WHERE "+c.where, nil)
			wantStatus(t, res.err, adbc.StatusInvalidArgument, c.msg)
		}
	})
}

// TestReadOrderLimitWithOr checks ORDER BY and LIMIT over a union of
// ranges: tail and head windows span the ranges, LIMIT without ORDER BY
// stops in order, and a consumer group commits past the last range.
func TestReadOrderLimitWithOr(t *testing.T) {
	forStacks(t, func(t *testing.T, e *env) {
		topic, _ := e.tickTopic(3, 100)
		cn := e.open(nil)
		offsets := func(res result) []int64 {
			var out []int64
			for _, v := range res.col("_offset") {
				out = append(out, v.(int64))
			}
			return out
		}
		or := " WHERE _partition = 0 AND (_offset < 10 OR _offset >= 90)"
		for _, c := range []struct {
			sql    string
			want   []int64
			ranges string
			done   int64
		}{
			{"SELECT _offset FROM " + q(topic) + or + " ORDER BY _offset DESC LIMIT 12",
				[]int64{99, 98, 97, 96, 95, 94, 93, 92, 91, 90, 9, 8}, `{"0":[[8,10],[90,100]]}`, 12},
			{"SELECT _offset FROM " + q(topic) + or + " ORDER BY _offset LIMIT 12",
				[]int64{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 90, 91}, `{"0":[[0,10],[90,92]]}`, 12},
			{"SELECT _offset FROM " + q(topic) + or + " ORDER BY _offset DESC LIMIT 3",
				[]int64{99, 98, 97}, `{"0":[[97,100]]}`, 3},
			{"SELECT _offset FROM " + q(topic) + or + " LIMIT 13",
				[]int64{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 90, 91, 92}, `{"0":[[0,10],[90,100]]}`, 13},
			{"SELECT _offset FROM " + q(topic) + or + " AND px <> 5 LIMIT 11",
				[]int64{0, 1, 2, 3, 4, 6, 7, 8, 9, 90, 91}, `{"0":[[0,10],[90,100]]}`, -1},
		} {
			t.Run(c.sql, func(t *testing.T) {
				res, pr := e.queryCounting(cn, c.sql, map[string]string{"kafarr.read.batch_rows": "4"})
				if got := offsets(res); !slices.Equal(got, c.want) {
					t.Fatalf("offsets %v, want %v", got, c.want)
				}
				if r, _ := res.schema.Metadata().GetValue("kafarr.read.ranges"); r != c.ranges {
					t.Errorf("kafarr.read.ranges = %s, want %s", r, c.ranges)
				}
				if c.done >= 0 && pr.done != c.done {
					t.Errorf("read %d records, want %d", pr.done, c.done)
				}
			})
		}
		// Across partitions, the latest timestamps of the union.
		res := e.mustQuery(cn, "SELECT _partition, _offset FROM "+q(topic)+" WHERE _offset < 10 OR _offset >= 90 ORDER BY _timestamp DESC LIMIT 4", nil)
		wantRows(t, res, [][]any{{int32(2), int64(99)}, {int32(1), int64(99)}, {int32(0), int64(99)}, {int32(2), int64(98)}})

		// A consumer group reads the union once, then nothing.
		group := "or-" + topic
		opts := map[string]string{"kafarr.consumer.group": group}
		res = e.mustQuery(cn, "SELECT _offset FROM "+q(topic)+" WHERE _partition = 1 AND (_offset < 3 OR _offset >= 98)", opts)
		if got := offsets(res); !slices.Equal(got, []int64{0, 1, 2, 98, 99}) {
			t.Fatalf("group read %v", got)
		}
		res = e.mustQuery(cn, "SELECT _offset FROM "+q(topic)+" WHERE _partition = 1", opts)
		wantRows(t, res, nil)
	})
}

// TestReadPartitionsWithOr splits a union of ranges into one descriptor
// per range; their union is the query's result.
func TestReadPartitionsWithOr(t *testing.T) {
	forStacks(t, func(t *testing.T, e *env) {
		topic, _ := e.tickTopic(3, 20)
		cn := e.open(nil)
		sql := "SELECT _partition, _offset FROM " + q(topic) + " WHERE (_offset < 2 OR _offset >= 18) AND NOT _partition = 1"
		_, parts, err := executePartitions(t, cn, sql, nil)
		if err != nil {
			t.Fatal(err)
		}
		if parts.NumPartitions != 4 {
			t.Fatalf("%d descriptors, want 4 (two ranges of partitions 0 and 2)", parts.NumPartitions)
		}
		var got [][]any
		for _, d := range parts.PartitionIDs {
			res := e.readPartition(e.open(nil), d)
			if res.err != nil {
				t.Fatal(res.err)
			}
			if len(res.rows) != 2 {
				t.Errorf("descriptor %s read %d rows, want 2", d, len(res.rows))
			}
			got = append(got, res.rows...)
		}
		slices.SortFunc(got, func(a, b []any) int {
			return strings.Compare(fmt.Sprint(a[0], "/", a[1]), fmt.Sprint(b[0], "/", b[1]))
		})
		var want [][]any
		for _, p := range []int32{0, 2} {
			for _, o := range []int64{0, 1, 18, 19} {
				want = append(want, []any{p, o})
			}
		}
		slices.SortFunc(want, func(a, b []any) int {
			return strings.Compare(fmt.Sprint(a[0], "/", a[1]), fmt.Sprint(b[0], "/", b[1]))
		})
		wantRows(t, result{rows: got}, want)
	})
}

// TestReadSQLNotImplemented checks that SQL outside the driver's grammar is
// NotImplemented with SQLSTATE 0A000, naming the construct, where it is
// and where to run it: the command line's full SQL and DuckDB.
func TestReadSQLNotImplemented(t *testing.T) {
	forStacks(t, func(t *testing.T, e *env) {
		topic, _ := e.tickTopic(1, 2)
		other, _ := e.tickTopic(1, 2)
		cn := e.open(nil)
		const where = `kafarr sql "..." (the kafarr command line's full SQL, through embedded DuckDB), or DuckDB over the Arrow result`
		for _, c := range []struct{ sql, construct string }{
			{"SELECT inst, count(*) FROM " + q(topic) + " GROUP BY inst", "function count() is not supported (line 1, column 14)"},
			{"SELECT inst FROM " + q(topic) + " GROUP BY inst", "GROUP BY is not supported"},
			{"SELECT DISTINCT inst FROM " + q(topic), "DISTINCT is not supported (line 1, column 8)"},
			{"SELECT * FROM " + q(topic) + " a JOIN " + q(other) + " b ON a.px = b.px", "JOIN is not supported"},
			{"SELECT * FROM " + q(topic) + ", " + q(other), "JOIN is not supported"},
			{"SELECT px, row_number() OVER (ORDER BY px) FROM " + q(topic), "function row_number() is not supported"},
			{"SELECT * FROM " + q(topic) + " WHERE px IN (SELECT px FROM " + q(other) + ")", "a subquery is not supported"},
			{"SELECT * FROM " + q(topic) + " UNION SELECT * FROM " + q(other), "UNION is not supported"},
			{"WITH x AS (SELECT 1) SELECT * FROM x", "WITH (common table expression) is not supported (line 1, column 1)"},
			{"SELECT upper(inst) FROM " + q(topic), "function upper() is not supported"},
			{"SELECT * FROM " + q(topic) + " ORDER BY px", "ORDER BY px (line 1, column"},
		} {
			res := e.query(cn, c.sql, nil)
			wantStatus(t, res.err, adbc.StatusNotImplemented, c.construct, where)
			var ae adbc.Error
			if errors.As(res.err, &ae) && string(ae.SqlState[:]) != "0A000" {
				t.Errorf("%s: SQLSTATE %q, want 0A000", c.sql, ae.SqlState[:])
			}
		}
	})
}
