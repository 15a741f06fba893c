package avroarrow

import (
	"strconv"
	"strings"
)

// String renders the schema as Avro JSON, keeping logical types, defaults,
// docs, aliases and unknown attributes. A named type is written in full at
// its first occurrence and by name afterwards, so recursive schemas render.
func (s *Schema) String() string {
	var b strings.Builder
	s.write(&b, map[*Schema]bool{}, false)
	return b.String()
}

// Canonical renders the schema in Avro's Parsing Canonical Form: only the
// attributes that affect how data is read, full names, no whitespace. Two
// schemas with the same canonical form read and write the same bytes.
func (s *Schema) Canonical() string {
	var b strings.Builder
	s.write(&b, map[*Schema]bool{}, true)
	return b.String()
}

func (s *Schema) write(b *strings.Builder, seen map[*Schema]bool, canonical bool) {
	if s.Type.Named() && seen[s] {
		b.WriteString(strconv.Quote(s.Name))
		return
	}
	plain := s.Logical == "" && len(s.Props) == 0 && s.Doc == ""
	if s.Type.Primitive() && (canonical || plain) {
		b.WriteString(strconv.Quote(s.Type.String()))
		return
	}
	if s.Type == TypeUnion {
		b.WriteByte('[')
		for i, br := range s.Branches {
			if i > 0 {
				b.WriteByte(',')
			}
			br.write(b, seen, canonical)
		}
		b.WriteByte(']')
		return
	}
	o := objWriter{b: b}
	if s.Type.Named() {
		seen[s] = true
		o.key("name")
		b.WriteString(strconv.Quote(s.Name))
	}
	o.key("type")
	b.WriteString(strconv.Quote(s.Type.String()))
	switch s.Type {
	case TypeRecord:
		o.key("fields")
		b.WriteByte('[')
		for i, f := range s.Fields {
			if i > 0 {
				b.WriteByte(',')
			}
			f.write(b, seen, canonical)
		}
		b.WriteByte(']')
	case TypeEnum:
		o.key("symbols")
		b.WriteString(marshalJSON(s.Symbols))
	case TypeArray:
		o.key("items")
		s.Items.write(b, seen, canonical)
	case TypeMap:
		o.key("values")
		s.Values.write(b, seen, canonical)
	case TypeFixed:
		o.key("size")
		b.WriteString(strconv.Itoa(s.Size))
	}
	if canonical {
		b.WriteByte('}')
		return
	}
	if s.Type == TypeEnum && s.HasEnumDefault {
		o.key("default")
		b.WriteString(strconv.Quote(s.EnumDefault))
	}
	if len(s.Aliases) > 0 {
		o.key("aliases")
		b.WriteString(marshalJSON(s.Aliases))
	}
	if s.Doc != "" {
		o.key("doc")
		b.WriteString(marshalJSON(s.Doc))
	}
	if s.Logical != "" {
		o.key("logicalType")
		b.WriteString(strconv.Quote(s.Logical))
		if s.Logical == LogicalDecimal {
			o.key("precision")
			b.WriteString(strconv.Itoa(s.Precision))
			o.key("scale")
			b.WriteString(strconv.Itoa(s.Scale))
		}
	}
	for _, k := range sortedKeys(s.Props) {
		o.key(k)
		b.WriteString(marshalJSON(s.Props[k]))
	}
	b.WriteByte('}')
}

func (f *Field) write(b *strings.Builder, seen map[*Schema]bool, canonical bool) {
	o := objWriter{b: b}
	o.key("name")
	b.WriteString(strconv.Quote(f.Name))
	o.key("type")
	f.Type.write(b, seen, canonical)
	if !canonical {
		if f.HasDefault {
			o.key("default")
			b.WriteString(marshalJSON(f.Default))
		}
		if len(f.Aliases) > 0 {
			o.key("aliases")
			b.WriteString(marshalJSON(f.Aliases))
		}
		if f.Doc != "" {
			o.key("doc")
			b.WriteString(marshalJSON(f.Doc))
		}
		if f.Order != "" && f.Order != "ascending" {
			o.key("order")
			b.WriteString(strconv.Quote(f.Order))
		}
		for _, k := range sortedKeys(f.Props) {
			o.key(k)
			b.WriteString(marshalJSON(f.Props[k]))
		}
	}
	b.WriteByte('}')
}

// objWriter writes the keys of a JSON object, opening it at the first key.
type objWriter struct {
	b *strings.Builder
	n int
}

func (o *objWriter) key(k string) {
	if o.n == 0 {
		o.b.WriteByte('{')
	} else {
		o.b.WriteByte(',')
	}
	o.n++
	o.b.WriteString(marshalJSON(k))
	o.b.WriteByte(':')
}
