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

// Query is SELECT select_list FROM topic [[AS] alias] [WHERE ...]
// [ORDER BY ...] [LIMIT n]. The parser checks only syntax: column names,
// the types of literals against columns and which columns may be ordered
// by are the planner's to check.
type Query struct {
	// Star is true when the select list holds * (or alias.*); StarAt is
	// then how many of Columns come before it: SELECT *, _key has Star,
	// StarAt 0 and Columns [_key].
	Star   bool
	StarAt int
	// Columns are the selected columns in select-list order, * aside.
	Columns []ColumnRef
	// Topic is the topic name, case preserved.
	Topic string
	// Alias is the table alias (FROM ticks t, FROM ticks AS t), "" without
	// one. Column references qualified by it (or, without one, by the
	// topic's name) have it in ColumnRef.Qualifier.
	Alias string
	// Where is the WHERE condition, nil without one.
	Where Expr
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
	for _, t := range Terms(q.Where) {
		if t.Left == nil && t.Column.Path[0] == name {
			return true
		}
	}
	return false
}

// Qualifier is the name that qualifies column references: the alias, or
// the topic's name when there is none.
func (q *Query) Qualifier() string {
	if q.Alias != "" {
		return q.Alias
	}
	return q.Topic
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
//
// A dotted reference whose first name equals the query's table alias (or,
// without an alias, the topic's name) is qualified: t.bid in FROM ticks t
// is Qualifier "t", Path ["bid"]. Any other dotted reference is a path
// into a struct column, so with a struct column named like the alias,
// t.x means the top-level column x and t.t.x the struct's field.
type ColumnRef struct {
	// Qualifier is the alias or topic name the reference was qualified
	// with, "" when unqualified. It does not change what is referred to.
	Qualifier string
	// Path holds the names from the outermost column inward, case preserved.
	Path []string
	// Pos is the byte offset of the reference in the SQL text; LineCol
	// turns it into a line and column for error messages.
	Pos int
}

// String joins the path with dots, unquoted and without the qualifier:
// the name of the result column it gives, and how messages name it.
func (c ColumnRef) String() string { return strings.Join(c.Path, ".") }

// SQL renders the reference as SQL, qualifier included, quoting each name
// where needed.
func (c ColumnRef) SQL() string {
	var b strings.Builder
	if c.Qualifier != "" {
		b.WriteString(sqlIdent(c.Qualifier))
		b.WriteByte('.')
	}
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
	OpLike                    // column LIKE pattern [ESCAPE char], case-sensitive
	OpILike                   // column ILIKE pattern [ESCAPE char], case-insensitive
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
	case OpLike:
		return "LIKE"
	case OpILike:
		return "ILIKE"
	}
	return "Op(?)"
}

// Expr is a WHERE condition: a *Term, a *Logic (conditions joined by AND
// or OR), a *Not or a *Const. The parser flattens nested ANDs (and ORs)
// into one Logic, since grouping them changes nothing.
type Expr interface {
	// String renders the condition as SQL, parenthesised only where
	// precedence needs it.
	String() string
	isExpr()
}

// Term is one comparison of a WHERE clause.
type Term struct {
	Column ColumnRef
	// Left, when set, is a literal on the left instead of a column, as in
	// 1 = 1: the planner folds such a term into TRUE, FALSE or NULL.
	Left *Literal
	Op   Op
	// Values holds one literal for comparisons, one or more for OpIn, low
	// and high for OpBetween, none for OpIsNull and OpIsNotNull, and the
	// pattern then, with ESCAPE, the escape string for OpLike and OpILike.
	Values []Literal
}

// LogicOp is the connective of a Logic.
type LogicOp uint8

// The connectives.
const (
	And LogicOp = iota + 1
	Or
)

// Logic is two or more conditions joined by AND or OR. No argument of an
// AND is an AND, nor of an OR an OR.
type Logic struct {
	Op   LogicOp
	Args []Expr
}

// Not is NOT X; col NOT IN (...), NOT BETWEEN, NOT LIKE and NOT ILIKE
// parse to it too.
type Not struct {
	X Expr
}

// Const is a literal used as a condition: TRUE, FALSE or NULL.
type Const struct {
	Value Literal
}

func (*Term) isExpr()  {}
func (*Logic) isExpr() {}
func (*Not) isExpr()   {}
func (*Const) isExpr() {}

// String renders the connective as SQL.
func (o LogicOp) String() string {
	if o == Or {
		return "OR"
	}
	return "AND"
}

// String renders the conditions joined by the connective; an OR inside an
// AND is parenthesised.
func (l *Logic) String() string {
	var b strings.Builder
	for i, a := range l.Args {
		if i > 0 {
			b.WriteString(" " + l.Op.String() + " ")
		}
		if x, ok := a.(*Logic); ok && x.Op == Or && l.Op == And {
			b.WriteString("(" + a.String() + ")")
			continue
		}
		b.WriteString(a.String())
	}
	return b.String()
}

// String renders NOT X, parenthesising X when it is an AND or an OR.
func (n *Not) String() string {
	if _, ok := n.X.(*Logic); ok {
		return "NOT (" + n.X.String() + ")"
	}
	return "NOT " + n.X.String()
}

// String renders the literal.
func (c *Const) String() string { return c.Value.String() }

// Terms returns every Term of e, left to right; nil for a nil e.
func Terms(e Expr) []*Term {
	var out []*Term
	var walk func(Expr)
	walk = func(e Expr) {
		switch e := e.(type) {
		case *Term:
			out = append(out, e)
		case *Logic:
			for _, a := range e.Args {
				walk(a)
			}
		case *Not:
			walk(e.X)
		}
	}
	walk(e)
	return out
}

// Conjuncts returns the conditions e ANDs: its arguments when it is an
// AND, else e alone; nil for a nil e.
func Conjuncts(e Expr) []Expr {
	switch x := e.(type) {
	case nil:
		return nil
	case *Logic:
		if x.Op == And {
			return x.Args
		}
	}
	return []Expr{e}
}

// String renders the term as SQL.
func (t *Term) String() string {
	var b strings.Builder
	if t.Left != nil {
		b.WriteString(t.Left.String())
	} else {
		b.WriteString(t.Column.SQL())
	}
	b.WriteByte(' ')
	b.WriteString(t.Op.String())
	switch t.Op {
	case OpLike, OpILike:
		if len(t.Values) > 0 {
			b.WriteString(" " + t.Values[0].String())
		}
		if len(t.Values) > 1 {
			b.WriteString(" ESCAPE " + t.Values[1].String())
		}
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
	n := 0
	item := func(s string) {
		if n > 0 {
			b.WriteString(", ")
		}
		b.WriteString(s)
		n++
	}
	for i, c := range q.Columns {
		if q.Star && i == q.StarAt {
			item("*")
		}
		item(c.SQL())
	}
	if q.Star && q.StarAt >= len(q.Columns) {
		item("*")
	}
	b.WriteString(" FROM ")
	b.WriteString(sqlTopic(q.Topic))
	if q.Alias != "" {
		b.WriteString(" AS ")
		b.WriteString(sqlIdent(q.Alias))
	}
	if q.Where != nil {
		b.WriteString(" WHERE ")
		b.WriteString(q.Where.String())
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
