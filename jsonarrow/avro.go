package jsonarrow

import (
	"github.com/apache/arrow-go/v18/arrow"

	"github.com/kafarr/kafarr/avroarrow"
)

// FromAvro maps an Avro schema given for plain JSON messages
// (kafarr.value.schema) to the value columns, by avroarrow's Avro -> Arrow
// mapping, so a topic reads alike whether its messages are Avro or JSON
// of that schema. The messages are plain JSON (not Avro's JSON encoding):
// a union's value is written as it is, not wrapped in {"type": value}, and
// goes to the union's first branch that takes its kind of value; bytes and
// fixed values are strings of one character per byte (U+0000 to U+00FF),
// as in Avro's JSON encoding. A record field missing from a message takes
// its Avro default; one without a default whose type admits no null is an
// error (MetaRequired). A reader schema other than a record gives one
// column named "value" holding the whole message (MetaRoot).
func FromAvro(s *avroarrow.Schema) (*arrow.Schema, error) {
	as, err := avroarrow.ArrowSchema(s, avroarrow.MapOptions{})
	if err != nil {
		return nil, err
	}
	var out *arrow.Schema
	if s.Type != avroarrow.TypeRecord {
		md := arrow.NewMetadata([]string{MetaRoot}, []string{RootValue})
		out = arrow.NewSchema(as.Fields(), &md)
	} else {
		fields := as.Fields()
		for i, f := range s.Fields {
			if !f.HasDefault && !admitsNull(f.Type) {
				fields[i].Metadata = withMeta(fields[i].Metadata, MetaRequired, "true")
			}
		}
		out = arrow.NewSchema(fields, nil)
	}
	// The decoder refuses what JSON cannot hold (an Avro duration, say)
	// here rather than at the first message.
	if _, err := NewDecoder(out, Options{}); err != nil {
		return nil, err
	}
	return out, nil
}

// admitsNull reports whether an Avro value of s can be null.
func admitsNull(s *avroarrow.Schema) bool {
	if s.Type == avroarrow.TypeNull {
		return true
	}
	if s.Type == avroarrow.TypeUnion {
		for _, b := range s.Branches {
			if b.Type == avroarrow.TypeNull {
				return true
			}
		}
	}
	return false
}
