package avroarrow

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"sort"
)

// encodeDefault encodes a field default (JSON-decoded, numbers as
// json.Number) as Avro binary of schema s, so the decoder can read it like
// writer data. Bytes and fixed defaults are strings whose code points are
// the byte values, per the specification; a union default matches the
// union's first branch, or failing that any branch.
func encodeDefault(s *Schema, v any) ([]byte, error) {
	return appendDefault(nil, s, v, 0)
}

func appendDefault(dst []byte, s *Schema, v any, depth int) ([]byte, error) {
	if depth > maxSchemaDepth {
		return nil, fmt.Errorf("default nested deeper than %d levels", maxSchemaDepth)
	}
	bad := func() ([]byte, error) {
		return nil, fmt.Errorf("%s is not a valid default for %s", jsonKind(v), describe(s))
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
		if !ok || (s.Type == TypeInt && n != int64(int32(n))) {
			return bad()
		}
		return appendLong(dst, n), nil
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
			u := math.Float32bits(float32(f))
			return append(dst, byte(u), byte(u>>8), byte(u>>16), byte(u>>24)), nil
		}
		u := math.Float64bits(f)
		return append(dst, byte(u), byte(u>>8), byte(u>>16), byte(u>>24), byte(u>>32), byte(u>>40), byte(u>>48), byte(u>>56)), nil
	case TypeString:
		str, ok := v.(string)
		if !ok {
			return bad()
		}
		return append(appendLong(dst, int64(len(str))), str...), nil
	case TypeBytes, TypeFixed:
		str, ok := v.(string)
		if !ok {
			return bad()
		}
		b := make([]byte, 0, len(str))
		for _, r := range str {
			if r > 0xff {
				return nil, fmt.Errorf("default %q of %s has a character above U+00FF", str, describe(s))
			}
			b = append(b, byte(r))
		}
		if s.Type == TypeFixed {
			if len(b) != s.Size {
				return nil, fmt.Errorf("default of %s has %d bytes, want %d", describe(s), len(b), s.Size)
			}
			return append(dst, b...), nil
		}
		return append(appendLong(dst, int64(len(b))), b...), nil
	case TypeEnum:
		str, ok := v.(string)
		if !ok {
			return bad()
		}
		i := slices.Index(s.Symbols, str)
		if i < 0 {
			return nil, fmt.Errorf("default %q is not a symbol of %s", str, describe(s))
		}
		return appendLong(dst, int64(i)), nil
	case TypeArray:
		list, ok := v.([]any)
		if !ok {
			return bad()
		}
		if len(list) > 0 {
			dst = appendLong(dst, int64(len(list)))
			for _, item := range list {
				var err error
				if dst, err = appendDefault(dst, s.Items, item, depth+1); err != nil {
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
			keys := make([]string, 0, len(m))
			for k := range m {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			dst = appendLong(dst, int64(len(m)))
			for _, k := range keys {
				dst = append(appendLong(dst, int64(len(k))), k...)
				var err error
				if dst, err = appendDefault(dst, s.Values, m[k], depth+1); err != nil {
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
					return nil, fmt.Errorf("default of record %q lacks field %q, which has no default", s.Name, f.Name)
				}
				fv = f.Default
			}
			var err error
			if dst, err = appendDefault(dst, f.Type, fv, depth+1); err != nil {
				return nil, err
			}
		}
		return dst, nil
	case TypeUnion:
		var firstErr error
		for i, b := range s.Branches {
			out, err := appendDefault(appendLong(slices.Clip(dst), int64(i)), b, v, depth+1)
			if err == nil {
				return out, nil
			}
			if firstErr == nil {
				firstErr = err
			}
		}
		return nil, firstErr
	}
	return bad()
}

// appendLong appends v as an Avro zigzag varint.
func appendLong(dst []byte, v int64) []byte {
	u := uint64(v<<1) ^ uint64(v>>63)
	for u >= 0x80 {
		dst = append(dst, byte(u)|0x80)
		u >>= 7
	}
	return append(dst, byte(u))
}
