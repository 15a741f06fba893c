package sqlparse

import (
	"reflect"
	"testing"
	"time"
)

func TestRenderNames(t *testing.T) {
	tests := []struct {
		stmt Stmt
		want string
	}{
		{&Query{Star: true, Topic: "ticks", Limit: -1}, "SELECT * FROM ticks"},
		{&Query{Star: true, Topic: "a--b", Limit: -1}, `SELECT * FROM "a--b"`},
		{&Query{Star: true, Topic: "order", Limit: -1}, `SELECT * FROM "order"`},
		{&Query{Star: true, Topic: "Limit", Limit: -1}, `SELECT * FROM "Limit"`},
		{&Query{Star: true, Topic: "with space", Limit: -1}, `SELECT * FROM "with space"`},
		{&Query{Star: true, Topic: `q"t`, Limit: -1}, `SELECT * FROM "q""t"`},
		{&Query{Star: true, Topic: "café", Limit: -1}, `SELECT * FROM "café"`},
		{&Query{Star: true, Topic: "-x.1", Limit: -1}, `SELECT * FROM -x.1`},
		{&Query{Columns: []ColumnRef{col("a1"), col("_b"), col("1a"), col("A-b"), col("desc"), col("x", "select", "Y")}, Topic: "t", Limit: 3},
			`SELECT a1, _b, "1a", "A-b", "desc", x."select".Y FROM t LIMIT 3`},
		{&DropTable{Topic: "t.v1"}, "DROP TABLE t.v1"},
		{&DropTable{Topic: "group", IfExists: true}, `DROP TABLE IF EXISTS "group"`},
		{&ConstantQuery{Constants: []Constant{{Name: "one", Value: intLit(1)}, {Name: "'x'", Value: strLit("x")}, {Name: "as", Value: nullLit}}},
			`SELECT 1 AS one, 'x', NULL AS "as"`},
	}
	for _, tt := range tests {
		got := tt.stmt.String()
		if got != tt.want {
			t.Errorf("String() = %q, want %q", got, tt.want)
			continue
		}
		back, err := Parse(got)
		if err != nil {
			t.Errorf("Parse(%q): %v", got, err)
			continue
		}
		if s := back.String(); s != got {
			t.Errorf("Parse(%q).String() = %q", got, s)
		}
	}
}

func TestRenderLiterals(t *testing.T) {
	tests := []struct {
		lit  Literal
		want string
	}{
		{intLit(-42), "-42"},
		{floatLit("1.50"), "1.50"},
		{strLit("it's"), "'it''s'"},
		{strLit(""), "''"},
		{boolLit(true), "TRUE"},
		{boolLit(false), "FALSE"},
		{nullLit, "NULL"},
		{tsLit(time.Date(2024, 1, 2, 3, 4, 5, 600000000, time.UTC)), "TIMESTAMP '2024-01-02 03:04:05.6Z'"},
		// A zone other than UTC is rendered as the same instant in UTC.
		{tsLit(time.Date(2024, 1, 2, 3, 4, 5, 0, time.FixedZone("x", 3600))), "TIMESTAMP '2024-01-02 02:04:05Z'"},
		{dateLit(2024, 12, 31), "DATE '2024-12-31'"},
	}
	for _, tt := range tests {
		if got := tt.lit.String(); got != tt.want {
			t.Errorf("%v.String() = %q, want %q", tt.lit.Kind, got, tt.want)
		}
	}
}

func TestTermString(t *testing.T) {
	tests := []struct {
		term Expr
		want string
	}{
		{term(col("a"), OpEq, intLit(1)), "a = 1"},
		{term(col("a"), OpNe, intLit(1)), "a <> 1"},
		{term(col("a"), OpLt, intLit(1)), "a < 1"},
		{term(col("a"), OpLe, intLit(1)), "a <= 1"},
		{term(col("a"), OpGt, intLit(1)), "a > 1"},
		{term(col("a"), OpGe, intLit(1)), "a >= 1"},
		{term(col("o", "id"), OpIn, intLit(1), strLit("b")), "o.id IN (1, 'b')"},
		{term(col("a"), OpBetween, intLit(1), intLit(2)), "a BETWEEN 1 AND 2"},
		{term(col("a"), OpIsNull), "a IS NULL"},
		{term(col("a"), OpIsNotNull), "a IS NOT NULL"},
		{term(col("a"), OpLike, strLit("x%")), "a LIKE 'x%'"},
		{term(col("a"), OpILike, strLit("x!%"), strLit("!")), "a ILIKE 'x!%' ESCAPE '!'"},
		{term(qcol("t", "o", "id"), OpEq, intLit(1)), "t.o.id = 1"},
		{lterm(intLit(1), OpEq, intLit(1)), "1 = 1"},
		{&Const{Value: boolLit(true)}, "TRUE"},
		{not(term(col("a"), OpIn, intLit(1))), "NOT a IN (1)"},
		{not(not(&Const{Value: nullLit})), "NOT NOT NULL"},
		{not(and(term(col("a"), OpEq, intLit(1)), term(col("b"), OpEq, intLit(2)))), "NOT (a = 1 AND b = 2)"},
		// An OR inside an AND keeps its parentheses; an AND inside an OR
		// needs none.
		{and(or(term(col("a"), OpEq, intLit(1)), term(col("b"), OpEq, intLit(2))), term(col("c"), OpEq, intLit(3))),
			"(a = 1 OR b = 2) AND c = 3"},
		{or(and(term(col("a"), OpEq, intLit(1)), term(col("b"), OpEq, intLit(2))), not(term(col("c"), OpIsNull))),
			"a = 1 AND b = 2 OR NOT c IS NULL"},
	}
	for _, tt := range tests {
		if got := tt.term.String(); got != tt.want {
			t.Errorf("String() = %q, want %q", got, tt.want)
		}
		// The rendering parses back to the same condition.
		stmt, err := Parse("SELECT * FROM t WHERE " + tt.want)
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.want, err)
			continue
		}
		if got := stripExpr(stmt.(*Query).Where); !reflect.DeepEqual(got, tt.term) {
			t.Errorf("Parse(%q) = %s, want %s", tt.want, got, tt.term)
		}
	}
}

func TestColumnRefString(t *testing.T) {
	c := col("order", "line item", "id")
	if got, want := c.String(), "order.line item.id"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	if got, want := c.SQL(), `"order"."line item".id`; got != want {
		t.Errorf("SQL() = %q, want %q", got, want)
	}
}

func TestKindNames(t *testing.T) {
	kinds := map[LitKind]string{LitInt: "integer", LitFloat: "float", LitString: "string", LitBool: "boolean",
		LitNull: "NULL", LitTimestamp: "timestamp", LitDate: "date", 0: "LitKind(?)"}
	for k, want := range kinds {
		if got := k.String(); got != want {
			t.Errorf("LitKind(%d).String() = %q, want %q", k, got, want)
		}
	}
	if got := Op(0).String(); got != "Op(?)" {
		t.Errorf("Op(0).String() = %q", got)
	}
}
