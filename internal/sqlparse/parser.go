package sqlparse

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/apache/arrow-adbc/go/adbc"
)

// maxNesting bounds how deeply parentheses and NOTs may nest in a WHERE
// clause, so that hostile input cannot make the recursive parser grow its
// stack without limit.
const maxNesting = 64

// supportedGrammar is the one-line summary of kafarr's SQL that every
// NotImplemented error quotes.
const supportedGrammar = "kafarr runs SELECT * | col, ... FROM topic [[AS] t] [WHERE condition] " +
	"[ORDER BY _offset|_timestamp|_partition [DESC]] [LIMIT n], a condition comparing columns with literals " +
	"(= <> < <= > >= [NOT] IN, [NOT] BETWEEN, IS [NOT] NULL, [NOT] LIKE) joined by AND, OR, NOT and parentheses"

// FullSQL is how NotImplemented errors name where SQL outside kafarr's
// grammar runs: the command line's full-SQL mode, or DuckDB over the Arrow
// result.
const FullSQL = `kafarr sql "..." (the kafarr command line's full SQL, through embedded DuckDB), ` +
	`or DuckDB over the Arrow result (duckdb.sql("... FROM tbl") on tbl = cursor.fetch_arrow_table())`

// Hints ending NotImplemented errors: where to do what kafarr does not.
const (
	hintDuckDB      = "run it with " + FullSQL
	hintAggregate   = "run aggregations with " + FullSQL
	hintFunction    = "run functions with " + FullSQL
	hintIngest      = `write rows with bulk ingest (cursor.adbc_ingest(topic, data))`
	hintAppendOnly  = `Kafka topics are append-only; write new rows with bulk ingest (cursor.adbc_ingest(topic, data, mode="append"))`
	hintCreate      = `create a topic with bulk ingest (cursor.adbc_ingest(topic, data, mode="create"))`
	hintAdmin       = `manage topics with Kafka's admin tools`
	hintCatalog     = `list topics and columns with adbc_get_objects() and adbc_get_table_schema(topic)`
	hintAutocommit  = `kafarr always autocommits; there is no transaction to control`
	hintOptions     = `set kafarr.* options on the database, connection or statement instead`
	hintOffset      = `filter on the _offset column instead (WHERE _offset >= n)`
	hintLimit       = `use LIMIT n`
	hintParams      = `write the values into the SQL text as literals`
	hintOneStmt     = `send one statement per execute`
	hintColumnFirst = `write the column first and compare it with a literal (col op literal)`
	hintRename      = `select the column by its own name and rename it in the Arrow result`
	hintTimeNow     = `write the instant as a literal, e.g. TIMESTAMP '2024-01-01 00:00:00Z'`
)

// unsupported names a construct and what to do instead.
type unsupported struct{ construct, hint string }

// unsupportedStatements maps the first word of SQL statements kafarr does
// not run to the construct named in the error.
var unsupportedStatements = map[string]unsupported{
	"INSERT":    {"INSERT", hintIngest},
	"UPSERT":    {"UPSERT", hintIngest},
	"REPLACE":   {"REPLACE", hintIngest},
	"COPY":      {"COPY", hintIngest},
	"UPDATE":    {"UPDATE", hintAppendOnly},
	"DELETE":    {"DELETE", hintAppendOnly},
	"MERGE":     {"MERGE", hintAppendOnly},
	"TRUNCATE":  {"TRUNCATE", hintAppendOnly},
	"CREATE":    {"CREATE", hintCreate},
	"ALTER":     {"ALTER", hintAdmin},
	"RENAME":    {"RENAME", hintAdmin},
	"GRANT":     {"GRANT", hintAdmin},
	"REVOKE":    {"REVOKE", hintAdmin},
	"WITH":      {"WITH (common table expression)", hintDuckDB},
	"VALUES":    {"VALUES", hintDuckDB},
	"TABLE":     {"TABLE", "use SELECT * FROM topic"},
	"EXPLAIN":   {"EXPLAIN", hintCatalog},
	"SHOW":      {"SHOW", hintCatalog},
	"DESCRIBE":  {"DESCRIBE", hintCatalog},
	"DESC":      {"DESC", hintCatalog},
	"PRAGMA":    {"PRAGMA", hintCatalog},
	"BEGIN":     {"BEGIN", hintAutocommit},
	"START":     {"START TRANSACTION", hintAutocommit},
	"COMMIT":    {"COMMIT", hintAutocommit},
	"ROLLBACK":  {"ROLLBACK", hintAutocommit},
	"SAVEPOINT": {"SAVEPOINT", hintAutocommit},
	"END":       {"END", hintAutocommit},
	"SET":       {"SET", hintOptions},
	"RESET":     {"RESET", hintOptions},
	"USE":       {"USE", hintOptions},
	"CALL":      {"CALL", hintDuckDB},
	"EXEC":      {"EXEC", hintDuckDB},
	"EXECUTE":   {"EXECUTE", hintDuckDB},
	"PREPARE":   {"PREPARE", hintDuckDB},
	"ANALYZE":   {"ANALYZE", hintCatalog},
	"VACUUM":    {"VACUUM", hintAdmin},
}

// unsupportedWords maps keywords that start SQL constructs outside kafarr's
// grammar, met where the grammar expects something else, to the construct.
var unsupportedWords = map[string]unsupported{
	"GROUP":     {"GROUP BY", hintAggregate},
	"HAVING":    {"HAVING", hintAggregate},
	"WINDOW":    {"WINDOW", hintAggregate},
	"QUALIFY":   {"QUALIFY", hintAggregate},
	"DISTINCT":  {"DISTINCT", hintAggregate},
	"JOIN":      {"JOIN", hintDuckDB},
	"INNER":     {"JOIN", hintDuckDB},
	"LEFT":      {"JOIN", hintDuckDB},
	"RIGHT":     {"JOIN", hintDuckDB},
	"FULL":      {"JOIN", hintDuckDB},
	"OUTER":     {"JOIN", hintDuckDB},
	"CROSS":     {"JOIN", hintDuckDB},
	"NATURAL":   {"JOIN", hintDuckDB},
	"ON":        {"JOIN", hintDuckDB},
	"USING":     {"JOIN", hintDuckDB},
	"UNION":     {"UNION", hintDuckDB},
	"INTERSECT": {"INTERSECT", hintDuckDB},
	"EXCEPT":    {"EXCEPT", hintDuckDB},
	"MINUS":     {"MINUS", hintDuckDB},
	"SIMILAR":   {"SIMILAR TO", hintDuckDB},
	"GLOB":      {"GLOB", hintDuckDB},
	"REGEXP":    {"REGEXP", hintDuckDB},
	"RLIKE":     {"RLIKE", hintDuckDB},
	"COLLATE":   {"COLLATE", hintDuckDB},
	"CASE":      {"CASE", hintDuckDB},
	"EXISTS":    {"EXISTS (subquery)", hintDuckDB},
	"OFFSET":    {"OFFSET", hintOffset},
	"FETCH":     {"FETCH FIRST", hintLimit},
	"FOR":       {"FOR UPDATE", hintAppendOnly},
	"INTO":      {"SELECT INTO", hintDuckDB},
	"CASCADE":   {"CASCADE", "drop the topic alone"},
	"RESTRICT":  {"RESTRICT", "drop the topic alone"},
	"NULLS":     {"NULLS FIRST/LAST", hintDuckDB},
}

// reservedWords are the keywords that cannot be unquoted column, alias or
// topic names (a column path may still start with one, as in order.id). The
// value is true for words that often are names, where the error suggests
// quoting.
var reservedWords = map[string]bool{
	"SELECT": false, "FROM": false, "WHERE": false, "AND": false, "OR": false,
	"NOT": false, "IN": false, "BETWEEN": false, "IS": false, "NULL": false,
	"TRUE": false, "FALSE": false, "BY": false, "AS": false, "LIKE": false,
	"ILIKE": false, "CASE": false, "WHEN": false, "THEN": false, "ELSE": false,
	"EXISTS": false, "DISTINCT": false, "HAVING": false, "UNION": false,
	"INTERSECT": false, "EXCEPT": false, "JOIN": false, "ON": false,
	"USING": false, "WITH": false, "INTO": false,
	"ORDER": true, "GROUP": true, "LIMIT": true, "OFFSET": true, "ASC": true,
	"DESC": true, "ALL": true, "END": true, "LEFT": true, "RIGHT": true,
	"FULL": true, "INNER": true, "OUTER": true, "CROSS": true, "NATURAL": true,
	"WINDOW": true, "FETCH": true, "QUALIFY": true, "TABLE": true,
}

// isReserved reports whether s, compared without ASCII case, is reserved.
func isReserved(s string) bool {
	_, ok := reservedWords[upperASCII(s)]
	return ok
}

// upperASCII upper-cases an ASCII word. Words with other bytes are never
// keywords, so it returns "" for them rather than folding Unicode (which
// would make the long s in "ſelect" spell SELECT).
func upperASCII(s string) string {
	if len(s) > 24 {
		return ""
	}
	var b [24]byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf {
			return ""
		}
		if c >= 'a' && c <= 'z' {
			c -= 'a' - 'A'
		}
		b[i] = c
	}
	return string(b[:len(s)])
}

// keyword returns t's text upper-cased when t is an unquoted word, else "".
func keyword(t token) string {
	if t.kind != tokIdent {
		return ""
	}
	return upperASCII(t.text)
}

// comparisonOps maps comparison symbols to their Op.
var comparisonOps = map[string]Op{
	"=": OpEq, "!=": OpNe, "<>": OpNe, "<": OpLt, "<=": OpLe, ">": OpGt, ">=": OpGe,
}

// aggregates are the function names whose error points at aggregation in DuckDB.
var aggregates = map[string]bool{
	"COUNT": true, "SUM": true, "AVG": true, "MIN": true, "MAX": true,
	"STDDEV": true, "VARIANCE": true, "ARRAY_AGG": true, "STRING_AGG": true,
	"MEDIAN": true, "FIRST": true, "LAST": true, "ANY_VALUE": true,
}

// Parse parses one statement of kafarr's SQL subset (SPEC §3.1):
//
//	SELECT select_list FROM topic [[AS] alias]
//	    [WHERE condition] [ORDER BY column [ASC|DESC]] [LIMIT n]
//	SELECT literal [AS name] [, ...]          (no FROM: one constant row)
//	DROP TABLE [IF EXISTS] topic
//
// The select list holds columns and at most one * (or alias.*), in any
// order. A condition is comparisons joined by OR and AND (AND binds
// tighter), negated by NOT and grouped in parentheses; a comparison is
// left op literal (op one of = != <> < <= > >=), left [NOT] IN (literal,
// ...), left [NOT] BETWEEN literal AND literal, left IS [NOT] NULL or left
// [NOT] LIKE|ILIKE 'pattern' [ESCAPE 'c'], where left is a column or a
// literal; TRUE, FALSE and NULL stand alone too. A column reference whose
// first name is the alias (or, without one, the topic's name) is
// qualified by it (see ColumnRef). Keywords are case-insensitive; names
// never change case. A trailing ';' is allowed.
//
// Every error is an adbc.Error. Malformed SQL, empty input and out-of-range
// literals are StatusInvalidArgument and give the line and column of the
// offending token; valid SQL outside the grammar (joins, GROUP BY,
// functions, subqueries, ...) is StatusNotImplemented and says what kafarr
// runs instead and where to run it (FullSQL).
func Parse(sql string) (Stmt, error) {
	p := &parser{src: sql, lex: lexer{src: sql}}
	p.advance()
	return p.statement()
}

// parser is a recursive-descent parser with one token of lookahead (tok)
// plus peek for a second.
type parser struct {
	src string
	lex lexer
	tok token // the current, not yet consumed token
}

func (p *parser) advance() { p.tok = p.lex.next() }

// peek returns the token after the current one without consuming anything.
func (p *parser) peek() token {
	l := p.lex
	return l.next()
}

func (p *parser) statement() (Stmt, error) {
	t := p.tok
	switch {
	case t.kind == tokEOF:
		return nil, p.errAt(adbc.StatusInvalidArgument, "42601", "syntax error", t, "empty query: expected SELECT or DROP TABLE")
	case t.isKeyword("SELECT"):
		return p.selectStmt()
	case t.isKeyword("DROP"):
		return p.dropStmt()
	case t.is("(") && p.peek().isKeyword("SELECT"):
		return nil, p.unsupported(t, "a parenthesised query", hintDuckDB)
	}
	if u, ok := unsupportedStatements[keyword(t)]; ok {
		return nil, p.unsupported(t, u.construct, u.hint)
	}
	return nil, p.unexpected("SELECT or DROP TABLE")
}

// selectStmt parses a SELECT, with p.tok on the SELECT keyword.
func (p *parser) selectStmt() (Stmt, error) {
	p.advance()
	if p.tok.isKeyword("TOP") && p.peek().kind == tokNumber {
		return nil, p.unsupported(p.tok, "TOP", hintLimit)
	}
	q := &Query{Limit: -1}
	var consts []Constant
	var firstConst token
	var qualStar *qualifiedStar
	for {
		t := p.tok
		switch {
		case t.is("*"):
			if q.Star {
				return nil, p.unsupported(t, "more than one * in the select list", "select * once; it is followed or preceded by the columns it lacks")
			}
			q.Star, q.StarAt = true, len(q.Columns)
			p.advance()
		case p.atLiteral():
			c, err := p.constant()
			if err != nil {
				return nil, err
			}
			if len(consts) == 0 {
				firstConst = t
			}
			consts = append(consts, c)
		default:
			col, star, err := p.columnRef("column, literal or *", true)
			if err != nil {
				return nil, err
			}
			if star != nil {
				if q.Star {
					return nil, p.unsupported(star.tok, "more than one * in the select list", "select * once; it is followed or preceded by the columns it lacks")
				}
				q.Star, q.StarAt, qualStar = true, len(q.Columns), star
				break
			}
			if p.tok.isKeyword("AS") {
				return nil, p.unsupported(p.tok, "a column alias (AS)", hintRename)
			}
			q.Columns = append(q.Columns, col)
		}
		if !p.tok.is(",") {
			break
		}
		p.advance()
	}

	if !p.tok.isKeyword("FROM") {
		if q.Star || len(q.Columns) > 0 {
			return nil, p.unexpected("',' or FROM")
		}
		return &ConstantQuery{Constants: consts}, p.finish("',', FROM or end of input")
	}
	if len(consts) > 0 {
		return nil, p.unsupported(firstConst, "a literal in the select list of a topic query", "select columns only")
	}
	p.advance()
	topic, err := p.topicName()
	if err != nil {
		return nil, err
	}
	q.Topic = topic
	if q.Alias, err = p.alias(); err != nil {
		return nil, err
	}
	expected := "WHERE, ORDER BY, LIMIT or end of input"
	if q.Alias == "" {
		expected = "an alias, " + expected
	}
	if p.tok.is(",") {
		return nil, p.unsupported(p.tok, "JOIN", hintDuckDB)
	}

	if p.tok.isKeyword("WHERE") {
		p.advance()
		if q.Where, err = p.orExpr(0); err != nil {
			return nil, err
		}
		expected = "AND, OR, ORDER BY, LIMIT or end of input"
	}

	if p.tok.isKeyword("ORDER") {
		if q.OrderBy, err = p.orderBy(); err != nil {
			return nil, err
		}
		expected = "LIMIT or end of input"
	}

	if p.tok.isKeyword("LIMIT") {
		if q.Limit, err = p.limit(); err != nil {
			return nil, err
		}
		expected = "end of input"
	}
	if err := p.finish(expected); err != nil {
		return nil, err
	}
	if qualStar != nil && qualStar.name != q.Qualifier() {
		return nil, p.unsupported(qualStar.tok, "a qualified * ("+qualStar.name+".*) that is not the topic's",
			"write * or "+sqlIdent(q.Qualifier())+".* for every column, or name the fields of a record column")
	}
	q.qualify()
	return q, nil
}

// qualifiedStar is name.* in a select list, checked against the topic's
// qualifier once FROM is parsed.
type qualifiedStar struct {
	name string
	tok  token // the name's token, for the error
}

// qualify moves a qualifier (the alias, or the topic's name without one)
// out of every dotted column path that starts with it.
func (q *Query) qualify() {
	qual := q.Qualifier()
	fix := func(c *ColumnRef) {
		if len(c.Path) > 1 && c.Path[0] == qual {
			c.Qualifier, c.Path = c.Path[0], c.Path[1:]
		}
	}
	for i := range q.Columns {
		fix(&q.Columns[i])
	}
	for _, t := range Terms(q.Where) {
		if t.Left == nil {
			fix(&t.Column)
		}
	}
	if q.OrderBy != nil {
		fix(&q.OrderBy.Column)
	}
}

// alias parses an optional table alias after the topic: AS name, or a
// bare name that is not a keyword starting a clause.
func (p *parser) alias() (string, error) {
	t := p.tok
	if t.isKeyword("AS") {
		p.advance()
		switch a := p.tok; {
		case a.kind == tokQuotedIdent:
			p.advance()
			return a.val, nil
		case a.kind == tokIdent && !isReserved(a.text):
			p.advance()
			return a.text, nil
		case a.kind == tokIdent:
			return "", p.reservedName(a, "an alias after AS")
		}
		return "", p.unexpected("an alias after AS")
	}
	switch {
	case t.kind == tokQuotedIdent:
	case t.kind == tokIdent && !isReserved(t.text):
		if _, clause := unsupportedWords[keyword(t)]; clause {
			return "", nil
		}
	default:
		return "", nil
	}
	p.advance()
	if t.kind == tokQuotedIdent {
		return t.val, nil
	}
	return t.text, nil
}

// constant parses literal [AS name] in a select list.
func (p *parser) constant() (Constant, error) {
	lit, err := p.literal()
	if err != nil {
		return Constant{}, err
	}
	if err := p.noOperator(); err != nil {
		return Constant{}, err
	}
	c := Constant{Name: lit.String(), Value: lit}
	if !p.tok.isKeyword("AS") {
		return c, nil
	}
	p.advance()
	switch t := p.tok; {
	case t.kind == tokQuotedIdent:
		c.Name = t.val
	case t.kind == tokIdent && !isReserved(t.text):
		c.Name = t.text
	default:
		return Constant{}, p.unexpected("a name after AS")
	}
	p.advance()
	return c, nil
}

// dropStmt parses DROP TABLE [IF EXISTS] topic, with p.tok on DROP.
func (p *parser) dropStmt() (Stmt, error) {
	p.advance()
	if !p.tok.isKeyword("TABLE") {
		if kw := keyword(p.tok); kw != "" {
			return nil, p.unsupported(p.tok, "DROP "+kw, "only DROP TABLE topic is supported")
		}
		return nil, p.unexpected("TABLE after DROP")
	}
	p.advance()
	d := &DropTable{}
	// IF is a keyword only before EXISTS: DROP TABLE if drops a topic named "if".
	if p.tok.isKeyword("IF") && p.peek().isKeyword("EXISTS") {
		p.advance()
		p.advance()
		d.IfExists = true
	}
	topic, err := p.topicName()
	if err != nil {
		return nil, err
	}
	d.Topic = topic
	if p.tok.is(",") {
		return nil, p.unsupported(p.tok, "dropping several topics in one statement", hintOneStmt)
	}
	return d, p.finish("end of input")
}

// topicName parses the topic after FROM or DROP TABLE, re-scanning from the
// current token with the topic rules (see lexer.topic).
func (p *parser) topicName() (string, error) {
	p.lex.pos = p.tok.pos
	t, ok := p.lex.topic()
	if !ok {
		p.tok = t
		if t.is("(") {
			if p.peek().isKeyword("SELECT") {
				return "", p.unsupported(t, "a subquery", hintDuckDB)
			}
			return "", p.unsupported(t, "a table expression in parentheses", hintDuckDB)
		}
		return "", p.unexpected("topic name")
	}
	name := t.val
	if t.kind == tokIdent && isReserved(name) {
		return "", p.reservedName(t, "topic name")
	}
	p.advance()
	if t.kind == tokQuotedIdent && p.tok.is(".") {
		return "", p.unsupported(p.tok, "a qualified topic name (schema.topic)",
			`quote a dotted topic name whole, e.g. "orders.v1"`)
	}
	return name, nil
}

// columnRef parses name[.name ...]. expected says what the caller wanted,
// for the error when no column is there. With allowStar (the select list)
// it also takes name.*, returned as star.
func (p *parser) columnRef(expected string, allowStar bool) (ColumnRef, *qualifiedStar, error) {
	t := p.tok
	var path []string
	switch t.kind {
	case tokQuotedIdent:
		path = append(path, t.val)
	case tokIdent:
		// A reserved word can still start a path: order.id is unambiguous.
		if isReserved(t.text) && !p.peek().is(".") {
			if u, ok := unsupportedWords[keyword(t)]; ok {
				return ColumnRef{}, nil, p.unsupported(t, u.construct, u.hint)
			}
			return ColumnRef{}, nil, p.reservedName(t, expected)
		}
		path = append(path, t.text)
	default:
		return ColumnRef{}, nil, p.unexpected(expected)
	}
	p.advance()
	for p.tok.is(".") {
		p.advance()
		switch s := p.tok; s.kind {
		case tokIdent:
			path = append(path, s.text)
		case tokQuotedIdent:
			path = append(path, s.val)
		default:
			if s.is("*") {
				if !allowStar || len(path) > 1 {
					return ColumnRef{}, nil, p.unsupported(s, "a qualified * ("+strings.Join(path, ".")+".*) here",
						"write * for every column, or name the fields of a record column")
				}
				p.advance()
				return ColumnRef{}, &qualifiedStar{name: path[0], tok: t}, nil
			}
			return ColumnRef{}, nil, p.unexpected("a field name after '.'")
		}
		p.advance()
	}
	if p.tok.is("(") {
		name := strings.Join(path, ".")
		hint := hintFunction
		if aggregates[upperASCII(name)] {
			hint = hintAggregate
		}
		return ColumnRef{}, nil, p.unsupported(t, "function "+name+"()", hint)
	}
	return ColumnRef{Path: path, Pos: t.pos}, nil, nil
}

// orExpr parses and_expr [OR and_expr ...]. depth counts the enclosing
// parentheses and NOTs.
func (p *parser) orExpr(depth int) (Expr, error) {
	return p.logic(Or, depth, p.andExpr)
}

// andExpr parses not_expr [AND not_expr ...].
func (p *parser) andExpr(depth int) (Expr, error) {
	return p.logic(And, depth, p.notExpr)
}

// logic parses operands joined by op, flattening operands that are
// themselves joined by op (from parentheses), into one Logic; a single
// operand is returned as it is.
func (p *parser) logic(op LogicOp, depth int, operand func(int) (Expr, error)) (Expr, error) {
	var args []Expr
	for {
		e, err := operand(depth)
		if err != nil {
			return nil, err
		}
		if l, ok := e.(*Logic); ok && l.Op == op {
			args = append(args, l.Args...)
		} else {
			args = append(args, e)
		}
		if !p.tok.isKeyword(op.String()) {
			break
		}
		p.advance()
	}
	if len(args) == 1 {
		return args[0], nil
	}
	return &Logic{Op: op, Args: args}, nil
}

// notExpr parses NOT not_expr | primary.
func (p *parser) notExpr(depth int) (Expr, error) {
	t := p.tok
	if !t.isKeyword("NOT") {
		return p.primary(depth)
	}
	if err := p.nest(t, depth); err != nil {
		return nil, err
	}
	p.advance()
	x, err := p.notExpr(depth + 1)
	if err != nil {
		return nil, err
	}
	return &Not{X: x}, nil
}

// nest fails when one more level of parentheses or NOT, at t, would nest
// deeper than maxNesting.
func (p *parser) nest(t token, depth int) error {
	if depth >= maxNesting {
		return p.errAt(adbc.StatusInvalidArgument, "54001", "statement too complex", t,
			fmt.Sprintf("WHERE clause nested more than %d parentheses or NOTs deep", maxNesting))
	}
	return nil
}

// primary parses a parenthesised condition, a comparison (of a column, or
// of a literal), or a literal standing alone (TRUE, FALSE, NULL).
func (p *parser) primary(depth int) (Expr, error) {
	t := p.tok
	switch {
	case t.is("("):
		if p.peek().isKeyword("SELECT") {
			return nil, p.unsupported(t, "a subquery", hintDuckDB)
		}
		if err := p.nest(t, depth); err != nil {
			return nil, err
		}
		p.advance()
		e, err := p.orExpr(depth + 1)
		if err != nil {
			return nil, err
		}
		if !p.tok.is(")") {
			return nil, p.unexpected("AND, OR or ')'")
		}
		p.advance()
		return e, nil
	case p.atLiteral():
		lit, err := p.literal()
		if err != nil {
			return nil, err
		}
		if err := p.noOperator(); err != nil {
			return nil, err
		}
		if p.atCondition() {
			return p.condition(&Term{Left: &lit})
		}
		if lit.Kind != LitBool && lit.Kind != LitNull {
			return nil, p.errAt(adbc.StatusInvalidArgument, "42804", "not a condition", t,
				fmt.Sprintf("%s literal is not a condition; write a comparison (col = %s), TRUE or FALSE", article(lit.Kind.String()), lit))
		}
		return &Const{Value: lit}, nil
	}
	col, _, err := p.columnRef("column", false)
	if err != nil {
		return nil, err
	}
	if err := p.noOperator(); err != nil {
		return nil, err
	}
	return p.condition(&Term{Column: col})
}

// atCondition reports whether an operator that continues a comparison
// follows: a comparison symbol, IN, BETWEEN, IS, LIKE, ILIKE or NOT.
func (p *parser) atCondition() bool {
	t := p.tok
	if _, ok := comparisonOps[t.text]; ok && t.kind == tokOp {
		return true
	}
	switch keyword(t) {
	case "IN", "BETWEEN", "IS", "LIKE", "ILIKE":
		return true
	case "NOT":
		switch keyword(p.peek()) {
		case "IN", "BETWEEN", "LIKE", "ILIKE":
			return true
		}
	}
	return false
}

// condition parses what follows the left side of a comparison into term;
// col NOT IN/BETWEEN/LIKE/ILIKE gives a Not of the comparison.
func (p *parser) condition(term *Term) (Expr, error) {
	t := p.tok
	if op, ok := comparisonOps[t.text]; ok && t.kind == tokOp {
		p.advance()
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		term.Op, term.Values = op, []Literal{v}
		return term, nil
	}
	switch keyword(t) {
	case "NOT":
		switch keyword(p.peek()) {
		case "IN", "BETWEEN", "LIKE", "ILIKE":
			p.advance()
			x, err := p.condition(term)
			if err != nil {
				return nil, err
			}
			return &Not{X: x}, nil
		}
	case "IN":
		p.advance()
		if !p.tok.is("(") {
			return nil, p.unexpected("'(' after IN")
		}
		if p.peek().isKeyword("SELECT") {
			return nil, p.unsupported(p.tok, "a subquery", hintDuckDB)
		}
		p.advance()
		term.Op = OpIn
		for {
			v, err := p.value()
			if err != nil {
				return nil, err
			}
			term.Values = append(term.Values, v)
			if p.tok.is(")") {
				p.advance()
				return term, nil
			}
			if !p.tok.is(",") {
				return nil, p.unexpected("',' or ')'")
			}
			p.advance()
		}
	case "BETWEEN":
		p.advance()
		if p.tok.isKeyword("SYMMETRIC") || p.tok.isKeyword("ASYMMETRIC") {
			return nil, p.unsupported(p.tok, "BETWEEN "+keyword(p.tok), "write BETWEEN low AND high")
		}
		lo, err := p.value()
		if err != nil {
			return nil, err
		}
		if !p.tok.isKeyword("AND") {
			return nil, p.unexpected("AND in BETWEEN")
		}
		p.advance()
		hi, err := p.value()
		if err != nil {
			return nil, err
		}
		term.Op, term.Values = OpBetween, []Literal{lo, hi}
		return term, nil
	case "LIKE", "ILIKE":
		term.Op = OpLike
		if keyword(t) == "ILIKE" {
			term.Op = OpILike
		}
		p.advance()
		return term, p.likePattern(term)
	case "IS":
		p.advance()
		term.Op = OpIsNull
		not := ""
		if p.tok.isKeyword("NOT") {
			term.Op, not = OpIsNotNull, "NOT "
			p.advance()
		}
		switch kw := keyword(p.tok); kw {
		case "NULL":
			p.advance()
			return term, nil
		case "TRUE", "FALSE", "UNKNOWN", "DISTINCT":
			return nil, p.unsupported(t, "IS "+not+kw, "compare with = or <>")
		}
		return nil, p.unexpected("NULL after IS " + not)
	}
	return nil, p.unexpected("comparison operator, IN, BETWEEN, IS or LIKE")
}

// likePattern parses the pattern of a LIKE or ILIKE and its optional
// ESCAPE: the pattern is a string (or NULL), the escape one character (or
// ” for none), and a pattern may not end with its escape character.
func (p *parser) likePattern(term *Term) error {
	t := p.tok
	pat, err := p.value()
	if err != nil {
		return err
	}
	if pat.Kind != LitString && pat.Kind != LitNull {
		return p.errAt(adbc.StatusInvalidArgument, "42804", "invalid LIKE pattern", t,
			fmt.Sprintf("the pattern is %s; LIKE takes a string pattern such as 'abc%%'", article(pat.Kind.String())))
	}
	term.Values = []Literal{pat}
	if !p.tok.isKeyword("ESCAPE") {
		return nil
	}
	p.advance()
	et := p.tok
	esc, err := p.value()
	if err != nil {
		return err
	}
	if esc.Kind != LitString || utf8.RuneCountInString(esc.Str) > 1 {
		return p.errAt(adbc.StatusInvalidArgument, "22019", "invalid escape character", et,
			"ESCAPE takes a string of one character, or '' for none")
	}
	if esc.Str != "" && pat.Kind == LitString && trailingEscape(pat.Str, esc.Str) {
		return p.errAt(adbc.StatusInvalidArgument, "22025", "invalid escape sequence", t,
			"the LIKE pattern ends with its escape character")
	}
	term.Values = append(term.Values, esc)
	return nil
}

// article prefixes a word with "a" or "an".
func article(word string) string {
	if word != "" && strings.ContainsRune("aeiouAEIOU", rune(word[0])) {
		return "an " + word
	}
	return "a " + word
}

// trailingEscape reports whether pattern ends with an escape character
// that escapes nothing.
func trailingEscape(pattern, esc string) bool {
	escaped := false
	for _, r := range pattern {
		switch {
		case escaped:
			escaped = false
		case string(r) == esc:
			escaped = true
		}
	}
	return escaped
}

// value parses the literal on the right of a condition, naming the
// construct when it is an expression instead.
func (p *parser) value() (Literal, error) {
	if p.atLiteral() {
		lit, err := p.literal()
		if err != nil {
			return Literal{}, err
		}
		return lit, p.noOperator()
	}
	t := p.tok
	switch kw := keyword(t); kw {
	case "CURRENT_TIMESTAMP", "CURRENT_DATE", "CURRENT_TIME", "LOCALTIMESTAMP", "LOCALTIME":
		return Literal{}, p.unsupported(t, kw, hintTimeNow)
	case "TIME", "INTERVAL":
		if p.peek().kind == tokString {
			return Literal{}, p.unsupported(t, kw+" literals", hintTimeNow)
		}
	}
	switch {
	case t.kind == tokQuotedIdent || (t.kind == tokIdent && !isReserved(t.text)):
		// Parse it as a column to tell a function call from a column.
		if _, _, err := p.columnRef("literal", false); err != nil {
			return Literal{}, err
		}
		return Literal{}, p.unsupported(t, "a column on the right of a condition", hintColumnFirst)
	case t.is("("):
		if p.peek().isKeyword("SELECT") {
			return Literal{}, p.unsupported(t, "a subquery", hintDuckDB)
		}
		return Literal{}, p.unsupported(t, "an expression in parentheses", hintColumnFirst)
	}
	return Literal{}, p.unexpected("literal")
}

// noOperator fails when an arithmetic or cast operator follows a value:
// kafarr evaluates no expressions.
func (p *parser) noOperator() error {
	switch t := p.tok; {
	case t.is("+") || t.is("-") || t.is("*") || t.is("/") || t.is("%") || t.is("||"):
		return p.unsupported(t, "an arithmetic expression ("+t.text+")", hintDuckDB)
	case t.is("::"):
		return p.unsupported(t, "a cast (::)", hintDuckDB)
	}
	return nil
}

// atLiteral reports whether a literal starts at the current token.
func (p *parser) atLiteral() bool {
	t := p.tok
	switch t.kind {
	case tokNumber, tokString:
		return true
	case tokOp:
		return (t.text == "-" || t.text == "+") && p.peek().kind == tokNumber
	case tokIdent:
		switch keyword(t) {
		case "TRUE", "FALSE", "NULL":
			return true
		case "TIMESTAMP", "DATE":
			return p.peek().kind == tokString
		}
	}
	return false
}

// literal parses the literal atLiteral found.
func (p *parser) literal() (Literal, error) {
	t := p.tok
	switch t.kind {
	case tokOp: // a sign; atLiteral saw the number after it
		p.advance()
		return p.number(t.text == "-", t.pos)
	case tokNumber:
		return p.number(false, t.pos)
	case tokString:
		p.advance()
		return Literal{Kind: LitString, Str: t.val, Pos: t.pos}, nil
	}
	lit := Literal{Pos: t.pos}
	switch keyword(t) {
	case "TRUE", "FALSE":
		lit.Kind, lit.Bool = LitBool, keyword(t) == "TRUE"
	case "NULL":
		lit.Kind = LitNull
	case "TIMESTAMP":
		p.advance()
		tm, msg := parseTimestamp(p.tok.val)
		if msg != "" {
			return Literal{}, p.errAt(adbc.StatusInvalidArgument, "22007", "invalid TIMESTAMP literal", p.tok,
				msg+"; want 'YYYY-MM-DD HH:MM:SS[.fffffffff][Z|±HH:MM]'")
		}
		lit.Kind, lit.Time = LitTimestamp, tm
	case "DATE":
		p.advance()
		tm, msg := parseDate(p.tok.val)
		if msg != "" {
			return Literal{}, p.errAt(adbc.StatusInvalidArgument, "22007", "invalid DATE literal", p.tok,
				msg+"; want 'YYYY-MM-DD'")
		}
		lit.Kind, lit.Time = LitDate, tm
	}
	p.advance()
	return lit, nil
}

// number converts the number token at p.tok, negated if neg, into an
// integer literal, or a float one when it has a '.' or an exponent.
func (p *parser) number(neg bool, pos int) (Literal, error) {
	t := p.tok
	text := t.text
	if neg {
		text = "-" + text
	}
	lit := Literal{Text: text, Pos: pos}
	if strings.ContainsAny(t.text, ".eE") {
		f, err := strconv.ParseFloat(text, 64)
		if err != nil {
			return Literal{}, p.errAt(adbc.StatusInvalidArgument, "22003", "invalid number", t, "out of range for a 64-bit float")
		}
		lit.Kind, lit.Float = LitFloat, f
	} else {
		n, err := strconv.ParseInt(text, 10, 64)
		if err != nil {
			return Literal{}, p.errAt(adbc.StatusInvalidArgument, "22003", "invalid number", t,
				"integer out of range for int64 (-9223372036854775808 to 9223372036854775807)")
		}
		lit.Kind, lit.Int = LitInt, n
	}
	p.advance()
	return lit, nil
}

// orderBy parses ORDER BY column [ASC|DESC], with p.tok on ORDER.
func (p *parser) orderBy() (*OrderBy, error) {
	p.advance()
	if !p.tok.isKeyword("BY") {
		return nil, p.unexpected("BY after ORDER")
	}
	p.advance()
	if p.tok.kind == tokNumber {
		return nil, p.unsupported(p.tok, "ORDER BY a column position", "name the column")
	}
	col, _, err := p.columnRef("column after ORDER BY", false)
	if err != nil {
		return nil, err
	}
	if err := p.noOperator(); err != nil {
		return nil, err
	}
	ob := &OrderBy{Column: col}
	if p.tok.isKeyword("ASC") {
		p.advance()
	} else if p.tok.isKeyword("DESC") {
		ob.Desc = true
		p.advance()
	}
	if p.tok.is(",") {
		return nil, p.unsupported(p.tok, "ORDER BY more than one column", hintDuckDB)
	}
	return ob, nil
}

// limit parses LIMIT n | LIMIT ALL, with p.tok on LIMIT; -1 means none.
func (p *parser) limit() (int64, error) {
	p.advance()
	t := p.tok
	n := int64(-1)
	switch {
	case t.isKeyword("ALL"):
	case t.kind == tokNumber:
		v, err := strconv.ParseInt(t.text, 10, 64)
		if err != nil {
			detail := "LIMIT must be a non-negative integer"
			if errors.Is(err, strconv.ErrRange) {
				detail = "LIMIT out of range for int64"
			}
			return 0, p.errAt(adbc.StatusInvalidArgument, "2201W", "invalid LIMIT", t, detail)
		}
		n = v
	case t.is("-"):
		return 0, p.errAt(adbc.StatusInvalidArgument, "2201W", "invalid LIMIT", t, "LIMIT must be a non-negative integer")
	default:
		return 0, p.unexpected("row count after LIMIT")
	}
	p.advance()
	if p.tok.is(",") {
		return 0, p.unsupported(p.tok, "LIMIT offset, count", hintOffset)
	}
	if err := p.noOperator(); err != nil {
		return 0, err
	}
	return n, nil
}

// finish accepts trailing semicolons and then requires the end of input;
// expected lists what else could have come next, for the error.
func (p *parser) finish(expected string) error {
	if p.tok.is(";") {
		for p.tok.is(";") {
			p.advance()
		}
		if p.tok.kind == tokEOF {
			return nil
		}
		if p.tok.kind == tokIllegal {
			return p.unexpected("end of input")
		}
		return p.unsupported(p.tok, "more than one statement", hintOneStmt)
	}
	if p.tok.kind != tokEOF {
		return p.unexpected(expected)
	}
	return nil
}

// unexpected reports the current token where the grammar wanted expected:
// as NotImplemented when it starts a known SQL construct kafarr does not
// run, else as a syntax error (the lexer's own message for a bad token).
func (p *parser) unexpected(expected string) error {
	t := p.tok
	switch t.kind {
	case tokIllegal:
		return p.errAt(adbc.StatusInvalidArgument, "42601", "syntax error", t, t.val)
	case tokParam:
		return p.unsupported(t, "a query parameter ("+t.text+")", hintParams)
	case tokIdent:
		if u, ok := unsupportedWords[keyword(t)]; ok {
			return p.unsupported(t, u.construct, u.hint)
		}
	case tokOp:
		if err := p.noOperator(); err != nil && !t.is("*") {
			return err
		}
	}
	return p.errAt(adbc.StatusInvalidArgument, "42601", "syntax error", t, "expected "+expected)
}

// reservedName reports a reserved word used where a name was expected.
func (p *parser) reservedName(t token, expected string) error {
	detail := "expected " + expected
	if reservedWords[keyword(t)] {
		detail += fmt.Sprintf(" (%s is a keyword; quote it to use it as a name: %s)", t.text, QuoteIdent(t.text))
	}
	return p.errAt(adbc.StatusInvalidArgument, "42601", "syntax error", t, detail)
}

// errAt builds an InvalidArgument-style error pointing at t:
// "kafarr: <what> at line L, column C near "<token>": <detail>".
func (p *parser) errAt(code adbc.Status, sqlState, what string, t token, detail string) error {
	line, col := LineCol(p.src, t.pos)
	return adbc.Error{
		Code:     code,
		Msg:      fmt.Sprintf("kafarr: %s at line %d, column %d near %s: %s", what, line, col, nearText(t), detail),
		SqlState: sqlStateOf(sqlState),
	}
}

// unsupported builds the NotImplemented error for a construct outside the
// grammar: what it is, where, what kafarr runs, and where to run it instead.
func (p *parser) unsupported(t token, construct, hint string) error {
	line, col := LineCol(p.src, t.pos)
	return adbc.Error{
		Code:     adbc.StatusNotImplemented,
		Msg:      fmt.Sprintf("kafarr: %s is not supported (line %d, column %d); %s; %s", construct, line, col, supportedGrammar, hint),
		SqlState: sqlStateOf("0A000"),
	}
}

// nearText quotes a token for an error message, cut to a readable length.
func nearText(t token) string {
	if t.kind == tokEOF {
		return "end of input"
	}
	const maxLen = 40
	text := t.text
	if len(text) > maxLen {
		cut := maxLen
		for cut > 0 && !utf8.RuneStart(text[cut]) {
			cut--
		}
		text = text[:cut] + "..."
	}
	return strconv.Quote(text)
}

func sqlStateOf(s string) (st [5]byte) {
	copy(st[:], s)
	return st
}
