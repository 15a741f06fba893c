package jsonarrow

import (
	"encoding/json"
	"fmt"
	"math"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/kafarr/kafarr/avroarrow"
)

// draft07 is the $schema of derived schemas: the draft Confluent's
// JSONSerializer (confluent-kafka-python, Java) and registry accept.
const draft07 = "http://json-schema.org/draft-07/schema#"

// DeriveJSONSchema derives a JSON Schema document (draft-07) from the
// columns cols, for an ingest into a topic that has no registered schema:
// an object with title title (left out when empty), one property per
// column in column order, the non-nullable columns in "required". A
// nullable column's type admits null ({"type": ["null", T]}, and null
// among an enum's values); FromJSONSchema reads the document back to the
// same columns but for what JSON Schema cannot say:
//
//   - every integer type is "integer" and reads back as int64 (the
//     narrower ones carry their range as minimum/maximum, uint64 its
//     minimum);
//   - float32 and decimals are "number" and read back as float64;
//   - binary is a base64 string (contentEncoding base64) and reads back
//     as its base64 text;
//   - times and durations are integers counting their unit;
//   - timestamps are "format": "date-time" and read back as
//     timestamp[us, UTC] whatever their unit and zone;
//   - dates are "format": "date" (date32), UUIDs (the arrow.uuid
//     extension, or a column kafarr read as one) "format": "uuid";
//   - a JSON text column (MetaType json) is {} (any value);
//   - maps are objects with additionalProperties, lists arrays, structs
//     objects (nested the same way), dictionaries their value type, or a
//     string enum when the column carries kafarr's enum symbols.
//
// Errors are *avroarrow.EncodeError naming the column.
func DeriveJSONSchema(cols *arrow.Schema, title string) (string, error) {
	if cols == nil {
		return "", &EncodeError{Row: -1, Msg: "nil Arrow schema"}
	}
	b := []byte(`{"$schema":"` + draft07 + `"`)
	if title != "" {
		b = append(b, `,"title":`...)
		b, _ = appendJSONValue(b, title)
	}
	b, err := deriveObject(append(b, ','), `"object"`, cols.Fields(), encPath{}, 0)
	if err != nil {
		return "", err
	}
	return string(append(b, '}')), nil
}

// appendJSONValue appends v as JSON (strings, string lists).
func appendJSONValue(b []byte, v any) ([]byte, error) {
	out, err := json.Marshal(v)
	return append(b, out...), err
}

// deriveObject appends the members "type", "properties" and "required" of
// an object schema for fields; typ is the type's JSON.
func deriveObject(b []byte, typ string, fields []arrow.Field, p encPath, depth int) ([]byte, *EncodeError) {
	b = append(b, `"type":`+typ+`,"properties":{`...)
	var required []string
	seen := make(map[string]bool, len(fields))
	for i, f := range fields {
		fp := p.child(f.Name, f.Name)
		if seen[f.Name] {
			return nil, fp.errf("two columns have this name")
		}
		seen[f.Name] = true
		if i > 0 {
			b = append(b, ',')
		}
		b, _ = appendJSONValue(b, f.Name)
		b = append(b, ':')
		var err *EncodeError
		if b, err = deriveField(b, f, fp, depth+1); err != nil {
			return nil, err
		}
		if !f.Nullable {
			required = append(required, f.Name)
		}
	}
	b = append(b, '}')
	if len(required) > 0 {
		b = append(b, `,"required":`...)
		b, _ = appendJSONValue(b, required)
	}
	return b, nil
}

// deriveField appends the schema of f, admitting null when f is nullable.
func deriveField(b []byte, f arrow.Field, p encPath, depth int) ([]byte, *EncodeError) {
	if depth > DefaultMaxDepth {
		return nil, p.errf("columns nest deeper than %d levels", DefaultMaxDepth)
	}
	dt := f.Type
	uuid := false
	if ext, ok := dt.(arrow.ExtensionType); ok {
		uuid = ext.ExtensionName() == "arrow.uuid"
		dt = ext.StorageType()
	}
	meta, _ := f.Metadata.GetValue(MetaType)
	uuid = uuid || meta == "uuid"
	if d, ok := dt.(*arrow.DictionaryType); ok {
		if syms, ok := f.Metadata.GetValue(avroarrow.MetaSymbols); ok && isStringLike(d.ValueType) {
			var list []string
			if json.Unmarshal([]byte(syms), &list) == nil && len(list) > 0 {
				vals := make([]any, 0, len(list)+1)
				for _, s := range list {
					vals = append(vals, s)
				}
				typ := `"string"`
				if f.Nullable {
					vals, typ = append(vals, nil), `["null","string"]`
				}
				b = append(b, `{"type":`+typ+`,"enum":`...)
				b, _ = appendJSONValue(b, vals)
				return append(b, '}'), nil
			}
		}
		dt = d.ValueType
	}
	typeOf := func(t string) []byte {
		if f.Nullable && t != "null" {
			return append(b, `{"type":["null","`+t+`"]`...)
		}
		return append(b, `{"type":"`+t+`"`...)
	}
	switch t := dt.(type) {
	case *arrow.NullType:
		b = typeOf("null")
	case *arrow.BooleanType:
		b = typeOf("boolean")
	case *arrow.Int8Type, *arrow.Int16Type, *arrow.Int32Type, *arrow.Uint8Type, *arrow.Uint16Type, *arrow.Uint32Type:
		_, _, lo, hi, _, _ := intRange(dt)
		b = fmt.Appendf(typeOf("integer"), `,"minimum":%d,"maximum":%d`, lo, hi)
	case *arrow.Uint64Type:
		b = append(typeOf("integer"), `,"minimum":0,"maximum":`...)
		b = fmt.Appendf(b, "%d", uint64(math.MaxUint64))
	case *arrow.Int64Type, *arrow.Time32Type, *arrow.Time64Type, *arrow.DurationType:
		b = typeOf("integer")
	case *arrow.Float32Type, *arrow.Float64Type, *arrow.Decimal128Type, *arrow.Decimal256Type:
		b = typeOf("number")
	case *arrow.StringType, *arrow.LargeStringType, *arrow.StringViewType:
		switch {
		case meta == TypeJSONText:
			return append(b, "{}"...), nil // any value, null included
		case uuid:
			b = append(typeOf("string"), `,"format":"uuid"`...)
		default:
			b = typeOf("string")
		}
	case *arrow.BinaryType, *arrow.LargeBinaryType, *arrow.BinaryViewType, *arrow.FixedSizeBinaryType:
		if uuid && dt.ID() == arrow.FIXED_SIZE_BINARY && t.(*arrow.FixedSizeBinaryType).ByteWidth == 16 {
			b = append(typeOf("string"), `,"format":"uuid"`...)
		} else {
			b = append(typeOf("string"), `,"contentEncoding":"base64"`...)
		}
	case *arrow.Date32Type, *arrow.Date64Type:
		b = append(typeOf("string"), `,"format":"date"`...)
	case *arrow.TimestampType:
		b = append(typeOf("string"), `,"format":"date-time"`...)
	case *arrow.ListType, *arrow.LargeListType, *arrow.FixedSizeListType:
		b = append(typeOf("array"), `,"items":`...)
		var err *EncodeError
		if b, err = deriveField(b, dt.(arrow.ListLikeType).ElemField(), encPath{p.col + "[]", p.prop + "[]"}, depth+1); err != nil {
			return nil, err
		}
	case *arrow.MapType:
		if !isStringLike(t.KeyType()) {
			return nil, p.errf("map<%s, …> has no JSON form: JSON object names are strings", t.KeyType())
		}
		b = append(typeOf("object"), `,"additionalProperties":`...)
		var err *EncodeError
		if b, err = deriveField(b, t.ItemField(), encPath{p.col + "{}", p.prop + "{}"}, depth+1); err != nil {
			return nil, err
		}
	case *arrow.StructType:
		typ := `"object"`
		if f.Nullable {
			typ = `["null","object"]`
		}
		var err *EncodeError
		if b, err = deriveObject(append(b, '{'), typ, t.Fields(), p, depth); err != nil {
			return nil, err
		}
	default:
		return nil, p.errf("Arrow type %s has no JSON Schema form", f.Type)
	}
	return append(b, '}'), nil
}
