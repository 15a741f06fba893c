package protoarrow

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"

	"github.com/apache/arrow-go/v18/arrow"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/kafarr/kafarr/avroarrow"
)

// Field metadata keys set by the Protobuf -> Arrow mapping.
const (
	// MetaProtoType is the Protobuf type of the field: a scalar type
	// ("int32", "sint64", "string", ...), "enum", "message", "group",
	// "map", "oneof" (the struct of a oneof's members) or "oneof_case"
	// (its case column).
	MetaProtoType = "kafarr.proto.type"
	// MetaProtoName is the full name of the field's message or enum type,
	// or of the oneof.
	MetaProtoName = "kafarr.proto.name"
	// MetaProtoNumber is the field number, in decimal.
	MetaProtoNumber = "kafarr.proto.number"
	// MetaProtoRaw marks a binary column holding the serialized message of
	// a recursive field cut at DecoderOptions.MaxRecursion: "true".
	MetaProtoRaw = "kafarr.proto.raw"
)

// DefaultMaxRecursion is how many times one message type may occur on a
// path from the top-level message when DecoderOptions.MaxRecursion is 0.
const DefaultMaxRecursion = 3

// Default decimal128 precision and scale of a confluent.type.Decimal field
// whose options do not say: 38 digits, 18 after the point.
const (
	DefaultDecimalPrecision = 38
	DefaultDecimalScale     = 18
)

// OneofCaseSuffix is appended to a oneof's name to name its case column.
const OneofCaseSuffix = "_case"

// DecoderOptions tunes NewDecoder.
type DecoderOptions struct {
	// Projection names the columns to materialize, in column order; nil
	// means every column in declaration order. Fields of other columns are
	// skipped without decoding.
	Projection []string
	// MaxRecursion is how many times one message type may occur on any
	// path from the top-level message (DefaultMaxRecursion when 0). A
	// recursive field that would nest it deeper is a binary column of the
	// field's serialized message instead (metadata kafarr.proto.raw).
	MaxRecursion int
}

// op is what a field step does with one value.
type op uint8

const (
	opVarint32  op = iota // int32, uint32: the low 32 bits
	opSint32              // sint32
	opVarint64            // int64, uint64
	opSint64              // sint64
	opBool                // bool
	opFixed32             // fixed32, sfixed32, float: 4 bytes
	opFixed64             // fixed64, sfixed64, double: 8 bytes
	opString              // string: utf8, checked
	opBytes               // bytes: binary
	opEnum                // enum: dictionary index
	opMessage             // message: struct
	opGroup               // group (delimited message): struct
	opRaw                 // message cut at the recursion limit: its bytes
	opTimestamp           // google.protobuf.Timestamp: timestamp[us]
	opDuration            // google.protobuf.Duration: duration[us]
	opWrapper             // google.protobuf.*Value: the nullable scalar
	opDecimal             // confluent.type.Decimal: decimal128/256
	opJSON                // Struct, Value, ListValue, Any: JSON text
)

// shape is how a field's values sit in its column.
type shape uint8

const (
	shapeSingle shape = iota // one value per message, last wins
	shapeList                // repeated: list column
	shapeMap                 // map: map column
)

// jsonKind picks the JSON rendering of an opJSON field.
type jsonKind uint8

const (
	jsonStruct jsonKind = iota
	jsonValue
	jsonList
	jsonAny
)

// field is one compiled field of a message.
type field struct {
	// The decode loop's fields first, in one cache line.
	fast    fastKind // how the decode loop reads it inline
	op      op
	nextTag uint16 // the one-byte tag of next, or noTag
	col     int    // column in the parent struct (or in the oneof struct)
	next    *field // the field expected after this one: the next by number

	num    protowire.Number
	shape  shape
	wire   protowire.Type // the wire type of one value
	packed bool           // a list of a scalar that may come packed (LEN)
	skip   bool           // no column wants the field: skip it as unknown
	oneof  int            // index in msgNode.oneofs, or -1
	name   string

	// absent is how a message without the field fills its column:
	// fillNull, fillDefault (scalars without presence), fillEmpty (a
	// message without presence: a map value, decoded from no bytes).
	absent fill
	bits   uint64 // fillDefault of a number, bool or enum index
	str    []byte // fillDefault of a string or bytes

	msg   *msgNode   // opMessage, opGroup; the entry of a map
	enum  *enumInfo  // opEnum
	inner op         // opWrapper: the wrapped scalar
	dec   decimalCol // opDecimal
	json  jsonKind   // opJSON
}

// fastKind picks the decode loop's inline read of a singular scalar.
type fastKind uint8

const (
	fastNone    fastKind = iota // not inline: msgNode.other reads it
	fastVarint                  // a varint scalar or enum
	fastFixed32                 // 4 bytes
	fastFixed64                 // 8 bytes
	fastString                  // utf8, checked
	fastBytes                   // binary
)

// noTag never matches a tag byte.
const noTag = 0x100

// fill says how an absent field is filled at the end of a message.
type fill uint8

const (
	fillNull fill = iota
	fillDefault
	fillEmpty
)

// oneofNode is a oneof: a struct of its members (col) and a case column
// (caseCol), either of which a projection may leave out (-1).
type oneofNode struct {
	name    string
	col     int
	caseCol int
	members []*field
}

// msgNode is one compiled message: its fields by number, and the order in
// which their columns are finished.
type msgNode struct {
	name   protoreflect.FullName
	fields []field
	// byNum maps field numbers below len(byNum) to 1 + the index in
	// fields, 0 for none; sparse holds the larger numbers.
	byNum  []uint16
	sparse map[protowire.Number]int
	oneofs []oneofNode
	// first is the field expected first (the lowest number) and
	// firstTag its one-byte tag, or noTag.
	first    *field
	firstTag uint16
	// singles is the number of non-oneof singular fields with a column:
	// when a message sets each of them, nothing is left to fill.
	singles int
	// finish reports whether any list, map or oneof needs finishing
	// whatever was set.
	finish bool
}

func (m *msgNode) lookup(num protowire.Number) *field {
	if uint64(num) < uint64(len(m.byNum)) {
		if k := m.byNum[num]; k != 0 {
			return &m.fields[k-1]
		}
		return nil
	}
	if k, ok := m.sparse[num]; ok {
		return &m.fields[k]
	}
	return nil
}

// compiler compiles a message and its Arrow fields.
type compiler struct {
	maxRec int
	// onPath counts the messages on the path being compiled, for
	// recursion.
	onPath map[protoreflect.FullName]int
	// fields counts the fields compiled, against MaxFields.
	fields int
}

// MaxFields bounds the fields, nested ones included, that one reader
// message maps to: recursive types expanded to MaxRecursion levels could
// otherwise multiply without bound.
const MaxFields = 1 << 16

// fieldCtx is the context of a field: what presence and nullability mean where it sits.
type fieldCtx uint8

const (
	ctxTop     fieldCtx = iota // a top-level column: always nullable
	ctxNested                  // a field of a nested message
	ctxElement                 // a list item, map key or value: never null
)

func metadata(kv ...string) arrow.Metadata {
	keys := make([]string, 0, len(kv)/2)
	vals := make([]string, 0, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		keys = append(keys, kv[i])
		vals = append(vals, kv[i+1])
	}
	return arrow.NewMetadata(keys, vals)
}

// message compiles md as a struct: its columns' fields and the node that
// fills them. fctx is the context of md's fields: ctxTop for the top-level
// message, ctxElement for a map entry, else ctxNested. proj, when not nil,
// selects and orders the columns by name (the top level only).
func (cp *compiler) message(md protoreflect.MessageDescriptor, fctx fieldCtx, proj []string) (*msgNode, []arrow.Field, error) {
	cp.onPath[md.FullName()]++
	defer func() { cp.onPath[md.FullName()]-- }()

	m := &msgNode{name: md.FullName()}
	type column struct {
		name  string
		field arrow.Field
		oneof int // the oneof of a oneof's struct or case column, else -1
	}
	var (
		cols     []column
		fields   []*field
		members  [][]arrow.Field // Arrow fields of each oneof's members
		oneofIdx = map[protoreflect.FullName]int{}
		maxNum   protowire.Number
	)
	fds := md.Fields()
	for i := range fds.Len() {
		fd := fds.Get(i)
		maxNum = max(maxNum, fd.Number())
		if od := fd.ContainingOneof(); od != nil && !od.IsSynthetic() {
			k, ok := oneofIdx[od.FullName()]
			if !ok {
				// The oneof's struct and case columns take the place of
				// its first member.
				k = len(m.oneofs)
				oneofIdx[od.FullName()] = k
				m.oneofs = append(m.oneofs, oneofNode{name: string(od.Name())})
				members = append(members, nil)
				caseName := string(od.Name()) + OneofCaseSuffix
				cols = append(cols,
					column{name: string(od.Name()), oneof: k, field: arrow.Field{Name: string(od.Name()), Nullable: true,
						Metadata: metadata(MetaProtoType, "oneof", MetaProtoName, string(od.FullName()))}},
					column{name: caseName, oneof: k, field: arrow.Field{Name: caseName, Type: arrow.BinaryTypes.String, Nullable: true,
						Metadata: metadata(MetaProtoType, "oneof_case", MetaProtoName, string(od.FullName()))}})
			}
			f, af, err := cp.field(fd, ctxNested, true)
			if err != nil {
				return nil, nil, err
			}
			f.oneof, f.col = k, len(members[k])
			members[k] = append(members[k], af)
			fields = append(fields, f)
			continue
		}
		f, af, err := cp.field(fd, fctx, false)
		if err != nil {
			return nil, nil, err
		}
		f.col = len(cols)
		fields = append(fields, f)
		cols = append(cols, column{name: af.Name, field: af, oneof: -1})
	}
	for i := range cols {
		if c := &cols[i]; c.oneof >= 0 && c.field.Type == nil {
			c.field.Type = arrow.StructOf(members[c.oneof]...)
		}
	}
	// Column names must be unique: a oneof's case column could meet a
	// field of that name.
	seen := map[string]bool{}
	for _, c := range cols {
		if seen[c.name] {
			return nil, nil, fmt.Errorf("message %s: two columns named %q (a oneof's %s column and a field?)", md.FullName(), c.name, OneofCaseSuffix)
		}
		seen[c.name] = true
	}

	// The projection: each column's position, -1 to skip it.
	pos := make([]int, len(cols))
	var out []arrow.Field
	if proj == nil {
		for i, c := range cols {
			pos[i] = i
			out = append(out, c.field)
		}
	} else {
		for i := range pos {
			pos[i] = -1
		}
		for j, name := range proj {
			i := slices.IndexFunc(cols, func(c column) bool { return c.name == name })
			if i < 0 {
				return nil, nil, fmt.Errorf("message %s has no column %q", md.FullName(), name)
			}
			if pos[i] >= 0 {
				return nil, nil, fmt.Errorf("column %q is projected twice", name)
			}
			pos[i] = j
			out = append(out, cols[i].field)
		}
	}
	for i, c := range cols {
		if c.oneof < 0 {
			continue
		}
		o := &m.oneofs[c.oneof]
		if c.name == o.name {
			o.col = pos[i]
		} else {
			o.caseCol = pos[i]
		}
	}

	m.fields = make([]field, len(fields))
	for i, f := range fields {
		m.fields[i] = *f
		f = &m.fields[i]
		if f.oneof >= 0 {
			o := &m.oneofs[f.oneof]
			o.members = append(o.members, f)
			if o.col >= 0 || o.caseCol >= 0 {
				m.finish = true
			}
			continue
		}
		f.col = pos[f.col]
		if f.col < 0 {
			continue
		}
		if f.shape == shapeSingle {
			m.singles++
		} else {
			m.finish = true
		}
	}

	for i := range m.fields {
		f := &m.fields[i]
		f.skip = f.col < 0 && (f.oneof < 0 || (m.oneofs[f.oneof].col < 0 && m.oneofs[f.oneof].caseCol < 0))
		if f.oneof < 0 && f.shape == shapeSingle && !f.skip {
			switch {
			case f.op <= opEnum && f.wire == protowire.VarintType:
				f.fast = fastVarint
			case f.op == opFixed32:
				f.fast = fastFixed32
			case f.op == opFixed64:
				f.fast = fastFixed64
			case f.op == opString:
				f.fast = fastString
			case f.op == opBytes:
				f.fast = fastBytes
			}
		}
	}
	// Each field expects the next by number; the last expects none.
	byNum := make([]*field, len(m.fields))
	for i := range m.fields {
		byNum[i] = &m.fields[i]
	}
	slices.SortFunc(byNum, func(a, b *field) int { return int(a.num) - int(b.num) })
	tagOf := func(f *field) uint16 {
		if tag := uint64(f.num)<<3 | uint64(f.wire); tag < 0x80 && !f.skip {
			return uint16(tag)
		}
		return noTag
	}
	m.firstTag = noTag
	if len(byNum) > 0 {
		m.first, m.firstTag = byNum[0], tagOf(byNum[0])
	}
	for i, f := range byNum {
		f.nextTag = noTag
		if i+1 < len(byNum) {
			f.next, f.nextTag = byNum[i+1], tagOf(byNum[i+1])
		}
	}
	if len(m.fields) >= 1<<16-1 {
		return nil, nil, fmt.Errorf("message %s has too many fields", md.FullName())
	}

	// Field numbers to fields: a table for the usual small numbers.
	m.byNum = make([]uint16, min(maxNum, 4095)+1)
	if maxNum >= 4096 {
		m.sparse = map[protowire.Number]int{}
	}
	for i := range m.fields {
		f := &m.fields[i]
		if uint64(f.num) < uint64(len(m.byNum)) {
			m.byNum[f.num] = uint16(i + 1)
		} else {
			m.sparse[f.num] = i
		}
	}
	return m, out, nil
}

// field compiles one field and its Arrow field. A oneof member is nullable
// whatever its type.
func (cp *compiler) field(fd protoreflect.FieldDescriptor, ctx fieldCtx, member bool) (*field, arrow.Field, error) {
	if cp.fields++; cp.fields > MaxFields {
		return nil, arrow.Field{}, fmt.Errorf("message expands to more than %d fields (recursive types? lower the recursion limit)", MaxFields)
	}
	f := &field{num: fd.Number(), name: string(fd.Name()), oneof: -1}
	af := arrow.Field{Name: string(fd.Name())}
	num := strconv.Itoa(int(fd.Number()))
	switch {
	case fd.IsMap():
		// A map entry's key and value are never null: an absent value is
		// its type's default (an empty message).
		entry, fields, err := cp.message(fd.Message(), ctxElement, nil)
		if err != nil {
			return nil, af, err
		}
		keyField, valField := fields[0], fields[1]
		keyField.Nullable, valField.Nullable = false, false
		mt := arrow.MapOfFields(keyField, valField)
		f.op, f.shape, f.wire, f.msg = opMessage, shapeMap, protowire.BytesType, entry
		af.Type, af.Nullable = mt, ctx == ctxTop
		af.Metadata = metadata(MetaProtoType, "map", MetaProtoNumber, num)
		return f, af, nil
	case fd.IsList():
		item, itemField, err := cp.value(fd, ctxElement)
		if err != nil {
			return nil, af, err
		}
		*f = *item
		f.shape = shapeList
		f.packed = fd.Kind() != protoreflect.StringKind && fd.Kind() != protoreflect.BytesKind &&
			fd.Kind() != protoreflect.MessageKind && fd.Kind() != protoreflect.GroupKind
		itemField.Name, itemField.Nullable = "item", false
		af.Type, af.Nullable = arrow.ListOfField(itemField), ctx == ctxTop
		af.Metadata = itemField.Metadata
		return f, af, nil
	}
	v, vf, err := cp.value(fd, ctx)
	if err != nil {
		return nil, af, err
	}
	*f = *v
	if member {
		f.absent = fillNull
		vf.Nullable = true
	}
	return f, vf, nil
}

// value compiles a single value of fd's type (a list item, for a repeated
// field) and its Arrow field.
func (cp *compiler) value(fd protoreflect.FieldDescriptor, ctx fieldCtx) (*field, arrow.Field, error) {
	f := &field{num: fd.Number(), name: string(fd.Name()), oneof: -1}
	num := strconv.Itoa(int(fd.Number()))
	af := arrow.Field{Name: string(fd.Name()), Metadata: metadata(MetaProtoType, fd.Kind().String(), MetaProtoNumber, num)}
	presence := fd.HasPresence() && ctx != ctxElement && fd.Cardinality() == protoreflect.Optional
	af.Nullable = ctx == ctxTop || presence
	if presence {
		f.absent = fillNull
	} else {
		f.absent = fillDefault
	}
	var dt arrow.DataType
	switch fd.Kind() {
	case protoreflect.Int32Kind:
		f.op, f.wire, dt = opVarint32, protowire.VarintType, arrow.PrimitiveTypes.Int32
	case protoreflect.Uint32Kind:
		f.op, f.wire, dt = opVarint32, protowire.VarintType, arrow.PrimitiveTypes.Uint32
	case protoreflect.Sint32Kind:
		f.op, f.wire, dt = opSint32, protowire.VarintType, arrow.PrimitiveTypes.Int32
	case protoreflect.Int64Kind:
		f.op, f.wire, dt = opVarint64, protowire.VarintType, arrow.PrimitiveTypes.Int64
	case protoreflect.Uint64Kind:
		f.op, f.wire, dt = opVarint64, protowire.VarintType, arrow.PrimitiveTypes.Uint64
	case protoreflect.Sint64Kind:
		f.op, f.wire, dt = opSint64, protowire.VarintType, arrow.PrimitiveTypes.Int64
	case protoreflect.BoolKind:
		f.op, f.wire, dt = opBool, protowire.VarintType, arrow.FixedWidthTypes.Boolean
	case protoreflect.Sfixed32Kind:
		f.op, f.wire, dt = opFixed32, protowire.Fixed32Type, arrow.PrimitiveTypes.Int32
	case protoreflect.Fixed32Kind:
		f.op, f.wire, dt = opFixed32, protowire.Fixed32Type, arrow.PrimitiveTypes.Uint32
	case protoreflect.FloatKind:
		f.op, f.wire, dt = opFixed32, protowire.Fixed32Type, arrow.PrimitiveTypes.Float32
	case protoreflect.Sfixed64Kind:
		f.op, f.wire, dt = opFixed64, protowire.Fixed64Type, arrow.PrimitiveTypes.Int64
	case protoreflect.Fixed64Kind:
		f.op, f.wire, dt = opFixed64, protowire.Fixed64Type, arrow.PrimitiveTypes.Uint64
	case protoreflect.DoubleKind:
		f.op, f.wire, dt = opFixed64, protowire.Fixed64Type, arrow.PrimitiveTypes.Float64
	case protoreflect.StringKind:
		f.op, f.wire, dt = opString, protowire.BytesType, arrow.BinaryTypes.String
	case protoreflect.BytesKind:
		f.op, f.wire, dt = opBytes, protowire.BytesType, arrow.BinaryTypes.Binary
	case protoreflect.EnumKind:
		e := newEnumInfo(fd.Enum())
		f.op, f.wire, f.enum = opEnum, protowire.VarintType, e
		dict, _ := json.Marshal(e.names)
		dt = &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}
		af.Metadata = metadata(MetaProtoType, "enum", MetaProtoName, string(fd.Enum().FullName()), MetaProtoNumber, num,
			avroarrow.MetaDictionary, string(dict))
	case protoreflect.MessageKind, protoreflect.GroupKind:
		return cp.messageValue(fd, ctx, f, af)
	default:
		return nil, af, fmt.Errorf("field %s: unsupported kind %s", fd.FullName(), fd.Kind())
	}
	af.Type = dt
	if def := fd.Default(); def.IsValid() && fd.Cardinality() != protoreflect.Repeated {
		setDefault(f, fd.Kind(), def)
	}
	return f, af, nil
}

// setDefault records the default value def of a scalar field.
func setDefault(f *field, kind protoreflect.Kind, def protoreflect.Value) {
	switch kind {
	case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind,
		protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind:
		f.bits = uint64(def.Int())
	case protoreflect.Uint32Kind, protoreflect.Fixed32Kind, protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		f.bits = def.Uint()
	case protoreflect.BoolKind:
		if def.Bool() {
			f.bits = 1
		}
	case protoreflect.FloatKind:
		f.bits = uint64(float32bits(float32(def.Float())))
	case protoreflect.DoubleKind:
		f.bits = float64bits(def.Float())
	case protoreflect.StringKind:
		f.str = []byte(def.String())
	case protoreflect.BytesKind:
		f.str = slices.Clone(def.Bytes())
	case protoreflect.EnumKind:
		idx, _ := f.enum.index(int32(def.Enum()))
		f.bits = uint64(uint32(idx))
	}
}

// messageValue compiles a message-typed value: a well-known type with its
// own mapping, or a struct.
func (cp *compiler) messageValue(fd protoreflect.FieldDescriptor, ctx fieldCtx, f *field, af arrow.Field) (*field, arrow.Field, error) {
	md := fd.Message()
	num := strconv.Itoa(int(fd.Number()))
	name := string(md.FullName())
	af.Metadata = metadata(MetaProtoType, fd.Kind().String(), MetaProtoName, name, MetaProtoNumber, num)
	f.wire = protowire.BytesType
	if fd.Kind() == protoreflect.GroupKind {
		f.wire = protowire.StartGroupType
	}
	if f.absent == fillDefault {
		f.absent = fillEmpty
	}
	if fd.Kind() == protoreflect.MessageKind {
		switch name {
		case "google.protobuf.Timestamp":
			f.op, af.Type = opTimestamp, &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}
			return f, af, nil
		case "google.protobuf.Duration":
			f.op, af.Type = opDuration, arrow.FixedWidthTypes.Duration_us
			return f, af, nil
		case "google.protobuf.Struct", "google.protobuf.Value", "google.protobuf.ListValue", "google.protobuf.Any":
			f.op, af.Type = opJSON, arrow.BinaryTypes.String
			f.json = map[string]jsonKind{
				"google.protobuf.Struct": jsonStruct, "google.protobuf.Value": jsonValue,
				"google.protobuf.ListValue": jsonList, "google.protobuf.Any": jsonAny,
			}[name]
			return f, af, nil
		case "confluent.type.Decimal":
			dc, err := decimalColumn(fd)
			if err != nil {
				return nil, af, err
			}
			f.op, f.dec = opDecimal, dc
			if dc.wide {
				af.Type = &arrow.Decimal256Type{Precision: dc.precision, Scale: dc.scale}
			} else {
				af.Type = &arrow.Decimal128Type{Precision: dc.precision, Scale: dc.scale}
			}
			return f, af, nil
		}
		if inner, ok := wrapperOps[name]; ok {
			f.op, f.inner = opWrapper, inner.op
			af.Type = inner.dt
			return f, af, nil
		}
	}
	if cp.onPath[md.FullName()] >= cp.maxRec {
		// Arrow types are finite: the recursion stops here and keeps
		// the message's bytes.
		f.op, af.Type = opRaw, arrow.BinaryTypes.Binary
		if fd.Kind() == protoreflect.GroupKind {
			return nil, af, fmt.Errorf("field %s: recursive group %s nests deeper than %d levels", fd.FullName(), name, cp.maxRec)
		}
		af.Metadata = metadata(MetaProtoType, fd.Kind().String(), MetaProtoName, name, MetaProtoNumber, num, MetaProtoRaw, "true")
		return f, af, nil
	}
	m, fields, err := cp.message(md, ctxNested, nil)
	if err != nil {
		return nil, af, err
	}
	f.op, f.msg = opMessage, m
	if fd.Kind() == protoreflect.GroupKind {
		f.op = opGroup
	}
	af.Type = arrow.StructOf(fields...)
	return f, af, nil
}

// wrapperOps maps the wrapper types to their scalar's op and Arrow type.
var wrapperOps = map[string]struct {
	op op
	dt arrow.DataType
}{
	"google.protobuf.DoubleValue": {opFixed64, arrow.PrimitiveTypes.Float64},
	"google.protobuf.FloatValue":  {opFixed32, arrow.PrimitiveTypes.Float32},
	"google.protobuf.Int64Value":  {opVarint64, arrow.PrimitiveTypes.Int64},
	"google.protobuf.UInt64Value": {opVarint64, arrow.PrimitiveTypes.Uint64},
	"google.protobuf.Int32Value":  {opVarint32, arrow.PrimitiveTypes.Int32},
	"google.protobuf.UInt32Value": {opVarint32, arrow.PrimitiveTypes.Uint32},
	"google.protobuf.BoolValue":   {opBool, arrow.FixedWidthTypes.Boolean},
	"google.protobuf.StringValue": {opString, arrow.BinaryTypes.String},
	"google.protobuf.BytesValue":  {opBytes, arrow.BinaryTypes.Binary},
}

// enumInfo maps enum numbers to dictionary indexes.
type enumInfo struct {
	names []string // the dictionary: the first name of each number
	lo    int32
	dense []int32 // index+1 of number lo+i, 0 for none
	nums  []int32 // sorted numbers, when not dense
	idxs  []int32
}

func newEnumInfo(ed protoreflect.EnumDescriptor) *enumInfo {
	e := &enumInfo{}
	vals := ed.Values()
	seen := map[int32]int32{}
	for i := range vals.Len() {
		v := vals.Get(i)
		n := int32(v.Number())
		if _, ok := seen[n]; ok {
			continue // an alias
		}
		seen[n] = int32(len(e.names))
		e.names = append(e.names, string(v.Name()))
	}
	lo, hi := int32(0), int32(0)
	first := true
	for n := range seen {
		if first || n < lo {
			lo = n
		}
		if first || n > hi {
			hi = n
		}
		first = false
	}
	if int64(hi)-int64(lo) < 4096 {
		e.lo = lo
		e.dense = make([]int32, int64(hi)-int64(lo)+1)
		for n, i := range seen {
			e.dense[n-lo] = i + 1
		}
		return e
	}
	for n := range seen {
		e.nums = append(e.nums, n)
	}
	slices.Sort(e.nums)
	for _, n := range e.nums {
		e.idxs = append(e.idxs, seen[n])
	}
	return e
}

// index returns the dictionary index of enum number n.
func (e *enumInfo) index(n int32) (int32, bool) {
	if e.dense != nil {
		i := int64(n) - int64(e.lo)
		if i >= 0 && i < int64(len(e.dense)) && e.dense[i] != 0 {
			return e.dense[i] - 1, true
		}
		return 0, false
	}
	if k, ok := slices.BinarySearch(e.nums, n); ok {
		return e.idxs[k], true
	}
	return 0, false
}
