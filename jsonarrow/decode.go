package jsonarrow

import (
	"encoding/binary"
	"fmt"
	"math"
	"strconv"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/kafarr/kafarr/avroarrow"
)

// Options tune a Decoder.
type Options struct {
	// MaxDepth bounds the nesting of objects and arrays in one message;
	// DefaultMaxDepth (64) when 0.
	MaxDepth int
}

// Decoder parses JSON messages into the value columns of an Arrow schema.
// It is compiled once per schema by NewDecoder into a tree of typed steps
// with a property table per object; decoding a message allocates nothing
// (but for decimal256 columns, and for escaped property names over 128 bytes
// and escaped date texts over 64 bytes). A Decoder is immutable and
// safe for concurrent use; each goroutine appends to its own
// avroarrow.BatchBuilder made from Schema.
type Decoder struct {
	schema   *arrow.Schema
	root     *node
	whole    bool // the message is the value of the single column
	maxDepth int
}

// NewDecoder compiles a decoder for the value columns of schema, as
// FromJSONSchema, FromAvro or Infer return it (any Arrow schema of the
// supported types works: see docs/types.md). The message is an object
// whose properties are the columns, unless the schema metadata has
// MetaRoot=RootValue: then the message is the value of its one column.
func NewDecoder(schema *arrow.Schema, opts Options) (*Decoder, error) {
	d := &Decoder{schema: schema, maxDepth: opts.MaxDepth}
	if d.maxDepth <= 0 {
		d.maxDepth = DefaultMaxDepth
	}
	if v, ok := schema.Metadata().GetValue(MetaRoot); ok && v == RootValue {
		if schema.NumFields() != 1 {
			return nil, &SchemaError{Msg: fmt.Sprintf("%s=%s needs exactly one column, not %d", MetaRoot, RootValue, schema.NumFields())}
		}
		d.whole = true
	}
	root, err := compileField(arrow.Field{Name: "", Type: arrow.StructOf(schema.Fields()...)}, "$", 0)
	if err != nil {
		if se, ok := err.(*SchemaError); ok && len(se.Path) > 1 {
			se.Path = se.Path[2:] // "$.a.b" -> "a.b"
		}
		return nil, err
	}
	d.root = root
	return d, nil
}

// Schema returns the value columns the decoder fills. Build the
// BatchBuilder from it.
func (d *Decoder) Schema() *arrow.Schema { return d.schema }

// Decode parses one JSON message (the text after any framing) and appends
// it to b as one row, or, on error, appends nothing. The message is an
// object; JSON null reads as a row of nulls. Errors are *DecodeError, or
// an error saying that b's value columns are not the decoder's.
func (d *Decoder) Decode(body []byte, b *avroarrow.BatchBuilder) error {
	root, err := b.Root(d.schema)
	if err != nil {
		return err
	}
	mark := root.Len()
	s := scanner{buf: body, maxDepth: d.maxDepth}
	switch c := s.ws(); {
	case d.whole:
		s.value(d.root.fields[0], root.Child(0))
		root.AppendStruct()
	case c == '{':
		s.object(d.root, root)
	case c == 'n':
		if s.lit("null") {
			b.AppendNullRow()
		}
	default:
		s.mismatch("object", c)
	}
	s.end()
	if s.err != nil {
		root.Truncate(mark)
		return s.err
	}
	return nil
}

// value reads the value at pos into column c.
func (s *scanner) value(n *node, c *avroarrow.Column) {
	ch := s.ws()
	if ch == 'n' {
		start := s.pos
		if !s.lit("null") {
			return
		}
		if !n.nullable {
			s.failAt(start, false, "expected "+n.want+", got null")
			return
		}
		c.AppendNull()
		return
	}
	switch n.op {
	case opFloat64:
		if ch != '-' && !isDigit(ch) {
			s.mismatch(n.want, ch)
			return
		}
		if f, ok := s.floatVal(); ok {
			c.AppendFloat64(f)
		}
	case opInt:
		if ch != '-' && !isDigit(ch) {
			s.mismatch(n.want, ch)
			return
		}
		neg, mag, ok := s.intVal(n.negMax, n.posMax, n.tname)
		if !ok {
			return
		}
		v := int64(mag)
		if neg {
			v = -v
		}
		appendInt(c, n.width, v)
	case opString:
		if ch != '"' {
			s.mismatch(n.want, ch)
			return
		}
		raw, esc := s.str()
		if s.err != nil {
			return
		}
		if !esc {
			if !c.AppendBytes(raw) {
				s.tooBig()
			}
			return
		}
		slot, ok := c.BytesSlot(len(raw))
		if !ok {
			s.tooBig()
			return
		}
		c.CommitBytes(unescape(slot, raw))
	case opStruct:
		if ch != '{' {
			s.mismatch(n.want, ch)
			return
		}
		s.object(n, c)
	case opList:
		if ch != '[' {
			s.mismatch(n.want, ch)
			return
		}
		s.list(n, c)
	case opBool:
		switch ch {
		case 't':
			if s.lit("true") {
				c.AppendBool(true)
			}
		case 'f':
			if s.lit("false") {
				c.AppendBool(false)
			}
		default:
			s.mismatch(n.want, ch)
		}
	case opJSON:
		start := s.skip()
		if s.err == nil && !c.AppendBytes(s.buf[start:s.pos]) {
			s.tooBig()
		}
	case opNull:
		s.mismatch(n.want, ch)
	default:
		s.rareValue(n, c, ch)
	}
}

// appendInt appends v to an integer column of width bytes (time and date
// columns included).
func appendInt(c *avroarrow.Column, width int, v int64) {
	switch width {
	case 8:
		c.AppendInt64(v)
	case 4:
		c.AppendInt32(int32(v))
	case 2:
		var b [2]byte
		binary.LittleEndian.PutUint16(b[:], uint16(v))
		c.AppendFixed(b[:])
	default:
		c.AppendFixed([]byte{byte(v)})
	}
}

func (s *scanner) tooBig() {
	s.syntaxf("a column holds more than 2 GiB in one batch")
}

// object reads the object at pos into struct column c: each property into
// the child of its name, unknown ones skipped, a repeated one replacing
// the value before, missing ones null (or their default, or an error when
// required).
func (s *scanner) object(n *node, c *avroarrow.Column) {
	if !s.enter() {
		return
	}
	s.pos++
	row := c.Len()
	fields := n.fields
	next := 0
	ch := s.ws()
	if ch != '}' {
		for {
			if ch != '"' {
				s.unexpected("a property name")
				return
			}
			key, esc := s.str()
			if s.err != nil {
				return
			}
			if s.pos < len(s.buf) && s.buf[s.pos] == ':' {
				s.pos++ // the common case, without whitespace
			} else if s.ws() == ':' {
				s.pos++
			} else {
				s.unexpected("':'")
				return
			}
			k := -1
			switch {
			case esc:
				k = n.lookupEscaped(key)
			case next < len(fields) && string(key) == fields[next].name:
				// Properties mostly come in schema order.
				k = next
			default:
				if i, ok := n.index[string(key)]; ok {
					k = i
				}
			}
			if k < 0 {
				if s.skip(); s.err != nil {
					return
				}
			} else {
				f, col := fields[k], c.Child(k)
				if col.Len() != row {
					col.Truncate(row) // a repeated property: the last one wins
				}
				if s.value(f, col); s.err != nil {
					s.err.prependField(f.name)
					return
				}
				next = k + 1
			}
			if s.pos < len(s.buf) && s.buf[s.pos] == ',' {
				s.pos++
				ch = s.ws()
				continue
			}
			ch = s.ws()
			if ch == ',' {
				s.pos++
				ch = s.ws()
				continue
			}
			if ch == '}' {
				break
			}
			s.unexpected("',' or '}'")
			return
		}
	}
	for k, f := range fields {
		if col := c.Child(k); col.Len() == row {
			if s.missing(f, col); s.err != nil {
				s.err.prependField(f.name)
				return
			}
		}
	}
	s.pos++
	s.depth--
	c.AppendStruct()
}

// lookupEscaped finds the property whose name has escapes.
func (n *node) lookupEscaped(raw []byte) int {
	var buf [128]byte
	dst := buf[:]
	if len(raw) > len(buf) {
		dst = make([]byte, len(raw))
	}
	if i, ok := n.index[string(dst[:unescape(dst, raw)])]; ok {
		return i
	}
	return -1
}

// missing fills the column of a property the object lacks.
func (s *scanner) missing(n *node, c *avroarrow.Column) {
	switch {
	case n.def != nil:
		d := scanner{buf: n.def, maxDepth: s.maxDepth}
		if d.value(n, c); d.err != nil {
			s.failAt(s.pos, false, "the property is missing and its default does not fit: "+d.err.Msg)
		}
	case n.required || !n.nullable:
		s.failAt(s.pos, false, "required property is missing")
	default:
		c.AppendNull()
	}
}

// list reads the array at pos into list column c.
func (s *scanner) list(n *node, c *avroarrow.Column) {
	if !s.enter() {
		return
	}
	s.pos++
	items := c.ListValues()
	if s.ws() != ']' {
		for i := 0; ; i++ {
			if s.value(n.elem, items); s.err != nil {
				s.err.prependIndex(strconv.Itoa(i))
				return
			}
			ch := s.ws()
			if ch == ',' {
				s.pos++
				continue
			}
			if ch == ']' {
				break
			}
			s.unexpected("',' or ']'")
			return
		}
	}
	s.pos++
	s.depth--
	c.AppendList()
}

// mapValue reads the object at pos into map column c, one entry per
// property in document order (repeated names included).
func (s *scanner) mapValue(n *node, c *avroarrow.Column) {
	if !s.enter() {
		return
	}
	s.pos++
	keys, vals := c.MapKeys(), c.MapValues()
	ch := s.ws()
	if ch != '}' {
		for {
			if ch != '"' {
				s.unexpected("a property name")
				return
			}
			raw, esc := s.str()
			if s.err != nil {
				return
			}
			if !esc {
				if !keys.AppendBytes(raw) {
					s.tooBig()
					return
				}
			} else if slot, ok := keys.BytesSlot(len(raw)); ok {
				keys.CommitBytes(unescape(slot, raw))
			} else {
				s.tooBig()
				return
			}
			if s.ws() != ':' {
				s.unexpected("':'")
				return
			}
			s.pos++
			if s.value(n.elem, vals); s.err != nil {
				key := make([]byte, len(raw)) // an error: allocating is fine
				s.err.prependIndex(strconv.Quote(string(key[:unescape(key, raw)])))
				return
			}
			ch = s.ws()
			if ch == ',' {
				s.pos++
				ch = s.ws()
				continue
			}
			if ch == '}' {
				break
			}
			s.unexpected("',' or '}'")
			return
		}
	}
	s.pos++
	s.depth--
	c.AppendMap()
}

// union reads a value into the struct column of an Avro union: the
// branch that takes its kind gets it, the others null.
func (s *scanner) union(n *node, c *avroarrow.Column, ch byte) {
	k := n.kinds[ch]
	if (ch == '-' || isDigit(ch)) && n.kinds['.'] >= 0 && !integralAhead(s.buf[s.pos:]) {
		k = n.kinds['.']
	}
	if k < 0 {
		s.mismatch(n.want, ch)
		return
	}
	for i, f := range n.fields {
		if i != int(k) {
			c.Child(i).AppendNull()
			continue
		}
		if s.value(f, c.Child(i)); s.err != nil {
			s.err.prependField("<" + f.name + ">")
			return
		}
	}
	c.AppendStruct()
}

// integralAhead reports whether the number at the start of b is an
// integer literal.
func integralAhead(b []byte) bool {
	for _, c := range b {
		switch {
		case c == '.' || c == 'e' || c == 'E':
			return false
		case c != '-' && !isDigit(c):
			return true
		}
	}
	return true
}

// rareValue reads the values of the columns that plain JSON seldom has.
func (s *scanner) rareValue(n *node, c *avroarrow.Column, ch byte) {
	start := s.pos
	switch n.op {
	case opFloat32:
		if ch != '-' && !isDigit(ch) {
			s.mismatch(n.want, ch)
			return
		}
		if f, ok := s.float32Val(); ok {
			c.AppendFloat32(f)
		}
	case opMap:
		if ch != '{' {
			s.mismatch(n.want, ch)
			return
		}
		s.mapValue(n, c)
	case opUnion:
		s.union(n, c, ch)
	case opEnum:
		if ch != '"' {
			s.mismatch(n.want, ch)
			return
		}
		raw, esc := s.str()
		if s.err != nil {
			return
		}
		var buf [128]byte
		sym := raw
		if esc {
			if len(raw) > len(buf) {
				sym = make([]byte, len(raw))
			} else {
				sym = buf[:]
			}
			sym = sym[:unescape(sym, raw)]
		}
		i, ok := n.symbols[string(sym)]
		if !ok {
			s.failAt(start, false, strconv.Quote(string(sym))+" is not one of the enum's symbols")
			return
		}
		c.AppendInt32(i)
	case opBinary:
		if ch != '"' {
			s.mismatch(n.want, ch)
			return
		}
		raw, esc := s.str()
		if s.err != nil {
			return
		}
		slot, ok := c.BytesSlot(len(raw))
		if !ok {
			s.tooBig()
			return
		}
		w, ok := latin1(slot, raw, esc)
		if !ok {
			s.failAt(start, false, "a character above U+00FF in a binary value (one byte per character, as in Avro's JSON encoding)")
			return
		}
		c.CommitBytes(w)
	case opFixed:
		if ch != '"' {
			s.mismatch(n.want, ch)
			return
		}
		raw, esc := s.str()
		if s.err != nil {
			return
		}
		var buf [64]byte
		dst := buf[:]
		if len(raw) > len(buf) {
			dst = make([]byte, len(raw))
		}
		w, ok := latin1(dst, raw, esc)
		switch {
		case !ok:
			s.failAt(start, false, "a character above U+00FF in a fixed value (one byte per character, as in Avro's JSON encoding)")
		case w != n.width:
			s.failAt(start, false, fmt.Sprintf("a fixed value of %d bytes, want %d", w, n.width))
		default:
			c.AppendFixed(dst[:w])
		}
	case opDate:
		s.date(c, ch)
	case opTimestamp:
		s.timestamp(n, c, ch)
	case opTime:
		if ch != '-' && !isDigit(ch) {
			s.mismatch(n.want, ch)
			return
		}
		_, mag, ok := s.intVal(0, n.posMax, n.tname)
		if ok {
			appendInt(c, n.width, int64(mag))
		}
	case opDecimal:
		s.decimal(n, c, ch)
	}
}

// latin1 writes the string content raw to dst (len(dst) >= len(raw)) as
// one byte per character, Avro's JSON encoding of bytes and fixed values,
// and returns the byte count; false if a character is above U+00FF.
func latin1(dst, raw []byte, esc bool) (int, bool) {
	n := len(raw)
	if esc {
		n = unescape(dst, raw)
	} else {
		copy(dst, raw)
	}
	w := 0
	for i := 0; i < n; {
		c := dst[i]
		if c < 0x80 {
			dst[w] = c
			w++
			i++
			continue
		}
		// Two-byte sequences C2..C3 xx encode U+0080..U+00FF.
		if c > 0xc3 || i+1 >= n {
			return 0, false
		}
		dst[w] = c<<6 | dst[i+1]&0x3f
		w++
		i += 2
	}
	return w, true
}

// unescapeSmall resolves the escapes of raw into buf, for the short texts
// of dates and times, or into a new slice when they do not fit.
func unescapeSmall(buf, raw []byte) []byte {
	if len(raw) > len(buf) {
		buf = make([]byte, len(raw))
	}
	return buf[:unescape(buf, raw)]
}

func (s *scanner) date(c *avroarrow.Column, ch byte) {
	start := s.pos
	switch {
	case ch == '"':
		raw, esc := s.str()
		if s.err != nil {
			return
		}
		var buf [64]byte
		if esc {
			raw = unescapeSmall(buf[:], raw)
		}
		days, ok := parseDate(raw)
		if !ok || days < math.MinInt32 || days > math.MaxInt32 {
			s.failAt(start, false, fmt.Sprintf("%q is not a date (YYYY-MM-DD)", string(raw)))
			return
		}
		c.AppendInt32(int32(days))
	case ch == '-' || isDigit(ch):
		neg, mag, ok := s.intVal(1<<31, 1<<31-1, "date32")
		if ok {
			v := int64(mag)
			if neg {
				v = -v
			}
			c.AppendInt32(int32(v))
		}
	default:
		s.mismatch("date", ch)
	}
}

func (s *scanner) timestamp(n *node, c *avroarrow.Column, ch byte) {
	start := s.pos
	switch {
	case ch == '"':
		raw, esc := s.str()
		if s.err != nil {
			return
		}
		var buf [64]byte
		if esc {
			raw = unescapeSmall(buf[:], raw)
		}
		sec, nsec, ok := parseDateTime(raw)
		if !ok {
			s.failAt(start, false, fmt.Sprintf("%q is not an RFC 3339 date-time", string(raw)))
			return
		}
		var v int64
		switch n.unit {
		case arrow.Second:
			v = sec
		case arrow.Millisecond:
			v = sec*1e3 + nsec/1e6
		case arrow.Microsecond:
			v = sec*1e6 + nsec/1e3
		default:
			if sec >= math.MaxInt64/int64(1e9) || sec <= math.MinInt64/int64(1e9) {
				s.failAt(start, false, fmt.Sprintf("%q is out of range for timestamp[ns]", string(raw)))
				return
			}
			v = sec*1e9 + nsec
		}
		c.AppendInt64(v)
	case ch == '-' || isDigit(ch):
		neg, mag, ok := s.intVal(1<<63, 1<<63-1, "int64")
		if ok {
			v := int64(mag)
			if neg {
				v = -v
			}
			c.AppendInt64(v)
		}
	default:
		s.mismatch("date-time", ch)
	}
}
