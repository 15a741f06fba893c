package sqlparse

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-adbc/go/adbc"
)

func col(path ...string) ColumnRef { return ColumnRef{Path: path} }

func intLit(n int64) Literal {
	return Literal{Kind: LitInt, Int: n, Text: strconv.FormatInt(n, 10)}
}

func floatLit(text string) Literal {
	f, err := strconv.ParseFloat(text, 64)
	if err != nil {
		panic(err)
	}
	return Literal{Kind: LitFloat, Float: f, Text: text}
}

func strLit(s string) Literal   { return Literal{Kind: LitString, Str: s} }
func boolLit(b bool) Literal    { return Literal{Kind: LitBool, Bool: b} }
func tsLit(t time.Time) Literal { return Literal{Kind: LitTimestamp, Time: t} }

var nullLit = Literal{Kind: LitNull}

func dateLit(y int, m time.Month, d int) Literal {
	return Literal{Kind: LitDate, Time: time.Date(y, m, d, 0, 0, 0, 0, time.UTC)}
}

func term(c ColumnRef, op Op, vals ...Literal) *Term { return &Term{Column: c, Op: op, Values: vals} }

// lterm is a comparison with a literal on the left.
func lterm(l Literal, op Op, vals ...Literal) *Term { return &Term{Left: &l, Op: op, Values: vals} }

func qcol(qual string, path ...string) ColumnRef { return ColumnRef{Qualifier: qual, Path: path} }

// where is the WHERE of its terms: the one term, or their AND.
func where(es ...Expr) Expr {
	if len(es) == 1 {
		return es[0]
	}
	return and(es...)
}

func and(es ...Expr) Expr { return &Logic{Op: And, Args: es} }
func or(es ...Expr) Expr  { return &Logic{Op: Or, Args: es} }
func not(e Expr) Expr     { return &Not{X: e} }

// stripPos returns a copy of s with every Pos zeroed, to compare parses of
// differently spelled SQL.
func stripPos(s Stmt) Stmt {
	switch s := s.(type) {
	case *Query:
		q := *s
		if s.Columns != nil {
			q.Columns = make([]ColumnRef, len(s.Columns))
			for i, c := range s.Columns {
				q.Columns[i] = stripCol(c)
			}
		}
		q.Where = stripExpr(s.Where)
		if s.OrderBy != nil {
			q.OrderBy = &OrderBy{Column: stripCol(s.OrderBy.Column), Desc: s.OrderBy.Desc}
		}
		return &q
	case *ConstantQuery:
		out := &ConstantQuery{Constants: make([]Constant, len(s.Constants))}
		for i, c := range s.Constants {
			c.Value.Pos = 0
			out.Constants[i] = c
		}
		return out
	case *DropTable:
		d := *s
		return &d
	}
	return s
}

func stripCol(c ColumnRef) ColumnRef { return ColumnRef{Qualifier: c.Qualifier, Path: c.Path} }

func stripLits(ls []Literal) []Literal {
	if ls == nil {
		return nil
	}
	out := make([]Literal, len(ls))
	for i, l := range ls {
		l.Pos = 0
		out[i] = l
	}
	return out
}

func stripExpr(e Expr) Expr {
	switch e := e.(type) {
	case *Term:
		t := *e
		t.Column = stripCol(t.Column)
		if t.Left != nil {
			l := *t.Left
			l.Pos = 0
			t.Left = &l
		}
		t.Values = stripLits(t.Values)
		return &t
	case *Logic:
		args := make([]Expr, len(e.Args))
		for i, a := range e.Args {
			args[i] = stripExpr(a)
		}
		return &Logic{Op: e.Op, Args: args}
	case *Not:
		return &Not{X: stripExpr(e.X)}
	case *Const:
		c := *e
		c.Value.Pos = 0
		return &c
	}
	return nil
}

func TestParse(t *testing.T) {
	day := func(d int) time.Time { return time.Date(2024, 1, d, 0, 0, 0, 0, time.UTC) }
	tests := []struct {
		sql   string
		want  Stmt
		canon string // want.String()
	}{
		// pykafarr, pandas and Polars style queries.
		{
			"SELECT * FROM ticks LIMIT 100000",
			&Query{Star: true, Topic: "ticks", Limit: 100000},
			"SELECT * FROM ticks LIMIT 100000",
		},
		{
			`SELECT * FROM "orders.v1" WHERE _partition IN (0, 2) AND _offset >= 100 ORDER BY _offset DESC LIMIT 10`,
			&Query{Star: true, Topic: "orders.v1", Where: where(
				term(col("_partition"), OpIn, intLit(0), intLit(2)),
				term(col("_offset"), OpGe, intLit(100)),
			), OrderBy: &OrderBy{Column: col("_offset"), Desc: true}, Limit: 10},
			"SELECT * FROM orders.v1 WHERE _partition IN (0, 2) AND _offset >= 100 ORDER BY _offset DESC LIMIT 10",
		},
		{
			"SELECT inst, bid FROM ticks WHERE _timestamp BETWEEN TIMESTAMP '2024-01-01 00:00:00' AND TIMESTAMP '2024-01-02T00:00:00Z'",
			&Query{Columns: []ColumnRef{col("inst"), col("bid")}, Topic: "ticks", Where: where(
				term(col("_timestamp"), OpBetween, tsLit(day(1)), tsLit(day(2))),
			), Limit: -1},
			"SELECT inst, bid FROM ticks WHERE _timestamp BETWEEN TIMESTAMP '2024-01-01 00:00:00Z' AND TIMESTAMP '2024-01-02 00:00:00Z'",
		},
		{
			"select * from ticks where inst = 'GBPUSD' and bid > 1.25",
			&Query{Star: true, Topic: "ticks", Where: where(
				term(col("inst"), OpEq, strLit("GBPUSD")),
				term(col("bid"), OpGt, floatLit("1.25")),
			), Limit: -1},
			"SELECT * FROM ticks WHERE inst = 'GBPUSD' AND bid > 1.25",
		},
		{`SELECT * FROM "topic"`, &Query{Star: true, Topic: "topic", Limit: -1}, "SELECT * FROM topic"},
		// pandas' read_sql_table writes the table name unquoted.
		{"SELECT * FROM orders.v1", &Query{Star: true, Topic: "orders.v1", Limit: -1}, "SELECT * FROM orders.v1"},
		{"SELECT inst, bid FROM ticks-eu", &Query{Columns: []ColumnRef{col("inst"), col("bid")}, Topic: "ticks-eu", Limit: -1}, "SELECT inst, bid FROM ticks-eu"},
		{"SELECT * FROM 2024-01.raw_x", &Query{Star: true, Topic: "2024-01.raw_x", Limit: -1}, "SELECT * FROM 2024-01.raw_x"},
		{"SELECT * FROM ticks;", &Query{Star: true, Topic: "ticks", Limit: -1}, "SELECT * FROM ticks"},
		{"SELECT * FROM ticks ; ; ", &Query{Star: true, Topic: "ticks", Limit: -1}, "SELECT * FROM ticks"},
		{`DROP TABLE "t"`, &DropTable{Topic: "t"}, "DROP TABLE t"},
		{"drop table if exists orders.v1;", &DropTable{Topic: "orders.v1", IfExists: true}, "DROP TABLE IF EXISTS orders.v1"},
		{"DROP TABLE if", &DropTable{Topic: "if"}, "DROP TABLE if"},
		{`DROP TABLE IF EXISTS "if"`, &DropTable{Topic: "if", IfExists: true}, "DROP TABLE IF EXISTS if"},
		{`DROP TABLE "my topic"`, &DropTable{Topic: "my topic"}, `DROP TABLE "my topic"`},

		// Every operator.
		{
			"SELECT a FROM t WHERE a = 1 AND b != 2 AND c <> 3 AND d < 4 AND e <= 5 AND f > 6 AND g >= 7 AND h IN ('x') AND i BETWEEN -1 AND 1 AND j IS NULL AND k IS NOT NULL",
			&Query{Columns: []ColumnRef{col("a")}, Topic: "t", Limit: -1, Where: where(
				term(col("a"), OpEq, intLit(1)),
				term(col("b"), OpNe, intLit(2)),
				term(col("c"), OpNe, intLit(3)),
				term(col("d"), OpLt, intLit(4)),
				term(col("e"), OpLe, intLit(5)),
				term(col("f"), OpGt, intLit(6)),
				term(col("g"), OpGe, intLit(7)),
				term(col("h"), OpIn, strLit("x")),
				term(col("i"), OpBetween, intLit(-1), intLit(1)),
				term(col("j"), OpIsNull),
				term(col("k"), OpIsNotNull),
			)},
			"SELECT a FROM t WHERE a = 1 AND b <> 2 AND c <> 3 AND d < 4 AND e <= 5 AND f > 6 AND g >= 7 AND h IN ('x') AND i BETWEEN -1 AND 1 AND j IS NULL AND k IS NOT NULL",
		},
		// Every literal kind.
		{
			"SELECT * FROM t WHERE a IN (-5, +5, 007, 9223372036854775807, -9223372036854775808, - 3)",
			&Query{Star: true, Topic: "t", Limit: -1, Where: where(term(col("a"), OpIn,
				intLit(-5), intLit(5), Literal{Kind: LitInt, Int: 7, Text: "007"},
				intLit(math.MaxInt64), intLit(math.MinInt64), intLit(-3)))},
			"SELECT * FROM t WHERE a IN (-5, 5, 007, 9223372036854775807, -9223372036854775808, -3)",
		},
		{
			"SELECT * FROM t WHERE a IN (1.5e3, .5, -0.0, 1., 2E-7, 1e-400, 0.1000000000000000055511151231257827)",
			&Query{Star: true, Topic: "t", Limit: -1, Where: where(term(col("a"), OpIn,
				floatLit("1.5e3"), floatLit(".5"), floatLit("-0.0"), floatLit("1."), floatLit("2E-7"),
				floatLit("1e-400"), floatLit("0.1000000000000000055511151231257827")))},
			"SELECT * FROM t WHERE a IN (1.5e3, .5, -0.0, 1., 2E-7, 1e-400, 0.1000000000000000055511151231257827)",
		},
		{
			"SELECT * FROM t WHERE s IN ('it''s', '', 'ünï', 'two\nlines', '\"')",
			&Query{Star: true, Topic: "t", Limit: -1, Where: where(term(col("s"), OpIn,
				strLit("it's"), strLit(""), strLit("ünï"), strLit("two\nlines"), strLit(`"`)))},
			"SELECT * FROM t WHERE s IN ('it''s', '', 'ünï', 'two\nlines', '\"')",
		},
		{
			"SELECT * FROM t WHERE b IN (TRUE, false, Null) AND d = DATE '2024-02-29' AND ts < timestamp '2024-01-01 02:30:00.25+02:00'",
			&Query{Star: true, Topic: "t", Limit: -1, Where: where(
				term(col("b"), OpIn, boolLit(true), boolLit(false), nullLit),
				term(col("d"), OpEq, dateLit(2024, 2, 29)),
				term(col("ts"), OpLt, tsLit(time.Date(2024, 1, 1, 0, 30, 0, 250000000, time.UTC))),
			)},
			"SELECT * FROM t WHERE b IN (TRUE, FALSE, NULL) AND d = DATE '2024-02-29' AND ts < TIMESTAMP '2024-01-01 00:30:00.25Z'",
		},
		// Quoting, escaping and case: keywords fold, names never do.
		{
			"SELECT \"Bid\", \"a\"\"b\", `x``y`, Inst FROM `Ticks`",
			&Query{Columns: []ColumnRef{col("Bid"), col(`a"b`), col("x`y"), col("Inst")}, Topic: "Ticks", Limit: -1},
			`SELECT Bid, "a""b", "x` + "`" + `y", Inst FROM Ticks`,
		},
		{
			"SeLeCt * FrOm Ticks WhErE a Is NoT nUlL aNd b bEtWeEn 1 AnD 2 oRdEr By _offset AsC lImIt 5",
			&Query{Star: true, Topic: "Ticks", Limit: 5, Where: where(
				term(col("a"), OpIsNotNull),
				term(col("b"), OpBetween, intLit(1), intLit(2)),
			), OrderBy: &OrderBy{Column: col("_offset")}},
			"SELECT * FROM Ticks WHERE a IS NOT NULL AND b BETWEEN 1 AND 2 ORDER BY _offset LIMIT 5",
		},
		{
			`SELECT "select", "Order", "my col" FROM "SELECT"`,
			&Query{Columns: []ColumnRef{col("select"), col("Order"), col("my col")}, Topic: "SELECT", Limit: -1},
			`SELECT "select", "Order", "my col" FROM "SELECT"`,
		},
		// Nested paths, including a keyword as the first name of a path.
		{
			`SELECT "order"."id", order.id, a.b.c, a."B c", é.ü FROM t WHERE order.total > 5 ORDER BY "order" . ts DESC`,
			&Query{Columns: []ColumnRef{col("order", "id"), col("order", "id"), col("a", "b", "c"), col("a", "B c"), col("é", "ü")},
				Topic: "t", Limit: -1,
				Where:   term(col("order", "total"), OpGt, intLit(5)),
				OrderBy: &OrderBy{Column: col("order", "ts"), Desc: true}},
			`SELECT "order".id, "order".id, a.b.c, a."B c", "é"."ü" FROM t WHERE "order".total > 5 ORDER BY "order".ts DESC`,
		},
		// Words that are types or functions elsewhere are plain names here.
		{
			"SELECT timestamp, date, count, if FROM t WHERE timestamp > TIMESTAMP '2024-01-01' AND date = DATE '2024-01-02'",
			&Query{Columns: []ColumnRef{col("timestamp"), col("date"), col("count"), col("if")}, Topic: "t", Limit: -1,
				Where: where(
					term(col("timestamp"), OpGt, tsLit(day(1))),
					term(col("date"), OpEq, dateLit(2024, 1, 2)),
				)},
			"SELECT timestamp, date, count, if FROM t WHERE timestamp > TIMESTAMP '2024-01-01 00:00:00Z' AND date = DATE '2024-01-02'",
		},
		// Parenthesised groups flatten; comments and line breaks are space.
		{
			"SELECT * -- everything\nFROM t /* the topic */\nWHERE (a = 1 AND (b = 2)) AND ((c = 3))",
			&Query{Star: true, Topic: "t", Limit: -1, Where: where(
				term(col("a"), OpEq, intLit(1)),
				term(col("b"), OpEq, intLit(2)),
				term(col("c"), OpEq, intLit(3)),
			)},
			"SELECT * FROM t WHERE a = 1 AND b = 2 AND c = 3",
		},
		// Table aliases and qualified columns: a dotted path's first name
		// is a qualifier when it is the alias, or the topic's name
		// without one; otherwise it is a path into a record.
		{"SELECT t.bid FROM ticks t", &Query{Columns: []ColumnRef{qcol("t", "bid")}, Topic: "ticks", Alias: "t", Limit: -1}, "SELECT t.bid FROM ticks AS t"},
		{"SELECT k.t FROM ticks AS k", &Query{Columns: []ColumnRef{qcol("k", "t")}, Topic: "ticks", Alias: "k", Limit: -1}, "SELECT k.t FROM ticks AS k"},
		{
			"SELECT ticks.bid, bid.x FROM ticks WHERE ticks.bid > 1 ORDER BY ticks._offset",
			&Query{Columns: []ColumnRef{qcol("ticks", "bid"), col("bid", "x")}, Topic: "ticks", Limit: -1,
				Where:   term(qcol("ticks", "bid"), OpGt, intLit(1)),
				OrderBy: &OrderBy{Column: qcol("ticks", "_offset")}},
			"SELECT ticks.bid, bid.x FROM ticks WHERE ticks.bid > 1 ORDER BY ticks._offset",
		},
		{
			`SELECT "orders.v1".id, orders.v1.id FROM "orders.v1"`,
			&Query{Columns: []ColumnRef{qcol("orders.v1", "id"), col("orders", "v1", "id")}, Topic: "orders.v1", Limit: -1},
			`SELECT "orders.v1".id, orders.v1.id FROM orders.v1`,
		},
		// With an alias, the topic's name no longer qualifies.
		{"SELECT ticks.bid FROM ticks x", &Query{Columns: []ColumnRef{col("ticks", "bid")}, Topic: "ticks", Alias: "x", Limit: -1}, "SELECT ticks.bid FROM ticks AS x"},
		{`SELECT "T".a, T.a FROM t "T"`, &Query{Columns: []ColumnRef{qcol("T", "a"), qcol("T", "a")}, Topic: "t", Alias: "T", Limit: -1}, "SELECT T.a, T.a FROM t AS T"},
		{`SELECT t.a FROM t AS "my alias"`, &Query{Columns: []ColumnRef{col("t", "a")}, Topic: "t", Alias: "my alias", Limit: -1}, `SELECT t.a FROM t AS "my alias"`},
		// A record column named like the alias: t.x is the top-level x,
		// t.t.x the record's field; t alone is the column.
		{"SELECT t.t.x, t.x, t FROM ticks t", &Query{Columns: []ColumnRef{qcol("t", "t", "x"), qcol("t", "x"), col("t")}, Topic: "ticks", Alias: "t", Limit: -1},
			"SELECT t.t.x, t.x, t FROM ticks AS t"},
		// * beside other columns, and alias.*.
		{"SELECT *, _key, _headers FROM ticks", &Query{Star: true, Columns: []ColumnRef{col("_key"), col("_headers")}, Topic: "ticks", Limit: -1},
			"SELECT *, _key, _headers FROM ticks"},
		{"SELECT _offset, * FROM t", &Query{Star: true, StarAt: 1, Columns: []ColumnRef{col("_offset")}, Topic: "t", Limit: -1}, "SELECT _offset, * FROM t"},
		{"SELECT t.*, t._key FROM ticks t", &Query{Star: true, Columns: []ColumnRef{qcol("t", "_key")}, Topic: "ticks", Alias: "t", Limit: -1},
			"SELECT *, t._key FROM ticks AS t"},
		{"SELECT ticks.* FROM ticks", &Query{Star: true, Topic: "ticks", Limit: -1}, "SELECT * FROM ticks"},
		// OR, NOT and parentheses; AND binds tighter than OR.
		{
			"SELECT * FROM t WHERE _partition = 0 OR _partition = 2",
			&Query{Star: true, Topic: "t", Limit: -1, Where: or(term(col("_partition"), OpEq, intLit(0)), term(col("_partition"), OpEq, intLit(2)))},
			"SELECT * FROM t WHERE _partition = 0 OR _partition = 2",
		},
		{
			"SELECT * FROM t WHERE a = 1 OR b = 2 AND c = 3",
			&Query{Star: true, Topic: "t", Limit: -1, Where: or(term(col("a"), OpEq, intLit(1)),
				and(term(col("b"), OpEq, intLit(2)), term(col("c"), OpEq, intLit(3))))},
			"SELECT * FROM t WHERE a = 1 OR b = 2 AND c = 3",
		},
		{
			"SELECT * FROM t WHERE (a = 1 OR b = 2) AND c = 3 AND (d = 4 OR (e = 5 OR f = 6))",
			&Query{Star: true, Topic: "t", Limit: -1, Where: and(
				or(term(col("a"), OpEq, intLit(1)), term(col("b"), OpEq, intLit(2))),
				term(col("c"), OpEq, intLit(3)),
				or(term(col("d"), OpEq, intLit(4)), term(col("e"), OpEq, intLit(5)), term(col("f"), OpEq, intLit(6))))},
			"SELECT * FROM t WHERE (a = 1 OR b = 2) AND c = 3 AND (d = 4 OR e = 5 OR f = 6)",
		},
		{
			"SELECT * FROM t WHERE NOT (a = 1 OR b IS NULL) AND c NOT IN (1, 2) AND d NOT BETWEEN 1 AND 2 AND e NOT LIKE 'x%' ESCAPE '!' AND f ILIKE 'A_' AND g not ilike '%' AND NOT NOT h LIKE ''",
			&Query{Star: true, Topic: "t", Limit: -1, Where: and(
				not(or(term(col("a"), OpEq, intLit(1)), term(col("b"), OpIsNull))),
				not(term(col("c"), OpIn, intLit(1), intLit(2))),
				not(term(col("d"), OpBetween, intLit(1), intLit(2))),
				not(term(col("e"), OpLike, strLit("x%"), strLit("!"))),
				term(col("f"), OpILike, strLit("A_")),
				not(term(col("g"), OpILike, strLit("%"))),
				not(not(term(col("h"), OpLike, strLit("")))))},
			"SELECT * FROM t WHERE NOT (a = 1 OR b IS NULL) AND NOT c IN (1, 2) AND NOT d BETWEEN 1 AND 2 AND NOT e LIKE 'x%' ESCAPE '!' AND f ILIKE 'A_' AND NOT g ILIKE '%' AND NOT NOT h LIKE ''",
		},
		{
			"SELECT * FROM t WHERE a LIKE NULL OR a LIKE 'x' ESCAPE ''",
			&Query{Star: true, Topic: "t", Limit: -1, Where: or(term(col("a"), OpLike, nullLit), term(col("a"), OpLike, strLit("x"), strLit("")))},
			"SELECT * FROM t WHERE a LIKE NULL OR a LIKE 'x' ESCAPE ''",
		},
		// Constant conditions.
		{"SELECT * FROM t WHERE 1=1", &Query{Star: true, Topic: "t", Limit: -1, Where: lterm(intLit(1), OpEq, intLit(1))}, "SELECT * FROM t WHERE 1 = 1"},
		{"SELECT * FROM t WHERE TRUE", &Query{Star: true, Topic: "t", Limit: -1, Where: &Const{Value: boolLit(true)}}, "SELECT * FROM t WHERE TRUE"},
		{
			"SELECT * FROM t WHERE NOT FALSE AND NULL OR 'a' LIKE 'a%' OR -1 IN (1, NULL) OR NULL IS NULL OR 2 NOT BETWEEN 1 AND 3",
			&Query{Star: true, Topic: "t", Limit: -1, Where: or(
				and(not(&Const{Value: boolLit(false)}), &Const{Value: nullLit}),
				lterm(strLit("a"), OpLike, strLit("a%")),
				lterm(intLit(-1), OpIn, intLit(1), nullLit),
				lterm(nullLit, OpIsNull),
				not(lterm(intLit(2), OpBetween, intLit(1), intLit(3))))},
			"SELECT * FROM t WHERE NOT FALSE AND NULL OR 'a' LIKE 'a%' OR -1 IN (1, NULL) OR NULL IS NULL OR NOT 2 BETWEEN 1 AND 3",
		},
		{"SELECT * FROM t LIMIT 0", &Query{Star: true, Topic: "t", Limit: 0}, "SELECT * FROM t LIMIT 0"},
		{"SELECT * FROM t LIMIT ALL", &Query{Star: true, Topic: "t", Limit: -1}, "SELECT * FROM t"},
		{"SELECT * FROM t ORDER BY _timestamp", &Query{Star: true, Topic: "t", Limit: -1, OrderBy: &OrderBy{Column: col("_timestamp")}}, "SELECT * FROM t ORDER BY _timestamp"},
		// Constant queries.
		{"SELECT 1", &ConstantQuery{Constants: []Constant{{Name: "1", Value: intLit(1)}}}, "SELECT 1"},
		{"select 1;", &ConstantQuery{Constants: []Constant{{Name: "1", Value: intLit(1)}}}, "SELECT 1"},
		{
			`SELECT 'a' AS x, -2.5 AS "Y Z", TRUE, NULL, DATE '2024-01-02' AS d, TIMESTAMP '2024-01-01 00:00:00', 1 AS "1"`,
			&ConstantQuery{Constants: []Constant{
				{Name: "x", Value: strLit("a")},
				{Name: "Y Z", Value: floatLit("-2.5")},
				{Name: "TRUE", Value: boolLit(true)},
				{Name: "NULL", Value: nullLit},
				{Name: "d", Value: dateLit(2024, 1, 2)},
				{Name: "TIMESTAMP '2024-01-01 00:00:00Z'", Value: tsLit(day(1))},
				{Name: "1", Value: intLit(1)},
			}},
			`SELECT 'a' AS x, -2.5 AS "Y Z", TRUE, NULL, DATE '2024-01-02' AS d, TIMESTAMP '2024-01-01 00:00:00Z', 1`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.sql, func(t *testing.T) {
			got, err := Parse(tt.sql)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if !reflect.DeepEqual(stripPos(got), tt.want) {
				t.Fatalf("Parse =\n%#v\nwant\n%#v", stripPos(got), tt.want)
			}
			if s := got.String(); s != tt.canon {
				t.Fatalf("String() = %q, want %q", s, tt.canon)
			}
			again, err := Parse(tt.canon)
			if err != nil {
				t.Fatalf("Parse(String()): %v", err)
			}
			if !reflect.DeepEqual(stripPos(again), tt.want) {
				t.Fatalf("Parse(String()) =\n%#v\nwant\n%#v", stripPos(again), tt.want)
			}
		})
	}
}

func TestParsePositions(t *testing.T) {
	sql := "SELECT a,\n  b.c FROM t WHERE x = -1 AND y IN ('s', 2) ORDER BY z"
	stmt, err := Parse(sql)
	if err != nil {
		t.Fatal(err)
	}
	q := stmt.(*Query)
	at := func(what string, pos int, want string) {
		t.Helper()
		if !strings.HasPrefix(sql[pos:], want) {
			t.Errorf("%s at %d: %q, want it to start %q", what, pos, sql[pos:], want)
		}
	}
	at("column a", q.Columns[0].Pos, "a,")
	at("column b.c", q.Columns[1].Pos, "b.c FROM")
	w := Terms(q.Where)
	at("where x", w[0].Column.Pos, "x = ")
	at("literal -1", w[0].Values[0].Pos, "-1 AND")
	at("literal 's'", w[1].Values[0].Pos, "'s'")
	at("literal 2", w[1].Values[1].Pos, "2)")
	at("order by z", q.OrderBy.Column.Pos, "z")
	if line, col := LineCol(sql, q.Columns[1].Pos); line != 2 || col != 3 {
		t.Errorf("b.c at %d:%d, want 2:3", line, col)
	}
}

// adbcErr asserts err is an adbc.Error and returns it.
func adbcErr(t *testing.T, err error) adbc.Error {
	t.Helper()
	var ae adbc.Error
	if !errors.As(err, &ae) {
		t.Fatalf("error %v (%T) is not an adbc.Error", err, err)
	}
	return ae
}

func TestParseErrorMessages(t *testing.T) {
	tests := []struct {
		sql   string
		code  adbc.Status
		state string
		msg   string
	}{
		{"SELECT inst, bid FORM ticks", adbc.StatusInvalidArgument, "42601",
			`kafarr: syntax error at line 1, column 18 near "FORM": expected ',' or FROM`},
		{"SELECT * FORM ticks", adbc.StatusInvalidArgument, "42601",
			`kafarr: syntax error at line 1, column 10 near "FORM": expected ',' or FROM`},
		{"SELECT * FROM ticks WHERE", adbc.StatusInvalidArgument, "42601",
			`kafarr: syntax error at line 1, column 26 near end of input: expected column`},
		{"SELECT *\nFROM t\nWHERE a = 'x", adbc.StatusInvalidArgument, "42601",
			`kafarr: syntax error at line 3, column 11 near "'x": unterminated string literal`},
		{"", adbc.StatusInvalidArgument, "42601",
			`kafarr: syntax error at line 1, column 1 near end of input: empty query: expected SELECT or DROP TABLE`},
		{"SELECT * FROM t LIMIT -1", adbc.StatusInvalidArgument, "2201W",
			`kafarr: invalid LIMIT at line 1, column 23 near "-": LIMIT must be a non-negative integer`},
		{"SELECT * FROM t WHERE a = 9223372036854775808", adbc.StatusInvalidArgument, "22003",
			`kafarr: invalid number at line 1, column 27 near "9223372036854775808": integer out of range for int64 (-9223372036854775808 to 9223372036854775807)`},
		{"SELECT * FROM t WHERE ts > TIMESTAMP '2024-02-30 00:00:00'", adbc.StatusInvalidArgument, "22007",
			`kafarr: invalid TIMESTAMP literal at line 1, column 38 near "'2024-02-30 00:00:00'": day out of range for the month; want 'YYYY-MM-DD HH:MM:SS[.fffffffff][Z|±HH:MM]'`},
		{"SELECT order FROM t", adbc.StatusInvalidArgument, "42601",
			`kafarr: syntax error at line 1, column 8 near "order": expected column, literal or * (order is a keyword; quote it to use it as a name: "order")`},
		{"SELECT inst FROM ticks GROUP BY inst", adbc.StatusNotImplemented, "0A000",
			`kafarr: GROUP BY is not supported (line 1, column 24); ` + supportedGrammar +
				`; run aggregations with kafarr sql "..." (the kafarr command line's full SQL, through embedded DuckDB), ` +
				`or DuckDB over the Arrow result (duckdb.sql("... FROM tbl") on tbl = cursor.fetch_arrow_table())`},
		{"SELECT count(*) FROM ticks", adbc.StatusNotImplemented, "0A000",
			`kafarr: function count() is not supported (line 1, column 8); ` + supportedGrammar +
				`; run aggregations with kafarr sql "..." (the kafarr command line's full SQL, through embedded DuckDB), ` +
				`or DuckDB over the Arrow result (duckdb.sql("... FROM tbl") on tbl = cursor.fetch_arrow_table())`},
		{"SELECT * FROM a t JOIN b u ON t.x = u.x", adbc.StatusNotImplemented, "0A000",
			`kafarr: JOIN is not supported (line 1, column 19); ` + supportedGrammar +
				`; run it with kafarr sql "..." (the kafarr command line's full SQL, through embedded DuckDB), ` +
				`or DuckDB over the Arrow result (duckdb.sql("... FROM tbl") on tbl = cursor.fetch_arrow_table())`},
		{"SELECT * FROM t WHERE 1", adbc.StatusInvalidArgument, "42804",
			`kafarr: not a condition at line 1, column 23 near "1": an integer literal is not a condition; write a comparison (col = 1), TRUE or FALSE`},
		{"SELECT * FROM t WHERE a LIKE 'x!' ESCAPE '!'", adbc.StatusInvalidArgument, "22025",
			`kafarr: invalid escape sequence at line 1, column 30 near "'x!'": the LIKE pattern ends with its escape character`},
		{"SELECT * FROM t WHERE a LIKE 'x' ESCAPE 'ab'", adbc.StatusInvalidArgument, "22019",
			`kafarr: invalid escape character at line 1, column 41 near "'ab'": ESCAPE takes a string of one character, or '' for none`},
		{"SELECT * FROM t WHERE a LIKE 5", adbc.StatusInvalidArgument, "42804",
			`kafarr: invalid LIKE pattern at line 1, column 30 near "5": the pattern is an integer; LIKE takes a string pattern such as 'abc%'`},
		{"INSERT INTO ticks VALUES (1)", adbc.StatusNotImplemented, "0A000",
			`kafarr: INSERT is not supported (line 1, column 1); ` + supportedGrammar +
				`; write rows with bulk ingest (cursor.adbc_ingest(topic, data))`},
	}
	for _, tt := range tests {
		_, err := Parse(tt.sql)
		if err == nil {
			t.Errorf("Parse(%q) succeeded", tt.sql)
			continue
		}
		ae := adbcErr(t, err)
		if ae.Code != tt.code || ae.Msg != tt.msg || string(ae.SqlState[:]) != tt.state {
			t.Errorf("Parse(%q) =\n  %v %s %q\nwant\n  %v %s %q", tt.sql, ae.Code, ae.SqlState[:], ae.Msg, tt.code, tt.state, tt.msg)
		}
	}
}

func TestParseInvalid(t *testing.T) {
	tests := []struct {
		sql  string
		want string // in the message
	}{
		{"   \n\t", "empty query"},
		{"-- only a comment", "empty query"},
		{";", `near ";": expected SELECT or DROP TABLE`},
		{"FOO bar", `near "FOO": expected SELECT or DROP TABLE`},
		{"ſelect * from t", `near "ſelect": expected SELECT or DROP TABLE`},
		{"SELECT", "near end of input: expected column, literal or *"},
		{"SELECT a,, b FROM t", `near ",": expected column, literal or *`},
		{"SELECT * FROM", "near end of input: expected topic name"},
		{"SELECT * FROM ;", `near ";": expected topic name`},
		{"SELECT * FROM order", `near "order": expected topic name (order is a keyword; quote it to use it as a name: "order")`},
		{"SELECT * FROM WHERE a = 1", `near "WHERE": expected topic name`},
		{"SELECT a FROM t x y", `near "y": expected WHERE, ORDER BY, LIMIT or end of input`},
		{"SELECT a FROM t (", `near "(": expected an alias, WHERE, ORDER BY, LIMIT or end of input`},
		{"SELECT a FROM t AS", "near end of input: expected an alias after AS"},
		{"SELECT a FROM t AS where", `near "where": expected an alias after AS`},
		{"SELECT a FROM t AS order", `expected an alias after AS (order is a keyword; quote it to use it as a name: "order")`},
		{"SELECT a FROM t WHERE a = 1 b", `near "b": expected AND, OR, ORDER BY, LIMIT or end of input`},
		{"SELECT a FROM t WHERE a = 1 OR", "near end of input: expected column"},
		{"SELECT a FROM t WHERE NOT", "near end of input: expected column"},
		{"SELECT a FROM t WHERE a NOT 5", `near "NOT": expected comparison operator, IN, BETWEEN, IS or LIKE`},
		{"SELECT a FROM t WHERE a NOT NULL", `near "NOT": expected comparison operator, IN, BETWEEN, IS or LIKE`},
		{"SELECT a FROM t WHERE a LIKE", "near end of input: expected literal"},
		{"SELECT a FROM t WHERE a LIKE 'x' ESCAPE", "near end of input: expected literal"},
		{"SELECT a FROM t WHERE a LIKE 'x' ESCAPE 1", "ESCAPE takes a string of one character"},
		{"SELECT a FROM t WHERE 'x'", "a string literal is not a condition"},
		{"SELECT a FROM t WHERE DATE '2024-01-01'", "a date literal is not a condition"},
		{"SELECT a FROM t WHERE TRUE TRUE", `near "TRUE": expected AND, OR, ORDER BY, LIMIT or end of input`},
		{"SELECT a FROM t WHERE (a = 1 OR b = 2", "near end of input: expected AND, OR or ')'"},
		{"SELECT a FROM t WHERE " + strings.Repeat("NOT ", maxNesting+1) + "a = 1",
			"statement too complex at line 1, column 279 near \"NOT\": WHERE clause nested more than 64 parentheses or NOTs deep"},
		{"SELECT a FROM t ORDER BY a b", `near "b": expected LIMIT or end of input`},
		{"SELECT a FROM t LIMIT 5 WHERE a = 1", `near "WHERE": expected end of input`},
		{"SELECT a FROM t ORDER a", `near "a": expected BY after ORDER`},
		{"SELECT a FROM t ORDER BY", "near end of input: expected column after ORDER BY"},
		{"SELECT a FROM t WHERE a =", "near end of input: expected literal"},
		{"SELECT a FROM t WHERE a == 1", `near "=": expected literal`},
		{"SELECT a FROM t WHERE a = ORDER", `near "ORDER": expected literal`},
		{"SELECT a FROM t WHERE a", "near end of input: expected comparison operator, IN, BETWEEN, IS or LIKE"},
		{"SELECT a FROM t WHERE a IN 1", `near "1": expected '(' after IN`},
		{"SELECT a FROM t WHERE a IN ()", `near ")": expected literal`},
		{"SELECT a FROM t WHERE a IN (1,)", `near ")": expected literal`},
		{"SELECT a FROM t WHERE a IN (1 2)", `near "2": expected ',' or ')'`},
		{"SELECT a FROM t WHERE a BETWEEN 1", "near end of input: expected AND in BETWEEN"},
		{"SELECT a FROM t WHERE a IS", "near end of input: expected NULL after IS"},
		{"SELECT a FROM t WHERE a IS NOT 5", `near "5": expected NULL after IS NOT`},
		{"SELECT a FROM t WHERE a = 1 AND", "near end of input: expected column"},
		{"SELECT a FROM t WHERE ((a = 1)", "near end of input: expected AND, OR or ')'"},
		{"SELECT a FROM t WHERE a = 1)", `near ")": expected AND, OR, ORDER BY, LIMIT or end of input`},
		{`SELECT "a". , b FROM t`, `near ",": expected a field name after '.'`},
		{"SELECT * FROM t LIMIT 1.5", `invalid LIMIT at line 1, column 23 near "1.5": LIMIT must be a non-negative integer`},
		{"SELECT * FROM t LIMIT 9223372036854775808", "LIMIT out of range for int64"},
		{"SELECT * FROM t LIMIT x", `near "x": expected row count after LIMIT`},
		{"SELECT * FROM t WHERE a = -9223372036854775809", `near "9223372036854775809": integer out of range for int64`},
		{"SELECT * FROM t WHERE a = 1e400", `invalid number at line 1, column 27 near "1e400": out of range for a 64-bit float`},
		{"SELECT * FROM t WHERE d = DATE '2024-1-1'", "invalid DATE literal at line 1, column 32 near \"'2024-1-1'\": expected the date as YYYY-MM-DD; want 'YYYY-MM-DD'"},
		{"SELECT * FROM t WHERE ts = TIMESTAMP 'yesterday'", "invalid TIMESTAMP literal"},
		{"SELECT 1 AS from", `near "from": expected a name after AS`},
		{"SELECT 1 one", `near "one": expected ',', FROM or end of input`},
		{"SELECT *", "near end of input: expected ',' or FROM"},
		{"SELECT *, a", "near end of input: expected ',' or FROM"},
		{"SELECT a", "near end of input: expected ',' or FROM"},
		{"SELECT 1, a", "near end of input: expected ',' or FROM"},
		{`SELECT "open FROM t`, "unterminated quoted identifier"},
		{`SELECT "" FROM t`, "empty quoted identifier"},
		{"SELECT * FROM t /* open", "unterminated /* comment"},
		{"SELECT * FROM t WHERE a = 1 # x", `near "#": unexpected character '#'`},
		{"SELECT * FROM t WHERE a = 12abc", `near "12abc": malformed number: letters after digits`},
		{"SELECT * FROM t; 'open", "unterminated string literal"},
		{"DROP", "near end of input: expected TABLE after DROP"},
		{"DROP TABLE", "near end of input: expected topic name"},
		{"DROP TABLE IF EXISTS", "near end of input: expected topic name"},
		{"DROP TABLE t x", `near "x": expected end of input`},
		{"SELECT * FROM t WHERE " + strings.Repeat("(", maxNesting+1) + "a = 1" + strings.Repeat(")", maxNesting+1),
			"statement too complex at line 1, column 87 near \"(\": WHERE clause nested more than 64 parentheses or NOTs deep"},
	}
	for _, tt := range tests {
		_, err := Parse(tt.sql)
		if err == nil {
			t.Errorf("Parse(%q) succeeded", tt.sql)
			continue
		}
		ae := adbcErr(t, err)
		if ae.Code != adbc.StatusInvalidArgument || !strings.Contains(ae.Msg, tt.want) || !strings.HasPrefix(ae.Msg, "kafarr: ") {
			t.Errorf("Parse(%q) = %v %q, want InvalidArgument containing %q", tt.sql, ae.Code, ae.Msg, tt.want)
		}
	}
}

func TestParseNotImplemented(t *testing.T) {
	tests := []struct {
		sql       string
		construct string // the message starts "kafarr: <construct> is not supported"
		hint      string // and ends with this hint
	}{
		{"SELECT * FROM a JOIN b ON a.x = b.x", "JOIN", hintDuckDB},
		{"SELECT * FROM a LEFT JOIN b ON a.x = b.x", "JOIN", hintDuckDB},
		{"SELECT * FROM a INNER JOIN b USING (x)", "JOIN", hintDuckDB},
		{"SELECT * FROM a CROSS JOIN b", "JOIN", hintDuckDB},
		{"SELECT * FROM a, b", "JOIN", hintDuckDB},
		{"SELECT inst FROM t GROUP BY inst", "GROUP BY", hintAggregate},
		{"SELECT inst FROM t WHERE a = 1 GROUP BY inst", "GROUP BY", hintAggregate},
		{"SELECT inst FROM t HAVING a > 1", "HAVING", hintAggregate},
		{"SELECT count(*) FROM t", "function count()", hintAggregate},
		{"SELECT SUM(bid) FROM t", "function SUM()", hintAggregate},
		{"SELECT * FROM t WHERE lower(inst) = 'x'", "function lower()", hintFunction},
		{"SELECT * FROM t WHERE ts > now()", "function now()", hintFunction},
		{"SELECT CAST(a AS INT) FROM t", "function CAST()", hintFunction},
		{"SELECT row_number() OVER (ORDER BY _offset) FROM t", "function row_number()", hintFunction},
		{"SELECT t.inst, max(t.bid) FROM ticks t GROUP BY t.inst", "function max()", hintAggregate},
		{"SELECT * FROM t WHERE x IN (1) OR lower(a) = 'b'", "function lower()", hintFunction},
		{"SELECT * FROM t WHERE ts > CURRENT_TIMESTAMP", "CURRENT_TIMESTAMP", hintTimeNow},
		{"SELECT * FROM t WHERE ts > INTERVAL '1 day'", "INTERVAL literals", hintTimeNow},
		{"SELECT * FROM t WHERE ts > TIME '10:00'", "TIME literals", hintTimeNow},
		{"SELECT * FROM (SELECT * FROM t)", "a subquery", hintDuckDB},
		{"SELECT * FROM (t)", "a table expression in parentheses", hintDuckDB},
		{"SELECT * FROM t WHERE a IN (SELECT b FROM u)", "a subquery", hintDuckDB},
		{"SELECT * FROM t WHERE a = (SELECT max(b) FROM u)", "a subquery", hintDuckDB},
		{"SELECT * FROM t WHERE (SELECT 1) = a", "a subquery", hintDuckDB},
		{"SELECT * FROM t WHERE EXISTS (SELECT 1)", "EXISTS (subquery)", hintDuckDB},
		{"(SELECT 1)", "a parenthesised query", hintDuckDB},
		{"SELECT * FROM t WHERE a SIMILAR TO 'x'", "SIMILAR TO", hintDuckDB},
		{"SELECT * FROM t WHERE a = 1 OR (SELECT 1) = a", "a subquery", hintDuckDB},
		{"SELECT * FROM t WHERE NOT EXISTS (SELECT 1)", "EXISTS (subquery)", hintDuckDB},
		{"SELECT * FROM t WHERE a NOT IN (SELECT b FROM u)", "a subquery", hintDuckDB},
		{"SELECT * FROM t WHERE a LIKE b", "a column on the right of a condition", hintColumnFirst},
		{"SELECT * FROM t WHERE 1 = a", "a column on the right of a condition", hintColumnFirst},
		{"SELECT * FROM t x, u y", "JOIN", hintDuckDB},
		{"SELECT * FROM t AS x NATURAL JOIN u", "JOIN", hintDuckDB},
		{"SELECT * FROM t WHERE a IS TRUE", "IS TRUE", "compare with = or <>"},
		{"SELECT * FROM t WHERE a IS NOT DISTINCT FROM 1", "IS NOT DISTINCT", "compare with = or <>"},
		{"SELECT * FROM t WHERE a BETWEEN SYMMETRIC 1 AND 2", "BETWEEN SYMMETRIC", "write BETWEEN low AND high"},
		{"SELECT * FROM t UNION SELECT * FROM u", "UNION", hintDuckDB},
		{"SELECT * FROM t EXCEPT SELECT * FROM u", "EXCEPT", hintDuckDB},
		{"INSERT INTO t VALUES (1)", "INSERT", hintIngest},
		{"UPDATE t SET a = 1", "UPDATE", hintAppendOnly},
		{"DELETE FROM t", "DELETE", hintAppendOnly},
		{"TRUNCATE t", "TRUNCATE", hintAppendOnly},
		{"CREATE TABLE t (a INT)", "CREATE", hintCreate},
		{"ALTER TABLE t ADD b INT", "ALTER", hintAdmin},
		{"WITH x AS (SELECT 1) SELECT * FROM x", "WITH (common table expression)", hintDuckDB},
		{"VALUES (1)", "VALUES", hintDuckDB},
		{"SHOW TABLES", "SHOW", hintCatalog},
		{"EXPLAIN SELECT * FROM t", "EXPLAIN", hintCatalog},
		{"BEGIN", "BEGIN", hintAutocommit},
		{"COMMIT", "COMMIT", hintAutocommit},
		{"SET x = 1", "SET", hintOptions},
		{"DROP VIEW v", "DROP VIEW", "only DROP TABLE topic is supported"},
		{"DROP TABLE a, b", "dropping several topics in one statement", hintOneStmt},
		{"DROP TABLE t CASCADE", "CASCADE", "drop the topic alone"},
		{"SELECT DISTINCT inst FROM t", "DISTINCT", hintAggregate},
		{"SELECT TOP 10 * FROM t", "TOP", hintLimit},
		{"SELECT * FROM t LIMIT 10 OFFSET 5", "OFFSET", hintOffset},
		{"SELECT * FROM t OFFSET 5", "OFFSET", hintOffset},
		{"SELECT * FROM t LIMIT 5, 10", "LIMIT offset, count", hintOffset},
		{"SELECT * FROM t FETCH FIRST 5 ROWS ONLY", "FETCH FIRST", hintLimit},
		{"SELECT * FROM t ORDER BY a, b", "ORDER BY more than one column", hintDuckDB},
		{"SELECT * FROM t ORDER BY 1", "ORDER BY a column position", "name the column"},
		{"SELECT * FROM t ORDER BY a NULLS LAST", "NULLS FIRST/LAST", hintDuckDB},
		{"SELECT a + 1 FROM t", "an arithmetic expression (+)", hintDuckDB},
		{"SELECT a || b FROM t", "an arithmetic expression (||)", hintDuckDB},
		{"SELECT 1 + 1", "an arithmetic expression (+)", hintDuckDB},
		{"SELECT * FROM t WHERE a = 1 + 2", "an arithmetic expression (+)", hintDuckDB},
		{"SELECT * FROM t WHERE a * 2 > 1", "an arithmetic expression (*)", hintDuckDB},
		{"SELECT * FROM t WHERE a - 1 > 1", "an arithmetic expression (-)", hintDuckDB},
		{"SELECT * FROM t WHERE a = -b", "an arithmetic expression (-)", hintDuckDB},
		{"SELECT * FROM t WHERE a::int = 1", "a cast (::)", hintDuckDB},
		{"SELECT a AS b FROM t", "a column alias (AS)", hintRename},
		{`SELECT * FROM "db"."t"`, "a qualified topic name (schema.topic)", `quote a dotted topic name whole, e.g. "orders.v1"`},
		{"SELECT x.* FROM t", "a qualified * (x.*) that is not the topic's", "write * or t.* for every column"},
		{"SELECT t.* FROM ticks t2", "a qualified * (t.*) that is not the topic's", "write * or t2.* for every column"},
		{"SELECT ticks.* FROM ticks t", "a qualified * (ticks.*) that is not the topic's", "write * or t.* for every column"},
		{"SELECT a.b.* FROM t", "a qualified * (a.b.*) here", "name the fields of a record column"},
		{"SELECT * FROM t WHERE t.* = 1", "a qualified * (t.*) here", "write * for every column"},
		{"SELECT *, * FROM t", "more than one * in the select list", "select * once"},
		{"SELECT *, t.* FROM t", "more than one * in the select list", "select * once"},
		{"SELECT 1 FROM t", "a literal in the select list of a topic query", "select columns only"},
		{"SELECT * FROM t WHERE 'x' = a", "a column on the right of a condition", hintColumnFirst},
		{"SELECT * FROM t WHERE a = b", "a column on the right of a condition", hintColumnFirst},
		{`SELECT * FROM t WHERE a = "b"`, "a column on the right of a condition", hintColumnFirst},
		{"SELECT * FROM t WHERE a = (1)", "an expression in parentheses", hintColumnFirst},
		{"SELECT * FROM t WHERE a = ?", "a query parameter (?)", hintParams},
		{"SELECT * FROM t WHERE a IN ($1, $2)", "a query parameter ($1)", hintParams},
		{"SELECT * FROM t LIMIT :n", "a query parameter (:n)", hintParams},
		{"SELECT * FROM t; SELECT * FROM u", "more than one statement", hintOneStmt},
		{"SELECT CASE WHEN a = 1 THEN 2 END FROM t", "CASE", hintDuckDB},
		{"SELECT * INTO u FROM t", "SELECT INTO", hintDuckDB},
		{"SELECT * FROM t FOR UPDATE", "FOR UPDATE", hintAppendOnly},
	}
	for _, tt := range tests {
		_, err := Parse(tt.sql)
		if err == nil {
			t.Errorf("Parse(%q) succeeded", tt.sql)
			continue
		}
		ae := adbcErr(t, err)
		prefix := "kafarr: " + tt.construct + " is not supported (line "
		if ae.Code != adbc.StatusNotImplemented || !strings.HasPrefix(ae.Msg, prefix) ||
			!strings.Contains(ae.Msg, "; "+supportedGrammar+"; ") || !strings.Contains(ae.Msg, tt.hint) {
			t.Errorf("Parse(%q) = %v %q\nwant NotImplemented starting %q with hint %q", tt.sql, ae.Code, ae.Msg, prefix, tt.hint)
		}
	}
}

// TestHintsNameFullSQL checks that every NotImplemented hint pointing
// elsewhere for SQL names both the command line's full-SQL mode and DuckDB.
func TestHintsNameFullSQL(t *testing.T) {
	for _, h := range []string{hintDuckDB, hintAggregate, hintFunction} {
		if !strings.Contains(h, `kafarr sql "..."`) || !strings.Contains(h, "embedded DuckDB") || !strings.Contains(h, "DuckDB over the Arrow result") {
			t.Errorf("hint %q does not name kafarr sql and DuckDB", h)
		}
	}
	for word, u := range unsupportedWords {
		switch u.hint {
		case hintDuckDB, hintAggregate, hintOffset, hintLimit, hintAppendOnly, "drop the topic alone":
		default:
			t.Errorf("%s: unexpected hint %q", word, u.hint)
		}
	}
}

// TestParseHostileInput checks that deep nesting and very long input are
// errors or results, never a blown stack.
func TestParseHostileInput(t *testing.T) {
	const n = 200000
	tests := []struct {
		name string
		sql  string
		code adbc.Status
	}{
		{"parentheses", "SELECT * FROM t WHERE " + strings.Repeat("(", n) + "a = 1" + strings.Repeat(")", n), adbc.StatusInvalidArgument},
		{"unclosed parentheses", "SELECT * FROM t WHERE " + strings.Repeat("(", n), adbc.StatusInvalidArgument},
		{"select parentheses", "SELECT " + strings.Repeat("(", n) + "1", adbc.StatusInvalidArgument},
		{"NOT chain", "SELECT * FROM t WHERE " + strings.Repeat("NOT ", n) + "a = 1", adbc.StatusInvalidArgument},
		{"NOT and parentheses", "SELECT * FROM t WHERE " + strings.Repeat("NOT (", n) + "a = 1", adbc.StatusInvalidArgument},
		{"OR chain into a bad term", "SELECT * FROM t WHERE " + strings.Repeat("a = 1 OR ", n) + "(", adbc.StatusInvalidArgument},
		{"minus chain", "SELECT * FROM t WHERE a = " + strings.Repeat("- ", n) + "1", adbc.StatusNotImplemented},
		{"unterminated string", "SELECT * FROM t WHERE a = '" + strings.Repeat("x", n), adbc.StatusInvalidArgument},
		{"long path", "SELECT " + strings.Repeat("a.", n) + " FROM t", adbc.StatusInvalidArgument},
	}
	for _, tt := range tests {
		_, err := Parse(tt.sql)
		if err == nil {
			t.Errorf("%s: Parse succeeded", tt.name)
			continue
		}
		if ae := adbcErr(t, err); ae.Code != tt.code || len(ae.Msg) > 1000 {
			t.Errorf("%s: got %v (%d-byte message), want %v with a short message", tt.name, ae.Code, len(ae.Msg), tt.code)
		}
	}

	// Long but valid input parses in full.
	vals := make([]string, n)
	for i := range vals {
		vals[i] = strconv.Itoa(i)
	}
	stmt, err := Parse("SELECT * FROM t WHERE _partition IN (" + strings.Join(vals, ", ") + ")")
	if err != nil {
		t.Fatal(err)
	}
	in := stmt.(*Query).Where.(*Term).Values
	if len(in) != n || in[n-1].Int != n-1 {
		t.Fatalf("IN list has %d values, last %d; want %d, %d", len(in), in[len(in)-1].Int, n, n-1)
	}
	terms := strings.Repeat("a = 1 AND ", n) + "b = 2"
	stmt, err = Parse("SELECT * FROM t WHERE " + terms)
	if err != nil {
		t.Fatal(err)
	}
	if where := Terms(stmt.(*Query).Where); len(where) != n+1 || where[n].Column.String() != "b" {
		t.Fatalf("got %d terms, want %d ending with b", len(where), n+1)
	}
	path := strings.Repeat("a.", n) + "z"
	stmt, err = Parse("SELECT " + path + " FROM t")
	if err != nil {
		t.Fatal(err)
	}
	if p := stmt.(*Query).Columns[0].Path; len(p) != n+1 || p[n] != "z" {
		t.Fatalf("path has %d names, want %d", len(p), n+1)
	}
}

func BenchmarkParse(b *testing.B) {
	sql := `SELECT inst, bid, ask FROM "orders.v1" WHERE _partition IN (0, 2) AND _offset >= 100 ` +
		`AND _timestamp BETWEEN TIMESTAMP '2024-01-01 00:00:00' AND TIMESTAMP '2024-01-02T00:00:00Z' ` +
		`AND inst = 'GBPUSD' ORDER BY _offset DESC LIMIT 10`
	b.SetBytes(int64(len(sql)))
	for b.Loop() {
		if _, err := Parse(sql); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseInList shows parse time grows linearly with input: ns/op
// should scale with n and MB/s stay flat.
func BenchmarkParseInList(b *testing.B) {
	for _, n := range []int{1000, 10000, 100000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			vals := make([]string, n)
			for i := range vals {
				vals[i] = strconv.Itoa(i)
			}
			sql := "SELECT * FROM t WHERE k IN (" + strings.Join(vals, ", ") + ")"
			b.SetBytes(int64(len(sql)))
			for b.Loop() {
				if _, err := Parse(sql); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
