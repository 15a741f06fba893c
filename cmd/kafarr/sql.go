package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/apache/arrow-adbc/go/adbc"
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/kafarr/kafarr/options"
)

const sqlUsage = `usage: kafarr sql [flags] "SELECT ..."    (or - to read the query from stdin)

Runs a query over Kafka topics. The kafarr driver runs what its SQL covers
(projection, WHERE, ORDER BY _offset/_timestamp, LIMIT); anything else
(GROUP BY, aggregates, joins, window functions, ORDER BY a value column)
runs in an embedded DuckDB over kafarr's Arrow streams of the topics it
names, with projection, _partition/_offset/_timestamp bounds and, where
safe, LIMIT pushed into the reads (--explain shows them).
`

// Engines for --engine.
const (
	engineAuto   = "auto"
	engineKafarr = "kafarr"
	engineDuckDB = "duckdb"
)

// followTimeout is kafarr.read.timeout_ms under --follow unless set: the
// largest the option takes (about 24 days), so a follow runs until Ctrl-C.
const followTimeout = "2147483647"

type sqlFlags struct {
	conn     connFlags
	format   string
	out      string
	follow   bool
	explain  bool
	engine   string
	maxRows  int
	width    int
	progress string
}

func runSQL(ctx context.Context, env *cmdEnv, args []string) error {
	var f sqlFlags
	c := newCommand("sql", sqlUsage, env.stderr)
	f.conn.register(c.FlagSet)
	c.StringVar(&f.format, "format", formatTable, "output format: table, csv, json (JSON Lines), parquet or arrow (Arrow IPC stream)")
	c.StringVar(&f.out, "o", "", "write the result to `FILE` instead of stdout")
	c.BoolVar(&f.follow, "follow", false, "keep reading: print rows as they are produced until Ctrl-C (kafarr.read.follow)")
	c.BoolVar(&f.explain, "explain", false, "print which engine runs the query and what each topic read is given (columns, bounds, LIMIT, offsets), without running it")
	c.StringVar(&f.engine, "engine", engineAuto, "auto (the driver when it can, else DuckDB), kafarr or duckdb")
	c.IntVar(&f.maxRows, "max-rows", -1, "table format: rows shown, the first and last half (default 40 on a terminal, else all; 0 = all)")
	c.IntVar(&f.width, "width", 0, "table format: width to fit (default the terminal's; unlimited when not a terminal)")
	c.StringVar(&f.progress, "progress", "auto", "progress bar on stderr for long reads: auto (when stderr is a terminal), on or off")
	pos, err := c.parse(args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("sql: want one query argument, got %d (quote the query)", len(pos))
	}
	query := pos[0]
	if query == "-" {
		b, err := io.ReadAll(env.stdin)
		if err != nil {
			return fmt.Errorf("reading the query from stdin: %v", err)
		}
		query = string(b)
	}
	if err := checkFormat(f.format); err != nil {
		return err
	}
	switch f.engine {
	case engineAuto, engineKafarr, engineDuckDB:
	default:
		return usagef("--engine %q: want auto, kafarr or duckdb", f.engine)
	}
	if f.progress != "auto" && f.progress != "on" && f.progress != "off" {
		return usagef("--progress %q: want auto, on or off", f.progress)
	}
	if f.follow && f.engine == engineDuckDB {
		return usagef("--follow streams a query the driver runs itself; DuckDB needs the whole input before it answers")
	}
	if f.out == "" && binaryFormat(f.format) && !f.explain {
		if _, tty := terminal(env.stdout); tty {
			return usagef("--format %s is binary: write it with -o FILE or into a pipe", f.format)
		}
	}

	mem := memory.DefaultAllocator
	sess, err := connect(ctx, env, &f.conn, mem)
	if err != nil {
		return err
	}
	defer sess.Close()

	bar := startProgress(env.stderr, !f.explain && (f.progress == "on" ||
		(f.progress == "auto" && !f.follow && isTerminal(env.stderr))))
	defer bar.Stop()
	src, err := openResult(ctx, sess, &f, query, bar)
	if err != nil {
		if ctx.Err() != nil {
			return errInterrupted
		}
		return err
	}
	defer func() {
		bar.Stop() // before the statements it watches close
		src.Close()
	}()
	if f.explain {
		_, err := io.WriteString(env.stdout, src.explain())
		return err
	}
	return writeResult(ctx, env, &f, src, mem, bar)
}

// result is a running query: its stream, the statements reading Kafka
// (for progress) and, for --explain, how it was planned.
type result struct {
	rdr   array.RecordReader
	stmts []adbc.Statement
	// topicReaders are DuckDB's inputs, released after it closes.
	topicReaders []array.RecordReader
	engine       string
	reason       string // why DuckDB runs it
	reads        []readInfo
	duck         *duckDB
	query        string
}

// readInfo is one kafarr read of a result, for --explain.
type readInfo struct {
	topic, sql, how string
	start, end      string
}

func (r *result) Close() {
	if r.rdr != nil {
		r.rdr.Release()
	}
	if r.duck != nil {
		r.duck.Close()
	}
	for _, rdr := range r.topicReaders {
		rdr.Release()
	}
	for _, st := range r.stmts {
		st.Close()
	}
}

func (r *result) explain() string {
	var b strings.Builder
	if r.engine == engineKafarr {
		b.WriteString("engine: kafarr (the driver runs the whole query: projection, filters, bounds, ORDER BY and LIMIT)\n")
	} else {
		fmt.Fprintf(&b, "engine: duckdb (%s)\n", r.reason)
	}
	for _, ri := range r.reads {
		fmt.Fprintf(&b, "topic %s: %s\n", quoteIdent(ri.topic), ri.how)
		fmt.Fprintf(&b, "  kafarr: %s\n", ri.sql)
		fmt.Fprintf(&b, "  start offsets: %s\n", ri.start)
		fmt.Fprintf(&b, "  end offsets:   %s\n", ri.end)
	}
	if r.engine == engineDuckDB {
		fmt.Fprintf(&b, "duckdb: %s\n", oneLine(r.query))
	}
	return b.String()
}

// readOffsets returns the offsets a kafarr result reads, from its schema
// metadata.
func readOffsets(rdr array.RecordReader) (start, end string) {
	md := rdr.Schema().Metadata()
	start, end = "{}", "{}"
	if v, ok := md.GetValue("kafarr.read.start_offsets"); ok {
		start = v
	}
	if v, ok := md.GetValue("kafarr.read.end_offsets"); ok {
		end = v
	}
	return start, end
}

// openResult runs query on the driver, or in DuckDB when the driver
// cannot run it (or --engine says so).
func openResult(ctx context.Context, sess *session, f *sqlFlags, query string, bar *progressBar) (*result, error) {
	if f.engine == engineDuckDB {
		return openDuck(ctx, sess, f, query, "--engine duckdb", bar)
	}
	st, err := newStatement(sess, f)
	if err != nil {
		return nil, err
	}
	var rdr array.RecordReader
	parseErr := st.SetSqlQuery(query)
	err = parseErr
	if err == nil {
		rdr, _, err = st.ExecuteQuery(ctx)
	}
	if err == nil {
		bar.add(st)
		r := &result{rdr: rdr, stmts: []adbc.Statement{st}, engine: engineKafarr, query: query}
		if topic, ok := rdr.Schema().Metadata().GetValue("kafarr.topic"); ok {
			start, end := readOffsets(rdr)
			r.reads = []readInfo{{topic: topic, sql: oneLine(query), how: "read by the driver", start: start, end: end}}
		}
		return r, nil
	}
	st.Close()
	// The driver parses its SQL subset when the query is set: anything it
	// cannot parse may still be DuckDB's SQL. What it parses but cannot
	// run is NotImplemented.
	if f.engine == engineKafarr || (parseErr == nil && status(err) != adbc.StatusNotImplemented) {
		return nil, err
	}
	if ctx.Err() != nil {
		return nil, errInterrupted
	}
	if f.follow {
		return nil, fmt.Errorf("--follow streams a query the driver runs itself, and it cannot run this one: %s",
			strings.TrimPrefix(errorLine(err), "kafarr: "))
	}
	reason, _, _ := strings.Cut(strings.TrimPrefix(errorLine(err), "kafarr: "), "; ")
	return openDuck(ctx, sess, f, query, "the driver answered: "+reason, bar)
}

// status is an error's ADBC status, or StatusUnknown.
func status(err error) adbc.Status {
	var ae adbc.Error
	if errors.As(err, &ae) {
		return ae.Code
	}
	return adbc.StatusUnknown
}

// newStatement returns a statement with the --follow options.
func newStatement(sess *session, f *sqlFlags) (adbc.Statement, error) {
	st, err := sess.cn.NewStatement()
	if err != nil {
		return nil, err
	}
	if f.follow {
		set := func(k, v string) {
			if err == nil {
				err = st.SetOption(k, v)
			}
		}
		set(options.ReadFollow, "true")
		if !sess.hasOption(options.ReadTimeoutMs) {
			set(options.ReadTimeoutMs, followTimeout)
		}
		// A follow read hands out a batch when it is full; one row per
		// batch prints each row as soon as it is fetched.
		if !sess.hasOption(options.ReadBatchRows) {
			set(options.ReadBatchRows, "1")
		}
		if err != nil {
			st.Close()
			return nil, err
		}
	}
	return st, nil
}

// openDuck runs query in DuckDB over one kafarr read of each topic it
// names, each narrowed by what the query allows (pushdown.go).
func openDuck(ctx context.Context, sess *session, f *sqlFlags, query, reason string, bar *progressBar) (res *result, err error) {
	d, err := openDuckDB(ctx)
	if err != nil {
		return nil, err
	}
	r := &result{engine: engineDuckDB, reason: reason, duck: d, query: query}
	defer func() {
		if err != nil {
			bar.Stop() // before the statements it watches close
			r.Close()
		}
	}()
	p, err := d.parse(ctx, query)
	if err != nil {
		return nil, err
	}
	a := &analyzer{
		root:        p.node,
		schemaOf:    func(topic string) (*arrow.Schema, bool, error) { return topicSchema(ctx, sess, topic) },
		epochMicros: func(e jmap) (int64, bool) { return d.epochMicros(ctx, e) },
		isAggregate: func(name string) bool { return d.isAggregate(ctx, name) },
	}
	if err := a.analyze(); err != nil {
		return nil, err
	}
	for i, t := range a.topics {
		st, rdr, text, err := startTopicRead(ctx, sess, t)
		if err != nil {
			return nil, err
		}
		r.stmts = append(r.stmts, st)
		bar.add(st)
		start, end := readOffsets(rdr)
		how := "read into a DuckDB table"
		if t.refs > 1 {
			how = fmt.Sprintf("read once into a DuckDB table (the query names it %d times)", t.refs)
		}
		r.reads = append(r.reads, readInfo{topic: t.topic, sql: text, how: how, start: start, end: end})
		r.topicReaders = append(r.topicReaders, rdr)
		if f.explain {
			continue
		}
		if err := d.register(ctx, rdr, i, t); err != nil {
			return nil, err
		}
	}
	if f.explain {
		return r, nil
	}
	if r.rdr, err = d.query(ctx, query); err != nil {
		return nil, err
	}
	return r, nil
}

// topicSchema is a topic's SELECT * schema; ok is false for a name that
// is no topic but a file DuckDB reads itself (FROM 'ticks.parquet').
func topicSchema(ctx context.Context, sess *session, topic string) (*arrow.Schema, bool, error) {
	sc, err := sess.cn.GetTableSchema(ctx, nil, nil, topic)
	if err == nil {
		return sc, true, nil
	}
	if status(err) == adbc.StatusNotFound {
		if _, serr := os.Stat(topic); serr == nil {
			return nil, false, nil
		}
	}
	return nil, false, err
}

// startTopicRead starts a topic's kafarr read with what the analysis
// pushed into it. A driver that refuses the OR terms (or any term) reads
// without them, and then without the LIMIT that relied on them.
func startTopicRead(ctx context.Context, sess *session, t *topicRead) (adbc.Statement, array.RecordReader, string, error) {
	st, err := sess.cn.NewStatement()
	if err != nil {
		return nil, nil, "", err
	}
	tries := []struct{ withOr, withPreds bool }{{true, true}, {false, true}, {false, false}}
	for i, try := range tries {
		if i > 0 {
			if len(t.orPreds) == 0 && try.withPreds {
				continue
			}
			t.limit = -1
		}
		text := t.sqlFor(try.withOr, try.withPreds)
		if err = st.SetSqlQuery(text); err != nil {
			continue
		}
		var rdr array.RecordReader
		if rdr, _, err = st.ExecuteQuery(ctx); err != nil {
			if status(err) == adbc.StatusNotImplemented || status(err) == adbc.StatusInvalidArgument {
				continue
			}
			st.Close()
			return nil, nil, "", err
		}
		return st, rdr, text, nil
	}
	st.Close()
	return nil, nil, "", err
}

// writeResult streams the result to stdout or -o FILE in the chosen
// format. On an interrupt it finishes the output (a valid file with the
// rows so far) and returns errInterrupted; on a failure it removes a
// partly written -o file.
func writeResult(ctx context.Context, env *cmdEnv, f *sqlFlags, src *result, mem memory.Allocator, bar *progressBar) error {
	var w io.Writer = env.stdout
	width, tty := terminal(env.stdout)
	var file *os.File
	if f.out != "" {
		var err error
		if file, err = os.Create(f.out); err != nil {
			return err
		}
		w, width, tty = file, 0, false
	}
	cfg := writerConfig{format: f.format, mem: mem, stream: f.follow, table: tableConfig{width: f.width, maxRows: f.maxRows}}
	if cfg.table.width == 0 {
		cfg.table.width = width
		if cfg.table.width == 0 && tty {
			cfg.table.width, _ = strconv.Atoi(env.getenv("COLUMNS"))
		}
	}
	if cfg.table.maxRows < 0 {
		cfg.table.maxRows = 0
		if tty {
			cfg.table.maxRows = 40
		}
	}
	rw, err := newResultWriter(w, src.rdr.Schema(), cfg)
	if err != nil {
		if file != nil {
			file.Close()
			os.Remove(f.out)
		}
		return err
	}
	var readErr error
	for src.rdr.Next() {
		if readErr = rw.Write(src.rdr.RecordBatch()); readErr != nil {
			break
		}
		if f.follow {
			if readErr = rw.Flush(); readErr != nil {
				break
			}
		}
	}
	if readErr == nil {
		readErr = src.rdr.Err()
	}
	bar.Stop()
	closeErr := rw.Close()
	if file != nil {
		if err := file.Close(); closeErr == nil {
			closeErr = err
		}
	}
	switch {
	case ctx.Err() != nil:
		return errInterrupted
	case readErr != nil || closeErr != nil:
		if file != nil {
			os.Remove(f.out)
		}
		if readErr != nil {
			return readErr
		}
		return closeErr
	}
	return nil
}
