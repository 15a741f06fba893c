//go:build duckdb_arrow

package main

import (
	"bytes"
	"context"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/apache/arrow-adbc/go/adbc"
	"github.com/apache/arrow-go/v18/arrow/array"
	duckdb "github.com/duckdb/duckdb-go/v2"
)

// duckDB is an in-memory DuckDB with its Arrow interface: kafarr's result
// streams go in as views, the query's result comes out as Arrow batches.
type duckDB struct {
	connector *duckdb.Connector
	conn      driver.Conn
	arrow     *duckdb.Arrow
	releases  []func()
	aggs      map[string]bool
}

// openDuckDB starts an in-memory DuckDB whose session time zone is UTC, so
// that timestamps print, compare and push down as kafarr's do.
func openDuckDB(ctx context.Context) (*duckDB, error) {
	c, err := duckdb.NewConnector("", nil)
	if err != nil {
		return nil, fmt.Errorf("duckdb: %v", err)
	}
	conn, err := c.Connect(ctx)
	if err != nil {
		c.Close()
		return nil, fmt.Errorf("duckdb: %v", err)
	}
	ar, err := duckdb.NewArrowFromConn(conn)
	if err != nil {
		conn.Close()
		c.Close()
		return nil, fmt.Errorf("duckdb: %v", err)
	}
	d := &duckDB{connector: c, conn: conn, arrow: ar}
	if err := d.exec(ctx, "SET TimeZone = 'UTC'"); err != nil {
		d.Close()
		return nil, err
	}
	return d, nil
}

// Close drops the views (releasing kafarr's streams) and DuckDB.
func (d *duckDB) Close() {
	for i := len(d.releases) - 1; i >= 0; i-- {
		d.releases[i]()
	}
	d.releases = nil
	d.conn.Close()
	d.connector.Close()
}

// query runs SQL and returns its result as Arrow batches.
func (d *duckDB) query(ctx context.Context, sql string) (array.RecordReader, error) {
	rdr, err := d.arrow.QueryContext(ctx, sql)
	if err != nil {
		return nil, duckErr(err)
	}
	return rdr, nil
}

// exec runs SQL for its effect.
func (d *duckDB) exec(ctx context.Context, sql string) error {
	rdr, err := d.query(ctx, sql)
	if err != nil {
		return err
	}
	for rdr.Next() {
	}
	err = rdr.Err()
	rdr.Release()
	return duckErr(err)
}

// scalar runs SQL that returns one value and returns it as text; ok is
// false when it returned no row or NULL.
func (d *duckDB) scalar(ctx context.Context, sql string) (val string, ok bool, err error) {
	rdr, err := d.query(ctx, sql)
	if err != nil {
		return "", false, err
	}
	defer rdr.Release()
	for rdr.Next() {
		rec := rdr.RecordBatch()
		if rec.NumRows() > 0 && rec.NumCols() > 0 && !rec.Column(0).IsNull(0) && !ok {
			val, ok = string(appendText(nil, rec.Column(0), 0, binaryBase64)), true
		}
	}
	return val, ok, duckErr(rdr.Err())
}

// duckErr makes DuckDB's errors read like kafarr's.
func duckErr(err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("duckdb: %s", err.Error())
}

// sqlString quotes s as a SQL string literal.
func sqlString(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

// parsed is a query as DuckDB's parser sees it.
type parsed struct {
	node jmap // the statement's query node
}

// parse parses query with DuckDB's own parser (json_serialize_sql). A
// syntax error is an InvalidArgument error with DuckDB's message.
func (d *duckDB) parse(ctx context.Context, query string) (*parsed, error) {
	text, _, err := d.scalar(ctx, "SELECT CAST(json_serialize_sql("+sqlString(query)+") AS VARCHAR)")
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader([]byte(text)))
	dec.UseNumber()
	var tree jmap
	if err := dec.Decode(&tree); err != nil {
		return nil, fmt.Errorf("duckdb: reading its parse of the query: %v", err)
	}
	if tree["error"] == true {
		msg := jstr(tree, "error_message")
		switch {
		case strings.HasPrefix(msg, "Only SELECT statements"):
			return nil, adbc.Error{Code: adbc.StatusNotImplemented, Msg: "kafarr sql runs SELECT queries (and WITH, UNION, ... around them); use kafarr ingest to write"}
		case jstr(tree, "error_type") == "parser":
			return nil, adbc.Error{Code: adbc.StatusInvalidArgument, Msg: "SQL syntax error: " + msg}
		}
		return nil, adbc.Error{Code: adbc.StatusInvalidArgument, Msg: "SQL: " + msg}
	}
	stmts := jarr(tree, "statements")
	if len(stmts) != 1 {
		return nil, adbc.Error{Code: adbc.StatusInvalidArgument, Msg: fmt.Sprintf("SQL: want one statement, got %d", len(stmts))}
	}
	st, _ := stmts[0].(jmap)
	node := jobj(st, "node")
	if node == nil {
		return nil, errors.New("duckdb: its parse of the query has no query node")
	}
	return &parsed{node: node}, nil
}

// epochMicros evaluates a constant expression of the parse tree as a
// TIMESTAMPTZ in the session's UTC, in microseconds since the epoch.
func (d *duckDB) epochMicros(ctx context.Context, expr jmap) (int64, bool) {
	// json_deserialize_sql turns a parse tree back into SQL; the tree of
	// "SELECT 1" with expr as its select list is the smallest around it.
	text, _, err := d.scalar(ctx, "SELECT CAST(json_serialize_sql('SELECT 1') AS VARCHAR)")
	if err != nil {
		return 0, false
	}
	var tree jmap
	dec := json.NewDecoder(strings.NewReader(text))
	dec.UseNumber() // its 64-bit locations do not survive float64
	if dec.Decode(&tree) != nil || len(jarr(tree, "statements")) != 1 {
		return 0, false
	}
	st, _ := jarr(tree, "statements")[0].(jmap)
	jobj(st, "node")["select_list"] = []any{expr}
	b, err := json.Marshal(tree)
	if err != nil {
		return 0, false
	}
	sel, ok, err := d.scalar(ctx, "SELECT json_deserialize_sql("+sqlString(string(b))+"::JSON)")
	if err != nil || !ok {
		return 0, false
	}
	v, ok, err := d.scalar(ctx, "SELECT epoch_us(CAST(("+sel+") AS TIMESTAMPTZ))")
	if err != nil || !ok {
		return 0, false
	}
	var us int64
	if _, err := fmt.Sscan(v, &us); err != nil {
		return 0, false
	}
	return us, true
}

// isAggregate reports DuckDB's aggregate functions (from
// duckdb_functions(), asked once).
func (d *duckDB) isAggregate(ctx context.Context, name string) bool {
	if d.aggs == nil {
		d.aggs = map[string]bool{}
		rdr, err := d.query(ctx, "SELECT DISTINCT lower(function_name) FROM duckdb_functions() WHERE function_type = 'aggregate'")
		if err != nil {
			return true // unknown: assume the worst, push no LIMIT
		}
		defer rdr.Release()
		for rdr.Next() {
			col := rdr.RecordBatch().Column(0)
			for i := 0; i < col.Len(); i++ {
				d.aggs[string(appendText(nil, col, i, binaryBase64))] = true
			}
		}
	}
	return d.aggs[name]
}

// register makes a kafarr stream visible to queries under the name the
// query uses for its topic, as a DuckDB table filled from the stream by
// SELECT *.
//
// Why a table rather than a view over the stream: DuckDB's scan of a C
// Arrow stream (duckdb_arrow_scan, which duckdb-go's RegisterView calls)
// assumes the stream applied the column projection DuckDB planned, which
// a plain stream cannot know: in DuckDB 2.0.0 "SELECT c FROM v" over a
// stream of (a, b, c) returns b's bytes as c. SELECT * projects nothing
// away, so copying the stream whole is exact. The copy is also what a
// self-join needs: a stream can be scanned only once, and the table is
// one snapshot of the topic however often the query names it. kafarr's
// own projection keeps the copy to the columns the query uses.
func (d *duckDB) register(ctx context.Context, rdr array.RecordReader, i int, t *topicRead) error {
	scan := fmt.Sprintf("__kafarr_scan_%d", i)
	release, err := d.arrow.RegisterView(rdr, scan)
	if err != nil {
		return fmt.Errorf("duckdb: registering topic %s: %v", t.topic, err)
	}
	d.releases = append(d.releases, release)
	name, temp := quoteIdent(t.tableName), "TEMP "
	if t.schemaName != "" {
		// orders.v1 written unquoted: a table v1 in a schema orders,
		// which temporary objects cannot have.
		if err := d.exec(ctx, "CREATE SCHEMA IF NOT EXISTS "+quoteIdent(t.schemaName)); err != nil {
			return err
		}
		name, temp = quoteIdent(t.schemaName)+"."+name, ""
	}
	return d.exec(ctx, fmt.Sprintf("CREATE %sTABLE %s AS SELECT * FROM %s", temp, name, quoteIdent(scan)))
}
