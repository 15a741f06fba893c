package avroarrow

import (
	"encoding/binary"
	"fmt"
	"math"
	"strconv"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/decimal256"
)

// decimal compiles an Arrow decimal column into an Avro decimal on bytes or
// fixed. A different scale is rescaled when exact: a larger target scale
// always is (if the digits fit), a smaller one only for values with zeros
// to drop, so it is a narrowing, as is a smaller number of integer digits.
func (c *encCompiler) decimal(dt arrow.DataType, s *Schema, p encPath) (encNode, bool, *EncodeError) {
	dec, ok := dt.(arrow.DecimalType)
	if !ok {
		return nil, false, c.mismatch(dt, s, p)
	}
	srcPrec, srcScale := int(dec.GetPrecision()), int(dec.GetScale())
	shift := s.Scale - srcScale
	if shift > 76 || shift < -76 {
		return nil, false, c.errf(p, "%s cannot be rescaled to %s", dt, encAvroDesc(s))
	}
	narrow := shift < 0 || srcPrec-srcScale > s.Precision-s.Scale
	if narrow {
		if err := c.narrowing(dt, s, p); err != nil {
			return nil, false, err
		}
	}
	n := encDecimalConv{prec: int32(s.Precision), srcScale: int32(srcScale), shift: shift}
	if s.Type == TypeFixed {
		n.size = s.Size
	}
	l := c.leaf(s, p)
	switch dt.ID() {
	case arrow.DECIMAL32:
		return &encDecimal[decimal.Decimal32]{encLeaf: l, conv: n, to256: func(v decimal.Decimal32) decimal256.Num { return decimal256.FromI64(int64(v)) }}, narrow, nil
	case arrow.DECIMAL64:
		return &encDecimal[decimal.Decimal64]{encLeaf: l, conv: n, to256: func(v decimal.Decimal64) decimal256.Num { return decimal256.FromI64(int64(v)) }}, narrow, nil
	case arrow.DECIMAL128:
		return &encDecimal[decimal128.Num]{encLeaf: l, conv: n, to256: decimal256.FromDecimal128}, narrow, nil
	case arrow.DECIMAL256:
		return &encDecimal[decimal256.Num]{encLeaf: l, conv: n, to256: func(v decimal256.Num) decimal256.Num { return v }}, narrow, nil
	}
	return nil, false, c.mismatch(dt, s, p)
}

// encDecimalConv rescales an unscaled decimal to the target's scale and
// checks its precision.
type encDecimalConv struct {
	prec     int32 // target precision
	srcScale int32
	shift    int // target scale minus source scale
	size     int // fixed size; 0 for bytes
}

func (c *encDecimalConv) apply(v decimal256.Num) (decimal256.Num, int) {
	switch {
	case c.shift > 0:
		// Check before multiplying, so the product cannot overflow.
		if room := c.prec - int32(c.shift); room <= 0 {
			if v.Sign() != 0 {
				return v, encFailRange
			}
		} else if !v.FitsInPrecision(room) {
			return v, encFailRange
		}
		return v.Mul(decimal256.GetScaleMultiplier(c.shift)), encOK
	case c.shift < 0:
		q, r := v.Div(decimal256.GetScaleMultiplier(-c.shift))
		if r.Sign() != 0 {
			return v, encFailInexact
		}
		v = q
	}
	if !v.FitsInPrecision(c.prec) {
		return v, encFailRange
	}
	return v, encOK
}

// appendTo appends v as Avro decimal bytes (minimal big-endian two's
// complement, length first) or fixed (sign-extended to the size).
func (c *encDecimalConv) appendTo(dst []byte, v decimal256.Num) ([]byte, bool) {
	var be [32]byte
	words := v.Array()
	for k := 0; k < 4; k++ {
		binary.BigEndian.PutUint64(be[24-8*k:], words[k])
	}
	sign := byte(0)
	if v.Sign() < 0 {
		sign = 0xff
	}
	if c.size > 0 {
		if c.size >= 32 {
			for k := 32; k < c.size; k++ {
				dst = append(dst, sign)
			}
			return append(dst, be[:]...), true
		}
		cut := 32 - c.size
		for _, b := range be[:cut] {
			if b != sign {
				return dst, false
			}
		}
		if (be[cut]^sign)&0x80 != 0 {
			return dst, false
		}
		return append(dst, be[cut:]...), true
	}
	// Drop sign bytes while the next byte still carries the sign.
	k := 0
	for k < 31 && be[k] == sign && (be[k+1]^sign)&0x80 == 0 {
		k++
	}
	return encAppendBytes(dst, be[k:]), true
}

// encDecimal writes an Arrow decimal column of element type T.
type encDecimal[T decimal.DecimalTypes] struct {
	encLeaf
	conv  encDecimalConv
	to256 func(T) decimal256.Num
	vals  []T
}

func (n *encDecimal[T]) bind(arr arrow.Array) *EncodeError {
	return encBindValues(&n.encLeaf, arr, &n.vals)
}

func (n *encDecimal[T]) encode(dst []byte, i int) ([]byte, *EncodeError) {
	if n.null(i) {
		return dst, n.nullErr()
	}
	orig := n.to256(n.vals[i])
	v, fail := n.conv.apply(orig)
	if fail != encOK {
		return dst, n.fail(orig, fail)
	}
	out, ok := n.conv.appendTo(dst, v)
	if !ok {
		return dst, n.fail(orig, encFailRange)
	}
	return out, nil
}

func (n *encDecimal[T]) check(lo, hi int) (int, *EncodeError) {
	var scratch [40]byte
	for i := lo; i < hi; i++ {
		if n.null(i) {
			return i, n.nullErr()
		}
		orig := n.to256(n.vals[i])
		v, fail := n.conv.apply(orig)
		if fail == encOK {
			if _, ok := n.conv.appendTo(scratch[:0], v); !ok {
				fail = encFailRange
			}
		}
		if fail != encOK {
			return i, n.fail(orig, fail)
		}
	}
	return 0, nil
}

func (n *encDecimal[T]) fail(v decimal256.Num, fail int) *EncodeError {
	text := v.ToString(n.conv.srcScale)
	if fail == encFailInexact {
		scale := int(n.conv.srcScale) + n.conv.shift
		return n.valueErr(text, "needs more than "+strconv.Itoa(scale)+" decimal places for "+n.avro)
	}
	return n.valueErr(text, "does not fit "+n.avro)
}

// uuidString compiles a column into an Avro string with the uuid logical
// type: text is validated, 16-byte binary is formatted.
func (c *encCompiler) uuidString(dt arrow.DataType, s *Schema, p encPath) (encNode, bool, *EncodeError) {
	if encStringLike(dt) {
		return &encUUIDText{encLeaf: c.leaf(s, p)}, false, nil
	}
	if fsb, ok := dt.(*arrow.FixedSizeBinaryType); ok && fsb.ByteWidth == 16 {
		return &encUUIDFormat{encLeaf: c.leaf(s, p)}, false, nil
	}
	return nil, false, c.mismatch(dt, s, p)
}

// encParseUUID parses the 36-character 8-4-4-4-12 hex form of a UUID, in
// either case.
func encParseUUID(b []byte) (out [16]byte, ok bool) {
	if len(b) != 36 {
		return out, false
	}
	j := 0
	for i := 0; i < 36; {
		if i == 8 || i == 13 || i == 18 || i == 23 {
			if b[i] != '-' {
				return out, false
			}
			i++
			continue
		}
		hi, ok1 := encHexVal(b[i])
		lo, ok2 := encHexVal(b[i+1])
		if !ok1 || !ok2 {
			return out, false
		}
		out[j] = hi<<4 | lo
		j++
		i += 2
	}
	return out, true
}

func encHexVal(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

const encUUIDMsg = "is not a UUID in its 36-character 8-4-4-4-12 hex form, which Avro uuid requires"

// encUUIDText writes UUID text as Avro string uuid, as given, after
// checking its form.
type encUUIDText struct {
	encLeaf
	src BytesSource
}

func (n *encUUIDText) bind(arr arrow.Array) *EncodeError {
	return encBindBytes(&n.encLeaf, &n.src, arr)
}

func (n *encUUIDText) encode(dst []byte, i int) ([]byte, *EncodeError) {
	if n.null(i) {
		return dst, n.nullErr()
	}
	b := n.src.At(i)
	if _, ok := encParseUUID(b); !ok {
		return dst, n.valueErr(encStringText(string(b)), encUUIDMsg)
	}
	return encAppendBytes(dst, b), nil
}

func (n *encUUIDText) check(lo, hi int) (int, *EncodeError) {
	var scratch [40]byte
	for i := lo; i < hi; i++ {
		if _, err := n.encode(scratch[:0], i); err != nil {
			return i, err
		}
	}
	return 0, nil
}

// encUUIDFormat writes 16-byte binary as Avro string uuid in canonical
// lower-case form.
type encUUIDFormat struct {
	encLeaf
	src BytesSource
}

func (n *encUUIDFormat) bind(arr arrow.Array) *EncodeError {
	return encBindBytes(&n.encLeaf, &n.src, arr)
}

func (n *encUUIDFormat) encode(dst []byte, i int) ([]byte, *EncodeError) {
	if n.null(i) {
		return dst, n.nullErr()
	}
	const digits = "0123456789abcdef"
	dst = append(dst, 36<<1) // the zigzag length 36
	for k, c := range n.src.At(i) {
		if k == 4 || k == 6 || k == 8 || k == 10 {
			dst = append(dst, '-')
		}
		dst = append(dst, digits[c>>4], digits[c&15])
	}
	return dst, nil
}

func (n *encUUIDFormat) check(lo, hi int) (int, *EncodeError) { return n.checkNulls(lo, hi) }

// encUUIDParse writes UUID text as Avro fixed(16) uuid.
type encUUIDParse struct {
	encLeaf
	src BytesSource
}

func (n *encUUIDParse) bind(arr arrow.Array) *EncodeError {
	return encBindBytes(&n.encLeaf, &n.src, arr)
}

func (n *encUUIDParse) encode(dst []byte, i int) ([]byte, *EncodeError) {
	if n.null(i) {
		return dst, n.nullErr()
	}
	b := n.src.At(i)
	u, ok := encParseUUID(b)
	if !ok {
		return dst, n.valueErr(encStringText(string(b)), encUUIDMsg)
	}
	return append(dst, u[:]...), nil
}

func (n *encUUIDParse) check(lo, hi int) (int, *EncodeError) {
	var scratch [16]byte
	for i := lo; i < hi; i++ {
		if _, err := n.encode(scratch[:0], i); err != nil {
			return i, err
		}
	}
	return 0, nil
}

// duration compiles an Arrow interval column into Avro duration: three
// little-endian unsigned 32-bit counts of months, days and milliseconds.
// month_day_nano_interval is the type kafarr reads durations as, so it is
// no narrowing, but each value must be non-negative, in range and a whole
// number of milliseconds.
func (c *encCompiler) duration(dt arrow.DataType, s *Schema, p encPath) (encNode, bool, *EncodeError) {
	switch dt.ID() {
	case arrow.INTERVAL_MONTH_DAY_NANO, arrow.INTERVAL_DAY_TIME, arrow.INTERVAL_MONTHS:
		return &encDuration{encLeaf: c.leaf(s, p), kind: dt.ID()}, false, nil
	}
	return nil, false, c.mismatch(dt, s, p)
}

type encDuration struct {
	encLeaf
	kind   arrow.Type
	mdn    []arrow.MonthDayNanoInterval
	dayMS  []arrow.DayTimeInterval
	months []arrow.MonthInterval
}

func (n *encDuration) bind(arr arrow.Array) *EncodeError {
	switch a := encStorage(arr).(type) {
	case *array.MonthDayNanoInterval:
		n.mdn = a.MonthDayNanoIntervalValues()
	case *array.DayTimeInterval:
		n.dayMS = a.DayTimeIntervalValues()
	case *array.MonthInterval:
		n.months = a.MonthIntervalValues()
	default:
		return encBindErr(&n.encLeaf, arr)
	}
	n.bindNulls(arr)
	return nil
}

// parts returns value i as months, days and milliseconds, and whether
// Avro duration holds it exactly.
func (n *encDuration) parts(i int) (months, days, millis int64, fail int) {
	switch n.kind {
	case arrow.INTERVAL_MONTH_DAY_NANO:
		v := n.mdn[i]
		if v.Nanoseconds%1e6 != 0 {
			return 0, 0, 0, encFailInexact
		}
		months, days, millis = int64(v.Months), int64(v.Days), v.Nanoseconds/1e6
	case arrow.INTERVAL_DAY_TIME:
		v := n.dayMS[i]
		days, millis = int64(v.Days), int64(v.Milliseconds)
	default:
		months = int64(n.months[i])
	}
	if months < 0 || days < 0 || millis < 0 || millis > math.MaxUint32 {
		return 0, 0, 0, encFailRange
	}
	return months, days, millis, encOK
}

func (n *encDuration) encode(dst []byte, i int) ([]byte, *EncodeError) {
	if n.null(i) {
		return dst, n.nullErr()
	}
	months, days, millis, fail := n.parts(i)
	if fail != encOK {
		return dst, n.fail(i, fail)
	}
	dst = binary.LittleEndian.AppendUint32(dst, uint32(months))
	dst = binary.LittleEndian.AppendUint32(dst, uint32(days))
	return binary.LittleEndian.AppendUint32(dst, uint32(millis)), nil
}

func (n *encDuration) check(lo, hi int) (int, *EncodeError) {
	for i := lo; i < hi; i++ {
		if n.null(i) {
			return i, n.nullErr()
		}
		if _, _, _, fail := n.parts(i); fail != encOK {
			return i, n.fail(i, fail)
		}
	}
	return 0, nil
}

func (n *encDuration) fail(i int, fail int) *EncodeError {
	var text string
	switch n.kind {
	case arrow.INTERVAL_MONTH_DAY_NANO:
		v := n.mdn[i]
		text = fmt.Sprintf("(%d months, %d days, %d ns)", v.Months, v.Days, v.Nanoseconds)
	case arrow.INTERVAL_DAY_TIME:
		v := n.dayMS[i]
		text = fmt.Sprintf("(%d days, %d ms)", v.Days, v.Milliseconds)
	default:
		text = fmt.Sprintf("(%d months)", n.months[i])
	}
	if fail == encFailInexact {
		return n.valueErr(text, "is not a whole number of milliseconds for "+n.avro)
	}
	return n.valueErr(text, "does not fit "+n.avro+", whose months, days and milliseconds are unsigned 32-bit counts")
}
