package jsonarrow

import (
	"strconv"

	"github.com/apache/arrow-go/v18/arrow"
)

// InferOptions tune Infer.
type InferOptions struct {
	// MaxDepth bounds the nesting of a sample; a deeper sample is
	// skipped. DefaultMaxDepth (64) when 0.
	MaxDepth int
}

// Infer returns the value columns that plain JSON messages fit, from
// samples of them (the caller picks how many: kafarr.json.infer_rows).
// Empty samples (tombstones) and samples that are not a JSON object
// (invalid JSON included) are skipped: when read, they follow on_error.
// The rules, merged over every sample (docs/types.md):
//
//   - columns are the properties of the top-level objects, in order of
//     first appearance; nested objects are structs, their properties
//     merged alike; arrays are lists of their merged items;
//   - a property's kind is boolean -> bool, string -> utf8 (no format is
//     guessed), integer -> int64, number -> float64, and integers mixed
//     with fractions widen to float64 (an integer beyond int64 counts as
//     a fraction, a number beyond float64's range as a mixed kind);
//   - a property seen with two other kinds (a string and a number, an
//     object and an array, ...), or only ever null, or only ever {}, is
//     a utf8 column of JSON text (MetaType=TypeJSONText), which reads any
//     value; an array only ever empty is a list of JSON text;
//   - every column, and every nested field, is nullable.
//
// It is an error only when there are non-empty samples and none is a JSON
// object; with no sample at all the schema has no column.
func Infer(samples [][]byte, opts InferOptions) (*arrow.Schema, error) {
	depth := opts.MaxDepth
	if depth <= 0 {
		depth = DefaultMaxDepth
	}
	root := &itype{}
	seen, objects := 0, 0
	for _, b := range samples {
		if len(b) == 0 {
			continue
		}
		seen++
		s := scanner{buf: b, maxDepth: depth}
		if s.ws() != '{' {
			continue
		}
		if s.skip(); s.err != nil {
			continue
		}
		if s.end(); s.err != nil {
			continue
		}
		objects++
		s = scanner{buf: b, maxDepth: depth}
		s.infer(root)
	}
	if seen > 0 && objects == 0 {
		return nil, &SchemaError{Msg: "cannot infer columns: no sampled message is a JSON object (" + strconv.Itoa(seen) + " sampled)"}
	}
	fields := make([]arrow.Field, len(root.names))
	for i, name := range root.names {
		fields[i] = root.props[name].field(name)
	}
	return arrow.NewSchema(fields, nil), nil
}

// ikind is the merged kind of a sampled value.
type ikind uint8

const (
	kNone   ikind = iota // only null (or nothing) seen
	kBool                // booleans
	kInt                 // integers in int64
	kFloat               // numbers
	kString              // strings
	kObject              // objects
	kArray               // arrays
	kJSON                // values of mixed kinds
)

// itype is the merged type of the values seen at one place.
type itype struct {
	kind  ikind
	names []string // kObject: properties in order of first appearance
	props map[string]*itype
	elem  *itype // kArray: the items
}

// to merges a value of kind k into t and reports whether the value's
// contents (properties, items) still matter.
func (t *itype) to(k ikind) bool {
	switch {
	case t.kind == k:
		return true
	case t.kind == kNone:
		t.kind = k
		switch k {
		case kObject:
			t.props = map[string]*itype{}
		case kArray:
			t.elem = &itype{}
		}
		return true
	case t.kind == kInt && k == kFloat:
		t.kind = kFloat
		return true
	case t.kind == kFloat && k == kInt:
		return true
	}
	t.kind, t.names, t.props, t.elem = kJSON, nil, nil, nil
	return false
}

// infer reads one value, which skip has checked, merging it into t.
func (s *scanner) infer(t *itype) {
	switch ch := s.ws(); ch {
	case 'n':
		s.pos += 4
	case 't':
		s.pos += 4
		t.to(kBool)
	case 'f':
		s.pos += 5
		t.to(kBool)
	case '"':
		s.str()
		t.to(kString)
	case '{':
		if !t.to(kObject) {
			s.skip()
			return
		}
		s.pos++
		for s.ws() != '}' {
			raw, esc := s.str()
			key := string(raw)
			if esc {
				b := make([]byte, len(raw))
				key = string(b[:unescape(b, raw)])
			}
			s.ws()
			s.pos++ // ':'
			p := t.props[key]
			if p == nil {
				p = &itype{}
				t.props[key] = p
				t.names = append(t.names, key)
			}
			s.infer(p)
			if s.ws() == ',' {
				s.pos++
			}
		}
		s.pos++
	case '[':
		if !t.to(kArray) {
			s.skip()
			return
		}
		s.pos++
		for s.ws() != ']' {
			s.infer(t.elem)
			if s.ws() == ',' {
				s.pos++
			}
		}
		s.pos++
	default:
		text, integral := s.num()
		k := kFloat
		if integral {
			if _, err := strconv.ParseInt(bytesString(text), 10, 64); err == nil {
				k = kInt
			}
		}
		if k == kFloat {
			if _, err := strconv.ParseFloat(bytesString(text), 64); err != nil {
				k = kJSON // beyond float64: only JSON text holds it
			}
		}
		t.to(k)
	}
}

// field returns the Arrow field of the merged type.
func (t *itype) field(name string) arrow.Field {
	f := arrow.Field{Name: name, Nullable: true}
	switch t.kind {
	case kBool:
		f.Type = arrow.FixedWidthTypes.Boolean
	case kInt:
		f.Type = arrow.PrimitiveTypes.Int64
	case kFloat:
		f.Type = arrow.PrimitiveTypes.Float64
	case kString:
		f.Type = arrow.BinaryTypes.String
	case kObject:
		if len(t.names) == 0 {
			return textField(name)
		}
		fields := make([]arrow.Field, len(t.names))
		for i, n := range t.names {
			fields[i] = t.props[n].field(n)
		}
		f.Type = arrow.StructOf(fields...)
	case kArray:
		f.Type = arrow.ListOfField(t.elem.field("item"))
	default:
		return textField(name)
	}
	return f
}

// IsObject reports whether msg is one JSON object and nothing else, as
// kafarr.value.format=auto asks of sampled messages; it checks the whole
// text, UTF-8 included.
func IsObject(msg []byte) bool {
	s := scanner{buf: msg, maxDepth: DefaultMaxDepth}
	if s.ws() != '{' {
		return false
	}
	s.skip()
	s.end()
	return s.err == nil
}
