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
	"github.com/kafarr/kafarr/options"
)

// metaPlan locates the columns that become a record's key, timestamp,
// headers and partition rather than value fields (kafarr.ingest.*_column).
// Each is a column index, -1 when not designated.
type metaPlan struct {
	names              [4]string // key, timestamp, headers, partition column names
	key, ts, hdr, part int
	keyEncoded         bool // the key is encoded (a key subject or format), not raw
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
	kf := r.set.KeyFormat
	raw := kf == options.IngestString || kf == options.IngestBinary
	if raw && r.set.KeySubject != "" {
		return adbc.Error{Code: adbc.StatusInvalidArgument, Msg: fmt.Sprintf(
			"kafarr: ingest into %q: kafarr.ingest.key_format=%s writes raw keys, but kafarr.ingest.key_subject names subject %q; unset one of them", r.topic, kf, r.set.KeySubject)}
	}
	m.keyEncoded = r.set.KeySubject != "" || !raw && kf != options.IngestAuto
	if m.keyEncoded && r.set.KeyColumn == "" {
		if r.set.KeySubject != "" {
			return adbc.Error{Code: adbc.StatusInvalidArgument, Msg: fmt.Sprintf(
				"kafarr: ingest into %q: kafarr.ingest.key_subject %q needs kafarr.ingest.key_column to name the column holding the keys", r.topic, r.set.KeySubject)}
		}
		return adbc.Error{Code: adbc.StatusInvalidArgument, Msg: fmt.Sprintf(
			"kafarr: ingest into %q: kafarr.ingest.key_format=%s needs kafarr.ingest.key_column to name the column holding the keys", r.topic, kf)}
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
	if m.key >= 0 && !m.keyEncoded {
		if dt := r.in.Field(m.key).Type; !isBytesish(dt) && !isInteger(dt) {
			return typeErr("key", r.set.KeyColumn, "string, binary or integer (or set kafarr.ingest.key_subject or key_format for an encoded key)", dt)
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

// keyPlan is how an encoded key is written (kafarr.ingest.key_subject or
// key_format). An Avro key column goes through the encoder wrapped in a
// one-field record named "key", which holds the key schema itself, or
// ["null", schema] when the key schema is not a union: a null key then
// passes the checks and is produced as no key, as Confluent's serializers
// do, and a non-null key's encoding starts with the union's branch index 1
// (one byte, 0x02), which is dropped. A Protobuf or JSON key is a message
// or object: a struct column's fields are its fields, another column is
// its one field, of the column's name. A plain JSON key of a column that
// is no struct is the column's value alone (a JSON string, number, ...).
type keyPlan struct {
	encPlan
	in      *arrow.Schema // the schema of the batch the encoder reads
	fields  bool          // that batch is the struct key column's fields
	wrapped bool          // Avro: drop the branch index of ["null", schema]
	// scalar: plain JSON of a column that is no struct, encoded as
	// {"key":value}, of which the value is kept.
	scalar bool
}

// keyWrapField names the key column within the wrapper record.
const keyWrapField = "key"

// planKey finds (or derives) the key schema and compiles its encoder. The
// subject (kafarr.ingest.key_subject, else <topic>-key) must exist,
// except <topic>-key, or a named subject with key_format=json: when it is
// not registered, a schema is derived from the key column (a struct column
// gives a record named after the value record plus "Key"), unless
// kafarr.ingest.auto_register=false. key_format=json without a key subject
// writes plain JSON keys. The subject's schema type decides the format; an
// explicit key_format must agree with it.
func (r *ingestRun) planKey(ctx context.Context) error {
	if !r.meta.keyEncoded {
		return nil
	}
	want := r.set.KeyFormat
	col := r.in.Field(r.meta.key)
	if want == options.IngestJSON && r.set.KeySubject == "" {
		k := &keyPlan{}
		r.key = k
		k.batchSchema(col, true)
		p, err := r.derivePlan(ctx, wireJSON, k.in, k.in, "", "", fmt.Sprintf("key column %q", col.Name))
		if err != nil {
			return err
		}
		k.encPlan = p
		r.key = k
		return nil
	}
	subject := r.set.KeySubject
	if subject == "" {
		subject = r.topic + "-key"
	}
	reg, err := r.sess.NeedRegistry(fmt.Sprintf("ingest with %s keys (kafarr.ingest.key_column %q)", valueWhat(want), col.Name))
	if err != nil {
		return err
	}
	info, err := reg.Latest(ctx, subject)
	derived := wireAvro
	if f, ok := wantedFormat(want); ok {
		derived = f
	}
	k := &keyPlan{}
	r.key = k // for keyEncodeErr; plan fails when planKey does
	switch {
	case err == nil:
		f, ok := wireFormatOf(info.Type)
		if !ok {
			return adbcerr.New(adbc.StatusNotImplemented, "ingest into %q: key subject %q holds a schema of type %q, which kafarr cannot encode", r.topic, subject, info.Type)
		}
		if !fits(want, f) {
			return r.contradiction(options.IngestKeyFormat, want, subject, info)
		}
		if info.Subject == "" {
			info.Subject = subject
		}
		k.format = f
		k.batchSchema(col, false)
		var cerr error
		if f == wireAvro {
			var s *avroarrow.Schema
			if s, err = codec.ParseAvro(info); err == nil {
				k.avro, k.id, k.subject = s, int32(info.ID), subject
				cerr = k.compileAvro(r.set.coerceMode())
			}
		} else {
			var p encPlan
			p, cerr, err = r.compileFor(ctx, reg, f, info, func(func(string) bool) *arrow.Schema { return k.in }, "")
			p.subject = subject
			k.encPlan = p
		}
		if err != nil {
			return adbcerr.Wrap(err, "ingest into %q: key subject %q", r.topic, subject)
		}
		if cerr != nil {
			return r.encodeErr(r.keyEncodeErr(cerr), "key column %q does not fit the key schema of subject %q", r.set.KeyColumn, subject)
		}
		r.key = k
		return nil
	case adbcerr.Status(err) == adbc.StatusNotFound && r.set.AutoRegister &&
		(subject == r.topic+"-key" || want == options.IngestJSON):
	default:
		return adbcerr.Wrap(err, "ingest into %q: key subject %q", r.topic, subject)
	}
	k.format = derived
	k.batchSchema(col, false)
	if derived == wireAvro {
		if k.avro, err = r.deriveKey(col); err != nil {
			return err
		}
		k.subject, k.text, k.register = subject, k.avro.String(), true
		if err := k.compileAvro(r.set.coerceMode()); err != nil {
			return r.encodeErr(r.keyEncodeErr(err), "key column %q does not fit the key schema derived from it", r.set.KeyColumn)
		}
		r.key = k
		return nil
	}
	p, err := r.derivePlan(ctx, derived, k.in, k.in, r.recordName()+"Key", subject, fmt.Sprintf("key column %q", col.Name))
	if err != nil {
		return err
	}
	k.encPlan = p
	r.key = k
	return nil
}

// batchSchema sets the schema of the batch the key encoder reads: the
// Avro wrapper record, a struct column's fields, or the column alone
// (named "key" for plain JSON, whose name is not written).
func (k *keyPlan) batchSchema(col arrow.Field, plain bool) {
	switch st, isStruct := col.Type.(*arrow.StructType); {
	case k.format == wireAvro && !plain:
		k.in = arrow.NewSchema([]arrow.Field{{Name: keyWrapField, Type: col.Type, Nullable: true, Metadata: col.Metadata}}, nil)
	case isStruct:
		k.in, k.fields = arrow.NewSchema(st.Fields(), nil), true
	case plain:
		k.in, k.scalar = arrow.NewSchema([]arrow.Field{{Name: keyWrapField, Type: col.Type, Metadata: col.Metadata}}, nil), true
	default:
		// A null key is no key: the one field is not nullable.
		k.in = arrow.NewSchema([]arrow.Field{{Name: col.Name, Type: col.Type, Metadata: col.Metadata}}, nil)
	}
}

// deriveKey derives an Avro key schema from the key column: a record for
// a struct column, else the column's own type (a null key is no key, so
// the type is not made nullable).
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

// compileAvro builds the wrapper record of an Avro key and the encoder.
func (k *keyPlan) compileAvro(coerce avroarrow.CoerceMode) error {
	k.wrapped = k.avro.Type != avroarrow.TypeUnion
	typ := k.avro.String()
	if k.wrapped {
		typ = `["null",` + typ + `]`
	}
	wrapper, err := avroarrow.Parse(`{"type":"record","name":"kafarr_ingest_key_wrapper","fields":[{"name":"` + keyWrapField + `","type":` + typ + `}]}`)
	if err != nil {
		return err
	}
	enc, err := avroarrow.CompileEncoder(k.in, wrapper, avroarrow.EncoderOptions{Coerce: coerce})
	if err != nil {
		return err
	}
	k.enc = enc
	return nil
}

// keyEncodeErr renames the wrapper's column in an encoder error to the key
// column's name.
func (r *ingestRun) keyEncodeErr(err error) error {
	var ee *avroarrow.EncodeError
	if !errors.As(err, &ee) {
		return err
	}
	out := *ee
	if k := r.key; k != nil && k.fields {
		// The struct's fields: name them within the key column.
		if out.Column != "" {
			out.Column = r.set.KeyColumn + "." + out.Column
		}
		return &out
	} else if k != nil && k.format != wireAvro && !k.scalar {
		return &out // the one column has the key column's name
	}
	if rest, ok := strings.CutPrefix(out.Column, keyWrapField); ok {
		out.Column = r.set.KeyColumn + rest
	}
	if rest, ok := strings.CutPrefix(out.Field, keyWrapField); ok {
		out.Field = strings.TrimPrefix(rest, ".")
	}
	return &out
}

// check validates a batch's keys and returns the batch to encode them
// from; the caller releases it.
func (k *keyPlan) check(col arrow.Array, n int) (arrow.RecordBatch, error) {
	cols := []arrow.Array{col}
	if k.fields {
		st := col.(*array.Struct)
		cols = make([]arrow.Array, st.NumField())
		for i := range cols {
			cols[i] = st.Field(i)
		}
	}
	kb := array.NewRecordBatch(k.in, cols, int64(n))
	if err := k.checkRows(kb, col); err != nil {
		kb.Release()
		return nil, err
	}
	return kb, nil
}

// checkRows checks the keys of kb. A null key is no key: the Avro
// wrapper's union admits it, but a Protobuf or JSON key's fields or value
// may not, and a struct key column's fields there are not keys either, so
// a batch with null keys is checked row by row, skipping them.
func (k *keyPlan) checkRows(kb arrow.RecordBatch, col arrow.Array) error {
	if k.format == wireAvro || col.NullN() == 0 {
		return k.enc.Check(kb)
	}
	var scratch []byte
	for i := 0; i < col.Len(); i++ {
		if col.IsNull(i) {
			continue
		}
		var err error
		if scratch, err = k.enc.AppendRow(scratch[:0], kb, i); err != nil {
			var ee *avroarrow.EncodeError
			if errors.As(err, &ee) && ee.Row != i {
				cp := *ee
				cp.Row = i
				err = &cp
			}
			return err
		}
	}
	return nil
}

// appendKey appends the encoded key of row i (not null) of kb.
func (k *keyPlan) appendKey(dst []byte, kb arrow.RecordBatch, i int) ([]byte, error) {
	mark := len(dst)
	dst, err := k.appendRow(dst, kb, i)
	if err != nil {
		return dst, err
	}
	body := mark + len(k.header)
	switch {
	case k.wrapped:
		// Drop the branch index of ["null", schema]'s second branch:
		// zigzag(1) = 0x02.
		dst = append(dst[:body], dst[body+1:]...)
	case k.scalar:
		// {"key":value} -> value.
		const prefix = `{"` + keyWrapField + `":`
		v := dst[body:]
		if len(v) < len(prefix)+1 || string(v[:len(prefix)]) != prefix || v[len(v)-1] != '}' {
			return dst[:mark], adbcerr.New(adbc.StatusInternal, "the JSON encoder wrote key %q, not an object of one member %q", v, keyWrapField)
		}
		dst = append(dst[:body], v[len(prefix):len(v)-1]...)
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
