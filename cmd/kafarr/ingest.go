package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/apache/arrow-adbc/go/adbc"
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/csv"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/kafarr/kafarr/avroarrow"
	"github.com/kafarr/kafarr/options"
)

const ingestUsage = `usage: kafarr ingest [flags] TOPIC FILE.{parquet,csv,arrow}

Produces a file's rows to a topic (ADBC bulk ingest: acks=all, an idempotent
producer; the count printed is of acknowledged rows). Values are encoded with
the subject's schema (--subject, default <topic>-value): Avro, Protobuf or
JSON Schema, as the subject's type says; or with one derived from the file's
columns and registered when the subject has none (Avro, or what
--opt kafarr.ingest.value_format=protobuf|json asks for; json without a
subject writes plain JSON). CSV columns take their types from an Avro
subject's schema when it exists, and are inferred otherwise (integers,
floats, booleans, timestamps, text). Any kafarr.ingest.* option can be given
with --opt.
`

// ingestModes maps --mode to ADBC's ingest modes.
var ingestModes = map[string]string{
	"create":        adbc.OptionValueIngestModeCreate,
	"append":        adbc.OptionValueIngestModeAppend,
	"create_append": adbc.OptionValueIngestModeCreateAppend,
	"replace":       adbc.OptionValueIngestModeReplace,
}

type ingestFlags struct {
	conn          connFlags
	mode          string
	subject       string
	schemaVersion string
	partitions    string
	keyColumn     string
	tsColumn      string
	fileFormat    string
	delimiter     string
}

func runIngest(ctx context.Context, env *cmdEnv, args []string) error {
	var f ingestFlags
	c := newCommand("ingest", ingestUsage, env.stderr)
	f.conn.register(c.FlagSet)
	c.StringVar(&f.mode, "mode", "create_append", "create, append, create_append or replace (replace needs --opt kafarr.allow_delete_topics=true)")
	c.StringVar(&f.subject, "subject", "", "value subject whose schema encodes the rows (kafarr.ingest.value_subject; default <topic>-value)")
	c.StringVar(&f.schemaVersion, "schema-version", "", "version of the subject's schema (kafarr.ingest.value_schema_version; default latest)")
	c.StringVar(&f.partitions, "partitions", "", "partitions of a topic the ingest creates (kafarr.ingest.partitions; default the broker's)")
	c.StringVar(&f.keyColumn, "key-column", "", "column that becomes the record key (kafarr.ingest.key_column)")
	c.StringVar(&f.tsColumn, "timestamp-column", "", "column that becomes the record timestamp (kafarr.ingest.timestamp_column)")
	c.StringVar(&f.fileFormat, "file-format", "", "parquet, csv or arrow (default from the file's extension)")
	c.StringVar(&f.delimiter, "delimiter", ",", "CSV field delimiter")
	pos, err := c.parse(args)
	if err != nil {
		return err
	}
	if len(pos) != 2 {
		return usagef("ingest: want TOPIC and FILE, got %d arguments", len(pos))
	}
	topic, path := pos[0], pos[1]
	mode, ok := ingestModes[f.mode]
	if !ok {
		return usagef("--mode %q: want create, append, create_append or replace", f.mode)
	}
	ff := f.fileFormat
	if ff == "" {
		ff = strings.TrimPrefix(strings.ToLower(filepath.Ext(path)), ".")
		switch ff {
		case "pq":
			ff = "parquet"
		case "arrows", "ipc", "feather":
			ff = "arrow"
		}
	}
	if ff != "parquet" && ff != "csv" && ff != "arrow" {
		return usagef("ingest: %s: cannot tell the file's format from its name; give --file-format parquet, csv or arrow", path)
	}
	delim := []rune(f.delimiter)
	if len(delim) != 1 {
		return usagef("--delimiter %q: want one character", f.delimiter)
	}

	mem := memory.DefaultAllocator
	sess, err := connect(ctx, env, &f.conn, mem)
	if err != nil {
		return err
	}
	defer sess.Close()

	ingestOpts := map[string]string{}
	for key, v := range map[string]string{
		options.IngestValueSubject: f.subject, options.IngestValueSchemaVersion: f.schemaVersion,
		options.IngestPartitions: f.partitions, options.IngestKeyColumn: f.keyColumn,
		options.IngestTimestampColumn: f.tsColumn,
	} {
		if v != "" {
			ingestOpts[key] = v
		}
	}

	fh, err := os.Open(path)
	if err != nil {
		return err
	}
	defer fh.Close()
	var rdr array.RecordReader
	switch ff {
	case "parquet":
		rdr, err = parquetReader(ctx, fh, mem)
	case "arrow":
		rdr, err = arrowReader(fh, mem)
	case "csv":
		var types map[string]arrow.DataType
		if types, err = subjectColumnTypes(ctx, sess, topic, ingestOpts); err == nil {
			rdr, err = csvReader(fh, types, delim[0], mem)
		}
	}
	if err != nil {
		return fmt.Errorf("%s: %v", path, err)
	}
	defer rdr.Release()

	st, err := sess.cn.NewStatement()
	if err != nil {
		return err
	}
	defer st.Close()
	set := func(k, v string) {
		if err == nil {
			err = st.SetOption(k, v)
		}
	}
	set(adbc.OptionKeyIngestTargetTable, topic)
	set(adbc.OptionKeyIngestMode, mode)
	for k, v := range ingestOpts {
		set(k, v)
	}
	if err != nil {
		return err
	}
	if err := st.BindStream(ctx, rdr); err != nil {
		return err
	}
	n, err := st.ExecuteUpdate(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return errInterrupted
		}
		return err
	}
	_, err = fmt.Fprintf(env.stdout, "%d rows produced to topic %s\n", n, topic)
	return err
}

// parquetReader streams a Parquet file's row groups as Arrow batches.
func parquetReader(ctx context.Context, fh *os.File, mem memory.Allocator) (array.RecordReader, error) {
	pf, err := file.NewParquetReader(fh)
	if err != nil {
		return nil, err
	}
	fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{BatchSize: 1 << 16}, mem)
	if err != nil {
		pf.Close()
		return nil, err
	}
	rr, err := fr.GetRecordReader(ctx, nil, nil)
	if err != nil {
		pf.Close()
		return nil, err
	}
	return rr, nil
}

// arrowReader reads an Arrow IPC stream, or an Arrow IPC (Feather v2)
// file, told apart by the file format's magic bytes.
func arrowReader(fh *os.File, mem memory.Allocator) (array.RecordReader, error) {
	magic := make([]byte, 6)
	n, _ := io.ReadFull(fh, magic)
	if _, err := fh.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	if n == 6 && bytes.Equal(magic, []byte("ARROW1")) {
		fr, err := ipc.NewFileReader(fh, ipc.WithAllocator(mem))
		if err != nil {
			return nil, err
		}
		return &ipcFileReader{fr: fr, refs: 1}, nil
	}
	return ipc.NewReader(fh, ipc.WithAllocator(mem))
}

// ipcFileReader is an Arrow IPC file's batches as a RecordReader.
type ipcFileReader struct {
	fr   *ipc.FileReader
	i    int
	cur  arrow.RecordBatch
	err  error
	refs int
}

func (r *ipcFileReader) Retain() { r.refs++ }
func (r *ipcFileReader) Release() {
	if r.refs--; r.refs == 0 {
		if r.cur != nil {
			r.cur.Release()
			r.cur = nil
		}
		r.fr.Close()
	}
}
func (r *ipcFileReader) Schema() *arrow.Schema { return r.fr.Schema() }
func (r *ipcFileReader) Next() bool {
	if r.cur != nil {
		r.cur.Release()
		r.cur = nil
	}
	if r.err != nil || r.i >= r.fr.NumRecords() {
		return false
	}
	rec, err := r.fr.RecordBatch(r.i)
	if err != nil {
		r.err = err
		return false
	}
	rec.Retain()
	r.cur = rec
	r.i++
	return true
}
func (r *ipcFileReader) RecordBatch() arrow.RecordBatch { return r.cur }
func (r *ipcFileReader) Record() arrow.RecordBatch      { return r.cur }
func (r *ipcFileReader) Err() error                     { return r.err }

// subjectColumnTypes returns the Arrow types of the fields of the subject
// the ingest encodes with, when it is registered with an Avro schema, for
// typing CSV columns; nil (infer every column) otherwise.
func subjectColumnTypes(ctx context.Context, sess *session, topic string, ingestOpts map[string]string) (map[string]arrow.DataType, error) {
	subject := ingestOpts[options.IngestValueSubject]
	if subject == "" {
		subject = sess.option(options.IngestValueSubject)
	}
	if subject == "" {
		subject = topic + "-value"
	}
	version := ingestOpts[options.IngestValueSchemaVersion]
	if version == "" {
		version = sess.option(options.IngestValueSchemaVersion)
	}
	reg, err := sess.registry()
	if err != nil || reg == nil {
		return nil, err
	}
	defer reg.Close()
	var info struct {
		schema, typ string
	}
	if version == "" || version == "latest" {
		si, err := reg.Latest(ctx, subject)
		if err != nil {
			if status(err) == adbc.StatusNotFound {
				return nil, nil
			}
			return nil, err
		}
		info.schema, info.typ = si.Schema, si.Type
	} else {
		var v int
		if _, err := fmt.Sscan(version, &v); err != nil {
			return nil, fmt.Errorf("schema version %q: want latest or a number", version)
		}
		si, err := reg.SchemaByVersion(ctx, subject, v)
		if err != nil {
			return nil, err
		}
		info.schema, info.typ = si.Schema, si.Type
	}
	if info.typ != "" && !strings.EqualFold(info.typ, "AVRO") {
		return nil, nil
	}
	s, err := avroarrow.Parse(info.schema)
	if err != nil {
		return nil, fmt.Errorf("subject %s: %v", subject, err)
	}
	sc, err := avroarrow.ArrowSchema(s, avroarrow.MapOptions{})
	if err != nil {
		return nil, fmt.Errorf("subject %s: %v", subject, err)
	}
	types := map[string]arrow.DataType{}
	for _, fld := range sc.Fields() {
		types[fld.Name] = csvType(fld.Type)
	}
	return types, nil
}

// csvType is the type a CSV column is read as for a field of type dt:
// enums as text; types CSV cannot carry (lists, structs, maps, unions)
// are left nil for the ingest to reject with the column's name.
func csvType(dt arrow.DataType) arrow.DataType {
	switch dt := dt.(type) {
	case *arrow.DictionaryType:
		return dt.ValueType
	case *arrow.ListType, *arrow.StructType, *arrow.MapType, arrow.UnionType, *arrow.Time64Type,
		*arrow.DurationType, *arrow.MonthDayNanoIntervalType:
		return nil
	}
	return dt
}

// csvReader reads a CSV file with a header row: columns named in types
// take those types, the others are inferred. Empty fields and NULL are
// null, except in text columns.
func csvReader(fh *os.File, types map[string]arrow.DataType, delim rune, mem memory.Allocator) (array.RecordReader, error) {
	fixed := map[string]arrow.DataType{}
	for k, t := range types {
		if t != nil {
			fixed[k] = t
		}
	}
	r := csv.NewInferringReader(fh, csv.WithHeader(true), csv.WithComma(delim), csv.WithAllocator(mem),
		csv.WithChunk(1<<16), csv.WithColumnTypes(fixed), csv.WithNullReader(false, "", "NULL"))
	// The inferring reader knows its schema only once it has read the
	// first chunk; ingest asks for the schema first.
	if !r.Next() {
		err := r.Err()
		r.Release()
		if err == nil {
			err = fmt.Errorf("no header row")
		}
		return nil, err
	}
	first := r.RecordBatch()
	first.Retain()
	return &primedReader{RecordReader: r, first: first}, nil
}

// primedReader is a reader whose first batch was read ahead.
type primedReader struct {
	array.RecordReader
	first   arrow.RecordBatch
	started bool
}

func (p *primedReader) Next() bool {
	if !p.started {
		p.started = true
		return true
	}
	if p.first != nil {
		p.first.Release()
		p.first = nil
	}
	return p.RecordReader.Next()
}

func (p *primedReader) RecordBatch() arrow.RecordBatch {
	if p.first != nil {
		return p.first
	}
	return p.RecordReader.RecordBatch()
}

func (p *primedReader) Record() arrow.RecordBatch { return p.RecordBatch() }

func (p *primedReader) Release() {
	if p.first != nil {
		p.first.Release()
		p.first = nil
	}
	p.RecordReader.Release()
}
