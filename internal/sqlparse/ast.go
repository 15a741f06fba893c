package sqlparse

import (
	"strconv"
	"strings"
	"time"
)

// Stmt is a parsed SQL statement: a *Query, a *ConstantQuery or a
// *DropTable. Parse returns one; the planner switches on its type.
type Stmt interface {
	// String renders the statement as canonical SQL: keywords upper case,
	// identifiers quoted where needed, one space between tokens. Parse
	// reads the result back to an equal statement (positions aside).
	String() string
	isStmt()
}

// Query is SELECT select_list FROM topic [WHERE ...] [ORDER BY ...]
// [LIMIT n]. The parser checks only syntax: column names, the types of
// literals against columns and which columns may be ordered by are the
// planner's to check.
type Query struct {
	// Star is true for SELECT *; Columns is then empty.
	Star bool
	// Columns are the selected columns in select-list order.
	Columns []ColumnRef
	// Topic is the topic name, case preserved.
	Topic string
	// Where holds the terms of the WHERE clause, all ANDed; nil without one.
	Where []Term
	// OrderBy is the ORDER BY column, or nil without one.
	OrderBy *OrderBy
	// Limit is the LIMIT row count, or -1 without one (LIMIT ALL also gives -1).
	Limit int64
}

// Refers reports whether the query selects or filters on the top-level
// column name (a nested path counts for its first element).
func (q *Query) Refers(name string) bool {
	for _, c := range q.Columns {
		if c.Path[0] == name {
			return true
		}
	}
	for _, t := range q.Where {
		if t.Column.Path[0] == name {
			return true
		}
	}
	return false
}

// ConstantQuery is SELECT literal [AS name][, ...] without FROM, such as
// the SELECT 1 tools send to test a connection. It returns one row.
type ConstantQuery struct {
	Constants []Constant
}

// Constant is one item of a ConstantQuery.
type Constant struct {
	// Name is the result column name: the AS alias, or else the literal's
	// SQL text (1, 'a', TRUE), as DuckDB names such columns.
	Name  string
	Value Literal
}

// DropTable is DROP TABLE [IF EXISTS] topic; pandas' to_sql sends it for
// if_exists="replace".
type DropTable struct {
	Topic    string
	IfExists bool
}

// ColumnRef names a column or, with more than one element, a field inside
// nested struct columns: order.id is Path ["order", "id"].
type ColumnRef struct {
	// Path holds the names from the outermost column inward, case preserved.
	Path []string
	// Pos is the byte offset of the reference in the SQL text; LineCol
	// turns it into a line and column for error messages.
	Pos int
}

// String joins the path with dots, unquoted, for messages.
func (c ColumnRef) String() string { return strings.Join(c.Path, ".") }

// SQL renders the reference as SQL, quoting each name where needed.
func (c ColumnRef) SQL() string {
	var b strings.Builder
	for i, name := range c.Path {
		if i > 0 {
			b.WriteByte('.')
		}
		b.WriteString(sqlIdent(name))
	}
	return b.String()
}

// Op is the operator of a WHERE term.
type Op uint8

// The operators of WHERE terms.
const (
	OpEq        Op = iota + 1 // column = value
	OpNe                      // column <> value (also written !=)
	OpLt                      // column < value
	OpLe                      // column <= value
	OpGt                      // column > value
	OpGe                      // column >= value
	OpIn                      // column IN (value, ...)
	OpBetween                 // column BETWEEN low AND high, both inclusive
	OpIsNull                  // column IS NULL
	OpIsNotNull               // column IS NOT NULL
)

// String returns the operator as SQL.
func (o Op) String() string {
	switch o {
	case OpEq:
		return "="
	case OpNe:
		return "<>"
	case OpLt:
		return "<"
	case OpLe:
		return "<="
	case OpGt:
		return ">"
	case OpGe:
		return ">="
	case OpIn:
		return "IN"
	case OpBetween:
		return "BETWEEN"
	case OpIsNull:
		return "IS NULL"
	case OpIsNotNull:
		return "IS NOT NULL"
	}
	return "Op(?)"
}

// Term is one condition of a WHERE clause.
type Term struct {
	Column ColumnRef
	Op     Op
	// Values holds one literal for comparisons, one or more for OpIn, low
	// and high for OpBetween and none for OpIsNull and OpIsNotNull.
	Values []Literal
}

// String renders the term as SQL.
func (t Term) String() string {
	var b strings.Builder
	b.WriteString(t.Column.SQL())
	b.WriteByte(' ')
	b.WriteString(t.Op.String())
	switch t.Op {
	case OpIsNull, OpIsNotNull:
	case OpIn:
		b.WriteString(" (")
		for i, v := range t.Values {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(v.String())
		}
		b.WriteByte(')')
	case OpBetween:
		if len(t.Values) == 2 {
			b.WriteString(" " + t.Values[0].String() + " AND " + t.Values[1].String())
		}
	default:
		for _, v := range t.Values {
			b.WriteString(" " + v.String())
		}
	}
	return b.String()
}

// OrderBy is the ORDER BY clause: one column, ascending unless Desc.
type OrderBy struct {
	Column ColumnRef
	Desc   bool
}

// LitKind is the kind of a Literal.
type LitKind uint8

// The kinds of literal.
const (
	LitInt       LitKind = iota + 1 // 42, -7: Literal.Int
	LitFloat                        // 1.25, 1e3, .5: Literal.Float
	LitString                       // 'text': Literal.Str
	LitBool                         // TRUE, FALSE: Literal.Bool
	LitNull                         // NULL
	LitTimestamp                    // TIMESTAMP '...': Literal.Time, in UTC
	LitDate                         // DATE 'YYYY-MM-DD': Literal.Time, midnight UTC
)

// String names the kind for messages.
func (k LitKind) String() string {
	switch k {
	case LitInt:
		return "integer"
	case LitFloat:
		return "float"
	case LitString:
		return "string"
	case LitBool:
		return "boolean"
	case LitNull:
		return "NULL"
	case LitTimestamp:
		return "timestamp"
	case LitDate:
		return "date"
	}
	return "LitKind(?)"
}

// Literal is a constant value in a query. Only the field that Kind names is
// set, plus Text for numbers and Pos.
type Literal struct {
	Kind  LitKind
	Int   int64
	Float float64
	Str   string
	Bool  bool
	// Time is the instant of a TIMESTAMP (a literal without a zone is UTC)
	// or the midnight UTC that starts a DATE; always in time.UTC.
	Time time.Time
	// Text is a number as written, with a leading '-' when negative and
	// without a leading '+': for LitFloat it keeps the exact decimal that
	// float64 may round, so decimal columns can compare exactly.
	Text string
	// Pos is the byte offset of the literal (of its sign, if any) in the SQL.
	Pos int
}

// String renders the literal as SQL.
func (l Literal) String() string {
	switch l.Kind {
	case LitInt, LitFloat:
		return l.Text
	case LitString:
		return sqlString(l.Str)
	case LitBool:
		if l.Bool {
			return "TRUE"
		}
		return "FALSE"
	case LitNull:
		return "NULL"
	case LitTimestamp:
		return "TIMESTAMP '" + l.Time.UTC().Format("2006-01-02 15:04:05.999999999Z07:00") + "'"
	case LitDate:
		return "DATE '" + l.Time.UTC().Format("2006-01-02") + "'"
	}
	return "?"
}

func (*Query) isStmt()         {}
func (*ConstantQuery) isStmt() {}
func (*DropTable) isStmt()     {}

// String renders the query as canonical SQL.
func (q *Query) String() string {
	var b strings.Builder
	b.WriteString("SELECT ")
	if q.Star {
		b.WriteByte('*')
	}
	for i, c := range q.Columns {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(c.SQL())
	}
	b.WriteString(" FROM ")
	b.WriteString(sqlTopic(q.Topic))
	for i, t := range q.Where {
		if i == 0 {
			b.WriteString(" WHERE ")
		} else {
			b.WriteString(" AND ")
		}
		b.WriteString(t.String())
	}
	if q.OrderBy != nil {
		b.WriteString(" ORDER BY ")
		b.WriteString(q.OrderBy.Column.SQL())
		if q.OrderBy.Desc {
			b.WriteString(" DESC")
		}
	}
	if q.Limit >= 0 {
		b.WriteString(" LIMIT ")
		b.WriteString(strconv.FormatInt(q.Limit, 10))
	}
	return b.String()
}

// String renders the query as canonical SQL; an alias is written only where
// the name differs from the literal's own text.
func (q *ConstantQuery) String() string {
	var b strings.Builder
	b.WriteString("SELECT ")
	for i, c := range q.Constants {
		if i > 0 {
			b.WriteString(", ")
		}
		lit := c.Value.String()
		b.WriteString(lit)
		if c.Name != lit {
			b.WriteString(" AS ")
			b.WriteString(sqlIdent(c.Name))
		}
	}
	return b.String()
}

// String renders the statement as canonical SQL.
func (d *DropTable) String() string {
	if d.IfExists {
		return "DROP TABLE IF EXISTS " + sqlTopic(d.Topic)
	}
	return "DROP TABLE " + sqlTopic(d.Topic)
}

// sqlIdent writes a column or alias name bare when it lexes back as the
// same plain identifier, else double-quoted.
func sqlIdent(name string) string {
	if isPlainIdent(name) && !isReserved(name) {
		return name
	}
	return QuoteIdent(name)
}

// sqlTopic writes a topic name bare when the unquoted topic rule reads it
// back whole, else double-quoted.
func sqlTopic(name string) string {
	if name == "" || strings.Contains(name, "--") || isReserved(name) {
		return QuoteIdent(name)
	}
	for i := 0; i < len(name); i++ {
		if !isTopicChar(name[i]) {
			return QuoteIdent(name)
		}
	}
	return name
}

func isPlainIdent(s string) bool {
	if s == "" || !isIdentStart(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		if !isIdentStart(s[i]) && !isDigit(s[i]) {
			return false
		}
	}
	return true
}

// QuoteIdent quotes s as a SQL identifier: it wraps s in double quotes and
// doubles every double quote inside, so that Parse reads the result back as
// the name s, whatever characters or keyword it holds.
func QuoteIdent(s string) string {
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}

func sqlString(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}
