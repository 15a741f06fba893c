package jsonarrow

import (
	"encoding/base64"
	"encoding/binary"
	"math"
	"strconv"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// ekind is what an encoder node writes, from which Arrow source.
type ekind uint8

const (
	ekNull      ekind = iota // an Arrow null column: always null
	ekBool                   // bool: true/false
	ekInt                    // (u)int8..64, time32/64, duration: integer text, range- and unit-checked
	ekFloat                  // float32/64: number text, finiteness- and width-checked
	ekFloatInt               // float32/64 into an integer property: integral and in range
	ekString                 // utf8 (large, view): a JSON string, or raw JSON text, or an enum symbol
	ekBinary                 // binary (large, view, fixed): base64, one code point per byte, or a UUID
	ekDate                   // date32/64: "YYYY-MM-DD"
	ekTimestamp              // timestamp: RFC 3339 in UTC
	ekDecimal                // decimal128/256: exact number text
	ekDict                   // dictionary: its value
	ekList                   // list (large, fixed size): an array
	ekMap                    // map<utf8, V>: an object
	ekStruct                 // struct, and the top-level record: an object
)

// binary forms of ekBinary.
const (
	binBase64 uint8 = iota
	binLatin1
	binUUID
)

// stringer and byteser read the values of string-like and binary-like
// arrays without copying.
type (
	stringer interface{ Value(int) string }
	byteser  interface{ Value(int) []byte }
)

// enode writes one value of an Arrow column as JSON. The compile-time
// fields say what to write; the bound fields point at the batch's arrays.
type enode struct {
	kind   ekind
	col    string // the column path, for errors
	prop   string // the property path, for errors
	nullOK bool   // a null is written as null (else it is an error)
	omit   bool   // as an object member: a null leaves the property out

	width    int   // ekInt, ekFloat, ekFloatInt, ekDate: bytes per source value
	signed   bool  // ekInt: the source is signed
	lo, hi   int64 // ekInt, ekFloatInt: the target's range (ranged)
	ranged   bool
	uhi      uint64 // ekInt: an unsigned source's maximum (ranged)
	div      int64  // ekInt, ekTimestamp: the source value divided by div, exactly
	mul      int64  // ekInt (times): the source value multiplied by mul
	unit     int    // ekTimestamp: the unit written (0 = s .. 3 = ns)
	out32    bool   // ekFloat: written as float32 (checked when the source is float64)
	raw      bool   // ekString: the value is JSON text, written as it is (validated)
	format   string // ekString: the JSON Schema format the value must have ("date-time", "date", "uuid"), or ""
	symbols  map[string]struct{}
	bin      uint8 // ekBinary: binBase64, binLatin1 or binUUID
	fixed    int   // ekBinary: the exact length the target needs, 0 for any
	scale    int   // ekDecimal: the source's scale
	tscale   int   // ekDecimal: the target's scale, or scale
	prec     int   // ekDecimal: the target's precision, 0 for any
	words    int   // ekDecimal: 2 for decimal128, 4 for decimal256
	keys     [][]byte
	cols     []int    // ekStruct: the child array feeding each kid
	kids     []*enode // ekStruct members; ekList, ekMap, ekDict: one
	alwaysNl bool     // ekNull

	// bound per batch
	nulls []byte // validity bitmap, nil when the array has no nulls
	off   int    // the array's offset
	data  []byte // ekBool, fixed-width kinds: the values buffer
	str   stringer
	byt   byteser
	list  array.ListLike
	dict  *array.Dictionary
}

// bind points n (and its children) at arr.
func (n *enode) bind(arr arrow.Array) {
	if ext, ok := arr.(array.ExtensionArray); ok {
		arr = ext.Storage()
	}
	d := arr.Data()
	n.off, n.nulls = d.Offset(), nil
	if arr.NullN() > 0 {
		n.nulls = arr.NullBitmapBytes()
	}
	switch n.kind {
	case ekBool, ekInt, ekFloat, ekFloatInt, ekDate, ekTimestamp, ekDecimal:
		n.data = nil
		if bufs := d.Buffers(); len(bufs) > 1 && bufs[1] != nil {
			n.data = bufs[1].Bytes() // nil in an empty array
		}
	case ekString:
		n.str = arr.(stringer)
	case ekBinary:
		n.byt = arr.(byteser)
	case ekDict:
		n.dict = arr.(*array.Dictionary)
		n.kids[0].bind(n.dict.Dictionary())
	case ekList:
		n.list = arr.(array.ListLike)
		n.kids[0].bind(n.list.ListValues())
	case ekMap:
		m := arr.(*array.Map)
		n.list = m
		n.str = m.Keys().(stringer)
		n.kids[0].bind(m.Items())
	case ekStruct:
		st := arr.(*array.Struct)
		for k, kid := range n.kids {
			kid.bind(st.Field(n.cols[k]))
		}
	}
}

func (n *enode) isNull(i int) bool {
	if n.alwaysNl {
		return true
	}
	if n.nulls == nil {
		return false
	}
	j := n.off + i
	return n.nulls[j>>3]&(1<<(j&7)) == 0
}

func (n *enode) errf(i int, value, msg string) *EncodeError {
	return &EncodeError{Column: n.col, Field: n.prop, Row: i, Value: value, Msg: msg}
}

// object appends the members of an ekStruct node as a JSON object.
func (n *enode) object(dst []byte, i int) ([]byte, *EncodeError) {
	dst = append(dst, '{')
	first := true
	for k, kid := range n.kids {
		if kid.isNull(i) || kid.kind == ekDict && kid.kids[0].isNull(kid.dict.GetValueIndex(i)) {
			if kid.omit {
				continue
			}
			if !kid.nullOK {
				return dst, kid.errf(i, "", "null where the property is required and admits no null")
			}
			// The dictionary's value node writes the null.
		}
		key := n.keys[k]
		if first {
			key, first = key[1:], false // key is `,"name":`
		}
		dst = append(dst, key...)
		var err *EncodeError
		if dst, err = kid.value(dst, i); err != nil {
			return dst, err
		}
	}
	return append(dst, '}'), nil
}

// value appends value i of n's array.
func (n *enode) value(dst []byte, i int) ([]byte, *EncodeError) {
	if n.isNull(i) {
		if !n.nullOK {
			return dst, n.errf(i, "", "null where the schema admits no null")
		}
		return append(dst, "null"...), nil
	}
	j := n.off + i
	switch n.kind {
	case ekBool:
		if n.data[j>>3]&(1<<(j&7)) != 0 {
			return append(dst, "true"...), nil
		}
		return append(dst, "false"...), nil
	case ekInt:
		return n.integer(dst, i, j)
	case ekFloat, ekFloatInt:
		return n.float(dst, i, j)
	case ekString:
		s := n.str.Value(i)
		if n.raw {
			// The decoder's own scanner: what it accepts here, kafarr reads
			// back (64 levels at most), and it needs no pooled state.
			sc := scanner{buf: unsafe.Slice(unsafe.StringData(s), len(s)), maxDepth: DefaultMaxDepth}
			sc.skip()
			if sc.end(); sc.err != nil {
				return dst, n.errf(i, quoteValue(s), "is not JSON text: "+sc.err.Error())
			}
			return append(dst, s...), nil
		}
		if n.format != "" && !validFormat(n.format, s) {
			return dst, n.errf(i, quoteValue(s), "is not a valid "+n.format+" (the property's format)")
		}
		if n.symbols != nil {
			if _, ok := n.symbols[s]; !ok {
				return dst, n.errf(i, quoteValue(s), "is not one of the enum's symbols")
			}
		}
		out, ok := appendString(dst, s)
		if !ok {
			return dst, n.errf(i, quoteValue(s), "is not valid UTF-8")
		}
		return out, nil
	case ekBinary:
		b := n.byt.Value(i)
		if n.fixed > 0 && len(b) != n.fixed {
			return dst, n.errf(i, quoteValue(string(b)), "has "+strconv.Itoa(len(b))+" bytes, the property takes "+strconv.Itoa(n.fixed))
		}
		switch n.bin {
		case binUUID:
			return appendUUID(dst, b), nil
		case binLatin1:
			return appendLatin1(dst, b), nil
		}
		dst = append(dst, '"')
		return append(base64.StdEncoding.AppendEncode(dst, b), '"'), nil
	case ekDate:
		days := int64(int32(binary.LittleEndian.Uint32(n.data[4*j:])))
		if n.width == 8 {
			ms := int64(binary.LittleEndian.Uint64(n.data[8*j:]))
			if ms%86400000 != 0 {
				return dst, n.errf(i, strconv.FormatInt(ms, 10), "is not a whole day (date64 counts milliseconds of whole days)")
			}
			days = ms / 86400000
		}
		out, ok := appendDate(append(dst, '"'), days)
		if !ok {
			return dst, n.errf(i, strconv.FormatInt(days, 10)+" days", "is outside the years 0000 to 9999 of RFC 3339")
		}
		return append(out, '"'), nil
	case ekTimestamp:
		v := int64(binary.LittleEndian.Uint64(n.data[8*j:]))
		if n.div > 1 {
			if v%n.div != 0 {
				return dst, n.errf(i, strconv.FormatInt(v, 10), "has more precision than the property's unit")
			}
			v /= n.div
		}
		out, ok := appendDateTime(dst, v, n.unit)
		if !ok {
			return dst, n.errf(i, strconv.FormatInt(v, 10), "is outside the years 0000 to 9999 of RFC 3339")
		}
		return out, nil
	case ekDecimal:
		return n.decimal(dst, i, j)
	case ekDict:
		return n.kids[0].value(dst, n.dict.GetValueIndex(i))
	case ekList:
		start, end := n.list.ValueOffsets(i)
		dst = append(dst, '[')
		for k := start; k < end; k++ {
			if k > start {
				dst = append(dst, ',')
			}
			var err *EncodeError
			if dst, err = n.kids[0].value(dst, int(k)); err != nil {
				return dst, err
			}
		}
		return append(dst, ']'), nil
	case ekMap:
		start, end := n.list.ValueOffsets(i)
		dst = append(dst, '{')
		for k := start; k < end; k++ {
			if k > start {
				dst = append(dst, ',')
			}
			key := n.str.Value(int(k))
			var ok bool
			if dst, ok = appendString(dst, key); !ok {
				return dst, n.errf(i, quoteValue(key), "map key is not valid UTF-8")
			}
			dst = append(dst, ':')
			var err *EncodeError
			if dst, err = n.kids[0].value(dst, int(k)); err != nil {
				return dst, err
			}
		}
		return append(dst, '}'), nil
	case ekStruct:
		return n.object(dst, i)
	}
	return append(dst, "null"...), nil // ekNull
}

// integer appends an integer value, checking the target's range and
// unit.
func (n *enode) integer(dst []byte, i, j int) ([]byte, *EncodeError) {
	var v int64
	switch n.width {
	case 1:
		v = int64(int8(n.data[j]))
		if !n.signed {
			v = int64(n.data[j])
		}
	case 2:
		u := binary.LittleEndian.Uint16(n.data[2*j:])
		v = int64(int16(u))
		if !n.signed {
			v = int64(u)
		}
	case 4:
		u := binary.LittleEndian.Uint32(n.data[4*j:])
		v = int64(int32(u))
		if !n.signed {
			v = int64(u)
		}
	default:
		u := binary.LittleEndian.Uint64(n.data[8*j:])
		if !n.signed {
			if n.ranged && u > n.uhi {
				return dst, n.errf(i, strconv.FormatUint(u, 10), "is out of the property's range")
			}
			if u > math.MaxInt64 {
				return strconv.AppendUint(dst, u, 10), nil
			}
		}
		v = int64(u)
	}
	if n.div > 1 {
		if v%n.div != 0 {
			return dst, n.errf(i, strconv.FormatInt(v, 10), "has more precision than the property's unit")
		}
		v /= n.div
	}
	if n.mul > 1 {
		v *= n.mul
	}
	if n.ranged && (v < n.lo || v > n.hi) {
		return dst, n.errf(i, strconv.FormatInt(v, 10), "is out of the property's range")
	}
	return strconv.AppendInt(dst, v, 10), nil
}

// float appends a floating-point value as a number, or, for ekFloatInt,
// as the integer it must be.
func (n *enode) float(dst []byte, i, j int) ([]byte, *EncodeError) {
	var f float64
	if n.width == 4 {
		f = float64(math.Float32frombits(binary.LittleEndian.Uint32(n.data[4*j:])))
	} else {
		f = math.Float64frombits(binary.LittleEndian.Uint64(n.data[8*j:]))
	}
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return dst, n.errf(i, strconv.FormatFloat(f, 'g', -1, 64), "has no JSON form (JSON numbers are finite)")
	}
	if n.kind == ekFloatInt {
		// 2^63 is the first float64 beyond int64.
		if f != math.Trunc(f) || f < -(1<<63) || f >= 1<<63 || (n.ranged && (int64(f) < n.lo || int64(f) > n.hi)) {
			return dst, n.errf(i, strconv.FormatFloat(f, 'g', -1, 64), "is not an integer in the property's range")
		}
		return strconv.AppendInt(dst, int64(f), 10), nil
	}
	if n.out32 || n.width == 4 {
		if float64(float32(f)) != f {
			return dst, n.errf(i, strconv.FormatFloat(f, 'g', -1, 64), "does not fit float32 exactly")
		}
		return appendFloat(dst, f, 32), nil
	}
	return appendFloat(dst, f, 64), nil
}

// decimal appends a decimal value as exact number text at the target's
// scale, checking that no digit is lost and the precision holds it.
func (n *enode) decimal(dst []byte, i, j int) ([]byte, *EncodeError) {
	var w [4]uint64
	size := 8 * n.words
	for k := 0; k < n.words; k++ {
		w[k] = binary.LittleEndian.Uint64(n.data[size*j+8*k:])
	}
	neg := int64(w[n.words-1]) < 0
	if neg { // two's complement negation
		carry := uint64(1)
		for k := 0; k < n.words; k++ {
			w[k] = ^w[k] + carry
			if w[k] != 0 {
				carry = 0
			}
		}
	}
	if n.tscale == n.scale && n.prec == 0 {
		return appendDecimal(dst, neg, w[:n.words], n.scale), nil
	}
	// Render, then check the digits the target loses and keeps.
	start := len(dst)
	dst = appendDecimal(dst, neg, w[:n.words], n.scale)
	text := dst[start:]
	_, digits, pow := splitNumber(text)
	nd := 0
	for _, c := range digits {
		if c != '.' {
			nd++
		}
	}
	if pow+n.tscale < 0 || (n.prec > 0 && nd+pow+n.tscale > n.prec) {
		v := string(text)
		return dst[:start], n.errf(i, v, "does not fit the property's decimal("+strconv.Itoa(n.prec)+", "+strconv.Itoa(n.tscale)+") exactly")
	}
	return dst, nil
}

// validFormat reports whether s is a valid value of a JSON Schema format
// the decoder reads: an RFC 3339 date-time or full-date, or a UUID.
func validFormat(format, s string) bool {
	b := unsafe.Slice(unsafe.StringData(s), len(s))
	switch format {
	case "date-time":
		_, _, ok := parseDateTime(b)
		return ok
	case "date":
		_, ok := parseDate(b)
		return ok
	}
	if len(b) != 36 {
		return false
	}
	for i, c := range b {
		if i == 8 || i == 13 || i == 18 || i == 23 {
			if c != '-' {
				return false
			}
		} else if !isDigit(c) && (c|0x20 < 'a' || c|0x20 > 'f') {
			return false
		}
	}
	return true
}

// quoteValue renders a string value for an error, cut to 64 bytes.
func quoteValue(s string) string {
	if len(s) > 64 {
		return strconv.Quote(s[:64]) + "..."
	}
	return strconv.Quote(s)
}
