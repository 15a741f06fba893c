package protoarrow

import (
	"encoding/binary"
	"fmt"
	"math"
	"strconv"
	"sync"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"

	"github.com/kafarr/kafarr/avroarrow"
)

// Decoder reads Protobuf messages of one reader message type into Arrow
// columns. It is compiled once from the message descriptor into a tree of
// per-field steps that append straight into avroarrow.Column buffers:
// decoding a message allocates nothing (JSON-mapped well-known types and
// enum numbers the schema does not name aside). Fields are matched by
// number, so data written with an older or newer version of the message
// reads as long as a field keeps its type: unknown fields are skipped,
// missing ones take their default (or null, for fields with presence). A
// Decoder is immutable and safe for concurrent use; each goroutine appends
// to its own BatchBuilder.
type Decoder struct {
	msg    protoreflect.MessageDescriptor
	schema *arrow.Schema
	root   *msgNode

	typesOnce sync.Once
	types     *protoregistry.Types // Any's type URLs; built when first needed
}

// NewDecoder compiles a decoder for messages of type md. Its columns are
// md's fields (Schema); see the package documentation for the mapping.
func NewDecoder(md protoreflect.MessageDescriptor, opts DecoderOptions) (*Decoder, error) {
	if md == nil {
		return nil, fmt.Errorf("protoarrow: no message descriptor")
	}
	maxRec := opts.MaxRecursion
	if maxRec <= 0 {
		maxRec = DefaultMaxRecursion
	}
	cp := &compiler{maxRec: maxRec, onPath: map[protoreflect.FullName]int{}}
	root, fields, err := cp.message(md, ctxTop, opts.Projection)
	if err != nil {
		return nil, &SchemaError{Msg: err.Error()}
	}
	for i := range fields {
		// Tombstones and undecodable messages give null rows.
		fields[i].Nullable = true
	}
	return &Decoder{msg: md, schema: arrow.NewSchema(fields, nil), root: root}, nil
}

// ArrowSchema returns the Arrow schema of the columns a decoder of md
// fills, without the decoder.
func ArrowSchema(md protoreflect.MessageDescriptor, opts DecoderOptions) (*arrow.Schema, error) {
	d, err := NewDecoder(md, opts)
	if err != nil {
		return nil, err
	}
	return d.schema, nil
}

// Schema returns the Arrow schema of the value columns the decoder fills.
// Build the BatchBuilder from it.
func (d *Decoder) Schema() *arrow.Schema { return d.schema }

// Message returns the reader message type.
func (d *Decoder) Message() protoreflect.MessageDescriptor { return d.msg }

// anyTypes returns the message types google.protobuf.Any values resolve
// to: those of the reader message's file and its imports.
func (d *Decoder) anyTypes() *protoregistry.Types {
	d.typesOnce.Do(func() {
		d.types = &protoregistry.Types{}
		registerTypes(d.types, d.msg.ParentFile(), map[string]bool{})
	})
	return d.types
}

// Decode reads one Protobuf message (the body after any Confluent framing)
// and appends it to b as one row, or, on error, appends nothing: whatever
// the row had appended is rolled back. Errors are *DecodeError, or an
// error saying that b's value columns are not the decoder's.
func (d *Decoder) Decode(body []byte, b *avroarrow.BatchBuilder) error {
	root, err := b.Root(d.schema)
	if err != nil {
		return err
	}
	rows := root.Len()
	st := state{dec: d}
	if d.root.decode(&st, body, 0, root, 0) < 0 {
		root.Truncate(rows)
		return st.err
	}
	return nil
}

// Varint decoding: the one-byte case inline, the rest in varint.
const (
	errTruncated = -1
	errOverflow  = -2
)

// decode reads the fields of a message from b (base is b's offset in the
// body, for errors) into struct column s, appending one value to s, and
// returns the position after the message: len(b), or for a group (group
// is its field number) the position after its end tag. It returns a
// negative position on error, with st.err set.
//
// Columns of s that already hold this row's value when a field comes
// are the same field met again: a scalar's last value wins, a message
// merges (its column is reopened), a list takes more items. That is also
// how a message whose struct was reopened merges.
func (m *msgNode) decode(st *state, b []byte, base int, s *avroarrow.Column, group protowire.Number) int {
	if st.depth++; st.depth > MaxDepth {
		return st.failf(base, "", "messages nested deeper than %d levels", MaxDepth)
	}
	r := s.Len()
	set := 0
	pos := 0
	// exp is the field expected next: writers emit fields in number
	// order, so its one-byte tag usually comes, and matching it skips
	// the tag's decoding, the lookup and the wire type check.
	expTag, exp := m.firstTag, m.first
	for pos < len(b) {
		var f *field
		if uint16(b[pos]) == expTag {
			f = exp
			pos++
		} else {
			tagPos := pos
			var tag uint64
			if c := b[pos]; c < 0x80 {
				tag = uint64(c)
				pos++
			} else {
				var p int
				tag, p = varint(b, pos)
				if p < 0 {
					return st.varintError(p, base+pos, "")
				}
				if tag>>3 > uint64(protowire.MaxValidNumber) {
					return st.failf(base+pos, "", "invalid field number %d", tag>>3)
				}
				pos = p
			}
			num, wt := protowire.Number(tag>>3), protowire.Type(tag&7)
			if wt == protowire.EndGroupType {
				if group != 0 && num == group {
					return m.end(st, s, r, set, base, pos)
				}
				return st.failf(base+tagPos, "", "end-group tag of field %d without its start", num)
			}
			f = m.lookup(num)
			if f == nil || f.skip {
				if pos = st.skip(b, pos, base, num, wt, tag); pos < 0 {
					return -1
				}
				continue
			}
			if wt != f.wire {
				if f.packed && wt == protowire.BytesType {
					if pos = m.packed(st, f, b, pos, base, s, r); pos < 0 {
						return -1
					}
					expTag, exp = f.nextTag, f.next
					continue
				}
				return st.wireError(f, wt, base+tagPos)
			}
		}
		expTag, exp = f.nextTag, f.next
		if f.fast == fastNone {
			if pos = m.other(st, f, b, pos, base, s, r, &set); pos < 0 {
				return -1
			}
			continue
		}
		// Scalars, inline: this loop is the decoder's hot path.
		col := s.Child(f.col)
		if col.Len() == r {
			set++
		} else {
			col.Truncate(r) // the last value wins
		}
		switch f.fast {
		case fastVarint:
			var v uint64
			if pos < len(b) && b[pos] < 0x80 {
				v = uint64(b[pos])
				pos++
			} else {
				p := 0
				if v, p = varint(b, pos); p < 0 {
					return st.varintError(p, base+pos, f.name)
				}
				pos = p
			}
			switch f.op {
			case opVarint64:
				if !col.TryAppendInt64(int64(v)) {
					col.AppendInt64(int64(v))
				}
			case opVarint32:
				if !col.TryAppendInt32(int32(v)) {
					col.AppendInt32(int32(v))
				}
			default:
				appendVarint(f, col, v)
			}
		case fastFixed32:
			if len(b)-pos < 4 {
				return st.fail(base+pos, f.name, ErrTruncated)
			}
			if v := int32(binary.LittleEndian.Uint32(b[pos:])); !col.TryAppendInt32(v) {
				col.AppendInt32(v)
			}
			pos += 4
		case fastFixed64:
			if len(b)-pos < 8 {
				return st.fail(base+pos, f.name, ErrTruncated)
			}
			if v := int64(binary.LittleEndian.Uint64(b[pos:])); !col.TryAppendInt64(v) {
				col.AppendInt64(v)
			}
			pos += 8
		default: // fastString, fastBytes
			var n uint64
			if pos < len(b) && b[pos] < 0x80 {
				n = uint64(b[pos])
				pos++
			} else {
				p := 0
				if n, p = varint(b, pos); p < 0 {
					return st.varintError(p, base+pos, f.name)
				}
				pos = p
			}
			if n > uint64(len(b)-pos) {
				return st.failf(base+pos, f.name, "length %d exceeds the %d bytes left: %w", n, len(b)-pos, ErrTruncated)
			}
			v := b[pos : pos+int(n)]
			if f.fast == fastString {
				if valid, ok := col.AppendUTF8(v); !ok {
					if !valid {
						return st.failf(base+pos, f.name, "string is not valid UTF-8")
					}
					return st.failf(base+pos, f.name, "%d bytes do not fit the batch column's 2 GiB", n)
				}
			} else if !col.AppendBytes(v) {
				return st.failf(base+pos, f.name, "%d bytes do not fit the batch column's 2 GiB", n)
			}
			pos += int(n)
		}
	}
	if group != 0 {
		return st.failf(base+pos, "", "group of field %d has no end tag: %w", group, ErrTruncated)
	}
	return m.end(st, s, r, set, base, pos)
}

// varint reads a varint at b[pos:] with protowire, returning the position
// after it, or errTruncated or errOverflow.
func varint(b []byte, pos int) (uint64, int) {
	v, n := protowire.ConsumeVarint(b[pos:])
	if n < 0 {
		if n == -1 { // protowire's truncated
			return 0, errTruncated
		}
		return 0, errOverflow
	}
	return v, pos + n
}

// appendVarint appends a varint-encoded scalar.
func appendVarint(f *field, col *avroarrow.Column, v uint64) {
	switch f.op {
	case opVarint64:
		col.AppendInt64(int64(v))
	case opVarint32:
		col.AppendInt32(int32(v))
	case opSint32:
		col.AppendInt32(int32(uint32(v)>>1) ^ -int32(v&1))
	case opSint64:
		col.AppendInt64(int64(v>>1) ^ -int64(v&1))
	case opBool:
		col.AppendBool(v != 0)
	case opEnum:
		appendEnum(f.enum, col, int32(v))
	}
}

// appendEnum appends enum number n: its dictionary index, or, for a
// number the schema does not name, the number as text added to the
// batch's dictionary.
func appendEnum(e *enumInfo, col *avroarrow.Column, n int32) {
	if i, ok := e.index(n); ok {
		col.AppendInt32(i)
		return
	}
	var buf [12]byte
	col.AppendDictExtra(strconv.AppendInt(buf[:0], int64(n), 10))
}

// end finishes a message: fields it did not set take their default or
// null, lists and maps are closed, oneofs settled; then the row of s.
func (m *msgNode) end(st *state, s *avroarrow.Column, r, set, base, pos int) int {
	if set != m.singles || m.finish {
		if !m.fill(st, s, r, base+pos) {
			return -1
		}
	}
	s.AppendStruct()
	st.depth--
	return pos
}

// fill completes the row r of s.
func (m *msgNode) fill(st *state, s *avroarrow.Column, r, off int) bool {
	for i := range m.fields {
		f := &m.fields[i]
		if f.oneof >= 0 || f.col < 0 {
			continue
		}
		col := s.Child(f.col)
		if col.Len() != r {
			continue
		}
		switch f.shape {
		case shapeList:
			col.AppendList()
		case shapeMap:
			col.AppendMap()
		default:
			if !st.absent(f, col, off) {
				st.prepend(f.name)
				return false
			}
		}
	}
	for k := range m.oneofs {
		o := &m.oneofs[k]
		if o.col >= 0 {
			os := s.Child(o.col)
			if os.Len() == r {
				any := false
				for _, mf := range o.members {
					if os.Child(mf.col).Len() != r {
						any = true
					}
				}
				if !any {
					os.AppendNull()
				} else {
					for _, mf := range o.members {
						if c := os.Child(mf.col); c.Len() == r {
							c.AppendNull()
						}
					}
					os.AppendStruct()
				}
			}
		}
		if o.caseCol >= 0 {
			if cc := s.Child(o.caseCol); cc.Len() == r {
				cc.AppendNull()
			}
		}
	}
	return true
}

// absent fills the column of a field the message did not carry.
func (st *state) absent(f *field, col *avroarrow.Column, off int) bool {
	switch f.absent {
	case fillNull:
		col.AppendNull()
	case fillDefault:
		appendDefault(f, col)
	case fillEmpty:
		return st.empty(f, col, off)
	}
	return true
}

// appendDefault appends the default of a scalar field.
func appendDefault(f *field, col *avroarrow.Column) {
	switch f.op {
	case opVarint32, opSint32, opFixed32, opEnum:
		col.AppendInt32(int32(f.bits))
	case opVarint64, opSint64, opFixed64:
		col.AppendInt64(int64(f.bits))
	case opBool:
		col.AppendBool(f.bits != 0)
	case opString, opBytes:
		col.AppendBytes(f.str)
	}
}

// empty appends the value of a message-typed field without presence (a
// map value) that was absent: its type's empty message.
func (st *state) empty(f *field, col *avroarrow.Column, off int) bool {
	switch f.op {
	case opMessage, opGroup:
		return f.msg.decode(st, nil, off, col, 0) >= 0
	case opRaw:
		col.AppendBytes(nil)
	case opTimestamp, opDuration:
		col.AppendInt64(0)
	case opWrapper:
		appendDefault(&field{op: f.inner}, col)
	case opDecimal:
		var zero [32]byte
		col.AppendFixed(zero[:f.dec.width()])
	case opJSON:
		col.AppendString(emptyJSON[f.json])
	}
	return true
}

// emptyJSON is the JSON text of each JSON-mapped type's empty message.
var emptyJSON = [...]string{jsonStruct: "{}", jsonValue: "null", jsonList: "[]", jsonAny: "{}"}

// lenValue reads the length of a LEN value at b[pos:] and returns the
// value's bounds.
func (st *state) lenValue(f *field, b []byte, pos, base int) (start, end int) {
	n, p := uint64(0), pos
	if p < len(b) && b[p] < 0x80 {
		n = uint64(b[p])
		p++
	} else if n, p = varint(b, pos); p < 0 {
		return st.varintError(p, base+pos, f.name), -1
	}
	if n > uint64(len(b)-p) {
		return st.failf(base+p, f.name, "length %d exceeds the %d bytes left: %w", n, len(b)-p, ErrTruncated), -1
	}
	return p, p + int(n)
}

// single reads one value of f at b[pos:] into col, whose row r it is:
// first says whether the row has no value yet. It returns the position
// after the value.
func (st *state) single(f *field, col *avroarrow.Column, b []byte, pos, base, r int, first bool) int {
	switch f.op {
	case opMessage:
		start, end := st.lenValue(f, b, pos, base)
		if start < 0 {
			return -1
		}
		reopen(col, r, first)
		if f.msg.decode(st, b[start:end], base+start, col, 0) < 0 {
			st.prepend(f.name)
			return -1
		}
		return end
	case opGroup:
		reopen(col, r, first)
		n := f.msg.decode(st, b[pos:], base+pos, col, f.num)
		if n < 0 {
			st.prepend(f.name)
			return -1
		}
		return pos + n
	case opRaw:
		start, end := st.lenValue(f, b, pos, base)
		if start < 0 {
			return -1
		}
		if !first && col.IsValid(r) {
			if !col.ExtendLast(b[start:end]) {
				return st.failf(base+start, f.name, "%d bytes do not fit the batch column's 2 GiB", end-start)
			}
			return end
		}
		if !first {
			col.Truncate(r)
		}
		if !col.AppendBytes(b[start:end]) {
			return st.failf(base+start, f.name, "%d bytes do not fit the batch column's 2 GiB", end-start)
		}
		return end
	}
	if !first {
		col.Truncate(r)
	}
	if f.op <= opEnum {
		return st.scalar(f, col, b, pos, base)
	}
	start, end := st.lenValue(f, b, pos, base)
	if start < 0 {
		return -1
	}
	var ok bool
	switch f.op {
	case opTimestamp:
		ok = st.timestamp(col, b[start:end], base+start)
	case opDuration:
		ok = st.duration(col, b[start:end], base+start)
	case opWrapper:
		ok = st.wrapper(f, col, b[start:end], base+start)
	case opDecimal:
		ok = st.decimal(f, col, b[start:end], base+start)
	case opJSON:
		ok = st.json(f, col, b[start:end], base+start)
	}
	if !ok {
		st.prepend(f.name)
		return -1
	}
	return end
}

// reopen prepares the struct column of a message field for another
// occurrence in row r: a message already there merges with it, a null
// there is dropped.
func reopen(col *avroarrow.Column, r int, first bool) {
	if first {
		return
	}
	if col.IsValid(r) {
		col.ReopenLast()
	} else {
		col.Truncate(r)
	}
}

// scalar reads one scalar of f (wire type f.wire) at b[pos:] into col.
func (st *state) scalar(f *field, col *avroarrow.Column, b []byte, pos, base int) int {
	switch f.wire {
	case protowire.Fixed32Type:
		if len(b)-pos < 4 {
			return st.fail(base+pos, f.name, ErrTruncated)
		}
		col.AppendInt32(int32(binary.LittleEndian.Uint32(b[pos:])))
		return pos + 4
	case protowire.Fixed64Type:
		if len(b)-pos < 8 {
			return st.fail(base+pos, f.name, ErrTruncated)
		}
		col.AppendInt64(int64(binary.LittleEndian.Uint64(b[pos:])))
		return pos + 8
	case protowire.BytesType:
		start, end := st.lenValue(f, b, pos, base)
		if start < 0 {
			return -1
		}
		v := b[start:end]
		if f.op == opString && !validUTF8(v) {
			return st.failf(base+start, f.name, "string is not valid UTF-8")
		}
		if !col.AppendBytes(v) {
			return st.failf(base+start, f.name, "%d bytes do not fit the batch column's 2 GiB", len(v))
		}
		return end
	}
	v, p := varint(b, pos)
	if p < 0 {
		return st.varintError(p, base+pos, f.name)
	}
	appendVarint(f, col, v)
	return p
}

// other reads a field that is not a singular scalar: a message or
// well-known type, a list item, a map entry, or a oneof member. set counts
// the singular fields given a value for the first time.
func (m *msgNode) other(st *state, f *field, b []byte, pos, base int, s *avroarrow.Column, r int, set *int) int {
	switch {
	case f.oneof < 0 && f.shape == shapeSingle:
		col := s.Child(f.col)
		first := col.Len() == r
		if first {
			*set++
		}
		return st.single(f, col, b, pos, base, r, first)
	case f.oneof >= 0:
		o := &m.oneofs[f.oneof]
		if o.caseCol >= 0 {
			cc := s.Child(o.caseCol)
			if cc.Len() != r {
				cc.Truncate(r)
			}
			cc.AppendString(f.name)
		}
		if o.col < 0 {
			return st.skip(b, pos, base, f.num, f.wire, 0)
		}
		os := s.Child(o.col)
		if os.Len() != r {
			os.ReopenLast() // the oneof of an earlier occurrence of this message
		}
		for _, mf := range o.members {
			if c := os.Child(mf.col); mf != f && c.Len() != r {
				c.Truncate(r) // another member was set: this one replaces it
			}
		}
		col := os.Child(f.col)
		return st.single(f, col, b, pos, base, r, col.Len() == r)
	case f.shape == shapeList:
		l := s.Child(f.col)
		if l.Len() != r {
			l.ReopenLast()
		}
		items := l.ListValues()
		return st.single(f, items, b, pos, base, items.Len(), true)
	default: // shapeMap
		mc := s.Child(f.col)
		if mc.Len() != r {
			mc.ReopenLast()
		}
		start, end := st.lenValue(f, b, pos, base)
		if start < 0 {
			return -1
		}
		if f.msg.decode(st, b[start:end], base+start, mc.Child(0), 0) < 0 {
			st.prepend(f.name)
			return -1
		}
		return end
	}
}

// packed reads a packed list of scalars at b[pos:].
func (m *msgNode) packed(st *state, f *field, b []byte, pos, base int, s *avroarrow.Column, r int) int {
	start, end := st.lenValue(f, b, pos, base)
	if start < 0 {
		return -1
	}
	l := s.Child(f.col)
	if l.Len() != r {
		l.ReopenLast()
	}
	items := l.ListValues()
	v := b[start:end]
	switch f.wire {
	case protowire.Fixed32Type:
		if len(v)%4 != 0 {
			return st.failf(base+start, f.name, "packed fixed32 values of %d bytes, not a multiple of 4", len(v))
		}
		items.Reserve(len(v) / 4)
		for i := 0; i < len(v); i += 4 {
			items.AppendInt32(int32(binary.LittleEndian.Uint32(v[i:])))
		}
	case protowire.Fixed64Type:
		if len(v)%8 != 0 {
			return st.failf(base+start, f.name, "packed fixed64 values of %d bytes, not a multiple of 8", len(v))
		}
		items.Reserve(len(v) / 8)
		for i := 0; i < len(v); i += 8 {
			items.AppendInt64(int64(binary.LittleEndian.Uint64(v[i:])))
		}
	default:
		for i := 0; i < len(v); {
			x, p := uint64(v[i]), i+1
			if x >= 0x80 {
				if x, p = varint(v, i); p < 0 {
					return st.varintError(p, base+start+i, f.name)
				}
			}
			appendVarint(f, items, x)
			i = p
		}
	}
	return end
}

// skip skips the value of an unknown field (or of one no column wants)
// at b[pos:]; tag is the field's tag, for a group's end.
func (st *state) skip(b []byte, pos, base int, num protowire.Number, wt protowire.Type, tag uint64) int {
	if num < protowire.MinValidNumber || tag>>3 > uint64(protowire.MaxValidNumber) {
		return st.failf(base+pos, "", "invalid field number %d", tag>>3)
	}
	switch wt {
	case protowire.VarintType:
		_, p := varint(b, pos)
		if p < 0 {
			return st.varintError(p, base+pos, "")
		}
		return p
	case protowire.Fixed32Type:
		if len(b)-pos < 4 {
			return st.fail(base+pos, "", ErrTruncated)
		}
		return pos + 4
	case protowire.Fixed64Type:
		if len(b)-pos < 8 {
			return st.fail(base+pos, "", ErrTruncated)
		}
		return pos + 8
	case protowire.BytesType:
		n, p := varint(b, pos)
		if p < 0 {
			return st.varintError(p, base+pos, "")
		}
		if n > uint64(len(b)-p) {
			return st.failf(base+p, "", "field %d: length %d exceeds the %d bytes left: %w", num, n, len(b)-p, ErrTruncated)
		}
		return p + int(n)
	case protowire.StartGroupType:
		return st.skipGroup(b, pos, base, num)
	}
	return st.failf(base+pos, "", "field %d has invalid wire type %d", num, wt)
}

// skipGroup skips a group's fields up to its end tag.
func (st *state) skipGroup(b []byte, pos, base int, num protowire.Number) int {
	if st.depth++; st.depth > MaxDepth {
		return st.failf(base+pos, "", "groups nested deeper than %d levels", MaxDepth)
	}
	for pos < len(b) {
		tag, p := varint(b, pos)
		if p < 0 {
			return st.varintError(p, base+pos, "")
		}
		n, wt := protowire.Number(tag>>3), protowire.Type(tag&7)
		if wt == protowire.EndGroupType {
			if n != num {
				return st.failf(base+pos, "", "group of field %d ends with the end tag of field %d", num, n)
			}
			st.depth--
			return p
		}
		if pos = st.skip(b, p, base, n, wt, tag); pos < 0 {
			return -1
		}
	}
	return st.failf(base+pos, "", "group of field %d has no end tag: %w", num, ErrTruncated)
}

// validUTF8 is utf8.Valid with a fast path for ASCII.
func validUTF8(b []byte) bool {
	n := len(b)
	var acc uint64
	switch {
	case n >= 8:
		for i := 0; i+8 <= n; i += 8 {
			acc |= binary.LittleEndian.Uint64(b[i:])
		}
		acc |= binary.LittleEndian.Uint64(b[n-8:])
	case n >= 4:
		acc = uint64(binary.LittleEndian.Uint32(b) | binary.LittleEndian.Uint32(b[n-4:]))
	case n > 0:
		acc = uint64(b[0] | b[n/2] | b[n-1])
	}
	return acc&0x8080808080808080 == 0 || utf8.Valid(b)
}

func float32bits(f float32) uint32 { return math.Float32bits(f) }
func float64bits(f float64) uint64 { return math.Float64bits(f) }
