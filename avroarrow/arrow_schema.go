package avroarrow

import (
	"fmt"
	"strconv"

	"github.com/apache/arrow-go/v18/arrow"
)

// Arrow field metadata keys set by the Avro -> Arrow mapping, so the Arrow
// -> Avro direction can recover what the Arrow type alone loses.
const (
	// MetaAvroType is the underlying Avro type name ("enum", "fixed",
	// "union", "record", "long", ...). It is set on enum, fixed, union and
	// record fields and on every field with a logical type.
	MetaAvroType = "kafarr.avro.type"
	// MetaLogicalType is the Avro logical type ("decimal", "uuid",
	// "timestamp-micros", ...), when there is one.
	MetaLogicalType = "kafarr.avro.logical_type"
	// MetaName is the full name of a named type (record, enum, fixed).
	MetaName = "kafarr.avro.name"
	// MetaSymbols is an enum's symbols as a JSON array of strings; the
	// dictionary of an enum column holds the same symbols in that order.
	MetaSymbols = "kafarr.avro.symbols"
	// MetaDefault is the JSON text of a record field's default, when it has
	// one.
	MetaDefault = "kafarr.avro.default"
)

// ValueColumnName names the single value column that a reader schema other
// than a record maps to (a topic whose value schema is "string", say).
const ValueColumnName = "value"

// UnionMode chooses how Avro unions other than [null, T] map to Arrow.
type UnionMode uint8

const (
	// UnionStruct, the default, maps a union to a struct with one nullable
	// child per non-null branch, named after the branch (Schema.BranchName);
	// exactly one child is set in a valid row, and the struct itself is
	// null when the null branch is taken. Every Arrow consumer reads it.
	UnionStruct UnionMode = iota
	// UnionDense maps a union to an Arrow dense union with one child per
	// branch, the null branch included (as an Arrow null child), and type
	// codes 0..n-1 in branch order.
	UnionDense
)

// MapOptions tunes the Avro -> Arrow type mapping.
type MapOptions struct {
	// UnionMode is the representation of general unions; UnionStruct by
	// default.
	UnionMode UnionMode
}

// enumType is the Arrow type of every enum column: int32 indices into a
// dictionary of the reader's symbols.
var enumType = &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}

// ArrowSchema maps a reader schema to the Arrow schema of the value
// columns: one column per field of a record, in field order, or a single
// column named ValueColumnName for any other schema. Top-level columns are
// always nullable, since tombstones and undecodable messages give null
// rows. Recursive records are an error: Arrow types cannot nest without
// end.
func ArrowSchema(reader *Schema, opts MapOptions) (*arrow.Schema, error) {
	fields, err := valueFields(reader, nil, opts)
	if err != nil {
		return nil, err
	}
	return arrow.NewSchema(fields, nil), nil
}

// valueFields maps the top-level reader fields named in projection (all
// fields, in order, when projection is nil) to nullable Arrow fields.
func valueFields(reader *Schema, projection []string, opts MapOptions) ([]arrow.Field, error) {
	m := &mapper{opts: opts, active: map[*Schema]bool{}}
	if reader.Type != TypeRecord {
		f, err := m.field(ValueColumnName, reader, nil, ValueColumnName)
		if err != nil {
			return nil, err
		}
		f.Nullable = true
		return []arrow.Field{f}, nil
	}
	m.active[reader] = true
	fields, err := projectFields(reader, projection)
	if err != nil {
		return nil, err
	}
	out := make([]arrow.Field, len(fields))
	for i, rf := range fields {
		f, err := m.field(rf.Name, rf.Type, rf, rf.Name)
		if err != nil {
			return nil, err
		}
		f.Nullable = true
		out[i] = f
	}
	return out, nil
}

// projectFields returns the record fields named in projection, in that
// order, or all fields when projection is nil.
func projectFields(rec *Schema, projection []string) ([]*Field, error) {
	if projection == nil {
		return rec.Fields, nil
	}
	out := make([]*Field, 0, len(projection))
	seen := make(map[string]bool, len(projection))
	for _, name := range projection {
		f := rec.FieldByName(name)
		if f == nil {
			return nil, &SchemaError{Path: name, Msg: fmt.Sprintf("record %q has no field %q to project", rec.Name, name)}
		}
		if seen[name] {
			return nil, &SchemaError{Path: name, Msg: fmt.Sprintf("field %q is projected twice", name)}
		}
		seen[name] = true
		out = append(out, f)
	}
	return out, nil
}

// ArrowType maps one Avro schema to its Arrow type (see the package's type
// mapping table in docs/types.md). A union [null, T] maps to T's type, its
// nullability being a property of the field.
func ArrowType(s *Schema, opts MapOptions) (arrow.DataType, error) {
	m := &mapper{opts: opts, active: map[*Schema]bool{}}
	f, err := m.field("", s, nil, "$")
	if err != nil {
		return nil, err
	}
	return f.Type, nil
}

// mapper maps schemas to Arrow fields; active holds the records being
// mapped, to detect recursion.
type mapper struct {
	opts   MapOptions
	active map[*Schema]bool
}

// admitsNull reports whether an Avro value of s can be null.
func admitsNull(s *Schema) bool {
	if s.Type == TypeNull {
		return true
	}
	if s.Type == TypeUnion {
		for _, b := range s.Branches {
			if b.Type == TypeNull {
				return true
			}
		}
	}
	return false
}

// field maps s to an Arrow field named name; def, when not nil, is the
// record field whose default goes to the metadata. path locates s in error
// messages.
func (m *mapper) field(name string, s *Schema, def *Field, path string) (arrow.Field, error) {
	inner := s
	if b, _, ok := s.NullableBranch(); ok {
		inner = b
	}
	dt, err := m.dataType(inner, path)
	if err != nil {
		return arrow.Field{}, err
	}
	keys, vals := typeMetadata(inner)
	if def != nil && def.HasDefault {
		keys = append(keys, MetaDefault)
		vals = append(vals, marshalJSON(def.Default))
	}
	f := arrow.Field{Name: name, Type: dt, Nullable: admitsNull(s)}
	if len(keys) > 0 {
		f.Metadata = arrow.NewMetadata(keys, vals)
	}
	return f, nil
}

// typeMetadata returns the metadata describing s beyond its Arrow type.
func typeMetadata(s *Schema) (keys, vals []string) {
	add := func(k, v string) {
		keys = append(keys, k)
		vals = append(vals, v)
	}
	if s.Type.Named() || s.Type == TypeUnion || s.Logical != "" {
		add(MetaAvroType, s.Type.String())
	}
	if s.Logical != "" {
		add(MetaLogicalType, s.Logical)
	}
	if s.Type.Named() {
		add(MetaName, s.Name)
	}
	if s.Type == TypeEnum {
		add(MetaSymbols, marshalJSON(s.Symbols))
	}
	return keys, vals
}

func (m *mapper) dataType(s *Schema, path string) (arrow.DataType, error) {
	switch s.Logical {
	case LogicalDecimal:
		if s.Precision > 38 {
			return &arrow.Decimal256Type{Precision: int32(s.Precision), Scale: int32(s.Scale)}, nil
		}
		return &arrow.Decimal128Type{Precision: int32(s.Precision), Scale: int32(s.Scale)}, nil
	case LogicalUUID:
		return arrow.BinaryTypes.String, nil
	case LogicalDate:
		return arrow.FixedWidthTypes.Date32, nil
	case LogicalTimeMillis:
		return arrow.FixedWidthTypes.Time32ms, nil
	case LogicalTimeMicros:
		return arrow.FixedWidthTypes.Time64us, nil
	case LogicalTimestampMillis:
		return &arrow.TimestampType{Unit: arrow.Millisecond, TimeZone: "UTC"}, nil
	case LogicalTimestampMicros:
		return &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}, nil
	case LogicalTimestampNanos:
		return &arrow.TimestampType{Unit: arrow.Nanosecond, TimeZone: "UTC"}, nil
	case LogicalLocalTimestampMilli:
		return &arrow.TimestampType{Unit: arrow.Millisecond}, nil
	case LogicalLocalTimestampMicro:
		return &arrow.TimestampType{Unit: arrow.Microsecond}, nil
	case LogicalLocalTimestampNanos:
		return &arrow.TimestampType{Unit: arrow.Nanosecond}, nil
	case LogicalDuration:
		return arrow.FixedWidthTypes.MonthDayNanoInterval, nil
	}
	switch s.Type {
	case TypeNull:
		return arrow.Null, nil
	case TypeBoolean:
		return arrow.FixedWidthTypes.Boolean, nil
	case TypeInt:
		return arrow.PrimitiveTypes.Int32, nil
	case TypeLong:
		return arrow.PrimitiveTypes.Int64, nil
	case TypeFloat:
		return arrow.PrimitiveTypes.Float32, nil
	case TypeDouble:
		return arrow.PrimitiveTypes.Float64, nil
	case TypeBytes:
		return arrow.BinaryTypes.Binary, nil
	case TypeString:
		return arrow.BinaryTypes.String, nil
	case TypeFixed:
		return &arrow.FixedSizeBinaryType{ByteWidth: s.Size}, nil
	case TypeEnum:
		return enumType, nil
	case TypeRecord:
		if m.active[s] {
			return nil, &SchemaError{Path: path, Msg: fmt.Sprintf("recursive type %q cannot be mapped to Arrow", s.Name)}
		}
		m.active[s] = true
		defer delete(m.active, s)
		fields := make([]arrow.Field, len(s.Fields))
		for i, rf := range s.Fields {
			f, err := m.field(rf.Name, rf.Type, rf, path+"."+rf.Name)
			if err != nil {
				return nil, err
			}
			fields[i] = f
		}
		return arrow.StructOf(fields...), nil
	case TypeArray:
		item, err := m.field("item", s.Items, nil, path+"[]")
		if err != nil {
			return nil, err
		}
		return arrow.ListOfField(item), nil
	case TypeMap:
		val, err := m.field("value", s.Values, nil, path+"{}")
		if err != nil {
			return nil, err
		}
		return arrow.MapOfFields(arrow.Field{Name: "key", Type: arrow.BinaryTypes.String}, val), nil
	case TypeUnion:
		return m.union(s, path)
	}
	return nil, &SchemaError{Path: path, Msg: fmt.Sprintf("unsupported Avro type %s", s.Type)}
}

// union maps a union other than [null, T] per the UnionMode.
func (m *mapper) union(s *Schema, path string) (arrow.DataType, error) {
	var fields []arrow.Field
	for i, b := range s.Branches {
		if b.Type == TypeNull && m.opts.UnionMode != UnionDense {
			continue
		}
		f, err := m.field(b.BranchName(), b, nil, path+"<"+strconv.Itoa(i)+">")
		if err != nil {
			return nil, err
		}
		f.Nullable = true
		fields = append(fields, f)
	}
	if m.opts.UnionMode == UnionDense {
		codes := make([]arrow.UnionTypeCode, len(fields))
		for i := range codes {
			codes[i] = arrow.UnionTypeCode(i)
		}
		return arrow.DenseUnionOf(fields, codes), nil
	}
	return arrow.StructOf(fields...), nil
}
