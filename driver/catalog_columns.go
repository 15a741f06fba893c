package driver

import (
	"context"

	"github.com/apache/arrow-adbc/go/adbc"
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/kafarr/kafarr/avroarrow"
	"github.com/kafarr/kafarr/internal/adbcerr"
	"github.com/kafarr/kafarr/internal/metacol"
	"github.com/kafarr/kafarr/options"
	"github.com/kafarr/kafarr/statement"
)

// topicColumns returns the columns GetObjects lists for topic: the fields
// SELECT * FROM topic would return under the connection's options, planned
// by the same code as GetTableSchema, except that no message is read. When
// the value schema cannot be known without reading messages, or the
// registered schema cannot be mapped to Arrow, only the columns that do
// not depend on the value schema are listed (see GetObjects). ok is false
// when the topic no longer exists.
func (c *Connection) topicColumns(ctx context.Context, topic string) (fields []arrow.Field, ok bool, err error) {
	sc, known, err := statement.TableSchema(ctx, c.sess, c.sess.Options, topic, false)
	switch adbcerr.Status(err) {
	case adbc.StatusOK:
		if known {
			return sc.Fields(), true, nil
		}
	case adbc.StatusNotFound, adbc.StatusInvalidArgument, adbc.StatusInvalidData, adbc.StatusNotImplemented, adbc.StatusInvalidState:
		// The schema vanished or cannot be read as Arrow (a non-Avro
		// schema, an unsupported construct, an ambiguous subject, no
		// registry): fall back to the schema-independent columns.
	default:
		return nil, false, err
	}
	// Planning a raw read gives the metadata columns exactly as SELECT *
	// builds them (the _key type included), plus the raw _value column,
	// which only belongs when the connection reads raw values.
	raw := c.sess.Options.Child()
	if err := raw.Set(options.ValueFormatKey, string(options.FormatBinary)); err != nil {
		return nil, false, err
	}
	sc, _, err = statement.TableSchema(ctx, c.sess, raw, topic, false)
	if adbcerr.Status(err) == adbc.StatusNotFound {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	for _, f := range sc.Fields() {
		if f.Name != metacol.ValueName {
			fields = append(fields, f)
		}
	}
	return fields, true, nil
}

// columnBuilders are the child builders of one GetObjects COLUMN_SCHEMA
// struct, in schema order.
type columnBuilders struct {
	st              *array.StructBuilder
	name            *array.StringBuilder
	position        *array.Int32Builder
	remarks         *array.StringBuilder
	dataType        *array.Int16Builder
	typeName        *array.StringBuilder
	columnSize      *array.Int32Builder
	decimalDigits   *array.Int16Builder
	numPrecRadix    *array.Int16Builder
	nullable        *array.Int16Builder
	columnDef       *array.StringBuilder
	sqlDataType     *array.Int16Builder
	datetimeSub     *array.Int16Builder
	charOctetLength *array.Int32Builder
	isNullable      *array.StringBuilder
	scopeCatalog    *array.StringBuilder
	scopeSchema     *array.StringBuilder
	scopeTable      *array.StringBuilder
	autoincrement   *array.BooleanBuilder
	generated       *array.BooleanBuilder
}

func newColumnBuilders(st *array.StructBuilder) columnBuilders {
	return columnBuilders{
		st:              st,
		name:            st.FieldBuilder(0).(*array.StringBuilder),
		position:        st.FieldBuilder(1).(*array.Int32Builder),
		remarks:         st.FieldBuilder(2).(*array.StringBuilder),
		dataType:        st.FieldBuilder(3).(*array.Int16Builder),
		typeName:        st.FieldBuilder(4).(*array.StringBuilder),
		columnSize:      st.FieldBuilder(5).(*array.Int32Builder),
		decimalDigits:   st.FieldBuilder(6).(*array.Int16Builder),
		numPrecRadix:    st.FieldBuilder(7).(*array.Int16Builder),
		nullable:        st.FieldBuilder(8).(*array.Int16Builder),
		columnDef:       st.FieldBuilder(9).(*array.StringBuilder),
		sqlDataType:     st.FieldBuilder(10).(*array.Int16Builder),
		datetimeSub:     st.FieldBuilder(11).(*array.Int16Builder),
		charOctetLength: st.FieldBuilder(12).(*array.Int32Builder),
		isNullable:      st.FieldBuilder(13).(*array.StringBuilder),
		scopeCatalog:    st.FieldBuilder(14).(*array.StringBuilder),
		scopeSchema:     st.FieldBuilder(15).(*array.StringBuilder),
		scopeTable:      st.FieldBuilder(16).(*array.StringBuilder),
		autoincrement:   st.FieldBuilder(17).(*array.BooleanBuilder),
		generated:       st.FieldBuilder(18).(*array.BooleanBuilder),
	}
}

// append appends one column at 1-based position pos.
func (b columnBuilders) append(f arrow.Field, pos int32) {
	b.st.Append(true)
	b.name.Append(f.Name)
	b.position.Append(pos)
	mc, isRecordColumn := metacol.Lookup(f.Name)
	remark := mc.Remark
	if !isRecordColumn {
		remark = avroRemark(f.Metadata)
	}
	appendString(b.remarks, remark)

	x := xdbcTypeOf(f.Type)
	b.dataType.Append(x.dataType)
	b.typeName.Append(f.Type.String())
	appendInt32(b.columnSize, x.columnSize)
	appendInt16(b.decimalDigits, x.decimalDigits)
	appendInt16(b.numPrecRadix, x.radix)
	if f.Nullable {
		b.nullable.Append(xdbcNullable)
		b.isNullable.Append("YES")
	} else {
		b.nullable.Append(xdbcNoNulls)
		b.isNullable.Append("NO")
	}
	def := ""
	if i := f.Metadata.FindKey(avroarrow.MetaDefault); i >= 0 {
		def = f.Metadata.Values()[i]
	}
	appendString(b.columnDef, def)
	b.sqlDataType.Append(x.sqlDataType)
	appendInt16(b.datetimeSub, x.datetimeSub)
	appendInt32(b.charOctetLength, x.octetLength)
	b.scopeCatalog.AppendNull()
	b.scopeSchema.AppendNull()
	b.scopeTable.AppendNull()
	b.autoincrement.Append(f.Name == "_offset")
	b.generated.Append(isRecordColumn)
}

// avroRemark describes what Arrow alone does not say about a value column:
// its Avro named or logical type, from the field metadata avroarrow sets.
func avroRemark(md arrow.Metadata) string {
	get := func(k string) string {
		if i := md.FindKey(k); i >= 0 {
			return md.Values()[i]
		}
		return ""
	}
	typ, name, logical := get(avroarrow.MetaAvroType), get(avroarrow.MetaName), get(avroarrow.MetaLogicalType)
	if typ == "" {
		return ""
	}
	s := "Avro " + typ
	if name != "" {
		s += " " + name
	}
	if logical != "" {
		s += " (logicalType " + logical + ")"
	}
	return s
}

// appendString appends s, or null for "".
func appendString(b *array.StringBuilder, s string) {
	if s == "" {
		b.AppendNull()
		return
	}
	b.Append(s)
}

// appendInt16 appends v, or null for a negative v (no meaningful value).
func appendInt16(b *array.Int16Builder, v int16) {
	if v < 0 {
		b.AppendNull()
		return
	}
	b.Append(v)
}

// appendInt32 appends v, or null for a negative v.
func appendInt32(b *array.Int32Builder, v int32) {
	if v < 0 {
		b.AppendNull()
		return
	}
	b.Append(v)
}
