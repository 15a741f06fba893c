package protoarrow

import (
	"math"
	"strconv"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/kafarr/kafarr/avroarrow"
)

// encValue writes single values of one Arrow array as one Protobuf type.
type encValue interface {
	// bind points the node at arr, whose values it reads by index.
	bind(arr arrow.Array) *avroarrow.EncodeError
	// zero reports whether value i is its type's default, which a field
	// without presence omits.
	zero(i int) bool
	// put appends value i without its tag (LEN values with their length).
	put(dst []byte, i int) ([]byte, *avroarrow.EncodeError)
}

// fieldKind is how a field's column holds its values.
type fieldKind uint8

const (
	kindSingle fieldKind = iota // one value per row
	kindList                    // repeated: a list column
	kindMap                     // map: a map column, entries written as messages
	kindOneof                   // a oneof: a struct column of its members
)

// encMsg is a compiled message: its fields with a column, in number order.
type encMsg struct {
	fields []encField
}

// encode appends the fields of row i.
func (m *encMsg) encode(dst []byte, i int) ([]byte, *avroarrow.EncodeError) {
	var err *avroarrow.EncodeError
	for k := range m.fields {
		f := &m.fields[k]
		switch f.fast {
		case encFastInt64:
			if v := f.i64[i]; v != 0 || !f.implicit {
				dst = protowire.AppendVarint(f.appendTag(dst), uint64(v))
			}
		case encFastInt32:
			if v := f.i32[i]; v != 0 || !f.implicit {
				dst = protowire.AppendVarint(f.appendTag(dst), uint64(int64(v)))
			}
		case encFastFloat:
			if v := math.Float32bits(f.f32[i]); v != 0 || !f.implicit {
				dst = protowire.AppendFixed32(f.appendTag(dst), v)
			}
		case encFastDouble:
			if v := math.Float64bits(f.f64[i]); v != 0 || !f.implicit {
				dst = protowire.AppendFixed64(f.appendTag(dst), v)
			}
		case encFastString:
			base := f.offs[0]
			b := f.data[f.offs[i]-base : f.offs[i+1]-base]
			if len(b) == 0 && f.implicit {
				continue
			}
			if f.utf8 && !utf8.Valid(b) {
				_, err = f.val.put(dst, i) // the error, named by the node
				return dst, err
			}
			dst = append(protowire.AppendVarint(f.appendTag(dst), uint64(len(b))), b...)
		default:
			if dst, err = f.encode(dst, i); err != nil {
				return dst, err
			}
		}
	}
	return dst, nil
}

// encFast picks encMsg.encode's inline write of a single field without
// nulls and without a check, saving two indirect calls per value.
type encFast uint8

const (
	encFastNode   encFast = iota // call encode
	encFastInt64                 // int64 values as int64 (varint)
	encFastInt32                 // int32 values as int32 or int64 (varint)
	encFastFloat                 // float32 values as float
	encFastDouble                // float64 values as double
	encFastString                // utf8 or binary values (32-bit offsets) as string or bytes
)

// appendTag appends the field's tag: most are one byte.
func (f *encField) appendTag(dst []byte) []byte {
	if len(f.tag) == 1 {
		return append(dst, f.tag[0])
	}
	return append(dst, f.tag...)
}

// bindFast picks the field's fast path for the array just bound.
func (f *encField) bindFast() {
	f.fast, f.i64, f.i32, f.f32, f.f64, f.offs, f.data = encFastNode, nil, nil, nil, nil, nil, nil
	if f.kind != kindSingle || f.nulls || f.endTag != nil {
		return
	}
	switch n := f.val.(type) {
	case *encInt[int64]:
		if !n.check && n.wire == wireVarint {
			f.fast, f.i64 = encFastInt64, n.vals
		}
	case *encInt[int32]:
		if !n.check && n.wire == wireVarint {
			f.fast, f.i32 = encFastInt32, n.vals
		}
	case *encFloat[float32]:
		if !n.double {
			f.fast, f.f32 = encFastFloat, n.vals
		}
	case *encFloat[float64]:
		if n.double {
			f.fast, f.f64 = encFastDouble, n.vals
		}
	case *encBytes:
		if offs, data, ok := n.src.offsets32(); ok {
			f.fast, f.offs, f.data, f.utf8 = encFastString, offs, data, n.utf8
		}
	}
}

// encField is one field of a message fed by one Arrow array: a column, a
// struct child, or (col -1) the array of the enclosing value itself, for a
// message wrapping a list or map.
type encField struct {
	encLeaf
	col      int
	kind     fieldKind
	tag      []byte // the field's tag; for a packed list, its LEN tag
	endTag   []byte // a group's end tag, else nil
	presence bool   // a null is "not set"; else a null is an error
	implicit bool   // proto3 without presence: the default is omitted
	packed   bool
	val      encValue

	members []encField // kindOneof: one per member with a child column
	entry   *encMsg    // kindMap: the key (col 0) and value (col 1) fields

	fast encFast // bindFast's choice, and its view of the values
	i64  []int64
	i32  []int32
	f32  []float32
	f64  []float64
	offs []int32
	data []byte
	utf8 bool

	arr   arrow.Array
	nulls bool // arr has nulls
	list  array.ListLike
	items arrow.Array // list items or map values
	inull bool        // items has nulls
	st    *array.Struct
}

// bind points the field at arr.
func (f *encField) bind(arr arrow.Array) *avroarrow.EncodeError {
	if ext, ok := arr.(array.ExtensionArray); ok {
		arr = ext.Storage()
	}
	f.arr, f.nulls = arr, arr.NullN() > 0
	switch f.kind {
	case kindSingle:
		if err := f.val.bind(arr); err != nil {
			return err
		}
		f.bindFast()
		return nil
	case kindList:
		l, ok := arr.(array.ListLike)
		if !ok {
			return f.errf("", "%s is not a list", arr.DataType())
		}
		f.list, f.items = l, l.ListValues()
		if ext, ok := f.items.(array.ExtensionArray); ok {
			f.items = ext.Storage() // list<uuid>, say
		}
		f.inull = f.items.NullN() > 0
		return f.val.bind(f.items)
	case kindMap:
		m, ok := arr.(*array.Map)
		if !ok {
			return f.errf("", "%s is not a map", arr.DataType())
		}
		f.list, f.items = m, m.Items()
		f.inull = f.items.NullN() > 0
		if err := f.entry.fields[0].bind(m.Keys()); err != nil {
			return err
		}
		return f.entry.fields[1].bind(m.Items())
	case kindOneof:
		st, ok := arr.(*array.Struct)
		if !ok {
			return f.errf("", "%s is not a struct", arr.DataType())
		}
		f.st = st
		for k := range f.members {
			if err := f.members[k].bind(st.Field(f.members[k].col)); err != nil {
				return err
			}
		}
	}
	return nil
}

func (f *encField) nullErr() *avroarrow.EncodeError {
	switch f.kind {
	case kindList:
		return f.errf("", "null cannot be written: repeated field %s has no null (an empty list is written as absent)", f.path.field)
	case kindMap:
		return f.errf("", "null cannot be written: map field %s has no null (an empty map is written as absent)", f.path.field)
	}
	return f.errf("", "null cannot be written: field %s has no presence (declare it optional, or use a wrapper type)", f.path.field)
}

// encode appends the field for row i: nothing when it is unset.
func (f *encField) encode(dst []byte, i int) ([]byte, *avroarrow.EncodeError) {
	if f.nulls && f.arr.IsNull(i) {
		if f.presence || f.kind == kindOneof {
			return dst, nil
		}
		return dst, f.nullErr()
	}
	var err *avroarrow.EncodeError
	switch f.kind {
	case kindSingle:
		if f.implicit && f.val.zero(i) {
			return dst, nil
		}
		dst = append(dst, f.tag...)
		if dst, err = f.val.put(dst, i); err != nil {
			return dst, err
		}
		return append(dst, f.endTag...), nil
	case kindList:
		start, end := f.list.ValueOffsets(i)
		if start == end {
			return dst, nil
		}
		if f.inull {
			for j := start; j < end; j++ {
				if f.items.IsNull(int(j)) {
					return dst, f.errf("", "null list item %d cannot be written: repeated fields hold no nulls", j-start)
				}
			}
		}
		if f.packed {
			var at int
			dst, at = beginLen(append(dst, f.tag...))
			for j := start; j < end; j++ {
				if dst, err = f.val.put(dst, int(j)); err != nil {
					return dst, err
				}
			}
			return endLen(dst, at), nil
		}
		for j := start; j < end; j++ {
			dst = append(dst, f.tag...)
			if dst, err = f.val.put(dst, int(j)); err != nil {
				return dst, err
			}
			dst = append(dst, f.endTag...)
		}
		return dst, nil
	case kindMap:
		start, end := f.list.ValueOffsets(i)
		for j := start; j < end; j++ {
			if f.inull && f.items.IsNull(int(j)) {
				return dst, f.errf("", "null map value cannot be written: map values hold no nulls")
			}
			var at int
			dst, at = beginLen(append(dst, f.tag...))
			if dst, err = f.entry.encode(dst, int(j)); err != nil {
				return dst, err
			}
			dst = endLen(dst, at)
		}
		return dst, nil
	}
	// kindOneof: at most one member set.
	set := -1
	for k := range f.members {
		m := &f.members[k]
		if m.nulls && m.arr.IsNull(i) {
			continue
		}
		if set >= 0 {
			return dst, f.errf("", "oneof %s has two members set, %s and %s", f.path.field, f.members[set].path.field, m.path.field)
		}
		set = k
	}
	if set < 0 {
		return dst, nil
	}
	return f.members[set].encode(dst, i)
}

// encMessage writes a struct (or, wrapping, a list or map) as a message.
type encMessage struct {
	encLeaf
	msg   *encMsg
	group bool // a group: no length, the field writes the end tag
	wrap  bool // the message's one field reads the array itself
}

func (n *encMessage) bind(arr arrow.Array) *avroarrow.EncodeError {
	if n.wrap {
		return n.msg.fields[0].bind(arr)
	}
	st, ok := arr.(*array.Struct)
	if !ok {
		return n.errf("", "%s is not a struct", arr.DataType())
	}
	for k := range n.msg.fields {
		f := &n.msg.fields[k]
		if err := f.bind(st.Field(f.col)); err != nil {
			return err
		}
	}
	return nil
}

func (n *encMessage) zero(int) bool { return false }

func (n *encMessage) put(dst []byte, i int) ([]byte, *avroarrow.EncodeError) {
	if n.group {
		return n.msg.encode(dst, i)
	}
	var at int
	var err *avroarrow.EncodeError
	dst, at = beginLen(dst)
	if dst, err = n.msg.encode(dst, i); err != nil {
		return dst, err
	}
	return endLen(dst, at), nil
}

// encWrapper writes a scalar as a google.protobuf.*Value wrapper: field 1,
// omitted when it is the default.
type encWrapper struct {
	encLeaf
	inner encValue
	tag   byte
}

func (n *encWrapper) bind(arr arrow.Array) *avroarrow.EncodeError { return n.inner.bind(arr) }
func (n *encWrapper) zero(int) bool                               { return false }

func (n *encWrapper) put(dst []byte, i int) ([]byte, *avroarrow.EncodeError) {
	if n.inner.zero(i) {
		return append(dst, 0), nil
	}
	var at int
	var err *avroarrow.EncodeError
	dst, at = beginLen(dst)
	dst = append(dst, n.tag)
	dst, err = n.inner.put(dst, i)
	if err != nil {
		return dst, err
	}
	return endLen(dst, at), nil
}

// encRaw writes binary values as the serialized message they hold (the
// decoder's kafarr.proto.raw columns), checking that they parse as
// Protobuf wire format.
type encRaw struct {
	encLeaf
	src encBytesSrc
}

func (n *encRaw) bind(arr arrow.Array) *avroarrow.EncodeError { return n.src.bind(arr, &n.encLeaf) }
func (n *encRaw) zero(int) bool                               { return false }

func (n *encRaw) put(dst []byte, i int) ([]byte, *avroarrow.EncodeError) {
	b := n.src.value(i)
	for rest := b; len(rest) > 0; {
		_, _, k := protowire.ConsumeField(rest)
		if k < 0 {
			return dst, n.errf(quoteValue(b), "is not a serialized %s: %v", n.proto, protowire.ParseError(k))
		}
		rest = rest[k:]
	}
	return protowire.AppendBytes(dst, b), nil
}

// appendTag returns the encoded tag of field num with wire type wt.
func appendTag(num protowire.Number, wt protowire.Type) []byte {
	return protowire.AppendTag(nil, num, wt)
}

// formatInt renders an integer value for errors.
func formatInt[T ~int8 | ~int16 | ~int32 | ~int64 | ~uint8 | ~uint16 | ~uint32 | ~uint64](v T) string {
	if v < 0 {
		return strconv.FormatInt(int64(v), 10)
	}
	return strconv.FormatUint(uint64(v), 10)
}
