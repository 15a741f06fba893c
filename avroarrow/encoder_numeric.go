package avroarrow

import (
	"math"
	"strconv"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/float16"
)

// encNothing writes Avro null, which takes no bytes.
type encNothing struct{ encLeaf }

func (n *encNothing) bind(arrow.Array) *EncodeError { return nil }

func (n *encNothing) encode(dst []byte, _ int) ([]byte, *EncodeError) { return dst, nil }

func (n *encNothing) check(int, int) (int, *EncodeError) { return 0, nil }

// encBool writes an Arrow bool column as Avro boolean.
type encBool struct {
	encLeaf
	arr *array.Boolean
}

func (n *encBool) bind(arr arrow.Array) *EncodeError {
	a, ok := encStorage(arr).(*array.Boolean)
	if !ok {
		return encBindErr(&n.encLeaf, arr)
	}
	n.arr = a
	n.bindNulls(a)
	return nil
}

func (n *encBool) encode(dst []byte, i int) ([]byte, *EncodeError) {
	if n.null(i) {
		return dst, n.nullErr()
	}
	if n.arr.Value(i) {
		return append(dst, 1), nil
	}
	return append(dst, 0), nil
}

func (n *encBool) check(lo, hi int) (int, *EncodeError) { return n.checkNulls(lo, hi) }

// encInteger is every Go type an Arrow integer-like array stores: the
// integers, and dates, times, timestamps and durations.
type encInteger interface {
	~int8 | ~int16 | ~int32 | ~int64 | ~uint8 | ~uint16 | ~uint32 | ~uint64
}

// encIntConv converts an integer-like value to an Avro int or long: a unit
// change (multiply or divide by a power of ten, or by the milliseconds of a
// day), then a range check.
type encIntConv struct {
	mul, div int64 // at most one is above 1
	min, max int64 // the target's range
	plain    bool  // no unit change and every source value fits: no checks
	unsigned bool  // the source is uint64, whose top half does not fit
	unit     string
}

const (
	encOK = iota
	encFailRange
	encFailInexact
)

// apply converts v; big is set for a uint64 value above MaxInt64.
func (c *encIntConv) apply(v int64, big bool) (int64, int) {
	if big {
		return 0, encFailRange
	}
	if c.mul > 1 {
		if v > math.MaxInt64/c.mul || v < math.MinInt64/c.mul {
			return 0, encFailRange
		}
		v *= c.mul
	} else if c.div > 1 {
		if v%c.div != 0 {
			return 0, encFailInexact
		}
		v /= c.div
	}
	if v < c.min || v > c.max {
		return 0, encFailRange
	}
	return v, encOK
}

// encInt writes an integer-like Arrow column as Avro int or long.
type encInt[T encInteger] struct {
	encLeaf
	conv encIntConv
	vals []T
}

func (n *encInt[T]) bind(arr arrow.Array) *EncodeError {
	return encBindValues(&n.encLeaf, arr, &n.vals)
}

func (n *encInt[T]) encode(dst []byte, i int) ([]byte, *EncodeError) {
	if n.null(i) {
		return dst, n.nullErr()
	}
	v := n.vals[i]
	if n.conv.plain {
		return encAppendLong(dst, int64(v)), nil
	}
	x, fail := n.conv.apply(int64(v), n.conv.unsigned && int64(v) < 0)
	if fail != encOK {
		return dst, n.fail(v, fail)
	}
	return encAppendLong(dst, x), nil
}

func (n *encInt[T]) check(lo, hi int) (int, *EncodeError) {
	if n.conv.plain {
		return n.checkNulls(lo, hi)
	}
	for i := lo; i < hi; i++ {
		if n.nulls.has && n.nulls.isNull(i) {
			return i, n.nullErr()
		}
		v := n.vals[i]
		if _, fail := n.conv.apply(int64(v), n.conv.unsigned && int64(v) < 0); fail != encOK {
			return i, n.fail(v, fail)
		}
	}
	return 0, nil
}

func (n *encInt[T]) fail(v T, fail int) *EncodeError {
	text := strconv.FormatInt(int64(v), 10)
	if n.conv.unsigned {
		text = strconv.FormatUint(uint64(v), 10)
	}
	if fail == encFailInexact {
		return n.valueErr(text, "is not a whole number of "+n.conv.unit+" for "+n.avro)
	}
	return n.valueErr(text, "does not fit "+n.avro)
}

// encUnitExp returns the power of ten of an Arrow time unit in seconds
// (0 for s, 3 for ms, 6 for us, 9 for ns).
func encUnitExp(u arrow.TimeUnit) int { return 3 * int(u) }

var encUnitNames = map[int]string{0: "seconds", 3: "milliseconds", 6: "microseconds", 9: "nanoseconds"}

// encDurationUnitProp is the attribute DeriveSchema puts on the Avro long
// it derives from an Arrow duration column, naming the unit of the count:
// "s", "ms", "us" or "ns". The encoder converts durations to it.
const encDurationUnitProp = "kafarr.duration_unit"

var encDurationUnits = map[string]int{"s": 0, "ms": 3, "us": 6, "ns": 9}

// integer compiles a column into Avro int or long, with or without a
// logical type. A logical type needs the matching Arrow type: plain
// integers never go into dates, times or timestamps, whose unit would be a
// guess.
func (c *encCompiler) integer(dt arrow.DataType, s *Schema, p encPath) (encNode, bool, *EncodeError) {
	conv := encIntConv{mul: 1, div: 1, min: math.MinInt64, max: math.MaxInt64}
	if s.Type == TypeInt {
		conv.min, conv.max = math.MinInt32, math.MaxInt32
	}
	srcExp, dstExp := 0, 0
	switch s.Logical {
	case "":
		switch {
		case arrow.IsInteger(dt.ID()):
		case dt.ID() == arrow.DURATION && s.Type == TypeLong:
			srcExp = encUnitExp(dt.(*arrow.DurationType).Unit)
			dstExp = srcExp
			if u, ok := s.Props[encDurationUnitProp].(string); ok {
				if e, ok := encDurationUnits[u]; ok {
					dstExp = e
				}
			}
		default:
			return nil, false, c.mismatch(dt, s, p)
		}
	case LogicalDate:
		switch dt.ID() {
		case arrow.DATE32:
		case arrow.DATE64:
			conv.div, conv.unit = 86400000, "days"
		default:
			return nil, false, c.mismatch(dt, s, p)
		}
	case LogicalTimeMillis, LogicalTimeMicros:
		dstExp = 3
		if s.Logical == LogicalTimeMicros {
			dstExp = 6
		}
		switch t := dt.(type) {
		case *arrow.Time32Type:
			srcExp = encUnitExp(t.Unit)
		case *arrow.Time64Type:
			srcExp = encUnitExp(t.Unit)
		default:
			return nil, false, c.mismatch(dt, s, p)
		}
	case LogicalTimestampMillis, LogicalTimestampMicros, LogicalTimestampNanos,
		LogicalLocalTimestampMilli, LogicalLocalTimestampMicro, LogicalLocalTimestampNanos:
		ts, ok := dt.(*arrow.TimestampType)
		if !ok {
			return nil, false, c.mismatch(dt, s, p)
		}
		local := s.Logical == LogicalLocalTimestampMilli || s.Logical == LogicalLocalTimestampMicro || s.Logical == LogicalLocalTimestampNanos
		if local && ts.TimeZone != "" && !encUTCZone(ts.TimeZone) {
			// Local time in another zone needs a time zone database and
			// a choice for ambiguous times; the caller is better placed.
			return nil, false, c.errf(p, "%s into %s would need a time zone conversion; convert the column to naive local time first", dt, encAvroDesc(s))
		}
		srcExp = encUnitExp(ts.Unit)
		switch s.Logical {
		case LogicalTimestampMillis, LogicalLocalTimestampMilli:
			dstExp = 3
		case LogicalTimestampMicros, LogicalLocalTimestampMicro:
			dstExp = 6
		default:
			dstExp = 9
		}
	default:
		return nil, false, c.mismatch(dt, s, p)
	}
	for e := srcExp; e < dstExp; e++ {
		conv.mul *= 10
	}
	for e := dstExp; e < srcExp; e++ {
		conv.div *= 10
	}
	if conv.div > 1 && conv.unit == "" {
		conv.unit = encUnitNames[dstExp]
	}
	fits := encIntFits(dt.ID(), conv.min, conv.max)
	conv.plain = conv.mul == 1 && conv.div == 1 && fits
	conv.unsigned = dt.ID() == arrow.UINT64
	narrow := conv.div > 1 || !fits
	if narrow {
		if err := c.narrowing(dt, s, p); err != nil {
			return nil, false, err
		}
	}
	l := c.leaf(s, p)
	var n encNode
	switch dt.ID() {
	case arrow.INT8:
		n = &encInt[int8]{encLeaf: l, conv: conv}
	case arrow.INT16:
		n = &encInt[int16]{encLeaf: l, conv: conv}
	case arrow.INT32:
		n = &encInt[int32]{encLeaf: l, conv: conv}
	case arrow.INT64:
		n = &encInt[int64]{encLeaf: l, conv: conv}
	case arrow.UINT8:
		n = &encInt[uint8]{encLeaf: l, conv: conv}
	case arrow.UINT16:
		n = &encInt[uint16]{encLeaf: l, conv: conv}
	case arrow.UINT32:
		n = &encInt[uint32]{encLeaf: l, conv: conv}
	case arrow.UINT64:
		n = &encInt[uint64]{encLeaf: l, conv: conv}
	case arrow.DATE32:
		n = &encInt[arrow.Date32]{encLeaf: l, conv: conv}
	case arrow.DATE64:
		n = &encInt[arrow.Date64]{encLeaf: l, conv: conv}
	case arrow.TIME32:
		n = &encInt[arrow.Time32]{encLeaf: l, conv: conv}
	case arrow.TIME64:
		n = &encInt[arrow.Time64]{encLeaf: l, conv: conv}
	case arrow.TIMESTAMP:
		n = &encInt[arrow.Timestamp]{encLeaf: l, conv: conv}
	case arrow.DURATION:
		n = &encInt[arrow.Duration]{encLeaf: l, conv: conv}
	default:
		return nil, false, c.mismatch(dt, s, p)
	}
	return n, narrow, nil
}

// encIntFits reports whether every value of an integer-like Arrow type
// lies in [lo, hi].
func encIntFits(id arrow.Type, lo, hi int64) bool {
	var min, max int64
	switch id {
	case arrow.INT8:
		min, max = math.MinInt8, math.MaxInt8
	case arrow.INT16:
		min, max = math.MinInt16, math.MaxInt16
	case arrow.INT32, arrow.DATE32, arrow.TIME32:
		min, max = math.MinInt32, math.MaxInt32
	case arrow.UINT8:
		max = math.MaxUint8
	case arrow.UINT16:
		max = math.MaxUint16
	case arrow.UINT32:
		max = math.MaxUint32
	case arrow.UINT64:
		return false
	default:
		min, max = math.MinInt64, math.MaxInt64
	}
	return lo <= min && max <= hi
}

// encUTCZone reports whether an Arrow time zone is UTC itself, so its
// instants are also its wall-clock times.
func encUTCZone(tz string) bool {
	switch tz {
	case "UTC", "utc", "Etc/UTC", "Z", "+00:00", "-00:00", "GMT", "Etc/GMT":
		return true
	}
	return false
}

// floating compiles a column into Avro float or double. Integers are Avro
// promotions, but those that can round (32 and 64-bit integers into float,
// 64-bit into double) are treated as narrowings: exact only.
func (c *encCompiler) floating(dt arrow.DataType, s *Schema, p encPath) (encNode, bool, *EncodeError) {
	double := s.Type == TypeDouble
	l := c.leaf(s, p)
	narrow := false
	switch dt.ID() {
	case arrow.INT32, arrow.UINT32:
		narrow = !double
	case arrow.INT64, arrow.UINT64:
		narrow = true
	case arrow.FLOAT64:
		narrow = !double
	}
	if narrow {
		if err := c.narrowing(dt, s, p); err != nil {
			return nil, false, err
		}
	}
	var n encNode
	switch dt.ID() {
	case arrow.FLOAT16:
		n = &encHalf{encLeaf: l, double: double}
	case arrow.FLOAT32:
		n = &encFloat[float32]{encLeaf: l, double: double}
	case arrow.FLOAT64:
		n = &encFloat[float64]{encLeaf: l, double: double}
	case arrow.INT8:
		n = &encIntFloat[int8]{encLeaf: l, double: double}
	case arrow.INT16:
		n = &encIntFloat[int16]{encLeaf: l, double: double}
	case arrow.INT32:
		n = &encIntFloat[int32]{encLeaf: l, double: double}
	case arrow.INT64:
		n = &encIntFloat[int64]{encLeaf: l, double: double}
	case arrow.UINT8:
		n = &encIntFloat[uint8]{encLeaf: l, double: double}
	case arrow.UINT16:
		n = &encIntFloat[uint16]{encLeaf: l, double: double}
	case arrow.UINT32:
		n = &encIntFloat[uint32]{encLeaf: l, double: double}
	case arrow.UINT64:
		n = &encIntFloat[uint64]{encLeaf: l, double: double, unsigned: true}
	default:
		return nil, false, c.mismatch(dt, s, p)
	}
	return n, narrow, nil
}

// encFloat writes an Arrow float32 or float64 column as Avro float or
// double. A double goes into a float only when float32 holds it exactly;
// NaN and the infinities always do.
type encFloat[T float32 | float64] struct {
	encLeaf
	double bool
	vals   []T
}

func (n *encFloat[T]) bind(arr arrow.Array) *EncodeError {
	return encBindValues(&n.encLeaf, arr, &n.vals)
}

func (n *encFloat[T]) encode(dst []byte, i int) ([]byte, *EncodeError) {
	if n.null(i) {
		return dst, n.nullErr()
	}
	v := n.vals[i]
	if n.double {
		return encAppendDouble(dst, float64(v)), nil
	}
	f := float32(v)
	if T(f) != v && v == v {
		return dst, n.fail(float64(v))
	}
	return encAppendFloat(dst, f), nil
}

func (n *encFloat[T]) check(lo, hi int) (int, *EncodeError) {
	if n.double || unsafe.Sizeof(T(0)) == 4 {
		return n.checkNulls(lo, hi)
	}
	for i := lo; i < hi; i++ {
		if n.nulls.has && n.nulls.isNull(i) {
			return i, n.nullErr()
		}
		if v := n.vals[i]; T(float32(v)) != v && v == v {
			return i, n.fail(float64(v))
		}
	}
	return 0, nil
}

func (n *encFloat[T]) fail(v float64) *EncodeError {
	return n.valueErr(strconv.FormatFloat(v, 'g', -1, 64), "is not exactly representable as "+n.avro)
}

// encHalf writes an Arrow float16 column, which both Avro float and double
// hold exactly.
type encHalf struct {
	encLeaf
	double bool
	vals   []float16.Num
}

func (n *encHalf) bind(arr arrow.Array) *EncodeError {
	return encBindValues(&n.encLeaf, arr, &n.vals)
}

func (n *encHalf) encode(dst []byte, i int) ([]byte, *EncodeError) {
	if n.null(i) {
		return dst, n.nullErr()
	}
	f := n.vals[i].Float32()
	if n.double {
		return encAppendDouble(dst, float64(f)), nil
	}
	return encAppendFloat(dst, f), nil
}

func (n *encHalf) check(lo, hi int) (int, *EncodeError) { return n.checkNulls(lo, hi) }

// encIntFloat writes an Arrow integer column as Avro float or double,
// exactly or not at all.
type encIntFloat[T encInteger] struct {
	encLeaf
	double   bool
	unsigned bool
	vals     []T
}

func (n *encIntFloat[T]) bind(arr arrow.Array) *EncodeError {
	return encBindValues(&n.encLeaf, arr, &n.vals)
}

// convert returns v as a float64 (which, for a float target, float32
// holds exactly) and whether the conversion is exact.
func (n *encIntFloat[T]) convert(v T) (float64, bool) {
	if n.unsigned {
		u := uint64(v)
		f := float64(u)
		if !n.double {
			f = float64(float32(f))
		}
		return f, f < 0x1p64 && uint64(f) == u
	}
	x := int64(v)
	f := float64(x)
	if !n.double {
		f = float64(float32(f))
	}
	return f, f < 0x1p63 && int64(f) == x
}

func (n *encIntFloat[T]) encode(dst []byte, i int) ([]byte, *EncodeError) {
	if n.null(i) {
		return dst, n.nullErr()
	}
	f, ok := n.convert(n.vals[i])
	if !ok {
		return dst, n.fail(n.vals[i])
	}
	if n.double {
		return encAppendDouble(dst, f), nil
	}
	return encAppendFloat(dst, float32(f)), nil
}

func (n *encIntFloat[T]) check(lo, hi int) (int, *EncodeError) {
	for i := lo; i < hi; i++ {
		if n.nulls.has && n.nulls.isNull(i) {
			return i, n.nullErr()
		}
		if _, ok := n.convert(n.vals[i]); !ok {
			return i, n.fail(n.vals[i])
		}
	}
	return 0, nil
}

func (n *encIntFloat[T]) fail(v T) *EncodeError {
	text := strconv.FormatInt(int64(v), 10)
	if n.unsigned {
		text = strconv.FormatUint(uint64(v), 10)
	}
	return n.valueErr(text, "is not exactly representable as "+n.avro)
}
