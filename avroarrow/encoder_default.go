package avroarrow

import (
	"encoding/json"
	"fmt"
)

// encDefault appends the Avro binary of a field default, given as the
// parser keeps it: decoded JSON with numbers as json.Number. Per the Avro
// specification a union's default is a value of its first branch, and
// bytes and fixed defaults are strings whose code points 0-255 are the
// bytes.
func encDefault(dst []byte, s *Schema, v any, depth int) ([]byte, error) {
	if depth > maxSchemaDepth {
		return nil, fmt.Errorf("default nested deeper than %d levels", maxSchemaDepth)
	}
	bad := func() ([]byte, error) {
		return nil, fmt.Errorf("%s is not a default for %s", jsonKind(v), encAvroDesc(s))
	}
	switch s.Type {
	case TypeNull:
		if v != nil {
			return bad()
		}
		return dst, nil
	case TypeBoolean:
		b, ok := v.(bool)
		if !ok {
			return bad()
		}
		if b {
			return append(dst, 1), nil
		}
		return append(dst, 0), nil
	case TypeInt, TypeLong:
		n, ok := jsonInt(v)
		if !ok {
			return bad()
		}
		return encAppendLong(dst, n), nil
	case TypeFloat, TypeDouble:
		num, ok := v.(json.Number)
		if !ok {
			return bad()
		}
		f, err := num.Float64()
		if err != nil {
			return bad()
		}
		if s.Type == TypeFloat {
			return encAppendFloat(dst, float32(f)), nil
		}
		return encAppendDouble(dst, f), nil
	case TypeBytes, TypeString, TypeFixed:
		str, ok := v.(string)
		if !ok {
			return bad()
		}
		if s.Type == TypeString {
			return encAppendBytes(dst, []byte(str)), nil
		}
		b := make([]byte, 0, len(str))
		for _, r := range str {
			if r > 0xff {
				return nil, fmt.Errorf("default %q of %s has a character above U+00FF, which is no byte", str, encAvroDesc(s))
			}
			b = append(b, byte(r))
		}
		if s.Type == TypeFixed {
			if len(b) != s.Size {
				return nil, fmt.Errorf("default of %s has %d bytes, not %d", encAvroDesc(s), len(b), s.Size)
			}
			return append(dst, b...), nil
		}
		return encAppendBytes(dst, b), nil
	case TypeEnum:
		str, ok := v.(string)
		if !ok {
			return bad()
		}
		for i, sym := range s.Symbols {
			if sym == str {
				return encAppendLong(dst, int64(i)), nil
			}
		}
		return nil, fmt.Errorf("default %q is not a symbol of %s", str, encAvroDesc(s))
	case TypeArray:
		list, ok := v.([]any)
		if !ok {
			return bad()
		}
		if len(list) > 0 {
			dst = encAppendLong(dst, int64(len(list)))
			for _, item := range list {
				var err error
				if dst, err = encDefault(dst, s.Items, item, depth+1); err != nil {
					return nil, err
				}
			}
		}
		return append(dst, 0), nil
	case TypeMap:
		m, ok := v.(map[string]any)
		if !ok {
			return bad()
		}
		if len(m) > 0 {
			dst = encAppendLong(dst, int64(len(m)))
			for _, k := range sortedKeys(m) { // deterministic output
				dst = encAppendBytes(dst, []byte(k))
				var err error
				if dst, err = encDefault(dst, s.Values, m[k], depth+1); err != nil {
					return nil, err
				}
			}
		}
		return append(dst, 0), nil
	case TypeRecord:
		m, ok := v.(map[string]any)
		if !ok {
			return bad()
		}
		for _, f := range s.Fields {
			fv, present := m[f.Name]
			if !present {
				if !f.HasDefault {
					return nil, fmt.Errorf("default of %s lacks field %q, which has no default", encAvroDesc(s), f.Name)
				}
				fv = f.Default
			}
			var err error
			if dst, err = encDefault(dst, f.Type, fv, depth+1); err != nil {
				return nil, err
			}
		}
		return dst, nil
	case TypeUnion:
		return encDefault(append(dst, 0), s.Branches[0], v, depth+1)
	}
	return bad()
}
