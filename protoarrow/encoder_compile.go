package protoarrow

import (
	"fmt"
	"math"
	"slices"

	"github.com/apache/arrow-go/v18/arrow"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"

	"github.com/kafarr/kafarr/avroarrow"
)

// CompileEncoder compiles an encoder that writes batches of schema in as
// messages md, the inverse of the decoder's mapping (docs/types.md,
// "Protobuf"). Columns match fields by exact name, in any order, and
// extra columns are ignored, as for Avro; a field with no column is not
// written (it reads as its default, or null). A oneof is fed by a struct
// column named after it, one nullable child per member (the decoder's
// shape; its _case column is an extra column). Struct columns match
// nested messages the same way. Every type decision, and every narrowing
// that opts forbids, is settled here. Errors are *avroarrow.EncodeError
// values naming the column, the field and both types.
func CompileEncoder(in *arrow.Schema, md protoreflect.MessageDescriptor, opts EncoderOptions) (*Encoder, error) {
	if in == nil {
		return nil, &avroarrow.EncodeError{Row: -1, Msg: "nil Arrow schema"}
	}
	if md == nil {
		return nil, &avroarrow.EncodeError{Row: -1, Msg: "nil Protobuf message descriptor"}
	}
	c := &encCompiler{strict: opts.Coerce == avroarrow.CoerceStrict, file: md.ParentFile()}
	root, err := c.message(in.Fields(), md, encPath{})
	if err != nil {
		return nil, err
	}
	return &Encoder{in: in, root: root}, nil
}

// encCompiler builds the node tree.
type encCompiler struct {
	strict bool // CoerceStrict: narrowing conversions are compile errors
	file   protoreflect.FileDescriptor
	types  *protoregistry.Types // for Any, built when first needed
}

func (c *encCompiler) errf(p encPath, format string, args ...any) *avroarrow.EncodeError {
	return &avroarrow.EncodeError{Column: p.col, Field: p.field, Row: -1, Msg: fmt.Sprintf(format, args...)}
}

func (c *encCompiler) mismatch(dt arrow.DataType, fd protoreflect.FieldDescriptor, p encPath) *avroarrow.EncodeError {
	return c.errf(p, "%s cannot be encoded as Protobuf %s", dt, protoDesc(fd))
}

// narrowing vets a conversion that can fail for some values: an error
// under CoerceStrict.
func (c *encCompiler) narrowing(dt arrow.DataType, fd protoreflect.FieldDescriptor, p encPath) *avroarrow.EncodeError {
	if c.strict {
		return c.errf(p, "%s into Protobuf %s is a narrowing conversion, which coerce=strict refuses", dt, protoDesc(fd))
	}
	return nil
}

// protoDesc names a field's type for errors: the full name of a message or
// enum, else the scalar type.
func protoDesc(fd protoreflect.FieldDescriptor) string {
	switch fd.Kind() {
	case protoreflect.MessageKind, protoreflect.GroupKind:
		return string(fd.Message().FullName())
	case protoreflect.EnumKind:
		return string(fd.Enum().FullName())
	}
	return fd.Kind().String()
}

// wireOf returns the wire type of one value of fd.
func wireOf(k protoreflect.Kind) protowire.Type {
	switch k {
	case protoreflect.Fixed32Kind, protoreflect.Sfixed32Kind, protoreflect.FloatKind:
		return protowire.Fixed32Type
	case protoreflect.Fixed64Kind, protoreflect.Sfixed64Kind, protoreflect.DoubleKind:
		return protowire.Fixed64Type
	case protoreflect.StringKind, protoreflect.BytesKind, protoreflect.MessageKind:
		return protowire.BytesType
	case protoreflect.GroupKind:
		return protowire.StartGroupType
	}
	return protowire.VarintType
}

// message compiles the fields of md that the Arrow fields cols (top-level
// columns or a struct's children) feed, in field-number order.
func (c *encCompiler) message(cols []arrow.Field, md protoreflect.MessageDescriptor, p encPath) (*encMsg, *avroarrow.EncodeError) {
	byName := make(map[string]int, len(cols))
	dup := map[string]bool{}
	for i, f := range cols {
		if _, ok := byName[f.Name]; ok {
			dup[f.Name] = true
		}
		byName[f.Name] = i
	}
	fds := make([]protoreflect.FieldDescriptor, md.Fields().Len())
	for i := range fds {
		fds[i] = md.Fields().Get(i)
	}
	slices.SortFunc(fds, func(a, b protoreflect.FieldDescriptor) int { return int(a.Number()) - int(b.Number()) })
	m := &encMsg{}
	oneofs := map[protoreflect.FullName]bool{}
	for _, fd := range fds {
		name := string(fd.Name())
		od := fd.ContainingOneof()
		if od != nil && !od.IsSynthetic() {
			if oneofs[od.FullName()] {
				continue
			}
			oneofs[od.FullName()] = true
			name = string(od.Name())
		}
		i, ok := byName[name]
		if !ok {
			continue
		}
		fp := p.child(name, name)
		if dup[name] {
			return nil, c.errf(fp, "two columns are named %q", name)
		}
		var f encField
		var err *avroarrow.EncodeError
		if od != nil && !od.IsSynthetic() {
			f, err = c.oneof(cols[i], od, fp)
		} else {
			f, err = c.field(cols[i], fd, fp)
		}
		if err != nil {
			return nil, err
		}
		f.col = i
		m.fields = append(m.fields, f)
	}
	return m, nil
}

// oneof compiles a struct column feeding the members of od.
func (c *encCompiler) oneof(af arrow.Field, od protoreflect.OneofDescriptor, p encPath) (encField, *avroarrow.EncodeError) {
	f := encField{encLeaf: encLeaf{path: p, proto: "oneof " + string(od.FullName())}, kind: kindOneof}
	st, ok := storage(af.Type).(*arrow.StructType)
	if !ok {
		return f, c.errf(p, "%s cannot feed oneof %s: it needs a struct with one child per member", af.Type, od.FullName())
	}
	for i, child := range st.Fields() {
		mfd := od.Fields().ByName(protoreflect.Name(child.Name))
		mp := p.child(child.Name, child.Name)
		if mfd == nil {
			return f, c.errf(mp, "oneof %s has no member %q", od.FullName(), child.Name)
		}
		mf, err := c.field(child, mfd, mp)
		if err != nil {
			return f, err
		}
		mf.col, mf.presence, mf.implicit = i, true, false
		f.members = append(f.members, mf)
	}
	return f, nil
}

// storage returns the storage type of an extension type, else dt.
func storage(dt arrow.DataType) arrow.DataType {
	if ext, ok := dt.(arrow.ExtensionType); ok {
		return ext.StorageType()
	}
	return dt
}

// field compiles the column af as field fd: a map, a repeated field or a
// single value.
func (c *encCompiler) field(af arrow.Field, fd protoreflect.FieldDescriptor, p encPath) (encField, *avroarrow.EncodeError) {
	dt := storage(af.Type)
	f := encField{encLeaf: encLeaf{path: p, proto: protoDesc(fd)}}
	num := fd.Number()
	switch {
	case fd.IsMap():
		mt, ok := dt.(*arrow.MapType)
		if !ok {
			return f, c.errf(p, "%s cannot be encoded as a Protobuf map", dt)
		}
		kf, err := c.field(mt.KeyField(), fd.MapKey(), p.child("{key}", "{key}"))
		if err != nil {
			return f, err
		}
		vf, err := c.field(mt.ItemField(), fd.MapValue(), p.child("{}", "{}"))
		if err != nil {
			return f, err
		}
		// Map entries write key and value even when they are defaults,
		// as protobuf runtimes do.
		kf.implicit, vf.implicit = false, false
		f.kind, f.tag, f.entry = kindMap, appendTag(num, protowire.BytesType), &encMsg{fields: []encField{kf, vf}}
		return f, nil
	case fd.IsList():
		var elem arrow.DataType
		switch lt := dt.(type) {
		case *arrow.ListType:
			elem = lt.Elem()
		case *arrow.LargeListType:
			elem = lt.Elem()
		case *arrow.FixedSizeListType:
			elem = lt.Elem()
		default:
			return f, c.errf(p, "%s cannot be encoded as repeated Protobuf %s", dt, protoDesc(fd))
		}
		v, err := c.value(elem, fd, p.child("[]", "[]"))
		if err != nil {
			return f, err
		}
		f.kind, f.val, f.packed = kindList, v, fd.IsPacked()
		if f.packed {
			f.tag = appendTag(num, protowire.BytesType)
		} else {
			f.tag = appendTag(num, wireOf(fd.Kind()))
		}
		if fd.Kind() == protoreflect.GroupKind {
			f.endTag = appendTag(num, protowire.EndGroupType)
		}
		return f, nil
	}
	v, err := c.value(dt, fd, p)
	if err != nil {
		return f, err
	}
	f.kind, f.val, f.tag = kindSingle, v, appendTag(num, wireOf(fd.Kind()))
	if fd.Kind() == protoreflect.GroupKind {
		f.endTag = appendTag(num, protowire.EndGroupType)
	}
	f.presence = fd.HasPresence()
	f.implicit = !f.presence
	return f, nil
}

// value compiles one value of fd's type (an item, for a repeated field)
// from Arrow type dt.
func (c *encCompiler) value(dt arrow.DataType, fd protoreflect.FieldDescriptor, p encPath) (encValue, *avroarrow.EncodeError) {
	dt = storage(dt)
	if fd.Kind() == protoreflect.MessageKind || fd.Kind() == protoreflect.GroupKind {
		return c.messageValue(dt, fd, p)
	}
	return c.scalar(dt, fd, fd.Kind(), p)
}

// Ranges of the integer field types.
var intRanges = map[protoreflect.Kind]struct {
	wire   intWire
	lo, hi int64
	uhi    uint64
}{
	protoreflect.Int32Kind:    {wireVarint, math.MinInt32, math.MaxInt32, math.MaxInt32},
	protoreflect.Sint32Kind:   {wireZigzag, math.MinInt32, math.MaxInt32, math.MaxInt32},
	protoreflect.Sfixed32Kind: {wireFixed32, math.MinInt32, math.MaxInt32, math.MaxInt32},
	protoreflect.Int64Kind:    {wireVarint, math.MinInt64, math.MaxInt64, math.MaxInt64},
	protoreflect.Sint64Kind:   {wireZigzag, math.MinInt64, math.MaxInt64, math.MaxInt64},
	protoreflect.Sfixed64Kind: {wireFixed64, math.MinInt64, math.MaxInt64, math.MaxInt64},
	protoreflect.Uint32Kind:   {wireVarint, 0, math.MaxUint32, math.MaxUint32},
	protoreflect.Fixed32Kind:  {wireFixed32, 0, math.MaxUint32, math.MaxUint32},
	protoreflect.Uint64Kind:   {wireVarint, 0, math.MaxInt64, math.MaxUint64},
	protoreflect.Fixed64Kind:  {wireFixed64, 0, math.MaxInt64, math.MaxUint64},
	protoreflect.EnumKind:     {wireVarint, math.MinInt32, math.MaxInt32, math.MaxInt32},
}

// scalar compiles a value of scalar kind k (an enum's number included).
func (c *encCompiler) scalar(dt arrow.DataType, fd protoreflect.FieldDescriptor, k protoreflect.Kind, p encPath) (encValue, *avroarrow.EncodeError) {
	leaf := encLeaf{path: p, proto: k.String()}
	if k == protoreflect.EnumKind {
		leaf.proto = string(fd.Enum().FullName())
	}
	isStr, isBin := stringLike(dt), binaryLike(dt)
	switch k {
	case protoreflect.BoolKind:
		if dt.ID() == arrow.BOOL {
			return &encBool{encLeaf: leaf}, nil
		}
	case protoreflect.FloatKind, protoreflect.DoubleKind:
		return c.floating(dt, fd, k == protoreflect.DoubleKind, leaf)
	case protoreflect.StringKind:
		if isStr {
			// Arrow utf8 is valid UTF-8 by definition; as for Avro, only
			// binary sources are checked.
			return &encBytes{encLeaf: leaf}, nil
		}
		if isBin {
			if err := c.narrowing(dt, fd, p); err != nil {
				return nil, err
			}
			return &encBytes{encLeaf: leaf, utf8: true}, nil
		}
	case protoreflect.BytesKind:
		if isStr || isBin {
			return &encBytes{encLeaf: leaf}, nil
		}
	case protoreflect.EnumKind:
		if isStr {
			names := map[string]int32{}
			vals := fd.Enum().Values()
			for i := range vals.Len() {
				names[string(vals.Get(i).Name())] = int32(vals.Get(i).Number())
			}
			return &encEnum{encLeaf: leaf, names: names}, nil
		}
		if r, ok := intRanges[k]; ok && isInteger(dt) {
			return c.integer(dt, fd, r.wire, r.lo, r.hi, r.uhi, leaf)
		}
	default:
		if r, ok := intRanges[k]; ok && isInteger(dt) {
			return c.integer(dt, fd, r.wire, r.lo, r.hi, r.uhi, leaf)
		}
	}
	return nil, c.mismatch(dt, fd, p)
}

// stringLike reports utf8 kinds and dictionaries of them.
func stringLike(dt arrow.DataType) bool {
	if d, ok := dt.(*arrow.DictionaryType); ok {
		return stringLike(d.ValueType)
	}
	switch dt.ID() {
	case arrow.STRING, arrow.LARGE_STRING, arrow.STRING_VIEW:
		return true
	}
	return false
}

// binaryLike reports binary kinds and dictionaries of them.
func binaryLike(dt arrow.DataType) bool {
	if d, ok := dt.(*arrow.DictionaryType); ok {
		return binaryLike(d.ValueType)
	}
	switch dt.ID() {
	case arrow.BINARY, arrow.LARGE_BINARY, arrow.BINARY_VIEW, arrow.FIXED_SIZE_BINARY:
		return true
	}
	return false
}

func isInteger(dt arrow.DataType) bool {
	switch dt.ID() {
	case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64, arrow.UINT8, arrow.UINT16, arrow.UINT32, arrow.UINT64, arrow.DATE32:
		return true
	}
	return false
}

// intRange returns the range of an Arrow integer type.
func intRange(dt arrow.DataType) (signed bool, lo int64, hi uint64) {
	switch dt.ID() {
	case arrow.INT8:
		return true, math.MinInt8, math.MaxInt8
	case arrow.INT16:
		return true, math.MinInt16, math.MaxInt16
	case arrow.INT32, arrow.DATE32:
		return true, math.MinInt32, math.MaxInt32
	case arrow.INT64:
		return true, math.MinInt64, math.MaxInt64
	case arrow.UINT8:
		return false, 0, math.MaxUint8
	case arrow.UINT16:
		return false, 0, math.MaxUint16
	case arrow.UINT32:
		return false, 0, math.MaxUint32
	}
	return false, 0, math.MaxUint64
}

// integer compiles an integer column into an integer field of range
// lo..hi (uhi for unsigned sources).
func (c *encCompiler) integer(dt arrow.DataType, fd protoreflect.FieldDescriptor, wire intWire, lo, hi int64, uhi uint64, leaf encLeaf) (encValue, *avroarrow.EncodeError) {
	signed, slo, shi := intRange(dt)
	check := false
	if signed {
		check = slo < lo || shi > uint64(hi)
	} else {
		check = shi > uhi
	}
	if check {
		if err := c.narrowing(dt, fd, leaf.path); err != nil {
			return nil, err
		}
	}
	switch dt.ID() {
	case arrow.INT8:
		return &encInt[int8]{encLeaf: leaf, wire: wire, check: check, signed: signed, lo: lo, hi: hi, uhi: uhi}, nil
	case arrow.INT16:
		return &encInt[int16]{encLeaf: leaf, wire: wire, check: check, signed: signed, lo: lo, hi: hi, uhi: uhi}, nil
	case arrow.INT32:
		return &encInt[int32]{encLeaf: leaf, wire: wire, check: check, signed: signed, lo: lo, hi: hi, uhi: uhi}, nil
	case arrow.DATE32:
		return &encInt[arrow.Date32]{encLeaf: leaf, wire: wire, check: check, signed: signed, lo: lo, hi: hi, uhi: uhi}, nil
	case arrow.INT64:
		return &encInt[int64]{encLeaf: leaf, wire: wire, check: check, signed: signed, lo: lo, hi: hi, uhi: uhi}, nil
	case arrow.UINT8:
		return &encInt[uint8]{encLeaf: leaf, wire: wire, check: check, signed: signed, lo: lo, hi: hi, uhi: uhi}, nil
	case arrow.UINT16:
		return &encInt[uint16]{encLeaf: leaf, wire: wire, check: check, signed: signed, lo: lo, hi: hi, uhi: uhi}, nil
	case arrow.UINT32:
		return &encInt[uint32]{encLeaf: leaf, wire: wire, check: check, signed: signed, lo: lo, hi: hi, uhi: uhi}, nil
	}
	return &encInt[uint64]{encLeaf: leaf, wire: wire, check: check, signed: signed, lo: lo, hi: hi, uhi: uhi}, nil
}

// floating compiles a float or integer column into a float or double
// field; conversions that may round are narrowings.
func (c *encCompiler) floating(dt arrow.DataType, fd protoreflect.FieldDescriptor, double bool, leaf encLeaf) (encValue, *avroarrow.EncodeError) {
	var check bool
	switch dt.ID() {
	case arrow.FLOAT32, arrow.INT8, arrow.INT16, arrow.UINT8, arrow.UINT16:
	case arrow.FLOAT64, arrow.INT32, arrow.UINT32:
		check = !double
	case arrow.INT64, arrow.UINT64:
		check = true
	default:
		return nil, c.mismatch(dt, fd, leaf.path)
	}
	if check {
		if err := c.narrowing(dt, fd, leaf.path); err != nil {
			return nil, err
		}
	}
	switch dt.ID() {
	case arrow.FLOAT32:
		return &encFloat[float32]{encLeaf: leaf, double: double, check: check}, nil
	case arrow.FLOAT64:
		return &encFloat[float64]{encLeaf: leaf, double: double, check: check}, nil
	case arrow.INT8:
		return &encFloat[int8]{encLeaf: leaf, double: double, check: check}, nil
	case arrow.INT16:
		return &encFloat[int16]{encLeaf: leaf, double: double, check: check}, nil
	case arrow.UINT8:
		return &encFloat[uint8]{encLeaf: leaf, double: double, check: check}, nil
	case arrow.UINT16:
		return &encFloat[uint16]{encLeaf: leaf, double: double, check: check}, nil
	case arrow.INT32:
		return &encFloat[int32]{encLeaf: leaf, double: double, check: check}, nil
	case arrow.UINT32:
		return &encFloat[uint32]{encLeaf: leaf, double: double, check: check}, nil
	case arrow.INT64:
		return &encFloat[int64]{encLeaf: leaf, double: double, check: check}, nil
	}
	return &encFloat[uint64]{encLeaf: leaf, double: double, check: check}, nil
}

// messageValue compiles a message-typed value: a well-known type from its
// Arrow counterpart, a struct into a message, a binary column holding
// serialized messages, or a list or map into a message whose one field is
// repeated (the wrapper DeriveProto makes for lists of lists).
func (c *encCompiler) messageValue(dt arrow.DataType, fd protoreflect.FieldDescriptor, p encPath) (encValue, *avroarrow.EncodeError) {
	md := fd.Message()
	name := string(md.FullName())
	leaf := encLeaf{path: p, proto: name}
	if fd.Kind() == protoreflect.MessageKind {
		switch name {
		case "google.protobuf.Timestamp", "google.protobuf.Duration":
			var unit arrow.TimeUnit
			switch t := dt.(type) {
			case *arrow.TimestampType:
				if name != "google.protobuf.Timestamp" {
					return nil, c.mismatch(dt, fd, p)
				}
				unit = t.Unit
			case *arrow.DurationType:
				if name != "google.protobuf.Duration" {
					return nil, c.mismatch(dt, fd, p)
				}
				unit = t.Unit
			default:
				return nil, c.mismatch(dt, fd, p)
			}
			per := int64(unit.Multiplier().Nanoseconds())
			return &encTime{encLeaf: leaf, perSec: 1e9 / per, nanoMul: per, duration: name == "google.protobuf.Duration"}, nil
		case "google.protobuf.Struct", "google.protobuf.Value", "google.protobuf.ListValue", "google.protobuf.Any":
			if !stringLike(dt) {
				return nil, c.mismatch(dt, fd, p)
			}
			if c.types == nil {
				c.types = &protoregistry.Types{}
				registerTypes(c.types, c.file, map[string]bool{})
			}
			return &encJSON{encLeaf: leaf, md: md, opt: protojson.UnmarshalOptions{Resolver: anyResolver{c.types}}}, nil
		case "confluent.type.Decimal":
			return c.decimal(dt, fd, leaf)
		}
		if _, ok := wrapperOps[name]; ok {
			inner := md.Fields().ByNumber(1)
			v, err := c.scalar(dt, inner, inner.Kind(), p)
			if err != nil {
				return nil, c.mismatch(dt, fd, p)
			}
			return &encWrapper{encLeaf: leaf, inner: v, tag: byte(1<<3 | wireOf(inner.Kind()))}, nil
		}
		if binaryLike(dt) {
			return &encRaw{encLeaf: leaf}, nil
		}
	}
	switch t := dt.(type) {
	case *arrow.StructType:
		m, err := c.message(t.Fields(), md, p)
		if err != nil {
			return nil, err
		}
		return &encMessage{encLeaf: leaf, msg: m, group: fd.Kind() == protoreflect.GroupKind}, nil
	case *arrow.ListType, *arrow.LargeListType, *arrow.FixedSizeListType, *arrow.MapType:
		if md.Fields().Len() == 1 {
			inner := md.Fields().Get(0)
			if inner.IsList() || inner.IsMap() {
				f, err := c.field(arrow.Field{Name: string(inner.Name()), Type: dt}, inner, p.child("", string(inner.Name())))
				if err != nil {
					return nil, err
				}
				f.col = -1
				return &encMessage{encLeaf: leaf, msg: &encMsg{fields: []encField{f}}, group: fd.Kind() == protoreflect.GroupKind, wrap: true}, nil
			}
		}
	}
	return nil, c.mismatch(dt, fd, p)
}

// decimal compiles a decimal128 column into a confluent.type.Decimal of
// the field's precision and scale.
func (c *encCompiler) decimal(dt arrow.DataType, fd protoreflect.FieldDescriptor, leaf encLeaf) (encValue, *avroarrow.EncodeError) {
	t, ok := dt.(*arrow.Decimal128Type)
	if !ok {
		return nil, c.mismatch(dt, fd, leaf.path)
	}
	dc, err := decimalColumn(fd)
	if err != nil {
		return nil, c.errf(leaf.path, "%v", err)
	}
	// A lower scale may round and fewer integer digits may overflow; both
	// are checked per value.
	check := t.Scale > dc.scale || t.Precision-t.Scale > dc.precision-dc.scale
	if check {
		if err := c.narrowing(dt, fd, leaf.path); err != nil {
			return nil, err
		}
	}
	if dc.scale-t.Scale > 38 || t.Scale-dc.scale > 38 {
		return nil, c.errf(leaf.path, "%s cannot be rescaled to decimal(%d, %d)", dt, dc.precision, dc.scale)
	}
	return &encDecimal{encLeaf: leaf, fromScale: t.Scale, dec: dc, check: check || dc.scale > t.Scale}, nil
}
