package jsonarrow

import (
	"encoding/binary"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/decimal256"

	"github.com/kafarr/kafarr/avroarrow"
)

// decimal reads a number, or a string holding one, into a decimal column
// exactly: a value with more fraction digits than the scale, or more
// digits than the precision, is an error rather than rounded.
func (s *scanner) decimal(n *node, c *avroarrow.Column, ch byte) {
	start := s.pos
	var text []byte
	switch {
	case ch == '"':
		raw, esc := s.str()
		if s.err != nil {
			return
		}
		t := scanner{buf: raw, maxDepth: 1}
		if len(raw) > 0 && !esc {
			t.num()
		}
		if esc || len(raw) == 0 || t.err != nil || t.pos != len(raw) {
			s.failAt(start, false, fmt.Sprintf("%q is not a decimal number", raw))
			return
		}
		text = raw
	case ch == '-' || isDigit(ch):
		if text, _ = s.num(); s.err != nil {
			return
		}
	default:
		s.mismatch(n.want, ch)
		return
	}
	neg, digits, nd, scale, msg := decimalDigits(text, int(n.scale))
	if msg == "" && nd+scale > int(n.precision) {
		msg = fmt.Sprintf("%s is out of range for decimal(%d, %d)", text, n.precision, n.scale)
	}
	if msg != "" {
		s.failAt(start, false, msg)
		return
	}
	var b [32]byte
	if !n.wide {
		v := decimal128.Num{}
		ten := decimal128.FromU64(10)
		for _, d := range digits {
			if d != '.' {
				v = v.Mul(ten).Add(decimal128.FromU64(uint64(d - '0')))
			}
		}
		for ; scale > 0; scale-- {
			v = v.Mul(ten)
		}
		if neg {
			v = v.Negate()
		}
		binary.LittleEndian.PutUint64(b[0:], v.LowBits())
		binary.LittleEndian.PutUint64(b[8:], uint64(v.HighBits()))
		c.AppendFixed(b[:16])
		return
	}
	v := decimal256.Num{}
	ten := decimal256.FromU64(10)
	for _, d := range digits {
		if d != '.' {
			v = v.Mul(ten).Add(decimal256.FromU64(uint64(d - '0')))
		}
	}
	for ; scale > 0; scale-- {
		v = v.Mul(ten)
	}
	if neg {
		v = v.Negate()
	}
	for i, w := range v.Array() {
		binary.LittleEndian.PutUint64(b[i*8:], w)
	}
	c.AppendFixed(b[:])
}

// decimalDigits splits the JSON number text into its sign, its significant
// digits (from the first non-zero one to the last one the value needs,
// possibly with a '.' inside) and the power of ten to multiply them by to
// get the unscaled value at the target scale; nd counts the digits. msg
// says why the number cannot be held exactly at that scale.
func decimalDigits(text []byte, target int) (neg bool, digits []byte, nd, scale int, msg string) {
	neg, digits, pow := splitNumber(text)
	if digits == nil {
		return false, nil, 0, 0, ""
	}
	scale = pow + target
	if scale < 0 {
		return false, nil, 0, 0, fmt.Sprintf("%s has more than %d decimal places", text, target)
	}
	nd = len(digits)
	for _, c := range digits {
		if c == '.' {
			nd--
		}
	}
	return neg, digits, nd, min(scale, 1000), ""
}
