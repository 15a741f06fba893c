package avroarrow

import (
	"strconv"
	"unicode/utf8"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// BytesSource reads the values of any Arrow binary or string array (plain,
// large, view or fixed-size; an extension type's storage) as bytes,
// without copying: Bind it to each batch's array, then At each row. The
// Avro and Protobuf encoders read string and binary columns through it.
type BytesSource struct {
	offs32 []int32
	offs64 []int64
	data   []byte
	get    func(i int) []byte // views and fixed-size binary
}

// Bind reads arr from now on; it reports false when arr is not a string or
// binary array.
func (s *BytesSource) Bind(arr arrow.Array) bool {
	*s = BytesSource{}
	switch a := encStorage(arr).(type) {
	case *array.String:
		s.offs32, s.data = a.ValueOffsets(), a.ValueBytes()
	case *array.Binary:
		s.offs32, s.data = a.ValueOffsets(), a.ValueBytes()
	case *array.LargeString:
		s.offs64, s.data = a.ValueOffsets(), a.ValueBytes()
	case *array.LargeBinary:
		s.offs64, s.data = a.ValueOffsets(), a.ValueBytes()
	case *array.FixedSizeBinary:
		s.get = a.Value
	case *array.BinaryView:
		s.get = a.Value
	case *array.StringView:
		s.get = func(i int) []byte { return encStringBytes(a.Value(i)) }
	default:
		return false
	}
	return true
}

// encBindBytes binds leaf l, which reads its values through src, to arr,
// any Arrow binary or string column.
func encBindBytes(l *encLeaf, src *BytesSource, arr arrow.Array) *EncodeError {
	if !src.Bind(arr) {
		return encBindErr(l, arr)
	}
	l.bindNulls(arr)
	return nil
}

// At returns value i; it must not be modified.
func (s *BytesSource) At(i int) []byte {
	switch {
	case s.offs32 != nil:
		base := s.offs32[0]
		return s.data[s.offs32[i]-base : s.offs32[i+1]-base]
	case s.offs64 != nil:
		base := s.offs64[0]
		return s.data[s.offs64[i]-base : s.offs64[i+1]-base]
	}
	return s.get(i)
}

// encStringBytes views a string's bytes without copying; they must not be
// modified.
func encStringBytes(v string) []byte { return unsafe.Slice(unsafe.StringData(v), len(v)) }

// encBytes writes any Arrow binary or string column as Avro bytes or
// string; with utf8 set (binary into string) values must be valid UTF-8.
type encBytes struct {
	encLeaf
	utf8 bool
	src  BytesSource
}

func (n *encBytes) bind(arr arrow.Array) *EncodeError {
	return encBindBytes(&n.encLeaf, &n.src, arr)
}

func (n *encBytes) encode(dst []byte, i int) ([]byte, *EncodeError) {
	if n.null(i) {
		return dst, n.nullErr()
	}
	b := n.src.At(i)
	if n.utf8 && !utf8.Valid(b) {
		return dst, n.fail(b)
	}
	return encAppendBytes(dst, b), nil
}

func (n *encBytes) check(lo, hi int) (int, *EncodeError) {
	if !n.utf8 {
		return n.checkNulls(lo, hi)
	}
	for i := lo; i < hi; i++ {
		if n.null(i) {
			return i, n.nullErr()
		}
		if b := n.src.At(i); !utf8.Valid(b) {
			return i, n.fail(b)
		}
	}
	return 0, nil
}

func (n *encBytes) fail(b []byte) *EncodeError {
	return n.valueErr(encBytesText(b), "is not valid UTF-8, which "+n.avro+" requires")
}

// encFixed writes an Arrow binary column as Avro fixed; every value must
// have the fixed's size.
type encFixed struct {
	encLeaf
	size int
	src  BytesSource
}

func (n *encFixed) bind(arr arrow.Array) *EncodeError {
	return encBindBytes(&n.encLeaf, &n.src, arr)
}

func (n *encFixed) encode(dst []byte, i int) ([]byte, *EncodeError) {
	if n.null(i) {
		return dst, n.nullErr()
	}
	b := n.src.At(i)
	if len(b) != n.size {
		return dst, n.fail(b)
	}
	return append(dst, b...), nil
}

func (n *encFixed) check(lo, hi int) (int, *EncodeError) {
	for i := lo; i < hi; i++ {
		if n.null(i) {
			return i, n.nullErr()
		}
		if b := n.src.At(i); len(b) != n.size {
			return i, n.fail(b)
		}
	}
	return 0, nil
}

func (n *encFixed) fail(b []byte) *EncodeError {
	return n.valueErr(encBytesText(b), "has "+strconv.Itoa(len(b))+" bytes; "+n.avro+" holds "+strconv.Itoa(n.size))
}
