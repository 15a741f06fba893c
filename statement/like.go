package statement

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/apache/arrow-adbc/go/adbc"

	"github.com/kafarr/kafarr/internal/sqlparse"
)

// likeMatcher matches strings against a LIKE or ILIKE pattern: % matches
// any run of characters, _ exactly one character (not byte), and the
// ESCAPE character, when given, makes the character after it literal.
// There is no default escape character (as in DuckDB and the SQL
// standard; PostgreSQL's default is backslash). LIKE is case-sensitive;
// ILIKE folds case with Unicode simple case folding.
//
// A pattern of literal text and % only is matched with string searches
// (a prefix, a suffix and the pieces between found in order, which is
// exact for %), anything else with a compiled regular expression; both
// run in time linear in the string.
type likeMatcher struct {
	pieces []string // the literal text between %s, when simple
	re     *regexp.Regexp
}

// newLikeMatcher compiles the pattern of t, an OpLike or OpILike term
// whose pattern is a string.
func newLikeMatcher(t *sqlparse.Term, sql string) (*likeMatcher, error) {
	pat := t.Values[0]
	esc := ""
	if len(t.Values) > 1 {
		esc = t.Values[1].Str
	}
	var (
		pieces  []string
		cur     strings.Builder
		re      strings.Builder
		simple  = t.Op == sqlparse.OpLike
		escaped bool
	)
	re.WriteString(`\A(?s`)
	if t.Op == sqlparse.OpILike {
		re.WriteString("i")
	}
	re.WriteString(":")
	for _, r := range pat.Str {
		switch {
		case escaped:
			escaped = false
			cur.WriteRune(r)
			re.WriteString(regexp.QuoteMeta(string(r)))
		case esc != "" && string(r) == esc:
			escaped = true
		case r == '%':
			pieces = append(pieces, cur.String())
			cur.Reset()
			re.WriteString(".*")
		case r == '_':
			simple = false
			re.WriteString(".")
		default:
			cur.WriteRune(r)
			re.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	pieces = append(pieces, cur.String())
	re.WriteString(`)\z`)
	if simple {
		return &likeMatcher{pieces: pieces}, nil
	}
	compiled, err := regexp.Compile(re.String())
	if err != nil {
		return nil, adbc.Error{Code: adbc.StatusInvalidArgument, Msg: fmt.Sprintf(
			"kafarr: invalid %s pattern %s%s: %v", t.Op, pat, sqlparse.At(sql, pat.Pos), err)}
	}
	return &likeMatcher{re: compiled}, nil
}

// match reports whether s matches the whole pattern.
func (m *likeMatcher) match(s string) bool {
	if m.re != nil {
		return m.re.MatchString(s)
	}
	p := m.pieces
	if len(p) == 1 {
		return s == p[0]
	}
	first, last := p[0], p[len(p)-1]
	if len(s) < len(first)+len(last) || !strings.HasPrefix(s, first) || !strings.HasSuffix(s, last) {
		return false
	}
	s = s[len(first) : len(s)-len(last)]
	for _, piece := range p[1 : len(p)-1] {
		i := strings.Index(s, piece)
		if i < 0 {
			return false
		}
		s = s[i+len(piece):]
	}
	return true
}
