package avroarrow

import (
	"encoding/binary"
	"encoding/hex"
	"math"
	"strconv"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// encNode writes one Arrow array (a column, or a child of one) as one Avro
// schema. Element indices are relative to the bound array, which already
// accounts for its slice offset.
type encNode interface {
	// bind points the node at arr, whose type was checked at compile time.
	bind(arr arrow.Array) *EncodeError
	// encode appends the Avro binary of element i, validating it.
	encode(dst []byte, i int) ([]byte, *EncodeError)
	// check validates elements [lo, hi) as encode would, returning the
	// index of the first bad element.
	check(lo, hi int) (int, *EncodeError)
	// base returns the node's common part.
	base() *encLeaf
}

// encLeaf is the part every node shares: where it sits, for messages, and
// the validity of the array it reads.
type encLeaf struct {
	path encPath
	avro string // the target type for messages, e.g. "Avro int"
	// nullable is set when an enclosing union writes this node's nulls, so
	// the node itself never meets one.
	nullable bool
	nulls    encValidity
}

func (l *encLeaf) base() *encLeaf { return l }

// bindNulls records arr's validity unless an enclosing union handles it.
func (l *encLeaf) bindNulls(arr arrow.Array) {
	if l.nullable {
		l.nulls = encValidity{}
		return
	}
	l.nulls.bind(arr)
}

// null reports whether element i is null and this node must refuse it.
func (l *encLeaf) null(i int) bool { return l.nulls.has && l.nulls.isNull(i) }

// checkNulls returns the first null in [lo, hi) that this node must refuse.
func (l *encLeaf) checkNulls(lo, hi int) (int, *EncodeError) {
	if !l.nulls.has {
		return 0, nil
	}
	for i := lo; i < hi; i++ {
		if l.nulls.isNull(i) {
			return i, l.nullErr()
		}
	}
	return 0, nil
}

func (l *encLeaf) nullErr() *EncodeError {
	return &EncodeError{Column: l.path.col, Field: l.path.field, Row: -1, Msg: "null into non-nullable " + l.avro}
}

// valueErr reports a bad value; value is already rendered.
func (l *encLeaf) valueErr(value, msg string) *EncodeError {
	return &EncodeError{Column: l.path.col, Field: l.path.field, Row: -1, Value: value, Msg: msg}
}

// encValidity reads an Arrow validity bitmap.
type encValidity struct {
	has  bool   // the array has nulls
	bits []byte // the bitmap; nil with has set means every element is null
	off  int    // the array's offset into bits
}

func (v *encValidity) bind(arr arrow.Array) {
	*v = encValidity{}
	if arr.NullN() > 0 {
		v.has, v.bits, v.off = true, arr.NullBitmapBytes(), arr.Data().Offset()
	}
}

// isNull is meaningful only when has is set.
func (v *encValidity) isNull(i int) bool {
	if v.bits == nil {
		return true
	}
	j := v.off + i
	return v.bits[j>>3]&(1<<(j&7)) == 0
}

// encPath names a node's position: the Arrow column path and the Avro
// field path, which differ only below a union.
type encPath struct{ col, field string }

func (p encPath) child(col, field string) encPath {
	join := func(a, b string) string {
		if a == "" {
			return b
		}
		return a + "." + b
	}
	return encPath{join(p.col, col), join(p.field, field)}
}

func (p encPath) items() encPath { return encPath{p.col + "[]", p.field + "[]"} }

func (p encPath) values() encPath { return encPath{p.col + "{}", p.field + "{}"} }

// encStorage returns the storage of an extension array, else arr.
func encStorage(arr arrow.Array) arrow.Array {
	if ext, ok := arr.(array.ExtensionArray); ok {
		return ext.Storage()
	}
	return arr
}

// encAppendLong appends v as an Avro int or long: zigzag, then a base-128
// varint, least significant group first.
func encAppendLong(dst []byte, v int64) []byte {
	u := uint64(v<<1) ^ uint64(v>>63)
	if u < 0x80 {
		return append(dst, byte(u))
	}
	for u >= 0x80 {
		dst = append(dst, byte(u)|0x80)
		u >>= 7
	}
	return append(dst, byte(u))
}

// encAppendBytes appends b as Avro bytes or string: a long length, then
// the bytes.
func encAppendBytes(dst, b []byte) []byte {
	return append(encAppendLong(dst, int64(len(b))), b...)
}

func encAppendFloat(dst []byte, f float32) []byte {
	return binary.LittleEndian.AppendUint32(dst, math.Float32bits(f))
}

func encAppendDouble(dst []byte, f float64) []byte {
	return binary.LittleEndian.AppendUint64(dst, math.Float64bits(f))
}

// encBindErr reports an array whose Go type does not match the type the
// node was compiled for, which a schema check rules out; it guards against
// Arrow implementations that pair a type with an unexpected array.
func encBindErr(l *encLeaf, arr arrow.Array) *EncodeError {
	return &EncodeError{Column: l.path.col, Field: l.path.field, Row: -1, Msg: "unexpected Arrow array " + arr.DataType().String()}
}

// encBindValues binds leaf l to arr, a fixed-width column of element type
// T: it sets *vals to arr's values and records its validity.
func encBindValues[T any](l *encLeaf, arr arrow.Array, vals *[]T) *EncodeError {
	a, ok := encStorage(arr).(interface{ Values() []T })
	if !ok {
		return encBindErr(l, arr)
	}
	*vals = a.Values()
	l.bindNulls(arr)
	return nil
}

// encBytesText renders bytes for a message, as hex, shortened past 32
// bytes.
func encBytesText(b []byte) string {
	if len(b) > 32 {
		return "0x" + hex.EncodeToString(b[:32]) + "..."
	}
	return "0x" + hex.EncodeToString(b)
}

// encStringText renders a string value for a message, quoted, shortened
// past 64 bytes.
func encStringText(s string) string {
	if len(s) > 64 {
		cut := 64
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		return strconv.Quote(s[:cut]) + "..."
	}
	return strconv.Quote(s)
}
