// Package sqlparse is kafarr's SQL front end: a lexer and a recursive-descent
// parser for the small SQL subset kafarr runs, and the syntax tree they build.
//
// The subset is a single statement:
//
//	SELECT * | column [, column ...] FROM topic [[AS] alias]
//	    [WHERE condition] [ORDER BY column [ASC|DESC]] [LIMIT n]
//	SELECT literal [AS name] [, ...]
//	DROP TABLE [IF EXISTS] topic
//
// Parse returns a Stmt, which is a *Query, a *ConstantQuery or a *DropTable.
// A Query names its topic and alias, its columns (ColumnRef, possibly nested
// paths, possibly qualified by the alias), at most one * among them, its
// WHERE condition (an Expr: Terms comparing a column or a literal with
// literals, joined by Logic AND/OR and negated by Not), its OrderBy and its
// limit; nothing is resolved against Kafka or a schema here, that is the
// planner's job in package statement. Every node renders back to canonical
// SQL with String, which Parse reads back to an equal tree, and QuoteIdent
// quotes any name so that it survives that round trip.
//
// Every error Parse returns is an adbc.Error carrying a SQLSTATE: malformed
// SQL is StatusInvalidArgument (42601, syntax error) and names the line and
// column of the offending token; valid SQL outside the subset is
// StatusNotImplemented (0A000) and says what to do instead. LineCol and At
// turn a byte offset, such as ColumnRef.Pos, into that line and column for
// errors raised later, during planning.
//
// The package imports nothing else of kafarr.
package sqlparse
