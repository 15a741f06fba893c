package main

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/apache/arrow-adbc/go/adbc"
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/kafarr/kafarr/driver"
)

const topicsUsage = `usage: kafarr topics [flags] [PATTERN]

Lists topics (internal ones only with --opt kafarr.catalog.include_internal=true)
with their partition count and messages, end minus start offset summed over
partitions (approximate where compaction or transactions leave gaps).
PATTERN filters names: % matches any run of characters, _ any one.
`

// topicStat is one topic's partitions and offsets, from the driver's
// statistics.
type topicStat struct {
	name        string
	rows        int64
	approximate bool
	partitions  []partitionStat
}

type partitionStat struct {
	partition  int32
	start, end int64
}

func runTopics(ctx context.Context, env *cmdEnv, args []string) error {
	var conn connFlags
	c := newCommand("topics", topicsUsage, env.stderr)
	conn.register(c.FlagSet)
	format := c.String("format", formatTable, "output format: table, csv, json, parquet or arrow")
	pos, err := c.parse(args)
	if err != nil {
		return err
	}
	if len(pos) > 1 {
		return usagef("topics: want at most one PATTERN, got %d arguments", len(pos))
	}
	if err := checkFormat(*format); err != nil {
		return err
	}
	var pattern *string
	if len(pos) == 1 {
		pattern = &pos[0]
	}
	sess, err := connect(ctx, env, &conn, memory.DefaultAllocator)
	if err != nil {
		return err
	}
	defer sess.Close()
	stats, err := statistics(ctx, sess, pattern)
	if err != nil {
		return err
	}

	mem := memory.DefaultAllocator
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "topic", Type: arrow.BinaryTypes.String},
		{Name: "partitions", Type: arrow.PrimitiveTypes.Int32},
		{Name: "messages", Type: arrow.PrimitiveTypes.Int64},
		{Name: "approximate", Type: arrow.FixedWidthTypes.Boolean},
	}, nil)
	b := array.NewRecordBuilder(mem, schema)
	defer b.Release()
	for _, t := range stats {
		b.Field(0).(*array.StringBuilder).Append(t.name)
		b.Field(1).(*array.Int32Builder).Append(int32(len(t.partitions)))
		b.Field(2).(*array.Int64Builder).Append(t.rows)
		b.Field(3).(*array.BooleanBuilder).Append(t.approximate)
	}
	rec := b.NewRecordBatch()
	defer rec.Release()
	return writeRecord(env, *format, rec, mem)
}

// writeRecord writes one record in a format to stdout.
func writeRecord(env *cmdEnv, format string, rec arrow.RecordBatch, mem memory.Allocator) error {
	if binaryFormat(format) && isTerminal(env.stdout) {
		return usagef("--format %s is binary: redirect it to a file or a pipe", format)
	}
	width, _ := terminal(env.stdout)
	w, err := newResultWriter(env.stdout, rec.Schema(), writerConfig{format: format, mem: mem, table: tableConfig{width: width}})
	if err != nil {
		return err
	}
	if err := w.Write(rec); err != nil {
		w.Close()
		return err
	}
	return w.Close()
}

// statistics reads the driver's approximate statistics (offsets, which
// cost no message reads) of the topics matching pattern (nil: all).
func statistics(ctx context.Context, sess *session, pattern *string) ([]topicStat, error) {
	rdr, err := sess.cn.(adbc.ConnectionGetStatistics).GetStatistics(ctx, nil, nil, pattern, true)
	if err != nil {
		return nil, err
	}
	defer rdr.Release()
	byName := map[string]*topicStat{}
	for rdr.Next() {
		rec := rdr.RecordBatch()
		schemas := rec.Column(1).(*array.List)
		schemaItems := schemas.ListValues().(*array.Struct)
		tables := schemaItems.Field(1).(*array.List)
		st := tables.ListValues().(*array.Struct)
		tableName := st.Field(0).(*array.String)
		columnName := st.Field(1).(*array.String)
		key := st.Field(2).(*array.Int16)
		value := st.Field(3).(*array.DenseUnion)
		approx := st.Field(4).(*array.Boolean)
		for i := 0; i < st.Len(); i++ {
			name := tableName.Value(i)
			t := byName[name]
			if t == nil {
				t = &topicStat{name: name}
				byName[name] = t
			}
			v := statInt(value, i)
			switch {
			case key.Value(i) == adbc.StatisticRowCountKey && columnName.IsNull(i):
				t.rows, t.approximate = v, t.approximate || approx.Value(i)
			case key.Value(i) == driver.StatisticPartitionStartOffsetKey, key.Value(i) == driver.StatisticPartitionEndOffsetKey:
				p, err := strconv.ParseInt(strings.TrimPrefix(columnName.Value(i), "_partition="), 10, 32)
				if err != nil {
					continue
				}
				ps := t.partition(int32(p))
				if key.Value(i) == driver.StatisticPartitionStartOffsetKey {
					ps.start = v
				} else {
					ps.end = v
				}
			}
		}
	}
	if err := rdr.Err(); err != nil {
		return nil, err
	}
	out := make([]topicStat, 0, len(byName))
	for _, t := range byName {
		sort.Slice(t.partitions, func(i, j int) bool { return t.partitions[i].partition < t.partitions[j].partition })
		out = append(out, *t)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out, nil
}

func (t *topicStat) partition(p int32) *partitionStat {
	for i := range t.partitions {
		if t.partitions[i].partition == p {
			return &t.partitions[i]
		}
	}
	t.partitions = append(t.partitions, partitionStat{partition: p})
	return &t.partitions[len(t.partitions)-1]
}

// statInt reads a statistic value (int64, uint64 or float64 branch) as an
// int64.
func statInt(u *array.DenseUnion, i int) int64 {
	off := int(u.ValueOffset(i))
	switch c := u.Field(u.ChildID(i)).(type) {
	case *array.Int64:
		return c.Value(off)
	case *array.Uint64:
		return int64(c.Value(off))
	case *array.Float64:
		return int64(c.Value(off))
	}
	return 0
}

const describeUsage = `usage: kafarr describe [flags] TOPIC

Shows a topic's columns (the value schema's fields and the metadata columns
SELECT * returns) with their Arrow types, its value schema subject, version
and id, and its partitions with start and end offsets.
`

func runDescribe(ctx context.Context, env *cmdEnv, args []string) error {
	var conn connFlags
	c := newCommand("describe", describeUsage, env.stderr)
	conn.register(c.FlagSet)
	format := c.String("format", formatTable, "table (text) or json (one JSON object)")
	pos, err := c.parse(args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("describe: want one TOPIC, got %d arguments", len(pos))
	}
	if *format != formatTable && *format != formatJSON {
		return usagef("describe: --format %q: want table or json", *format)
	}
	topic := pos[0]
	sess, err := connect(ctx, env, &conn, memory.DefaultAllocator)
	if err != nil {
		return err
	}
	defer sess.Close()

	sc, err := sess.cn.GetTableSchema(ctx, nil, nil, topic)
	if err != nil {
		return err
	}
	stats, err := statistics(ctx, sess, &topic)
	if err != nil {
		return err
	}
	var ts topicStat
	for _, s := range stats {
		if s.name == topic {
			ts = s
		}
	}
	d := describeTopic(ctx, sess, topic, sc, ts)
	if *format == formatJSON {
		_, err := env.stdout.Write(append(d.json(), '\n'))
		return err
	}
	return d.print(env.stdout)
}

// description is what describe shows.
type description struct {
	topic    string
	format   string // value format
	subject  string
	version  int
	schemaID string
	record   string
	columns  []arrow.Field
	stats    topicStat
	note     string
}

func describeTopic(ctx context.Context, sess *session, topic string, sc *arrow.Schema, ts topicStat) description {
	md := sc.Metadata()
	get := func(k string) string {
		v, _ := md.GetValue(k)
		return v
	}
	d := description{
		topic: topic, format: get("kafarr.value.format"), subject: get("kafarr.value.subject"),
		schemaID: get("kafarr.value.schema_id"), record: get("kafarr.value.record_name"),
		columns: sc.Fields(), stats: ts,
	}
	// The registry knows the version; a failure to ask leaves it out.
	if d.subject != "" && d.schemaID != "" {
		if reg, err := sess.registry(); err == nil && reg != nil {
			if info, err := reg.Latest(ctx, d.subject); err == nil && strconv.Itoa(info.ID) == d.schemaID {
				d.version = info.Version
			}
			reg.Close()
		}
	}
	return d
}

func (d description) print(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "topic:   %s\n", d.topic)
	if d.subject != "" {
		fmt.Fprintf(&b, "subject: %s", d.subject)
		if d.version > 0 {
			fmt.Fprintf(&b, ", version %d", d.version)
		}
		if d.schemaID != "" {
			fmt.Fprintf(&b, ", schema id %s", d.schemaID)
		}
		b.WriteByte('\n')
	} else {
		b.WriteString("subject: none (no registered value schema)\n")
	}
	if d.record != "" {
		fmt.Fprintf(&b, "record:  %s\n", d.record)
	}
	if d.format != "" {
		fmt.Fprintf(&b, "format:  %s\n", d.format)
	}
	fmt.Fprintf(&b, "messages: %d%s in %d partitions\n\n", d.stats.rows, approxMark(d.stats.approximate), len(d.stats.partitions))
	if _, err := io.WriteString(w, b.String()); err != nil {
		return err
	}

	colNames, colTypes, colNull := []string{}, []string{}, []string{}
	for _, f := range d.columns {
		colNames = append(colNames, f.Name)
		colTypes = append(colTypes, typeLabel(f))
		colNull = append(colNull, strconv.FormatBool(f.Nullable))
	}
	if err := printTextTable(w, []string{"column", "type", "nullable"}, colNames, colTypes, colNull); err != nil {
		return err
	}
	if _, err := io.WriteString(w, "(metadata columns selectable by name: _topic, _partition, _offset, _timestamp, _key, _headers, _schema_id)\n\n"); err != nil {
		return err
	}
	var parts, starts, ends, counts []string
	for _, p := range d.stats.partitions {
		parts = append(parts, strconv.Itoa(int(p.partition)))
		starts = append(starts, strconv.FormatInt(p.start, 10))
		ends = append(ends, strconv.FormatInt(p.end, 10))
		counts = append(counts, strconv.FormatInt(p.end-p.start, 10))
	}
	return printTextTable(w, []string{"partition", "start_offset", "end_offset", "messages"}, parts, starts, ends, counts)
}

func approxMark(approx bool) string {
	if approx {
		return " (approximate)"
	}
	return ""
}

// typeLabel is a column's Arrow type, with the Avro logical or named type
// when Arrow alone loses it.
func typeLabel(f arrow.Field) string {
	s := f.Type.String()
	for _, k := range []string{"kafarr.avro.logical_type", "kafarr.avro.name"} {
		if v, ok := f.Metadata.GetValue(k); ok && v != "" {
			return s + " (avro " + v + ")"
		}
	}
	return s
}

// printTextTable prints string columns as a table with a rule under the
// header.
func printTextTable(w io.Writer, header []string, cols ...[]string) error {
	fields := make([]arrow.Field, len(header))
	for i, h := range header {
		fields[i] = arrow.Field{Name: h, Type: arrow.BinaryTypes.String}
	}
	b := array.NewRecordBuilder(memory.DefaultAllocator, arrow.NewSchema(fields, nil))
	defer b.Release()
	for i, col := range cols {
		b.Field(i).(*array.StringBuilder).AppendValues(col, nil)
	}
	rec := b.NewRecordBatch()
	defer rec.Release()
	width, _ := terminal(w)
	t := newTableWriter(w, rec.Schema(), tableConfig{width: width})
	if err := t.Write(rec); err != nil {
		return err
	}
	return t.Close()
}

func (d description) json() []byte {
	b := []byte(`{"topic":`)
	b = appendJSONString(b, d.topic)
	b = append(b, `,"subject":`...)
	b = appendNullableString(b, d.subject)
	b = append(b, `,"version":`...)
	if d.version > 0 {
		b = strconv.AppendInt(b, int64(d.version), 10)
	} else {
		b = append(b, "null"...)
	}
	b = append(b, `,"schema_id":`...)
	if d.schemaID != "" {
		b = append(b, d.schemaID...)
	} else {
		b = append(b, "null"...)
	}
	b = append(b, `,"record":`...)
	b = appendNullableString(b, d.record)
	b = append(b, `,"format":`...)
	b = appendNullableString(b, d.format)
	b = append(b, `,"messages":`...)
	b = strconv.AppendInt(b, d.stats.rows, 10)
	b = append(b, `,"approximate":`...)
	b = strconv.AppendBool(b, d.stats.approximate)
	b = append(b, `,"columns":[`...)
	for i, f := range d.columns {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"name":`...)
		b = appendJSONString(b, f.Name)
		b = append(b, `,"type":`...)
		b = appendJSONString(b, typeLabel(f))
		b = append(b, `,"nullable":`...)
		b = strconv.AppendBool(b, f.Nullable)
		b = append(b, '}')
	}
	b = append(b, `],"partitions":[`...)
	for i, p := range d.stats.partitions {
		if i > 0 {
			b = append(b, ',')
		}
		b = fmt.Appendf(b, `{"partition":%d,"start_offset":%d,"end_offset":%d}`, p.partition, p.start, p.end)
	}
	return append(b, "]}"...)
}

func appendNullableString(b []byte, s string) []byte {
	if s == "" {
		return append(b, "null"...)
	}
	return appendJSONString(b, s)
}
