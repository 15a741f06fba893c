package jsonarrow

import (
	"encoding/binary"
	"fmt"
	"math/bits"
	"unicode/utf8"
)

// DefaultMaxDepth bounds the nesting of objects and arrays in one message
// (the top-level object is level 1) when Options.MaxDepth is 0. Deeper
// input is a DecodeError whether its values are read or skipped, so a
// hostile message cannot exhaust the stack.
const DefaultMaxDepth = 64

// scanner reads one JSON text. Methods leave pos after what they read;
// on failure they set err (the first failure wins) and the caller returns
// at once.
type scanner struct {
	buf      []byte
	pos      int
	depth    int
	maxDepth int
	err      *DecodeError
}

func (s *scanner) failAt(pos int, syntax bool, msg string) {
	if s.err == nil {
		s.err = &DecodeError{Offset: pos, Syntax: syntax, Msg: msg}
	}
}

func (s *scanner) syntaxf(format string, args ...any) {
	s.failAt(s.pos, true, fmt.Sprintf(format, args...))
}

// unexpected reports the byte at pos, which cannot start or continue
// what the caller is reading.
func (s *scanner) unexpected(what string) {
	if s.pos >= len(s.buf) {
		s.syntaxf("unexpected end of data, expected %s", what)
		return
	}
	c := s.buf[s.pos]
	if c >= 0x20 && c < 0x7f {
		s.syntaxf("invalid character %q, expected %s", c, what)
	} else {
		s.syntaxf("invalid byte 0x%02x, expected %s", c, what)
	}
}

// mismatch reports a value of kind got (the byte that starts it) where the
// column wants want. A byte that starts no JSON value is a syntax error.
func (s *scanner) mismatch(want string, got byte) {
	kind := kindName(got)
	if kind == "" {
		s.unexpected("a value")
		return
	}
	s.failAt(s.pos, false, "expected "+want+", got "+kind)
}

// kindName names the kind of JSON value that c starts, or "" if none.
func kindName(c byte) string {
	switch c {
	case '"':
		return "string"
	case '{':
		return "object"
	case '[':
		return "array"
	case 't', 'f':
		return "boolean"
	case 'n':
		return "null"
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		return "number"
	}
	return ""
}

// ws skips whitespace and returns the next byte, 0 at the end.
func (s *scanner) ws() byte {
	if s.pos < len(s.buf) {
		if c := s.buf[s.pos]; c > ' ' {
			return c
		}
	}
	return s.wsSlow()
}

func (s *scanner) wsSlow() byte {
	buf, i := s.buf, s.pos
	for ; i < len(buf); i++ {
		c := buf[i]
		if c > ' ' || (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
			s.pos = i
			return c
		}
	}
	s.pos = i
	return 0
}

// enter counts one more level of nesting at an object or array.
func (s *scanner) enter() bool {
	s.depth++
	if s.depth > s.maxDepth {
		s.syntaxf("objects and arrays nest deeper than %d levels", s.maxDepth)
		return false
	}
	return true
}

// lit reads the literal word (true, false, null) at pos.
func (s *scanner) lit(word string) bool {
	if len(s.buf)-s.pos >= len(word) && string(s.buf[s.pos:s.pos+len(word)]) == word {
		s.pos += len(word)
		return true
	}
	s.unexpected("a value")
	return false
}

// strPlain marks the bytes a string holds as they are: printable ASCII
// other than the quote and the backslash.
var strPlain = func() (t [256]bool) {
	for c := 0x20; c < 0x80; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

var hexVal = func() (t [256]int8) {
	for i := range t {
		t[i] = -1
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = int8(c - '0')
	}
	for c := 'a'; c <= 'f'; c++ {
		t[c] = int8(c - 'a' + 10)
		t[c-'a'+'A'] = int8(c - 'a' + 10)
	}
	return t
}()

// plainRun returns the index of the first byte from i on that a string
// cannot hold as it is (see strPlain), or len(b). It tests eight bytes at a
// time: a byte below 0x20, a quote, a backslash or a high bit sets the
// high bit of its lane in the mask, and borrows only run towards higher
// lanes, so the lowest set lane is the first such byte.
func plainRun(b []byte, i int) int {
	const (
		ones  = 0x0101010101010101
		highs = 0x8080808080808080
	)
	for i+8 <= len(b) {
		v := binary.LittleEndian.Uint64(b[i:])
		q := v ^ (ones * '"')
		bs := v ^ (ones * '\\')
		m := ((v-ones*0x20)&^v | (q-ones)&^q | (bs-ones)&^bs | v) & highs
		if m != 0 {
			return i + bits.TrailingZeros64(m)/8
		}
		i += 8
	}
	for i < len(b) && strPlain[b[i]] {
		i++
	}
	return i
}

// str reads the string whose opening quote is at pos, checking escapes and
// UTF-8, and returns its raw content (escapes unresolved) and whether it
// holds escapes. The content aliases buf.
func (s *scanner) str() (raw []byte, escaped bool) {
	buf := s.buf
	start := s.pos + 1
	i := start
	for {
		i = plainRun(buf, i)
		if i >= len(buf) {
			s.pos = i
			s.syntaxf("unexpected end of data in a string")
			return nil, false
		}
		switch c := buf[i]; {
		case c == '"':
			s.pos = i + 1
			return buf[start:i], escaped
		case c == '\\':
			escaped = true
			if i+1 >= len(buf) {
				s.pos = i + 1
				s.syntaxf("unexpected end of data in a string")
				return nil, false
			}
			switch buf[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+6 > len(buf) || hexVal[buf[i+2]]|hexVal[buf[i+3]]|hexVal[buf[i+4]]|hexVal[buf[i+5]] < 0 {
					s.pos = i
					s.syntaxf(`invalid \u escape in a string`)
					return nil, false
				}
				i += 6
			default:
				s.pos = i
				s.syntaxf("invalid escape %q in a string", buf[i:i+2])
				return nil, false
			}
		case c < 0x20:
			s.pos = i
			s.syntaxf("control character 0x%02x in a string", c)
			return nil, false
		default:
			r, size := utf8.DecodeRune(buf[i:])
			if r == utf8.RuneError && size == 1 {
				s.pos = i
				s.syntaxf("invalid UTF-8 in a string")
				return nil, false
			}
			i += size
		}
	}
}

// unescape writes the string content raw, which str checked, to dst with
// its escapes resolved, and returns the bytes written: never more than
// len(raw). A lone surrogate escape becomes U+FFFD.
func unescape(dst, raw []byte) int {
	n := 0
	for i := 0; i < len(raw); {
		c := raw[i]
		if c != '\\' {
			dst[n] = c
			n++
			i++
			continue
		}
		switch raw[i+1] {
		case 'b':
			dst[n] = '\b'
		case 'f':
			dst[n] = '\f'
		case 'n':
			dst[n] = '\n'
		case 'r':
			dst[n] = '\r'
		case 't':
			dst[n] = '\t'
		case 'u':
			r := hex4(raw[i+2:])
			i += 6
			if utf16IsHigh(r) && i+6 <= len(raw) && raw[i] == '\\' && raw[i+1] == 'u' {
				if lo := hex4(raw[i+2:]); utf16IsLow(lo) {
					r = 0x10000 + (r-0xd800)<<10 + (lo - 0xdc00)
					i += 6
				}
			}
			if r >= 0xd800 && r < 0xe000 {
				r = utf8.RuneError
			}
			n += utf8.EncodeRune(dst[n:], r)
			continue
		default: // '"', '\\', '/'
			dst[n] = raw[i+1]
		}
		n++
		i += 2
	}
	return n
}

func hex4(b []byte) rune {
	return rune(hexVal[b[0]])<<12 | rune(hexVal[b[1]])<<8 | rune(hexVal[b[2]])<<4 | rune(hexVal[b[3]])
}

func utf16IsHigh(r rune) bool { return r >= 0xd800 && r < 0xdc00 }
func utf16IsLow(r rune) bool  { return r >= 0xdc00 && r < 0xe000 }

// num reads the number at pos, checking JSON's grammar, and returns its
// text and whether it is an integer literal (no fraction, no exponent).
func (s *scanner) num() (text []byte, integral bool) {
	buf := s.buf
	start := s.pos
	i := start
	if i < len(buf) && buf[i] == '-' {
		i++
	}
	switch {
	case i < len(buf) && buf[i] == '0':
		i++
	case i < len(buf) && buf[i] >= '1' && buf[i] <= '9':
		for i++; i < len(buf) && isDigit(buf[i]); i++ {
		}
	default:
		s.pos = i
		s.unexpected("a digit")
		return nil, false
	}
	integral = true
	if i < len(buf) && buf[i] == '.' {
		integral = false
		i++
		if i >= len(buf) || !isDigit(buf[i]) {
			s.pos = i
			s.unexpected("a digit")
			return nil, false
		}
		for i++; i < len(buf) && isDigit(buf[i]); i++ {
		}
	}
	if i < len(buf) && (buf[i] == 'e' || buf[i] == 'E') {
		integral = false
		i++
		if i < len(buf) && (buf[i] == '+' || buf[i] == '-') {
			i++
		}
		if i >= len(buf) || !isDigit(buf[i]) {
			s.pos = i
			s.unexpected("a digit")
			return nil, false
		}
		for i++; i < len(buf) && isDigit(buf[i]); i++ {
		}
	}
	s.pos = i
	return buf[start:i], integral
}

func isDigit(c byte) bool { return c-'0' < 10 }

// skip reads one value of any kind, checking it, and returns where it
// starts; pos is then after it.
func (s *scanner) skip() int {
	c := s.ws()
	start := s.pos
	switch c {
	case '"':
		s.str()
	case '{':
		s.skipObject()
	case '[':
		s.skipArray()
	case 't':
		s.lit("true")
	case 'f':
		s.lit("false")
	case 'n':
		s.lit("null")
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		s.num()
	default:
		s.unexpected("a value")
	}
	return start
}

func (s *scanner) skipObject() {
	if !s.enter() {
		return
	}
	s.pos++
	c := s.ws()
	if c == '}' {
		s.pos++
		s.depth--
		return
	}
	for {
		if c != '"' {
			s.unexpected("a property name")
			return
		}
		if s.str(); s.err != nil {
			return
		}
		if s.ws() != ':' {
			s.unexpected("':'")
			return
		}
		s.pos++
		if s.skip(); s.err != nil {
			return
		}
		switch s.ws() {
		case ',':
			s.pos++
			c = s.ws()
		case '}':
			s.pos++
			s.depth--
			return
		default:
			s.unexpected("',' or '}'")
			return
		}
	}
}

func (s *scanner) skipArray() {
	if !s.enter() {
		return
	}
	s.pos++
	if s.ws() == ']' {
		s.pos++
		s.depth--
		return
	}
	for {
		if s.skip(); s.err != nil {
			return
		}
		switch s.ws() {
		case ',':
			s.pos++
		case ']':
			s.pos++
			s.depth--
			return
		default:
			s.unexpected("',' or ']'")
			return
		}
	}
}

// end checks that only whitespace follows the value.
func (s *scanner) end() {
	if s.err != nil {
		return
	}
	if s.ws(); s.pos < len(s.buf) {
		s.unexpected("the end of the message after the value")
	}
}
