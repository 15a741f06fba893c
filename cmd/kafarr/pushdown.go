package main

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
)

// What a DuckDB query lets kafarr narrow in its reads, derived from
// DuckDB's own parse of the query (json_serialize_sql), so that the two
// never disagree about what the SQL means. Every pushdown is a superset:
// DuckDB still evaluates the whole query over what kafarr returns, so a
// predicate kafarr cannot take only costs reading more.
//
//   - Projection: a topic's read keeps only the columns the query names
//     anywhere (any part of a column reference, USING columns), or all of
//     SELECT *'s columns when the query has a star, a COLUMNS(...), a
//     whole-row reference, column aliases on the table or a NATURAL join.
//   - Bounds: in the SELECT whose FROM holds a topic read once, each
//     top-level AND term comparing _partition or _offset with an integer,
//     or _timestamp with a constant timestamp expression, becomes a kafarr
//     predicate (so partitions and offset ranges are never fetched). Such
//     comparisons are false on NULL, so they hold under any join type.
//     OR of such terms is pushed too when the driver takes OR.
//   - LIMIT n [OFFSET m]: pushed as LIMIT n+m when the query is one SELECT
//     over one topic with no aggregate, window, DISTINCT, ORDER BY, GROUP
//     BY, HAVING, QUALIFY or sample, and every WHERE term was pushed.

// jmap is one object of DuckDB's JSON parse tree.
type jmap = map[string]any

func jstr(m jmap, key string) string {
	s, _ := m[key].(string)
	return s
}

func jobj(m jmap, key string) jmap {
	o, _ := m[key].(jmap)
	return o
}

func jarr(m jmap, key string) []any {
	a, _ := m[key].([]any)
	return a
}

// walk calls fn on every object in v, depth first, in key order (so
// that a join's left side comes before its right).
func walk(v any, fn func(jmap)) {
	switch v := v.(type) {
	case jmap:
		fn(v)
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			walk(v[k], fn)
		}
	case []any:
		for _, c := range v {
			walk(c, fn)
		}
	}
}

// topicRead is one topic a DuckDB query reads, and how.
type topicRead struct {
	topic string
	// schemaName and tableName are how the query names it: a dotted topic
	// written unquoted (orders.v1) parses as schema orders, table v1.
	schemaName, tableName string
	// refs counts the query's references to the topic: with more than
	// one (a self-join, a subquery) no bounds are pushed, since each
	// reference may filter differently; the one read serves them all.
	refs int
	star bool
	// columns is the projection read, in the topic's column order.
	columns []string
	// preds are AND terms of the read's WHERE; orPreds are disjunctions,
	// dropped if the driver refuses them.
	preds, orPreds []string
	// inexact is set when a pushed predicate reads more than the query's
	// (a timestamp bound widened to whole milliseconds): LIMIT then stays
	// in DuckDB.
	inexact bool
	// limit is the rows the read may stop at; -1 for all.
	limit int64
	// schema is the topic's SELECT * schema.
	schema *arrow.Schema
	// refMaps are the query's BASE_TABLE objects naming the topic.
	refMaps []jmap
}

// sqlFor is the kafarr query of the read: with its OR terms or not, with
// its predicates or not (for drivers that refuse them).
func (t *topicRead) sqlFor(withOr bool, withPreds bool) string {
	var b strings.Builder
	b.WriteString("SELECT ")
	for i, c := range t.columns {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(quoteIdent(c))
	}
	b.WriteString(" FROM ")
	b.WriteString(quoteIdent(t.topic))
	var where []string
	if withPreds {
		where = append(where, t.preds...)
		if withOr {
			where = append(where, t.orPreds...)
		}
	}
	if len(where) > 0 {
		b.WriteString(" WHERE ")
		b.WriteString(strings.Join(where, " AND "))
	}
	if t.limit >= 0 {
		fmt.Fprintf(&b, " LIMIT %d", t.limit)
	}
	return b.String()
}

// quoteIdent double-quotes an identifier, doubling quotes inside it.
func quoteIdent(s string) string {
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}

// analyzer derives the reads of one parsed query.
type analyzer struct {
	root jmap // the statement's "node"
	// schemaOf returns a topic's SELECT * schema; a NotFound error ends
	// the analysis. ok=false means the name is not a topic but something
	// DuckDB resolves itself (a local file).
	schemaOf func(topic string) (sc *arrow.Schema, ok bool, err error)
	// epochMicros evaluates a constant expression as a timestamp with
	// time zone, in microseconds since the epoch; ok=false when DuckDB
	// cannot.
	epochMicros func(expr jmap) (int64, bool)
	// isAggregate reports DuckDB aggregate function names.
	isAggregate func(name string) bool

	topics []*topicRead
	byName map[string]*topicRead
}

// analyze finds the topics the query names and what to push into each
// read.
func (a *analyzer) analyze() error {
	a.byName = map[string]*topicRead{}
	ctes := map[string]bool{}
	walk(a.root, func(m jmap) {
		if cm := jobj(m, "cte_map"); cm != nil {
			for _, e := range jarr(cm, "map") {
				if e, ok := e.(jmap); ok {
					ctes[strings.ToLower(jstr(e, "key"))] = true
				}
			}
		}
	})
	var err error
	walk(a.root, func(m jmap) {
		if err != nil || jstr(m, "type") != "BASE_TABLE" {
			return
		}
		schema, table := jstr(m, "schema_name"), jstr(m, "table_name")
		if schema == "" && ctes[strings.ToLower(table)] {
			return
		}
		topic := table
		if schema != "" {
			topic = schema + "." + table
		}
		if cat := jstr(m, "catalog_name"); cat != "" {
			topic = cat + "." + topic
			err = fmt.Errorf("%s: a topic name with two dots must be double-quoted (\"%s\")", topic, topic)
			return
		}
		t := a.byName[topic]
		if t == nil {
			sc, ok, e := a.schemaOf(topic)
			if e != nil {
				err = e
				return
			}
			if !ok {
				return
			}
			t = &topicRead{topic: topic, schemaName: schema, tableName: table, schema: sc, limit: -1}
			a.byName[topic] = t
			a.topics = append(a.topics, t)
		}
		t.refs++
		t.refMaps = append(t.refMaps, m)
	})
	if err != nil {
		return err
	}
	a.project()
	for _, t := range a.topics {
		if t.refs == 1 {
			a.bounds(t)
		}
	}
	a.pushLimit()
	return nil
}

// qualifiers returns the names a column reference may use to qualify a
// topic's columns: its aliases, else its table name.
func (t *topicRead) qualifiers() []string {
	var qs []string
	for _, m := range t.refMaps {
		q := jstr(m, "alias")
		if q == "" {
			q = t.tableName
		}
		qs = append(qs, strings.ToLower(q))
	}
	return qs
}

// project chooses each topic's columns.
func (a *analyzer) project() {
	named := map[string]bool{}  // every identifier a column reference uses
	single := map[string]bool{} // one-part column references
	starAll := false
	starOf := map[string]bool{}
	walk(a.root, func(m jmap) {
		switch {
		case jstr(m, "class") == "COLUMN_REF":
			if names := jarr(m, "column_names"); len(names) == 1 {
				if s, ok := names[0].(string); ok {
					single[strings.ToLower(s)] = true
				}
			}
			for _, n := range jarr(m, "column_names") {
				if s, ok := n.(string); ok {
					named[strings.ToLower(s)] = true
				}
			}
		case jstr(m, "class") == "STAR":
			if rel := jstr(m, "relation_name"); rel != "" && m["columns"] != true {
				starOf[strings.ToLower(rel)] = true
			} else {
				starAll = true
			}
		case jstr(m, "type") == "JOIN":
			if jstr(m, "ref_type") == "NATURAL" {
				starAll = true
			}
			for _, n := range jarr(m, "using_columns") {
				if s, ok := n.(string); ok {
					named[strings.ToLower(s)] = true
				}
			}
		}
	})
	for _, t := range a.topics {
		t.star = starAll
		for _, q := range t.qualifiers() {
			// t.* , or the whole row as a struct (SELECT t FROM ticks t)
			if starOf[q] || single[q] {
				t.star = true
			}
		}
		for _, m := range t.refMaps {
			if len(jarr(m, "column_name_alias")) > 0 {
				t.star = true
			}
		}
		var cols []string
		seen := map[string]bool{}
		for _, f := range t.schema.Fields() {
			if t.star || named[strings.ToLower(f.Name)] {
				cols = append(cols, f.Name)
				seen[f.Name] = true
			}
		}
		for _, mc := range metadataColumns {
			if named[mc] && !seen[mc] {
				cols = append(cols, mc)
				seen[mc] = true
			}
		}
		if len(cols) == 0 {
			// count(*) and the like need rows, not values: the cheapest
			// column, which kafarr fills without decoding the value.
			cols = []string{"_partition"}
		}
		t.columns = cols
	}
}

// metadataColumns are kafarr's metadata columns, selectable by name
// whether or not SELECT * lists them.
var metadataColumns = []string{"_topic", "_partition", "_offset", "_timestamp", "_key", "_headers", "_schema_id"}

// boundColumns are the metadata columns kafarr turns into offsets.
var boundColumns = map[string]bool{"_partition": true, "_offset": true, "_timestamp": true}

// selectOf returns the SELECT_NODE whose FROM holds ref directly (through
// joins, not subqueries), and whether ref is that FROM's only table.
func (a *analyzer) selectOf(ref jmap) (sel jmap, only bool) {
	walk(a.root, func(m jmap) {
		if sel != nil || jstr(m, "type") != "SELECT_NODE" {
			return
		}
		from := jobj(m, "from_table")
		if sameObj(from, ref) {
			sel, only = m, true
			return
		}
		var found bool
		var visit func(jmap)
		visit = func(f jmap) {
			if f == nil || found {
				return
			}
			if sameObj(f, ref) {
				found = true
				return
			}
			if jstr(f, "type") == "JOIN" {
				visit(jobj(f, "left"))
				visit(jobj(f, "right"))
			}
		}
		visit(from)
		if found {
			sel = m
		}
	})
	return sel, only
}

// sameObj reports whether a and b are the same parsed object.
func sameObj(a, b jmap) bool {
	if a == nil || b == nil {
		return false
	}
	return fmt.Sprintf("%p", a) == fmt.Sprintf("%p", b)
}

// conjuncts flattens a WHERE clause's top-level ANDs.
func conjuncts(e jmap) []jmap {
	if e == nil {
		return nil
	}
	if jstr(e, "type") == "CONJUNCTION_AND" {
		var out []jmap
		for _, c := range jarr(e, "children") {
			if c, ok := c.(jmap); ok {
				out = append(out, conjuncts(c)...)
			}
		}
		return out
	}
	return []jmap{e}
}

// bounds pushes the metadata-column terms of the WHERE of the SELECT that
// reads t.
func (a *analyzer) bounds(t *topicRead) {
	ref := t.refMaps[0]
	if ref["sample"] != nil {
		return // the sample is drawn before WHERE: narrowing would change it
	}
	sel, only := a.selectOf(ref)
	if sel == nil {
		return
	}
	quals := t.qualifiers()
	for _, term := range conjuncts(jobj(sel, "where_clause")) {
		if p, exact, ok := a.metaTerm(term, quals, only); ok {
			t.preds = append(t.preds, p)
			t.inexact = t.inexact || !exact
			continue
		}
		if jstr(term, "type") == "CONJUNCTION_OR" {
			var alts []string
			allExact := true
			for _, c := range jarr(term, "children") {
				c, _ := c.(jmap)
				p, exact, ok := a.metaTerm(c, quals, only)
				if !ok {
					alts = nil
					break
				}
				alts = append(alts, "("+p+")")
				allExact = allExact && exact
			}
			if alts != nil {
				t.orPreds = append(t.orPreds, "("+strings.Join(alts, " OR ")+")")
				t.inexact = t.inexact || !allExact
			}
		}
	}
}

// metaColumn returns the bound column a column reference names, if it
// names one of the topic's (qualified by quals, or unqualified when the
// topic is its SELECT's only table).
func metaColumn(e jmap, quals []string, only bool) string {
	if jstr(e, "class") != "COLUMN_REF" {
		return ""
	}
	var names []string
	for _, n := range jarr(e, "column_names") {
		s, _ := n.(string)
		names = append(names, strings.ToLower(s))
	}
	switch {
	case len(names) == 1 && only && boundColumns[names[0]]:
		return names[0]
	case len(names) == 2 && slices.Contains(quals, names[0]) && boundColumns[names[1]]:
		return names[1]
	}
	return ""
}

// comparisons maps DuckDB's comparison types to SQL operators, and
// flipped gives the operator with its operands swapped.
var (
	comparisons = map[string]string{
		"COMPARE_EQUAL": "=", "COMPARE_LESSTHAN": "<", "COMPARE_GREATERTHAN": ">",
		"COMPARE_LESSTHANOREQUALTO": "<=", "COMPARE_GREATERTHANOREQUALTO": ">=",
	}
	flipped = map[string]string{"=": "=", "<": ">", ">": "<", "<=": ">=", ">=": "<="}
)

// metaTerm translates one term into a kafarr predicate on a bound column;
// exact is false when the predicate is wider than the term.
func (a *analyzer) metaTerm(e jmap, quals []string, only bool) (pred string, exact, ok bool) {
	if e == nil {
		return "", false, false
	}
	switch {
	case jstr(e, "class") == "COMPARISON":
		op, ok := comparisons[jstr(e, "type")]
		if !ok {
			return "", false, false
		}
		l, r := jobj(e, "left"), jobj(e, "right")
		col := metaColumn(l, quals, only)
		if col == "" {
			if col = metaColumn(r, quals, only); col == "" {
				return "", false, false
			}
			r, op = l, flipped[op]
		}
		return a.compare(col, op, r)
	case jstr(e, "class") == "BETWEEN":
		col := metaColumn(jobj(e, "input"), quals, only)
		if col == "" {
			return "", false, false
		}
		lo, exactLo, ok1 := a.compare(col, ">=", jobj(e, "lower"))
		hi, exactHi, ok2 := a.compare(col, "<=", jobj(e, "upper"))
		if !ok1 || !ok2 {
			return "", false, false
		}
		return lo + " AND " + hi, exactLo && exactHi, true
	case jstr(e, "type") == "COMPARE_IN":
		kids := jarr(e, "children")
		if len(kids) < 2 {
			return "", false, false
		}
		first, _ := kids[0].(jmap)
		col := metaColumn(first, quals, only)
		if col == "" || col == "_timestamp" {
			return "", false, false
		}
		var vals []string
		for _, k := range kids[1:] {
			k, _ := k.(jmap)
			v, ok := intConstant(k)
			if !ok {
				return "", false, false
			}
			vals = append(vals, strconv.FormatInt(v, 10))
		}
		return col + " IN (" + strings.Join(vals, ", ") + ")", true, true
	}
	return "", false, false
}

// compare renders "col op value" for kafarr: integers for _partition and
// _offset; for _timestamp, milliseconds since the epoch (kafarr's
// timestamps are whole milliseconds). A timestamp with a finer part is
// widened outwards (a lower bound rounds down, an upper bound up) and
// inexact: DuckDB filters exactly anyway.
func (a *analyzer) compare(col, op string, v jmap) (pred string, exact, ok bool) {
	if col != "_timestamp" {
		n, ok := intConstant(v)
		if !ok {
			return "", false, false
		}
		return fmt.Sprintf("%s %s %d", col, op, n), true, true
	}
	if !constantExpr(v) {
		return "", false, false
	}
	us, ok := a.epochMicros(v)
	if !ok {
		return "", false, false
	}
	if us%1000 == 0 {
		return fmt.Sprintf("_timestamp %s %d", op, us/1000), true, true
	}
	lo := floorDiv(us, 1000)
	hi := lo + 1
	switch op {
	case ">", ">=":
		return fmt.Sprintf("_timestamp >= %d", lo), false, true
	case "<", "<=":
		return fmt.Sprintf("_timestamp <= %d", hi), false, true
	case "=":
		return fmt.Sprintf("_timestamp BETWEEN %d AND %d", lo, hi), false, true
	}
	return "", false, false
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// intConstant reads an integer literal.
func intConstant(e jmap) (int64, bool) {
	if e == nil || jstr(e, "class") != "CONSTANT" {
		return 0, false
	}
	lit := jobj(e, "literal")
	switch jstr(lit, "kind") {
	case "INTEGER", "BIGINT", "HUGEINT", "SMALLINT", "TINYINT", "UBIGINT", "UINTEGER", "USMALLINT", "UTINYINT":
	default:
		return 0, false
	}
	n, err := strconv.ParseInt(jstr(lit, "text"), 10, 64)
	return n, err == nil && n > math.MinInt64
}

// constantFunctions may appear in a pushed timestamp expression: operators
// and what INTERVAL literals parse to. They are deterministic, unlike
// now(), whose value would differ between the pushdown and the query.
var constantFunctions = map[string]bool{
	"+": true, "-": true, "trunc": true,
	"to_years": true, "to_months": true, "to_weeks": true, "to_days": true, "to_hours": true,
	"to_minutes": true, "to_seconds": true, "to_milliseconds": true, "to_microseconds": true,
}

// constantExpr reports an expression made of literals, casts and the
// constantFunctions only.
func constantExpr(e jmap) bool {
	if e == nil {
		return false
	}
	switch jstr(e, "class") {
	case "CONSTANT":
		return true
	case "CAST":
		return constantExpr(jobj(e, "child"))
	case "FUNCTION":
		if !constantFunctions[strings.ToLower(jstr(e, "function_name"))] {
			return false
		}
		for _, arg := range jarr(e, "arguments") {
			arg, _ := arg.(jmap)
			if !constantExpr(jobj(arg, "expression")) {
				return false
			}
		}
		return len(jarr(e, "children")) == 0
	}
	return false
}

// pushLimit pushes LIMIT into the read of a query that is one plain SELECT
// over one topic read once, when nothing between the read and the LIMIT
// can drop, merge, add or reorder rows.
func (a *analyzer) pushLimit() {
	if len(a.topics) != 1 || a.topics[0].refs != 1 || jstr(a.root, "type") != "SELECT_NODE" {
		return
	}
	t := a.topics[0]
	n := a.root
	if !sameObj(jobj(n, "from_table"), t.refMaps[0]) || t.refMaps[0]["sample"] != nil || n["sample"] != nil {
		return
	}
	if len(jarr(jobj(n, "cte_map"), "map")) > 0 || len(jarr(n, "group_expressions")) > 0 ||
		len(jarr(n, "group_sets")) > 0 || n["having"] != nil || n["qualify"] != nil ||
		jstr(n, "aggregate_handling") != "STANDARD_HANDLING" {
		return
	}
	if t.inexact || len(conjuncts(jobj(n, "where_clause"))) != len(t.preds)+len(t.orPreds) {
		return // a term kafarr does not evaluate exactly filters after the read
	}
	var limit jmap
	for _, m := range jarr(n, "modifiers") {
		m, _ := m.(jmap)
		switch jstr(m, "type") {
		case "LIMIT_MODIFIER":
			limit = m
		default: // DISTINCT, ORDER BY, LIMIT PERCENT
			return
		}
	}
	if limit == nil || jstr(limit, "limit_type") != "ROW_COUNT" {
		return
	}
	rows, ok := intConstant(jobj(limit, "limit"))
	if !ok || rows < 0 {
		return
	}
	var skip int64
	if off := jobj(limit, "offset"); off != nil {
		if skip, ok = intConstant(off); !ok || skip < 0 {
			return
		}
	}
	rowPreserving := true
	walk(jarr(n, "select_list"), func(m jmap) {
		switch jstr(m, "class") {
		case "WINDOW", "SUBQUERY":
			rowPreserving = false
		case "FUNCTION":
			name := strings.ToLower(jstr(m, "function_name"))
			if name == "unnest" || name == "unlist" || name == "count_star" || a.isAggregate(name) {
				rowPreserving = false
			}
		}
	})
	if !rowPreserving || rows > math.MaxInt64-skip {
		return
	}
	t.limit = rows + skip
}
