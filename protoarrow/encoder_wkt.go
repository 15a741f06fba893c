package protoarrow

import (
	"strconv"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/dynamicpb"

	"github.com/kafarr/kafarr/avroarrow"
)

// encTime writes a timestamp or duration column as a
// google.protobuf.Timestamp or Duration: seconds (field 1) and nanos
// (field 2), each omitted when 0.
type encTime struct {
	encLeaf
	vals     []int64
	perSec   int64 // values per second: 1, 1e3, 1e6 or 1e9
	nanoMul  int64 // nanoseconds per value
	duration bool
}

func (n *encTime) bind(arr arrow.Array) *avroarrow.EncodeError {
	switch a := arr.(type) {
	case *array.Timestamp:
		n.vals = asInt64s(a.TimestampValues())
	case *array.Duration:
		n.vals = asInt64s(a.DurationValues())
	default:
		return n.errf("", "%s is not a timestamp or duration", arr.DataType())
	}
	return nil
}

// asInt64s views timestamps or durations as their int64 values.
func asInt64s[T ~int64](v []T) []int64 {
	if len(v) == 0 {
		return nil
	}
	return unsafe.Slice((*int64)(unsafe.Pointer(&v[0])), len(v))
}

func (n *encTime) zero(int) bool { return false }

func (n *encTime) put(dst []byte, i int) ([]byte, *avroarrow.EncodeError) {
	v := n.vals[i]
	secs, rem := v/n.perSec, v%n.perSec
	if !n.duration && rem < 0 {
		secs, rem = secs-1, rem+n.perSec // Timestamp nanos are never negative
	}
	nanos := rem * n.nanoMul
	if n.duration {
		if secs < -maxDurationSeconds || secs > maxDurationSeconds {
			return dst, n.errf(strconv.FormatInt(v, 10), "is outside the range of google.protobuf.Duration (±315,576,000,000 s)")
		}
	} else if secs < minTimestampSeconds || secs > maxTimestampSeconds {
		return dst, n.errf(strconv.FormatInt(v, 10), "is outside the range of google.protobuf.Timestamp (years 1 to 9999)")
	}
	size := 0
	if secs != 0 {
		size += 1 + protowire.SizeVarint(uint64(secs))
	}
	if nanos != 0 {
		size += 1 + protowire.SizeVarint(uint64(nanos))
	}
	dst = append(dst, byte(size))
	if secs != 0 {
		dst = protowire.AppendVarint(append(dst, 0x08), uint64(secs))
	}
	if nanos != 0 {
		dst = protowire.AppendVarint(append(dst, 0x10), uint64(nanos))
	}
	return dst, nil
}

// encDecimal writes a decimal128 column as a confluent.type.Decimal: the
// unscaled value at the field's scale as big-endian two's complement
// (field 1, the fewest bytes, at least one), the field's precision
// (field 2) and scale (field 3).
type encDecimal struct {
	encLeaf
	vals      []decimal128.Num
	fromScale int32
	dec       decimalCol
	check     bool // the value may not fit precision and scale
}

func (n *encDecimal) bind(arr arrow.Array) *avroarrow.EncodeError {
	a, ok := arr.(*array.Decimal128)
	if !ok {
		return n.errf("", "%s is not decimal128", arr.DataType())
	}
	n.vals = a.Values()
	return nil
}

func (n *encDecimal) zero(int) bool { return false }

func (n *encDecimal) put(dst []byte, i int) ([]byte, *avroarrow.EncodeError) {
	v := n.vals[i]
	if n.fromScale != n.dec.scale {
		r, err := v.Rescale(n.fromScale, n.dec.scale)
		if err != nil {
			return dst, n.errf(v.ToString(n.fromScale), "does not fit decimal(%d, %d) exactly", n.dec.precision, n.dec.scale)
		}
		v = r
	}
	if n.check && n.dec.precision <= 38 && !v.FitsInPrecision(n.dec.precision) {
		return dst, n.errf(v.ToString(n.fromScale), "has more digits than decimal(%d, %d) holds", n.dec.precision, n.dec.scale)
	}
	var be [16]byte
	hi, lo := uint64(v.HighBits()), v.LowBits()
	for k := 0; k < 8; k++ {
		be[k] = byte(hi >> (56 - 8*k))
		be[8+k] = byte(lo >> (56 - 8*k))
	}
	// The fewest bytes that keep the sign: drop leading bytes equal to
	// the sign extension of the next one.
	b := be[:]
	for len(b) > 1 && ((b[0] == 0 && b[1] < 0x80) || (b[0] == 0xff && b[1] >= 0x80)) {
		b = b[1:]
	}
	size := 2 + len(b) // tag, length, bytes
	if n.dec.precision != 0 {
		size += 1 + protowire.SizeVarint(uint64(n.dec.precision))
	}
	if n.dec.scale != 0 {
		size += 1 + protowire.SizeVarint(uint64(n.dec.scale))
	}
	dst = append(dst, byte(size), 0x0a, byte(len(b)))
	dst = append(dst, b...)
	if n.dec.precision != 0 {
		dst = protowire.AppendVarint(append(dst, 0x10), uint64(n.dec.precision))
	}
	if n.dec.scale != 0 {
		dst = protowire.AppendVarint(append(dst, 0x18), uint64(int64(n.dec.scale)))
	}
	return dst, nil
}

// encJSON parses JSON text into a google.protobuf.Struct, Value,
// ListValue or Any with protojson, and writes it. It allocates per value.
type encJSON struct {
	encLeaf
	src encBytesSrc
	md  protoreflect.MessageDescriptor
	opt protojson.UnmarshalOptions
}

func (n *encJSON) bind(arr arrow.Array) *avroarrow.EncodeError { return n.src.bind(arr, &n.encLeaf) }
func (n *encJSON) zero(int) bool                               { return false }

func (n *encJSON) put(dst []byte, i int) ([]byte, *avroarrow.EncodeError) {
	text := n.src.value(i)
	m := dynamicpb.NewMessage(n.md)
	if err := n.opt.Unmarshal(text, m); err != nil {
		return dst, n.errf(quoteValue(text), "is not the JSON of a %s: %v", n.proto, err)
	}
	b, err := proto.MarshalOptions{Deterministic: true}.Marshal(m)
	if err != nil {
		return dst, n.errf(quoteValue(text), "cannot be written as %s: %v", n.proto, err)
	}
	return protowire.AppendBytes(dst, b), nil
}

// formatFloat renders a float value for errors.
func formatFloat(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }
