package sqlparse

import (
	"testing"
	"time"
)

// lexAll scans src to the end (or the first illegal token, included).
func lexAll(src string) []token {
	l := lexer{src: src}
	var out []token
	for {
		t := l.next()
		out = append(out, t)
		if t.kind == tokEOF || t.kind == tokIllegal {
			return out
		}
	}
}

func TestLexerTokens(t *testing.T) {
	type tk struct {
		kind tokKind
		text string
		val  string
	}
	tests := []struct {
		src  string
		want []tk
	}{
		{"", nil},
		{"  \t\n ", nil},
		{"SELECT a_1, _b FROM x", []tk{{tokIdent, "SELECT", ""}, {tokIdent, "a_1", ""}, {tokOp, ",", ""}, {tokIdent, "_b", ""}, {tokIdent, "FROM", ""}, {tokIdent, "x", ""}}},
		{"prix_été", []tk{{tokIdent, "prix_été", ""}}},
		{`"a""b" ` + "`c``d`", []tk{{tokQuotedIdent, `"a""b"`, `a"b`}, {tokQuotedIdent, "`c``d`", "c`d"}}},
		{`'it''s' ''`, []tk{{tokString, `'it''s'`, "it's"}, {tokString, `''`, ""}}},
		{"'a\nb'", []tk{{tokString, "'a\nb'", "a\nb"}}},
		{"12 1.5 .5 1. 1e3 2E-7 3e+2", []tk{{tokNumber, "12", ""}, {tokNumber, "1.5", ""}, {tokNumber, ".5", ""}, {tokNumber, "1.", ""}, {tokNumber, "1e3", ""}, {tokNumber, "2E-7", ""}, {tokNumber, "3e+2", ""}}},
		{"-1", []tk{{tokOp, "-", ""}, {tokNumber, "1", ""}}},
		{"<= >= <> != < > = ( ) , . ; * + / % || ::", []tk{{tokOp, "<=", ""}, {tokOp, ">=", ""}, {tokOp, "<>", ""}, {tokOp, "!=", ""}, {tokOp, "<", ""}, {tokOp, ">", ""}, {tokOp, "=", ""}, {tokOp, "(", ""}, {tokOp, ")", ""}, {tokOp, ",", ""}, {tokOp, ".", ""}, {tokOp, ";", ""}, {tokOp, "*", ""}, {tokOp, "+", ""}, {tokOp, "/", ""}, {tokOp, "%", ""}, {tokOp, "||", ""}, {tokOp, "::", ""}}},
		{"? $12 :name", []tk{{tokParam, "?", ""}, {tokParam, "$12", ""}, {tokParam, ":name", ""}}},
		{"a -- comment\nb /* block\n */ c --end", []tk{{tokIdent, "a", ""}, {tokIdent, "b", ""}, {tokIdent, "c", ""}}},
		{"a.b", []tk{{tokIdent, "a", ""}, {tokOp, ".", ""}, {tokIdent, "b", ""}}},
		// Errors end the stream with an illegal token carrying the reason.
		{"'open", []tk{{tokIllegal, "'open", "unterminated string literal"}}},
		{`"open`, []tk{{tokIllegal, `"open`, "unterminated quoted identifier"}}},
		{`""`, []tk{{tokIllegal, `""`, "empty quoted identifier"}}},
		{"a /* open", []tk{{tokIdent, "a", ""}, {tokIllegal, "/* open", "unterminated /* comment"}}},
		{"12abc", []tk{{tokIllegal, "12abc", "malformed number: letters after digits"}}},
		{"1e+", []tk{{tokIllegal, "1e+", "malformed number: exponent has no digits"}}},
		{"#", []tk{{tokIllegal, "#", "unexpected character '#'"}}},
		{"$x", []tk{{tokIllegal, "$", "unexpected character '$'"}}},
		{"\x01", []tk{{tokIllegal, "\x01", "unexpected control character 0x01"}}},
		{"\xff", []tk{{tokIllegal, "\xff", "invalid UTF-8 byte 0xFF"}}},
		{"\u00a0", []tk{{tokIllegal, "\u00a0", "unexpected character U+00A0 '\\u00a0'"}}},
	}
	for _, tt := range tests {
		got := lexAll(tt.src)
		if last := got[len(got)-1]; last.kind == tokEOF {
			got = got[:len(got)-1]
		}
		if len(got) != len(tt.want) {
			t.Errorf("lex(%q): got %d tokens %+v, want %d", tt.src, len(got), got, len(tt.want))
			continue
		}
		for i, w := range tt.want {
			g := got[i]
			if g.kind != w.kind || g.text != w.text || g.val != w.val {
				t.Errorf("lex(%q) token %d = {%d %q %q}, want {%d %q %q}", tt.src, i, g.kind, g.text, g.val, w.kind, w.text, w.val)
			}
			if tt.src[g.pos:g.end] != g.text {
				t.Errorf("lex(%q) token %d: src[%d:%d] = %q, text %q", tt.src, i, g.pos, g.end, tt.src[g.pos:g.end], g.text)
			}
		}
	}
}

func TestLexerTopic(t *testing.T) {
	tests := []struct {
		src      string
		wantOK   bool
		wantName string // text for unquoted, val for quoted
		wantRest string // source after the name
	}{
		{"orders.v1 WHERE", true, "orders.v1", " WHERE"},
		{"ticks-eu;", true, "ticks-eu", ";"},
		{"  2024-01.x_y", true, "2024-01.x_y", ""},
		{"t--comment", true, "t", "--comment"},
		{`"orders.v1" x`, true, "orders.v1", " x"},
		{"`a b`", true, "a b", ""},
		{"(SELECT", false, "(", "SELECT"},
		{"'x'", false, "'x'", ""},
		{"", false, "", ""},
	}
	for _, tt := range tests {
		l := lexer{src: tt.src}
		tok, ok := l.topic()
		name := tok.text
		if tok.kind == tokQuotedIdent {
			name = tok.val
		}
		if ok != tt.wantOK || name != tt.wantName || tt.src[l.pos:] != tt.wantRest {
			t.Errorf("topic(%q) = %q, %v, rest %q; want %q, %v, rest %q", tt.src, name, ok, tt.src[l.pos:], tt.wantName, tt.wantOK, tt.wantRest)
		}
	}
}

func TestLineCol(t *testing.T) {
	src := "SELECT *\nFROM t\n  WHERE é = 1"
	tests := []struct {
		pos, line, col int
	}{
		{0, 1, 1},
		{7, 1, 8},
		{9, 2, 1},
		{16, 3, 1},
		{24, 3, 9}, // 'é' takes two bytes but one column
		{26, 3, 10},
		{-5, 1, 1},
		{1000, 3, 14}, // clamped to the end of input, just past the last character
	}
	for _, tt := range tests {
		line, col := LineCol(src, tt.pos)
		if line != tt.line || col != tt.col {
			t.Errorf("LineCol(%d) = %d:%d, want %d:%d", tt.pos, line, col, tt.line, tt.col)
		}
	}
}

func TestParseTimestamp(t *testing.T) {
	utc := func(y int, mo time.Month, d, h, mi, s, ns int) time.Time {
		return time.Date(y, mo, d, h, mi, s, ns, time.UTC)
	}
	tests := []struct {
		in      string
		want    time.Time
		wantErr string
	}{
		{"2024-01-01 00:00:00", utc(2024, 1, 1, 0, 0, 0, 0), ""},
		{"2024-01-02T03:04:05Z", utc(2024, 1, 2, 3, 4, 5, 0), ""},
		{"2024-01-02t03:04:05z", utc(2024, 1, 2, 3, 4, 5, 0), ""},
		{"2024-01-02 03:04:05.5", utc(2024, 1, 2, 3, 4, 5, 500000000), ""},
		{"2024-01-02 03:04:05.123456789", utc(2024, 1, 2, 3, 4, 5, 123456789), ""},
		{"2024-01-02 03:04:05.000001+02:00", utc(2024, 1, 2, 1, 4, 5, 1000), ""},
		{"2024-01-01 00:30:00-01:30", utc(2024, 1, 1, 2, 0, 0, 0), ""},
		{"2024-02-29", utc(2024, 2, 29, 0, 0, 0, 0), ""},
		{"0000-01-01 00:00:00", utc(0, 1, 1, 0, 0, 0, 0), ""},
		{"9999-12-31 23:59:59.999999999", utc(9999, 12, 31, 23, 59, 59, 999999999), ""},
		{"2023-02-29", time.Time{}, "day out of range for the month"},
		{"2024-13-01 00:00:00", time.Time{}, "month out of range"},
		{"2024-00-01", time.Time{}, "month out of range"},
		{"2024-1-01", time.Time{}, "expected the date as YYYY-MM-DD"},
		{"24-01-01", time.Time{}, "expected the date as YYYY-MM-DD"},
		{"", time.Time{}, "expected the date as YYYY-MM-DD"},
		{"2024-01-01X00:00:00", time.Time{}, "expected ' ' or 'T' between date and time"},
		{"2024-01-01 0:00:00", time.Time{}, "expected the time as HH:MM:SS"},
		{"2024-01-01 00:00", time.Time{}, "expected the time as HH:MM:SS"},
		{"2024-01-01 24:00:00", time.Time{}, "hour out of range"},
		{"2024-01-01 00:60:00", time.Time{}, "minute out of range"},
		{"2024-01-01 00:00:60", time.Time{}, "second out of range"},
		{"2024-01-01 00:00:00.", time.Time{}, "fractional seconds must have 1 to 9 digits"},
		{"2024-01-01 00:00:00.1234567890", time.Time{}, "fractional seconds must have 1 to 9 digits"},
		{"2024-01-01 00:00:00+0100", time.Time{}, "expected Z or ±HH:MM after the time"},
		{"2024-01-01 00:00:00 UTC", time.Time{}, "expected Z or ±HH:MM after the time"},
		{"2024-01-01 00:00:00+24:00", time.Time{}, "zone offset out of range"},
		{"0000-01-01 00:00:00+01:00", time.Time{}, "instant outside the years 0000 to 9999 in UTC"},
		{"9999-12-31 23:00:00-01:00", time.Time{}, "instant outside the years 0000 to 9999 in UTC"},
	}
	for _, tt := range tests {
		got, msg := parseTimestamp(tt.in)
		if msg != tt.wantErr || !got.Equal(tt.want) || (msg == "" && got.Location() != time.UTC) {
			t.Errorf("parseTimestamp(%q) = %v, %q; want %v, %q", tt.in, got, msg, tt.want, tt.wantErr)
		}
	}
}

func TestParseDate(t *testing.T) {
	tests := []struct {
		in      string
		want    time.Time
		wantErr string
	}{
		{"2024-03-31", time.Date(2024, 3, 31, 0, 0, 0, 0, time.UTC), ""},
		{"2024-04-31", time.Time{}, "day out of range for the month"},
		{"2024-04-30 00:00:00", time.Time{}, "unexpected text after the date"},
		{"2024/04/30", time.Time{}, "expected the date as YYYY-MM-DD"},
	}
	for _, tt := range tests {
		got, msg := parseDate(tt.in)
		if msg != tt.wantErr || !got.Equal(tt.want) {
			t.Errorf("parseDate(%q) = %v, %q; want %v, %q", tt.in, got, msg, tt.want, tt.wantErr)
		}
	}
}
