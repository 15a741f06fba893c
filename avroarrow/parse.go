package avroarrow

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strings"
)

// maxSchemaDepth bounds the nesting of a schema document, so a hostile
// schema cannot exhaust the stack.
const maxSchemaDepth = 256

// Parse parses an Avro schema from its JSON text. Names are resolved with
// the Avro namespace rules; references to a named type share one *Schema.
// Errors are *SchemaError values naming the path of the offending node.
func Parse(text string) (*Schema, error) {
	return ParseWithNamed(text, nil)
}

// ParseWithNamed parses text with named types already known, as schema
// references in a registry provide them; named maps full names to schemas
// and is not modified.
func ParseWithNamed(text string, named map[string]*Schema) (*Schema, error) {
	dec := json.NewDecoder(strings.NewReader(text))
	dec.UseNumber()
	var doc any
	if err := dec.Decode(&doc); err != nil {
		return nil, &SchemaError{Msg: "invalid JSON: " + err.Error()}
	}
	if dec.More() {
		return nil, &SchemaError{Msg: "invalid JSON: trailing data after the schema"}
	}
	p := &parser{names: make(map[string]*Schema, len(named))}
	for k, v := range named {
		p.names[k] = v
	}
	return p.parse(doc, "", "$", 0)
}

// MustParse is Parse for schemas known to be valid, such as constants in
// tests and examples; it panics on error.
func MustParse(text string) *Schema {
	s, err := Parse(text)
	if err != nil {
		panic(err)
	}
	return s
}

// SchemaError reports an invalid Avro schema.
type SchemaError struct {
	// Path locates the node, e.g. "$.fields[2].type".
	Path string
	// Msg says what is wrong.
	Msg string
}

func (e *SchemaError) Error() string {
	if e.Path == "" {
		return "avro schema: " + e.Msg
	}
	return "avro schema: " + e.Path + ": " + e.Msg
}

type parser struct {
	names map[string]*Schema
}

func (p *parser) errorf(path, format string, args ...any) error {
	return &SchemaError{Path: path, Msg: fmt.Sprintf(format, args...)}
}

func (p *parser) parse(doc any, ns, path string, depth int) (*Schema, error) {
	if depth > maxSchemaDepth {
		return nil, p.errorf(path, "schema nested deeper than %d levels", maxSchemaDepth)
	}
	switch v := doc.(type) {
	case string:
		return p.reference(v, ns, path)
	case []any:
		return p.union(v, ns, path, depth)
	case map[string]any:
		return p.object(v, ns, path, depth)
	default:
		return nil, p.errorf(path, "a schema must be a string, an object or an array, not %s", jsonKind(doc))
	}
}

func (p *parser) reference(name, ns, path string) (*Schema, error) {
	if t, ok := primitiveType(name); ok {
		return &Schema{Type: t}, nil
	}
	full := fullName(name, ns)
	if s, ok := p.names[full]; ok {
		return s, nil
	}
	// A name without a namespace may also refer to a type in the null
	// namespace when the enclosing namespace has no such type.
	if s, ok := p.names[name]; ok && !strings.Contains(name, ".") {
		return s, nil
	}
	return nil, p.errorf(path, "unknown type %q", name)
}

func (p *parser) union(branches []any, ns, path string, depth int) (*Schema, error) {
	u := &Schema{Type: TypeUnion, Branches: make([]*Schema, 0, len(branches))}
	seen := make(map[string]bool, len(branches))
	for i, b := range branches {
		bp := fmt.Sprintf("%s[%d]", path, i)
		s, err := p.parse(b, ns, bp, depth+1)
		if err != nil {
			return nil, err
		}
		if s.Type == TypeUnion {
			return nil, p.errorf(bp, "a union may not directly contain another union")
		}
		key := s.BranchName()
		if seen[key] {
			return nil, p.errorf(bp, "duplicate union branch %q", key)
		}
		seen[key] = true
		u.Branches = append(u.Branches, s)
	}
	if len(u.Branches) == 0 {
		return nil, p.errorf(path, "a union needs at least one branch")
	}
	return u, nil
}

func (p *parser) object(obj map[string]any, ns, path string, depth int) (*Schema, error) {
	rawType, ok := obj["type"]
	if !ok {
		return nil, p.errorf(path, `missing "type"`)
	}
	typeName, ok := rawType.(string)
	if !ok {
		// {"type": {...}} or {"type": [...]}: a wrapped schema; attributes
		// beside it other than logicalType are ignored, as other
		// implementations do.
		return p.parse(rawType, ns, path+".type", depth+1)
	}
	var s *Schema
	var err error
	switch typeName {
	case "record", "error":
		s, err = p.record(obj, ns, path, depth)
	case "enum":
		s, err = p.enum(obj, ns, path)
	case "fixed":
		s, err = p.fixed(obj, ns, path)
	case "array":
		items, ok := obj["items"]
		if !ok {
			return nil, p.errorf(path, `array without "items"`)
		}
		s = &Schema{Type: TypeArray}
		s.Items, err = p.parse(items, ns, path+".items", depth+1)
	case "map":
		values, ok := obj["values"]
		if !ok {
			return nil, p.errorf(path, `map without "values"`)
		}
		s = &Schema{Type: TypeMap}
		s.Values, err = p.parse(values, ns, path+".values", depth+1)
	default:
		t, ok := primitiveType(typeName)
		if !ok {
			// {"type": "SomeNamedType"} refers to a named type.
			return p.reference(typeName, ns, path)
		}
		s = &Schema{Type: t}
	}
	if err != nil {
		return nil, err
	}
	if doc, ok := obj["doc"].(string); ok {
		s.Doc = doc
	}
	p.logical(s, obj)
	s.Props = extraProps(obj, schemaKeys)
	return s, nil
}

var schemaKeys = map[string]bool{
	"type": true, "name": true, "namespace": true, "aliases": true, "doc": true,
	"fields": true, "symbols": true, "default": true, "items": true, "values": true,
	"size": true, "logicalType": true, "precision": true, "scale": true,
}

func (p *parser) define(obj map[string]any, ns, path string, t Type) (*Schema, string, error) {
	name, ok := obj["name"].(string)
	if !ok || name == "" {
		return nil, "", p.errorf(path, "a %s needs a name", t)
	}
	if space, ok := obj["namespace"].(string); ok && !strings.Contains(name, ".") {
		ns = space
	}
	full := fullName(name, ns)
	if err := validFullName(full); err != nil {
		return nil, "", p.errorf(path, "%v", err)
	}
	if _, ok := primitiveType(full); ok {
		return nil, "", p.errorf(path, "%q is a primitive type name and cannot be redefined", full)
	}
	if _, dup := p.names[full]; dup {
		return nil, "", p.errorf(path, "type %q is defined twice", full)
	}
	s := &Schema{Type: t, Name: full}
	newNS := full[:max(0, strings.LastIndexByte(full, '.'))]
	aliases, err := p.aliases(obj, newNS, path)
	if err != nil {
		return nil, "", err
	}
	s.Aliases = aliases
	p.names[full] = s
	return s, newNS, nil
}

func (p *parser) aliases(obj map[string]any, ns, path string) ([]string, error) {
	raw, ok := obj["aliases"]
	if !ok {
		return nil, nil
	}
	list, ok := raw.([]any)
	if !ok {
		return nil, p.errorf(path, `"aliases" must be an array of strings`)
	}
	out := make([]string, 0, len(list))
	for _, a := range list {
		str, ok := a.(string)
		if !ok || str == "" {
			return nil, p.errorf(path, `"aliases" must be an array of strings`)
		}
		if ns != "" {
			str = fullName(str, ns)
		}
		out = append(out, str)
	}
	return out, nil
}

func (p *parser) record(obj map[string]any, ns, path string, depth int) (*Schema, error) {
	s, innerNS, err := p.define(obj, ns, path, TypeRecord)
	if err != nil {
		return nil, err
	}
	rawFields, ok := obj["fields"].([]any)
	if !ok {
		return nil, p.errorf(path, `record %q needs a "fields" array`, s.Name)
	}
	s.Fields = make([]*Field, 0, len(rawFields))
	seen := make(map[string]bool, len(rawFields))
	for i, rf := range rawFields {
		fp := fmt.Sprintf("%s.fields[%d]", path, i)
		fobj, ok := rf.(map[string]any)
		if !ok {
			return nil, p.errorf(fp, "a field must be an object")
		}
		name, ok := fobj["name"].(string)
		if !ok || !validName(name) {
			return nil, p.errorf(fp, "invalid field name %v", fobj["name"])
		}
		if seen[name] {
			return nil, p.errorf(fp, "duplicate field %q in record %q", name, s.Name)
		}
		seen[name] = true
		rawType, ok := fobj["type"]
		if !ok {
			return nil, p.errorf(fp, `field %q has no "type"`, name)
		}
		ft, err := p.parse(rawType, innerNS, fp+".type", depth+1)
		if err != nil {
			return nil, err
		}
		f := &Field{Name: name, Type: ft, Order: "ascending"}
		if doc, ok := fobj["doc"].(string); ok {
			f.Doc = doc
		}
		if order, ok := fobj["order"].(string); ok {
			f.Order = order
		}
		if list, ok := fobj["aliases"].([]any); ok {
			for _, a := range list {
				if str, ok := a.(string); ok {
					f.Aliases = append(f.Aliases, str)
				}
			}
		}
		if def, ok := fobj["default"]; ok {
			if err := checkDefault(ft, def, 0); err != nil {
				return nil, p.errorf(fp, "default of field %q: %v", name, err)
			}
			f.Default, f.HasDefault = def, true
		}
		f.Props = extraProps(fobj, fieldKeys)
		s.Fields = append(s.Fields, f)
	}
	return s, nil
}

var fieldKeys = map[string]bool{
	"name": true, "type": true, "doc": true, "default": true, "order": true, "aliases": true,
}

func (p *parser) enum(obj map[string]any, ns, path string) (*Schema, error) {
	s, _, err := p.define(obj, ns, path, TypeEnum)
	if err != nil {
		return nil, err
	}
	raw, ok := obj["symbols"].([]any)
	if !ok {
		return nil, p.errorf(path, `enum %q needs a "symbols" array`, s.Name)
	}
	seen := make(map[string]bool, len(raw))
	for _, r := range raw {
		sym, ok := r.(string)
		if !ok || !validName(sym) {
			return nil, p.errorf(path, "enum %q has an invalid symbol %v", s.Name, r)
		}
		if seen[sym] {
			return nil, p.errorf(path, "enum %q has the symbol %q twice", s.Name, sym)
		}
		seen[sym] = true
		s.Symbols = append(s.Symbols, sym)
	}
	if def, ok := obj["default"]; ok {
		sym, ok := def.(string)
		if !ok || !seen[sym] {
			return nil, p.errorf(path, "enum %q default %v is not one of its symbols", s.Name, def)
		}
		s.EnumDefault, s.HasEnumDefault = sym, true
	}
	return s, nil
}

func (p *parser) fixed(obj map[string]any, ns, path string) (*Schema, error) {
	s, _, err := p.define(obj, ns, path, TypeFixed)
	if err != nil {
		return nil, err
	}
	size, ok := jsonInt(obj["size"])
	if !ok || size < 0 || size > math.MaxInt32 {
		return nil, p.errorf(path, `fixed %q needs a non-negative integer "size"`, s.Name)
	}
	s.Size = int(size)
	return s, nil
}

// logical sets s.Logical from the logicalType attribute when it is valid for
// the underlying type; otherwise the attribute is ignored.
func (p *parser) logical(s *Schema, obj map[string]any) {
	lt, _ := obj["logicalType"].(string)
	switch lt {
	case "":
		return
	case LogicalDecimal:
		if s.Type != TypeBytes && s.Type != TypeFixed {
			return
		}
		prec, ok := jsonInt(obj["precision"])
		if !ok || prec <= 0 {
			return
		}
		scale := int64(0)
		if raw, present := obj["scale"]; present {
			if scale, ok = jsonInt(raw); !ok || scale < 0 || scale > prec {
				return
			}
		}
		if s.Type == TypeFixed && prec > maxDecimalDigits(s.Size) {
			return
		}
		if prec > 76 {
			// Beyond decimal256; keep the bytes as they are.
			return
		}
		s.Precision, s.Scale = int(prec), int(scale)
	case LogicalUUID:
		if s.Type != TypeString && !(s.Type == TypeFixed && s.Size == 16) {
			return
		}
	case LogicalDate, LogicalTimeMillis:
		if s.Type != TypeInt {
			return
		}
	case LogicalTimeMicros, LogicalTimestampMillis, LogicalTimestampMicros, LogicalTimestampNanos,
		LogicalLocalTimestampMilli, LogicalLocalTimestampMicro, LogicalLocalTimestampNanos:
		if s.Type != TypeLong {
			return
		}
	case LogicalDuration:
		if s.Type != TypeFixed || s.Size != 12 {
			return
		}
	default:
		return
	}
	s.Logical = lt
}

// maxDecimalDigits is the number of decimal digits a two's-complement
// integer of n bytes can always hold.
func maxDecimalDigits(n int) int64 {
	if n <= 0 {
		return 0
	}
	return int64(math.Floor(math.Log10(2) * float64(8*n-1)))
}

// checkDefault verifies that a field default fits the field's schema. Per
// the specification a union default matches the union's first branch.
func checkDefault(s *Schema, v any, depth int) error {
	if depth > maxSchemaDepth {
		return fmt.Errorf("default nested too deeply")
	}
	bad := func() error { return fmt.Errorf("%s does not match type %s", jsonKind(v), s.Type) }
	switch s.Type {
	case TypeNull:
		if v != nil {
			return bad()
		}
	case TypeBoolean:
		if _, ok := v.(bool); !ok {
			return bad()
		}
	case TypeInt, TypeLong:
		n, ok := jsonInt(v)
		if !ok {
			return bad()
		}
		if s.Type == TypeInt && (n < math.MinInt32 || n > math.MaxInt32) {
			return fmt.Errorf("%d does not fit an int", n)
		}
	case TypeFloat, TypeDouble:
		if _, ok := v.(json.Number); !ok {
			// NaN and infinities have no JSON form; a string is the
			// common workaround, which other implementations reject.
			return bad()
		}
	case TypeBytes, TypeString, TypeFixed:
		str, ok := v.(string)
		if !ok {
			return bad()
		}
		if s.Type == TypeFixed && len([]rune(str)) != s.Size {
			return fmt.Errorf("fixed %q default must have %d characters", s.Name, s.Size)
		}
	case TypeEnum:
		str, ok := v.(string)
		if !ok {
			return bad()
		}
		for _, sym := range s.Symbols {
			if sym == str {
				return nil
			}
		}
		return fmt.Errorf("%q is not a symbol of enum %q", str, s.Name)
	case TypeArray:
		list, ok := v.([]any)
		if !ok {
			return bad()
		}
		for _, e := range list {
			if err := checkDefault(s.Items, e, depth+1); err != nil {
				return err
			}
		}
	case TypeMap:
		m, ok := v.(map[string]any)
		if !ok {
			return bad()
		}
		for _, e := range m {
			if err := checkDefault(s.Values, e, depth+1); err != nil {
				return err
			}
		}
	case TypeUnion:
		return checkDefault(s.Branches[0], v, depth+1)
	case TypeRecord:
		m, ok := v.(map[string]any)
		if !ok {
			return bad()
		}
		for _, f := range s.Fields {
			fv, present := m[f.Name]
			if !present {
				if f.HasDefault {
					continue
				}
				return fmt.Errorf("record %q default lacks field %q", s.Name, f.Name)
			}
			if err := checkDefault(f.Type, fv, depth+1); err != nil {
				return err
			}
		}
	}
	return nil
}

func primitiveType(name string) (Type, bool) {
	for t := TypeNull; t <= TypeString; t++ {
		if typeNames[t] == name {
			return t, true
		}
	}
	return 0, false
}

func fullName(name, ns string) string {
	if strings.Contains(name, ".") || ns == "" {
		return strings.TrimPrefix(name, ".")
	}
	return ns + "." + name
}

func validFullName(full string) error {
	for _, part := range strings.Split(full, ".") {
		if !validName(part) {
			return fmt.Errorf("invalid name %q", full)
		}
	}
	return nil
}

func validName(n string) bool {
	if n == "" {
		return false
	}
	for i, r := range n {
		switch {
		case r == '_', r >= 'A' && r <= 'Z', r >= 'a' && r <= 'z':
		case r >= '0' && r <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}

func jsonInt(v any) (int64, bool) {
	n, ok := v.(json.Number)
	if !ok {
		return 0, false
	}
	i, err := n.Int64()
	if err != nil {
		// Accept integral floats such as 2.0, as other parsers do.
		f, ferr := n.Float64()
		if ferr != nil || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
			return 0, false
		}
		return int64(f), true
	}
	return i, true
}

func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case json.Number:
		return "a number"
	case string:
		return "a string"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}

func extraProps(obj map[string]any, known map[string]bool) map[string]any {
	var out map[string]any
	for k, v := range obj {
		if known[k] {
			continue
		}
		if out == nil {
			out = make(map[string]any)
		}
		out[k] = v
	}
	return out
}

// sortedKeys returns m's keys in order, for deterministic output.
func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// marshalJSON encodes v without HTML escaping.
func marshalJSON(v any) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
	return strings.TrimSuffix(buf.String(), "\n")
}
