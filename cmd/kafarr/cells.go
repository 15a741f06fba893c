package main

import (
	"encoding/base64"
	"encoding/hex"
	"math"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// How values become text, shared by the table, CSV and JSON outputs:
//
//   - timestamps are RFC 3339 in UTC with the unit's fraction digits
//     (2024-01-02T03:04:05.678Z for milliseconds); a timestamp without a
//     time zone (Avro local-timestamp) has no zone suffix;
//   - binary is base64 in CSV and JSON, hex (0x...) in the table;
//   - floats are the shortest text that reads back to the same value
//     (NaN and infinities as NaN, Infinity, -Infinity; null in JSON);
//   - decimals keep their exact digits;
//   - lists, structs and maps are JSON text in the table and CSV.

// binaryStyle says how a cell shows bytes.
type binaryStyle uint8

const (
	binaryBase64 binaryStyle = iota
	binaryHex
)

// appendText appends row i of a (not null) as text. Nested values are JSON.
func appendText(dst []byte, a arrow.Array, i int, bin binaryStyle) []byte {
	switch a := a.(type) {
	case *array.String:
		return append(dst, a.Value(i)...)
	case *array.LargeString:
		return append(dst, a.Value(i)...)
	case *array.StringView:
		return append(dst, a.Value(i)...)
	case *array.Binary:
		return appendBytes(dst, a.Value(i), bin)
	case *array.LargeBinary:
		return appendBytes(dst, a.Value(i), bin)
	case *array.BinaryView:
		return appendBytes(dst, a.Value(i), bin)
	case *array.FixedSizeBinary:
		return appendBytes(dst, a.Value(i), bin)
	case *array.Dictionary:
		return appendText(dst, a.Dictionary(), a.GetValueIndex(i), bin)
	case *array.List, *array.LargeList, *array.FixedSizeList, *array.ListView, *array.LargeListView,
		*array.Struct, *array.Map, *array.SparseUnion, *array.DenseUnion:
		return appendJSON(dst, a, i)
	}
	return appendScalar(dst, a, i, false)
}

// appendScalar appends a scalar that is the same text in every output;
// inJSON quotes what JSON cannot carry as a number or literal.
func appendScalar(dst []byte, a arrow.Array, i int, inJSON bool) []byte {
	switch a := a.(type) {
	case *array.Boolean:
		return strconv.AppendBool(dst, a.Value(i))
	case *array.Int8:
		return strconv.AppendInt(dst, int64(a.Value(i)), 10)
	case *array.Int16:
		return strconv.AppendInt(dst, int64(a.Value(i)), 10)
	case *array.Int32:
		return strconv.AppendInt(dst, int64(a.Value(i)), 10)
	case *array.Int64:
		return strconv.AppendInt(dst, a.Value(i), 10)
	case *array.Uint8:
		return strconv.AppendUint(dst, uint64(a.Value(i)), 10)
	case *array.Uint16:
		return strconv.AppendUint(dst, uint64(a.Value(i)), 10)
	case *array.Uint32:
		return strconv.AppendUint(dst, uint64(a.Value(i)), 10)
	case *array.Uint64:
		return strconv.AppendUint(dst, a.Value(i), 10)
	case *array.Float16:
		return appendFloat(dst, float64(a.Value(i).Float32()), 32, inJSON)
	case *array.Float32:
		return appendFloat(dst, float64(a.Value(i)), 32, inJSON)
	case *array.Float64:
		return appendFloat(dst, a.Value(i), 64, inJSON)
	case *array.Decimal32:
		return append(dst, a.ValueStr(i)...)
	case *array.Decimal64:
		return append(dst, a.ValueStr(i)...)
	case *array.Decimal128:
		return append(dst, a.Value(i).ToString(a.DataType().(*arrow.Decimal128Type).Scale)...)
	case *array.Decimal256:
		return append(dst, a.Value(i).ToString(a.DataType().(*arrow.Decimal256Type).Scale)...)
	}
	if inJSON {
		dst = append(dst, '"')
		dst = appendTemporal(dst, a, i)
		return append(dst, '"')
	}
	return appendTemporal(dst, a, i)
}

// appendTemporal appends dates, times, timestamps, durations and
// intervals; anything else falls back to arrow-go's own text.
func appendTemporal(dst []byte, a arrow.Array, i int) []byte {
	switch a := a.(type) {
	case *array.Timestamp:
		tt := a.DataType().(*arrow.TimestampType)
		t := time.Unix(0, 0).UTC()
		switch tt.Unit {
		case arrow.Second:
			t = time.Unix(int64(a.Value(i)), 0).UTC()
		case arrow.Millisecond:
			t = time.UnixMilli(int64(a.Value(i))).UTC()
		case arrow.Microsecond:
			t = time.UnixMicro(int64(a.Value(i))).UTC()
		case arrow.Nanosecond:
			t = time.Unix(0, int64(a.Value(i))).UTC()
		}
		layout := timestampLayouts[tt.Unit]
		if tt.TimeZone != "" {
			layout += "Z07:00"
		}
		return t.AppendFormat(dst, layout)
	case *array.Date32:
		return a.Value(i).ToTime().UTC().AppendFormat(dst, time.DateOnly)
	case *array.Date64:
		return a.Value(i).ToTime().UTC().AppendFormat(dst, time.DateOnly)
	case *array.Time32:
		u := a.DataType().(*arrow.Time32Type).Unit
		return a.Value(i).ToTime(u).AppendFormat(dst, timeLayouts[u])
	case *array.Time64:
		u := a.DataType().(*arrow.Time64Type).Unit
		return a.Value(i).ToTime(u).AppendFormat(dst, timeLayouts[u])
	case *array.Duration:
		u := a.DataType().(*arrow.DurationType).Unit
		return append(dst, time.Duration(int64(a.Value(i))*int64(u.Multiplier())).String()...)
	}
	return append(dst, a.ValueStr(i)...)
}

var timestampLayouts = [...]string{
	arrow.Second:      "2006-01-02T15:04:05",
	arrow.Millisecond: "2006-01-02T15:04:05.000",
	arrow.Microsecond: "2006-01-02T15:04:05.000000",
	arrow.Nanosecond:  "2006-01-02T15:04:05.000000000",
}

var timeLayouts = [...]string{
	arrow.Second:      "15:04:05",
	arrow.Millisecond: "15:04:05.000",
	arrow.Microsecond: "15:04:05.000000",
	arrow.Nanosecond:  "15:04:05.000000000",
}

// appendFloat appends the shortest text that reads back as v: plain
// digits between 1e-4 and 1e15, exponent form outside.
func appendFloat(dst []byte, v float64, bits int, inJSON bool) []byte {
	switch {
	case math.IsNaN(v):
		if inJSON {
			return append(dst, "null"...)
		}
		return append(dst, "NaN"...)
	case math.IsInf(v, 1):
		if inJSON {
			return append(dst, "null"...)
		}
		return append(dst, "Infinity"...)
	case math.IsInf(v, -1):
		if inJSON {
			return append(dst, "null"...)
		}
		return append(dst, "-Infinity"...)
	}
	if abs := math.Abs(v); abs != 0 && (abs < 1e-4 || abs >= 1e15) {
		return strconv.AppendFloat(dst, v, 'g', -1, bits)
	}
	return strconv.AppendFloat(dst, v, 'f', -1, bits)
}

func appendBytes(dst, b []byte, bin binaryStyle) []byte {
	if bin == binaryHex {
		dst = append(dst, "0x"...)
		return hex.AppendEncode(dst, b)
	}
	return base64.StdEncoding.AppendEncode(dst, b)
}

// appendJSON appends row i of a as a JSON value: null, a number, a string
// (text, base64 bytes, RFC 3339 timestamps), an array (lists) or an object
// (structs; maps, with their keys as text, in order).
func appendJSON(dst []byte, a arrow.Array, i int) []byte {
	if a.IsNull(i) {
		return append(dst, "null"...)
	}
	switch a := a.(type) {
	case *array.Null:
		return append(dst, "null"...)
	case *array.String:
		return appendJSONString(dst, a.Value(i))
	case *array.LargeString:
		return appendJSONString(dst, a.Value(i))
	case *array.StringView:
		return appendJSONString(dst, a.Value(i))
	case *array.Binary, *array.LargeBinary, *array.BinaryView, *array.FixedSizeBinary:
		dst = append(dst, '"')
		dst = appendText(dst, a, i, binaryBase64)
		return append(dst, '"')
	case *array.Dictionary:
		return appendJSON(dst, a.Dictionary(), a.GetValueIndex(i))
	case *array.Map:
		start, end := a.ValueOffsets(i)
		keys, items := a.Keys(), a.Items()
		dst = append(dst, '{')
		var key []byte
		for j := start; j < end; j++ {
			if j > start {
				dst = append(dst, ',')
			}
			key = appendText(key[:0], keys, int(j), binaryBase64)
			dst = appendJSONString(dst, string(key))
			dst = append(dst, ':')
			dst = appendJSON(dst, items, int(j))
		}
		return append(dst, '}')
	case array.ListLike:
		start, end := a.ValueOffsets(i)
		vals := a.ListValues()
		dst = append(dst, '[')
		for j := start; j < end; j++ {
			if j > start {
				dst = append(dst, ',')
			}
			dst = appendJSON(dst, vals, int(j))
		}
		return append(dst, ']')
	case *array.Struct:
		st := a.DataType().(*arrow.StructType)
		dst = append(dst, '{')
		for f := 0; f < a.NumField(); f++ {
			if f > 0 {
				dst = append(dst, ',')
			}
			dst = appendJSONString(dst, st.Field(f).Name)
			dst = append(dst, ':')
			dst = appendJSON(dst, a.Field(f), i)
		}
		return append(dst, '}')
	case *array.SparseUnion:
		return appendJSON(dst, a.Field(a.ChildID(i)), i)
	case *array.DenseUnion:
		return appendJSON(dst, a.Field(a.ChildID(i)), int(a.ValueOffset(i)))
	}
	return appendScalar(dst, a, i, true)
}

// appendJSONString appends s as a JSON string; invalid UTF-8 becomes
// U+FFFD.
func appendJSONString(dst []byte, s string) []byte {
	const hexDigits = "0123456789abcdef"
	dst = append(dst, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				dst = append(dst, '\\', c)
			case c == '\n':
				dst = append(dst, '\\', 'n')
			case c == '\r':
				dst = append(dst, '\\', 'r')
			case c == '\t':
				dst = append(dst, '\\', 't')
			case c < 0x20:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			default:
				dst = append(dst, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, `\ufffd`...)
		} else {
			dst = append(dst, s[i:i+size]...)
		}
		i += size
	}
	return append(dst, '"')
}
