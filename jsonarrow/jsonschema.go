package jsonarrow

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/kafarr/kafarr/avroarrow"
	"github.com/kafarr/kafarr/kafkaio"
)

// Resolver fetches a schema that another one refers to, as the registry
// holds it: the schema text, its type and its own references. A JSON
// Schema's $ref to another document ("other.json#/$defs/X") names one of
// the referring schema's references, whose Name is the $ref's document
// part.
type Resolver func(ctx context.Context, ref kafkaio.SchemaReference) (kafkaio.SchemaInfo, error)

// maxRefDocs bounds the documents one schema may pull in through
// references.
const maxRefDocs = 256

// jsonTextType is the type of a column holding JSON text.
var jsonTextType = arrow.BinaryTypes.String

// FromJSONSchema maps a JSON Schema (draft 4 to 2020-12, as Confluent's
// serializers register them) to the Arrow schema of the value columns:
// one column per property of the root object, in document order, all
// nullable (MetaNotNull marks the required ones whose schema admits no
// null), or a single column named "value" (with MetaRoot=RootValue)
// when the root is not an object with properties. refs are the schema's
// registry references; resolve fetches them (nil when there are none).
// See docs/types.md for the mapping. Errors are *SchemaError, or the
// resolver's error wrapped.
func FromJSONSchema(ctx context.Context, text string, refs []kafkaio.SchemaReference, resolve Resolver) (*arrow.Schema, error) {
	root, err := parseDoc(text)
	if err != nil {
		return nil, &SchemaError{Msg: "not JSON: " + err.Error()}
	}
	m := &schemaMapper{ctx: ctx, resolve: resolve, docs: map[string]*schemaDoc{}, active: map[*jnode]bool{}}
	d := &schemaDoc{root: root, refs: refs}
	f, err := m.field(ValueColumnName, d, root, "#", 0)
	if err != nil {
		return nil, err
	}
	if st, ok := f.Type.(*arrow.StructType); ok && !isJSONText(f) {
		fields := st.Fields()
		for i := range fields {
			if !fields[i].Nullable {
				// Only a required property's type can still say so here.
				fields[i].Metadata = withMeta(fields[i].Metadata, MetaNotNull, "true")
			}
			fields[i].Nullable = true
		}
		return arrow.NewSchema(fields, nil), nil
	}
	if !f.Nullable {
		f.Metadata = withMeta(f.Metadata, MetaNotNull, "true")
	}
	f.Nullable = true
	md := arrow.NewMetadata([]string{MetaRoot}, []string{RootValue})
	return arrow.NewSchema([]arrow.Field{f}, &md), nil
}

// ValueColumnName names the single column of a schema whose message is
// not an object of columns, as avroarrow.ValueColumnName does for Avro.
const ValueColumnName = avroarrow.ValueColumnName

func isJSONText(f arrow.Field) bool {
	v, _ := f.Metadata.GetValue(MetaType)
	return v == TypeJSONText
}

// schemaDoc is one schema document: the root schema or a referenced one.
type schemaDoc struct {
	root *jnode
	refs []kafkaio.SchemaReference
	name string // the reference name, "" for the root document
}

type schemaMapper struct {
	ctx     context.Context
	resolve Resolver
	docs    map[string]*schemaDoc // referenced documents by subject and version
	active  map[*jnode]bool       // schemas being mapped, to stop recursion
}

func (m *schemaMapper) errf(d *schemaDoc, path, format string, args ...any) error {
	return &SchemaError{Path: d.name + path, Msg: fmt.Sprintf(format, args...)}
}

// textField is a column holding the JSON text of any value.
func textField(name string) arrow.Field {
	return arrow.Field{Name: name, Type: jsonTextType, Nullable: true,
		Metadata: arrow.NewMetadata([]string{MetaType}, []string{TypeJSONText})}
}

// field maps schema v of document d to an Arrow field named name whose
// nullability says whether the schema admits null. path is v's JSON
// pointer in d.
func (m *schemaMapper) field(name string, d *schemaDoc, v *jnode, path string, depth int) (arrow.Field, error) {
	if depth > DefaultMaxDepth {
		return arrow.Field{}, m.errf(d, path, "the schema nests deeper than %d levels", DefaultMaxDepth)
	}
	switch v.kind {
	case 'b':
		return textField(name), nil // true: any value; false: none
	case 'o':
	default:
		return arrow.Field{}, m.errf(d, path, "a schema must be an object or a boolean, not %s", v.kindWord())
	}
	if ref := v.get("$ref"); ref != nil {
		if ref.kind != 's' {
			return arrow.Field{}, m.errf(d, path+"/$ref", "$ref must be a string")
		}
		td, tv, tpath, err := m.deref(d, ref.str, path)
		if err != nil {
			return arrow.Field{}, err
		}
		if m.active[tv] {
			// A recursive type: Arrow types cannot nest without end, so
			// the recursion point holds JSON text.
			return textField(name), nil
		}
		m.active[tv] = true
		defer delete(m.active, tv)
		return m.field(name, td, tv, tpath, depth+1)
	}
	types, ok := typeSet(v.get("type"))
	if !ok {
		return arrow.Field{}, m.errf(d, path+"/type", "type must be a type name or an array of them")
	}
	if types == nil {
		switch {
		case v.get("oneOf") != nil || v.get("anyOf") != nil:
			return m.alternatives(name, d, v, path, depth)
		case v.get("allOf") != nil:
			all := v.get("allOf")
			if all.kind == 'a' && len(all.vals) == 1 {
				return m.field(name, d, all.vals[0], path+"/allOf/0", depth+1)
			}
			return textField(name), nil
		case v.get("properties") != nil || v.get("additionalProperties") != nil:
			types = []string{"object"}
		case v.get("items") != nil:
			types = []string{"array"}
		case v.get("enum") != nil:
		case v.get("const") != nil:
			types = []string{constType(v.get("const"))}
		default:
			return textField(name), nil // any value
		}
	}
	nullable := false
	var nonNull []string
	for _, t := range types {
		if t == "null" {
			nullable = true
		} else {
			nonNull = append(nonNull, t)
		}
	}
	if e := v.get("enum"); e != nil {
		if f, ok := enumField(name, e, nonNull); ok {
			f.Nullable = f.Nullable || nullable
			return f, nil
		}
		if nonNull == nil && !nullable {
			return textField(name), nil // an enum of mixed values, no type
		}
	}
	if len(nonNull) == 2 && contains(nonNull, "integer") && contains(nonNull, "number") {
		nonNull = []string{"number"}
	}
	switch len(nonNull) {
	case 0:
		return arrow.Field{Name: name, Type: arrow.Null, Nullable: true}, nil
	case 1:
	default:
		return textField(name), nil // a value of several types
	}
	f, err := m.typed(name, nonNull[0], d, v, path, depth)
	if err != nil {
		return arrow.Field{}, err
	}
	f.Nullable = f.Nullable || nullable
	return f, nil
}

// typed maps a schema of the one non-null JSON type t.
func (m *schemaMapper) typed(name, t string, d *schemaDoc, v *jnode, path string, depth int) (arrow.Field, error) {
	f := arrow.Field{Name: name}
	switch t {
	case "string":
		f.Type = arrow.BinaryTypes.String
		if fm := v.get("format"); fm != nil && fm.kind == 's' {
			switch fm.str {
			case "date-time":
				f.Type = &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}
			case "date":
				f.Type = arrow.FixedWidthTypes.Date32
			case "uuid":
			default:
				return f, nil
			}
			f.Metadata = arrow.NewMetadata([]string{MetaType}, []string{fm.str})
		}
	case "integer":
		f.Type = arrow.PrimitiveTypes.Int64
	case "number":
		f.Type = arrow.PrimitiveTypes.Float64
	case "boolean":
		f.Type = arrow.FixedWidthTypes.Boolean
	case "object":
		return m.object(name, d, v, path, depth)
	case "array":
		items := v.get("items")
		switch {
		case v.get("prefixItems") != nil || (items != nil && items.kind == 'a'):
			return textField(name), nil // a tuple
		case items == nil:
			item := textField("item")
			f.Type = arrow.ListOfField(item)
		default:
			item, err := m.field("item", d, items, path+"/items", depth+1)
			if err != nil {
				return f, err
			}
			f.Type = arrow.ListOfField(item)
		}
	default:
		return f, m.errf(d, path+"/type", "unknown type %q", t)
	}
	return f, nil
}

// object maps an object schema: a struct of its properties, a map when it
// has none but a schema for additionalProperties, else JSON text.
func (m *schemaMapper) object(name string, d *schemaDoc, v *jnode, path string, depth int) (arrow.Field, error) {
	props := v.get("properties")
	if props != nil && props.kind != 'o' {
		return arrow.Field{}, m.errf(d, path+"/properties", "properties must be an object")
	}
	if props == nil || len(props.keys) == 0 {
		if ap := v.get("additionalProperties"); ap != nil && ap.kind == 'o' {
			val, err := m.field("value", d, ap, path+"/additionalProperties", depth+1)
			if err != nil {
				return arrow.Field{}, err
			}
			return arrow.Field{Name: name, Type: arrow.MapOfFields(arrow.Field{Name: "key", Type: arrow.BinaryTypes.String}, val)}, nil
		}
		return textField(name), nil
	}
	required := map[string]bool{}
	if r := v.get("required"); r != nil && r.kind == 'a' {
		for _, x := range r.vals {
			if x.kind == 's' {
				required[x.str] = true
			}
		}
	}
	fields := make([]arrow.Field, 0, len(props.keys))
	seen := map[string]int{}
	for i, key := range props.keys {
		cf, err := m.field(key, d, props.vals[i], path+"/properties/"+pointerEscape(key), depth+1)
		if err != nil {
			return arrow.Field{}, err
		}
		if required[key] {
			cf.Metadata = withMeta(cf.Metadata, MetaRequired, "true")
		} else {
			cf.Nullable = true // a missing property reads as null
		}
		if j, dup := seen[key]; dup {
			fields[j] = cf // a repeated property: the last one counts, as in JSON
			continue
		}
		seen[key] = len(fields)
		fields = append(fields, cf)
	}
	return arrow.Field{Name: name, Type: arrow.StructOf(fields...)}, nil
}

// alternatives maps oneOf/anyOf: the null alternatives make the field
// nullable; one alternative left maps as itself, several as JSON text.
func (m *schemaMapper) alternatives(name string, d *schemaDoc, v *jnode, path string, depth int) (arrow.Field, error) {
	key := "oneOf"
	alts := v.get(key)
	if alts == nil {
		key = "anyOf"
		alts = v.get(key)
	}
	if alts.kind != 'a' {
		return arrow.Field{}, m.errf(d, path+"/"+key, "%s must be an array", key)
	}
	nullable := false
	var rest []int
	for i, a := range alts.vals {
		if t, ok := typeSet(a.get("type")); ok && len(t) == 1 && t[0] == "null" && a.get("$ref") == nil {
			nullable = true
			continue
		}
		rest = append(rest, i)
	}
	switch len(rest) {
	case 0:
		return arrow.Field{Name: name, Type: arrow.Null, Nullable: true}, nil
	case 1:
		f, err := m.field(name, d, alts.vals[rest[0]], path+"/"+key+"/"+strconv.Itoa(rest[0]), depth+1)
		if err != nil {
			return arrow.Field{}, err
		}
		f.Nullable = f.Nullable || nullable
		return f, nil
	}
	return textField(name), nil
}

// enumField maps an enum of strings (and null) to a dictionary column
// whose dictionary is the symbols in schema order; false for any other
// enum, or a type other than string.
func enumField(name string, e *jnode, types []string) (arrow.Field, bool) {
	if e.kind != 'a' || len(types) > 1 || (len(types) == 1 && types[0] != "string") {
		return arrow.Field{}, false
	}
	nullable := false
	var symbols []string
	for _, x := range e.vals {
		switch x.kind {
		case 's':
			symbols = append(symbols, x.str)
		case 'z':
			nullable = true
		default:
			return arrow.Field{}, false
		}
	}
	if len(symbols) == 0 {
		return arrow.Field{}, false
	}
	b, _ := json.Marshal(symbols)
	return arrow.Field{
		Name:     name,
		Type:     &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String},
		Nullable: nullable,
		Metadata: arrow.NewMetadata([]string{MetaType, avroarrow.MetaSymbols}, []string{"enum", string(b)}),
	}, true
}

// typeSet reads a type keyword: nil without one, false if malformed.
func typeSet(t *jnode) ([]string, bool) {
	if t == nil {
		return nil, true
	}
	switch t.kind {
	case 's':
		return []string{t.str}, true
	case 'a':
		out := make([]string, 0, len(t.vals))
		for _, x := range t.vals {
			if x.kind != 's' {
				return nil, false
			}
			if !contains(out, x.str) {
				out = append(out, x.str)
			}
		}
		return out, true
	}
	return nil, false
}

func constType(c *jnode) string {
	switch c.kind {
	case 's':
		return "string"
	case 'n':
		if _, err := strconv.ParseInt(string(c.num), 10, 64); err == nil {
			return "integer"
		}
		return "number"
	case 'b':
		return "boolean"
	case 'o':
		return "object"
	case 'a':
		return "array"
	}
	return "null"
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func withMeta(md arrow.Metadata, key, val string) arrow.Metadata {
	keys := append(md.Keys()[:len(md.Keys()):len(md.Keys())], key)
	vals := append(md.Values()[:len(md.Values()):len(md.Values())], val)
	return arrow.NewMetadata(keys, vals)
}

func pointerEscape(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

// deref finds the schema a $ref names: a JSON pointer into the same
// document ("#/$defs/X", "#/definitions/X", any "#/..."), or into a
// referenced document ("other.json", "other.json#/$defs/X") that the
// resolver fetches. It returns the document, the schema and its path.
func (m *schemaMapper) deref(d *schemaDoc, ref, path string) (*schemaDoc, *jnode, string, error) {
	base, frag, _ := strings.Cut(ref, "#")
	td := d
	if base != "" {
		var err error
		if td, err = m.document(d, base, path); err != nil {
			return nil, nil, "", err
		}
	}
	if frag == "" {
		return td, td.root, "#", nil
	}
	if frag[0] != '/' {
		return nil, nil, "", m.errf(d, path+"/$ref", "$ref %q: only JSON pointer fragments (#/...) are supported, not anchors", ref)
	}
	v := td.root
	for _, tok := range strings.Split(frag[1:], "/") {
		if t, err := url.PathUnescape(tok); err == nil {
			tok = t
		}
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		var next *jnode
		switch v.kind {
		case 'o':
			next = v.get(tok)
		case 'a':
			if i, err := strconv.Atoi(tok); err == nil && i >= 0 && i < len(v.vals) {
				next = v.vals[i]
			}
		}
		if next == nil {
			return nil, nil, "", m.errf(d, path+"/$ref", "$ref %q points at nothing", ref)
		}
		v = next
	}
	return td, v, "#" + frag, nil
}

// document returns the referenced document that d's reference name
// names, fetching it the first time.
func (m *schemaMapper) document(d *schemaDoc, name, path string) (*schemaDoc, error) {
	var ref *kafkaio.SchemaReference
	for i := range d.refs {
		if d.refs[i].Name == name {
			ref = &d.refs[i]
			break
		}
	}
	if ref == nil {
		names := make([]string, len(d.refs))
		for i, r := range d.refs {
			names[i] = r.Name
		}
		return nil, m.errf(d, path+"/$ref", "$ref %q names no reference of the schema (its references: %q)", name, names)
	}
	key := ref.Subject + "\x00" + strconv.Itoa(ref.Version)
	if td, ok := m.docs[key]; ok {
		return td, nil
	}
	if m.resolve == nil {
		return nil, m.errf(d, path+"/$ref", "$ref %q needs the schema registry to resolve it", name)
	}
	if len(m.docs) >= maxRefDocs {
		return nil, m.errf(d, path+"/$ref", "the schema pulls in more than %d referenced schemas", maxRefDocs)
	}
	info, err := m.resolve(m.ctx, *ref)
	if err != nil {
		return nil, fmt.Errorf("json schema: resolving reference %q (subject %q version %d): %w", name, ref.Subject, ref.Version, err)
	}
	if info.Type != "" && info.Type != "JSON" {
		return nil, m.errf(d, path+"/$ref", "reference %q (subject %q version %d) has schema type %s, not JSON", name, ref.Subject, ref.Version, info.Type)
	}
	root, err := parseDoc(info.Schema)
	if err != nil {
		return nil, m.errf(d, path+"/$ref", "reference %q (subject %q version %d) is not JSON: %v", name, ref.Subject, ref.Version, err)
	}
	td := &schemaDoc{root: root, refs: info.References, name: name}
	m.docs[key] = td
	return td, nil
}
