package sqlparse

import (
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// tokKind classifies a lexical token of kafarr's SQL subset.
type tokKind uint8

const (
	tokEOF         tokKind = iota // end of input
	tokIllegal                    // a lexical error; token.val says why
	tokIdent                      // unquoted identifier or keyword, case preserved
	tokQuotedIdent                // "name" or `name`; token.val is the unescaped name
	tokNumber                     // 12, 1.5, 1e3, .5 (never signed: the sign is an operator)
	tokString                     // 'text'; token.val is the unescaped text
	tokParam                      // a bind parameter: ?, $1 or :name
	tokOp                         // punctuation or operator; token.text is the symbol
)

// token is one lexical token. Positions are byte offsets into the source.
type token struct {
	kind tokKind
	pos  int    // offset of the first byte
	end  int    // offset just past the last byte
	text string // the token as written
	val  string // unescaped value (quoted identifiers, strings) or error detail (tokIllegal)
}

// is reports whether t is the operator or punctuation sym.
func (t token) is(sym string) bool { return t.kind == tokOp && t.text == sym }

// isKeyword reports whether t is the unquoted word kw, compared without case.
// kw must be upper case.
func (t token) isKeyword(kw string) bool {
	return t.kind == tokIdent && len(t.text) == len(kw) && strings.EqualFold(t.text, kw)
}

// lexer splits SQL text into tokens on demand. It is a plain value (source
// plus offset) so the parser can copy it to look ahead and rewind it to re-scan
// a topic name, which has its own lexical rules.
type lexer struct {
	src string
	pos int
}

// next scans the token at the current offset and moves past it. A lexical
// error does not stop the lexer: it returns a tokIllegal token and the parser
// reports it only if it ever needs that token.
func (l *lexer) next() token {
	if t, ok := l.skipSpace(); !ok {
		return t
	}
	if l.pos >= len(l.src) {
		return token{kind: tokEOF, pos: len(l.src), end: len(l.src)}
	}
	start := l.pos
	c := l.src[l.pos]
	switch {
	case isIdentStart(c):
		l.pos++
		l.scanIdentRest()
		return l.tok(tokIdent, start, "")
	case c >= utf8.RuneSelf:
		r, size := utf8.DecodeRuneInString(l.src[l.pos:])
		if r == utf8.RuneError && size <= 1 {
			l.pos++
			return l.illegal(start, "invalid UTF-8 byte 0x%02X", c)
		}
		if !unicode.IsLetter(r) {
			l.pos += size
			return l.illegal(start, "unexpected character %U %q", r, r)
		}
		l.pos += size
		l.scanIdentRest()
		return l.tok(tokIdent, start, "")
	case isDigit(c) || (c == '.' && l.pos+1 < len(l.src) && isDigit(l.src[l.pos+1])):
		return l.scanNumber()
	case c == '\'':
		return l.scanQuoted('\'', tokString, "string literal")
	case c == '"':
		return l.scanQuoted('"', tokQuotedIdent, "quoted identifier")
	case c == '`':
		return l.scanQuoted('`', tokQuotedIdent, "quoted identifier")
	case c == '?':
		l.pos++
		return l.tok(tokParam, start, "")
	case c == '$':
		l.pos++
		if l.pos >= len(l.src) || !isDigit(l.src[l.pos]) {
			return l.illegal(start, "unexpected character '$'")
		}
		for l.pos < len(l.src) && isDigit(l.src[l.pos]) {
			l.pos++
		}
		return l.tok(tokParam, start, "")
	case c == ':' && l.pos+1 < len(l.src) && isIdentStart(l.src[l.pos+1]):
		l.pos += 2
		l.scanIdentRest()
		return l.tok(tokParam, start, "")
	}
	if l.pos+1 < len(l.src) {
		switch two := l.src[l.pos : l.pos+2]; two {
		case "<=", ">=", "<>", "!=", "||", "::":
			l.pos += 2
			return l.tok(tokOp, start, "")
		}
	}
	switch c {
	case '=', '<', '>', '(', ')', ',', '.', ';', '*', '+', '-', '/', '%':
		l.pos++
		return l.tok(tokOp, start, "")
	}
	l.pos++
	if c < ' ' || c == 0x7F {
		return l.illegal(start, "unexpected control character 0x%02X", c)
	}
	return l.illegal(start, "unexpected character %q", c)
}

// topic scans a topic name at the current offset. Unquoted, a topic name is
// a run of Kafka's topic characters [A-Za-z0-9._-], so `orders.v1` and
// `ticks-eu` are one name (pandas' read_sql_table emits names unquoted); the
// run stops before "--" because that starts an SQL comment. A quoted name is
// a normal quoted identifier. ok is false when neither is at the offset; the
// returned token is then whatever next would have returned.
func (l *lexer) topic() (t token, ok bool) {
	if t, ok := l.skipSpace(); !ok {
		return t, false
	}
	start := l.pos
	for l.pos < len(l.src) && isTopicChar(l.src[l.pos]) {
		if l.src[l.pos] == '-' && l.pos+1 < len(l.src) && l.src[l.pos+1] == '-' {
			break
		}
		l.pos++
	}
	if l.pos > start {
		return l.tok(tokIdent, start, l.src[start:l.pos]), true
	}
	t = l.next()
	return t, t.kind == tokQuotedIdent
}

// skipSpace moves past whitespace, "-- line" and "/* block */" comments.
// It returns a tokIllegal token and false on an unterminated block comment.
func (l *lexer) skipSpace() (token, bool) {
	for l.pos < len(l.src) {
		switch c := l.src[l.pos]; {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v':
			l.pos++
		case c == '-' && strings.HasPrefix(l.src[l.pos:], "--"):
			nl := strings.IndexByte(l.src[l.pos:], '\n')
			if nl < 0 {
				l.pos = len(l.src)
			} else {
				l.pos += nl + 1
			}
		case c == '/' && strings.HasPrefix(l.src[l.pos:], "/*"):
			end := strings.Index(l.src[l.pos+2:], "*/")
			if end < 0 {
				start := l.pos
				l.pos = len(l.src)
				return l.illegal(start, "unterminated /* comment"), false
			}
			l.pos += 2 + end + 2
		default:
			return token{}, true
		}
	}
	return token{}, true
}

// scanIdentRest moves past the letters, digits and underscores that continue
// an identifier.
func (l *lexer) scanIdentRest() {
	for l.pos < len(l.src) {
		c := l.src[l.pos]
		if isIdentStart(c) || isDigit(c) {
			l.pos++
			continue
		}
		if c < utf8.RuneSelf {
			return
		}
		r, size := utf8.DecodeRuneInString(l.src[l.pos:])
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			return
		}
		l.pos += size
	}
}

// scanNumber scans digits[.digits][e[+-]digits] or .digits[e[+-]digits]. A
// number running straight into letters (12abc, 1e) is an error rather than
// two tokens, as in PostgreSQL.
func (l *lexer) scanNumber() token {
	start := l.pos
	for l.pos < len(l.src) && isDigit(l.src[l.pos]) {
		l.pos++
	}
	if l.pos < len(l.src) && l.src[l.pos] == '.' {
		l.pos++
		for l.pos < len(l.src) && isDigit(l.src[l.pos]) {
			l.pos++
		}
	}
	if l.pos < len(l.src) && (l.src[l.pos] == 'e' || l.src[l.pos] == 'E') {
		l.pos++
		if l.pos < len(l.src) && (l.src[l.pos] == '+' || l.src[l.pos] == '-') {
			l.pos++
		}
		expStart := l.pos
		for l.pos < len(l.src) && isDigit(l.src[l.pos]) {
			l.pos++
		}
		if l.pos == expStart {
			return l.illegal(start, "malformed number: exponent has no digits")
		}
	}
	if l.pos < len(l.src) && (isIdentStart(l.src[l.pos]) || l.src[l.pos] >= utf8.RuneSelf) {
		l.scanIdentRest()
		return l.illegal(start, "malformed number: letters after digits")
	}
	return l.tok(tokNumber, start, "")
}

// scanQuoted scans a token enclosed in quote, where a doubled quote stands
// for one quote character. Quoted identifiers may not be empty.
func (l *lexer) scanQuoted(quote byte, kind tokKind, what string) token {
	start := l.pos
	l.pos++
	var b strings.Builder
	for {
		i := strings.IndexByte(l.src[l.pos:], quote)
		if i < 0 {
			l.pos = len(l.src)
			return l.illegal(start, "unterminated %s", what)
		}
		b.WriteString(l.src[l.pos : l.pos+i])
		l.pos += i + 1
		if l.pos < len(l.src) && l.src[l.pos] == quote {
			b.WriteByte(quote)
			l.pos++
			continue
		}
		break
	}
	if kind == tokQuotedIdent && b.Len() == 0 {
		return l.illegal(start, "empty quoted identifier")
	}
	return l.tok(kind, start, b.String())
}

func (l *lexer) tok(kind tokKind, start int, val string) token {
	return token{kind: kind, pos: start, end: l.pos, text: l.src[start:l.pos], val: val}
}

func (l *lexer) illegal(start int, format string, args ...any) token {
	return token{kind: tokIllegal, pos: start, end: l.pos, text: l.src[start:l.pos], val: fmt.Sprintf(format, args...)}
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isIdentStart(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_'
}

// isTopicChar reports whether c may appear in a Kafka topic name.
func isTopicChar(c byte) bool {
	return isIdentStart(c) || isDigit(c) || c == '.' || c == '-'
}

// LineCol converts a byte offset in sql, such as ColumnRef.Pos, into a
// 1-based line and a 1-based column counted in characters, for error messages.
func LineCol(sql string, pos int) (line, col int) {
	pos = max(0, min(pos, len(sql)))
	before := sql[:pos]
	line = 1 + strings.Count(before, "\n")
	if nl := strings.LastIndexByte(before, '\n'); nl >= 0 {
		before = before[nl+1:]
	}
	return line, 1 + utf8.RuneCountInString(before)
}

// At renders " (line L, column C)" for the byte offset pos in sql, to follow
// a message about that position; it is empty when sql is.
func At(sql string, pos int) string {
	if sql == "" {
		return ""
	}
	l, c := LineCol(sql, pos)
	return fmt.Sprintf(" (line %d, column %d)", l, c)
}

// parseDate reads the text of a DATE literal, YYYY-MM-DD, as midnight UTC.
// On failure it returns a reason instead.
func parseDate(s string) (time.Time, string) {
	t, rest, msg := parseDatePrefix(s)
	if msg != "" {
		return time.Time{}, msg
	}
	if rest != "" {
		return time.Time{}, "unexpected text after the date"
	}
	return t, ""
}

// parseTimestamp reads the text of a TIMESTAMP literal,
// YYYY-MM-DD[( |T)HH:MM:SS[.f...][Z|±HH:MM]] with 1 to 9 fraction digits.
// Without a zone it is UTC; a date alone is midnight UTC. The result is in
// time.UTC and must fall in the years 0000 to 9999 there. On failure it
// returns a reason instead.
func parseTimestamp(s string) (time.Time, string) {
	day, rest, msg := parseDatePrefix(s)
	if msg != "" || rest == "" {
		return day, msg
	}
	if rest[0] != ' ' && rest[0] != 'T' && rest[0] != 't' {
		return time.Time{}, "expected ' ' or 'T' between date and time"
	}
	rest = rest[1:]
	if len(rest) < 8 || rest[2] != ':' || rest[5] != ':' {
		return time.Time{}, "expected the time as HH:MM:SS"
	}
	hh, ok1 := atoiFixed(rest[0:2])
	mm, ok2 := atoiFixed(rest[3:5])
	ss, ok3 := atoiFixed(rest[6:8])
	switch {
	case !ok1 || !ok2 || !ok3:
		return time.Time{}, "expected the time as HH:MM:SS"
	case hh > 23:
		return time.Time{}, "hour out of range"
	case mm > 59:
		return time.Time{}, "minute out of range"
	case ss > 59:
		return time.Time{}, "second out of range"
	}
	rest = rest[8:]
	nanos := 0
	if rest != "" && rest[0] == '.' {
		n := 1
		for n < len(rest) && isDigit(rest[n]) {
			n++
		}
		digits := rest[1:n]
		if len(digits) == 0 || len(digits) > 9 {
			return time.Time{}, "fractional seconds must have 1 to 9 digits"
		}
		nanos, _ = atoiFixed(digits)
		for range 9 - len(digits) {
			nanos *= 10
		}
		rest = rest[n:]
	}
	offset := 0
	switch {
	case rest == "" || rest == "Z" || rest == "z":
	case len(rest) == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':':
		oh, ok1 := atoiFixed(rest[1:3])
		om, ok2 := atoiFixed(rest[4:6])
		if !ok1 || !ok2 || oh > 23 || om > 59 {
			return time.Time{}, "zone offset out of range"
		}
		offset = (oh*60 + om) * 60
		if rest[0] == '-' {
			offset = -offset
		}
	default:
		return time.Time{}, "expected Z or ±HH:MM after the time"
	}
	t := time.Date(day.Year(), day.Month(), day.Day(), hh, mm, ss, nanos, time.UTC).
		Add(-time.Duration(offset) * time.Second)
	if y := t.Year(); y < 0 || y > 9999 {
		return time.Time{}, "instant outside the years 0000 to 9999 in UTC"
	}
	return t, ""
}

// parseDatePrefix reads YYYY-MM-DD at the start of s and returns the date
// at midnight UTC and the text after it, or a reason it is not a date.
func parseDatePrefix(s string) (t time.Time, rest, msg string) {
	if len(s) < 10 || s[4] != '-' || s[7] != '-' {
		return time.Time{}, "", "expected the date as YYYY-MM-DD"
	}
	y, ok1 := atoiFixed(s[0:4])
	m, ok2 := atoiFixed(s[5:7])
	d, ok3 := atoiFixed(s[8:10])
	switch {
	case !ok1 || !ok2 || !ok3:
		return time.Time{}, "", "expected the date as YYYY-MM-DD"
	case m < 1 || m > 12:
		return time.Time{}, "", "month out of range"
	case d < 1 || d > time.Date(y, time.Month(m)+1, 0, 0, 0, 0, 0, time.UTC).Day():
		return time.Time{}, "", "day out of range for the month"
	}
	return time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC), s[10:], ""
}

// atoiFixed parses s, which must be all ASCII digits (at most 9).
func atoiFixed(s string) (int, bool) {
	n := 0
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return 0, false
		}
		n = n*10 + int(s[i]-'0')
	}
	return n, len(s) > 0
}
