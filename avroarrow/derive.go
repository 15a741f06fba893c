package avroarrow

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
)

// DeriveSchema derives an Avro record schema from an Arrow schema, for an
// ingest into a topic that has no registered schema. recordName is the
// record's full name ("com.acme.Order", or "Order" in no namespace).
//
// Every column becomes a field of the same name; a nullable column becomes
// ["null", T] with default null. Column names must already be valid Avro
// names (a letter or "_", then letters, digits and "_"): a column that is
// not is an error naming it, rather than a silently renamed field. Nested
// structs become records named after their field, in the record's
// namespace, made unique with a numeric suffix where names repeat.
//
// Arrow field metadata written by kafarr's own reads (the Meta* keys)
// recovers what Arrow alone loses: enum symbols, uuid, named types' names,
// decimals on fixed, unions, defaults. docs/ingest-types.md has the full
// mapping. Errors are *EncodeError values naming the column.
func DeriveSchema(s *arrow.Schema, recordName string) (*Schema, error) {
	if s == nil {
		return nil, &EncodeError{Row: -1, Msg: "nil Arrow schema"}
	}
	if err := validFullName(recordName); err != nil {
		return nil, &EncodeError{Row: -1, Msg: fmt.Sprintf("record name %q is not a valid Avro full name: dot-separated names, each a letter or \"_\" followed by letters, digits and \"_\"", recordName)}
	}
	// The top-level record's name is taken before any nested type needs
	// one.
	d := &encDeriver{named: map[string]*Schema{}, reserved: recordName}
	if i := strings.LastIndexByte(recordName, '.'); i >= 0 {
		d.ns = recordName[:i]
	}
	rec, err := d.record(recordName, s.Fields(), encPath{})
	if err != nil {
		return nil, err
	}
	// Re-parse the rendered schema: it proves the result valid and links
	// named types exactly as any parsed schema.
	out, perr := Parse(rec.String())
	if perr != nil {
		return nil, &EncodeError{Row: -1, Msg: "derived an invalid schema: " + perr.Error()}
	}
	return out, nil
}

// encDeriver builds a schema; named holds the named types defined so far.
type encDeriver struct {
	ns       string
	named    map[string]*Schema
	reserved string // the top-level record's full name
}

func (d *encDeriver) errf(p encPath, format string, args ...any) *EncodeError {
	return &EncodeError{Column: p.col, Row: -1, Msg: fmt.Sprintf(format, args...)}
}

// fullName qualifies a short name with the record's namespace.
func (d *encDeriver) fullName(short string) string {
	if d.ns == "" || strings.Contains(short, ".") {
		return short
	}
	return d.ns + "." + short
}

// define registers a named type under want (a full name), reusing an
// identical type already defined under that name and adding a numeric
// suffix when a different one is.
func (d *encDeriver) define(s *Schema, want string) *Schema {
	name := want
	for k := 2; ; k++ {
		if name == d.reserved {
			name = want + "_" + strconv.Itoa(k)
			continue
		}
		prev, taken := d.named[name]
		if !taken {
			s.Name = name
			d.named[name] = s
			return s
		}
		s.Name = name
		if prev.Canonical() == s.Canonical() {
			return prev
		}
		name = want + "_" + strconv.Itoa(k)
	}
}

// record derives a record named name from fields.
func (d *encDeriver) record(name string, fields []arrow.Field, p encPath) (*Schema, *EncodeError) {
	rec := &Schema{Type: TypeRecord, Name: name}
	seen := make(map[string]bool, len(fields))
	for _, f := range fields {
		fp := p.child(f.Name, f.Name)
		if !validName(f.Name) {
			return nil, d.errf(fp, "the name is not a valid Avro name: it must start with a letter or \"_\" and hold only letters, digits and \"_\"")
		}
		if seen[f.Name] {
			return nil, d.errf(fp, "two columns have this name")
		}
		seen[f.Name] = true
		af, err := d.field(f, fp)
		if err != nil {
			return nil, err
		}
		rec.Fields = append(rec.Fields, af)
	}
	return rec, nil
}

// field derives a record field from an Arrow field.
func (d *encDeriver) field(f arrow.Field, p encPath) (*Field, *EncodeError) {
	t, err := d.nullable(f, f.Name, p)
	if err != nil {
		return nil, err
	}
	out := &Field{Name: f.Name, Type: t, Order: "ascending"}
	if def, ok := encMeta(f, MetaDefault); ok {
		var v any
		dec := json.NewDecoder(strings.NewReader(def))
		dec.UseNumber()
		if dec.Decode(&v) == nil && checkDefault(t, v, 0) == nil {
			out.Default, out.HasDefault = v, true
		}
	}
	if !out.HasDefault && encAdmitsNullFirst(t) {
		out.Default, out.HasDefault = nil, true
	}
	return out, nil
}

// encAdmitsNullFirst reports whether null is a valid default of s.
func encAdmitsNullFirst(s *Schema) bool {
	return s.Type == TypeNull || s.Type == TypeUnion && s.Branches[0].Type == TypeNull
}

// nullable derives the type of an Arrow field, as ["null", T] when the
// field is nullable. A non-null default recovered from metadata puts the
// null branch last, since a union's default belongs to its first branch.
func (d *encDeriver) nullable(f arrow.Field, hint string, p encPath) (*Schema, *EncodeError) {
	t, err := d.dataType(f, hint, p)
	if err != nil {
		return nil, err
	}
	if !f.Nullable || t.Type == TypeNull {
		return t, nil
	}
	nullFirst := true
	if def, ok := encMeta(f, MetaDefault); ok && def != "null" {
		nullFirst = false
	}
	null := &Schema{Type: TypeNull}
	if t.Type == TypeUnion {
		for _, b := range t.Branches {
			if b.Type == TypeNull {
				return t, nil
			}
		}
		if nullFirst {
			t.Branches = append([]*Schema{null}, t.Branches...)
		} else {
			t.Branches = append(t.Branches, null)
		}
		return t, nil
	}
	if nullFirst {
		return &Schema{Type: TypeUnion, Branches: []*Schema{null, t}}, nil
	}
	return &Schema{Type: TypeUnion, Branches: []*Schema{t, null}}, nil
}

// encMeta returns an Arrow field's metadata value for key.
func encMeta(f arrow.Field, key string) (string, bool) {
	if i := f.Metadata.FindKey(key); i >= 0 {
		return f.Metadata.Values()[i], true
	}
	return "", false
}

// namedHint returns the name a named type derived from f should get: the
// one in its metadata, else hint in the record's namespace.
func (d *encDeriver) namedHint(f arrow.Field, hint string) string {
	if name, ok := encMeta(f, MetaName); ok && validFullName(name) == nil {
		return name
	}
	return d.fullName(hint)
}

// dataType derives the Avro type of an Arrow field, ignoring its
// nullability. hint names the named types it may need.
func (d *encDeriver) dataType(f arrow.Field, hint string, p encPath) (*Schema, *EncodeError) {
	dt := f.Type
	avroType, _ := encMeta(f, MetaAvroType)
	logical, _ := encMeta(f, MetaLogicalType)
	if ext, ok := dt.(arrow.ExtensionType); ok {
		if ext.ExtensionName() == "arrow.uuid" {
			return &Schema{Type: TypeString, Logical: LogicalUUID}, nil
		}
		dt = ext.StorageType()
	}
	prim := func(t Type, lt string) (*Schema, *EncodeError) { return &Schema{Type: t, Logical: lt}, nil }
	switch t := dt.(type) {
	case *arrow.NullType:
		return prim(TypeNull, "")
	case *arrow.BooleanType:
		return prim(TypeBoolean, "")
	case *arrow.Int8Type, *arrow.Int16Type, *arrow.Int32Type, *arrow.Uint8Type, *arrow.Uint16Type:
		return prim(TypeInt, "")
	case *arrow.Int64Type, *arrow.Uint32Type, *arrow.Uint64Type:
		return prim(TypeLong, "")
	case *arrow.Float16Type, *arrow.Float32Type:
		return prim(TypeFloat, "")
	case *arrow.Float64Type:
		return prim(TypeDouble, "")
	case *arrow.StringType, *arrow.LargeStringType, *arrow.StringViewType:
		switch {
		case avroType == "enum":
			if e := d.enum(f, hint); e != nil {
				return e, nil
			}
		case logical == LogicalUUID && avroType == "fixed":
			return d.define(&Schema{Type: TypeFixed, Size: 16, Logical: LogicalUUID}, d.namedHint(f, hint)), nil
		case logical == LogicalUUID:
			return prim(TypeString, LogicalUUID)
		}
		return prim(TypeString, "")
	case *arrow.BinaryType, *arrow.LargeBinaryType, *arrow.BinaryViewType:
		return prim(TypeBytes, "")
	case *arrow.FixedSizeBinaryType:
		s := &Schema{Type: TypeFixed, Size: t.ByteWidth}
		if logical == LogicalUUID && t.ByteWidth == 16 {
			s.Logical = LogicalUUID
		}
		return d.define(s, d.namedHint(f, hint)), nil
	case arrow.DecimalType:
		prec, scale := int(t.GetPrecision()), int(t.GetScale())
		if prec < 1 || prec > 76 || scale < 0 || scale > prec {
			return nil, d.errf(p, "%s has no Avro decimal: Avro needs a precision of 1 to 76 and a scale between 0 and the precision", dt)
		}
		if avroType == "fixed" {
			size := 1
			for maxDecimalDigits(size) < int64(prec) {
				size++
			}
			return d.define(&Schema{Type: TypeFixed, Size: size, Logical: LogicalDecimal, Precision: prec, Scale: scale}, d.namedHint(f, hint)), nil
		}
		return &Schema{Type: TypeBytes, Logical: LogicalDecimal, Precision: prec, Scale: scale}, nil
	case *arrow.Date32Type, *arrow.Date64Type:
		return prim(TypeInt, LogicalDate)
	case *arrow.Time32Type:
		return prim(TypeInt, LogicalTimeMillis)
	case *arrow.Time64Type:
		return prim(TypeLong, LogicalTimeMicros)
	case *arrow.TimestampType:
		lt := map[arrow.TimeUnit][2]string{
			arrow.Second:      {LogicalTimestampMillis, LogicalLocalTimestampMilli},
			arrow.Millisecond: {LogicalTimestampMillis, LogicalLocalTimestampMilli},
			arrow.Microsecond: {LogicalTimestampMicros, LogicalLocalTimestampMicro},
			arrow.Nanosecond:  {LogicalTimestampNanos, LogicalLocalTimestampNanos},
		}[t.Unit]
		if t.TimeZone == "" {
			return prim(TypeLong, lt[1])
		}
		return prim(TypeLong, lt[0])
	case *arrow.DurationType:
		// Avro's duration (months, days, milliseconds, all unsigned) cannot
		// hold a negative or sub-millisecond span: a count in the column's
		// unit keeps every value, and the attribute says which unit.
		unit := map[arrow.TimeUnit]string{arrow.Second: "s", arrow.Millisecond: "ms", arrow.Microsecond: "us", arrow.Nanosecond: "ns"}[t.Unit]
		return &Schema{Type: TypeLong, Props: map[string]any{encDurationUnitProp: unit}}, nil
	case *arrow.MonthDayNanoIntervalType, *arrow.DayTimeIntervalType, *arrow.MonthIntervalType:
		return d.define(&Schema{Type: TypeFixed, Size: 12, Logical: LogicalDuration}, d.namedHint(f, hint)), nil
	case *arrow.DictionaryType:
		if avroType == "enum" && encStringLike(t.ValueType) {
			if e := d.enum(f, hint); e != nil {
				return e, nil
			}
		}
		vf := f
		vf.Type = t.ValueType
		return d.dataType(vf, hint, p)
	case *arrow.MapType:
		if !encStringLike(t.KeyType()) {
			return nil, d.errf(p, "%s has no Avro equivalent: Avro map keys are strings", dt)
		}
		v, err := d.nullable(t.ItemField(), hint+"_value", p.values())
		if err != nil {
			return nil, err
		}
		return &Schema{Type: TypeMap, Values: v}, nil
	case *arrow.ListType, *arrow.LargeListType, *arrow.FixedSizeListType, *arrow.ListViewType, *arrow.LargeListViewType:
		elem := dt.(arrow.ListLikeType).ElemField()
		items, err := d.nullable(elem, hint+"_item", p.items())
		if err != nil {
			return nil, err
		}
		return &Schema{Type: TypeArray, Items: items}, nil
	case *arrow.StructType:
		if avroType == "union" {
			return d.union(t.Fields(), hint, p)
		}
		rec, err := d.record("", t.Fields(), p)
		if err != nil {
			return nil, err
		}
		return d.define(rec, d.namedHint(f, hint)), nil
	case arrow.UnionType:
		return d.union(t.Fields(), hint, p)
	}
	return nil, d.errf(p, "Arrow type %s has no Avro equivalent", dt)
}

// enum derives an enum from kafarr's enum metadata, or returns nil when
// the metadata is incomplete or invalid.
func (d *encDeriver) enum(f arrow.Field, hint string) *Schema {
	raw, ok := encMeta(f, MetaSymbols)
	if !ok {
		return nil
	}
	var syms []string
	if json.Unmarshal([]byte(raw), &syms) != nil || len(syms) == 0 {
		return nil
	}
	seen := make(map[string]bool, len(syms))
	for _, s := range syms {
		if !validName(s) || seen[s] {
			return nil
		}
		seen[s] = true
	}
	return d.define(&Schema{Type: TypeEnum, Symbols: syms}, d.namedHint(f, hint))
}

// union derives a union from the children of an Arrow union or of a struct
// of branches: one branch per child, in order. Children named "null" of
// Arrow's null type are the null branch.
func (d *encDeriver) union(children []arrow.Field, hint string, p encPath) (*Schema, *EncodeError) {
	u := &Schema{Type: TypeUnion}
	seen := map[string]bool{}
	for _, ch := range children {
		cp := encPath{p.col + "." + ch.Name, p.field}
		b, err := d.dataType(ch, hint+"_"+encHintPart(ch.Name), cp)
		if err != nil {
			return nil, err
		}
		if seen[b.BranchName()] {
			return nil, d.errf(cp, "two union branches derive the same Avro type %s", b.BranchName())
		}
		seen[b.BranchName()] = true
		u.Branches = append(u.Branches, b)
	}
	if len(u.Branches) == 0 {
		// kafarr reads ["null"] as a struct without children.
		u.Branches = []*Schema{{Type: TypeNull}}
	}
	return u, nil
}

// encHintPart turns a branch name ("com.acme.Order") into a part of a
// type name.
func encHintPart(name string) string {
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		name = name[i+1:]
	}
	if !validName(name) {
		return "branch"
	}
	return name
}
