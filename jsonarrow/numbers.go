package jsonarrow

import (
	"math"
	"strconv"
	"unsafe"
)

// pow10 holds the powers of ten that float64 represents exactly.
var pow10 = [...]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

// bytesString views b as a string without copying, for parsers that do
// not keep it.
func bytesString(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }

// intVal reads a number that must be an integer no less than -negMax and
// no greater than posMax (magnitudes, so that uint64 fits), and returns its
// sign and magnitude. Integer literals of up to 18 digits take a fast
// path; anything else (a fraction, an exponent, more digits) is converted
// exactly, so 1.0 and 2e3 are integers and 1.5 is not.
func (s *scanner) intVal(negMax, posMax uint64, typ string) (neg bool, mag uint64, ok bool) {
	buf := s.buf
	start := s.pos
	i := start
	if buf[i] == '-' {
		neg = true
		i++
	}
	j := i
	var v uint64
	for j < len(buf) && j-i < 19 && isDigit(buf[j]) {
		v = v*10 + uint64(buf[j]-'0')
		j++
	}
	var text []byte
	if n := j - i; n > 0 && n <= 18 && (buf[i] != '0' || n == 1) &&
		(j >= len(buf) || (buf[j] != '.' && buf[j] != 'e' && buf[j] != 'E' && !isDigit(buf[j]))) {
		s.pos = j
		mag = v
		if neg && mag <= negMax || !neg && mag <= posMax {
			return neg, mag, true
		}
		text = buf[start:j]
	} else {
		if text, _ = s.num(); s.err != nil {
			return false, 0, false
		}
		var msg string
		if neg, mag, msg = exactInteger(text); msg != "" {
			s.failAt(start, false, msg)
			return false, 0, false
		}
		if neg && mag <= negMax || !neg && mag <= posMax {
			return neg, mag, true
		}
	}
	s.failAt(start, false, string(text)+" is out of range for "+typ)
	return false, 0, false
}

// splitNumber splits the text of a JSON number into its sign and its
// significant digits, from the first non-zero one to the last (possibly
// with a '.' inside; empty for zero), and the power of ten that turns
// those digits, read as an integer, into the number's value. exactInteger
// and decimalDigits share it, so that both read a number's digits alike.
func splitNumber(text []byte) (neg bool, digits []byte, pow int) {
	i := 0
	if text[0] == '-' {
		neg = true
		i++
	}
	mant := text[i:]
	exp := 0
	for k, c := range mant {
		if c == 'e' || c == 'E' {
			e := mant[k+1:]
			mant = mant[:k]
			sign := 1
			if e[0] == '+' || e[0] == '-' {
				if e[0] == '-' {
					sign = -1
				}
				e = e[1:]
			}
			for _, d := range e {
				if exp < 1_000_000 {
					exp = exp*10 + int(d-'0')
				}
			}
			exp *= sign
			break
		}
	}
	fracLen := 0
	for k, c := range mant {
		if c == '.' {
			fracLen = len(mant) - k - 1
			break
		}
	}
	first, last := -1, -1
	for k, c := range mant {
		if c != '.' && c != '0' {
			if first < 0 {
				first = k
			}
			last = k
		}
	}
	if first < 0 {
		return neg, nil, 0
	}
	trailing := 0
	for _, c := range mant[last+1:] {
		if c != '.' {
			trailing++
		}
	}
	return neg, mant[first : last+1], exp - fracLen + trailing
}

// exactInteger converts the JSON number text to an integer's sign and
// magnitude when its value is an integer that fits uint64; else msg says
// why not.
func exactInteger(text []byte) (neg bool, mag uint64, msg string) {
	neg, digits, scale := splitNumber(text)
	if digits == nil {
		return neg, 0, ""
	}
	if scale < 0 {
		return false, 0, string(text) + " is not an integer"
	}
	const limit = math.MaxUint64 / 10
	var v uint64
	for _, c := range digits {
		if c == '.' {
			continue
		}
		d := uint64(c - '0')
		if v > limit || v*10 > math.MaxUint64-d {
			return false, 0, string(text) + " is out of range"
		}
		v = v*10 + d
	}
	for ; scale > 0; scale-- {
		if v > limit {
			return false, 0, string(text) + " is out of range"
		}
		v *= 10
	}
	return neg, v, ""
}

// floatVal reads a number as a float64, correctly rounded. Numbers whose
// digits make an integer of at most 2^53 and whose decimal exponent is
// within ±22 take the
// exact fast path (one IEEE multiplication or division of two exact
// values); the rest go to strconv.ParseFloat. A number beyond float64's
// range is an error.
func (s *scanner) floatVal() (float64, bool) {
	buf := s.buf
	start := s.pos
	i := start
	neg := false
	if buf[i] == '-' {
		neg = true
		i++
	}
	// Up to 19 digits accumulate in mant without overflow; the fast
	// path then needs mant exact in a float64 (at most 2^53).
	var mant uint64
	digitsStart := i
	fast := i < len(buf) && isDigit(buf[i])
	if fast && buf[i] == '0' {
		i++
		fast = i >= len(buf) || !isDigit(buf[i])
	} else {
		for ; i < len(buf); i++ {
			d := buf[i] - '0'
			if d > 9 {
				break
			}
			mant = mant*10 + uint64(d)
		}
	}
	nd, frac, exp := i-digitsStart, 0, 0
	if fast && i < len(buf) && buf[i] == '.' {
		i++
		fracStart := i
		for ; i < len(buf); i++ {
			d := buf[i] - '0'
			if d > 9 {
				break
			}
			mant = mant*10 + uint64(d)
		}
		frac = i - fracStart
		nd += frac
		fast = frac > 0
	}
	if fast && i < len(buf) && (buf[i] == 'e' || buf[i] == 'E') {
		i++
		esign := 1
		if i < len(buf) && (buf[i] == '+' || buf[i] == '-') {
			if buf[i] == '-' {
				esign = -1
			}
			i++
		}
		fast = i < len(buf) && isDigit(buf[i])
		for k := 0; fast && i < len(buf) && isDigit(buf[i]); i++ {
			exp = exp*10 + int(buf[i]-'0')
			if k++; k > 3 {
				fast = false
			}
		}
		exp *= esign
	}
	fast = fast && nd <= 19 && mant <= 1<<53
	if fast {
		var f float64
		switch e10 := exp - frac; {
		case e10 == 0:
			f = float64(mant)
		case e10 > 0 && e10 <= 22:
			f = float64(mant) * pow10[e10]
		case e10 < 0 && e10 >= -22:
			f = float64(mant) / pow10[-e10]
		default:
			fast = false
		}
		if fast {
			if neg {
				f = -f
			}
			s.pos = i
			return f, true
		}
	}
	s.pos = start
	text, _ := s.num()
	if s.err != nil {
		return 0, false
	}
	f, err := strconv.ParseFloat(bytesString(text), 64)
	if err != nil {
		s.failAt(start, false, string(text)+" is out of range for float64")
		return 0, false
	}
	return f, true
}

// float32Val reads a number as a float32, rounded once from its text.
func (s *scanner) float32Val() (float32, bool) {
	start := s.pos
	text, _ := s.num()
	if s.err != nil {
		return 0, false
	}
	f, err := strconv.ParseFloat(bytesString(text), 32)
	if err != nil {
		s.failAt(start, false, string(text)+" is out of range for float32")
		return 0, false
	}
	return float32(f), true
}
