package protoarrow

import (
	"math"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/kafarr/kafarr/avroarrow"
)

// integer is the Arrow integer value types an integer field accepts
// (date32 among them: days).
type integer interface {
	~int8 | ~int16 | ~int32 | ~int64 | ~uint8 | ~uint16 | ~uint32 | ~uint64
}

// intWire is how an integer goes on the wire.
type intWire uint8

const (
	wireVarint  intWire = iota // int32, int64, uint32, uint64, enum: plain varint
	wireZigzag                 // sint32, sint64
	wireFixed32                // fixed32, sfixed32
	wireFixed64                // fixed64, sfixed64
	wireBool                   // bool from an integer: not used for Arrow bool
)

// encInt writes an integer column as an integer field. When the column's
// range does not fit the field's, check is set and each value is checked
// against lo..hi (signed sources) or uhi (unsigned ones).
type encInt[T integer] struct {
	encLeaf
	vals   []T
	wire   intWire
	check  bool
	signed bool
	lo, hi int64
	uhi    uint64
}

func (n *encInt[T]) bind(arr arrow.Array) *avroarrow.EncodeError {
	vals, ok := intValues[T](arr)
	if !ok {
		return n.errf("", "%s is not the column type compiled for", arr.DataType())
	}
	n.vals = vals
	return nil
}

// intValues returns the values of an integer (or date32) array.
func intValues[T integer](arr arrow.Array) ([]T, bool) { return numericValues[T](arr) }

// numericValues returns the values of a numeric (or date32) array as a
// []T, when T is its value type.
func numericValues[T any](arr arrow.Array) ([]T, bool) {
	var v any
	switch a := arr.(type) {
	case *array.Int8:
		v = a.Int8Values()
	case *array.Int16:
		v = a.Int16Values()
	case *array.Int32:
		v = a.Int32Values()
	case *array.Int64:
		v = a.Int64Values()
	case *array.Uint8:
		v = a.Uint8Values()
	case *array.Uint16:
		v = a.Uint16Values()
	case *array.Uint32:
		v = a.Uint32Values()
	case *array.Uint64:
		v = a.Uint64Values()
	case *array.Float32:
		v = a.Float32Values()
	case *array.Float64:
		v = a.Float64Values()
	case *array.Date32:
		v = a.Date32Values()
	}
	t, ok := v.([]T)
	return t, ok
}

func (n *encInt[T]) zero(i int) bool { return n.vals[i] == 0 }

func (n *encInt[T]) put(dst []byte, i int) ([]byte, *avroarrow.EncodeError) {
	v := n.vals[i]
	if n.check {
		if n.signed {
			if x := int64(v); x < n.lo || x > n.hi {
				return dst, n.errf(formatInt(v), "does not fit Protobuf %s", n.proto)
			}
		} else if uint64(v) > n.uhi {
			return dst, n.errf(formatInt(v), "does not fit Protobuf %s", n.proto)
		}
	}
	switch n.wire {
	case wireVarint:
		return protowire.AppendVarint(dst, uint64(int64(v))), nil
	case wireZigzag:
		return protowire.AppendVarint(dst, protowire.EncodeZigZag(int64(v))), nil
	case wireFixed32:
		return protowire.AppendFixed32(dst, uint32(v)), nil
	}
	return protowire.AppendFixed64(dst, uint64(v)), nil
}

// float is the Arrow value types a float or double field accepts.
type float interface {
	~float32 | ~float64 | integer
}

// encFloat writes a float or integer column as a float (fixed32) or
// double (fixed64) field; check asks that each value convert exactly (NaN
// always does).
type encFloat[T float] struct {
	encLeaf
	vals   []T
	double bool
	check  bool
}

func (n *encFloat[T]) bind(arr arrow.Array) *avroarrow.EncodeError {
	vals, ok := numericValues[T](arr)
	if !ok {
		return n.errf("", "%s is not the column type compiled for", arr.DataType())
	}
	n.vals = vals
	return nil
}

func (n *encFloat[T]) zero(i int) bool {
	return math.Float64bits(float64(n.vals[i])) == 0
}

func (n *encFloat[T]) put(dst []byte, i int) ([]byte, *avroarrow.EncodeError) {
	v := n.vals[i]
	f := float64(v)
	if n.double {
		if n.check && T(f) != v {
			return dst, n.errf(formatFloat(f), "is not exactly a Protobuf %s", n.proto)
		}
		return protowire.AppendFixed64(dst, math.Float64bits(f)), nil
	}
	f32 := float32(f)
	if n.check && float64(f32) != f && f == f {
		return dst, n.errf(formatFloat(f), "is not exactly a Protobuf %s", n.proto)
	}
	return protowire.AppendFixed32(dst, math.Float32bits(f32)), nil
}

// encBool writes a bool column.
type encBool struct {
	encLeaf
	a *array.Boolean
}

func (n *encBool) bind(arr arrow.Array) *avroarrow.EncodeError {
	a, ok := arr.(*array.Boolean)
	if !ok {
		return n.errf("", "%s is not bool", arr.DataType())
	}
	n.a = a
	return nil
}

func (n *encBool) zero(i int) bool { return !n.a.Value(i) }

func (n *encBool) put(dst []byte, i int) ([]byte, *avroarrow.EncodeError) {
	return protowire.AppendVarint(dst, protowire.EncodeBool(n.a.Value(i))), nil
}

// encBytesSrc reads the bytes of any string or binary array, or of a
// dictionary of them.
type encBytesSrc struct {
	plain avroarrow.BytesSource
	arr   arrow.Array       // the array bound
	dict  *array.Dictionary // nil unless arr is a dictionary, whose values plain reads
}

func (s *encBytesSrc) bind(arr arrow.Array, l *encLeaf) *avroarrow.EncodeError {
	s.arr, s.dict = arr, nil
	if d, ok := arr.(*array.Dictionary); ok {
		s.dict, arr = d, d.Dictionary()
	}
	if !s.plain.Bind(arr) {
		return l.errf("", "%s is not a string or binary type", arr.DataType())
	}
	return nil
}

// offsets32 returns the int32 offsets and the data of a bound utf8 or
// binary array, for the fast path of plain fields.
func (s *encBytesSrc) offsets32() ([]int32, []byte, bool) {
	switch a := s.arr.(type) {
	case *array.String:
		return a.ValueOffsets(), a.ValueBytes(), true
	case *array.Binary:
		return a.ValueOffsets(), a.ValueBytes(), true
	}
	return nil, nil, false
}

// value returns value i; the bytes belong to the array.
func (s *encBytesSrc) value(i int) []byte {
	if s.dict != nil {
		i = s.dict.GetValueIndex(i)
	}
	return s.plain.At(i)
}

// encBytes writes string or binary values as a string or bytes field;
// utf8 asks that each be valid UTF-8 (string fields).
type encBytes struct {
	encLeaf
	src  encBytesSrc
	utf8 bool
}

func (n *encBytes) bind(arr arrow.Array) *avroarrow.EncodeError { return n.src.bind(arr, &n.encLeaf) }
func (n *encBytes) zero(i int) bool                             { return len(n.src.value(i)) == 0 }

func (n *encBytes) put(dst []byte, i int) ([]byte, *avroarrow.EncodeError) {
	b := n.src.value(i)
	if n.utf8 && !utf8.Valid(b) {
		return dst, n.errf(quoteValue(b), "is not valid UTF-8, which a Protobuf string must be")
	}
	return protowire.AppendBytes(dst, b), nil
}

// encEnum writes strings (enum names, or the decimal text of a number, as
// the decoder renders numbers the schema does not name) as enum numbers.
type encEnum struct {
	encLeaf
	src   encBytesSrc
	names map[string]int32
}

func (n *encEnum) bind(arr arrow.Array) *avroarrow.EncodeError { return n.src.bind(arr, &n.encLeaf) }

// number returns the enum number of value i.
func (n *encEnum) number(i int) (int32, bool) {
	b := n.src.value(i)
	if v, ok := n.names[string(b)]; ok {
		return v, true
	}
	return parseInt32(b)
}

func (n *encEnum) zero(i int) bool {
	v, ok := n.number(i)
	return ok && v == 0
}

func (n *encEnum) put(dst []byte, i int) ([]byte, *avroarrow.EncodeError) {
	v, ok := n.number(i)
	if !ok {
		return dst, n.errf(quoteValue(n.src.value(i)), "is not a name of Protobuf enum %s (nor a number)", n.proto)
	}
	return protowire.AppendVarint(dst, uint64(int64(v))), nil
}

// parseInt32 parses the decimal text of an int32: an optional '-', then
// digits, no leading zeros beyond "0" itself.
func parseInt32(b []byte) (int32, bool) {
	neg := len(b) > 0 && b[0] == '-'
	if neg {
		b = b[1:]
	}
	if len(b) == 0 || len(b) > 10 || (b[0] == '0' && len(b) > 1) {
		return 0, false
	}
	var v int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int64(c-'0')
	}
	if neg {
		v = -v
	}
	if v < math.MinInt32 || v > math.MaxInt32 || (neg && v == 0) {
		return 0, false
	}
	return int32(v), true
}
