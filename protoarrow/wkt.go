package protoarrow

import (
	"encoding/binary"
	"fmt"
	"math/bits"
	"strconv"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/kafarr/kafarr/avroarrow"
)

// This file reads the well-known types that map to a scalar column:
// Timestamp, Duration, the wrappers, and Confluent's Decimal.

// walk calls fn for each field of the small message b (base is its offset
// in the body): the number, wire type, the value of a varint or fixed
// field, and the bytes of a LEN field. Groups are skipped. fn returns
// false, with st.err set, to stop.
func (st *state) walk(b []byte, base int, path string, fn func(num protowire.Number, wt protowire.Type, v uint64, data []byte, off int) bool) bool {
	for pos := 0; pos < len(b); {
		tag, p := varint(b, pos)
		if p < 0 {
			st.varintError(p, base+pos, path)
			return false
		}
		if tag>>3 == 0 || tag>>3 > uint64(protowire.MaxValidNumber) {
			st.failf(base+pos, path, "invalid field number %d", tag>>3)
			return false
		}
		num, wt := protowire.Number(tag>>3), protowire.Type(tag&7)
		var v uint64
		var data []byte
		switch wt {
		case protowire.VarintType:
			if v, p = varint(b, p); p < 0 {
				st.varintError(p, base+pos, path)
				return false
			}
		case protowire.Fixed32Type:
			if len(b)-p < 4 {
				st.fail(base+p, path, ErrTruncated)
				return false
			}
			v = uint64(binary.LittleEndian.Uint32(b[p:]))
			p += 4
		case protowire.Fixed64Type:
			if len(b)-p < 8 {
				st.fail(base+p, path, ErrTruncated)
				return false
			}
			v = binary.LittleEndian.Uint64(b[p:])
			p += 8
		case protowire.BytesType:
			n, q := varint(b, p)
			if q < 0 {
				st.varintError(q, base+p, path)
				return false
			}
			if n > uint64(len(b)-q) {
				st.failf(base+q, path, "length %d exceeds the %d bytes left: %w", n, len(b)-q, ErrTruncated)
				return false
			}
			data = b[q : q+int(n)]
			p = q + int(n)
		case protowire.StartGroupType:
			if p = st.skipGroup(b, p, base, num); p < 0 {
				st.prepend(path)
				return false
			}
			pos = p
			continue
		default:
			st.failf(base+pos, path, "field %d has invalid wire type %d", num, wt)
			return false
		}
		if !fn(num, wt, v, data, base+pos) {
			return false
		}
		pos = p
	}
	return true
}

// want checks that field num of a well-known type came with wire type
// wt.
func (st *state) want(path string, num protowire.Number, got, wt protowire.Type, off int) bool {
	if got != wt {
		st.failf(off, path, "field %d has wire type %s (%d), where its type takes %s (%d)", num, wireNames[got&7], got, wireNames[wt&7], wt)
		return false
	}
	return true
}

// The ranges protobuf gives Timestamp and Duration values: years 1 to 9999,
// and +-10,000 years.
const (
	minTimestampSeconds = -62135596800
	maxTimestampSeconds = 253402300799
	maxDurationSeconds  = 315576000000
)

// secondsNanos reads the seconds (1) and nanos (2) fields of a Timestamp or
// Duration.
func (st *state) secondsNanos(b []byte, base int, path string) (secs int64, nanos int32, ok bool) {
	ok = st.walk(b, base, path, func(num protowire.Number, wt protowire.Type, v uint64, _ []byte, off int) bool {
		switch num {
		case 1:
			if !st.want(path, num, wt, protowire.VarintType, off) {
				return false
			}
			secs = int64(v)
		case 2:
			if !st.want(path, num, wt, protowire.VarintType, off) {
				return false
			}
			nanos = int32(v)
		}
		return true
	})
	return
}

// timestamp appends a google.protobuf.Timestamp as microseconds since the
// epoch, UTC; nanoseconds below the microsecond are dropped (the time is
// floored). Values outside the range protobuf allows (years 1 to 9999,
// nanos 0 to 999,999,999) are an error, as protojson makes them.
func (st *state) timestamp(col *avroarrow.Column, b []byte, base int) bool {
	secs, nanos, ok := st.secondsNanos(b, base, "")
	if !ok {
		return false
	}
	if secs < minTimestampSeconds || secs > maxTimestampSeconds {
		st.failf(base, "", "timestamp of %d seconds is outside years 1 to 9999", secs)
		return false
	}
	if nanos < 0 || nanos > 999_999_999 {
		st.failf(base, "", "timestamp nanos %d outside 0 to 999,999,999", nanos)
		return false
	}
	col.AppendInt64(secs*1_000_000 + int64(nanos/1000))
	return true
}

// duration appends a google.protobuf.Duration as microseconds;
// nanoseconds below the microsecond are dropped (truncated toward zero).
// Values outside protobuf's range (+-315,576,000,000 s, nanos of the
// seconds' sign below 10^9) are an error, as protojson makes them.
func (st *state) duration(col *avroarrow.Column, b []byte, base int) bool {
	secs, nanos, ok := st.secondsNanos(b, base, "")
	if !ok {
		return false
	}
	if secs < -maxDurationSeconds || secs > maxDurationSeconds {
		st.failf(base, "", "duration of %d seconds is outside +-%d", secs, int64(maxDurationSeconds))
		return false
	}
	if nanos <= -1_000_000_000 || nanos >= 1_000_000_000 || (secs > 0 && nanos < 0) || (secs < 0 && nanos > 0) {
		st.failf(base, "", "duration nanos %d out of range for %d seconds", nanos, secs)
		return false
	}
	col.AppendInt64(secs*1_000_000 + int64(nanos/1000))
	return true
}

// wrapper appends the value of a google.protobuf.*Value wrapper: its field
// 1, the last one winning; the type's zero value when the wrapper has
// none.
func (st *state) wrapper(f *field, col *avroarrow.Column, b []byte, base int) bool {
	inner := field{op: f.inner, name: f.name}
	inner.wire = wrapperWire[f.inner]
	var (
		v     uint64
		data  []byte
		found bool
	)
	ok := st.walk(b, base, "", func(num protowire.Number, wt protowire.Type, x uint64, d []byte, off int) bool {
		if num != 1 {
			return true
		}
		if !st.want("", num, wt, inner.wire, off) {
			return false
		}
		v, data, found = x, d, true
		return true
	})
	if !ok {
		return false
	}
	switch {
	case !found:
		appendDefault(&inner, col)
	case inner.op == opString || inner.op == opBytes:
		if inner.op == opString && !validUTF8(data) {
			st.failf(base, "", "string is not valid UTF-8")
			return false
		}
		if !col.AppendBytes(data) {
			st.failf(base, "", "%d bytes do not fit the batch column's 2 GiB", len(data))
			return false
		}
	case inner.op == opFixed32:
		col.AppendInt32(int32(v))
	case inner.op == opFixed64:
		col.AppendInt64(int64(v))
	default:
		appendVarint(&inner, col, v)
	}
	return true
}

var wrapperWire = [...]protowire.Type{
	opVarint32: protowire.VarintType, opSint32: protowire.VarintType,
	opVarint64: protowire.VarintType, opSint64: protowire.VarintType,
	opBool: protowire.VarintType, opFixed32: protowire.Fixed32Type,
	opFixed64: protowire.Fixed64Type, opString: protowire.BytesType,
	opBytes: protowire.BytesType, opEnum: protowire.VarintType,
}

// decimalCol is the Arrow decimal a confluent.type.Decimal field maps to.
type decimalCol struct {
	precision, scale int32
	wide             bool // decimal256: precision above 38
}

func (d decimalCol) width() int {
	if d.wide {
		return 32
	}
	return 16
}

// confluentMetaField is the number of Confluent's Meta annotation in the
// descriptor options (confluent/meta.proto).
const confluentMetaField = 1088

// decimalColumn returns the precision and scale of a Decimal field: the
// params "precision" and "scale" (or "connect.decimal.precision" and
// "connect.decimal.scale") of the field's (confluent.field_meta)
// annotation, else DefaultDecimalPrecision and DefaultDecimalScale.
func decimalColumn(fd protoreflect.FieldDescriptor) (decimalCol, error) {
	d := decimalCol{precision: DefaultDecimalPrecision, scale: DefaultDecimalScale}
	params := fieldMetaParams(fd)
	parse := func(keys ...string) (int32, bool, error) {
		for _, k := range keys {
			if v, ok := params[k]; ok {
				n, err := strconv.ParseInt(v, 10, 32)
				if err != nil {
					return 0, false, fmt.Errorf("field %s: decimal %s %q is not an integer", fd.FullName(), k, v)
				}
				return int32(n), true, nil
			}
		}
		return 0, false, nil
	}
	p, okP, err := parse("precision", "connect.decimal.precision")
	if err != nil {
		return d, err
	}
	s, okS, err := parse("scale", "connect.decimal.scale")
	if err != nil {
		return d, err
	}
	if okP {
		d.precision = p
	}
	if okS {
		d.scale = s
	}
	if d.precision < 1 || d.precision > 76 {
		return d, fmt.Errorf("field %s: decimal precision %d is outside 1 to 76", fd.FullName(), d.precision)
	}
	if d.scale < 0 || d.scale > d.precision {
		return d, fmt.Errorf("field %s: decimal scale %d is outside 0 to the precision %d", fd.FullName(), d.scale, d.precision)
	}
	d.wide = d.precision > 38
	return d, nil
}

// fieldMetaParams returns the params of a field's (confluent.field_meta)
// annotation, read from the options' wire form so that it works whether
// the compiler knew the extension or kept it as unknown fields.
func fieldMetaParams(fd protoreflect.FieldDescriptor) map[string]string {
	opts := fd.Options()
	if opts == nil {
		return nil
	}
	raw, err := proto.Marshal(opts)
	if err != nil {
		return nil
	}
	params := map[string]string{}
	eachLen(raw, confluentMetaField, func(meta []byte) {
		eachLen(meta, 2, func(entry []byte) {
			var k, v string
			eachLen(entry, 1, func(b []byte) { k = string(b) })
			eachLen(entry, 2, func(b []byte) { v = string(b) })
			params[k] = v
		})
	})
	return params
}

// eachLen calls fn with each LEN field numbered num in b.
func eachLen(b []byte, num protowire.Number, fn func([]byte)) {
	for len(b) > 0 {
		n, wt, l := protowire.ConsumeTag(b)
		if l < 0 {
			return
		}
		b = b[l:]
		if n == num && wt == protowire.BytesType {
			v, l := protowire.ConsumeBytes(b)
			if l < 0 {
				return
			}
			fn(v)
			b = b[l:]
			continue
		}
		l = protowire.ConsumeFieldValue(n, wt, b)
		if l < 0 {
			return
		}
		b = b[l:]
	}
}

// decimal appends a confluent.type.Decimal: the unscaled value (field 1,
// big-endian two's complement) at the message's scale (field 3), rescaled
// to the column's. A value that needs rounding to fit the column's scale,
// or that has more digits than its precision, is an error. The message's
// precision field is not used.
func (st *state) decimal(f *field, col *avroarrow.Column, b []byte, base int) bool {
	var (
		value []byte
		scale int32
	)
	ok := st.walk(b, base, "", func(num protowire.Number, wt protowire.Type, v uint64, data []byte, off int) bool {
		switch num {
		case 1:
			if !st.want("", num, wt, protowire.BytesType, off) {
				return false
			}
			value = data
		case 2:
			return st.want("", num, wt, protowire.VarintType, off)
		case 3:
			if !st.want("", num, wt, protowire.VarintType, off) {
				return false
			}
			scale = int32(v)
		}
		return true
	})
	if !ok {
		return false
	}
	var out [32]byte
	if err := rescaleDecimal(value, scale, f.dec, out[:f.dec.width()]); err != nil {
		st.fail(base, "", err)
		return false
	}
	col.AppendFixed(out[:f.dec.width()])
	return true
}

// u256 is a 256-bit magnitude, least significant word first.
type u256 [4]uint64

func (x *u256) isZero() bool { return x[0]|x[1]|x[2]|x[3] == 0 }

// mul10 multiplies x by 10 and reports false on overflow.
func (x *u256) mul10() bool {
	var carry uint64
	for i := range x {
		hi, lo := bits.Mul64(x[i], 10)
		var c uint64
		x[i], c = bits.Add64(lo, carry, 0)
		carry = hi + c
	}
	return carry == 0
}

// div10 divides x by 10 and returns the remainder.
func (x *u256) div10() uint64 {
	var rem uint64
	for i := 3; i >= 0; i-- {
		x[i], rem = bits.Div64(rem, x[i], 10)
	}
	return rem
}

// less reports x < y.
func (x *u256) less(y *u256) bool {
	for i := 3; i >= 0; i-- {
		if x[i] != y[i] {
			return x[i] < y[i]
		}
	}
	return false
}

// pow10 holds 10^0 to 10^76.
var pow10 = func() (t [77]u256) {
	t[0] = u256{1}
	for i := 1; i < len(t); i++ {
		t[i] = t[i-1]
		t[i].mul10()
	}
	return
}()

// rescaleDecimal converts a big-endian two's complement unscaled value at
// scale to dc's scale and writes it to out as a little-endian two's
// complement integer of len(out) bytes.
func rescaleDecimal(value []byte, scale int32, dc decimalCol, out []byte) error {
	// Drop redundant sign bytes, then read at most 32 bytes.
	neg := len(value) > 0 && value[0]&0x80 != 0
	sign := byte(0)
	if neg {
		sign = 0xff
	}
	for len(value) > 1 && value[0] == sign && (value[1]&0x80 != 0) == neg {
		value = value[1:]
	}
	if len(value) > 32 {
		return fmt.Errorf("decimal value of %d bytes is too large", len(value))
	}
	var x u256
	for i, c := range value {
		k := len(value) - 1 - i
		x[k/8] |= uint64(c) << (8 * (k % 8))
	}
	if neg {
		for k := len(value); k < 32; k++ {
			x[k/8] |= 0xff << (8 * (k % 8))
		}
		negate(&x)
	}
	for delta := int64(dc.scale) - int64(scale); delta != 0 && !x.isZero(); {
		if delta > 0 {
			if !x.mul10() {
				return fmt.Errorf("decimal at scale %d does not fit decimal(%d, %d)", scale, dc.precision, dc.scale)
			}
			delta--
		} else {
			if x.div10() != 0 {
				return fmt.Errorf("decimal at scale %d does not fit scale %d without rounding", scale, dc.scale)
			}
			delta++
		}
	}
	if !x.less(&pow10[dc.precision]) {
		return fmt.Errorf("decimal has more than the %d digits of decimal(%d, %d)", dc.precision, dc.precision, dc.scale)
	}
	if neg {
		negate(&x)
	}
	for i := range out {
		out[i] = byte(x[i/8] >> (8 * (i % 8)))
	}
	return nil
}

// negate replaces x by its two's complement.
func negate(x *u256) {
	var c uint64 = 1
	for i := range x {
		x[i], c = bits.Add64(^x[i], 0, c)
	}
}
