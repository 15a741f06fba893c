package jsonarrow

import (
	"math/bits"
	"strconv"
	"unicode/utf8"
)

// The JSON texts the Encoder writes for strings, dates, date-times, UUIDs
// and decimals, appended without the fmt or time packages so that a row
// allocates nothing.

const hexDigits = "0123456789abcdef"

// noEscape[c] is true for the ASCII bytes a JSON string holds as they are.
var noEscape = func() (t [256]bool) {
	for c := 0x20; c < 0x80; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// appendString appends s as a JSON string (RFC 8259): '"' and '\' are
// escaped, control characters as \b \f \n \r \t or \u00XX, everything else
// (U+2028 and U+2029 included) as its UTF-8. It reports false, having
// appended part of s, when s is not valid UTF-8.
func appendString[S ~string | ~[]byte](dst []byte, s S) ([]byte, bool) {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if noEscape[c] {
			i++
			continue
		}
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(string(s[i:min(i+utf8.UTFMax, len(s))]))
			if r == utf8.RuneError && size == 1 {
				return dst, false
			}
			i += size
			continue
		}
		dst = appendEscaped(append(dst, s[start:i]...), c)
		i++
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"'), true
}

// appendEscaped appends the escape of the ASCII byte c.
func appendEscaped(dst []byte, c byte) []byte {
	switch c {
	case '"', '\\':
		return append(dst, '\\', c)
	case '\b':
		return append(dst, '\\', 'b')
	case '\f':
		return append(dst, '\\', 'f')
	case '\n':
		return append(dst, '\\', 'n')
	case '\r':
		return append(dst, '\\', 'r')
	case '\t':
		return append(dst, '\\', 't')
	}
	return append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
}

// appendLatin1 appends b as a JSON string of one code point per byte
// (U+0000 to U+00FF), the form the decoder reads for Avro bytes and fixed.
func appendLatin1(dst, b []byte) []byte {
	dst = append(dst, '"')
	for _, c := range b {
		switch {
		case c >= 0x80:
			dst = utf8.AppendRune(dst, rune(c))
		case noEscape[c]:
			dst = append(dst, c)
		default:
			dst = appendEscaped(dst, c)
		}
	}
	return append(dst, '"')
}

// appendUUID appends the 16 bytes of b as a quoted canonical UUID,
// "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx", lower case.
func appendUUID(dst, b []byte) []byte {
	dst = append(dst, '"')
	for i, c := range b {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			dst = append(dst, '-')
		}
		dst = append(dst, hexDigits[c>>4], hexDigits[c&0xf])
	}
	return append(dst, '"')
}

// civil returns the proleptic Gregorian date of days since 1970-01-01
// (Howard Hinnant's algorithm, the inverse of daysFromCivil).
func civil(days int64) (y int64, m, d int) {
	z := days + 719468
	era := z / 146097
	if z < 0 && z%146097 != 0 {
		era--
	}
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y = yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d = int(doy - (153*mp+2)/5 + 1)
	if mp < 10 {
		m = int(mp + 3)
	} else {
		m = int(mp - 9)
	}
	if m <= 2 {
		y++
	}
	return y, m, d
}

// Days from 1970-01-01 to 0000-01-01 and to 10000-01-01: RFC 3339 years
// have four digits.
const (
	minDay = -719528
	maxDay = 2932897 - 1
)

func append2(dst []byte, v int) []byte { return append(dst, byte('0'+v/10), byte('0'+v%10)) }

// appendDate appends the unquoted date YYYY-MM-DD of days since the epoch;
// false when its year is not 0000 to 9999.
func appendDate(dst []byte, days int64) ([]byte, bool) {
	if days < minDay || days > maxDay {
		return dst, false
	}
	y, m, d := civil(days)
	dst = append2(dst, int(y/100))
	dst = append2(dst, int(y%100))
	dst = append(dst, '-')
	dst = append2(dst, m)
	dst = append(dst, '-')
	return append2(dst, d), true
}

// fracDigits is the number of fraction digits of a time unit's count.
var fracDigits = [...]int{0, 3, 6, 9} // arrow.Second .. arrow.Nanosecond

// perSecond is the count of a unit in one second.
var perSecond = [...]int64{1, 1e3, 1e6, 1e9}

// appendDateTime appends the quoted RFC 3339 date-time of v, a count of
// unit (0 = s .. 3 = ns) since the epoch, in UTC ("Z"), with exactly the
// unit's fraction digits; false when its year is not 0000 to 9999.
func appendDateTime(dst []byte, v int64, unit int) ([]byte, bool) {
	per := perSecond[unit]
	sec, frac := v/per, v%per
	if frac < 0 {
		sec, frac = sec-1, frac+per
	}
	days, tod := sec/86400, sec%86400
	if tod < 0 {
		days, tod = days-1, tod+86400
	}
	dst = append(dst, '"')
	dst, ok := appendDate(dst, days)
	if !ok {
		return dst, false
	}
	dst = append(dst, 'T')
	dst = append2(dst, int(tod/3600))
	dst = append(dst, ':')
	dst = append2(dst, int(tod/60%60))
	dst = append(dst, ':')
	dst = append2(dst, int(tod%60))
	if n := fracDigits[unit]; n > 0 {
		dst = append(dst, '.')
		var buf [9]byte
		for i := n - 1; i >= 0; i-- {
			buf[i] = byte('0' + frac%10)
			frac /= 10
		}
		dst = append(dst, buf[:n]...)
	}
	return append(dst, 'Z', '"'), true
}

// appendDecimal appends the unscaled value mag (little-endian 64-bit
// words of its magnitude, overwritten) with sign neg at scale as exact
// JSON number text: "-12.340" for -12340 at scale 3, "1200" for 12 at
// scale -2.
func appendDecimal(dst []byte, neg bool, mag []uint64, scale int) []byte {
	var buf [80]byte // 2^256 has 78 digits
	i := len(buf)
	for {
		top := len(mag)
		for top > 0 && mag[top-1] == 0 {
			top--
		}
		if top == 0 {
			break
		}
		var rem uint64
		for k := top - 1; k >= 0; k-- {
			mag[k], rem = bits.Div64(rem, mag[k], 1e19)
		}
		for j := 0; j < 19; j++ {
			i--
			buf[i] = byte('0' + rem%10)
			rem /= 10
		}
	}
	for i < len(buf)-1 && buf[i] == '0' {
		i++
	}
	if i == len(buf) {
		i--
		buf[i] = '0'
	}
	digits := buf[i:]
	if neg && !(len(digits) == 1 && digits[0] == '0') {
		dst = append(dst, '-')
	}
	switch {
	case scale <= 0:
		dst = append(dst, digits...)
		for ; scale < 0; scale++ {
			dst = append(dst, '0')
		}
	case len(digits) > scale:
		dst = append(dst, digits[:len(digits)-scale]...)
		dst = append(dst, '.')
		dst = append(dst, digits[len(digits)-scale:]...)
	default:
		dst = append(dst, '0', '.')
		for k := len(digits); k < scale; k++ {
			dst = append(dst, '0')
		}
		dst = append(dst, digits...)
	}
	return dst
}

// appendFloat appends f as the shortest JSON number text that reads back
// as f in its width (32 or 64): integers without a fraction or exponent
// up to 1e21, as encoding/json and JavaScript write them.
func appendFloat(dst []byte, f float64, width int) []byte {
	if width == 64 {
		// Most values are prices and measures of a few decimals: when
		// f*1e6 is an integer n below 1e15 and n/1e6 rounds back to f, the
		// decimal n·10⁻⁶ has at most 15 significant digits, so it is the
		// one such decimal rounding to f and thus the shortest text
		// strconv would write; written directly it costs a third as much.
		if v := f * 1e6; v != 0 && v > -1e15 && v < 1e15 {
			if n := int64(v); float64(n) == v && float64(n)/1e6 == f {
				return appendMicros(dst, n)
			}
		}
	}
	abs := f
	if abs < 0 {
		abs = -abs
	}
	format := byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	dst = strconv.AppendFloat(dst, f, format, -1, width)
	if format == 'e' {
		// 1e-07 -> 1e-7, as encoding/json writes it.
		if n := len(dst); n >= 4 && dst[n-4] == 'e' && dst[n-3] == '-' && dst[n-2] == '0' {
			dst[n-2] = dst[n-1]
			dst = dst[:n-1]
		}
	}
	return dst
}

// appendMicros appends n·10⁻⁶ as decimal text without trailing zeros
// ("1.0712", "-3", "0.000001").
func appendMicros(dst []byte, n int64) []byte {
	if n < 0 {
		dst = append(dst, '-')
		n = -n
	}
	ip, fp := n/1e6, n%1e6
	dst = strconv.AppendInt(dst, ip, 10)
	if fp == 0 {
		return dst
	}
	var buf [7]byte
	buf[0] = '.'
	end := 7
	for i := 6; i > 0; i-- {
		buf[i] = byte('0' + fp%10)
		fp /= 10
	}
	for buf[end-1] == '0' {
		end--
	}
	return append(dst, buf[:end]...)
}
