package ingest

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-adbc/go/adbc"
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/kafarr/kafarr/avroarrow"
	"github.com/kafarr/kafarr/codec"
	"github.com/kafarr/kafarr/internal/adbcerr"
	"github.com/kafarr/kafarr/internal/arrowcell"
)

// metaPlan locates the columns that become a record's key, timestamp,
// headers and partition rather than value fields (kafarr.ingest.*_column).
// Each is a column index, -1 when not designated.
type metaPlan struct {
	names              [4]string // key, timestamp, headers, partition column names
	key, ts, hdr, part int
	keyAvro            bool // the key is Avro-encoded (kafarr.ingest.key_subject)
	tsIsTimestamp      bool // else int64 milliseconds
	tsUnit             arrow.TimeUnit
	partitions         int32 // the topic's partition count, with a partition column
}

// designates reports whether name is one of the metadata columns.
func (m *metaPlan) designates(name string) bool {
	for _, n := range m.names {
		if n != "" && n == name {
			return true
		}
	}
	return false
}

// planMeta finds the designated columns in the bound schema and checks
// their types, before anything is produced.
func (r *ingestRun) planMeta() error {
	m := &r.meta
	m.names = [4]string{r.set.KeyColumn, r.set.TimestampColumn, r.set.HeadersColumn, r.set.PartitionColumn}
	m.keyAvro = r.set.KeySubject != ""
	if m.keyAvro && r.set.KeyColumn == "" {
		return adbc.Error{Code: adbc.StatusInvalidArgument, Msg: fmt.Sprintf(
			"kafarr: ingest into %q: kafarr.ingest.key_subject %q needs kafarr.ingest.key_column to name the column holding the keys", r.topic, r.set.KeySubject)}
	}
	col := func(opt, name string) (int, error) {
		if name == "" {
			return -1, nil
		}
		idx := r.in.FieldIndices(name)
		if len(idx) == 0 {
			return -1, adbc.Error{Code: adbc.StatusInvalidArgument, Msg: fmt.Sprintf(
				"kafarr: ingest into %q: %s names column %q, which the data does not have", r.topic, opt, name)}
		}
		if len(idx) > 1 {
			return -1, adbc.Error{Code: adbc.StatusInvalidArgument, Msg: fmt.Sprintf(
				"kafarr: ingest into %q: %s names column %q, which the data has %d times", r.topic, opt, name, len(idx))}
		}
		return idx[0], nil
	}
	var err error
	if m.key, err = col("kafarr.ingest.key_column", r.set.KeyColumn); err != nil {
		return err
	}
	if m.ts, err = col("kafarr.ingest.timestamp_column", r.set.TimestampColumn); err != nil {
		return err
	}
	if m.hdr, err = col("kafarr.ingest.headers_column", r.set.HeadersColumn); err != nil {
		return err
	}
	if m.part, err = col("kafarr.ingest.partition_column", r.set.PartitionColumn); err != nil {
		return err
	}
	typeErr := func(what, name, want string, dt arrow.DataType) error {
		return adbc.Error{Code: adbc.StatusInvalidArgument, Msg: fmt.Sprintf(
			"kafarr: ingest into %q: %s column %q must be %s, not %s", r.topic, what, name, want, dt)}
	}
	if m.key >= 0 && !m.keyAvro {
		if dt := r.in.Field(m.key).Type; !isBytesish(dt) && !isInteger(dt) {
			return typeErr("key", r.set.KeyColumn, "string, binary or integer (or set kafarr.ingest.key_subject for an Avro key)", dt)
		}
	}
	if m.ts >= 0 {
		switch dt := r.in.Field(m.ts).Type.(type) {
		case *arrow.TimestampType:
			m.tsIsTimestamp, m.tsUnit = true, dt.Unit
		case *arrow.Int64Type:
		default:
			return typeErr("timestamp", r.set.TimestampColumn, "a timestamp or int64 milliseconds since the epoch", dt)
		}
	}
	if m.hdr >= 0 {
		dt := r.in.Field(m.hdr).Type
		mt, ok := dt.(*arrow.MapType)
		if !ok || !isStringish(mt.KeyType()) || !isBytesish(mt.ItemType()) {
			return typeErr("headers", r.set.HeadersColumn, "map<utf8, binary or utf8>", dt)
		}
	}
	if m.part >= 0 {
		if dt := r.in.Field(m.part).Type; !isInteger(dt) {
			return typeErr("partition", r.set.PartitionColumn, "an integer", dt)
		}
	}
	return nil
}

// keyPlan is how an Avro key is written (kafarr.ingest.key_subject). The
// key column goes through the value encoder wrapped in a one-field record
// named "key", which holds the key schema itself, or ["null", schema] when
// the key schema is not a union: a null key then passes the checks and is
// produced as no key, as Confluent's serializers do, and a non-null key's
// encoding starts with the union's branch index 1 (one byte, 0x02), which
// is dropped.
type keyPlan struct {
	subject  string
	schema   *avroarrow.Schema // the key schema
	id       int32
	register bool // schema was derived and is registered under subject
	in       *arrow.Schema
	enc      *avroarrow.Encoder
	wrapped  bool
}

// keyWrapField names the key column within the wrapper record.
const keyWrapField = "key"

// planKey finds (or derives) the key schema and compiles its encoder. The
// subject must exist, except <topic>-key: when it is not registered, a
// schema is derived from the key column (a struct column gives a record
// named after the value record plus "Key"), unless
// kafarr.ingest.auto_register=false.
func (r *ingestRun) planKey(ctx context.Context) error {
	if !r.meta.keyAvro {
		return nil
	}
	k := &keyPlan{subject: r.set.KeySubject}
	col := r.in.Field(r.meta.key)
	k.in = arrow.NewSchema([]arrow.Field{{Name: keyWrapField, Type: col.Type, Nullable: true, Metadata: col.Metadata}}, nil)
	reg := r.sess.Registry
	info, err := reg.Latest(ctx, k.subject)
	switch {
	case err == nil:
		if k.schema, err = codec.ParseAvro(info); err != nil {
			return adbcerr.Wrap(err, "ingest into %q: key subject %q", r.topic, k.subject)
		}
		k.id = int32(info.ID)
	case adbcerr.Status(err) == adbc.StatusNotFound && k.subject == r.topic+"-key" && r.set.AutoRegister:
		if k.schema, err = r.deriveKey(col); err != nil {
			return err
		}
		k.register = true
	default:
		return adbcerr.Wrap(err, "ingest into %q: key subject %q", r.topic, k.subject)
	}
	if err := k.compile(r.set.coerceMode()); err != nil {
		return r.encodeErr(r.keyEncodeErr(err), "key column %q does not fit the key schema of subject %q", r.set.KeyColumn, k.subject)
	}
	r.key = k
	return nil
}

// deriveKey derives a key schema from the key column: a record for a
// struct column, else the column's own type (a null key is no key, so the
// type is not made nullable).
func (r *ingestRun) deriveKey(col arrow.Field) (*avroarrow.Schema, error) {
	name := r.recordName() + "Key"
	if st, ok := col.Type.(*arrow.StructType); ok {
		s, err := avroarrow.DeriveSchema(arrow.NewSchema(st.Fields(), nil), name)
		if err != nil {
			return nil, r.encodeErr(err, "deriving a key schema from struct column %q", col.Name)
		}
		return s, nil
	}
	s, err := avroarrow.DeriveSchema(arrow.NewSchema([]arrow.Field{{Name: keyWrapField, Type: col.Type, Metadata: col.Metadata}}, nil), name)
	if err != nil {
		return nil, r.encodeErr(r.keyEncodeErr(err), "deriving a key schema from column %q", col.Name)
	}
	// The field's type, re-parsed as a schema of its own.
	t, err := avroarrow.Parse(s.Fields[0].Type.String())
	if err != nil {
		return nil, adbc.Error{Code: adbc.StatusInternal, Msg: fmt.Sprintf("kafarr: ingest into %q: derived key schema does not parse: %v", r.topic, err)}
	}
	return t, nil
}

// compile builds the wrapper record and the encoder.
func (k *keyPlan) compile(coerce avroarrow.CoerceMode) error {
	k.wrapped = k.schema.Type != avroarrow.TypeUnion
	typ := k.schema.String()
	if k.wrapped {
		typ = `["null",` + typ + `]`
	}
	wrapper, err := avroarrow.Parse(`{"type":"record","name":"kafarr_ingest_key_wrapper","fields":[{"name":"` + keyWrapField + `","type":` + typ + `}]}`)
	if err != nil {
		return err
	}
	k.enc, err = avroarrow.CompileEncoder(k.in, wrapper, avroarrow.EncoderOptions{Coerce: coerce})
	return err
}

// keyEncodeErr renames the wrapper's column in an encoder error to the key
// column's name.
func (r *ingestRun) keyEncodeErr(err error) error {
	var ee *avroarrow.EncodeError
	if !errors.As(err, &ee) {
		return err
	}
	out := *ee
	if rest, ok := strings.CutPrefix(out.Column, keyWrapField); ok {
		out.Column = r.set.KeyColumn + rest
	}
	if rest, ok := strings.CutPrefix(out.Field, keyWrapField); ok {
		out.Field = strings.TrimPrefix(rest, ".")
	}
	return &out
}

// check validates a batch's keys and returns the wrapped batch to encode
// them from; the caller releases it.
func (k *keyPlan) check(col arrow.Array, n int) (arrow.RecordBatch, error) {
	kb := array.NewRecordBatch(k.in, []arrow.Array{col}, int64(n))
	if err := k.enc.Check(kb); err != nil {
		kb.Release()
		return nil, err
	}
	return kb, nil
}

// appendKey appends the framed Avro key of row i (not null) of kb.
func (k *keyPlan) appendKey(dst []byte, kb arrow.RecordBatch, i int) ([]byte, error) {
	dst = avroarrow.AppendFrame(dst, k.id)
	mark := len(dst)
	dst, err := k.enc.AppendRow(dst, kb, i)
	if err != nil {
		return dst[:mark-avroarrow.FrameHeaderSize], err
	}
	if k.wrapped {
		// Drop the branch index of ["null", schema]'s second branch:
		// zigzag(1) = 0x02.
		dst = append(dst[:mark], dst[mark+1:]...)
	}
	return dst, nil
}

// appendRawKey appends row i (not null) of a string, binary or integer key
// column.
func appendRawKey(dst []byte, a arrow.Array, i int) []byte {
	switch k := a.(type) {
	case *array.String:
		return append(dst, k.Value(i)...)
	case *array.LargeString:
		return append(dst, k.Value(i)...)
	case *array.StringView:
		return append(dst, k.Value(i)...)
	case *array.Binary:
		return append(dst, k.Value(i)...)
	case *array.LargeBinary:
		return append(dst, k.Value(i)...)
	case *array.BinaryView:
		return append(dst, k.Value(i)...)
	}
	return appendIntText(dst, a, i)
}

// batchMeta holds a batch's metadata columns.
type batchMeta struct {
	key, ts, part arrow.Array
	hdrs          *array.Map
}

// columns picks the batch's metadata columns.
func (m *metaPlan) columns(rec arrow.RecordBatch) batchMeta {
	var b batchMeta
	if m.key >= 0 {
		b.key = rec.Column(m.key)
	}
	if m.ts >= 0 {
		b.ts = rec.Column(m.ts)
	}
	if m.hdr >= 0 {
		b.hdrs, _ = rec.Column(m.hdr).(*array.Map)
	}
	if m.part >= 0 {
		b.part = rec.Column(m.part)
	}
	return b
}

// metaError is a bad metadata value: the batch is refused before any of
// it is produced.
type metaError struct {
	column string
	row    int
	value  string
	msg    string
}

func (e *metaError) Error() string {
	return fmt.Sprintf("column %q row %d: %s%s", e.column, e.row, e.value, e.msg)
}

// check validates the timestamp and partition of every row: a partition
// must be set and exist (when the partition count is known: not 0), a
// timestamp must not precede the epoch.
func (m *metaPlan) check(b batchMeta, n int) *metaError {
	if b.part != nil {
		for i := 0; i < n; i++ {
			if b.part.IsNull(i) {
				return &metaError{column: m.names[3], row: i, msg: "null partition (the partition column must be set on every row)"}
			}
			if p := arrowcell.Int64(b.part, i); p < 0 || m.partitions > 0 && p >= int64(m.partitions) {
				msg := fmt.Sprintf("is not a partition of the topic, which has partitions 0 to %d", m.partitions-1)
				if m.partitions == 0 {
					msg = "is not a partition (they are numbered from 0)"
				}
				return &metaError{column: m.names[3], row: i, value: "value " + strconv.FormatInt(p, 10) + " ", msg: msg}
			}
		}
	}
	if b.ts != nil {
		for i := 0; i < n; i++ {
			if b.ts.IsNull(i) {
				continue
			}
			if ms, ok := m.millis(b.ts, i); !ok || ms < 0 {
				return &metaError{column: m.names[1], row: i, value: "value " + tsText(b.ts, i) + " ",
					msg: "is not a Kafka timestamp (milliseconds since 1970-01-01 UTC, not before it)"}
			}
		}
	}
	return nil
}

func tsText(a arrow.Array, i int) string {
	if t, ok := a.(*array.Timestamp); ok {
		return t.ValueStr(i)
	}
	return strconv.FormatInt(a.(*array.Int64).Value(i), 10)
}

// millis returns row i of a timestamp column in milliseconds since the
// epoch, rounded down (Kafka timestamps are milliseconds), and false when
// it overflows.
func (m *metaPlan) millis(a arrow.Array, i int) (int64, bool) {
	if !m.tsIsTimestamp {
		return a.(*array.Int64).Value(i), true
	}
	v := int64(a.(*array.Timestamp).Value(i))
	switch m.tsUnit {
	case arrow.Second:
		if v > 1<<63/1000-1 || v < -1<<63/1000 {
			return 0, false
		}
		return v * 1000, true
	case arrow.Millisecond:
		return v, true
	case arrow.Microsecond:
		return floorDiv(v, 1000), true
	}
	return floorDiv(v, 1_000_000), true
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && a < 0 {
		q--
	}
	return q
}

// fill sets row i's timestamp, headers and partition on rec; keys are
// encoded with the chunk.
func (m *metaPlan) fill(rec *kgo.Record, b batchMeta, i int) {
	if b.ts != nil && b.ts.IsValid(i) {
		ms, _ := m.millis(b.ts, i)
		rec.Timestamp = time.UnixMilli(ms)
	}
	if b.hdrs != nil && b.hdrs.IsValid(i) {
		start, end := b.hdrs.ValueOffsets(i)
		keys, items := b.hdrs.Keys(), b.hdrs.Items()
		rec.Headers = make([]kgo.RecordHeader, 0, end-start)
		for k := int(start); k < int(end); k++ {
			h := kgo.RecordHeader{Key: textAt(keys, k)}
			if items.IsValid(k) {
				h.Value = []byte(textAt(items, k))
			}
			rec.Headers = append(rec.Headers, h)
		}
	}
	if b.part != nil {
		rec.Partition = int32(arrowcell.Int64(b.part, i))
	}
}

// appendIntText appends row i of an integer column in decimal: an integer
// key is produced as its text, which every Kafka tool can show and which
// kafarr.key.format=string reads back.
func appendIntText(dst []byte, a arrow.Array, i int) []byte {
	switch a := a.(type) {
	case *array.Uint8:
		return strconv.AppendUint(dst, uint64(a.Value(i)), 10)
	case *array.Uint16:
		return strconv.AppendUint(dst, uint64(a.Value(i)), 10)
	case *array.Uint32:
		return strconv.AppendUint(dst, uint64(a.Value(i)), 10)
	case *array.Uint64:
		return strconv.AppendUint(dst, a.Value(i), 10)
	}
	return strconv.AppendInt(dst, arrowcell.Int64(a, i), 10)
}

func textAt(a arrow.Array, i int) string {
	switch a := a.(type) {
	case *array.String:
		return a.Value(i)
	case *array.LargeString:
		return a.Value(i)
	case *array.StringView:
		return a.Value(i)
	case *array.Binary:
		return string(a.Value(i))
	case *array.LargeBinary:
		return string(a.Value(i))
	case *array.BinaryView:
		return string(a.Value(i))
	}
	return ""
}

func isStringish(dt arrow.DataType) bool {
	switch dt.ID() {
	case arrow.STRING, arrow.LARGE_STRING, arrow.STRING_VIEW:
		return true
	}
	return false
}

func isBytesish(dt arrow.DataType) bool {
	switch dt.ID() {
	case arrow.BINARY, arrow.LARGE_BINARY, arrow.BINARY_VIEW:
		return true
	}
	return isStringish(dt)
}

func isInteger(dt arrow.DataType) bool {
	switch dt.ID() {
	case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64, arrow.UINT8, arrow.UINT16, arrow.UINT32, arrow.UINT64:
		return true
	}
	return false
}
