package sqlparse

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/apache/arrow-adbc/go/adbc"
)

// maxNesting bounds how deeply parentheses may nest in a WHERE clause, so
// that hostile input cannot make the recursive parser grow its stack
// without limit.
const maxNesting = 64

// supportedGrammar is the one-line summary of kafarr's SQL that every
// NotImplemented error quotes.
const supportedGrammar = "kafarr runs SELECT * | col, ... FROM topic " +
	"[WHERE col op literal [AND ...]] [ORDER BY _offset|_timestamp [DESC]] [LIMIT n], " +
	"op being = <> < <= > >= IN (...) BETWEEN a AND b IS [NOT] NULL"

// Hints ending NotImplemented errors: where to do what kafarr does not.
const (
	hintDuckDB      = `run it in DuckDB over the Arrow result (duckdb.sql("... FROM tbl") on tbl = cursor.fetch_arrow_table())`
	hintAggregate   = `run aggregations in DuckDB over the Arrow result (duckdb.sql("... FROM tbl") on cursor.fetch_arrow_table())`
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
	"OR":        {"OR", hintDuckDB},
	"NOT":       {"NOT", hintDuckDB},
	"LIKE":      {"LIKE", hintDuckDB},
	"ILIKE":     {"ILIKE", hintDuckDB},
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
//	SELECT * | column [, column ...] FROM topic
//	    [WHERE term [AND term ...]] [ORDER BY column [ASC|DESC]] [LIMIT n]
//	SELECT literal [AS name] [, ...]          (no FROM: one constant row)
//	DROP TABLE [IF EXISTS] topic
//
// where a term is column op literal (op one of = != <> < <= > >=), column
// IN (literal, ...), column BETWEEN literal AND literal or column IS [NOT]
// NULL, and WHERE terms may be grouped in parentheses. Keywords are
// case-insensitive; names never change case. A trailing ';' is allowed.
//
// Every error is an adbc.Error. Malformed SQL, empty input and out-of-range
// literals are StatusInvalidArgument and give the line and column of the
// offending token; valid SQL outside the grammar (joins, GROUP BY,
// functions, subqueries, OR, ...) is StatusNotImplemented and says what
// kafarr runs instead.
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
	for {
		t := p.tok
		switch {
		case t.is("*"):
			if len(q.Columns)+len(consts) > 0 {
				return nil, p.unsupported(t, "* mixed with other select items", "select * alone, or name every column")
			}
			q.Star = true
			p.advance()
			if p.tok.is(",") {
				return nil, p.unsupported(t, "* mixed with other select items", "select * alone, or name every column")
			}
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
			col, err := p.columnRef("column, literal or *")
			if err != nil {
				return nil, err
			}
			if p.tok.isKeyword("AS") {
				return nil, p.unsupported(p.tok, "a column alias (AS)", hintRename)
			}
			q.Columns = append(q.Columns, col)
		}
		if q.Star || !p.tok.is(",") {
			break
		}
		p.advance()
	}

	if !p.tok.isKeyword("FROM") {
		switch {
		case q.Star:
			return nil, p.unexpected("FROM")
		case len(q.Columns) > 0:
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
	expected := "WHERE, ORDER BY, LIMIT or end of input"
	if p.tok.is(",") {
		return nil, p.unsupported(p.tok, "JOIN", hintDuckDB)
	}

	if p.tok.isKeyword("WHERE") {
		p.advance()
		if q.Where, err = p.predicate(nil, 0); err != nil {
			return nil, err
		}
		expected = "AND, ORDER BY, LIMIT or end of input"
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
	return q, p.finish(expected)
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
	if p.tok.isKeyword("AS") {
		return "", p.unsupported(p.tok, "a table alias", "refer to columns by their own names")
	}
	return name, nil
}

// columnRef parses name[.name ...]. expected says what the caller wanted,
// for the error when no column is there.
func (p *parser) columnRef(expected string) (ColumnRef, error) {
	t := p.tok
	var path []string
	switch t.kind {
	case tokQuotedIdent:
		path = append(path, t.val)
	case tokIdent:
		// A reserved word can still start a path: order.id is unambiguous.
		if isReserved(t.text) && !p.peek().is(".") {
			if u, ok := unsupportedWords[keyword(t)]; ok {
				return ColumnRef{}, p.unsupported(t, u.construct, u.hint)
			}
			return ColumnRef{}, p.reservedName(t, expected)
		}
		path = append(path, t.text)
	default:
		return ColumnRef{}, p.unexpected(expected)
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
				return ColumnRef{}, p.unsupported(s, "a qualified * (name.*)", "select * alone, or name every column")
			}
			return ColumnRef{}, p.unexpected("a field name after '.'")
		}
		p.advance()
	}
	if p.tok.is("(") {
		name := strings.Join(path, ".")
		hint := `run functions in DuckDB over the Arrow result (duckdb.sql("... FROM tbl") on tbl = cursor.fetch_arrow_table())`
		if aggregates[upperASCII(name)] {
			hint = hintAggregate
		}
		return ColumnRef{}, p.unsupported(t, "function "+name+"()", hint)
	}
	return ColumnRef{Path: path, Pos: t.pos}, nil
}

// predicate parses term [AND term ...], appending to terms. depth counts
// the enclosing parentheses.
func (p *parser) predicate(terms []Term, depth int) ([]Term, error) {
	for {
		var err error
		if terms, err = p.term(terms, depth); err != nil {
			return nil, err
		}
		if !p.tok.isKeyword("AND") {
			return terms, nil
		}
		p.advance()
	}
}

// term parses one condition, or a parenthesised predicate whose terms are
// flattened into terms (every connective is AND, so grouping changes nothing).
func (p *parser) term(terms []Term, depth int) ([]Term, error) {
	t := p.tok
	switch {
	case t.is("("):
		if p.peek().isKeyword("SELECT") {
			return nil, p.unsupported(t, "a subquery", hintDuckDB)
		}
		if depth >= maxNesting {
			return nil, p.errAt(adbc.StatusInvalidArgument, "54001", "statement too complex", t,
				fmt.Sprintf("WHERE clause nested more than %d parentheses deep", maxNesting))
		}
		p.advance()
		terms, err := p.predicate(terms, depth+1)
		if err != nil {
			return nil, err
		}
		if !p.tok.is(")") {
			return nil, p.unexpected("AND or ')'")
		}
		p.advance()
		return terms, nil
	case t.isKeyword("NOT"):
		return nil, p.unsupported(t, "NOT", "write the condition without NOT (<> and IS NOT NULL are supported)")
	case p.atLiteral():
		return nil, p.unsupported(t, "a literal on the left of a condition", hintColumnFirst)
	}
	col, err := p.columnRef("column")
	if err != nil {
		return nil, err
	}
	if err := p.noOperator(); err != nil {
		return nil, err
	}
	term, err := p.condition(col)
	if err != nil {
		return nil, err
	}
	return append(terms, term), nil
}

// condition parses what follows the column of a term.
func (p *parser) condition(col ColumnRef) (Term, error) {
	term := Term{Column: col}
	t := p.tok
	if op, ok := comparisonOps[t.text]; ok && t.kind == tokOp {
		p.advance()
		v, err := p.value()
		if err != nil {
			return Term{}, err
		}
		term.Op, term.Values = op, []Literal{v}
		return term, nil
	}
	switch keyword(t) {
	case "IN":
		p.advance()
		if !p.tok.is("(") {
			return Term{}, p.unexpected("'(' after IN")
		}
		if p.peek().isKeyword("SELECT") {
			return Term{}, p.unsupported(p.tok, "a subquery", hintDuckDB)
		}
		p.advance()
		term.Op = OpIn
		for {
			v, err := p.value()
			if err != nil {
				return Term{}, err
			}
			term.Values = append(term.Values, v)
			if p.tok.is(")") {
				p.advance()
				return term, nil
			}
			if !p.tok.is(",") {
				return Term{}, p.unexpected("',' or ')'")
			}
			p.advance()
		}
	case "BETWEEN":
		p.advance()
		if p.tok.isKeyword("SYMMETRIC") || p.tok.isKeyword("ASYMMETRIC") {
			return Term{}, p.unsupported(p.tok, "BETWEEN "+keyword(p.tok), "write BETWEEN low AND high")
		}
		lo, err := p.value()
		if err != nil {
			return Term{}, err
		}
		if !p.tok.isKeyword("AND") {
			return Term{}, p.unexpected("AND in BETWEEN")
		}
		p.advance()
		hi, err := p.value()
		if err != nil {
			return Term{}, err
		}
		term.Op, term.Values = OpBetween, []Literal{lo, hi}
		return term, nil
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
			return Term{}, p.unsupported(t, "IS "+not+kw, "compare with = or <>")
		}
		return Term{}, p.unexpected("NULL after IS " + not)
	case "NOT":
		construct := "NOT"
		switch kw := keyword(p.peek()); kw {
		case "IN", "BETWEEN", "LIKE", "ILIKE":
			construct = "NOT " + kw
		}
		return Term{}, p.unsupported(t, construct, hintDuckDB)
	}
	return Term{}, p.unexpected("comparison operator, IN, BETWEEN or IS")
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
		if _, err := p.columnRef("literal"); err != nil {
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
	col, err := p.columnRef("column after ORDER BY")
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
